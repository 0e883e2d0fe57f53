"""lm-eval agreement: our log-likelihoods equal those lm-eval 0.4.13's `hf` backend produced (golden file).

tests/evaluate/golden/lm_eval_loglik.json holds, for the seeded tiny model of
golden_model.py, lm-eval's per-option log-likelihoods of a few TruthfulQA (MC1,
MC2) and MMLU-Pro (1-shot, contexts cut to 128 tokens) items, with the exact
context strings it scored. Regenerate: benchmarks/lm_eval_golden.py (needs the
lm-eval venv of benchmarks/requirements-lm-eval.txt).
"""
import json

import numpy as np
import pytest

from alignment_tax.evaluate.loglik import continuation_logprobs
from alignment_tax.methods.runtime import Runtime
from tests.evaluate.golden_model import GOLDEN, golden_model, weights_checksum

TOL = 1e-4


@pytest.fixture(scope="module")
def golden():
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    model, tok = golden_model()
    if weights_checksum(model) != data["weights_checksum"]:
        pytest.fail(f"the golden model rebuilt with other weights (checksum {weights_checksum(model)} != "
                    f"{data['weights_checksum']}: another torch initialisation?); regenerate: {data['regenerate']}")
    return data, Runtime(model=model, tokenizer=tok, method="base")


@pytest.mark.parametrize("use_cache", [True, False])
def test_per_item_logliks_and_choices_equal_lm_eval(golden, use_cache):
    data, rt = golden
    reqs = [(data["contexts"][it["context"]], o) for it in data["items"] for o in it["options"]]
    got = iter(continuation_logprobs(rt, reqs, batch_size=4, max_length=data["max_length"], use_cache=use_cache))
    tasks = set()
    for it in data["items"]:
        ours = [next(got) for _ in it["options"]]
        assert ours == pytest.approx(it["loglik"], abs=TOL), f"{it['task']} {it['id']}"
        assert int(np.argmax(ours)) == int(np.argmax(it["loglik"])), f"{it['task']} {it['id']}: choice differs"
        tasks.add(it["task"])
    assert tasks == {"mc1", "mc2", "mmlu_pro"}


def test_golden_contexts_exercise_left_truncation(golden):
    data, rt = golden
    n = [len(rt.tokenizer(c, add_special_tokens=False)["input_ids"]) for c in data["contexts"]]
    assert max(n) > data["max_length"] + 1  # lm-eval cut these: our cut must be the same to match
