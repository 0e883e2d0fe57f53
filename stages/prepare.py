"""Stage: prepare one dataset (validate, normalise, subset) for the pipeline.

    python stages/prepare.py <dataset> [--params params.yaml]

Reads params `data.*` (data.source: "hub" or a mirror directory relative to the
repository root), writes data/prepared/<dataset>/*.jsonl and
metrics/prepare/<dataset>.json. Bad input ends with one `error: ...` line, exit 2.
"""
from __future__ import annotations

import argparse

from alignment_tax.config import PARAMS_FILE, load_params
from alignment_tax.data.prepare import PREPARERS, prepare
from alignment_tax.errors import AlignmentTaxError, stage_main


@stage_main
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help=f"one of: {', '.join(PREPARERS)}")
    parser.add_argument("--params", default=PARAMS_FILE, help="params file (default: params.yaml)")
    args = parser.parse_args(argv)
    if args.dataset not in PREPARERS:  # checked before params: the cheaper mistake first
        raise AlignmentTaxError(f"unknown dataset '{args.dataset}' (known: {', '.join(PREPARERS)})")
    cfg = load_params(args.params)
    m = prepare(args.dataset, cfg.data)
    dropped = ", ".join(f"{k}={v}" for k, v in m["dropped"].items() if v) or "none"
    outputs = ", ".join(f"{k}={v}" for k, v in m["outputs"].items())
    print(f"prepare {args.dataset} ({m['source']}): read {m['read']}, kept {m['kept']} "
          f"({outputs}); dropped: {dropped}")


if __name__ == "__main__":
    main()
