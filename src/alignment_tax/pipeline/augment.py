"""The frame every augment_<type> stage runs in.

Reads the TL;DR train split, seeds everything, streams the augmenter's rows to
data/augment/<type>/train.jsonl (temp file + rename) and writes
metrics/augment/<type>.json: coordinates, counts, drops per rule. The time is
printed, not written: a forced rerun must reproduce every metrics file byte for byte.
With `augment.<type>.enabled: false` the stage loads no model and writes an
empty output that records the switch, so the assembly (and dvc.yaml) need no
conditional dependencies: `dvc exp run -S augment.toxic.enabled=false` is the
ablation.
"""
from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from omegaconf import OmegaConf

from alignment_tax.augment.common import metrics_path, output_path, stream_rows
from alignment_tax.config import load_params
from alignment_tax.io import read_jsonl, write_json
from alignment_tax.pipeline.stage import STAGE_THREAD_KINDS, begin

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
VERSION = 1  # bump when an augmenter's output changes meaning

Produce = Callable[..., Iterator[tuple[int, list[dict]]]]


def _exit(signum, frame):
    raise SystemExit(128 + signum)


def run(kind: str, produce: Produce) -> dict:
    """`produce(params, rows, drops, stats)` yields (row index, items) once for every row."""
    # SIGTERM (DVC interrupted, a scheduler's stop) unwinds like an exception, so the streamed
    # temp file is removed; after SIGKILL it stays beside an untouched output.
    signal.signal(signal.SIGTERM, _exit)
    params = load_params()
    stage = f"augment_{kind}"
    begin(params, stage=stage if stage in STAGE_THREAD_KINDS else None)
    cfg = params.augment[kind]
    rows = [r for _, r in read_jsonl(TLDR_TRAIN)]
    drops, stats = Counter(), Counter()
    written: set[int] = set()
    n_items = with_output = 0
    start = time.time()
    with stream_rows(output_path(kind)) as write:
        if cfg.enabled:
            for i, items in produce(params, rows, drops, stats):
                write({"id": rows[i]["id"], "items": items})
                written.add(i)
                n_items += len(items)
                with_output += bool(items)
            if len(written) != len(rows):  # a bug, not bad input: every source must be accounted for
                raise RuntimeError(f"augment {kind}: {len(rows) - len(written)} sources never yielded")
    seconds = round(time.time() - start, 1)
    metrics = {
        "augmentation": kind, "version": VERSION, "enabled": bool(cfg.enabled), "seed": params.seed,
        "min_words": params.data.min_words, "config": OmegaConf.to_container(cfg),
        "sources": len(written), "sources_with_output": with_output, "items": n_items,
        "items_per_source": round(n_items / len(written), 4) if written else 0.0,
        "dropped": dict(sorted(drops.items())), "stats": dict(sorted(stats.items())),
    }
    write_json(metrics_path(kind), metrics)
    state = "disabled, empty output" if not cfg.enabled else f"{n_items} items for {with_output}/{len(rows)} sources"
    print(f"augment {kind}: {state} in {seconds}s; dropped {dict(sorted(drops.items()))}")
    return metrics
