"""Held-out perplexity on one fixed TL;DR text, comparable across tokenizers.

Every zoo entry is scored on the same documents: the first `heldout_text.tldr_rows`
rows of data/prepared/tldr/eval.jsonl (never in the tiny LM's corpus), each as
the pipeline's prompt followed by its reference summary, cut to `max_words`
whitespace words so every model reads exactly the same characters. Each document
is preceded by the model's own start token, so every token of the text is
predicted. A per-token perplexity depends on the tokenizer (the tiny LM's 4k-token
BPE cuts text into more, easier pieces than SmolLM2's 49k one); the total
negative log-likelihood of the same text does not, so it is also reported per
word and per UTF-8 byte (bits per byte), which do compare across models.
"""
from __future__ import annotations

import math

import torch

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.prompts import tldr_prompt, tldr_target


def heldout_docs(rows: list[dict], n_rows: int, max_words: int) -> list[str]:
    docs = []
    for r in rows[:n_rows]:
        text = tldr_prompt(r) + tldr_target(r["summary"], "")
        words = text.split()
        docs.append(" ".join(words[:max_words]) if len(words) > max_words else text)
    if not docs:
        raise AlignmentTaxError("heldout_text: no held-out TL;DR rows (data/prepared/tldr/eval.jsonl is empty)")
    return docs


@torch.no_grad()
def text_nll(model, tokenizer, docs: list[str], batch_size: int = 8) -> tuple[float, int]:
    """(total natural-log NLL of every token of docs, number of tokens scored)."""
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    context = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
    ids = [[start] + tokenizer(d, add_special_tokens=False)["input_ids"] for d in docs]
    longest = max(len(x) for x in ids)
    if context and longest > context:
        raise AlignmentTaxError(f"heldout_text: a document is {longest} tokens, over the model's context of {context} "
                                "(lower heldout_text.max_words)")
    model.eval()
    total, count = 0.0, 0
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start
    for i in range(0, len(ids), batch_size):
        chunk = ids[i:i + batch_size]
        width = max(len(x) for x in chunk)
        x = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros_like(x)
        for j, seq in enumerate(chunk):
            x[j, :len(seq)] = torch.tensor(seq)
            mask[j, :len(seq)] = 1
        logits = model(input_ids=x.to(model.device), attention_mask=mask.to(model.device)).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        tgt = x[:, 1:].to(logp.device)
        nll = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)
        keep = mask[:, 1:].to(nll.device).bool()  # right padding: pads are never targets
        total += nll[keep].sum().item()
        count += int(keep.sum())
    return total, count


def heldout_metrics(model, tokenizer, docs: list[str], batch_size: int = 8) -> dict:
    nll, n_tokens = text_nll(model, tokenizer, docs, batch_size)
    n_words = sum(len(d.split()) for d in docs)
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    return {
        "heldout_perplexity": round(math.exp(nll / n_tokens), 4),  # per token of this model's tokenizer
        "heldout_word_perplexity": round(math.exp(nll / n_words), 4),  # per whitespace word: comparable
        "heldout_bits_per_byte": round(nll / math.log(2) / n_bytes, 5),  # per UTF-8 byte: comparable
        "heldout_docs": len(docs), "heldout_tokens": n_tokens, "heldout_words": n_words, "heldout_bytes": n_bytes,
    }
