"""LMPointwiseMI (`lm_pmi`): how much reading the post raises a causal LM's likelihood of the summary.

In the spirit of BARTScore's source->hypothesis direction (Yuan et al. 2021), made robust to
generic text: for summary tokens y_1..y_m,

    pmi = 1/m * sum_t [ log p(y_t | post + "\\nTL;DR:", y_<t) - log p(y_t | "TL;DR:", y_<t) ]

(nats per token). The first term alone (BARTScore) rewards any fluent, high-frequency sentence;
subtracting the same LM's likelihood without the post cancels that: "I need advice about my
situation." is as likely without the post as with it (pmi ~ 0), a summary of another post becomes
less likely given this one (pmi < 0), and a summary built from this post's content becomes more
likely (pmi > 0). Components: "logp_post" and "logp_prior" (the two means), "pmi" (= "faithfulness").
Empty summary: 0.0 everywhere (it carries nothing from the post).

What it misses: verbatim copying of the post scores highest (an extract is the most predictable
continuation of its own source), so it is a relevance/grounding score, not a check of
abstractive correctness; negation and swapped relations cost only a few tokens' likelihood; it
depends on the LM (a 135M model judges shallowly) and is truncated to `max_source_tokens`.

Cost: each distinct post is encoded once (its KV cache is reused for every summary of that post,
so the 12 systems of the validation set cost one post pass, not 12); the LM head is applied only at
summary positions. Token ids of the summary are identical in both conditions (tokenised alone and
concatenated), so the difference is purely the effect of the context.
"""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np

PROMPT_SUFFIX = "\nTL;DR:"  # the pipeline's TL;DR prompt ends the same way (prompts.py)
PRIOR_CONTEXT = "TL;DR:"


class LMPointwiseMI:
    name = "lm_pmi"
    components = ("logp_post", "logp_prior", "pmi")

    def __init__(self, model, tokenizer, *, batch_size: int = 8, max_source_tokens: int = 384,
                 max_summary_tokens: int = 64, threads: int = 0, label: str = "") -> None:
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        self.model = model.eval()
        self.tok = tokenizer
        self.batch_size = batch_size
        self.max_source_tokens = max_source_tokens
        self.max_summary_tokens = max_summary_tokens
        self.name = f"lm_pmi:{label}" if label else "lm_pmi"

    def _ids(self, text: str) -> list[int]:
        return self.tok(text, add_special_tokens=False).input_ids

    def _context_ids(self, source: str | None) -> list[int]:
        if source is None:
            return self._ids(PRIOR_CONTEXT)
        return self._ids(source.strip())[: self.max_source_tokens] + self._ids(PROMPT_SUFFIX)

    def _summary_logps(self, context: list[int], summaries: list[list[int]]) -> list[float]:
        """Mean log p(summary token | context, earlier summary tokens), one per summary."""
        import torch

        head = self.model.get_output_embeddings()
        body = self.model.get_decoder()
        dev = next(self.model.parameters()).device
        with torch.inference_mode():
            ctx = torch.tensor([context], device=dev)
            out = body(input_ids=ctx, use_cache=True)
            cache = out.past_key_values
            first = torch.log_softmax(head(out.last_hidden_state[:, -1]).float(), dim=-1)[0]  # predicts y_1
            res = []
            for i in range(0, len(summaries), self.batch_size):
                chunk = summaries[i:i + self.batch_size]
                b, n = len(chunk), max(len(s) for s in chunk)
                ids = torch.full((b, n), self.tok.pad_token_id or 0, dtype=torch.long, device=dev)
                mask = torch.zeros((b, len(context) + n), dtype=torch.long, device=dev)
                mask[:, : len(context)] = 1
                for r, s in enumerate(chunk):
                    ids[r, : len(s)] = torch.tensor(s, device=dev)
                    mask[r, len(context): len(context) + len(s)] = 1
                kv = copy.deepcopy(cache)
                kv.batch_repeat_interleave(b)
                hidden = body(input_ids=ids, attention_mask=mask, past_key_values=kv, use_cache=True).last_hidden_state
                for r, s in enumerate(chunk):
                    total = float(first[s[0]])
                    if len(s) > 1:  # positions 0..m-2 predict tokens 1..m-1; the head only where needed
                        lp = torch.log_softmax(head(hidden[r, : len(s) - 1]).float(), dim=-1)
                        total += float(lp.gather(1, torch.tensor(s[1:], device=dev)[:, None]).sum())
                    res.append(total / len(s))
            return res

    def score(self, sources: Sequence[str], summaries: Sequence[str]) -> dict[str, np.ndarray]:
        from alignment_tax.scorers.faithfulness import _check_pairs

        sources, summaries = _check_pairs(sources, summaries)
        n = len(summaries)
        post, prior = np.zeros(n), np.zeros(n)
        ids = [self._ids(" " + s.strip())[: self.max_summary_tokens] if s.strip() else [] for s in summaries]
        live = [i for i in range(n) if ids[i]]
        by_source: dict[str, list[int]] = {}
        for i in live:
            by_source.setdefault(sources[i], []).append(i)
        for src, rows in by_source.items():
            for i, v in zip(rows, self._summary_logps(self._context_ids(src), [ids[i] for i in rows])):
                post[i] = v
        uniq = sorted({tuple(ids[i]) for i in live}, key=len)  # the prior depends on the summary alone;
        if uniq:                                                # similar lengths share a batch: less padding
            got = dict(zip(uniq, self._summary_logps(self._context_ids(None), [list(u) for u in uniq])))
            for i in live:
                prior[i] = got[tuple(ids[i])]
        pmi = post - prior
        return {"faithfulness": pmi.copy(), "logp_post": post, "logp_prior": prior, "pmi": pmi}
