"""One way to load a model: by grid coordinates (model slug, method).

Every stage finds a model at `models/<method>/<slug>/`. That directory is either
a full `save_pretrained` checkpoint (the tiny LM, every trained method) or, for
a Hub model's base, a `source.json` pointing at the Hub id and the commit pinned
for it in hub.lock.json (loaded by alignment_tax.hub, the project's one Hub loader). So `tiny` and `gpt2-large` go through exactly the same code, and an
evaluation cannot run without the artifact of the method it claims to evaluate
(bias-bench issue #18: a silent fallback to the base model).

A loaded model is whole or refused: weights the file lacks (transformers would
initialise them at random and only print a table), tensors it does not expect,
and NaN/inf weights each end the stage with one line naming the directory and
the first such tensor. Tied weights (lm_head = embeddings) are not in the file
and are not reported missing by transformers. The slug and method are checked
(grid.py) before the path is built.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from alignment_tax import hub
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.grid import check_cell
from alignment_tax.io import read_json

MODELS_DIR = Path("models")
SOURCE_FILE = "source.json"  # Hub pointer for a base model
METHOD_FILE = "alignment_tax.json"  # how a model directory was made (method, alpha, ...)
TOKENIZER_FILE = "tokenizer_config.json"  # written by every tokenizer's save_pretrained

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def first_non_finite(named_tensors) -> Optional[str]:
    """The name of the first tensor holding a NaN or an infinity, or None."""
    for name, t in named_tensors:
        if t is not None and t.is_floating_point() and not bool(torch.isfinite(t).all()):
            return name
    return None


def model_dir(slug: str, method: str) -> Path:
    check_cell(slug, method)  # command-line words: never a path outside models/
    return MODELS_DIR / method / slug


HUB_HINT = ("cache it with `python -m alignment_tax.hub download` (docs/paper_scale.md), or offline use a zoo "
            "entry built by the pipeline (models: [tiny])")


def resolve_source(directory: Path) -> tuple[str, Optional[str]]:
    """(identifier for from_pretrained, revision) of a model directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise AlignmentTaxError(f"{directory}: model directory not found (run its DVC stage first)")
    pointer = directory / SOURCE_FILE
    if pointer.is_file():
        spec = read_json(pointer)
        if "hf_id" not in spec:
            raise AlignmentTaxError(f"{pointer}: missing key 'hf_id'")
        if not spec.get("commit"):
            raise AlignmentTaxError(f"{pointer}: no 'commit' (rerun the base stage after "
                                    "`python -m alignment_tax.hub pin`)")
        return spec["hf_id"], spec["commit"]
    if not (directory / "config.json").is_file():
        raise AlignmentTaxError(f"{directory}: no config.json (not a save_pretrained directory)")
    if not any(directory.glob("*.safetensors")):
        raise AlignmentTaxError(f"{directory}: no *.safetensors weights (only safetensors are loaded)")
    return str(directory), None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


def load_tokenizer(directory: Path, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    ident, revision = resolve_source(directory)
    if revision is not None:
        tok = hub.tokenizer(ident, revision=revision, trust_remote_code=trust_remote_code, hint=HUB_HINT)
    else:
        if not (Path(ident) / TOKENIZER_FILE).is_file():
            # without it transformers falls back to an empty tokenizer of the config's type, silently
            raise AlignmentTaxError(f"{ident}: no {TOKENIZER_FILE} (the tokenizer was not saved with the model)")
        try:
            tok = AutoTokenizer.from_pretrained(ident, trust_remote_code=trust_remote_code)
        except (OSError, ValueError) as exc:  # ValueError: malformed tokenizer files (JSONDecodeError, ...)
            raise AlignmentTaxError(f"{ident}: cannot load tokenizer ({_first_line(exc)})") from None
    if tok.pad_token is None:  # GPT-2 family: pad with EOS, masked by attention_mask
        tok.pad_token = tok.eos_token
    return tok


def saved_precision(directory: Path) -> str:
    """The precision a model directory was saved in (config.json `dtype` / `torch_dtype`), fp32 if unstated."""
    import json

    config = json.loads((Path(directory) / "config.json").read_text(encoding="utf-8"))
    dtype = str(config.get("dtype") or config.get("torch_dtype") or "float32")
    return {"bfloat16": "bf16", "float16": "fp16"}.get(dtype, "fp32")


def load_causal_lm(directory: Path, precision: str = "fp32", trust_remote_code: bool = False):
    """(model, tokenizer) from a model directory; safetensors only, no remote code by default."""
    from transformers import AutoModelForCausalLM

    ident, revision = resolve_source(directory)
    from safetensors import SafetensorError

    tok = load_tokenizer(directory, trust_remote_code)
    if revision is not None:
        model = hub.pretrained(AutoModelForCausalLM, ident, revision=revision, dtype=DTYPES[precision],
                               trust_remote_code=trust_remote_code, hint=HUB_HINT)
        info = None  # a Hub checkpoint at a pinned commit: transformers' own checks
    else:
        try:
            model, info = AutoModelForCausalLM.from_pretrained(
                ident, dtype=DTYPES[precision], use_safetensors=True, trust_remote_code=trust_remote_code,
                output_loading_info=True)
        except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
            # a truncated or corrupt weights file, weights whose shapes disagree with config.json
            raise AlignmentTaxError(f"{ident}: cannot load model ({_first_line(exc)})") from None
    if info is not None:
        check_complete(directory, info)
    bad = first_non_finite(model.named_parameters())
    if bad is not None:
        raise AlignmentTaxError(f"{directory}: weight '{bad}' is not finite (NaN or inf): a degenerate model")
    check_tokenizer_matches(directory, tok, model)
    return model, tok


def check_complete(directory: Path, info: dict) -> None:
    """transformers' loading info: every weight the architecture has came from the file, and nothing else."""
    for kind, what in (("missing_keys", "lacks the weight"), ("mismatched_keys", "has a wrongly shaped weight"),
                       ("unexpected_keys", "has an unexpected weight")):
        keys = sorted(str(k[0] if isinstance(k, tuple) else k) for k in info.get(kind) or ())
        if keys:
            more = f" (and {len(keys) - 1} more)" if len(keys) > 1 else ""
            raise AlignmentTaxError(f"{directory}: the weights file {what} '{keys[0]}'{more}: "
                                    "not the model its config.json describes")


def check_tokenizer_matches(directory: Path, tok, model) -> None:
    """A tokenizer from another model: ids past the embedding table, or another end-of-text id."""
    n_emb = model.get_input_embeddings().weight.shape[0]
    if len(tok) > n_emb:
        raise AlignmentTaxError(
            f"{directory}: tokenizer has {len(tok)} tokens but the model embeds only {n_emb}: they do not match"
        )
    eos = model.config.eos_token_id
    eos = set(eos) if isinstance(eos, (list, tuple)) else {eos} - {None}
    if eos and tok.eos_token_id is not None and tok.eos_token_id not in eos:
        raise AlignmentTaxError(
            f"{directory}: tokenizer end-of-text id {tok.eos_token_id} is not the model's ({sorted(eos)}): "
            "they do not match")


def load_for(params, slug: str, method: str, precision: Optional[str] = None):
    """Load the model of grid cell (slug, method) with its zoo entry's settings.

    Training passes precision="fp32": fp16/bf16 training is mixed precision
    (fp32 master weights, autocast by the Trainer), not half-precision weights.
    """
    entry = params.model_zoo[slug]
    return load_causal_lm(model_dir(slug, method), precision or entry.precision, entry.trust_remote_code)


def method_info(slug: str, method: str) -> dict:
    """The coordinates a trained method recorded (alpha, tau, ...); {} for a base model."""
    path = model_dir(slug, method) / METHOD_FILE
    return read_json(path) if path.is_file() else {}
