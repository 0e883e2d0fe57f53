"""`ContrastiveTrainer`: a transformers.Trainer whose loss is the paper's.

The projection head is attached to the model as `contrastive_head`, so the
Trainer's optimizer, checkpoints, resume and DDP/FSDP wrapping cover it with no
extra code; it is detached again before the LM is saved for generation.
The contrast view runs through the base transformer only (no LM head): its
logits would be thrown away.
"""
from __future__ import annotations

from collections import defaultdict

import torch
from transformers import Trainer

from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.loss import contrastive_loss, label_smoothed_ce
from alignment_tax.contrastive.pooling import entity_pool

HEAD_ATTR = "contrastive_head"


def attach_head(model, proj_dim: int) -> ProjectionHead:
    head = ProjectionHead(model.config.hidden_size, proj_dim).to(model.device, model.dtype)
    setattr(model, HEAD_ATTR, head)
    return head


def detach_head(model) -> ProjectionHead:
    head = getattr(model, HEAD_ATTR)
    delattr(model, HEAD_ATTR)
    return head


CONTRAST_CHUNK = 16  # texts per forward pass of the contrast view


def contrast_representations(model, inputs: dict, chunk: int = CONTRAST_CHUNK) -> torch.Tensor:
    """Last hidden states -> token projections -> NE-pooled, unit-norm r (N, D).

    The collator sorts the texts longest first and right-pads them; each chunk
    is cut to its own longest text, so padding costs little compute (a causal
    LM's states for real tokens do not depend on trailing pads).
    """
    ids, mask, ent = inputs["cl_input_ids"], inputs["cl_attention_mask"], inputs["cl_entity_mask"]
    head = getattr(model, HEAD_ATTR)
    reps = []
    for s in range(0, ids.shape[0], chunk):
        m = mask[s:s + chunk]
        width = max(int(m.sum(dim=1).max()), 1)
        hidden = model.base_model(input_ids=ids[s:s + chunk, :width], attention_mask=m[:, :width]).last_hidden_state
        reps.append(entity_pool(head(hidden), ent[s:s + chunk, :width], m[:, :width]))
    return torch.cat(reps)


def paper_loss(model, inputs: dict, *, alpha: float, tau: float, toxic_weight: float,
               label_smoothing: float, core=None) -> tuple[torch.Tensor, dict]:
    """L = L_ce + alpha * L_cl for one batch; returns (loss, parts for logging).

    `model` may be DDP/FSDP-wrapped (the CE forward goes through the wrapper so
    gradient sync is set up); `core` is the unwrapped model that owns the head.
    """
    core = model if core is None else core
    logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
    ce = label_smoothed_ce(logits, inputs["labels"], label_smoothing)
    toxic = bool(inputs["cl_toxic"].any())
    if alpha > 0 and inputs["cl_input_ids"].numel():
        r = contrast_representations(core, inputs)
        cl = contrastive_loss(r, inputs["cl_group"], inputs["cl_is_positive"], toxic, tau, toxic_weight)
    else:
        cl = ce.new_zeros(())
    return ce + alpha * cl, {"ce": ce.detach(), "cl": cl.detach(), "toxic_batch": float(toxic)}


class ContrastiveTrainer(Trainer):
    def __init__(self, *args, alpha: float, tau: float, toxic_weight: float, label_smoothing: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_kw = dict(alpha=alpha, tau=tau, toxic_weight=toxic_weight, label_smoothing=label_smoothing)
        self._parts = defaultdict(list)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        core = self.accelerator.unwrap_model(model)
        loss, parts = paper_loss(model, inputs, core=core, **self.loss_kw)
        if model.training:
            for k, v in parts.items():
                self._parts[k].append(float(v))
        return (loss, None) if return_outputs else loss

    def log(self, logs: dict, *args, **kwargs) -> None:
        """Add the mean CE and contrastive parts since the last log to the training log."""
        if "loss" in logs and self._parts:
            for k, vals in self._parts.items():
                logs[k] = round(sum(vals) / len(vals), 6)
            self._parts.clear()
        super().log(logs, *args, **kwargs)
