"""bias-bench's data semantics as params: lower-cased sentences, one SentenceDebias tuple per (sentence, word)."""
import pytest

from alignment_tax.debias import cda, corpus

GENDER = cda.load_wordlist("gender")


def test_per_attribute_word_makes_one_tuple_for_each_distinct_word():
    sents = ["My brother met his wife at the fair last spring."]
    one = corpus.counterfactual_tuples(sents, GENDER, 100, 0, per="sentence")
    many = corpus.counterfactual_tuples(sents, GENDER, 100, 0, per="attribute_word")
    assert len(one) == 1 and len(many) == 3  # brother, his, wife (bias-bench _gender_augment_func)
    assert many[0] == one[0]  # the first word's tuple is the per-sentence tuple
    assert {t[0] for t in many} | {t[1] for t in many} >= {sents[0]}
    assert all(len(t) == len(GENDER.classes) for t in many)
    assert len(corpus.counterfactual_tuples(sents * 1, GENDER, 2, 0, per="attribute_word")) == 2  # max_tuples caps


def test_lowercase_reaches_the_sentences():
    docs = ["The King met Her Majesty. She said hello to everyone there."]
    plain, lower = corpus.sentences(docs, 3), corpus.sentences(docs, 3, lowercase=True)
    assert plain[0].startswith("The King met Her Majesty") and len(plain) == len(lower) == 2
    assert lower == [s.lower() for s in plain]


@pytest.mark.parametrize("override, key", [
    ({"sentence_debias_gender": {"tuples": "word"}}, "debias.sentence_debias_gender.tuples"),
    ({"attribute_sentences": {"lowercase": "yes please"}}, "debias.attribute_sentences.lowercase"),
])
def test_bad_values_name_the_key(repo_root, override, key):
    from alignment_tax.config import load_params
    from alignment_tax.errors import AlignmentTaxError

    with pytest.raises(AlignmentTaxError, match=rf"params.yaml: {key}: "):
        load_params(repo_root / "params.yaml", overrides={"debias": override})
