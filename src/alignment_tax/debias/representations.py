"""Sentence representations where the projection methods act: the LM head's input.

bias-bench encodes a sentence as the mean over its tokens of the backbone's last
hidden state (for GPT-2 that is after the final layer norm, i.e. the LM head's
input). Capturing the head's input with a pre-hook gives the same space for any
architecture, so the projection fitted here is applied exactly where it was learnt.
"""
from __future__ import annotations

import numpy as np
import torch

from alignment_tax.lm.generate import position_ids


@torch.no_grad()
def mean_final_hidden(model, tokenizer, texts: list[str], max_tokens: int, batch_size: int = 32) -> np.ndarray:
    """[len(texts), hidden] mean over each text's tokens of the final hidden state."""
    model.eval()
    captured: list[torch.Tensor] = []
    handle = model.get_output_embeddings().register_forward_pre_hook(lambda m, args: captured.append(args[0]))
    ids = tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_tokens)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))  # similar lengths per batch: little padding
    out = []
    try:
        for i in range(0, len(order), batch_size):
            enc = tokenizer.pad({"input_ids": [ids[j] for j in order[i:i + batch_size]]}, return_tensors="pt")
            mask = enc["attention_mask"].to(model.device)
            captured.clear()
            model(input_ids=enc["input_ids"].to(model.device), attention_mask=mask,
                  position_ids=position_ids(mask))
            h = captured[-1].float()
            pooled = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
            out.append(pooled.cpu().numpy())
    finally:
        handle.remove()
    if not out:
        return np.zeros((0, model.get_output_embeddings().weight.shape[1]))
    pooled = np.concatenate(out, axis=0)
    result = np.empty_like(pooled)
    result[order] = pooled  # back to the caller's order
    return result
