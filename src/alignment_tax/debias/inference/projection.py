"""Hidden-state projections (INLP, SentenceDebias) applied before the LM head.

A method directory holds `projection.safetensors` with a [d, d] matrix P (an
orthogonal projection, so symmetric). Installing it registers a forward pre-hook on
the model's output embedding (the LM head): every final hidden state h becomes h P
before it is turned into logits, so `generate` and `token_logprobs` are both
debiased. bias-bench does the same with a forward hook on the GPT-2 backbone's
`last_hidden_state` (model/models.py); a pre-hook on the head works for any
architecture whose head is `get_output_embeddings()`.
"""
from __future__ import annotations

from pathlib import Path

import torch

from alignment_tax.errors import AlignmentTaxError

FILE = "projection.safetensors"
RUNTIME = "hidden_projection"


def save_projection(directory: Path, projection, **extra) -> None:
    from safetensors.torch import save_file

    tensors = {"projection": torch.as_tensor(projection, dtype=torch.float32).contiguous()}
    tensors.update({k: torch.as_tensor(v, dtype=torch.float32).contiguous() for k, v in extra.items()})
    save_file(tensors, str(Path(directory) / FILE))


def load_projection(directory: Path) -> torch.Tensor:
    from safetensors.torch import load_file

    path = Path(directory) / FILE
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: projection file not found (rerun the method's stage)")
    tensors = load_file(str(path))
    if "projection" not in tensors:
        raise AlignmentTaxError(f"{path}: no tensor 'projection'")
    return tensors["projection"]


def attach(model, projection: torch.Tensor):
    """Project the LM head's input by `projection`; returns the hook handle (`.remove()` undoes it)."""
    head = model.get_output_embeddings()
    d = head.weight.shape[1]
    if tuple(projection.shape) != (d, d):
        raise AlignmentTaxError(f"projection is {tuple(projection.shape)}, the model's hidden size is {d}")
    cache: dict = {}

    def pre_hook(module, args):
        h = args[0]
        key = (h.device, h.dtype)
        if key not in cache:  # one copy per device/dtype, not one per forward
            cache[key] = projection.to(device=h.device, dtype=h.dtype)
        return (h @ cache[key],) + tuple(args[1:])

    return head.register_forward_pre_hook(pre_hook)


def install(rt, directory: Path, info: dict) -> None:
    attach(rt.model, load_projection(directory))
