"""Loading the generation models and running them in batches.

A model spec is `tiny` (the pipeline's LM, models/base/tiny: the offline
default, a DVC dependency of the stages that use it) or a Hugging Face Hub id
(the paper path: alignment_tax.hub, at the commit pinned in hub.lock.json,
safetensors only, no remote code). A spec
that cannot be loaded is a one-line error; nothing falls back to another model.

Batches follow evaluate/generate.py: prompts sorted by length, causal prompts
left-padded (the last prompt token sits next to the first generated one).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch
from tqdm.auto import tqdm

from alignment_tax import hub
from alignment_tax.augment.common import length_sorted_batches
from alignment_tax.augment.config import TINY
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.lm.generate import left_pad


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def _from_hub(load, hf_id: str, key: str):
    """(model on device, tokenizer) by one of alignment_tax.hub's loaders, at the pinned commit."""
    model, tok = load(hf_id, role=key, hint="cache it with `python -m alignment_tax.hub download`, "
                                            "or offline use the stand-in (see README, Contrastive data augmentation)")
    return model.to(device()).eval(), tok


def load_causal(spec: str, key: str, pipeline_models: Sequence[str] = (TINY,)):
    """(model, tokenizer) of a causal LM; tokenizer has a pad token.

    `spec` is one of `pipeline_models` (the zoo entries the pipeline builds: models/base/<spec>, a DVC
    dependency of the augment stages, in the precision it was saved in) or a Hub id."""
    if spec == TINY or spec in pipeline_models:
        from alignment_tax.models.loader import load_causal_lm, model_dir, saved_precision

        directory = model_dir(spec, "base")
        model, tok = load_causal_lm(directory, precision=saved_precision(directory))
        model.to(device()).eval()
    else:
        model, tok = _from_hub(hub.causal_lm, spec, key)
    if tok.pad_token is None:  # GPT-2 family: pad with EOS, hidden by the attention mask
        tok.pad_token = tok.eos_token
    return model, tok


def pipeline_models(params) -> tuple[str, ...]:
    """The zoo keys the pipeline builds itself (tiny, smollm2_135m): an augmenter names them by key."""
    return tuple(k for k in params.models if params.model_zoo[k].build is not None)


def chat_prompt_ids(tok, user: str) -> list[int]:
    """`user` as one user turn of the tokenizer's chat template, ending where the assistant's answer starts
    (an instruct model prompted as it was tuned); a tokenizer without a template is a one-line error."""
    if not getattr(tok, "chat_template", None):
        raise AlignmentTaxError("chat_template: true, but the augmenter's tokenizer has no chat template "
                                "(an instruct model's tokenizer has one; set chat_template: false)")
    ids = tok.apply_chat_template([{"role": "user", "content": user}], add_generation_prompt=True, tokenize=True)
    return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)


def load_seq2seq(hf_id: str, key: str):
    return _from_hub(hub.seq2seq_lm, hf_id, key)


def load_masked_lm(hf_id: str, key: str):
    model, tok = _from_hub(hub.masked_lm, hf_id, key)
    if tok.mask_token is None:
        raise AlignmentTaxError(f"params.yaml: {key}: '{hf_id}' has no mask token (not a masked LM)")
    return model, tok


def newline_token_ids(tok) -> list[int]:
    """Ids of every token whose text holds a line break (a summary is one line)."""
    return [i for i in range(len(tok)) if "\n" in tok.decode([i])]


@torch.no_grad()
def prefix_cache(model, ids: torch.Tensor, mask: torch.Tensor, expand: int):
    """KV cache of each prompt but its last token, computed once and repeated `expand` times.

    generate() would repeat every prompt num_beams (or num_return_sequences)
    times and run the copies through the model; handing it this cache (its
    prefix-reuse path) gives the same outputs for 1/expand of the prompt compute.
    """
    from transformers import DynamicCache

    pos = mask.cumsum(-1) - 1
    pos.masked_fill_(mask == 0, 1)  # the position ids generate() derives from the attention mask
    cache = DynamicCache(config=model.config)
    model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], position_ids=pos[:, :-1], past_key_values=cache,
          use_cache=True)
    cache.batch_repeat_interleave(expand)
    return cache


@torch.no_grad()
def causal_batches(model, tok, prompts: Sequence[list[int]], batch_size: int, desc: str, reuse_prefix: bool = True,
                   **gen) -> Iterator[tuple[list[int], object, int]]:
    """Yield (prompt indices, generate() output, padded prompt width) batch by batch.

    `gen` goes to `model.generate` unchanged (the augmenters' parameters).
    """
    expand = gen.get("num_beams", 1) if gen.get("num_beams", 1) > 1 else gen.get("num_return_sequences", 1)
    batches = list(length_sorted_batches([len(p) for p in prompts], batch_size))
    for idx in tqdm(batches, desc=desc, unit="batch"):
        ids, mask = left_pad([list(prompts[i]) for i in idx], tok.pad_token_id)
        ids, mask = ids.to(model.device), mask.to(model.device)
        extra = {"tokenizer": tok} if gen.get("stop_strings") else {}  # generate matches stop strings by text
        if reuse_prefix and expand > 1 and ids.shape[1] > 1 and not model.config.is_encoder_decoder:
            extra["past_key_values"] = prefix_cache(model, ids, mask, expand)
        out = model.generate(input_ids=ids, attention_mask=mask, pad_token_id=tok.pad_token_id,
                             eos_token_id=tok.eos_token_id, **extra, **gen)
        yield idx, out, ids.shape[1]


@torch.no_grad()
def seq2seq_generate(model, tok, texts: Sequence[str], batch_size: int, desc: str,
                     max_input_tokens: int = 512, **gen) -> list[str]:
    """Encoder-decoder generation, length-sorted batches; one output per text, in input order."""
    lengths = [len(t) for t in texts]
    out: list[str] = [""] * len(texts)
    batches = list(length_sorted_batches(lengths, batch_size))
    for idx in tqdm(batches, desc=desc, unit="batch"):
        enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_input_tokens,
                  return_tensors="pt").to(model.device)
        seqs = model.generate(**enc, **gen)
        for i, text in zip(idx, tok.batch_decode(seqs, skip_special_tokens=True)):
            out[i] = " ".join(text.split())
    return out
