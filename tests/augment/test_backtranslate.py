"""The Marian backtranslation path: every pivot's pair, the Table 10 parameters, batched, rules applied."""
from collections import Counter
from types import SimpleNamespace

import torch

from alignment_tax.augment import backtranslate
from tests.augment.rows import ROWS
from tests.helpers import tiny_tokenizer


def tiny_marian(tok, seed):
    from transformers import MarianConfig, MarianMTModel

    torch.manual_seed(seed)
    cfg = MarianConfig(vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                       max_position_embeddings=128, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                       decoder_start_token_id=tok.pad_token_id, forced_eos_token_id=tok.eos_token_id)
    return MarianMTModel(cfg).eval()


def test_round_trips_through_every_pivot_with_table_10_parameters():
    tok = tiny_tokenizer()
    loaded, calls = [], []

    def load(hf_id, key):
        model = tiny_marian(tok, len(loaded))
        real = model.generate
        model.generate = lambda **kw: calls.append((hf_id, kw)) or real(**kw)
        loaded.append((hf_id, key))
        return model, tok
    cfg = SimpleNamespace(pivots=["de", "fr", "es"], forward_id="Helsinki-NLP/opus-mt-en-{pivot}",
                          backward_id="Helsinki-NLP/opus-mt-{pivot}-en", num_beams=5, temperature=0.8,
                          do_sample=True, max_new_tokens=12, batch_size=3)
    drops, stats = Counter(), Counter()
    torch.manual_seed(0)
    got = dict(backtranslate.marian(ROWS, cfg, 1, drops, stats, load=load))
    assert [h for h, _ in loaded] == ["Helsinki-NLP/opus-mt-en-de", "Helsinki-NLP/opus-mt-de-en",
                                      "Helsinki-NLP/opus-mt-en-fr", "Helsinki-NLP/opus-mt-fr-en",
                                      "Helsinki-NLP/opus-mt-en-es", "Helsinki-NLP/opus-mt-es-en"]
    assert {k for _, k in loaded} == {"augment.backtranslate.forward_id", "augment.backtranslate.backward_id"}
    assert len(calls) == 6 * 2  # 4 summaries in batches of 3, per model
    assert {(kw["num_beams"], kw["do_sample"], kw["temperature"], kw["max_new_tokens"]) for _, kw in calls} == {
        (5, True, 0.8, 12)}
    assert set(got) == set(range(len(ROWS))) and stats["generated"] == 3 * len(ROWS)
    assert sum(map(len, got.values())) + sum(drops.values()) == stats["generated"]
    for i, items in got.items():
        assert [it["pivot"] for it in items] == [p for p in cfg.pivots if p in {it["pivot"] for it in items}]
