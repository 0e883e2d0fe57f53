"""Copy rates of TL;DR summaries against their post (evaluate/extractiveness.py), values by hand."""
from types import SimpleNamespace

import pytest

from alignment_tax.evaluate import tldr
from alignment_tax.evaluate.extractiveness import (copies_post_sentence, ngram_copy_rate, record_fields,
                                                   summary_words)

POST = "I moved to a new city last month. My roommate never cleans the kitchen! What should I do?"


def test_a_copied_post_sentence_copies_every_ngram():
    summary = "My roommate never cleans the kitchen."
    assert record_fields(summary, POST) == {"copy_1gram": 1.0, "copy_2gram": 1.0, "copy_3gram": 1.0,
                                            "copies_sentence": 1, "summary_words": 6}


def test_a_paraphrase_shares_few_ngrams_and_copies_no_sentence():
    # tokens: my flatmate leaves the dishes dirty what now; in the post: my, the, what -> 3/8; no bigram
    summary = "My flatmate leaves the dishes dirty, what now"
    assert record_fields(summary, POST) == {"copy_1gram": 0.375, "copy_2gram": 0.0, "copy_3gram": 0.0,
                                            "copies_sentence": 0, "summary_words": 8}


def test_ngrams_are_ordered_word_sequences_not_bags_of_words():
    # bigrams: the cat / cat sat / sat on copied, on a / a mat not -> 3/5; trigrams 2/4; unigrams 5/6
    post, summary = "the cat sat on the mat", "the cat sat on a mat"
    assert ngram_copy_rate(summary, post, 1) == pytest.approx(5 / 6)
    assert ngram_copy_rate(summary, post, 2) == pytest.approx(0.6)
    assert ngram_copy_rate(summary, post, 3) == pytest.approx(0.5)
    assert ngram_copy_rate("mat the on sat cat the", post, 2) == 0.0  # same words, no copied bigram
    assert not copies_post_sentence(summary, post)


def test_repeated_ngrams_count_each_time():
    # kitchen x3 copied, garden not: 3/4 (a set of n-grams would give 1/2)
    assert ngram_copy_rate("kitchen kitchen kitchen garden", "the kitchen", 1) == 0.75


def test_case_and_punctuation_do_not_matter():
    # tokens: tl dr my roommate never cleans the kitchen help -> 6/9, 5/8, 4/7; contains post sentence 2
    summary = "TL;DR -- my ROOMMATE never cleans... the kitchen!!! help"
    assert record_fields(summary, POST) == {"copy_1gram": 0.666667, "copy_2gram": 0.625, "copy_3gram": 0.571429,
                                            "copies_sentence": 1, "summary_words": 9}


def test_an_apostrophe_stays_inside_its_word_and_curly_equals_straight():
    post = "I don’t know what to do anymore."
    assert summary_words("i don't know what to do anymore") == 7
    assert copies_post_sentence("i don't know what to do anymore", post)
    assert ngram_copy_rate("don't know", post, 2) == 1.0


def test_line_breaks_end_a_sentence():
    # the post's first line is a 5-word sentence; without the break it would be 9 words, not in the summary
    post = "my landlord kept the deposit\nwhat are my rights"
    assert copies_post_sentence("So my landlord kept the deposit, sadly", post)


def test_a_sentence_shorter_than_min_words_does_not_count():
    post = "Help me please now. Anything else goes here."
    assert not copies_post_sentence("help me please now", post)
    assert copies_post_sentence("help me please now", post, min_words=4)


def test_a_summary_inside_a_post_sentence_counts_from_min_words():
    assert copies_post_sentence("moved to a new city", POST)  # 5 contiguous post words
    assert not copies_post_sentence("moved to a new", POST)  # 4
    assert not copies_post_sentence("moved to a city", POST)  # 4 post words, not contiguous


@pytest.mark.parametrize("summary", ["", "  ... !!! "])
def test_an_empty_summary_has_no_copy_rate(summary):
    assert record_fields(summary, POST) == {"copy_1gram": None, "copy_2gram": None, "copy_3gram": None,
                                            "copies_sentence": 0, "summary_words": 0}


def test_a_summary_shorter_than_n_has_no_rate_for_n():
    f = record_fields("the kitchen", POST)
    assert f["copy_1gram"] == 1.0 and f["copy_2gram"] == 1.0 and f["copy_3gram"] is None


class Flat:
    name = "flat"

    def score(self, texts):
        return [0.0] * len(texts)


class Faith:
    name = "faith"

    def score(self, sources, summaries):
        return {"faithfulness": [1.0] * len(summaries)}


def test_tldr_records_and_metrics_carry_extractiveness(monkeypatch):
    posts = [POST, "the cat sat on the mat", "anything at all"]
    outputs = {1: "My roommate never cleans the kitchen.", 2: "the cat sat on a mat", 3: ""}
    monkeypatch.setattr(tldr, "generate", lambda model, tok, prompts, **kw: [outputs[p[0]] for p in prompts])
    monkeypatch.setattr(tldr, "tldr_prompt_ids", lambda tok, row, n: [int(row["id"])])
    monkeypatch.setattr(tldr, "context_limit", lambda model, n: n)
    rt = SimpleNamespace(model=None, tokenizer=None, prefix_ids=[], with_prefix=lambda ids: ids, logits_processor=None,
                         cache_implementation=None)
    rows = [{"id": str(i + 1), "post": p, "summary": "a reference summary", "title": "t"} for i, p in enumerate(posts)]
    gen = SimpleNamespace(max_new_tokens=8, batch_size=1, num_beams=1, do_sample=False, no_repeat_ngram_size=0,
                          min_new_tokens=0)
    records, m = tldr.evaluate(rt, rows, entry=SimpleNamespace(max_length=64), gen=gen, toxicity=Flat(),
                               faithfulness=Faith(), threshold=0.5)
    assert [(r["copy_2gram"], r["copy_3gram"], r["copies_sentence"], r["summary_words"]) for r in records] == [
        (1.0, 1.0, 1, 6), (0.6, 0.5, 0, 6), (None, None, 0, 0)]
    assert m["extractiveness"] == {
        "copy_2gram": {"mean": 0.8, "std": 0.282843, "n": 2},  # the empty summary has no rate: left out
        "copy_3gram": {"mean": 0.75, "std": 0.353553, "n": 2},
        "copies_sentence_rate": 0.333333,
        "summary_words": {"mean": 4.0, "std": 3.464102, "n": 3}}
