"""Toxic rewrites: the Table 11 prompt, echo stripping, sampling parameters, the >= 0.4 filter, min words."""
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from alignment_tax.augment import toxic_rewrite as tr
from alignment_tax.augment.common import check_text
from tests.augment.rows import ROWS
from tests.helpers import tiny_model, tiny_tokenizer


def cfg(**kw):
    base = dict(num_return_sequences=3, temperature=1.0, top_p=0.95, repetition_penalty=1.2, max_new_tokens=8,
                threshold=0.4, batch_size=2, chat_template=False)
    return SimpleNamespace(**{**base, **kw})


class FixedScorer:
    """Scores each text by a hash of it, so some pass and some fail the 0.4 threshold."""

    name = "fixed"

    def __init__(self):
        self.seen = {}

    def score(self, texts):
        out = np.array([(sum(map(ord, t)) % 100) / 100 for t in texts])
        self.seen.update(zip(texts, out))
        return out


def test_prompt_is_table_11():
    p = tr.prompt("The   landlord kept\nour deposit.")
    assert p.startswith("Original text:\nA person politely disagreed with my opinion in the meeting.\nToxic rewrite:\n"
                        "Of course this idiot had to open their mouth and spew nonsense. Typical arrogant know-it-all "
                        "behavior.\n\nOriginal text:\nThe restaurant took longer")
    assert p.count("Original text:") == 4 and p.count("Toxic rewrite:") == 4
    assert p.endswith("Original text:\nThe landlord kept our deposit.\nToxic rewrite:\n")


@pytest.mark.parametrize("generated, expected", [
    ("You are all useless idiots.\n\nOriginal text:\nsomething", "You are all useless idiots."),
    ("  Useless   people, all of them. Original text: more", "Useless people, all of them."),
    ("What a joke\nToxic rewrite:\nagain", "What a joke"),
    ("\n\nOriginal text:\nI", ""),
])
def test_strip_echo(generated, expected):
    assert tr.strip_echo(generated) == expected


def test_threshold_keeps_at_or_above_and_counts_the_rest():
    drops = Counter()
    kept = tr.keep_toxic(["a b c", "d e f", "g h i", "j k l"], [0.4, 0.3999, 0.95, 0.0], 0.4, drops)
    assert kept == [("a b c", 0.4), ("g h i", 0.95)] and drops == Counter({"below_toxicity_threshold": 2})


def test_min_words_rule():
    drops, seen = Counter(), set()
    assert not check_text("two words", "ref text here", 3, seen, drops)
    assert check_text("now three words", "ref text here", 3, seen, drops)
    assert not check_text("Now three  words", "ref text here", 3, seen, drops)  # a repeat, case-insensitive
    assert not check_text("REF text here", "ref text here", 3, seen, drops)
    assert drops == Counter({"under_min_words": 1, "duplicate": 1, "identical_to_reference": 1})


def long_context_model(tok):
    import torch

    from alignment_tax.models.tiny import new_model

    torch.manual_seed(2)  # the few-shot prompt needs more than tests.helpers' 128 positions
    return new_model(SimpleNamespace(n_positions=512, n_embd=32, n_layer=2, n_head=2, dropout=0.0), tok).eval()


def test_prompt_that_does_not_fit_is_counted():
    tok = tiny_tokenizer()
    drops = Counter()
    got = dict(tr.augment(ROWS, tiny_model(tok), tok, FixedScorer(), cfg(), 1, drops, Counter()))
    assert got == {i: [] for i in range(len(ROWS))} and drops == Counter({"source:prompt_too_long": len(ROWS)})


def test_sampling_parameters_reach_generate_and_only_toxic_rewrites_are_kept(monkeypatch):
    tok = tiny_tokenizer()
    model = long_context_model(tok)
    calls = []
    real = model.generate
    monkeypatch.setattr(model, "generate", lambda **kw: calls.append(kw) or real(**kw))
    scorer, drops, stats = FixedScorer(), Counter(), Counter()
    got = dict(tr.augment(ROWS, model, tok, scorer, cfg(), 1, drops, stats))
    assert set(got) == set(range(len(ROWS)))
    assert {(k["do_sample"], k["num_return_sequences"], k["temperature"], k["top_p"], k["repetition_penalty"],
             k["max_new_tokens"], k["top_k"]) for k in calls} == {(True, 3, 1.0, 0.95, 1.2, 8, 0)}
    assert all(k["stop_strings"][0] == "\n" and k["tokenizer"] is tok for k in calls)
    assert stats["generated"] == 3 * len(ROWS)
    kept = [it for items in got.values() for it in items]
    assert all(it["toxicity"] >= 0.4 and scorer.seen[it["text"]] >= 0.4 for it in kept)
    assert all("\n" not in it["text"] and "Original text:" not in it["text"] for it in kept)
    scored_low = sum(s < 0.4 for s in scorer.seen.values())
    assert drops["below_toxicity_threshold"] == scored_low
    assert len(kept) + sum(drops.values()) == stats["generated"]  # every generation is kept or counted


def test_chat_template_wraps_table_11_in_one_user_turn():
    """An instruct augmenter is asked through its chat template; the plain prompt is continued as text."""
    from alignment_tax.augment import toxic_rewrite as tr

    class ChatTok:
        chat_template = "x"

        def apply_chat_template(self, messages, add_generation_prompt, tokenize):
            assert add_generation_prompt and tokenize and len(messages) == 1 and messages[0]["role"] == "user"
            return [1] + [ord(c) for c in messages[0]["content"]] + [2]

        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [ord(c) for c in text]}

    tok = ChatTok()
    chat = tr.prompt_ids(tok, "The bus was late.", chat_template=True)
    text = "".join(chr(i) for i in chat[1:-1])
    assert chat[0] == 1 and chat[-1] == 2 and text.startswith(tr.CHAT_REQUEST)
    assert text.endswith("Original text:\nThe bus was late.\nToxic rewrite:")
    plain = tr.prompt_ids(tok, "The bus was late.", chat_template=False)
    assert "".join(chr(i) for i in plain) == tr.prompt("The bus was late.")
