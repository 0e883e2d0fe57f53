"""Regenerate tests/evaluate/golden/lm_eval_loglik.json: lm-eval 0.4.13's `hf` log-likelihoods for the golden model.

    PYTHONPATH=$PWD/src .venv-lm-eval/bin/python benchmarks/lm_eval_golden.py

(venv: see benchmarks/requirements-lm-eval.txt). The model is tests/evaluate/golden_model.py's,
saved to a temporary directory and loaded by lm-eval's HFLM; the requests are the pipeline's
TruthfulQA (first 3 questions, MC1 and MC2) and MMLU-Pro (first question of law, biology and
math, 1-shot) prompts from the data mirror, stored with their context text so the test does not
depend on the prompt code. tests/evaluate/test_lm_eval_golden.py compares our scores to these.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "benchmarks")]

import loglik_requests as lr  # noqa: E402
from tests.evaluate.golden_model import GOLDEN, N_POSITIONS, SEED, golden_model, weights_checksum  # noqa: E402


def main() -> None:
    import lm_eval  # noqa: F401  (fails here, not half-way, outside the venv)
    import torch

    torch.set_num_threads(1)
    items = lr.truthfulqa_items(3) + lr.mmlu_pro_items(["law", "biology", "math"], 1, 1)
    reqs = lr.unique_requests(items)
    model, tok = golden_model()
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        lm = lr.lm_eval_model(Path(tmp), batch_size=8, max_length=N_POSITIONS, device="cpu")
        scores, _ = lr.lm_eval_scores(lm, reqs)
    score = dict(zip(reqs, scores))
    contexts = list(dict.fromkeys(it["context"] for it in items))
    out = {"lm_eval": "0.4.13", "backend": "hf", "max_length": N_POSITIONS, "seed": SEED,
           "weights_checksum": weights_checksum(model), "regenerate": "PYTHONPATH=$PWD/src .venv-lm-eval/bin/python "
                                                                     "benchmarks/lm_eval_golden.py",
           "contexts": contexts,
           "items": [{"id": it["id"], "task": it["task"], "context": contexts.index(it["context"]),
                      "options": it["options"], "loglik": [score[(it["context"], o)] for o in it["options"]]}
                     for it in items]}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    tmp = GOLDEN.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(GOLDEN)
    print(f"wrote {GOLDEN.relative_to(ROOT)}: {len(items)} items, {len(reqs)} requests")


if __name__ == "__main__":
    main()
