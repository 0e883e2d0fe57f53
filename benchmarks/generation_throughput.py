"""Greedy generation tokens/s beside the machine's matmul FLOP/s, at one thread count (docs/benchmarks.md).

Modes, all through transformers' `generate` on the same prompts (TruthfulQA
prompts from the data mirror, left-padded, every sequence forced to
--new-tokens tokens so each mode does the same work):
  one-at-a-time   evaluate.generate.generate, batch 1, dynamic KV cache
  batched         evaluate.generate.generate, batch --batch-size, dynamic KV cache
  static          the same batches with cache_implementation="static"
It prints generated tokens/s, the FLOP/s of the useful work (`useful_flops`:
prompt and generated positions through the linear layers, attention, the LM
head per generated token; padding not counted), that as a fraction of a square
float32 matmul's FLOP/s measured in the same process at the same thread count,
and whether each mode's greedy outputs are identical to one-at-a-time's.

    PYTHONPATH=$PWD/src python benchmarks/generation_throughput.py [--model tiny] [--model DIR]
        [--prompts 16] [--batch-size 16] [--new-tokens 32] [--threads 1] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_flops(device: str, n: int = 1024, reps: int = 10) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n ** 3 * reps / (time.perf_counter() - start)


def useful_flops(model, prompt_lengths: list[int], new_tokens: int) -> float:
    """FLOPs of the work itself (no padding): every prompt and generated position through the linear layers
    (2 x non-embedding params), attention over the positions before it (4 x layers x d each), and the LM head
    at each generated token's step only (generate asks for the last position's logits)."""
    cfg = model.config
    d, layers = cfg.hidden_size, cfg.num_hidden_layers
    emb = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Embedding))
    body = sum(p.numel() for p in model.parameters()) - emb
    head = model.get_output_embeddings().weight.numel()
    total = 0.0
    for n in prompt_lengths:
        positions = n + new_tokens - 1  # the last generated token is never fed back
        total += 2 * body * positions + 4 * layers * d * positions * (positions + 1) / 2 + 2 * head * new_tokens
    return total


def run_mode(model, tok, prompts, *, batch_size: int, new_tokens: int, static: bool, device: str):
    from alignment_tax.lm.generate import generate

    sync(device)
    start = time.perf_counter()
    texts = generate(model, tok, prompts, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                     batch_size=batch_size, desc="static" if static else f"batch {batch_size}",
                     cache_implementation="static" if static else None)
    sync(device)
    seconds = time.perf_counter() - start
    return texts, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", help="tiny, or a save_pretrained directory (repeatable)")
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    import loglik_requests as lr
    from loglik_vs_lm_eval import build_tiny

    from alignment_tax.models.loader import load_causal_lm

    contexts = [it["context"] for it in lr.truthfulqa_items(a.prompts) if it["task"] == "mc1"]
    peak = matmul_flops(a.device)
    print(f"torch {torch.__version__}, {a.threads} thread(s), device {a.device}; "
          f"float32 1024x1024 matmul: {peak / 1e9:.1f} GFLOP/s")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.model or ["tiny"]:
            model_dir = build_tiny(Path(tmp) / "tiny") if spec == "tiny" else Path(spec)
            model, tok = load_causal_lm(model_dir)
            model = model.to(a.device).eval()
            prompts = [tok(c, add_special_tokens=False)["input_ids"] for c in contexts]
            work = useful_flops(model, [len(p) for p in prompts], a.new_tokens)
            n_new = len(prompts) * a.new_tokens
            run_mode(model, tok, prompts[:2], batch_size=2, new_tokens=2, static=False, device=a.device)  # warm-up
            results, peaks = {}, {}
            for name, bs, static in (("one-at-a-time", 1, False), ("batched", a.batch_size, False),
                                     ("static", a.batch_size, True)):
                try:
                    peaks[name] = matmul_flops(a.device)  # beside each mode: a shared machine's load drifts
                    results[name] = run_mode(model, tok, prompts, batch_size=bs, new_tokens=a.new_tokens,
                                             static=static, device=a.device)
                except Exception as exc:  # a model without static-cache support: say so, keep the others
                    print(f"{model_dir.name}: {name} failed: {type(exc).__name__}: {exc}")
            base = results["one-at-a-time"][0]
            print(f"{model_dir.name}: {len(prompts)} prompts, mean {sum(map(len, prompts)) / len(prompts):.0f} prompt "
                  f"tokens, {a.new_tokens} new tokens each; {work / 1e9:.1f} GFLOP of useful work (prefill included)")
            for name, (texts, seconds) in results.items():
                tps, fps, peak = n_new / seconds, work / seconds, peaks[name]
                print(f"  {name:<14} {seconds:7.2f} s {tps:8.1f} new tokens/s  {fps / 1e9:6.2f} GFLOP/s "
                      f"= {fps / peak:6.1%} of matmul ({peak / 1e9:.1f} GFLOP/s just before)  identical to one-at-a-time: "
                      f"{'yes' if texts == base else 'NO (%d of %d differ)' % (sum(x != y for x, y in zip(texts, base)), len(base))}",
                      flush=True)


if __name__ == "__main__":
    main()
