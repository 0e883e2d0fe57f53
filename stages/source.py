"""Stage source: fingerprint each dataset's raw input (data/source/<dataset>.json).

Runs on every `dvc repro` (always_changed) in well under a second; a prepare stage
reruns only when its own dataset's fingerprint changed.
"""
from alignment_tax.config import load_params
from alignment_tax.data.fingerprint import MIRROR_DIRS, OUT_DIR, fingerprint
from alignment_tax.errors import stage_main
from alignment_tax.io import write_json


@stage_main
def main() -> None:
    params = load_params()
    for dataset in MIRROR_DIRS:
        write_json(OUT_DIR / f"{dataset}.json", fingerprint(params.data.source, dataset))


if __name__ == "__main__":
    main()
