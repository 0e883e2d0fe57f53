"""Batched, left-padded, length-sorted generation with `model.generate`.

Prompts are sorted by length so each batch pads little; results come back in
the caller's order. Left padding keeps every prompt's last token adjacent to
the first generated one (the attention mask hides the pads).
"""
from __future__ import annotations

import torch
from tqdm.auto import tqdm


def max_positions(model) -> int | None:
    """The model's position limit (GPT-2: n_positions; Llama, Phi, GPT-Neo: max_position_embeddings)."""
    cfg = model.config
    n = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", None)
    return int(n) if n else None


def context_limit(model, entry_max_length: int) -> int:
    """Tokens a prompt plus its continuation may span: the zoo entry's max_length, capped by the model."""
    n_pos = max_positions(model)
    return min(entry_max_length, n_pos) if n_pos else entry_max_length


def position_ids(mask: torch.Tensor) -> torch.Tensor:
    """Positions that ignore padding on either side (a plain forward does not derive them from the mask)."""
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


def left_pad(batch: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in batch)
    ids = torch.tensor([[pad_id] * (width - len(s)) + s for s in batch], dtype=torch.long)
    mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in batch], dtype=torch.long)
    return ids, mask


@torch.no_grad()
def generate(model, tokenizer, prompts: list[list[int]], *, max_new_tokens: int, batch_size: int,
             num_beams: int = 1, do_sample: bool = False, no_repeat_ngram_size: int = 0,
             min_new_tokens: int = 0, logits_processor=None, desc: str = "generate",
             top_p: float = 1.0, temperature: float = 1.0, cache_implementation: str | None = None) -> list[str]:
    """`logits_processor`: a method's decoding-time change (Runtime.logits_processor), or None.
    `top_p`/`temperature` apply only when sampling (seed torch first for reproducible samples).
    `cache_implementation`: None (dynamic KV cache) or "static" (preallocated; faster on CPU in
    benchmarks/generation_throughput.py with identical greedy outputs, see benchmarks/RESULTS.md)."""
    sampling = {"top_p": top_p, "temperature": temperature} if do_sample else {}
    if cache_implementation:
        sampling["cache_implementation"] = cache_implementation
    model.eval()
    order = sorted(range(len(prompts)), key=lambda i: (len(prompts[i]), i))
    out: list[str] = [""] * len(prompts)
    for start in tqdm(range(0, len(order), batch_size), desc=desc, unit="batch"):
        idx = order[start:start + batch_size]
        ids, mask = left_pad([prompts[i] for i in idx], tokenizer.pad_token_id)
        gen = model.generate(
            input_ids=ids.to(model.device), attention_mask=mask.to(model.device),
            max_new_tokens=max_new_tokens, num_beams=num_beams, do_sample=do_sample,
            no_repeat_ngram_size=no_repeat_ngram_size, min_new_tokens=min_new_tokens,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            logits_processor=logits_processor, **sampling,
        )
        texts = tokenizer.batch_decode(gen[:, ids.shape[1]:], skip_special_tokens=True)
        for i, text in zip(idx, texts):
            out[i] = text.strip()
    return out
