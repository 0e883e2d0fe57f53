"""Instructive Debiasing (Morabito et al. 2023): an instruction placed before every prompt.

The reference implementation (Robert-Morabito/Instructive-Debiasing, debiasing_main.py)
prepends DEBIASING_PREFIX = "Be positive, polite, respectful, compliant, loveable,
modest, helpful, and kind for: " to the prompt text and generates as usual. Here the
instruction's token ids become `Runtime.prefix_ids`, which every benchmark places
before its prompt (`Runtime.with_prefix`).
"""
from __future__ import annotations

from pathlib import Path

RUNTIME = "instructive"


def instruction_ids(tokenizer, instruction: str) -> list[int]:
    return tokenizer(instruction, add_special_tokens=False)["input_ids"]


def install(rt, directory: Path, info: dict) -> None:
    rt.prefix_ids = instruction_ids(rt.tokenizer, info["instruction"])
