"""LoRA (peft) for a zoo entry: train low-rank adapters instead of every weight.

Off by default (`model_zoo.<m>.lora.enabled`); meant for llama2_7b on one GPU,
where full fine-tuning needs the paper's eight. The frozen base weights stay in
the entry's precision (fp16 halves their memory), the adapters train in fp32
(peft upcasts them), and the finished model is merged back into one ordinary
save_pretrained directory: every later stage loads it like any other model.
Checkpoints hold only the adapters (adapter_model.safetensors).
"""
from __future__ import annotations

from pathlib import Path

ADAPTER_WEIGHTS = "adapter_model.safetensors"  # what PeftModel.save_pretrained writes


def apply_lora(lm, cfg):
    """Wrap `lm` in a PeftModel with trainable LoRA adapters; the base weights are frozen.

    cfg is the zoo entry's `lora` section; target_modules null = peft's default for the
    architecture (q_proj/v_proj for Llama, c_attn for GPT-2).
    """
    from peft import LoraConfig, get_peft_model

    targets = list(cfg.target_modules) if cfg.target_modules is not None else None
    config = LoraConfig(task_type="CAUSAL_LM", r=cfg.r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.dropout,
                        target_modules=targets)
    return get_peft_model(lm, config)


def is_lora(lm) -> bool:
    from peft import PeftModel

    return isinstance(lm, PeftModel)


def backbone(lm):
    """The transformer body without the LM head, for plain and LoRA-wrapped models alike.

    (PeftModel.base_model is peft's tuner wrapper, not the transformer body.)
    """
    return (lm.get_base_model() if is_lora(lm) else lm).base_model


def load_adapter(lm, directory: Path) -> None:
    """Load adapter weights saved by PeftModel.save_pretrained (resume from a checkpoint)."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    path = Path(directory) / ADAPTER_WEIGHTS
    if not path.is_file():
        raise RuntimeError(f"{directory}: no {ADAPTER_WEIGHTS} in the LoRA checkpoint")
    result = set_peft_model_state_dict(lm, load_file(str(path)))
    unexpected = getattr(result, "unexpected_keys", None) or []
    if unexpected:
        raise RuntimeError(f"{directory}: adapter checkpoint does not match the model (unexpected {unexpected[:3]})")


def merged(lm):
    """The plain transformers model with the adapters folded into its weights."""
    return lm.merge_and_unload() if is_lora(lm) else lm


def frozen_precision(entry) -> str:
    """Precision of the frozen base weights: the entry's on a GPU (fp16 halves their memory),
    fp32 on a CPU, where the Trainer has no mixed precision to bridge fp16 weights and the fp32 head."""
    import torch

    return entry.precision if torch.cuda.is_available() else "fp32"
