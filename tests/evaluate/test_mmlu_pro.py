"""MMLU-Pro: letter log-likelihood scoring, answer extraction, per-category accuracy, bad rows."""
from types import SimpleNamespace

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.evaluate import mmlu_pro
from tests.evaluate.fakes import controlled_runtime


def cfg_(**kw):
    base = dict(scoring="loglik", num_fewshot=0, batch_size=2, max_new_tokens=8, fewshot_pool="auto", header=False,
                extract="harness")
    return SimpleNamespace(**{**base, **kw})


def row(qid, category, answer, n=4):
    return {"question_id": qid, "question": f"Which one {qid}?", "options": [f"opt{qid}{i}" for i in range(n)],
            "answer": answer, "answer_index": "ABCDEFGHIJ".index(answer), "category": category, "src": "x"}


def test_loglik_picks_the_most_likely_letter_and_scores_per_category():
    # the model always prefers " C": questions whose answer is C are right
    rt = controlled_runtime({"A": -3.0, "B": -2.0, "C": -0.5, "D": -4.0}, [])
    rows = [row(1, "law", "C"), row(2, "law", "A"), row(3, "math", "C")]
    records, m = mmlu_pro.evaluate(rt, rows, [], cfg=cfg_(), max_length=256)
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
    assert 'correct letter choice.\nQuestion:\nWhich one 8?' in ctx  # lm-eval: description + "\n", then the shots
    assert "Answer: Let's think step by step. So the answer is (A).\n\nQuestion:\nWhich one 7?" in ctx
    assert ctx.endswith("C. opt72\nAnswer: Let's think step by step.")


def test_answer_extraction():
    assert mmlu_pro.extract("blah so the answer is (D). Then") == "D"
    assert mmlu_pro.extract("the answer is B") == "B"
    assert mmlu_pro.extract("I think B") is None


def test_tiger_lab_extraction_chain_and_guess():
    """TIGER-Lab evaluate_from_local.py: extract_answer -> extract_again -> extract_final -> seeded guess."""
    assert mmlu_pro.extract("so the answer is (D), Answer: C", "tiger_lab") == "D"
    assert mmlu_pro.extract("Answer: C because of E", "tiger_lab") == "C"
    assert mmlu_pro.extract("I think B, not E really", "tiger_lab") == "E"
    assert mmlu_pro.extract("no letters here", "tiger_lab") is None
    import random
    random.seed(12345)
    expected = "ABCD"[random.randint(0, 3)]
    assert mmlu_pro.tiger_lab_guess(4) == expected


def test_loglik_prompt_is_leaderboard_mmlu_pro_exactly():
    """lm-eval 0.4.13 leaderboard_mmlu_pro, 2 shots: no header, first_n over the whole validation split."""
    val = [{**row(10, "math", "B", n=2), "question": " Q10 "}, row(11, "law", "A", n=2), row(12, "law", "B", n=2)]
    r = row(7, "law", "B", n=3)
    shots = mmlu_pro.shots_for(r, val, 2, mmlu_pro.pool_kind("auto", "loglik"))
    assert [s["question_id"] for s in shots] == [10, 11]  # a math shot for a law question, as lm-eval
    ctx = mmlu_pro.context(r, shots, "loglik")
    assert ctx == (" Q10 \nA. opt100\nB. opt101\nAnswer: B\n\n"
                   "Which one 11?\nA. opt110\nB. opt111\nAnswer: A\n\n"
                   "Which one 7?\nA. opt70\nB. opt71\nC. opt72\nAnswer:")
    assert mmlu_pro.context(r, shots, "loglik", header=True).startswith(
        "The following are multiple choice questions (with answers) about law.\n\n Q10 ")
    cat = mmlu_pro.shots_for(r, val, 2, mmlu_pro.pool_kind("auto", "generate"))
    assert [s["question_id"] for s in cat] == [11, 12]
    assert mmlu_pro.pool_kind("category", "loglik") == "category"


def test_prompt_keys_reach_the_model():
    """header / fewshot_pool change what the model is asked (the recorded prompts)."""
    seen = []
    rt = controlled_runtime({"A": -1.0, "B": -2.0, "C": -3.0, "D": -4.0}, [])
    orig = mmlu_pro.continuation_logprobs

    def spy(rt_, requests, **kw):
        seen.append(requests[0][0])
        return orig(rt_, requests, **kw)

    val = [row(20, "math", "A"), row(21, "law", "B")]
    mmlu_pro.continuation_logprobs = spy
    try:
        for kw in ({}, {"header": True}, {"fewshot_pool": "category"}):
            mmlu_pro.evaluate(rt, [row(1, "law", "C")], val, cfg=cfg_(num_fewshot=1, **kw), max_length=256)
    finally:
        mmlu_pro.continuation_logprobs = orig
    assert seen[0].startswith("Which one 20?") and seen[1].startswith("The following are")
    assert seen[2].startswith("Which one 21?")


def test_tiger_lab_rule_scores_unparsed_answers_as_the_seeded_guess():
    from alignment_tax.methods.runtime import Runtime
    from tests.helpers import tiny_model, tiny_tokenizer

    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok), tokenizer=tok, method="base")
    rows = [row(1, "law", "A"), row(2, "math", "B")]
    recs, m = mmlu_pro.evaluate(rt, rows, [], cfg=cfg_(scoring="generate", max_new_tokens=3, extract="tiger_lab"),
                                max_length=128)
    assert all(r["pred"] in "ABCD" for r in recs)
    guessed = [r for r in recs if r["guessed"]]
    assert all(r["pred"] == mmlu_pro.tiger_lab_guess(4) for r in guessed)
    assert m["invalid_rate"] == len(guessed) / 2 and m["prompt"]["extract"] == "tiger_lab"


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
    cfg = cfg_(scoring="generate", max_new_tokens=3)
    records, m = mmlu_pro.evaluate(rt, [row(1, "law", "A"), row(2, "math", "B")], [], cfg=cfg, max_length=128)
    assert all("generation" in r and r["pred"] in (None, *"ABCDEFGHIJ") for r in records)
    assert m["invalid_rate"] == sum(r["pred"] is None for r in records) / 2 and m["scoring"] == "generate"


def test_generate_without_room_for_the_prompt_is_one_clear_error():
    from alignment_tax.errors import AlignmentTaxError
    from alignment_tax.evaluate.mmlu_pro import predict_generate
    from alignment_tax.methods.runtime import Runtime
    from tests.helpers import tiny_model, tiny_tokenizer

    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok), tokenizer=tok, method="base")
    with pytest.raises(AlignmentTaxError, match="benchmarks.mmlu_pro.max_new_tokens: 256 leaves no room"):
        predict_generate(rt, ["Question: 2+2?"], batch_size=1, max_new_tokens=256, max_length=128)
