"""What benchmarks/loglik_vs_lm_eval.py and benchmarks/lm_eval_golden.py feed to both scorers.

The (context, continuation) requests are the pipeline's own: TruthfulQA's prompt
and " <option>" for its MC1 and MC2 options (evaluate.truthfulqa), MMLU-Pro's
log-likelihood context and " A".." J" (evaluate.mmlu_pro), built from the data
mirror by the project's prepare code. lm-eval receives exactly these strings, so
what is compared is the scoring backend (lm-eval's `hf` HFLM.loglikelihood vs
evaluate.loglik.continuation_logprobs), not two prompt templates.
"""
from __future__ import annotations

import time
from pathlib import Path

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _data(mirror: Path):
    from omegaconf import OmegaConf

    from alignment_tax.config import load_params

    return OmegaConf.merge(load_params().data, {"source": str(mirror)})


def truthfulqa_items(n: int, mirror: Path = MIRROR) -> list[dict]:
    """The first n questions (mirror order); each item: id, task, context, options, labels."""
    from alignment_tax.data import truthfulqa as data
    from alignment_tax.evaluate import truthfulqa

    rows = data.prepare(_data(mirror), Path(".")).files["truthfulqa.jsonl"][:n]
    return [{"id": r["id"], "task": task, "context": truthfulqa.prompt(r["question"]),
             "options": [" " + c for c in r[f"{task}_targets"]["choices"]],
             "labels": r[f"{task}_targets"]["labels"]}
            for r in rows for task in ("mc1", "mc2")]


def mmlu_pro_items(categories: list[str], per_category: int, num_fewshot: int, mirror: Path = MIRROR) -> list[dict]:
    """The first `per_category` test questions of each category, with the pipeline's few-shot context."""
    from alignment_tax.data import mmlu_pro as data
    from alignment_tax.evaluate import mmlu_pro

    files = data.prepare(_data(mirror), Path(".")).files
    pool = mmlu_pro.fewshot_pool(files["validation.jsonl"], num_fewshot)
    items = []
    for cat in categories:
        rows = [r for r in files["test.jsonl"] if r["category"] == cat][:per_category]
        if not rows:
            raise SystemExit(f"error: MMLU-Pro has no category {cat!r}")
        for r in rows:
            shots = pool.get(r["category"], []) if num_fewshot else []
            items.append({"id": str(r["question_id"]), "task": "mmlu_pro",
                          "context": mmlu_pro.context(r, shots, "loglik"),
                          "options": [" " + mmlu_pro.LETTERS[i] for i in range(len(r["options"]))],
                          "labels": [int(mmlu_pro.LETTERS[i] == r["answer"]) for i in range(len(r["options"]))]})
    return items


def unique_requests(items: list[dict]) -> list[tuple[str, str]]:
    """Every (context, option) once: lm-eval would score TruthfulQA's MC1 options again inside MC2."""
    return list(dict.fromkeys((it["context"], o) for it in items for o in it["options"]))


def lm_eval_model(model_dir: Path, *, batch_size: int, max_length: int, device: str, dtype: str = "float32"):
    from lm_eval.models.huggingface import HFLM

    return HFLM(pretrained=str(model_dir), backend="causal", batch_size=batch_size, max_length=max_length,
                device=device, dtype=dtype, trust_remote_code=False)


def lm_eval_scores(lm, requests: list[tuple[str, str]]) -> tuple[list[float], float]:
    """lm-eval's `hf` backend log-likelihoods of the requests, and the seconds its loglikelihood() took."""
    from lm_eval.api.instance import Instance

    inst = [Instance(request_type="loglikelihood", doc={}, arguments=r, idx=i) for i, r in enumerate(requests)]
    start = time.perf_counter()
    out = lm.loglikelihood(inst, disable_tqdm=True)
    return [float(ll) for ll, _ in out], time.perf_counter() - start


def choices(items: list[dict], score: dict) -> list[int]:
    """Per item, the index of its most likely option (ties: the first, as np.argmax)."""
    out = []
    for it in items:
        lls = [score[(it["context"], o)] for o in it["options"]]
        out.append(max(range(len(lls)), key=lambda j: (lls[j], -j)))
    return out
