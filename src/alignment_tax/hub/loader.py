"""Load Hub models, tokenizers and datasets at their pinned commits.

Models: `from_pretrained(repo_id, revision=<commit>)`, safetensors only,
trust_remote_code off unless the caller (a model_zoo entry) says so. With
HF_HUB_OFFLINE=1 transformers reads the same commit from the local cache.

Datasets: `snapshot_download` of the pinned commit (only the data files, see
`dataset_files`), then `datasets.load_dataset` on that local snapshot. Going
through the snapshot is what makes the offline path work: `datasets` 5.2 with
HF_HUB_OFFLINE=1 does not read a Hub dataset from the hub cache by its id (it
raises "Couldn't reach ... (OfflineModeIsEnabled)"), but it does load the
snapshot directory, README `configs:` included. Online and offline thus share
one code path, and `hub download` fetches exactly what a load reads.

A local save_pretrained directory given in place of a model id is loaded as is
(nothing to pin). Every failure is one line: the role, the id, the commit, the first line of the
cause and what to do instead (`hint`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.hub.pins import commit_for

# What a model load reads: weights (safetensors only), config and every tokenizer file format in use
# (BPE vocab/merges, WordPiece vocab.txt, sentencepiece *.model / Marian *.spm, tokenizer.json).
MODEL_FILES = ["*.safetensors", "*.safetensors.index.json", "config.json", "generation_config.json",
               "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
               "vocab.json", "vocab.txt", "merges.txt", "*.model", "*.spm", "chat_template.jinja"]
_DATA_FILES = ["README.md", "*.parquet", "*.jsonl", "*.json", "*.jsonl.gz", "*.json.gz", "*.csv", "*.tsv", "*.arrow"]
# Repositories holding many configs side by side: fetch only the config's folder (Wikipedia: ~300 languages).
_PER_CONFIG_FOLDER = ("wikimedia/wikipedia",)


def dataset_files(repo_id: str, config: Optional[str]) -> list[str]:
    if repo_id in _PER_CONFIG_FOLDER and config:
        return ["README.md", f"{config}/*"]
    return list(_DATA_FILES)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""


def hub_error(what: str, repo_id: str, commit: Optional[str], exc: Exception, hint: str = "") -> AlignmentTaxError:
    at = f" at {commit[:12]}" if commit else ""
    if is_local(repo_id):
        return AlignmentTaxError(f"{repo_id}: cannot load {what.replace(' of', '')} from this local directory "
                                 f"({type(exc).__name__}: {_first_line(exc)})")
    cause = f"{type(exc).__name__}: {_first_line(exc)}".rstrip(": ")
    hint = hint or ("on a connected machine `python -m alignment_tax.hub download` puts it in the cache "
                    "(docs/paper_scale.md)")
    return AlignmentTaxError(f"cannot load {what} '{repo_id}'{at} from the Hugging Face Hub or its local cache "
                             f"({cause}); {hint}")


def is_local(repo_id: str) -> bool:
    """A save_pretrained directory given in place of a Hub id: loaded as is, nothing to pin."""
    return Path(repo_id).is_dir()


def _revision(repo_id: str, revision: Optional[str], role: str = "") -> Optional[str]:
    if is_local(repo_id):
        return None
    try:
        return revision or commit_for("models", repo_id)
    except AlignmentTaxError as exc:
        raise AlignmentTaxError(f"params.yaml: {role}: {exc}" if role else str(exc)) from None


def _with_role(exc: AlignmentTaxError, role: str) -> AlignmentTaxError:
    return AlignmentTaxError(f"params.yaml: {role}: {exc}") if role else exc


def tokenizer(repo_id: str, *, revision: Optional[str] = None, trust_remote_code: bool = False, hint: str = "",
              role: str = ""):
    """`role`: the params key that names this id, prefixed to every error."""
    from transformers import AutoTokenizer

    commit = _revision(repo_id, revision, role)
    try:
        return AutoTokenizer.from_pretrained(repo_id, revision=commit, trust_remote_code=trust_remote_code)
    except Exception as exc:  # noqa: BLE001 - OSError offline, missing tokenizer files or deps, malformed files
        raise _with_role(hub_error("the tokenizer of", repo_id, commit, exc, hint), role) from None


def pretrained(auto_cls, repo_id: str, *, revision: Optional[str] = None, trust_remote_code: bool = False,
               hint: str = "", role: str = "", **kwargs):
    """`auto_cls.from_pretrained` at the pinned commit; safetensors only."""
    commit = _revision(repo_id, revision, role)
    try:
        return auto_cls.from_pretrained(repo_id, revision=commit, use_safetensors=True,
                                        trust_remote_code=trust_remote_code, **kwargs)
    except Exception as exc:  # noqa: BLE001 - offline, no safetensors at that commit, unknown architecture
        raise _with_role(hub_error("model", repo_id, commit, exc, hint), role) from None


def auto_config(repo_id: str, *, revision: Optional[str] = None, trust_remote_code: bool = False, hint: str = "",
                role: str = ""):
    from transformers import AutoConfig

    commit = _revision(repo_id, revision, role)
    try:
        return AutoConfig.from_pretrained(repo_id, revision=commit, trust_remote_code=trust_remote_code)
    except Exception as exc:  # noqa: BLE001
        raise _with_role(hub_error("the config of", repo_id, commit, exc, hint), role) from None


def _with_tokenizer(auto_cls, repo_id: str, hint: str, role: str = "", **kwargs):
    commit = _revision(repo_id, kwargs.pop("revision", None), role)
    tok = tokenizer(repo_id, revision=commit, trust_remote_code=kwargs.get("trust_remote_code", False), hint=hint,
                    role=role)
    return pretrained(auto_cls, repo_id, revision=commit, hint=hint, role=role, **kwargs), tok


def causal_lm(repo_id: str, hint: str = "", role: str = "", **kwargs):
    """(model, tokenizer) of a causal LM."""
    from transformers import AutoModelForCausalLM

    return _with_tokenizer(AutoModelForCausalLM, repo_id, hint, role, **kwargs)


def seq2seq_lm(repo_id: str, hint: str = "", role: str = "", **kwargs):
    from transformers import AutoModelForSeq2SeqLM

    return _with_tokenizer(AutoModelForSeq2SeqLM, repo_id, hint, role, **kwargs)


def masked_lm(repo_id: str, hint: str = "", role: str = "", **kwargs):
    from transformers import AutoModelForMaskedLM

    return _with_tokenizer(AutoModelForMaskedLM, repo_id, hint, role, **kwargs)


def sequence_classifier(repo_id: str, hint: str = "", role: str = "", **kwargs):
    from transformers import AutoModelForSequenceClassification

    return _with_tokenizer(AutoModelForSequenceClassification, repo_id, hint, role, **kwargs)


def dataset_snapshot(repo_id: str, config: Optional[str] = None, cache_dir: Optional[str] = None,
                     hint: str = "") -> str:
    """Local path of the pinned dataset commit (downloaded first when online and missing)."""
    from huggingface_hub import snapshot_download

    commit = commit_for("datasets", repo_id)
    try:
        return snapshot_download(repo_id, repo_type="dataset", revision=commit,
                                 allow_patterns=dataset_files(repo_id, config), cache_dir=cache_dir)
    except Exception as exc:  # noqa: BLE001 - offline and not cached, not found, gated, transport errors
        raise hub_error("dataset", repo_id, commit, exc, hint) from None


def dataset(repo_id: str, config: Optional[str], split: str, streaming: bool = False, hint: str = ""):
    """`datasets.load_dataset` of one config/split of the pinned dataset commit."""
    import datasets

    path = dataset_snapshot(repo_id, config, hint=hint)
    name = repo_id + (f" ({config})" if config else "")
    try:
        return datasets.load_dataset(path, config, split=split, streaming=streaming)
    except (FileNotFoundError, ValueError, KeyError) as exc:  # a config or split the commit does not have
        raise AlignmentTaxError(f"cannot load {name} split '{split}' at {commit_for('datasets', repo_id)[:12]}: "
                                f"{_first_line(exc) or type(exc).__name__}") from None
