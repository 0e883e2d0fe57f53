r"""MMLU-Pro: up to 10-option multiple choice, accuracy overall and per category (paper Tables 2, 8, 9).

Two scorings (`benchmarks.mmlu_pro.scoring`), each the definition of a named reference:
- `loglik` (default) = lm-evaluation-harness 0.4.13 `leaderboard_mmlu_pro` (metadata version 0.1,
  lm_eval/tasks/leaderboard/mmlu_pro/{mmlu_pro.yaml,utils.py}): no description (header), the doc is
  "<question>\nA. <option>\n...\nAnswer:", each letter is scored as the continuation " A" ... " J",
  few-shot examples "<doc> <letter>" joined by "\n\n", drawn by `first_n` from the WHOLE validation
  split (the same first N questions for every test question, whatever its category);
- `generate` = lm-eval's `mmlu_pro` (metadata version 3.1, lm_eval/tasks/mmlu_pro/_default_template_yaml,
  utils.py) and TIGER-Lab's evaluate_from_local.py: the per-category description "The following are
  multiple choice questions (with answers) about <category>. Think step by step and then finish your
  answer with "the answer is (X)" where X is the correct letter choice.\n", chain-of-thought shots of the
  SAME category (lm-eval filters each per-category task's few-shot split with process_docs; TIGER-Lab's
  select_by_category), greedy generation cut at "Question:", the first match of
  `answer is \(?([A-J])\)?` is the prediction, no match counts as wrong.
Options (params keys, defaults = the references above):
- `header: true` prepends "The following are multiple choice questions (with answers) about <category>.\n\n"
  to the loglik prompt (this repository's earlier prompt; not lm-eval's);
- `fewshot_pool`: auto (the reference's pool for the scoring) | validation (first N overall) | category;
- `extract: tiger_lab` (generate) = TIGER-Lab's fallback chain: "answer is (X)", then ".*[aA]nswer:\s*([A-J])",
  then the last capital A-J; still nothing = a seeded random guess (random.seed(12345), randint over the
  options), as its save_res scores it.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.lm.generate import generate
from alignment_tax.evaluate.loglik import continuation_logprobs
from alignment_tax.evaluate.summary_stats import mean_std

BENCHMARK, VERSION = "mmlu_pro", 2
HARNESS = {"loglik": "leaderboard_mmlu_pro 0.1", "generate": "mmlu_pro 3.1"}  # lm-eval 0.4.13 task metadata
LETTERS = "ABCDEFGHIJ"
ANSWER_RE = re.compile(r"answer is \(?([ABCDEFGHIJ])\)?")
AGAIN_RE = re.compile(r".*[aA]nswer:\s*([A-J])")  # TIGER-Lab extract_again
FINAL_RE = re.compile(r"[A-J](?=[^A-J]*$)")  # TIGER-Lab extract_final: the last capital A-J
TIGER_LAB_SEED = 12345  # TIGER-Lab save_res: random.seed(12345) before each guess


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
    """lm-eval leaderboard/mmlu_pro utils.doc_to_text (the question as stored, not stripped)."""
    opts = "".join(f"{LETTERS[i]}. {o}\n" for i, o in enumerate(row["options"]))
    return f"{row['question']}\n{opts}Answer:"


def cot_text(row: dict, with_answer: bool) -> str:
    """lm-eval mmlu_pro utils.format_cot_example."""
    text = "Question:\n" + row["question"] + "\nOptions:\n"
    text += "".join(f"{LETTERS[i]}. {o}\n" for i, o in enumerate(row["options"]))
    if with_answer:
        return text + row["cot_content"].replace("A: Let's think step by step.", "Answer: Let's think step by step.") + "\n\n"
    return text + "Answer: Let's think step by step."


def context(row: dict, shots: list[dict], scoring: str, header: bool = False) -> str:
    subject = row["category"]
    if scoring == "loglik":
        head = f"The following are multiple choice questions (with answers) about {subject}.\n\n" if header else ""
        return head + "".join(f"{mc_text(s)} {s['answer']}\n\n" for s in shots) + mc_text(row)
    head = (f"The following are multiple choice questions (with answers) about {subject}. Think step by step "
            'and then finish your answer with "the answer is (X)" where X is the correct letter choice.\n')
    return head + "".join(cot_text(s, True) for s in shots) + cot_text(row, False)


def pool_kind(fewshot_pool: str, scoring: str) -> str:
    """`auto` = the reference's pool: leaderboard_mmlu_pro (loglik) the whole split, mmlu_pro (generate) the category."""
    if fewshot_pool != "auto":
        return fewshot_pool
    return "validation" if scoring == "loglik" else "category"


def fewshot_pool(validation: list[dict], n: int) -> dict:
    """The first n validation questions of each category."""
    pool = defaultdict(list)
    for r in validation:
        if len(pool[r["category"]]) < n:
            pool[r["category"]].append(r)
    return pool


def shots_for(row: dict, validation: list[dict], n: int, kind: str) -> list[dict]:
    if n == 0:
        return []
    if kind == "validation":  # lm-eval FirstNSampler: pool[:n] of the whole split
        return validation[:n]
    return [r for r in validation if r["category"] == row["category"]][:n]


def extract(text: str, rule: str = "harness"):
    m = ANSWER_RE.search(text)
    if m or rule == "harness":
        return m.group(1) if m else None
    m = AGAIN_RE.search(text) or FINAL_RE.search(text)
    return (m.group(1) if m.re is AGAIN_RE else m.group(0)) if m else None


def tiger_lab_guess(n_options: int) -> str:
    """TIGER-Lab's score for an unparsed answer: a seeded random letter (the same for every such question)."""
    import random

    random.seed(TIGER_LAB_SEED)
    return LETTERS[random.randint(0, n_options - 1)]


def predict_loglik(rt, rows, contexts, *, batch_size: int, max_length: int) -> list[dict]:
    requests = [(c, " " + LETTERS[i]) for r, c in zip(rows, contexts) for i in range(len(r["options"]))]
    lls = iter(continuation_logprobs(rt, requests, batch_size=batch_size, max_length=max_length, desc="mmlu_pro"))
    out = []
    for r in rows:
        ll = [next(lls) for _ in r["options"]]
        out.append({"pred": LETTERS[int(np.argmax(ll))], "loglik": [round(x, 4) for x in ll]})
    return out


def predict_generate(rt, contexts, *, batch_size: int, max_new_tokens: int, max_length: int,
                     rule: str = "harness") -> list[dict]:
    tok = rt.tokenizer
    room = max_length - max_new_tokens
    if room < 1:  # [-room:] would keep the wrong end (or nothing) and positions would overrun
        raise AlignmentTaxError(f"params.yaml: benchmarks.mmlu_pro.max_new_tokens: {max_new_tokens} leaves no room for "
                                f"the prompt in the model's context of {max_length} tokens (model_zoo.<model>.max_length)")
    prompts = [rt.with_prefix(tok(c, add_special_tokens=False)["input_ids"])[-room:] for c in contexts]
    texts = generate(rt.model, tok, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                     logits_processor=rt.logits_processor, desc="mmlu_pro", cache_implementation=rt.cache_implementation)
    texts = [t.split("Question:")[0].strip() for t in texts]
    return [{"pred": extract(t, rule), "generation": t} for t in texts]


def evaluate(rt, rows: list[dict], validation: list[dict], *, cfg, max_length: int):
    """(per-question records, metrics without coordinates)."""
    kind = pool_kind(cfg.fewshot_pool, cfg.scoring)
    header = cfg.header
    contexts = [context(r, shots_for(r, validation, cfg.num_fewshot, kind), cfg.scoring, header) for r in rows]
    if cfg.scoring == "loglik":
        preds = predict_loglik(rt, rows, contexts, batch_size=cfg.batch_size, max_length=max_length)
    else:
        rule = cfg.extract
        preds = predict_generate(rt, contexts, batch_size=cfg.batch_size, max_new_tokens=cfg.max_new_tokens,
                                 max_length=max_length, rule=rule)
        if rule == "tiger_lab":  # an unparsed answer is scored as TIGER-Lab's seeded guess, flagged
            for r, p in zip(rows, preds):
                p["guessed"] = p["pred"] is None
                p["pred"] = p["pred"] or tiger_lab_guess(len(r["options"]))
    records = [{"id": str(r["question_id"]), "category": r["category"], "answer": r["answer"], **p,
                "correct": int(p["pred"] == r["answer"])} for r, p in zip(rows, preds)]
    return records, aggregate(records, cfg)


def aggregate(records: list[dict], cfg) -> dict:
    cats = sorted({r["category"] for r in records})
    return {
        "benchmark": BENCHMARK, "version": VERSION, "harness_version": HARNESS[cfg.scoring], "n": len(records),
        "scoring": cfg.scoring, "num_fewshot": cfg.num_fewshot,
        "prompt": {"header": cfg.header,
                   "fewshot_pool": pool_kind(cfg.fewshot_pool, cfg.scoring),
                   **({"extract": cfg.extract} if cfg.scoring == "generate" else {})},
        "acc": mean_std([r["correct"] for r in records]),
        "invalid_rate": round(float(np.mean([r["pred"] is None or r.get("guessed", False) for r in records])), 6)
        if records else None,
        "by_category": {c: {"n": len(sub), "acc": round(float(np.mean([r["correct"] for r in sub])), 6)}
                        for c in cats for sub in [[r for r in records if r["category"] == c]]},
    }
