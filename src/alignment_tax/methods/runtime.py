"""A grid cell's model as every benchmark uses it: weights plus what its method changes at inference.

Evaluations load a cell with `load_runtime(params, slug, method)` and touch only this
interface, so every method is scored by the same code:

  rt.model, rt.tokenizer
  rt.prefix_ids        token ids placed before every prompt (Instructive Debiasing's
                       instruction); [] for most methods
  rt.logits_processor  a LogitsProcessorList for `generate` (Self-Debias); empty otherwise
  rt.cache_implementation  the KV cache every benchmark's `generate` uses (params compute.kv_cache)
  rt.token_logprobs(ids, mask) -> [B, T-1] log p(ids[:, t] | ids[:, :t]), for log-likelihood
                       benchmarks; a decoding-time method may replace it (`logprob_fn`). The
                       last token of each row is only a target, never fed to the model, so a
                       T-token row needs T-1 positions (lm-eval's `inp[:-1]`)
  rt.shares_context_cache  whether log-likelihoods may run a context once and reuse its
                       key/value cache for every continuation (evaluate.loglik): true unless
                       `logprob_fn` is replaced

Hidden-state projections (INLP, SentenceDebias) are forward hooks on the model
itself, so they act in `generate` and in `token_logprobs` alike. What a method
needs is recorded in its model directory's alignment_tax.json; `apply_method`
turns that record into the fields above (training-time methods need nothing here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import torch
from transformers import LogitsProcessorList

from alignment_tax.debias.inference import instructive, projection, self_debias
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.lm.generate import position_ids
from alignment_tax.models.loader import load_for, method_info, model_dir

# runtime name (a method record's "runtime" key) -> installer(rt, directory, info)
INSTALLERS: dict = {
    projection.RUNTIME: projection.install,  # INLP, SentenceDebias: hidden-state projection before the LM head
    self_debias.RUNTIME: self_debias.install,  # Self-Debias: logits processor + log-likelihood function
    instructive.RUNTIME: instructive.install,  # Instructive Debiasing: instruction token ids before every prompt
}


@torch.no_grad()
def plain_token_logprobs(model, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    inp, inp_mask = ids[:, :-1], mask[:, :-1]  # the last token is only a target
    out = model(input_ids=inp, attention_mask=inp_mask, position_ids=position_ids(inp_mask))
    logp = torch.log_softmax(out.logits.float(), dim=-1)
    return logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)


@dataclass
class Runtime:
    model: Any
    tokenizer: Any
    method: str
    info: dict = field(default_factory=dict)  # the method's alignment_tax.json ({} for base)
    prefix_ids: list[int] = field(default_factory=list)
    logits_processor: LogitsProcessorList = field(default_factory=LogitsProcessorList)
    logprob_fn: Optional[Callable] = None  # (model, ids, mask) -> [B, T-1]; None = plain forward
    cache_implementation: Optional[str] = None  # generate's KV cache: None (dynamic) or "static" (compute.kv_cache)

    def with_prefix(self, ids: list[int]) -> list[int]:
        return list(self.prefix_ids) + list(ids)

    @property
    def shares_context_cache(self) -> bool:
        # a replaced log-prob function sees whole sequences; forward hooks act in cached forwards too
        return self.logprob_fn is None

    def token_logprobs(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        ids, mask = ids.to(self.model.device), mask.to(self.model.device)
        return (self.logprob_fn or plain_token_logprobs)(self.model, ids, mask)


def load_runtime(params, slug: str, method: str, precision: Optional[str] = None) -> Runtime:
    model, tok = load_for(params, slug, method, precision)
    kv = params.compute.kv_cache
    rt = Runtime(model=model, tokenizer=tok, method=method, info=method_info(slug, method),
                 cache_implementation=None if kv == "dynamic" else kv)
    apply_method(rt, model_dir(slug, method))
    return rt


def apply_method(rt: Runtime, directory: Path) -> None:
    kind = rt.info.get("runtime")
    if kind is None:
        return
    if kind not in INSTALLERS:
        raise AlignmentTaxError(
            f"{Path(directory) / 'alignment_tax.json'}: unknown runtime '{kind}' "
            f"(known: {', '.join(sorted(INSTALLERS)) or 'none'})")
    INSTALLERS[kind](rt, Path(directory), rt.info)
