"""The paper's objective (Sec. 4.3): L = L_ce + alpha * L_cl.

L_ce: next-token cross-entropy with label smoothing, averaged over the target
tokens of the batch (labels == -100 are ignored).
L_cl = w_tox * InfoNCE over valid positive pairs (Eq. 7-9):
  sim(r_i, r_j) = exp(r_i.r_j / tau) / sum_{k != i} exp(r_i.r_k / tau)
  L = -mean_{(i, j) in P} log sim(r_i, r_j)
P holds every ordered pair (i, j), i != j, of positives of the same source.
The denominator (params contrastive.denominator):
* `batch` (default, the paper's text): every other representation in the batch,
  so the negatives are all the other texts (other sources' positives and all
  negatives);
* `source` (the authors' code, CLIFF-style): only the other texts of the
  anchor's own source (its positives and negatives), as their `valid_contrast`
  mask does.
The anchor itself is left out of its own denominator (its self-similarity is
1/tau always and would only flatten the loss). A batch with no valid pair
contributes exactly 0 (with a gradient path), never NaN.

w_tox (params contrastive.toxic_weight_rule): `batch` multiplies the whole
L_cl by toxic_weight when the batch holds any toxic text (the paper's text);
`source` weights the pairs of each source that has a toxic negative; `off`
never weights (what the authors' code does in effect, see
docs/fidelity_training.md).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F


def label_smoothed_ce(logits: torch.Tensor, labels: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Causal LM loss: logits (B, T, V) predict labels shifted by one."""
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1]).float()
    shift_labels = labels[:, 1:].reshape(-1)
    return F.cross_entropy(shift_logits, shift_labels, ignore_index=-100, label_smoothing=smoothing)


def labelled_ce(hidden: torch.Tensor, labels: torch.Tensor, lm_head, smoothing: float) -> torch.Tensor:
    """`label_smoothed_ce` computed from the last hidden states (B, T, D), with the LM head
    applied only at the positions whose next token is labelled.

    The prompt is most of the LM view, and its logits would be thrown away: a GPT-2-sized
    head (768 x 50,257) costs about half the transformer body per position.
    """
    keep = labels[:, 1:] != -100
    logits = lm_head(hidden[:, :-1][keep])
    return F.cross_entropy(logits.float(), labels[:, 1:][keep], label_smoothing=smoothing)


def positive_pairs(group: torch.Tensor, is_positive: torch.Tensor) -> torch.Tensor:
    """(N, N) bool: i != j, both positives, same source."""
    same = group.unsqueeze(0) == group.unsqueeze(1)
    both = is_positive.unsqueeze(0) & is_positive.unsqueeze(1)
    eye = torch.eye(len(group), dtype=torch.bool, device=group.device)
    return same & both & ~eye


DENOMINATORS = ("batch", "source")
TOXIC_WEIGHT_RULES = ("batch", "source", "none")  # "none", not "off": YAML reads a bare off as False


def info_nce(r: torch.Tensor, group: torch.Tensor, is_positive: torch.Tensor, tau: float,
             denominator: str = "batch", pair_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """pair_weight: (N,) per-anchor weight (w_tox of its source); the loss stays a plain mean over P."""
    pairs = positive_pairs(group, is_positive)
    if not pairs.any():
        return r.sum() * 0.0
    sim = (r @ r.T).float() / tau
    excluded = torch.eye(len(r), dtype=torch.bool, device=r.device)
    if denominator == "source":
        excluded = excluded | (group.unsqueeze(0) != group.unsqueeze(1))
    elif denominator != "batch":
        raise ValueError(f"unknown InfoNCE denominator {denominator!r} (known: {', '.join(DENOMINATORS)})")
    log_denominator = torch.logsumexp(sim.masked_fill(excluded, float("-inf")), dim=1, keepdim=True)
    nll = -(sim - log_denominator)
    if pair_weight is not None:
        nll = nll * pair_weight.to(nll.dtype).unsqueeze(1)
    return nll[pairs].mean()


def toxic_weight(batch_is_toxic: bool, weight: float) -> float:
    """w_tox (Eq. 7): `weight` (paper 1.5) when the batch holds toxic content, else 1."""
    return weight if batch_is_toxic else 1.0


def contrastive_loss(r: torch.Tensor, group: torch.Tensor, is_positive: torch.Tensor, batch_is_toxic: bool,
                     tau: float, weight: float, *, denominator: str = "batch", rule: str = "batch",
                     source_is_toxic: Optional[torch.Tensor] = None) -> torch.Tensor:
    """source_is_toxic: (n_sources,) bool, whether source g has a toxic negative (rule `source`)."""
    if rule == "batch":
        return toxic_weight(batch_is_toxic, weight) * info_nce(r, group, is_positive, tau, denominator)
    if rule == "none":
        return info_nce(r, group, is_positive, tau, denominator)
    if rule == "source":
        if source_is_toxic is None:
            raise ValueError("toxic_weight_rule 'source' needs the per-source toxic flags")
        w = torch.where(source_is_toxic[group], weight, 1.0)
        return info_nce(r, group, is_positive, tau, denominator, pair_weight=w)
    raise ValueError(f"unknown toxic_weight_rule {rule!r} (known: {', '.join(TOXIC_WEIGHT_RULES)})")
