"""Faithfulness of a summary to its source: `scorer.score(sources, summaries)`.

Returns a dict of float arrays (one value per pair): "faithfulness", the
headline, plus the components it is made of. Scorers (params
`scorers.faithfulness.name`; evidence for the choice: docs/scorers.md):
  * lm_pmi (scorers/lm_pmi.py) -- log p(summary | post) - log p(summary) per
    token under a causal LM, nats/token (unbounded; ~0 for generic text);
  * minilm_support (scorers/minilm.py) -- MiniLM sentence support, [0, 1];
  * entity_support (below) -- entity / content-word overlap, [0, 1];
  * nli (below) -- a Hub NLI model's P(entailment), [0, 1].

EntitySupport (offline default) -- support of the summary's surface content by
the source:
  * entity_precision: the share of named entities in the summary (spaCy NER,
    params `scorers.ner_model`) whose text, lowercased and with whitespace
    collapsed, occurs in the equally normalised source as a whole-word string
    (not inside a longer word: "Paris" is not supported by "Parisian"). The
    source is string-matched, not NER-tagged, so an entity the tagger misses in
    the source still counts as supported. NaN when the summary has no entity.
  * lexical_support: the share of the summary's content tokens found among the
    source's content tokens. A content token is a spaCy token whose lowercased
    text is alphanumeric (str.isalnum) and not a spaCy stop word; lowercased
    surface form, not lemma (the NER-only pipeline has no lemmatizer, and a
    lemma match would count "win"/"won" as support). Counted over token
    occurrences, so a repeated unsupported word counts each time. NaN when the
    summary has no content token.
  * faithfulness: the mean of the components that are not NaN; 0.0 when both
    are NaN (a summary with no entity and no content word carries nothing
    from the source). Empty or whitespace-only summary: 0.0 for everything.
What it measures: whether the summary's named entities and content words come
from the source -- a proxy for entity hallucination. What it does NOT measure:
it rewards copying the source verbatim (an extract scores 1.0); it cannot see
negation ("did not win" vs "won"), wrong relations between correct entities
("A sued B" vs "B sued A"), numbers recombined, or paraphrase (a faithful
synonym counts as unsupported). It says nothing about coverage or fluency.

NLIFaithfulness (paper-path alternative) -- P(entailment) of summary
(hypothesis) given source (premise) from a Hub NLI classifier (params
`scorers.faithfulness.hf_id`); the premise is truncated to fit the model.
Components: the entailment/neutral/contradiction probabilities found by name.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers.ner import load_ner
from alignment_tax.scorers.toxicity import load_hf_classifier


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _content_tokens(doc) -> list[str]:
    return [t.lower_ for t in doc if t.lower_.isalnum() and not t.is_stop]


def _check_pairs(sources: Sequence[str], summaries: Sequence[str]) -> tuple[list[str], list[str]]:
    if len(sources) != len(summaries):
        raise ValueError(f"{len(sources)} sources but {len(summaries)} summaries")
    clean = lambda xs: [x if isinstance(x, str) else "" for x in xs]  # noqa: E731
    return clean(sources), clean(summaries)


class EntitySupport:
    name = "entity_support"
    components = ("entity_precision", "lexical_support")

    def __init__(self, nlp, batch_size: int = 32) -> None:
        self.nlp = nlp
        self.batch_size = batch_size

    def score(self, sources: Sequence[str], summaries: Sequence[str]) -> dict[str, np.ndarray]:
        sources, summaries = _check_pairs(sources, summaries)
        n = len(summaries)
        ent_p = np.full(n, np.nan)
        lex = np.full(n, np.nan)
        faith = np.zeros(n)
        src_docs = self.nlp.tokenizer.pipe(sources, batch_size=self.batch_size)
        sum_docs = self.nlp.pipe(summaries, batch_size=self.batch_size)
        for i, (src, src_doc, summ, summ_doc) in enumerate(zip(sources, src_docs, summaries, sum_docs)):
            if not summ.strip():
                ent_p[i] = lex[i] = 0.0
                continue
            norm_src = _norm(src)
            ents = [_norm(e.text) for e in summ_doc.ents if e.text.strip()]
            if ents:
                hits = sum(re.search(r"(?<!\w)" + re.escape(e) + r"(?!\w)", norm_src) is not None for e in ents)
                ent_p[i] = hits / len(ents)
            summ_tokens = _content_tokens(summ_doc)
            if summ_tokens:
                src_tokens = set(_content_tokens(src_doc))
                lex[i] = sum(t in src_tokens for t in summ_tokens) / len(summ_tokens)
            parts = [v for v in (ent_p[i], lex[i]) if not np.isnan(v)]
            faith[i] = float(np.mean(parts)) if parts else 0.0
        return {"faithfulness": faith, "entity_precision": ent_p, "lexical_support": lex}


class NLIFaithfulness:
    """P(entailment | premise=source, hypothesis=summary) from a Hub NLI model."""

    components = ("entailment", "neutral", "contradiction")

    def __init__(self, hf_id: str, batch_size: int = 16, max_length: int = 512, device: str | None = None) -> None:
        self.name = f"nli:{hf_id}"
        self.tokenizer, self.model, labels, self.max_length, self.device = load_hf_classifier(
            hf_id, "scorers.faithfulness.name=entity_support", max_length, device)
        self.label_index = {c: labels[c] for c in self.components if c in labels}
        if "entailment" not in self.label_index:
            raise AlignmentTaxError(f"{hf_id}: no 'entailment' label in config.id2label ({sorted(labels)})")
        self.batch_size = batch_size

    def _encode(self, premises: list[str], hypotheses: list[str]):
        kw = dict(padding=True, max_length=self.max_length, return_tensors="pt")
        try:  # truncate the source only, so the summary is always judged whole
            return self.tokenizer(premises, hypotheses, truncation="only_first", **kw)
        except Exception:  # a summary alone longer than max_length
            return self.tokenizer(premises, hypotheses, truncation="longest_first", **kw)

    def score(self, sources: Sequence[str], summaries: Sequence[str]) -> dict[str, np.ndarray]:
        import torch

        sources, summaries = _check_pairs(sources, summaries)
        probs = []
        with torch.inference_mode():
            for i in range(0, len(sources), self.batch_size):
                enc = self._encode(sources[i:i + self.batch_size], summaries[i:i + self.batch_size]).to(self.device)
                probs.append(torch.softmax(self.model(**enc).logits.float(), dim=-1).cpu().numpy())
        p = np.concatenate(probs).astype(np.float64) if probs else np.zeros((0, self.model.config.num_labels))
        out = {c: p[:, j].copy() for c, j in self.label_index.items()}
        empty = np.array([not s.strip() for s in summaries], dtype=bool)
        for v in out.values():
            v[empty] = 0.0
        out["faithfulness"] = out["entailment"].copy()
        return out


def load_faithfulness_scorer(scfg, nlp=None):
    """The scorer params.yaml `scorers` (ScorersConfig) asks for; `nlp` reuses a loaded spaCy pipeline."""
    f = scfg.faithfulness
    name = f.name
    if name == "lm_pmi":
        from alignment_tax.models.loader import load_causal_lm, model_dir
        from alignment_tax.scorers.lm_pmi import LMPointwiseMI

        model, tok = load_causal_lm(model_dir(f.lm_model, "base"), precision=f.lm_precision)
        return LMPointwiseMI(model, tok, batch_size=f.lm_batch_size, max_source_tokens=f.max_source_tokens,
                             max_summary_tokens=f.max_summary_tokens,
                             label=f"{f.lm_model}/{f.lm_precision}")
    if name == "minilm_support":
        from alignment_tax.scorers.minilm import MiniLMSupport

        return MiniLMSupport(batch_size=scfg.batch_size)
    if name == "entity_support":
        return EntitySupport(nlp if nlp is not None else load_ner(scfg.ner_model), batch_size=scfg.batch_size)
    if name == "nli":
        return NLIFaithfulness(scfg.faithfulness.hf_id, batch_size=scfg.batch_size)
    raise AlignmentTaxError(f"params.yaml: scorers.faithfulness.name: unknown scorer '{name}'")
