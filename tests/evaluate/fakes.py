"""A Runtime whose log-likelihoods the test controls, with a word-level tokenizer.

Every word is one token, so a continuation's log-likelihood is the sum of the
log-probabilities the test assigns to its words: MC1/MC2 and letter choices can be
computed by hand. It is a real `Runtime`; only `logprob_fn` is replaced.
"""
from __future__ import annotations

import torch

from alignment_tax.methods.runtime import Runtime


def word_tokenizer(words):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit
    from transformers import PreTrainedTokenizerFast

    vocab = {"<eos>": 0, "<unk>": 1}
    for w in words:
        vocab.setdefault(w, len(vocab))
    tk = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<eos>", pad_token="<eos>", unk_token="<unk>")


class _Model:
    device = torch.device("cpu")

    def eval(self):
        return self


def controlled_runtime(logp_of_word: dict, vocab_words) -> Runtime:
    """Runtime where log p(token) = logp_of_word[word] (default -10), whatever the context."""
    tok = word_tokenizer(list(vocab_words) + list(logp_of_word))
    table = torch.full((len(tok),), -10.0)
    for w, lp in logp_of_word.items():
        table[tok.convert_tokens_to_ids(w)] = lp

    def logprob_fn(model, ids, mask):
        out = table[ids[:, 1:]].clone()
        out[mask[:, 1:] == 0] = 99.0  # padding must never be summed: make it loud if it is
        return out

    return Runtime(model=_Model(), tokenizer=tok, method="base", logprob_fn=logprob_fn)
