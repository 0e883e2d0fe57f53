"""Named-entity pooling (paper Eq. 5): r = sum_i m_i z_i / sum_i m_i.

m_i = 1 for tokens whose character span overlaps a named entity of the text
(aligned through the tokenizer's offset mapping). A text with no entity among
its (non-padding) tokens (params contrastive.no_entity):
* `mean` (default): falls back to mean pooling over all its tokens;
* `zero` (the authors' code: their NE-masked sum over a count clamped at 1e-8):
  r = 0, so the text gives no gradient; it still adds exp(0) = 1 to the
  denominators it sits in.
r is L2-normalised afterwards: Eq. 8 contrasts "normalized representations",
and a mean of unit vectors is not unit-norm.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def entity_token_mask(offsets: Sequence[Sequence[int]], spans: Sequence[Sequence]) -> list[int]:
    """1 for each token whose [start, end) overlaps any entity span [s, e)."""
    mask = []
    for start, end in offsets:
        hit = end > start and any(start < e and end > s for s, e, *_ in spans)
        mask.append(int(hit))
    return mask


NO_ENTITY_RULES = ("mean", "zero")


def entity_pool(z: torch.Tensor, entity_mask: torch.Tensor, attention_mask: torch.Tensor,
                no_entity: str = "mean") -> torch.Tensor:
    """z (N, L, D), masks (N, L) -> r (N, D), unit-norm (or 0: `zero` for a text without entity)."""
    ent = entity_mask.to(z.dtype) * attention_mask.to(z.dtype)
    if no_entity == "zero":
        m = ent
    elif no_entity == "mean":
        has_entity = ent.sum(dim=1, keepdim=True) > 0
        m = torch.where(has_entity, ent, attention_mask.to(z.dtype))
    else:
        raise ValueError(f"unknown no_entity rule {no_entity!r} (known: {', '.join(NO_ENTITY_RULES)})")
    r = (m.unsqueeze(-1) * z).sum(dim=1) / m.sum(dim=1, keepdim=True).clamp_min(1.0)
    return F.normalize(r, dim=-1)
