"""MMLU-Pro: letter log-likelihood scoring, answer extraction, per-category accuracy, bad rows."""
from types import SimpleNamespace

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.evaluate import mmlu_pro
from tests.evaluate.fakes import controlled_runtime


def row(qid, category, answer, n=4):
    return {"question_id": qid, "question": f"Which one {qid}?", "options": [f"opt{qid}{i}" for i in range(n)],
            "answer": answer, "answer_index": "ABCDEFGHIJ".index(answer), "category": category, "src": "x"}


def test_loglik_picks_the_most_likely_letter_and_scores_per_category():
    # the model always prefers " C": questions whose answer is C are right
    rt = controlled_runtime({"A": -3.0, "B": -2.0, "C": -0.5, "D": -4.0}, [])
    rows = [row(1, "law", "C"), row(2, "law", "A"), row(3, "math", "C")]
    cfg = SimpleNamespace(scoring="loglik", num_fewshot=0, batch_size=2, max_new_tokens=8)
    records, m = mmlu_pro.evaluate(rt, rows, [], cfg=cfg, max_length=256)
    assert [r["pred"] for r in records] == ["C", "C", "C"] and [r["correct"] for r in records] == [1, 0, 1]
    assert records[0]["loglik"] == [-3.0, -2.0, -0.5, -4.0]
    assert m["acc"]["mean"] == pytest.approx(2 / 3)
    assert m["by_category"] == {"law": {"n": 2, "acc": 0.5}, "math": {"n": 1, "acc": 1.0}}


def test_prompts_follow_lm_eval_formats():
    r = row(7, "law", "B", n=3)
    assert mmlu_pro.mc_text(r) == "Which one 7?\nA. opt70\nB. opt71\nC. opt72\nAnswer:"
    shot = {**row(8, "law", "A", n=2), "cot_content": "A: Let's think step by step. So the answer is (A)."}
    ctx = mmlu_pro.context(r, [shot], "generate")
    assert ctx.startswith("The following are multiple choice questions (with answers) about law. Think step by step")
    assert "Answer: Let's think step by step. So the answer is (A).\n\nQuestion:\nWhich one 7?" in ctx
    assert ctx.endswith("C. opt72\nAnswer: Let's think step by step.")


def test_answer_extraction():
    assert mmlu_pro.extract("blah so the answer is (D). Then") == "D"
    assert mmlu_pro.extract("the answer is B") == "B"
    assert mmlu_pro.extract("I think B") is None


def test_fewshot_pool_takes_the_first_n_of_each_category():
    val = [row(i, "law" if i % 2 else "math", "A") for i in range(10)]
    pool = mmlu_pro.fewshot_pool(val, 2)
    assert [r["question_id"] for r in pool["law"]] == [1, 3] and [r["question_id"] for r in pool["math"]] == [0, 2]


@pytest.mark.parametrize("change, msg", [
    (lambda r: r.update(options=["x", "y", "x"]), "duplicate option 'x'"),
    (lambda r: r.update(answer="F"), "no correct answer"),
    (lambda r: r.update(options=["x"]), "needs 2..10 options"),
])
def test_bad_rows_name_the_row(change, msg):
    r = row(5, "law", "A")
    change(r)
    with pytest.raises(AlignmentTaxError, match=rf"^test.jsonl:3: question_id 5: .*{msg}"):
        mmlu_pro.check_row(r, "test.jsonl:3")


def test_generate_scoring_extracts_or_counts_invalid():
    from alignment_tax.methods.runtime import Runtime
    from tests.helpers import tiny_model, tiny_tokenizer

    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok), tokenizer=tok, method="base")
    cfg = SimpleNamespace(scoring="generate", num_fewshot=0, batch_size=2, max_new_tokens=3)
    records, m = mmlu_pro.evaluate(rt, [row(1, "law", "A"), row(2, "math", "B")], [], cfg=cfg, max_length=128)
    assert all("generation" in r and r["pred"] in (None, *"ABCDEFGHIJ") for r in records)
    assert m["invalid_rate"] == sum(r["pred"] is None for r in records) / 2 and m["scoring"] == "generate"
