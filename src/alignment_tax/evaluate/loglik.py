"""Log-likelihood of continuations given contexts, as lm-evaluation-harness 0.4.13's `hf` backend computes it.

Semantics follow the harness's `loglikelihood` requests (lm_eval/api/model.py,
lm_eval/models/huggingface.py `_loglikelihood_tokens`):
- `encode_pair`: trailing spaces of the context move to the continuation; the
  context is `encode(context)` and the continuation is `encode(context +
  continuation)` minus that many leading tokens, so the BPE merge at the boundary
  is the one the model would see in running text;
- an empty context (and no method prefix) is the EOS token;
- truncation: the window is `(context + continuation)[-(max_length + 1):]` and the
  model reads all of it but the last token (at most `max_length` tokens), so a
  context is cut from the left only once the pair exceeds `max_length + 1` tokens;
- the score is the summed log-probability of the continuation tokens.
Identical (context, continuation) pairs are scored once (TruthfulQA's MC1
options are a subset of its MC2 options).

Two ways to compute the same numbers:
- cached (default): requests are grouped by their (window-cut) context. The
  context minus its last token runs once, batched across questions, with
  `use_cache=True`; its key/value cache is then expanded over the group's
  options and each option runs `[last context token] + continuation[:-1]` on it,
  with position ids continuing the context's and an attention mask that hides
  the context's padding (left or right). Options whose input is a prefix of
  another option's share that option's row (a one-token continuation such as
  MMLU-Pro's " A" .. " J": one row per question). The forward hooks a method
  installs on the model (INLP/SentenceDebias projections) act in these forwards
  as in any other; Instructive Debiasing's prefix is part of the context.
- full pass: each window through `Runtime.token_logprobs`. Used when the method
  replaces the log-probability function (Self-Debias: `Runtime.logprob_fn`),
  which cannot be split at a cache boundary, and for contexts of one token
  (nothing to cache). The fallback is announced on stderr.
The two agree to float32 rounding (tests/evaluate/test_loglik_cached.py).
"""
from __future__ import annotations

import copy
import inspect
import sys
from typing import Optional, Sequence

import torch
from tqdm.auto import tqdm

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.lm.generate import position_ids

Request = tuple  # (context: str, continuation: str)
FAMILY_TOKENS = 16  # contexts opening with the same 16 tokens are batched together, to share their prefix
MIN_SHARED = 16  # a batch's common prefix shorter than this is not worth a pass of its own
CACHE_TOKENS_PER_SEQUENCE = 4  # an options pass holds at most 4 x batch_size x max_length cached positions


def encode_pair(tokenizer, context: str, continuation: str, memo: Optional[dict] = None) -> tuple[list[int], list[int]]:
    """(context ids, continuation ids) as the harness's causal `_encode_pair`.

    `memo` (context text -> ids) saves re-encoding a context that many options share."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    if memo is not None and context in memo:
        ctx = memo[context]
    else:
        ctx = tokenizer(context, add_special_tokens=False)["input_ids"] if context else []
        if memo is not None:
            memo[context] = ctx
    return list(ctx), whole[len(ctx):]


def request_tokens(rt, context: str, continuation: str, max_length: int,
                   memo: Optional[dict] = None) -> tuple[tuple[int, ...], list[int]]:
    """(conditioning tokens inside the window, continuation tokens) for one request."""
    tok = rt.tokenizer
    c_ids, x_ids = encode_pair(tok, context, continuation, memo)
    c_ids = list(rt.prefix_ids) + c_ids
    if not c_ids:  # nothing to condition on: EOS, as the harness's prefix_token_id
        if x_ids and x_ids[0] == tok.eos_token_id:
            c_ids, x_ids = x_ids[:1], x_ids[1:]
        else:
            c_ids = [tok.eos_token_id]
    if not x_ids:
        raise AlignmentTaxError(f"empty continuation to score after {context[-40:]!r}")
    if len(x_ids) > max_length:
        raise AlignmentTaxError(f"an answer option of {len(x_ids)} tokens does not fit the {max_length}-token "
                                f"window (model_zoo.<model>.max_length): {continuation[:40]!r}")
    window = (c_ids + x_ids)[-(max_length + 1):]
    return tuple(window[:len(window) - len(x_ids)]), x_ids


def _pad(seqs: Sequence[Sequence[int]], pad_id: int, side: str = "right") -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    rows, masks = [], []
    for s in seqs:
        fill = [pad_id] * (width - len(s))
        rows.append(list(s) + fill if side == "right" else fill + list(s))
        masks.append([1] * len(s) + [0] * len(fill) if side == "right" else [0] * len(fill) + [1] * len(s))
    return torch.tensor(rows, dtype=torch.long), torch.tensor(masks, dtype=torch.long)


def continuation_logprobs(rt, requests: Sequence[Request], *, batch_size: int, max_length: int,
                          desc: str = "loglik", use_cache: bool = True, pad_side: str = "left") -> list[float]:
    """Summed log p(continuation | prefix + context) for each (context, continuation).

    `batch_size`: contexts per forward (cached path) or windows per forward (full pass).
    `use_cache=False` forces the full pass; `pad_side` is the context padding of the cached path.
    """
    unique = list(dict.fromkeys(requests))
    memo: dict = {}
    items = [request_tokens(rt, ctx, cont, max_length, memo) for ctx, cont in unique]
    groups: dict[tuple, list[int]] = {}
    for i, (ctx, _) in enumerate(items):
        groups.setdefault(ctx, []).append(i)
    cached = use_cache and rt.shares_context_cache
    if use_cache and not cached:
        print(f"loglik: method '{rt.method}' replaces the log-probability function; scoring {len(items)} "
              f"requests by full passes (no shared context cache)", file=sys.stderr)
    full = [i for ctx, idx in groups.items() for i in idx if not cached or len(ctx) < 2]
    shared = [(ctx, idx) for ctx, idx in groups.items() if cached and len(ctx) >= 2]
    scores = [0.0] * len(items)
    _full_pass(rt, items, full, scores, batch_size, desc)
    _cached_pass(rt, items, shared, scores, batch_size, max_length, desc, pad_side)
    by_pair = dict(zip(unique, scores))
    return [by_pair[r] for r in requests]


def _full_pass(rt, items, todo: list[int], scores: list[float], batch_size: int, desc: str) -> None:
    order = sorted(todo, key=lambda i: (-(len(items[i][0]) + len(items[i][1])), i))
    for start in tqdm(range(0, len(order), batch_size), desc=desc, unit="batch", disable=not order or None):
        idx = order[start:start + batch_size]
        seqs = [list(items[i][0]) + items[i][1] for i in idx]
        ids, mask = _pad(seqs, rt.tokenizer.pad_token_id)
        logp = rt.token_logprobs(ids, mask).float().cpu()  # [B, T-1]: log p(ids[t+1] | ids[:t+1])
        for row, (i, seq) in enumerate(zip(idx, seqs)):
            end = len(seq) - 1
            scores[i] = float(logp[row, end - len(items[i][1]):end].sum())


def _option_rows(last: int, conts: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """Rows `[last] + cont[:-1]` for a group's options, an option whose row is a prefix of another's sharing it.

    Returns (rows, the row index of each option)."""
    inputs = [[last] + c[:-1] for c in conts]
    rows: list[list[int]] = []
    row_of = [0] * len(conts)
    for j in sorted(range(len(conts)), key=lambda j: (-len(inputs[j]), j)):
        hit = next((r for r, row in enumerate(rows) if row[:len(inputs[j])] == inputs[j]), None)
        if hit is None:
            rows.append(inputs[j])
            hit = len(rows) - 1
        row_of[j] = hit
    return rows, row_of


def _select(cache, index: torch.Tensor):
    """The cache's batch rows `index` (repeats allowed), leaving `cache` itself untouched."""
    out = copy.copy(cache)
    out.layers = [copy.copy(layer) for layer in cache.layers]
    for layer in out.layers:
        layer.batch_select_indices(index)  # rebinds keys/values to new tensors
    return out


@torch.no_grad()
def _cached_pass(rt, items, groups, scores: list[float], batch_size: int, max_length: int, desc: str,
                 pad_side: str) -> None:
    if not groups:
        return
    model, pad_id = rt.model, rt.tokenizer.pad_token_id
    model.eval()
    device = model.device
    # contexts with the same opening (TruthfulQA's primer, MMLU-Pro's few-shot block) side by side, longest first
    groups = sorted(groups, key=lambda g: (g[0][:FAMILY_TOKENS], -len(g[0]), g[1][0]))
    # the context pass needs no logits: ask for the last position's only, where the model allows it
    keep_one = {"logits_to_keep": 1} if "logits_to_keep" in inspect.signature(model.forward).parameters else {}
    budget = CACHE_TOKENS_PER_SEQUENCE * batch_size * max_length
    # batches never straddle two families, or the common prefix would be lost to the whole batch
    batches, run = [], []
    for g in groups:
        if run and (len(run) == batch_size or run[0][0][:FAMILY_TOKENS] != g[0][:FAMILY_TOKENS]):
            batches.append(run)
            run = []
        run.append(g)
    batches.append(run)
    for batch in tqdm(batches, desc=desc, unit="batch"):
        cache, mask = _context_cache(model, [ctx[:-1] for ctx, _ in batch], pad_id, pad_side, device, keep_one)
        n_real = mask.sum(1)
        rows, owner, options = [], [], []  # options: (item, row, continuation)
        for g, (ctx, idx) in enumerate(batch):
            g_rows, row_of = _option_rows(ctx[-1], [items[i][1] for i in idx])
            options += [(i, len(rows) + r, items[i][1]) for i, r in zip(idx, row_of)]
            rows += g_rows
            owner += [g] * len(g_rows)
        # options passes: rows in chunks whose expanded cache stays within the budget
        chunk: list[int] = []
        for r in sorted(range(len(rows)), key=lambda r: (-len(rows[r]), r)):
            width = mask.shape[1] + len(rows[chunk[0]] if chunk else rows[r])
            if chunk and (len(chunk) + 1) * width > budget:
                _options_forward(model, cache, mask, n_real, rows, owner, options, chunk, scores, pad_id)
                chunk = []
            chunk.append(r)
        _options_forward(model, cache, mask, n_real, rows, owner, options, chunk, scores, pad_id)


def _shared_prefix(seqs: list[tuple]) -> int:
    """Length of the prefix all `seqs` share, leaving each at least one token of its own."""
    n = min(len(s) for s in seqs) - 1
    first = seqs[0]
    for k in range(n):
        if any(s[k] != first[k] for s in seqs[1:]):
            return k
    return max(n, 0)


def _context_cache(model, prefixes: list[tuple], pad_id: int, pad_side: str, device, keep_one: dict):
    """(key/value cache of the padded `prefixes`, its attention mask).

    A prefix the whole batch shares (of at least MIN_SHARED tokens) runs once and its cache is expanded
    over the batch; the rest of each context runs on it, padded on `pad_side`."""
    k = _shared_prefix(prefixes) if len(prefixes) > 1 else 0
    if k < MIN_SHARED:
        ids, mask = _pad(prefixes, pad_id, pad_side)
        ids, mask = ids.to(device), mask.to(device)
        out = model(input_ids=ids, attention_mask=mask, position_ids=position_ids(mask), use_cache=True, **keep_one)
        return out.past_key_values, mask
    shared = torch.tensor([prefixes[0][:k]], device=device)
    cache = model(input_ids=shared, use_cache=True, **keep_one).past_key_values
    cache = _select(cache, torch.zeros(len(prefixes), dtype=torch.long, device=device))
    ids, rest = _pad([p[k:] for p in prefixes], pad_id, pad_side)
    ids, rest = ids.to(device), rest.to(device)
    mask = torch.cat([rest.new_ones(len(prefixes), k), rest], 1)
    pos = k + position_ids(rest)
    model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True, **keep_one)
    return cache, mask


def _options_forward(model, cache, ctx_mask, n_real, rows, owner, options, chunk: list[int], scores, pad_id) -> None:
    device = ctx_mask.device
    sel = torch.tensor([owner[r] for r in chunk], device=device)
    ids, mask = _pad([rows[r] for r in chunk], pad_id)
    ids, mask = ids.to(device), mask.to(device)
    # positions continue each context's; padding gets 0 (a longer row of another context must not push it
    # past the model's position table)
    pos = (n_real[sel].unsqueeze(1) + torch.arange(ids.shape[1], device=device)) * mask
    logits = model(input_ids=ids, attention_mask=torch.cat([ctx_mask[sel], mask], 1), position_ids=pos,
                   past_key_values=_select(cache, sel), use_cache=True).logits.float()
    lse = torch.logsumexp(logits, -1)  # log_softmax's normaliser, without a second [R, W, V] tensor
    where = {r: k for k, r in enumerate(chunk)}
    for item, r, cont in options:
        if r in where:
            k, steps = where[r], torch.arange(len(cont), device=device)
            target = torch.tensor(cont, device=device)
            scores[item] = float((logits[k, steps, target] - lse[k, steps]).sum())
