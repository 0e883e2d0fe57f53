"""MMLU-Pro: up to 10-option multiple choice, accuracy overall and per category (paper Tables 2, 8, 9).

Two scorings (`benchmarks.mmlu_pro.scoring`), both from lm-evaluation-harness:
- `loglik` (default; the harness's multiple-choice MMLU-Pro variant): the prompt is
  "<question>\\nA. <option>\\n...\\nAnswer:" and the prediction is the letter with the
  highest log-likelihood as continuation " A" ... " J"; acc = prediction == answer;
- `generate` (the harness's `mmlu_pro` task, metadata version 3.0, and the official
  script): chain-of-thought prompt ("Question:\\n...\\nOptions:\\nA. ...\\nAnswer: Let's
  think step by step."), greedy generation cut at "Question:", the first match of
  `answer is \\(?([A-J])\\)?` is the prediction; no match counts as wrong.
Few-shot examples (`num_fewshot`) are the first N validation questions of the same
category, as the harness's `first_n` sampler takes them.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.lm.generate import generate
from alignment_tax.evaluate.loglik import continuation_logprobs
from alignment_tax.evaluate.summary_stats import mean_std

BENCHMARK, VERSION = "mmlu_pro", 1
HARNESS_VERSION = "3.0"  # lm-eval mmlu_pro (generate); the loglik variant mirrors its multiple_choice template
LETTERS = "ABCDEFGHIJ"
ANSWER_RE = re.compile(r"answer is \(?([ABCDEFGHIJ])\)?")


def check_row(row: dict, where: str) -> None:
    name = f"{where}: question_id {row.get('question_id', '?')}"
    opts = row.get("options")
    if not isinstance(opts, list) or not 2 <= len(opts) <= len(LETTERS):
        raise AlignmentTaxError(f"{name}: needs 2..{len(LETTERS)} options")
    dup = next((o for i, o in enumerate(opts) if o in opts[:i]), None)
    if dup is not None:
        raise AlignmentTaxError(f"{name}: duplicate option {dup!r}")
    if row.get("answer") not in LETTERS[:len(opts)]:
        raise AlignmentTaxError(f"{name}: answer {row.get('answer')!r} is not one of its option letters (no correct answer)")


def mc_text(row: dict) -> str:
    opts = "".join(f"\n{LETTERS[i]}. {o}" for i, o in enumerate(row["options"]))
    return f"{row['question'].strip()}{opts}\nAnswer:"


def cot_text(row: dict, with_answer: bool) -> str:
    """lm-eval mmlu_pro utils.format_cot_example."""
    text = "Question:\n" + row["question"] + "\nOptions:\n"
    text += "".join(f"{LETTERS[i]}. {o}\n" for i, o in enumerate(row["options"]))
    if with_answer:
        return text + row["cot_content"].replace("A: Let's think step by step.", "Answer: Let's think step by step.") + "\n\n"
    return text + "Answer: Let's think step by step."


def context(row: dict, shots: list[dict], scoring: str) -> str:
    subject = row["category"]
    if scoring == "loglik":
        head = f"The following are multiple choice questions (with answers) about {subject}.\n\n"
        return head + "".join(f"{mc_text(s)} {s['answer']}\n\n" for s in shots) + mc_text(row)
    head = (f"The following are multiple choice questions (with answers) about {subject}. Think step by step "
            'and then finish your answer with "the answer is (X)" where X is the correct letter choice.\n\n')
    return head + "".join(cot_text(s, True) for s in shots) + cot_text(row, False)


def fewshot_pool(validation: list[dict], n: int) -> dict:
    pool = defaultdict(list)
    for r in validation:
        if len(pool[r["category"]]) < n:
            pool[r["category"]].append(r)
    return pool


def extract(text: str):
    m = ANSWER_RE.search(text)
    return m.group(1) if m else None


def predict_loglik(rt, rows, contexts, *, batch_size: int, max_length: int) -> list[dict]:
    requests = [(c, " " + LETTERS[i]) for r, c in zip(rows, contexts) for i in range(len(r["options"]))]
    lls = iter(continuation_logprobs(rt, requests, batch_size=batch_size, max_length=max_length, desc="mmlu_pro"))
    out = []
    for r in rows:
        ll = [next(lls) for _ in r["options"]]
        out.append({"pred": LETTERS[int(np.argmax(ll))], "loglik": [round(x, 4) for x in ll]})
    return out


def predict_generate(rt, contexts, *, batch_size: int, max_new_tokens: int, max_length: int) -> list[dict]:
    tok = rt.tokenizer
    room = max_length - max_new_tokens
    prompts = [rt.with_prefix(tok(c, add_special_tokens=False)["input_ids"])[-room:] for c in contexts]
    texts = generate(rt.model, tok, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                     logits_processor=rt.logits_processor, desc="mmlu_pro")
    texts = [t.split("Question:")[0].strip() for t in texts]
    return [{"pred": extract(t), "generation": t} for t in texts]


def evaluate(rt, rows: list[dict], validation: list[dict], *, cfg, max_length: int):
    """(per-question records, metrics without coordinates)."""
    pool = fewshot_pool(validation, cfg.num_fewshot)
    contexts = [context(r, pool.get(r["category"], []) if cfg.num_fewshot else [], cfg.scoring) for r in rows]
    if cfg.scoring == "loglik":
        preds = predict_loglik(rt, rows, contexts, batch_size=cfg.batch_size, max_length=max_length)
    else:
        preds = predict_generate(rt, contexts, batch_size=cfg.batch_size, max_new_tokens=cfg.max_new_tokens,
                                 max_length=max_length)
    records = [{"id": str(r["question_id"]), "category": r["category"], "answer": r["answer"], **p,
                "correct": int(p["pred"] == r["answer"])} for r, p in zip(rows, preds)]
    return records, aggregate(records, cfg)


def aggregate(records: list[dict], cfg) -> dict:
    cats = sorted({r["category"] for r in records})
    return {
        "benchmark": BENCHMARK, "version": VERSION, "harness_version": HARNESS_VERSION, "n": len(records),
        "scoring": cfg.scoring, "num_fewshot": cfg.num_fewshot,
        "acc": mean_std([r["correct"] for r in records]),
        "invalid_rate": round(float(np.mean([r["pred"] is None for r in records])), 6) if records else None,
        "by_category": {c: {"n": len(sub), "acc": round(float(np.mean([r["correct"] for r in sub])), 6)}
                        for c in cats for sub in [[r for r in records if r["category"] == c]]},
    }
