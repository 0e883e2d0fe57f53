"""Time one contrastive training step against a plain cross-entropy step.

Same model, same batch, same optimizer; the only difference is alpha (0 skips
the contrast view entirely). Prints median step times and their ratio
(goal: contrastive / CE <= 1.25).

    python benchmarks/contrastive_step.py [--steps 10] [--device cpu|cuda] [--model tiny|gpt2]

`--model gpt2` builds a GPT-2-small-sized model from config (no download).
Uses data/contrastive/train.jsonl and models/base/tiny when `dvc repro` made
them, else synthetic rows and a fresh tokenizer.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alignment_tax.config import load_params  # noqa: E402
from alignment_tax.contrastive.collate import ContrastiveCollator  # noqa: E402
from alignment_tax.contrastive.head import ProjectionHead  # noqa: E402
from alignment_tax.contrastive.trainer import ContrastiveLM  # noqa: E402
from alignment_tax.io import read_jsonl  # noqa: E402
from alignment_tax.models import tiny  # noqa: E402


def load_rows(n: int) -> list[dict]:
    path = Path("data/contrastive/train.jsonl")
    if path.is_file():
        return [r for _, r in read_jsonl(path)][:n]
    from tests.helpers import contrastive_row
    return [contrastive_row(i) for i in range(n)]


def build(kind: str, params):
    from tests.helpers import SENTENCES
    if kind == "tiny" and Path("models/base/tiny").is_dir():
        from alignment_tax.models.loader import load_causal_lm
        return load_causal_lm(Path("models/base/tiny"))
    tok = tiny.train_tokenizer(SENTENCES * 5, params.tiny_lm.vocab_size, 1024)
    cfg = params.tiny_lm if kind == "tiny" else SimpleNamespace(n_positions=1024, n_embd=768, n_layer=12, n_head=12, dropout=0.1)
    model = tiny.new_model(cfg, tok)
    if kind == "gpt2":
        model.resize_token_embeddings(50257)  # GPT-2's vocabulary size, so the LM head costs what it costs
    return model, tok


def one_step(model, opt, batch, alpha: float, device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    model.alpha = alpha  # alpha = 0 skips the contrast view entirely: a plain CE step
    loss, _ = model(**batch)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t


def time_steps(model, batch, alpha: float, steps: int, device: str) -> tuple[list[float], list[float]]:
    """CE and contrastive steps interleaved, so machine drift hits both alike."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    ce, cl = [], []
    for i in range(steps + 2):  # two warm-up rounds
        a, b = one_step(model, opt, batch, 0.0, device), one_step(model, opt, batch, alpha, device)
        if i >= 2:
            ce.append(a)
            cl.append(b)
    return ce, cl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--model", choices=["tiny", "gpt2"], default="tiny")
    ap.add_argument("--batch-size", type=int, default=None)
    a = ap.parse_args()
    params = load_params()
    entry = params.model_zoo.tiny
    torch.manual_seed(0)
    lm, tok = build(a.model, params)
    model = ContrastiveLM(lm, ProjectionHead(lm.config.hidden_size, params.contrastive.proj_dim), alpha=params.alpha,
                          tau=params.tau, toxic_weight=params.contrastive.toxic_weight,
                          label_smoothing=params.contrastive.label_smoothing)
    model.to(a.device).train()
    bs = a.batch_size or entry.batch_size
    collate = ContrastiveCollator(tok, entry.max_length, params.contrastive.max_summary_tokens,
                                  entry.max_positives, entry.max_negatives)
    batch = {k: v.to(a.device) for k, v in collate(load_rows(bs)).items()}
    if a.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    ce_times, cl_times = time_steps(model, batch, params.alpha, a.steps, a.device)
    ce, cl = statistics.median(ce_times), statistics.median(cl_times)
    lm_tokens = int(batch["attention_mask"].sum())
    cl_tokens = int(batch["cl_attention_mask"].sum())
    n_params = sum(p.numel() for p in model.parameters())
    print(f"device={a.device} model={a.model} params={n_params / 1e6:.1f}M batch={bs} "
          f"lm_tokens={lm_tokens} contrast_texts={batch['cl_input_ids'].shape[0]} contrast_tokens={cl_tokens}")
    print(f"CE step          median {ce * 1000:8.1f} ms  ({lm_tokens / ce:,.0f} LM tokens/s)")
    print(f"contrastive step median {cl * 1000:8.1f} ms")
    if a.device == "cuda":
        print(f"peak memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    print(f"ratio contrastive/CE = {cl / ce:.3f}  (goal <= 1.25)")


if __name__ == "__main__":
    main()
