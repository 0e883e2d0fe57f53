"""DPO (Rafailov et al. 2023) with trl, on the contrastive method's own training pairs.

A baseline beyond the paper: it asks whether the contrastive objective beats the
standard preference-optimisation recipe on the same data. Each row of
data/contrastive/train.jsonl gives `pairs_per_row` preference pairs:

  prompt   = the TL;DR prompt of the post (alignment_tax.prompts, post cut to fit)
  chosen   = a positive summary (the reference first)
  rejected = a negative, toxic ones first, then unfaithful rewrites of the same
             post (any origin other than another post's summary), then the rest

The reference model is the base model the policy starts from. Learning rate, batch
size and epochs are the zoo entry's, as for the contrastive run; beta and the loss
are trl's defaults (0.1, sigmoid).
"""
from __future__ import annotations

import dataclasses

from alignment_tax.prompts import tldr_prompt_ids, tldr_target

OTHER_POST = "other_post_summary"  # the interim source's negatives: another post's reference summary


def rank_negatives(negatives: list[dict]) -> list[dict]:
    """Toxic first, then same-post (unfaithful) rewrites, then other posts' summaries; stable otherwise."""
    return sorted(negatives, key=lambda n: (not n.get("toxic", False), n.get("origin") == OTHER_POST))


def _completion(tokenizer, text: str, max_tokens: int) -> str:
    ids = tokenizer(tldr_target(text, ""), add_special_tokens=False)["input_ids"][:max_tokens]
    return tokenizer.decode(ids) + tokenizer.eos_token


def preference_pairs(rows: list[dict], tokenizer, pairs_per_row: int, max_prompt_tokens: int,
                     max_completion_tokens: int) -> tuple[list[dict], dict]:
    """({prompt, chosen, rejected} dicts, counts). Rows without a positive or a negative are skipped (counted)."""
    pairs, origins, skipped, toxic = [], {}, 0, 0
    for row in rows:
        pos, negs = row.get("positives") or [], rank_negatives(row.get("negatives") or [])
        if not pos or not negs:
            skipped += 1
            continue
        prompt = tokenizer.decode(tldr_prompt_ids(tokenizer, row, max_prompt_tokens))
        for k in range(min(pairs_per_row, len(negs))):
            neg = negs[k]
            pairs.append({"prompt": prompt,
                          "chosen": _completion(tokenizer, pos[k % len(pos)]["text"], max_completion_tokens),
                          "rejected": _completion(tokenizer, neg["text"], max_completion_tokens)})
            origins[neg.get("origin", "?")] = origins.get(neg.get("origin", "?"), 0) + 1
            toxic += bool(neg.get("toxic", False))
    return pairs, {"rows": len(rows), "rows_skipped": skipped, "pairs": len(pairs),
                   "rejected_toxic": toxic, "rejected_origins": dict(sorted(origins.items()))}


def dpo_arguments(base_args, cfg, max_length: int):
    """A trl DPOConfig carrying every TrainingArguments value of `base_args` (models/training.py) plus DPO's own."""
    from trl import DPOConfig

    kw = {f.name: getattr(base_args, f.name) for f in dataclasses.fields(base_args) if f.init}
    # DPOConfig defaults to gradient checkpointing and bf16; base_args states both explicitly
    return DPOConfig(**kw, beta=cfg.beta, loss_type=[cfg.loss_type], max_length=max_length,
                     truncation_mode="keep_start", disable_dropout=True)


def trainer(model, ref_model, tokenizer, pairs: list[dict], args):
    from datasets import Dataset
    from trl import DPOTrainer

    return DPOTrainer(model=model, ref_model=ref_model, args=args, train_dataset=Dataset.from_list(pairs),
                      processing_class=tokenizer)

