"""Batches for the contrastive trainer.

Each batch carries two views of its sources:
- the LM view: "prompt + ' ' + summary + EOS", prompt tokens masked out of the
  labels (so L_ce is the summary's loss), the post cut to fit max_length;
- the contrast view: every kept positive and negative text of each source,
  with its named-entity token mask, its source index (`group`) and whether it
  is a positive. Table 12's per-model caps on positives and negatives per
  source apply here (null = unlimited). params contrastive.view:
  * `target` (default): each text tokenised alone;
  * `post_and_target` (the authors' code): each text is read after its source's
    TL;DR prompt. The prompts travel once per source (`cl_prompt_ids`, cut so
    that max_summary_tokens of text still fit in max_length) and the texts as
    continuations (" " + text, as the LM view's summary follows "TL;DR:"); the
    entity mask covers the text's tokens only. The trainer encodes each prompt
    once and lets its texts attend to the cached keys/values.
`cl_source_toxic` (one per source): the source has a toxic negative (w_tox's
`source` rule); `cl_toxic`: the batch holds any toxic text (its `batch` rule).
"""
from __future__ import annotations

from typing import Optional

import torch

from alignment_tax.contrastive.pooling import entity_token_mask
from alignment_tax.prompts import tldr_prompt_ids, tldr_target

VIEWS = ("target", "post_and_target")


def _pad(seqs: list[list[int]], value: int) -> torch.Tensor:
    width = max((len(s) for s in seqs), default=0)
    return torch.tensor([s + [value] * (width - len(s)) for s in seqs], dtype=torch.long)


class ContrastiveCollator:
    def __init__(self, tokenizer, max_length: int, max_summary_tokens: int,
                 max_positives: Optional[int], max_negatives: Optional[int], view: str = "target"):
        if view not in VIEWS:
            raise ValueError(f"unknown contrast view {view!r} (known: {', '.join(VIEWS)})")
        self.view = view
        self.tok = tokenizer
        self.max_length = max_length
        self.max_summary_tokens = max_summary_tokens
        self.max_positives = max_positives
        self.max_negatives = max_negatives

    def lm_view(self, row: dict) -> tuple[list[int], list[int]]:
        target = self.tok(tldr_target(row["summary"], self.tok.eos_token),
                          add_special_tokens=False)["input_ids"][: self.max_summary_tokens]
        prompt = tldr_prompt_ids(self.tok, row, self.max_length - len(target))
        return prompt + target, [-100] * len(prompt) + target

    def contrast_items(self, row: dict) -> list[tuple[dict, bool]]:
        pos = row["positives"][: self.max_positives] if self.max_positives is not None else row["positives"]
        neg = row["negatives"][: self.max_negatives] if self.max_negatives is not None else row["negatives"]
        return [(it, True) for it in pos] + [(it, False) for it in neg]

    def __call__(self, rows: list[dict]) -> dict:
        ids, labels = zip(*(self.lm_view(r) for r in rows))
        items, group, is_pos = [], [], []
        toxic = any(r.get("source_toxic", False) for r in rows)
        source_toxic = [False] * len(rows)
        for b, row in enumerate(rows):
            for it, positive in self.contrast_items(row):
                items.append(it)
                group.append(b)
                is_pos.append(positive)
                toxic = toxic or bool(it.get("toxic", False))
                source_toxic[b] = source_toxic[b] or (not positive and bool(it.get("toxic", False)))
        # post_and_target: the text continues the prompt after "TL;DR:", so it gets the LM view's leading space
        lead = " " if self.view == "post_and_target" else ""
        enc = self.tok([lead + it["text"] for it in items], add_special_tokens=False, truncation=True,
                       max_length=self.max_summary_tokens, return_offsets_mapping=True)
        ent = [entity_token_mask(off, [(s + len(lead), e + len(lead)) for s, e, *_ in it.get("entities", [])])
               for off, it in zip(enc["offset_mapping"], items)]
        # Longest first, so the trainer can encode length-homogeneous chunks; InfoNCE does not
        # depend on the order of the texts (group and is_positive travel with them).
        order = sorted(range(len(items)), key=lambda i: (-len(enc["input_ids"][i]), i))
        cl_ids = [enc["input_ids"][i] for i in order]
        ent = [ent[i] for i in order]
        group = [group[i] for i in order]
        is_pos = [is_pos[i] for i in order]
        pad = self.tok.pad_token_id
        prompts = ([tldr_prompt_ids(self.tok, r, self.max_length - self.max_summary_tokens) for r in rows]
                   if self.view == "post_and_target" else [])
        return {
            "input_ids": _pad(list(ids), pad),
            "attention_mask": _pad([[1] * len(s) for s in ids], 0),
            "labels": _pad(list(labels), -100),
            "cl_input_ids": _pad(cl_ids, pad),
            "cl_attention_mask": _pad([[1] * len(s) for s in cl_ids], 0),
            "cl_entity_mask": _pad(ent, 0),
            "cl_group": torch.tensor(group, dtype=torch.long),
            "cl_is_positive": torch.tensor(is_pos, dtype=torch.bool),
            "cl_toxic": torch.tensor([toxic], dtype=torch.bool),
            "cl_source_toxic": torch.tensor(source_toxic, dtype=torch.bool),
            "cl_prompt_ids": _pad(prompts, pad),
            "cl_prompt_mask": _pad([[1] * len(p) for p in prompts], 0),
        }
