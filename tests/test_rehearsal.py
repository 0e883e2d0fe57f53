"""The rehearsal: the paper path's Hub roles resolve offline, under their real ids, to faithful stand-ins,
and the paper-path DVC graph runs against them (docs/paper_scale.md)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.rehearsal

MODELS = {  # id -> (config class, model class the paper path loads, tokenizer class)
    "gpt2-large": ("GPT2Config", "GPT2LMHeadModel", "GPT2Tokenizer"),
    "microsoft/phi-2": ("PhiConfig", "PhiForCausalLM", "CodeGenTokenizer"),
    "meta-llama/Llama-2-7b-hf": ("LlamaConfig", "LlamaForCausalLM", "LlamaTokenizer"),
    "allenai/truthfulqa-truth-judge-llama2-7b": ("LlamaConfig", "LlamaForCausalLM", "LlamaTokenizer"),
    "allenai/truthfulqa-info-judge-llama2-7b": ("LlamaConfig", "LlamaForCausalLM", "LlamaTokenizer"),
    "EleutherAI/gpt-neo-2.7B": ("GPTNeoConfig", "GPTNeoForCausalLM", "GPT2Tokenizer"),
    "FacebookAI/roberta-large": ("RobertaConfig", "RobertaForMaskedLM", "RobertaTokenizer"),
    "google/flan-t5-large": ("T5Config", "T5ForConditionalGeneration", "T5Tokenizer"),
    "Helsinki-NLP/opus-mt-en-de": ("MarianConfig", "MarianMTModel", "MarianTokenizer"),
    "Helsinki-NLP/opus-mt-es-en": ("MarianConfig", "MarianMTModel", "MarianTokenizer"),
    "unitary/toxic-bert": ("BertConfig", "BertForSequenceClassification", "BertTokenizer"),
    "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli": ("DebertaV2Config", "DebertaV2ForSequenceClassification",
                                                     "DebertaV2Tokenizer"),
}


@pytest.fixture(scope="session")
def rehearsal_cache(tmp_path_factory, shared_data):
    from alignment_tax.rehearsal.__main__ import build

    cache = tmp_path_factory.mktemp("rehearsal") / "hf-cache"
    return cache, build(cache, shared_data)


@pytest.fixture
def offline_cache(rehearsal_cache, tmp_path, monkeypatch):
    """HF_HUB_OFFLINE against the rehearsal cache, with a lock pinned from its refs."""
    from alignment_tax.hub.pins import LOCK_ENV, write_lock

    cache, commits = rehearsal_cache
    lock = {"models": {}, "datasets": {}}
    for key, commit in commits.items():
        kind, repo_id = key.split(":", 1)
        lock[kind + "s"][repo_id] = {"revision": "main", "commit": commit}
    write_lock(lock, tmp_path / "hub.lock.json")
    monkeypatch.setenv(LOCK_ENV, str(tmp_path / "hub.lock.json"))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "ds-cache"))
    import huggingface_hub.constants as c
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(cache))  # read at import time
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    return cache, commits


def test_cache_is_the_hub_layout(rehearsal_cache):
    cache, commits = rehearsal_cache
    for key, commit in commits.items():
        kind, repo_id = key.split(":", 1)
        folder = cache / f"{kind}s--{repo_id.replace('/', '--')}"
        assert (folder / "refs" / "main").read_text() == commit
        snap = folder / "snapshots" / commit
        assert all(p.is_symlink() and p.resolve().parent == (folder / "blobs").resolve()
                   for p in snap.rglob("*") if p.is_file())
        if kind == "model":
            assert (snap / "config.json").is_file() and (snap / "model.safetensors").is_file()
            assert not list(snap.glob("*.bin"))


@pytest.mark.parametrize("repo_id", sorted(MODELS))
def test_every_model_role_loads_by_its_real_id_through_the_one_loader(offline_cache, repo_id):
    import transformers

    from alignment_tax import hub

    cfg_cls, model_cls, tok_cls = MODELS[repo_id]
    model = hub.pretrained(getattr(transformers, model_cls), repo_id)
    tok = hub.tokenizer(repo_id)
    assert type(model.config).__name__ == cfg_cls and type(model).__name__ == model_cls
    assert type(tok).__name__ == tok_cls
    assert len(tok) <= model.get_input_embeddings().weight.shape[0]


def test_the_fields_the_code_depends_on(offline_cache):
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    from alignment_tax import hub
    from alignment_tax.evaluate.judge import LMJudge

    tox, _ = hub.sequence_classifier("unitary/toxic-bert")
    assert tox.config.problem_type == "multi_label_classification"
    assert [tox.config.id2label[i] for i in range(6)] == ["toxic", "severe_toxic", "obscene", "threat", "insult",
                                                          "identity_hate"]
    nli, _ = hub.sequence_classifier("MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli")
    assert nli.config.id2label == {0: "entailment", 1: "neutral", 2: "contradiction"}
    gpt2 = hub.tokenizer("gpt2-large")  # GPT-2's real BPE: 50,257 tokens, no pad token, eos 50256
    assert len(gpt2) == 50257 and gpt2.pad_token is None and gpt2.eos_token_id == 50256
    assert gpt2("Hello world")["input_ids"] == [15496, 995]  # GPT-2's real ids
    g = hub.pretrained(AutoModelForCausalLM, "gpt2-large")
    assert g.config.n_positions == 1024 and g.config.tie_word_embeddings
    phi = hub.pretrained(AutoModelForCausalLM, "microsoft/phi-2")
    assert phi.config.vocab_size == 51200 and not phi.config.tie_word_embeddings
    assert phi.config.rope_parameters["partial_rotary_factor"] == 0.4  # transformers 5 keeps it under rope_parameters
    llama_tok = hub.tokenizer("meta-llama/Llama-2-7b-hf")
    assert (llama_tok.bos_token_id, llama_tok.eos_token_id, llama_tok.pad_token) == (1, 2, None)
    assert llama_tok("x")["input_ids"][0] == 1  # a Llama tokenizer prepends <s>
    judge, jtok = hub.causal_lm("allenai/truthfulqa-info-judge-llama2-7b")
    jtok.pad_token = jtok.eos_token
    LMJudge(judge, jtok, "Helpful:", name="judge")  # " yes" / " no" are single tokens, as in Llama's vocabulary
    marian = hub.tokenizer("Helsinki-NLP/opus-mt-en-de")
    assert marian.eos_token_id == 0 and marian.pad_token_id == len(marian) - 1
    rob = hub.tokenizer("FacebookAI/roberta-large")
    assert (rob.pad_token_id, rob.mask_token_id, len(rob)) == (1, 50264, 50265)
    assert AutoModelForSequenceClassification  # the auto class the scorers use


@pytest.mark.parametrize("repo_id, config, split, columns", [
    ("CarperAI/openai_summarize_tldr", None, "valid", {"prompt", "label"}),
    ("truthfulqa/truthful_qa", "generation", "validation",
     {"type", "category", "question", "best_answer", "correct_answers", "incorrect_answers", "source"}),
    ("truthfulqa/truthful_qa", "multiple_choice", "validation", {"question", "mc1_targets", "mc2_targets"}),
    ("allenai/real-toxicity-prompts", None, "train", {"filename", "begin", "end", "challenging", "prompt",
                                                      "continuation"}),
    ("TIGER-Lab/MMLU-Pro", None, "validation", {"question_id", "question", "options", "answer", "answer_index",
                                                "cot_content", "category", "src"}),
    ("tdavidson/hate_speech_offensive", None, "train", {"count", "hate_speech_count", "offensive_language_count",
                                                        "neither_count", "class", "tweet"}),
    ("google/civil_comments", None, "test", {"text", "toxicity", "severe_toxicity", "obscene", "threat", "insult",
                                             "identity_attack", "sexual_explicit"}),
    ("wikimedia/wikipedia", "20231101.en", "train", {"id", "url", "title", "text"}),
])
def test_every_dataset_loads_offline_with_its_real_configs_splits_and_columns(offline_cache, repo_id, config, split,
                                                                              columns):
    from alignment_tax import hub

    ds = hub.dataset(repo_id, config, split)
    assert set(ds.column_names) == columns and len(ds) > 0


def test_debiasing_corpus_streams_wikipedia_offline(offline_cache):
    """debias.corpus.source: hub (bias-bench's English Wikipedia): streamed from the pinned snapshot, hub_docs cut."""
    from omegaconf import OmegaConf

    from alignment_tax.debias.config import CorpusConfig
    from alignment_tax.debias.corpus import documents

    cfg = OmegaConf.merge(OmegaConf.structured(CorpusConfig), {"source": "hub", "hub_docs": 5})
    docs = documents(cfg, seed=0)
    assert len(docs) == 5 and all(isinstance(d, str) and len(d.split()) > 20 for d in docs)


@pytest.mark.slow
def test_paper_path_graph_runs_offline_against_the_cache(rehearsal_cache, tmp_path, repo_root):
    """`rehearsal run`: hub pin from the cache, then dvc repro of the paper settings (reduced grid, CPU precisions)."""
    cache, _ = rehearsal_cache
    ws = tmp_path / "ws"
    env = dict(os.environ, PYTHONPATH=str(repo_root / "src"))
    proc = subprocess.run([sys.executable, "-m", "alignment_tax.rehearsal", "run", str(cache), str(ws)],
                          cwd=repo_root, env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
    lock = json.loads((ws / "hub.lock.json").read_text())
    assert "meta-llama/Llama-2-7b-hf" in lock["models"] and "google/civil_comments" in lock["datasets"]
    assert "wikimedia/wikipedia" in lock["datasets"]  # debias.corpus.source: hub
    base = json.loads((ws / "models/base/llama2_7b/source.json").read_text())
    assert base["commit"] == lock["models"]["meta-llama/Llama-2-7b-hf"]["commit"]
    tldr = json.loads((ws / "metrics/tldr/llama2_7b/contrastive.json").read_text())
    assert tldr["n"] == 3 and 0 <= tldr["toxicity"]["mean"] <= 1
    assert json.loads((ws / "metrics/train/contrastive/llama2_7b.json").read_text()).get("lora") is True
    assert (ws / "reports/alignment_tax.md").is_file()
