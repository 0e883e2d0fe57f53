"""Log-likelihood of continuations given contexts, batched, through `Runtime.token_logprobs`.

Semantics follow lm-evaluation-harness `loglikelihood` requests:
- the pair is tokenised as the harness's `_encode_pair` does: encode
  `context + continuation` whole and split off the context's tokens, with
  trailing spaces of the context moved to the continuation, so the BPE merge at
  the boundary is the one the model would see in running text;
- the score is the summed log-probability of the continuation tokens; when the
  sequence is longer than the model's window the context is cut from the left.
Every score goes through `rt.token_logprobs`, never the model directly, so a
method that changes scoring (Self-Debias) is measured the same way as the rest.
Identical (context, continuation) pairs are scored once (TruthfulQA's MC1
options are a subset of its MC2 options).
"""
from __future__ import annotations

from typing import Sequence

import torch
from tqdm.auto import tqdm

from alignment_tax.errors import AlignmentTaxError

Request = tuple  # (context: str, continuation: str)


def encode_pair(tokenizer, context: str, continuation: str) -> tuple[list[int], list[int]]:
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    n_ctx = len(tokenizer(context, add_special_tokens=False)["input_ids"])
    return whole[:n_ctx], whole[n_ctx:]


def _right_pad(seqs: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in seqs], dtype=torch.long)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], dtype=torch.long)
    return ids, mask


def continuation_logprobs(rt, requests: Sequence[Request], *, batch_size: int, max_length: int,
                          desc: str = "loglik") -> list[float]:
    """Summed log p(continuation | prefix + context) for each (context, continuation)."""
    tok = rt.tokenizer
    unique = list(dict.fromkeys(requests))
    encoded = []
    for ctx, cont in unique:
        c_ids, x_ids = encode_pair(tok, ctx, cont)
        if not x_ids:
            raise AlignmentTaxError(f"empty continuation to score after {ctx[-40:]!r}")
        c_ids = list(rt.prefix_ids) + c_ids
        if not c_ids:  # nothing to condition on: start from EOS, as the harness does
            c_ids = [tok.eos_token_id]
        if len(x_ids) >= max_length:
            raise AlignmentTaxError(f"an answer option of {len(x_ids)} tokens does not fit the {max_length}-token "
                                    f"window (model_zoo.<model>.max_length): {cont[:40]!r}")
        seq = (c_ids + x_ids)[-max_length:]  # left-truncate the context, keep the continuation
        encoded.append((seq, len(x_ids)))
    order = sorted(range(len(encoded)), key=lambda i: (-len(encoded[i][0]), i))
    scores = [0.0] * len(encoded)
    for start in tqdm(range(0, len(order), batch_size), desc=desc, unit="batch"):
        idx = order[start:start + batch_size]
        ids, mask = _right_pad([encoded[i][0] for i in idx], tok.pad_token_id)
        logp = rt.token_logprobs(ids, mask).float().cpu()  # [B, T-1]: log p(ids[t+1] | ids[:t+1])
        for row, i in enumerate(idx):
            seq, n_cont = encoded[i]
            end = len(seq) - 1
            scores[i] = float(logp[row, end - n_cont:end].sum())
    by_pair = dict(zip(unique, scores))
    return [by_pair[r] for r in requests]
