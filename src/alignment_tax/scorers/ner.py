"""Named-entity spans from a spaCy pipeline.

`load_ner(name)` loads (once per process) a spaCy pipeline with every component
the NER does not need disabled: in the small English models `ner` has its own
internal tok2vec, so tagger/parser/lemmatizer/attribute_ruler (and the shared
tok2vec they listen to) are switched off. In transformer pipelines
(en_core_web_trf, the paper's model) `ner` listens to a shared `transformer`
component, which is kept. Token-level lexical attributes (`is_stop`,
`is_alpha`, `lower_`) still work, since they need no pipeline component.

`entity_spans` returns character offsets into the original strings, so
`text[start:end] == ent.text` holds exactly; the contrastive trainer maps them
onto model tokens for named-entity pooling.
"""
from __future__ import annotations

import functools
from typing import Sequence

from alignment_tax.errors import AlignmentTaxError

Span = tuple[int, int, str]


@functools.lru_cache(maxsize=4)
def load_ner(name: str):
    """Return the spaCy pipeline `name` with only NER (and what it listens to) enabled."""
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError:
        pip_name = name.replace("_", "-")
        raise AlignmentTaxError(
            f"spaCy model '{name}' is not installed (pip install {pip_name}, "
            f"or `python -m spacy download {name}`; params.yaml: scorers.ner_model)"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise AlignmentTaxError(
            f"spaCy model '{name}' has no 'ner' component (params.yaml: scorers.ner_model)"
        )
    keep = {"ner"}
    for comp_name, comp in nlp.pipeline:
        # tok2vec / transformer components report which components listen to them
        if "ner" in (getattr(comp, "listening_components", None) or []):
            keep.add(comp_name)
    for comp_name in list(nlp.pipe_names):
        if comp_name not in keep:
            nlp.disable_pipe(comp_name)
    return nlp


def entity_spans(nlp, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:
    """(start_char, end_char, label) of every entity in each text, in order."""
    out: list[list[Span]] = []
    for doc in nlp.pipe([t if isinstance(t, str) else "" for t in texts], batch_size=batch_size):
        out.append([(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
    return out
