"""Named configurations: Hydra composes conf/ into params.yaml, the way `dvc exp run` does.

    python -m alignment_tax.composition                          # write params.yaml from conf/ (the defaults)
    python -m alignment_tax.composition experiment=side_by_side  # ... with overrides, in Hydra's grammar
    python -m alignment_tax.composition --check                  # exit 1 if params.yaml is not conf/'s defaults

With `hydra.enabled` in .dvc/config, every `dvc exp run` writes params.yaml anew from conf/config.yaml,
one option of each group (conf/<group>/<option>.yaml) and its `-S` overrides; `dvc repro` runs
params.yaml as it stands. This module runs DVC's own composition (dvc.utils.hydra.compose_and_dump), so
what it writes is byte for byte what an experiment would, for `dvc repro` users, the rehearsal and the
studies (studies/compose.py). A bad group option or key is one line naming the conf file or the key.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

from alignment_tax.config import PARAMS_FILE, strict_load
from alignment_tax.errors import AlignmentTaxError

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"  # the checkout's, wherever the caller stands
CONFIG_NAME = "config"


def groups(conf_dir: Path = CONF_DIR) -> dict[str, list[str]]:
    """{group: [option, ...]}: every conf/<group>/<option>.yaml."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml"))
            for d in sorted(conf_dir.iterdir()) if d.is_dir() and any(d.glob("*.yaml"))}


def defaults(conf_dir: Path = CONF_DIR) -> dict[str, str]:
    """{group: the option conf/config.yaml's defaults list chooses}."""
    data = yaml.safe_load((conf_dir / f"{CONFIG_NAME}.yaml").read_text(encoding="utf-8"))
    return {k: v for entry in data.get("defaults", []) if isinstance(entry, dict) for k, v in entry.items()}


def _error(exc: Exception, conf_dir: Path, overrides: list[str]) -> AlignmentTaxError:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    for group, options in groups(conf_dir).items():
        for o in overrides:
            if o.split("=", 1)[0].lstrip("+~") == group and o.split("=", 1)[-1] not in options:
                return AlignmentTaxError(f"{conf_dir / group}: no option {o.split('=', 1)[-1]!r} "
                                         f"(have: {', '.join(options)})")
    return AlignmentTaxError(f"{conf_dir}: {msg}")


def check_files(conf_dir: Path = CONF_DIR) -> None:
    """Every conf/ file as YAML without anchors, aliases or duplicate keys (config.StrictLoader): Hydra's
    own loader would expand an alias bomb (and hang `dvc exp run`) or keep a duplicate key's last value."""
    for path in sorted(conf_dir.rglob("*.yaml")):
        try:
            strict_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            raise AlignmentTaxError(f"{where}: {getattr(exc, 'problem', None) or exc}") from None


def compose_text(overrides: list[str] | None = None, conf_dir: Path = CONF_DIR) -> str:
    """The params.yaml text `dvc exp run -S <overrides>` writes (DVC's own composition and dump)."""
    from dvc.utils.hydra import compose_and_dump
    from hydra.core.global_hydra import GlobalHydra

    overrides = list(overrides or [])
    check_files(conf_dir)
    GlobalHydra.instance().clear()  # Hydra keeps one global context; a caller's earlier one must not leak in
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / PARAMS_FILE
        try:
            compose_and_dump(out, str(conf_dir.resolve()), None, CONFIG_NAME, str(conf_dir.parent), overrides)
        except Exception as exc:  # Hydra's composition and override-grammar errors, OmegaConf's missing values
            raise _error(exc, conf_dir, overrides) from None
        finally:
            GlobalHydra.instance().clear()
        return out.read_text(encoding="utf-8")


def compose(overrides: list[str] | None = None, conf_dir: Path = CONF_DIR) -> dict:
    """The composed params as a plain mapping."""
    return yaml.safe_load(compose_text(overrides, conf_dir))


def leaves(tree: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists are values."""
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict) and v:
            out.update(leaves(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def hydra_value(v) -> str:
    """A YAML value in Hydra's override grammar (what `dvc exp run -S` parses)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        if '"' in v or "\\" in v:
            raise AlignmentTaxError(f"a string with '\"' or '\\\\' needs Hydra's escapes: {v!r}")
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ",".join(hydra_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{hydra_value(x)}" for k, x in v.items()) + "}"
    raise AlignmentTaxError(f"unsupported value {v!r}")


def changed(choices: list[str], conf_dir: Path = CONF_DIR) -> list[str]:
    """`key=value` overrides that turn the defaults into `choices` (group options): what a named
    configuration changes, as the dotlist a caller can apply over another params file."""
    base, chosen = leaves(compose([], conf_dir)), leaves(compose(choices, conf_dir))
    missing = sorted(set(base) - set(chosen))
    if missing:
        raise AlignmentTaxError(f"{' '.join(choices)}: removes keys {', '.join(missing)}")
    return [f"{k}={hydra_value(v)}" for k, v in chosen.items() if k not in base or base[k] != v]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="Hydra overrides: group=option or key=value")
    ap.add_argument("--check", action="store_true", help="exit 1 if params.yaml is not the composition")
    ap.add_argument("--output", type=Path, default=Path(PARAMS_FILE), help="the file to write (params.yaml)")
    a = ap.parse_args(argv)
    try:
        text = compose_text(a.overrides)
    except AlignmentTaxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.check:
        if not a.output.is_file() or a.output.read_text(encoding="utf-8") != text:
            print(f"error: {a.output} is not conf/'s composition: run python -m alignment_tax.composition "
                  f"{' '.join(a.overrides)}".rstrip(), file=sys.stderr)
            return 1
        return 0
    a.output.unlink(missing_ok=True)  # a link is replaced by the file, never written through
    a.output.write_text(text, encoding="utf-8")
    print(f"wrote {a.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
