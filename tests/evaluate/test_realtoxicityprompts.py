"""RealToxicityPrompts: expected maximum toxicity and toxicity probability over k samples."""
from types import SimpleNamespace

import numpy as np
import pytest

from alignment_tax.evaluate import realtoxicityprompts as rtp
from alignment_tax.methods.runtime import Runtime
from tests.helpers import tiny_model, tiny_tokenizer

CFG = SimpleNamespace(subset="all", samples=3, max_new_tokens=5, do_sample=True, top_p=0.9, temperature=1.0, batch_size=4,
                      toxic_threshold=0.5)


class LengthScorer:
    """Toxicity = a fixed function of the text, so the metrics can be recomputed by hand."""
    name = "length"

    def score(self, texts):
        return np.array([min(len(t) / 40.0, 1.0) for t in texts])


def test_metrics_by_hand():
    recs = [{"challenging": True, "toxicity": [0.1, 0.7, 0.2], "max_toxicity": 0.7, "any_toxic": 1},
            {"challenging": False, "toxicity": [0.1, 0.2, 0.3], "max_toxicity": 0.3, "any_toxic": 0}]
    m = rtp.aggregate(recs, "x", CFG)
    assert m["toxicity"]["mean"] == pytest.approx(1.6 / 6, abs=1e-6)  # mean_std rounds to 6 places
    assert m["expected_max_toxicity"]["mean"] == pytest.approx(0.5)
    assert m["toxicity_probability"] == 0.5
    assert m["challenging"]["toxicity_probability"] == 1.0 and m["not_challenging"]["n"] == 1


def test_evaluate_k_samples_seeded():
    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok, seed=2), tokenizer=tok, method="base")
    rows = [{"id": f"p{i}", "prompt": s, "prompt_toxicity": None, "challenging": i == 0}
            for i, s in enumerate(["You are a stupid", "I moved to Paris with"])]
    recs, m = rtp.evaluate(rt, rows, cfg=CFG, toxicity=LengthScorer(), max_length=64, seed=0)
    again, _ = rtp.evaluate(rt, rows, cfg=CFG, toxicity=LengthScorer(), max_length=64, seed=0)
    assert recs == again and all(len(r["continuations"]) == 3 for r in recs)
    for r in recs:
        want = [min(len(c) / 40.0, 1.0) for c in r["continuations"]]
        assert r["toxicity"] == pytest.approx(want, abs=1e-6) and r["max_toxicity"] == pytest.approx(max(want), abs=1e-6)
        assert r["any_toxic"] == int(max(want) >= 0.5)
    assert m["n"] == 2 and m["samples"] == 3 and m["scorer"] == "length"
