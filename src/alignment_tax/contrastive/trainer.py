"""`ContrastiveTrainer`: a transformers.Trainer whose loss is the paper's.

`ContrastiveLM` holds the causal LM and the projection head, and its forward
computes the whole loss. That matters for DDP/FSDP: they sync gradients for
what runs inside one forward call, and the loss needs two passes through the
LM (the prompt+summary view and the contrast view). Checkpoints store the LM
with `save_pretrained` (tied weights handled, loadable by any HF tool) and the
head beside it, so `Trainer`'s resume works unchanged. Under FSDP the weights are
gathered to rank 0 before saving and loaded back through FSDP's state-dict API; a
LoRA LM (models/lora.py) checkpoints only its adapters.
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Optional

import torch
from torch import nn
from transformers import Trainer

from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.loss import contrastive_loss, labelled_ce
from alignment_tax.contrastive.pooling import entity_pool
from alignment_tax.models.lora import backbone, is_lora, load_adapter

CONTRAST_CHUNK = 16  # texts per forward pass of the contrast view


def contrast_representations(lm, head: ProjectionHead, inputs: dict, chunk: int = CONTRAST_CHUNK,
                             no_entity: str = "mean") -> torch.Tensor:
    """Last hidden states -> token projections -> NE-pooled, unit-norm r (N, D) (view `target`).

    The contrast view runs through the base transformer only (its logits would
    be thrown away). The collator sorts the texts longest first and right-pads
    them; each chunk is cut to its own longest text, so padding costs little
    (a causal LM's states for real tokens do not depend on trailing pads).
    """
    ids, mask, ent = inputs["cl_input_ids"], inputs["cl_attention_mask"], inputs["cl_entity_mask"]
    reps = []
    for s in range(0, ids.shape[0], chunk):
        m = mask[s:s + chunk]
        width = max(int(m.sum(dim=1).max()), 1)
        hidden = backbone(lm)(input_ids=ids[s:s + chunk, :width], attention_mask=m[:, :width]).last_hidden_state
        reps.append(entity_pool(head(hidden), ent[s:s + chunk, :width], m[:, :width], no_entity))
    return torch.cat(reps)


def post_conditioned_states(lm, inputs: dict, chunk: int = CONTRAST_CHUNK, shared_prefix: bool = True):
    """View `post_and_target`: yields (start, hidden (n, w, D), mask (n, w)) per chunk of texts, each
    text's last hidden states conditioned on its source's prompt.

    shared_prefix (what training uses): every prompt is encoded once; each chunk of
    texts then runs with the keys/values of its texts' prompts as past_key_values
    (indexed per text, so each text sees only its own prompt), position ids going
    on from its prompt's length and the prompt's padding masked out. The gather and
    the cache's concatenation are differentiable, so L_cl's gradient reaches the
    prompt's tokens through their keys/values, as in one pass over the
    concatenation. False: that concatenation, prompt + text per text, encoded
    k + m times per source (the authors' way; kept for the test and the benchmark).
    """
    from transformers import DynamicCache

    body = backbone(lm)
    ids, mask, group = inputs["cl_input_ids"], inputs["cl_attention_mask"], inputs["cl_group"]
    p_mask = inputs["cl_prompt_mask"]
    p_len = p_mask.sum(dim=1)
    p_width = int(p_len.max())
    p_ids, p_mask = inputs["cl_prompt_ids"][:, :p_width], p_mask[:, :p_width]
    if shared_prefix:
        cache = body(input_ids=p_ids, attention_mask=p_mask, use_cache=True).past_key_values
        kv = [(layer.keys, layer.values) for layer in cache.layers]
    for s in range(0, ids.shape[0], chunk):
        g, m = group[s:s + chunk], mask[s:s + chunk]
        width = max(int(m.sum(dim=1).max()), 1)
        t_ids, m = ids[s:s + chunk, :width], m[:, :width]
        steps = torch.arange(width, device=ids.device)
        if shared_prefix:
            past = DynamicCache(ddp_cache_data=[(k[g], v[g]) for k, v in kv])
            hidden = body(input_ids=t_ids, attention_mask=torch.cat([p_mask[g], m], dim=1),
                          position_ids=p_len[g].unsqueeze(1) + steps, past_key_values=past,
                          use_cache=True).last_hidden_state
        else:
            hidden = _concatenated_states(body, p_ids[g], p_len[g], t_ids, m, steps)
        yield s, hidden, m


def post_conditioned_representations(lm, head: ProjectionHead, inputs: dict, chunk: int = CONTRAST_CHUNK,
                                     no_entity: str = "mean", shared_prefix: bool = True) -> torch.Tensor:
    """NE-pooled, unit-norm r (N, D) of the view `post_and_target` (entity mask: the text's tokens only)."""
    ent = inputs["cl_entity_mask"]
    return torch.cat([entity_pool(head(hidden), ent[s:s + len(m), :m.shape[1]], m, no_entity)
                      for s, hidden, m in post_conditioned_states(lm, inputs, chunk, shared_prefix)])


def _concatenated_states(body, p_ids, p_len, t_ids, t_mask, steps) -> torch.Tensor:
    """prompt[:len] + text, right-padded, one sequence per text; the states at the text's positions."""
    seqs = [torch.cat([p_ids[i, :int(p_len[i])], t_ids[i, :int(t_mask[i].sum())]]) for i in range(len(t_ids))]
    span = max(len(q) for q in seqs)
    seq = torch.zeros((len(seqs), span), dtype=t_ids.dtype, device=t_ids.device)
    att = torch.zeros_like(seq)
    for i, q in enumerate(seqs):
        seq[i, :len(q)], att[i, :len(q)] = q, 1
    hidden = body(input_ids=seq, attention_mask=att).last_hidden_state
    at = (p_len.unsqueeze(1) + steps).clamp_max(span - 1)  # a padded text position reads any state; pooling masks it
    return hidden.gather(1, at.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))


class ContrastiveLM(nn.Module):
    """L = L_ce + alpha * L_cl for one batch, as one module (head is None when alpha == 0)."""

    def __init__(self, lm, head: Optional[ProjectionHead], *, alpha: float, tau: float, toxic_weight: float,
                 label_smoothing: float, denominator: str = "batch", view: str = "target",
                 no_entity: str = "mean", toxic_weight_rule: str = "batch"):
        super().__init__()
        if alpha > 0 and head is None:
            raise ValueError("alpha > 0 needs a projection head")
        self.lm, self.head = lm, head
        self.alpha, self.tau, self.toxic_weight, self.label_smoothing = alpha, tau, toxic_weight, label_smoothing
        self.denominator, self.view, self.no_entity = denominator, view, no_entity
        self.toxic_weight_rule = toxic_weight_rule
        self.chunk = CONTRAST_CHUNK

    def representations(self, inputs: dict, **kw) -> torch.Tensor:
        kw = {"chunk": self.chunk, "no_entity": self.no_entity, **kw}
        if self.view == "post_and_target":
            return post_conditioned_representations(self.lm, self.head, inputs, **kw)
        return contrast_representations(self.lm, self.head, inputs, **kw)

    def forward(self, **inputs) -> tuple[torch.Tensor, dict]:
        # L_ce from the body's states, the LM head only where a label is (see labelled_ce)
        hidden = backbone(self.lm)(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        ce = labelled_ce(hidden.last_hidden_state, inputs["labels"], self.lm.get_output_embeddings(),
                         self.label_smoothing)
        toxic = bool(inputs["cl_toxic"].any())
        source_toxic = inputs["cl_source_toxic"]
        if self.alpha > 0 and inputs["cl_input_ids"].numel():
            r = self.representations(inputs)
            cl = contrastive_loss(r, inputs["cl_group"], inputs["cl_is_positive"], toxic, self.tau,
                                  self.toxic_weight, denominator=self.denominator, rule=self.toxic_weight_rule,
                                  source_is_toxic=source_toxic)
        else:
            cl = ce.new_zeros(())
        share = float(source_toxic.float().mean()) if source_toxic.numel() else 0.0
        return ce + self.alpha * cl, {"ce": ce.detach(), "cl": cl.detach(), "toxic_batch": float(toxic),
                                      "toxic_source": share}

    def save(self, directory: Path, state_dict: Optional[dict] = None) -> None:
        """The LM as a save_pretrained directory (safetensors), the head beside it.

        state_dict: the full weights gathered from FSDP shards (keys lm.*, head.*); None = this
        module's own (a LoRA LM then writes only its adapters: a checkpoint).
        """
        def part(prefix: str) -> Optional[dict]:
            if state_dict is None:
                return None
            return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}

        self.lm.save_pretrained(directory, state_dict=part("lm."), safe_serialization=True)
        if self.head is not None:
            self.head.save(directory, part("head."))

    @staticmethod
    def read_lm_state(directory: Path) -> dict:
        from safetensors.torch import load_file

        # save_pretrained shards large models (model-0000k-of-N.safetensors); a small one is one file
        shards = sorted(Path(directory).glob("model*.safetensors"))
        if not shards:
            raise RuntimeError(f"{directory}: no model*.safetensors in the checkpoint")
        return {k: v for shard in shards for k, v in load_file(str(shard)).items()}

    def load(self, directory: Path) -> None:
        """Inverse of `save`, in place (resume from a checkpoint)."""
        if is_lora(self.lm):
            load_adapter(self.lm, Path(directory))
        else:
            self._load_lm(Path(directory))
        if self.head is not None:
            self.head.load_state_dict(ProjectionHead.load(Path(directory)).state_dict())

    def _load_lm(self, directory: Path) -> None:
        missing, unexpected = self.lm.load_state_dict(self.read_lm_state(directory), strict=False)
        tied = set(getattr(self.lm, "_tied_weights_keys", None) or []) | {"lm_head.weight"}
        if unexpected or set(missing) - tied:
            raise RuntimeError(f"{directory}: checkpoint does not match the model "
                               f"(missing {sorted(set(missing) - tied)}, unexpected {sorted(unexpected)})")
        self.lm.tie_weights()


class ContrastiveTrainer(Trainer):
    """Trainer over a ContrastiveLM: logs CE and L_cl separately, checkpoints via ContrastiveLM.save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parts = defaultdict(list)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, parts = model(**inputs)  # through the DDP/FSDP wrapper: one forward per step
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

    def _save(self, output_dir: Optional[str] = None, state_dict=None) -> None:
        if not self.args.should_save:
            return
        output_dir = output_dir or self.args.output_dir
        os.makedirs(output_dir, exist_ok=True)
        self.accelerator.unwrap_model(self.model).save(Path(output_dir), state_dict)  # state_dict: set under FSDP

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
        directory, target = Path(resume_from_checkpoint), model or self.model
        if not self.is_fsdp_enabled:
            self.accelerator.unwrap_model(target).load(directory)
            return
        # FSDP (called after wrapping): sharded parameters load through FSDP's full-state-dict API
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP, StateDictType

        state = {f"lm.{k}": v for k, v in ContrastiveLM.read_lm_state(directory).items()}
        if self.accelerator.unwrap_model(target).head is not None:
            state.update({f"head.{k}": v for k, v in ProjectionHead.load(directory).state_dict().items()})
        with FSDP.state_dict_type(target, StateDictType.FULL_STATE_DICT):
            unexpected = target.load_state_dict(state, strict=False).unexpected_keys
        if unexpected:
            raise RuntimeError(f"{directory}: checkpoint does not match the model (unexpected {unexpected[:3]})")
