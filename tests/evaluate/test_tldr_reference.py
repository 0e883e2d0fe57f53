"""scorers.faithfulness.reference reaches the TL;DR faithfulness scorer: the post or the reference summary."""
from types import SimpleNamespace

import pytest

from alignment_tax.evaluate import tldr


class Recorder:
    name = "recorder"

    def __init__(self):
        self.sources = None

    def score(self, sources, summaries):
        self.sources = list(sources)
        return {"faithfulness": [1.0] * len(summaries)}


class Flat:
    name = "flat"

    def score(self, texts):
        return [0.0] * len(texts)


@pytest.mark.parametrize("reference, field", [("post", "post"), ("summary", "summary")])
def test_faithfulness_is_scored_against_the_configured_reference(monkeypatch, reference, field):
    monkeypatch.setattr(tldr, "generate", lambda model, tok, prompts, **kw: ["a summary"] * len(prompts))
    monkeypatch.setattr(tldr, "tldr_prompt_ids", lambda tok, row, n: [1, 2, 3])
    monkeypatch.setattr(tldr, "context_limit", lambda model, n: n)
    rt = SimpleNamespace(model=None, tokenizer=None, prefix_ids=[], with_prefix=lambda ids: ids, logits_processor=None,
                         cache_implementation=None)
    rows = [{"id": "1", "post": "the post text", "summary": "the reference summary", "title": "t"}]
    gen = SimpleNamespace(max_new_tokens=8, batch_size=1, num_beams=1, do_sample=False, no_repeat_ngram_size=0,
                          min_new_tokens=0)
    faith = Recorder()
    _, m = tldr.evaluate(rt, rows, entry=SimpleNamespace(max_length=64), gen=gen, toxicity=Flat(),
                         faithfulness=faith, threshold=0.5, faithfulness_reference=reference)
    assert faith.sources == [rows[0][field]] and m["scorers"]["faithfulness_reference"] == reference


def test_bad_reference_names_the_key(repo_root):
    from alignment_tax.config import load_params
    from alignment_tax.errors import AlignmentTaxError

    with pytest.raises(AlignmentTaxError, match=r"params.yaml: scorers.faithfulness.reference: 'title' is not one of"):
        load_params(repo_root / "params.yaml", overrides={"scorers": {"faithfulness": {"reference": "title"}}})
