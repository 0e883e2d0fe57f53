"""Time one contrastive training step against a plain cross-entropy step, beside a FLOP model.

Same model, same batch, same optimizer; the only difference is alpha (0 skips
the contrast view entirely). Prints median step times, their ratio, and the
ratio the counted work predicts (goal: measured within 10 % of it; docs/benchmarks.md).

FLOP model (dense matmul work as computed, i.e. on the padded shapes the code
runs; a training step = forward + backward = 3 x forward):
  a pass over n rows of q query tokens attending to k key positions costs
      2 * P_body * n * q            (every weight matrix of the body, once per token)
    + 4 * L * d * n * q * k         (QK^T and AV: 2 * q * k * d each, per layer)
  LM view:  one pass (q = k = T_lm) + LM head 2 * d * V per *labelled* position
  contrast view, `target`: one pass per chunk (q = k = its width)
            `post_and_target` shared prefix: the prompts once (q = k = P), then per
            chunk q = width, k = P + width; naive: q = k = prompt + text per text
            + the projection head 2 * (d^2 + d * proj) per contrast position
  predicted ratio = (LM view + contrast view) / LM view. Not modelled: the
  optimizer step, embeddings, norms, softmax and other per-element work (the
  same in both steps, or small), so the measured ratio should sit at or below it.

    python benchmarks/contrastive_step.py [--steps 10] [--device cpu|cuda] [--model tiny|gpt2]
        [--view target|post_and_target] [--threads N] [--mirror MIRROR] [--profile]

`--model gpt2` builds a GPT-2-small-sized model from config (no download).
Rows: data/contrastive/train.jsonl when `dvc repro` made it; else, when
`--mirror` names the data mirror, TL;DR posts from it with their reference
summary and title as positives and 6 other posts' summaries as negatives (8
texts per source, close to the augmented data's ~8); else synthetic rows.
"""
from __future__ import annotations

import argparse
import json
import random
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
from alignment_tax.contrastive.trainer import CONTRAST_CHUNK, ContrastiveLM  # noqa: E402
from alignment_tax.io import read_jsonl  # noqa: E402
from alignment_tax.models import tiny  # noqa: E402

MIRROR_POSTS = "tldr/dove_tldr_test.jsonl"


def load_rows(n: int, mirror: Path | None) -> tuple[list[dict], str]:
    path = Path("data/contrastive/train.jsonl")
    if path.is_file():
        return [r for _, r in read_jsonl(path)][:n], str(path)
    if mirror is not None:
        posts = mirror / MIRROR_POSTS
        if not posts.is_file():
            sys.exit(f"--mirror {mirror}: no {MIRROR_POSTS} there")
        src = [json.loads(line) for line in posts.read_text(encoding="utf-8").splitlines()[:200]]
        rng = random.Random(0)
        rows = []
        for i, s in enumerate(src[:n]):
            others = rng.sample([j for j in range(len(src)) if j != i], 6)
            rows.append({"id": s["instruction_id"], "subreddit": s["subreddit"], "title": s["title"],
                         "post": s["instruction"], "summary": s["gold_response"], "source_toxic": False,
                         "positives": [{"text": s["gold_response"], "entities": []},
                                       {"text": s["title"], "entities": []}],
                         "negatives": [{"text": src[j]["gold_response"], "entities": []} for j in others]})
        return rows, f"{posts} (positives: reference + title; negatives: 6 other posts' summaries)"
    from tests.helpers import contrastive_row
    return [contrastive_row(i) for i in range(n)], "synthetic (tests.helpers.contrastive_row)"


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


class FlopModel:
    """Forward FLOPs of the step's parts, from the model's shapes (see the module docstring)."""

    def __init__(self, lm, proj_dim: int):
        cfg = lm.config
        self.d, self.layers = cfg.hidden_size, cfg.num_hidden_layers
        self.vocab = lm.get_output_embeddings().weight.shape[0]
        body = lm.base_model
        emb = {id(m.weight) for m in body.modules() if isinstance(m, torch.nn.Embedding)}
        self.p_body = sum(p.numel() for p in body.parameters() if p.dim() == 2 and id(p) not in emb)
        self.proj = proj_dim

    def pass_(self, n: int, q: int, k: int) -> float:
        return 2.0 * self.p_body * n * q + 4.0 * self.layers * self.d * n * q * k

    def lm_view(self, batch) -> float:
        n, t = batch["input_ids"].shape
        labelled = int((batch["labels"][:, 1:] != -100).sum())
        return self.pass_(n, t, t) + 2.0 * self.d * self.vocab * labelled

    def head(self, tokens: int) -> float:
        return 2.0 * (self.d * self.d + self.d * self.proj) * tokens

    def chunks(self, batch, chunk: int):
        m = batch["cl_attention_mask"]
        for s in range(0, m.shape[0], chunk):
            lens = m[s:s + chunk].sum(dim=1)
            yield s, lens

    def contrast_view(self, batch, view: str, shared_prefix: bool = True, chunk: int = CONTRAST_CHUNK) -> float:
        total = 0.0
        if view == "target":
            for _, lens in self.chunks(batch, chunk):
                w = int(lens.max())
                total += self.pass_(len(lens), w, w) + self.head(len(lens) * w)
            return total
        p_len = batch["cl_prompt_mask"].sum(dim=1)
        p_w = int(p_len.max())
        if shared_prefix:
            total += self.pass_(len(p_len), p_w, p_w)
        for s, lens in self.chunks(batch, chunk):
            w = int(lens.max())
            if shared_prefix:
                total += self.pass_(len(lens), w, p_w + w)
            else:
                span = int((p_len[batch["cl_group"][s:s + len(lens)]] + lens).max())
                total += self.pass_(len(lens), span, span)
            total += self.head(len(lens) * w)
        return total


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def one_step(model, opt, batch, alpha: float, device: str) -> float:
    sync(device)
    t = time.perf_counter()
    model.alpha = alpha  # alpha = 0 skips the contrast view entirely: a plain CE step
    loss, _ = model(**batch)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    sync(device)
    return time.perf_counter() - t


def time_steps(model, batch, alpha: float, steps: int, device: str) -> tuple[list[float], list[float]]:
    """CE and contrastive steps interleaved, so machine drift hits both alike."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    ce, cl = [], []
    for i in range(steps + 1):  # one warm-up round
        a, b = one_step(model, opt, batch, 0.0, device), one_step(model, opt, batch, alpha, device)
        print(f"  round {i}{' (warm-up)' if i == 0 else ''}: CE {a * 1000:.1f} ms, contrastive {b * 1000:.1f} ms",
              file=sys.stderr, flush=True)
        if i >= 1:
            ce.append(a)
            cl.append(b)
    return ce, cl


def time_prefix(model, batch, steps: int, device: str) -> tuple[float, float]:
    """Contrast view alone, forward + backward: shared prefix vs naive concatenation, interleaved."""
    def run(shared: bool) -> float:
        sync(device)
        t = time.perf_counter()
        r = model.representations(batch, shared_prefix=shared)
        r.sum().backward()
        model.zero_grad(set_to_none=True)
        sync(device)
        return time.perf_counter() - t
    shared, naive = [], []
    for i in range(steps + 1):
        a, b = run(True), run(False)
        if i >= 1:
            shared.append(a)
            naive.append(b)
    return statistics.median(shared), statistics.median(naive)


# torch op names -> what the FLOP model counts (matrix products, attention) and what it does not
OP_KINDS = (("matrix products", ("addmm", "mm", "bmm", "linear", "matmul", "baddbmm")),
            ("attention", ("scaled_dot_product", "flash_attention", "_softmax", "softmax")),
            ("K/V gathers and copies", ("cat", "index", "gather", "copy_", "expand", "repeat", "contiguous",
                                        "narrow", "slice", "select", "stack", "clone", "masked")))


def op_kind(name: str) -> str:
    base = name.split("::")[-1].lower()
    for kind, keys in OP_KINDS:
        if any(k in base for k in keys):
            return kind
    return "other (norms, activations, elementwise)"


def profile_prefix(model, batch) -> None:
    """Where each way of encoding the contrast view spends its CPU time, by op kind (self time)."""
    from torch.profiler import ProfilerActivity, profile

    for shared in (True, False):
        model.representations(batch, shared_prefix=shared).sum().backward()  # warm-up
        model.zero_grad(set_to_none=True)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.representations(batch, shared_prefix=shared).sum().backward()
        model.zero_grad(set_to_none=True)
        kinds: dict[str, float] = {}
        ops = sorted(prof.key_averages(), key=lambda ev: -ev.self_cpu_time_total)
        for ev in ops:
            kinds[op_kind(ev.key)] = kinds.get(op_kind(ev.key), 0.0) + ev.self_cpu_time_total / 1e3
        total = sum(kinds.values())
        print(f"profile, {'shared prefix' if shared else 'naive concatenation'}: {total:.0f} ms of op self time; "
              + "; ".join(f"{k} {v:.0f} ms ({v / total:.0%})" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
        print("  largest ops: " + ", ".join(f"{ev.key} {ev.self_cpu_time_total / 1e3:.0f} ms" for ev in ops[:6]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--model", choices=["tiny", "gpt2"], default="tiny")
    ap.add_argument("--view", choices=["target", "post_and_target"], default=None,
                    help="default: params contrastive.view")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=CONTRAST_CHUNK, help="contrast texts per forward pass")
    ap.add_argument("--threads", type=int, default=1, help="torch threads on CPU (0 = torch's default)")
    ap.add_argument("--profile", action="store_true",
                    help="post_and_target: also split each contrast-view encoding's CPU time by op kind")
    ap.add_argument("--mirror", type=Path, default=None,
                    help="the data mirror directory: TL;DR rows when data/contrastive is not built")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    params = load_params()
    entry, c = params.model_zoo.tiny, params.contrastive
    view = a.view or c.view
    torch.manual_seed(0)
    lm, tok = build(a.model, params)
    model = ContrastiveLM(lm, ProjectionHead(lm.config.hidden_size, c.proj_dim), alpha=params.alpha,
                          tau=params.tau, toxic_weight=c.toxic_weight, label_smoothing=c.label_smoothing,
                          denominator=c.denominator, view=view, no_entity=c.no_entity,
                          toxic_weight_rule=c.toxic_weight_rule)
    model.chunk = a.chunk
    model.to(a.device).train()
    bs = a.batch_size or entry.batch_size
    collate = ContrastiveCollator(tok, entry.max_length, c.max_summary_tokens, entry.max_positives,
                                  entry.max_negatives, view=view)
    rows, source = load_rows(bs, a.mirror)
    batch = {k: v.to(a.device) for k, v in collate(rows).items()}
    if a.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    ce_times, cl_times = time_steps(model, batch, params.alpha, a.steps, a.device)
    ce, cl = statistics.median(ce_times), statistics.median(cl_times)
    fm = FlopModel(lm, c.proj_dim)
    f_lm, f_cl = fm.lm_view(batch), fm.contrast_view(batch, view, chunk=a.chunk)
    lm_tokens, lm_shape = int(batch["attention_mask"].sum()), tuple(batch["input_ids"].shape)
    labelled = int((batch["labels"][:, 1:] != -100).sum())
    cl_tokens = int(batch["cl_attention_mask"].sum())
    n_params = sum(p.numel() for p in model.parameters())
    print(f"device={a.device} threads={torch.get_num_threads()} model={a.model} params={n_params / 1e6:.1f}M "
          f"(body matmuls {fm.p_body / 1e6:.1f}M, vocab {fm.vocab}) batch={bs} view={view} chunk={a.chunk} "
          f"rows: {source}")
    print(f"LM view: {lm_tokens} tokens (padded {lm_shape[0]}x{lm_shape[1]}), {labelled} labelled; "
          f"contrast view: {batch['cl_input_ids'].shape[0]} texts, {cl_tokens} tokens"
          + (f", prompts {int(batch['cl_prompt_mask'].sum())} tokens" if view == "post_and_target" else ""))
    print(f"FLOP model (fwd): LM view {f_lm / 1e9:.2f} GFLOP, contrast view {f_cl / 1e9:.2f} GFLOP")
    print(f"CE step          median {ce * 1000:8.1f} ms  ({3 * f_lm / ce / 1e9:.1f} GFLOP/s by the model)")
    print(f"contrastive step median {cl * 1000:8.1f} ms  ({3 * (f_lm + f_cl) / cl / 1e9:.1f} GFLOP/s)")
    if a.device == "cuda":
        print(f"peak memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    predicted = (f_lm + f_cl) / f_lm
    print(f"ratio contrastive/CE: measured {cl / ce:.3f}, FLOP model {predicted:.3f} "
          f"(measured/model {cl / ce / predicted:.3f}; goal <= 1.10)")
    if view == "post_and_target":
        shared, naive = time_prefix(model, batch, max(1, a.steps // 2), a.device)
        f_naive = fm.contrast_view(batch, view, shared_prefix=False, chunk=a.chunk)
        print(f"contrast view fwd+bwd: shared prefix {shared * 1000:.1f} ms, naive concatenation {naive * 1000:.1f} ms"
              f"; speed-up measured {naive / shared:.2f}x, FLOP model {f_naive / f_cl:.2f}x")
        if a.profile:
            profile_prefix(model, batch)


if __name__ == "__main__":
    main()
