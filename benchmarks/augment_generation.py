"""Batched vs one-at-a-time generation throughput of one augmenter on the tiny model.

Both modes run the augmenter's own `generate` parameters through the same
code (augment.models.causal_batches: length-sorted, left-padded, prompt KV
cache shared by the beams/samples); only the batch size differs. Every
sequence is forced to the same length (min_new_tokens = max_new_tokens, no
stop strings), so both modes do the same work. Prints prompts/s of each and
their ratio (goal >= 5x).

    python benchmarks/augment_generation.py [--augmenter toxic|low_confidence] [--n 32]
        [--batch-size 16] [--max-new-tokens 32] [--device cpu|cuda]

Uses models/base/tiny and data/prepared/tldr/train.jsonl when `dvc repro` made
them, else a fresh tiny model (params tiny_lm architecture) and hand-written rows.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alignment_tax.augment import low_confidence, toxic_rewrite  # noqa: E402
from alignment_tax.augment.models import causal_batches, newline_token_ids  # noqa: E402
from alignment_tax.config import load_params  # noqa: E402
from alignment_tax.io import read_jsonl  # noqa: E402
from alignment_tax.prompts import tldr_prompt_ids  # noqa: E402


def load_rows(n: int) -> list[dict]:
    path = Path("data/prepared/tldr/train.jsonl")
    rows = [r for _, r in read_jsonl(path)] if path.is_file() else []
    if not rows:
        from tests.augment.rows import ROWS
        rows = ROWS
    return [rows[i % len(rows)] for i in range(n)]


def load_model(params):
    if Path("models/base/tiny").is_dir():
        from alignment_tax.models.loader import load_causal_lm
        return load_causal_lm(Path("models/base/tiny"))
    from alignment_tax.models import tiny
    from tests.helpers import SENTENCES
    tok = tiny.train_tokenizer(SENTENCES * 5, params.tiny_lm.vocab_size, params.tiny_lm.n_positions)
    return tiny.new_model(params.tiny_lm, tok), tok


def prompts_and_kwargs(kind: str, rows, tok, params, max_new: int):
    if kind == "toxic":
        cfg = params.augment.toxic
        gen = toxic_rewrite.generation_kwargs(cfg)
        gen.pop("stop_strings")
        prompts = [tok(toxic_rewrite.prompt(r["summary"]), add_special_tokens=False)["input_ids"] for r in rows]
    else:
        cfg = params.augment.low_confidence
        gen = low_confidence.generation_kwargs(cfg, newline_token_ids(tok))
        budget = min(cfg.max_input_tokens, params.tiny_lm.n_positions - max_new)
        prompts = [tldr_prompt_ids(tok, r, budget) for r in rows]
    gen.update(max_new_tokens=max_new, min_new_tokens=max_new)
    return prompts, gen, cfg.batch_size


def throughput(model, tok, prompts, gen, batch_size: int, device: str) -> float:
    torch.manual_seed(0)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in causal_batches(model, tok, prompts, batch_size, f"batch {batch_size}", **gen):
        pass
    if device == "cuda":
        torch.cuda.synchronize()
    return len(prompts) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--augmenter", choices=["toxic", "low_confidence"], default="toxic")
    ap.add_argument("--n", type=int, default=32, help="prompts")
    ap.add_argument("--batch-size", type=int, default=None, help="default: the augmenter's params batch_size")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    params = load_params()
    if a.device == "cpu" and params.compute.threads > 0:
        torch.set_num_threads(params.compute.threads)  # as the stages do (pipeline/stage.py)
    model, tok = load_model(params)
    model.to(a.device).eval()
    rows = load_rows(a.n)
    prompts, gen, default_bs = prompts_and_kwargs(a.augmenter, rows, tok, params, a.max_new_tokens)
    bs = a.batch_size or default_bs
    throughput(model, tok, prompts[:2], gen, 2, a.device)  # warm-up
    batched = throughput(model, tok, prompts, gen, bs, a.device)
    single = throughput(model, tok, prompts, gen, 1, a.device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"augmenter={a.augmenter} device={a.device} threads={torch.get_num_threads()} "
          f"params={n_params / 1e6:.1f}M prompts={a.n} "
          f"mean_prompt_tokens={sum(map(len, prompts)) / len(prompts):.0f} new_tokens={a.max_new_tokens} "
          f"sequences_per_prompt={gen.get('num_return_sequences', 1)}")
    print(f"batched (batch {bs}) {batched:8.2f} prompts/s")
    print(f"one at a time      {single:8.2f} prompts/s")
    print(f"ratio batched/single = {batched / single:.2f}x  (goal >= 5x)")


if __name__ == "__main__":
    main()
