"""Multiple-choice log-likelihood: ours (evaluate.loglik, cached context) vs lm-eval 0.4.13's `hf` backend.

Both score the same (context, continuation) requests (benchmarks/loglik_requests.py:
TruthfulQA MC1+MC2 and MMLU-Pro from the data mirror, the pipeline's prompts) with
the same model directory, batch size, max_length, device and torch thread count.
Per model and benchmark it prints the wall time of each, their ratio, whether
every item's choice (argmax option) is identical, and max |delta loglik|.
Model loading is outside both timings; tokenisation is inside both.

Needs lm-eval in its own venv (benchmarks/requirements-lm-eval.txt):

    python -m venv --system-site-packages .venv-lm-eval
    .venv-lm-eval/bin/pip install -r benchmarks/requirements-lm-eval.txt
    PYTHONPATH=$PWD/src .venv-lm-eval/bin/python benchmarks/loglik_vs_lm_eval.py \\
        [--model tiny] [--model models/base/smollm2_135m] [--tqa 20] [--mmlu-categories law,biology]
        [--mmlu-per-category 4] [--mmlu-fewshot 5] [--batch-size 16] [--max-length 0] [--threads 1]
        [--repeats 1] [--device cpu|cuda] [--float64-reference]

`--model tiny` is the pipeline's tiny model: models/base/tiny when `dvc repro` made
it, else one built from params.yaml's tiny_lm architecture (seeded, untrained; a
byte-level BPE trained on the mirror's TL;DR posts) and saved to a temporary
directory. `--max-length 0` = the model's position limit (lm-eval's default).
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

import loglik_requests as lr  # noqa: E402


def build_tiny(out: Path) -> Path:
    if (ROOT / "models/base/tiny/config.json").is_file():
        return ROOT / "models/base/tiny"
    from alignment_tax.config import load_params
    from alignment_tax.io import read_jsonl
    from alignment_tax.models import tiny

    params = load_params()
    posts = [r.get("instruction", "") for _, r in read_jsonl(lr.MIRROR / "tldr/dove_tldr_test.jsonl")]
    tok = tiny.train_tokenizer(posts, params.tiny_lm.vocab_size, params.tiny_lm.n_positions)
    torch.manual_seed(params.seed)
    tiny.save(tiny.new_model(params.tiny_lm, tok), tok, out)
    return out


def ours(model_dir: Path, requests, *, batch_size: int, max_length: int, device: str,
         dtype: torch.dtype = torch.float32):
    from alignment_tax.evaluate.loglik import continuation_logprobs
    from alignment_tax.models.loader import load_causal_lm
    from alignment_tax.methods.runtime import Runtime

    model, tok = load_causal_lm(model_dir)
    rt = Runtime(model=model.to(device=device, dtype=dtype), tokenizer=tok, method="base")
    start = time.perf_counter()
    scores = continuation_logprobs(rt, requests, batch_size=batch_size, max_length=max_length)
    return scores, time.perf_counter() - start


def window(model_dir: Path, requested: int) -> int:
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(model_dir)
    n_pos = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None) or 2048
    return min(requested or n_pos, n_pos)  # lm-eval's default: the model's position limit


def compare(name: str, items, model_dir: Path, lm, a, max_length: int) -> dict:
    reqs = lr.unique_requests(items)
    best_ours = best_lm = float("inf")
    for _ in range(a.repeats):  # lm-eval first, then ours, each repeat; the fastest of each is reported
        lm_scores, t_lm = lr.lm_eval_scores(lm, reqs)
        our_scores, t_ours = ours(model_dir, reqs, batch_size=a.batch_size, max_length=max_length, device=a.device)
        best_lm, best_ours = min(best_lm, t_lm), min(best_ours, t_ours)
    ref, got = dict(zip(reqs, lm_scores)), dict(zip(reqs, our_scores))
    same = lr.choices(items, ref) == lr.choices(items, got)
    delta = max(abs(ref[r] - got[r]) for r in reqs)
    ctx_tokens = sum(len(lm.tok_encode(c)) for c in {it["context"] for it in items})
    row = {"model": model_dir.name, "benchmark": name, "items": len(items), "requests": len(reqs),
           "context_tokens": ctx_tokens, "lm_eval_s": best_lm, "ours_s": best_ours, "ratio": best_lm / best_ours,
           "identical_choices": same, "max_abs_delta": delta}
    print(f"{row['model']:>14} {name:<11} items={len(items):<4} requests={len(reqs):<5} "
          f"lm-eval {best_lm:8.2f} s  ours {best_ours:8.2f} s  ratio {row['ratio']:5.2f}x  "
          f"identical choices: {'yes' if same else 'NO'}  max|dLL| {delta:.2e}", flush=True)
    if a.float64_reference:
        row.update(float64_errors(model_dir, reqs, ref, got, a, max_length))
    return row


def float64_errors(model_dir: Path, reqs, lm32: dict, ours32: dict, a, max_length: int) -> dict:
    """How far each float32 side is from the float64 truth, and how far apart the two are in float64.

    lm-eval in float64 (its full pass per request) is the reference. If ours in float64 matches it to
    ~1e-10, the two algorithms compute the same quantity and the float32 gap between them is rounding;
    each float32 side's distance from the reference then says how much rounding either one carries."""
    lm64 = lr.lm_eval_model(model_dir, batch_size=a.batch_size, max_length=max_length, device=a.device,
                            dtype="float64")
    ref = dict(zip(reqs, lr.lm_eval_scores(lm64, reqs)[0]))
    del lm64
    o64 = dict(zip(reqs, ours(model_dir, reqs, batch_size=a.batch_size, max_length=max_length,
                              device=a.device, dtype=torch.float64)[0]))
    sides = (("lm-eval float32", "lm_eval32", lm32), ("ours float32", "ours32", ours32), ("ours float64", "ours64", o64))
    err = {label: max(abs(v[r] - ref[r]) for r in reqs) for label, _, v in sides}
    print("               vs lm-eval in float64, max|LL - ref|: "
          + "  ".join(f"{label} {e:.2e}" for label, e in err.items()), flush=True)
    return {f"max_abs_{key}_vs_float64": err[label] for label, key, _ in sides}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", help="tiny, or a save_pretrained directory (repeatable)")
    ap.add_argument("--tqa", type=int, default=20, help="TruthfulQA questions (MC1 and MC2 items each)")
    ap.add_argument("--mmlu-categories", default="law,biology")
    ap.add_argument("--mmlu-per-category", type=int, default=4)
    ap.add_argument("--mmlu-fewshot", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-length", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--float64-reference", action="store_true",
                    help="also score every request in float64 (lm-eval and ours) and print each side's error")
    a = ap.parse_args()
    try:
        import lm_eval  # noqa: F401
    except ImportError:
        raise SystemExit("error: lm_eval is not importable; run this with the venv of "
                         "benchmarks/requirements-lm-eval.txt (see this script's docstring)")
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} thread(s), device {a.device}, batch {a.batch_size}")
    tqa = lr.truthfulqa_items(a.tqa) if a.tqa else []
    cats = [c for c in a.mmlu_categories.split(",") if c]
    mmlu = lr.mmlu_pro_items(cats, a.mmlu_per_category, a.mmlu_fewshot) if cats and a.mmlu_per_category else []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.model or ["tiny"]:
            model_dir = build_tiny(Path(tmp) / "tiny") if spec == "tiny" else Path(spec)
            max_length = window(model_dir, a.max_length)
            lm = lr.lm_eval_model(model_dir, batch_size=a.batch_size, max_length=max_length, device=a.device)
            print(f"{model_dir}: max_length {max_length}")
            for name, items in (("truthfulqa", tqa), ("mmlu_pro", mmlu)):
                if items:
                    compare(name, items, model_dir, lm, a, max_length)
            del lm


if __name__ == "__main__":
    main()
