"""A study's params.yaml (the Hydra experiment of its name, composed from conf/) and dvc.yaml.

    python -m alignment_tax.studies.compose studies/smollm2            # write its params.yaml and dvc.yaml
    python -m alignment_tax.studies.compose studies/smollm2 --check    # exit 1 if either is stale

A study directory `studies/<name>` runs the experiment `conf/experiment/<name>_study.yaml`: the same
composition `dvc exp run -S experiment=<name>_study` writes into the root params.yaml (composition.py),
with a relative `data.source` rebased to the study's directory. The result is validated by the same
schema as every params file, so an unknown or mistyped key is a one-line error naming the experiment
file. The written file is what the study's stages read and what DVC records: a change to conf/ reaches a
study only through this command.

The study's dvc.yaml is the root one, copied under a header: one graph definition, run in the
study's directory. A copy, not a symlink: DVC reads a git revision's tree without following
links, so `dvc exp show`, `dvc metrics diff` and the queue fail on a linked dvc.yaml.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from alignment_tax.composition import compose
from alignment_tax.config import PARAMS_FILE, load_params
from alignment_tax.errors import AlignmentTaxError

PIPELINE_FILE = "dvc.yaml"
PIPELINE_HEADER = ("# A copy of the root dvc.yaml, written by `python -m alignment_tax.studies.compose {dir}`:\n"
                   "# the one graph, run in this directory on its params.yaml. Edit the root dvc.yaml, never this file.\n")
HEADER = ("# Written by `python -m alignment_tax.studies.compose {dir}`: conf/ composed with\n"
          "# experiment={experiment} (conf/experiment/{experiment}.yaml says what the study changes, with why).\n"
          "# Edit those, never this file.\n")


def experiment_of(study_dir: Path) -> str:
    return f"{study_dir.resolve().name}_study"


def composed(study_dir: Path, root: Path = Path(".")) -> str:
    """The text of the study's params.yaml (validated)."""
    conf, name = root / "conf", experiment_of(study_dir)
    source = conf / "experiment" / f"{name}.yaml"
    if not source.is_file():
        raise AlignmentTaxError(f"{source}: file not found (the study directory {study_dir.as_posix()} "
                                f"runs the experiment {name})")
    params = compose([f"experiment={name}"], conf)
    data_source = params["data"]["source"]
    if isinstance(data_source, str) and data_source != "hub" and not os.path.isabs(data_source):
        # relative to the params file: the root's path, seen from the study's directory
        params["data"]["source"] = Path(os.path.relpath(root / data_source, study_dir)).as_posix()
    text = (HEADER.format(dir=_shown(study_dir, root), experiment=name)
            + yaml.safe_dump(params, sort_keys=False, width=120))
    check = study_dir / ".compose_check.yaml"
    try:  # the same loader and schema as every stage: an error names the experiment file's key
        check.write_text(text, encoding="utf-8")
        load_params(check)
    except AlignmentTaxError as exc:
        raise AlignmentTaxError(str(exc).replace(str(check), str(source))) from None
    finally:
        check.unlink(missing_ok=True)
    return text


def composed_pipeline(study_dir: Path, root: Path = Path(".")) -> str:
    """The text of the study's dvc.yaml: the root's under a header naming where it comes from."""
    if not (root / PIPELINE_FILE).is_file():
        raise AlignmentTaxError(f"{root / PIPELINE_FILE}: file not found (run from the repository root)")
    return PIPELINE_HEADER.format(dir=_shown(study_dir, root)) + (root / PIPELINE_FILE).read_text(encoding="utf-8")


def _shown(study_dir: Path, root: Path) -> str:
    try:  # the header names the directory as seen from the repository root, wherever the caller stands
        return study_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return study_dir.as_posix()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study", type=Path, help="a study directory, e.g. studies/smollm2")
    ap.add_argument("--check", action="store_true", help="exit 1 if its params.yaml or dvc.yaml is not current")
    a = ap.parse_args(argv)
    try:
        files = {a.study / PARAMS_FILE: composed(a.study), a.study / PIPELINE_FILE: composed_pipeline(a.study)}
    except AlignmentTaxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.check:
        stale = [t for t, text in files.items()
                 if t.is_symlink() or not t.is_file() or t.read_text(encoding="utf-8") != text]
        for target in stale:
            print(f"error: {target} is stale: run python -m alignment_tax.studies.compose {a.study}", file=sys.stderr)
        return 1 if stale else 0
    for target, text in files.items():
        target.unlink(missing_ok=True)  # a link is replaced by the file, never written through
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
