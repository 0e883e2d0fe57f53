"""The paper's objective (Sec. 4.3): L = L_ce + alpha * L_cl.

L_ce: next-token cross-entropy with label smoothing, averaged over the target
tokens of the batch (labels == -100 are ignored).
L_cl = w_tox * InfoNCE over valid positive pairs (Eq. 7-9):
  sim(r_i, r_j) = exp(r_i.r_j / tau) / sum_{k != i} exp(r_i.r_k / tau)
  L = -mean_{(i, j) in P} log sim(r_i, r_j)
P holds every ordered pair (i, j), i != j, of positives of the same source.
The denominator runs over every other representation in the batch, so the
negatives are all the other texts (other sources' positives and all negatives).
The anchor itself is left out of its own denominator (its self-similarity is
1/tau always and would only flatten the loss). A batch with no valid pair
contributes exactly 0 (with a gradient path), never NaN.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def label_smoothed_ce(logits: torch.Tensor, labels: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Causal LM loss: logits (B, T, V) predict labels shifted by one."""
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1]).float()
    shift_labels = labels[:, 1:].reshape(-1)
    return F.cross_entropy(shift_logits, shift_labels, ignore_index=-100, label_smoothing=smoothing)


def positive_pairs(group: torch.Tensor, is_positive: torch.Tensor) -> torch.Tensor:
    """(N, N) bool: i != j, both positives, same source."""
    same = group.unsqueeze(0) == group.unsqueeze(1)
    both = is_positive.unsqueeze(0) & is_positive.unsqueeze(1)
    eye = torch.eye(len(group), dtype=torch.bool, device=group.device)
    return same & both & ~eye


def info_nce(r: torch.Tensor, group: torch.Tensor, is_positive: torch.Tensor, tau: float) -> torch.Tensor:
    pairs = positive_pairs(group, is_positive)
    if not pairs.any():
        return r.sum() * 0.0
    sim = (r @ r.T).float() / tau
    eye = torch.eye(len(r), dtype=torch.bool, device=r.device)
    log_denominator = torch.logsumexp(sim.masked_fill(eye, float("-inf")), dim=1, keepdim=True)
    log_prob = sim - log_denominator
    return -log_prob[pairs].mean()


def toxic_weight(batch_is_toxic: bool, weight: float) -> float:
    """w_tox (Eq. 7): `weight` (paper 1.5) when the batch holds toxic content, else 1."""
    return weight if batch_is_toxic else 1.0


def contrastive_loss(r: torch.Tensor, group: torch.Tensor, is_positive: torch.Tensor, batch_is_toxic: bool,
                     tau: float, weight: float) -> torch.Tensor:
    return toxic_weight(batch_is_toxic, weight) * info_nce(r, group, is_positive, tau)
