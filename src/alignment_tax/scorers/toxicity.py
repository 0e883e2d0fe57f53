"""Toxicity scorers: objects with `name` and `score(texts) -> P(toxic)` in [0, 1].

* `TfidfLogReg` -- trained here (stage `toxicity_scorer`) on labelled comments.
  Features: word 1-2-gram TF-IDF (slurs, insults, short phrases) stacked with
  char_wb 2-4-gram TF-IDF (obfuscated or misspelled profanity, "f*ck", tweet
  spelling), both with sublinear tf and min_df=2; `tfidf_max_features` is the
  total, split evenly. On the mirror data the char block adds ~0.01 held-out
  AUC over words alone; 5-grams add nothing measurable and ~40% fit time
  (the stage must stay well under a minute on 2 cores). Two plain vectorizers + `scipy.sparse.hstack` rather
  than a FeatureUnion, so the saved state is explicit. Persisted as JSON
  (params, vocabularies) + safetensors (idf, coef, intercept), never pickle, and
  rebuilt into the same sklearn estimators on load: identical scores.
* `ProfanityCheck` -- alt-profanity-check's packaged linear SVM (its own files).
* `BiLSTMToxicity` (scorers/bilstm.py) -- the Keras BiLSTM of PyPI toxic-comment-classifier,
  converted by the stage into models/scorers/toxicity/bilstm/ and run in numpy.
* `HFToxicity` -- the paper path: a Hub classifier (unitary/toxic-bert),
  sigmoid of the "toxic" logit. Needs the Hub (or a local copy of the model).

`load_toxicity_scorer(scfg)` picks one from params.yaml `scorers` (ScorersConfig).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from alignment_tax.errors import AlignmentTaxError

DEFAULT_ARTIFACT_DIR = "models/scorers/toxicity"
CHOICE_FILE = "choice.json"
STATE_FILE = "tfidf_logreg.json"
ARRAYS_FILE = "tfidf_logreg.safetensors"
FORMAT = "alignment_tax.tfidf_logreg/1"
REBUILD_HINT = "run `dvc repro toxicity_scorer`"
BILSTM_SUBDIR = "bilstm"  # the converted BiLSTM inside DEFAULT_ARTIFACT_DIR
OFFLINE_SCORERS = ("tfidf_logreg", "profanity_check", "bilstm")  # offline_best chooses among these

# Everything that determines the vectorizers' transform; saved with the model.
_VECTORIZER_PARAMS = (
    dict(analyzer="word", ngram_range=[1, 2], lowercase=True, strip_accents="unicode",
         token_pattern=r"(?u)\b\w\w+\b", min_df=2, max_df=1.0, sublinear_tf=True,
         norm="l2", use_idf=True, smooth_idf=True),
    dict(analyzer="char_wb", ngram_range=[2, 4], lowercase=True, strip_accents="unicode",
         token_pattern=None, min_df=2, max_df=1.0, sublinear_tf=True,
         norm="l2", use_idf=True, smooth_idf=True),
)


def _as_texts(texts: Sequence[str]) -> list[str]:
    return [t if isinstance(t, str) else "" for t in texts]


def _vectorizer(params: dict, vocabulary: dict | None = None, max_features: int | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    p = dict(params)
    p["ngram_range"] = tuple(p["ngram_range"])
    return TfidfVectorizer(vocabulary=vocabulary, max_features=max_features, dtype=np.float64, **p)


class TfidfLogReg:
    name = "tfidf_logreg"

    def __init__(self, vectorizers: list, logreg) -> None:
        self.vectorizers = vectorizers
        self.logreg = logreg

    def _features(self, texts: Sequence[str]):
        import scipy.sparse as sp

        texts = _as_texts(texts)
        return sp.hstack([v.transform(texts) for v in self.vectorizers], format="csr")

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return self.logreg.predict_proba(self._features(texts))[:, 1].astype(np.float64)

    def save(self, directory: str | os.PathLike) -> None:
        """Write STATE_FILE (JSON) and ARRAYS_FILE (safetensors) into `directory` (no pickle).

        Both are byte-identical for identical models (an npz would embed zip timestamps).
        """
        from safetensors.numpy import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {"format": FORMAT, "vectorizers": [], "logreg": {}}
        arrays = {}
        for i, v in enumerate(self.vectorizers):
            vocab = [""] * len(v.vocabulary_)
            for term, idx in v.vocabulary_.items():
                vocab[idx] = term
            params = {k: (list(val) if isinstance(val, tuple) else val)
                      for k, val in v.get_params().items() if k in _VECTORIZER_PARAMS[0]}
            state["vectorizers"].append({"params": params, "vocabulary": vocab})
            arrays[f"idf_{i}"] = np.asarray(v.idf_, dtype=np.float64)
        lr = self.logreg
        state["logreg"] = {"C": float(lr.C), "class_weight": lr.class_weight,
                           "classes": [int(c) for c in lr.classes_], "random_state": lr.random_state}
        arrays["coef"] = np.asarray(lr.coef_, dtype=np.float64)
        arrays["intercept"] = np.asarray(lr.intercept_, dtype=np.float64)
        # ensure_ascii: vocabularies may hold lone surrogates from JSON-escaped input
        (directory / STATE_FILE).write_text(json.dumps(state, ensure_ascii=True, sort_keys=True), encoding="ascii")
        save_file({k: np.ascontiguousarray(a) for k, a in arrays.items()}, str(directory / ARRAYS_FILE))

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "TfidfLogReg":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        from sklearn.linear_model import LogisticRegression

        directory = Path(directory)
        state_path, arrays_path = directory / STATE_FILE, directory / ARRAYS_FILE
        for p in (state_path, arrays_path):
            if not p.is_file():
                raise AlignmentTaxError(f"{p}: toxicity scorer artifact not found ({REBUILD_HINT})")
        try:
            state = json.loads(state_path.read_text(encoding="ascii"))
            arrays = load_file(str(arrays_path))
            if state.get("format") != FORMAT:
                raise ValueError(f"format {state.get('format')!r}, expected {FORMAT!r}")
            vectorizers = []
            for i, vs in enumerate(state["vectorizers"]):
                vocab = {term: idx for idx, term in enumerate(vs["vocabulary"])}
                v = _vectorizer(vs["params"], vocabulary=vocab)
                v.idf_ = arrays[f"idf_{i}"]
                vectorizers.append(v)
            lrs = state["logreg"]
            lr = LogisticRegression(C=lrs["C"], class_weight=lrs["class_weight"], random_state=lrs["random_state"])
            lr.classes_ = np.asarray(lrs["classes"])
            lr.coef_ = arrays["coef"]
            lr.intercept_ = arrays["intercept"]
            lr.n_features_in_ = lr.coef_.shape[1]
            if sum(len(v.vocabulary_) for v in vectorizers) != lr.n_features_in_:
                raise ValueError("vocabulary size does not match the coefficient vector")
        except (ValueError, KeyError, TypeError, OSError, UnicodeDecodeError, SafetensorError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AlignmentTaxError(f"{directory}: corrupt toxicity scorer artifact ({msg}; {REBUILD_HINT})") from None
        return cls(vectorizers, lr)


def train_tfidf_logreg(texts: Sequence[str], labels: Sequence[int], cfg, seed: int = 0) -> TfidfLogReg:
    """Fit TfidfLogReg; `cfg` is params.yaml `scorers.toxicity` (tfidf_max_features, tfidf_C)."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=np.int64)
    if len(set(y.tolist())) != 2:
        raise AlignmentTaxError(f"toxicity training data needs both classes 0 and 1, got {sorted(set(y.tolist()))}")
    texts = _as_texts(texts)
    per_block = max(1, int(cfg.tfidf_max_features) // len(_VECTORIZER_PARAMS))
    vectorizers = [_vectorizer(p, max_features=per_block) for p in _VECTORIZER_PARAMS]
    X = sp.hstack([v.fit_transform(texts) for v in vectorizers], format="csr")
    lr = LogisticRegression(C=float(cfg.tfidf_C), class_weight="balanced", max_iter=2000, random_state=seed)
    lr.fit(X, y)
    return TfidfLogReg(vectorizers, lr)


class ProfanityCheck:
    """alt-profanity-check (trained by its authors on Davidson et al. + Jigsaw-Kaggle)."""

    name = "profanity_check"

    def __init__(self) -> None:
        try:
            from profanity_check import predict_prob
        except ImportError:
            raise AlignmentTaxError("alt-profanity-check is not installed (pip install alt-profanity-check)") from None
        self._predict_prob = predict_prob

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self._predict_prob(_as_texts(texts)), dtype=np.float64)


def hf_max_length(tokenizer, model, cap: int) -> int:
    """The longest input both the tokenizer and the position embeddings accept, at most `cap`."""
    limits = [cap, getattr(tokenizer, "model_max_length", None), getattr(model.config, "max_position_embeddings", None)]
    return min(int(x) for x in limits if isinstance(x, int) and x > 0)


def load_hf_classifier(hf_id: str, hint: str, max_length: int, device: str | None):
    """(tokenizer, model on device in eval mode, {label name: index}, usable max length, device).

    Through alignment_tax.hub: the commit pinned in hub.lock.json, safetensors weights only, no
    trust_remote_code. Any load failure (offline Hub, missing files) becomes one line that says which
    offline scorer to use instead (`hint`).
    """
    import torch

    from alignment_tax import hub

    model, tokenizer = hub.sequence_classifier(
        hf_id, hint=f"cache it with `python -m alignment_tax.hub download`, or offline use {hint}")
    labels = {str(v).lower(): int(k) for k, v in model.config.id2label.items()}
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return tokenizer, model, labels, hf_max_length(tokenizer, model, max_length), device


class HFToxicity:
    """A Hub sequence classifier; P(toxic) = sigmoid(logit of the 'toxic' label)."""

    LABELS = ("toxic", "toxicity")

    def __init__(self, hf_id: str, batch_size: int = 32, max_length: int = 512, device: str | None = None) -> None:
        self.name = f"hf:{hf_id}"
        self.tokenizer, self.model, labels, self.max_length, self.device = load_hf_classifier(
            hf_id, "scorers.toxicity.name=offline_best", max_length, device)
        idx = next((labels[n] for n in self.LABELS if n in labels), None)
        if idx is None:
            raise AlignmentTaxError(f"{hf_id}: no 'toxic'/'toxicity' label in config.id2label ({sorted(labels)})")
        self.label_index = idx
        self.batch_size = batch_size

    def score(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        texts = _as_texts(texts)
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                enc = self.tokenizer(texts[i:i + self.batch_size], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt").to(self.device)
                logits = self.model(**enc).logits[:, self.label_index].float()
                out.append(torch.sigmoid(logits).cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0, dtype=np.float64)


def load_toxicity_scorer(scfg, artifact_dir: str | os.PathLike = DEFAULT_ARTIFACT_DIR):
    """The scorer params.yaml `scorers` (ScorersConfig) asks for."""
    name = scfg.toxicity.name
    artifact_dir = Path(artifact_dir)
    if name == "offline_best":
        choice_path = artifact_dir / CHOICE_FILE
        if not choice_path.is_file():
            raise AlignmentTaxError(f"{choice_path}: not found ({REBUILD_HINT})")
        try:
            name = json.loads(choice_path.read_text(encoding="utf-8"))["chosen"]
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise AlignmentTaxError(f"{choice_path}: malformed, no 'chosen' key ({REBUILD_HINT})") from None
        if name not in OFFLINE_SCORERS:
            raise AlignmentTaxError(f"{choice_path}: unknown chosen scorer '{name}' ({REBUILD_HINT})")
    if name == "tfidf_logreg":
        return TfidfLogReg.load(artifact_dir)
    if name == "profanity_check":
        return ProfanityCheck()
    if name == "bilstm":
        from alignment_tax.scorers.bilstm import BiLSTMToxicity

        return BiLSTMToxicity.load(artifact_dir / BILSTM_SUBDIR)
    if name == "hf":
        return HFToxicity(scfg.toxicity.hf_id, batch_size=scfg.batch_size)
    raise AlignmentTaxError(f"params.yaml: scorers.toxicity.name: unknown scorer '{name}'")
