"""Self-Debias (Schick et al. 2021) as a `transformers.LogitsProcessor` and a log-likelihood function.

Semantics of the reference implementation (timoschick/self-debiasing, generation.py
`SelfDebiasingLogitsProcessor`): next to the regular input, the model reads the same
input behind each debiasing prefix ("The following text contains rude, ...:\n").
With p the regular next-token distribution and p_b the element-wise maximum over the
prefixed ones,

    alpha = max(p_b - p, 0),  factor = max(exp(-decay_constant * alpha), epsilon),
    p'    = p * factor / sum(p * factor)

so tokens the "biased" contexts make more likely are pushed down (reference
defaults: decay_constant 50, epsilon 0.01). The reference puts the prefixed copies
in the generation batch and forces them to follow the regular sequence's tokens;
here the processor runs them itself on the current sequence, so it composes with
any `generate` call (greedy, sampling; beam search re-runs the prefixed copies
whenever the beams reorder), keeping their key/value cache between steps.
Differences: each prefix is tokenised on its own and joined to the input ids (the
reference tokenises prefix + text together); leading pad tokens are treated as
padding; where a prefixed copy would exceed the model's context, its oldest input
tokens are dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from alignment_tax.lm.generate import max_positions, position_ids

RUNTIME = "self_debias"
WINDOW_SLACK = 32  # tokens a full-context window leaves free, so it moves once per 32 steps, not every step


def running_max(p_biased: Optional[torch.Tensor], logits: torch.Tensor) -> torch.Tensor:
    """Element-wise max of the prefixed distributions so far and the softmax of `logits`."""
    p = logits.float().softmax(-1)
    return p if p_biased is None else torch.maximum(p_biased, p)


def debiased_logprobs(regular: torch.Tensor, p_biased: torch.Tensor, decay_constant: float,
                      epsilon: float) -> torch.Tensor:
    """log p' from the regular logits [..., V] and the max over prefixes of their distributions (same shape)."""
    p = regular.float().softmax(-1)
    alpha = (p_biased - p).clamp(min=0.0)
    factor = torch.exp(-decay_constant * alpha).clamp(min=epsilon)
    q = p * factor
    return torch.log(q / q.sum(-1, keepdim=True))


def _window(prefix_ids: list[list[int]], length: int, limit: Optional[int], slack: int = 0) -> int:
    """How many of the last `length` input positions the prefixed copies keep.

    A prefixed copy is longer than the input; when it would not fit the model's context,
    its oldest input tokens are dropped, `slack` more than needed so that the next steps
    can extend the cache before the window has to move again (the reference, on GPT-2's
    1024 positions and short prompts, never reaches the limit).
    """
    width = max(len(p) for p in prefix_ids)
    if limit is None or length + width <= limit:
        return length
    return max(1, min(length, limit - width - slack))


def _prefixed(prefix_ids: list[list[int]], ids: torch.Tensor, mask: torch.Tensor, pad_id: int):
    """[K*N, P+T] ids and mask: prefix k (left-padded to the longest prefix) before every row."""
    width = max(len(p) for p in prefix_ids)
    n = ids.shape[0]
    pre = torch.tensor([[pad_id] * (width - len(p)) + p for p in prefix_ids], dtype=ids.dtype, device=ids.device)
    pre_mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prefix_ids],
                            dtype=mask.dtype, device=ids.device)
    all_ids = torch.cat([pre.repeat_interleave(n, 0), ids.repeat(len(prefix_ids), 1)], dim=1)
    all_mask = torch.cat([pre_mask.repeat_interleave(n, 0), mask.repeat(len(prefix_ids), 1)], dim=1)
    return all_ids, all_mask, width


class SelfDebiasLogitsProcessor(LogitsProcessor):
    """Applies self-debiasing to the next-token scores of the sequences `generate` is extending."""

    def __init__(self, model, prefix_ids: list[list[int]], pad_token_id: Optional[int], decay_constant: float = 50.0,
                 epsilon: float = 0.01):
        self.model, self.prefix_ids = model, [list(p) for p in prefix_ids]
        self.pad_token_id = pad_token_id if pad_token_id is not None else 0
        self.decay_constant, self.epsilon = decay_constant, epsilon
        self.limit = max_positions(model)
        self._state: Optional[dict] = None  # ids seen last step, prefixed mask, positions, kv cache

    def _content_mask(self, ids: torch.Tensor) -> torch.Tensor:
        return ((ids != self.pad_token_id).long().cumsum(-1) > 0).long()  # 0 on leading (left) padding only

    @torch.no_grad()
    def _biased_probs(self, ids: torch.Tensor) -> torch.Tensor:
        st, k, (n, t) = self._state, len(self.prefix_ids), ids.shape
        if (st is not None and st["ids"].shape == (n, t - 1) and torch.equal(st["ids"], ids[:, :-1])
                and (self.limit is None or st["mask"].shape[1] < self.limit)):
            mask = torch.cat([st["mask"], st["mask"].new_ones(k * n, 1)], dim=1)
            pos = st["pos"] + 1
            out = self.model(input_ids=ids[:, -1:].repeat(k, 1), attention_mask=mask, position_ids=pos,
                             past_key_values=st["cache"], use_cache=True)
        else:  # first step, the sequences changed (beam reordering, a new generate call), or the context is full
            keep = _window(self.prefix_ids, t, self.limit, slack=WINDOW_SLACK)
            all_ids, mask, _ = _prefixed(self.prefix_ids, ids[:, t - keep:], self._content_mask(ids)[:, t - keep:],
                                         self.pad_token_id)
            pos = position_ids(mask)[:, -1:]
            out = self.model(input_ids=all_ids, attention_mask=mask, position_ids=position_ids(mask), use_cache=True)
        self._state = {"ids": ids.clone(), "mask": mask, "pos": pos, "cache": out.past_key_values}
        return out.logits[:, -1].float().view(k, n, -1).softmax(-1).amax(0)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        p_biased = self._biased_probs(input_ids)
        return debiased_logprobs(scores, p_biased, self.decay_constant, self.epsilon).to(scores.dtype)

    def reset(self) -> None:
        self._state = None


def make_logprob_fn(prefix_ids: list[list[int]], decay_constant: float, epsilon: float):
    """(model, ids, mask) -> [B, T-1] self-debiased log p(ids[:, t] | ids[:, :t]), for log-likelihood benchmarks.

    The reference's `compute_loss_self_debiasing`: every position's distribution is
    debiased against the same position behind each prefix.
    """

    @torch.no_grad()
    def logprob_fn(model, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        inp, inp_mask = ids[:, :-1], mask[:, :-1]  # the last token is only a target (Runtime.token_logprobs)
        regular = model(input_ids=inp, attention_mask=inp_mask, position_ids=position_ids(inp_mask)).logits
        keep = _window(prefix_ids, t, max_positions(model))
        start = t - keep  # positions before `start` do not fit behind the prefixes: left as they are (alpha = 0)
        p_biased = None
        for p in prefix_ids:  # one prefix at a time: K full-vocabulary tensors at once would not fit at scale
            all_ids, all_mask, width = _prefixed([p], ids[:, start:], mask[:, start:], 0)
            logits = model(input_ids=all_ids, attention_mask=all_mask, position_ids=position_ids(all_mask)).logits
            p_biased = running_max(p_biased, logits[:, width:width + keep - 1])
        if start:
            p_biased = torch.cat([regular[:, :start].float().softmax(-1), p_biased], dim=1)
        logp = debiased_logprobs(regular, p_biased, decay_constant, epsilon)
        return logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)

    return logprob_fn


def prefix_token_ids(tokenizer, prefixes: list[str]) -> list[list[int]]:
    return [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prefixes]


def install(rt, directory: Path, info: dict) -> None:
    prefix_ids = prefix_token_ids(rt.tokenizer, info["prefixes"])
    decay, eps = float(info["decay_constant"]), float(info["epsilon"])
    rt.logits_processor = LogitsProcessorList([
        SelfDebiasLogitsProcessor(rt.model, prefix_ids, rt.tokenizer.pad_token_id, decay, eps)])
    rt.logprob_fn = make_logprob_fn(prefix_ids, decay, eps)
