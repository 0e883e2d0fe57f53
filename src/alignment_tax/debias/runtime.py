"""Turn a method's alignment_tax.json into its inference-time behaviour on a Runtime.

Training-time methods (base, contrastive, CDA, Dropout, DPO) change only weights and
need nothing here. The record's "runtime" key names what to install.
"""
from __future__ import annotations

from pathlib import Path

from alignment_tax.errors import AlignmentTaxError

# runtime name -> function(rt, directory, info); filled as methods land (issue 4)
INSTALLERS: dict = {}


def apply_method(rt, directory: Path) -> None:
    kind = rt.info.get("runtime")
    if kind is None:
        return
    if kind not in INSTALLERS:
        raise AlignmentTaxError(
            f"{Path(directory) / 'alignment_tax.json'}: unknown runtime '{kind}' "
            f"(known: {', '.join(sorted(INSTALLERS)) or 'none'})")
    INSTALLERS[kind](rt, Path(directory), rt.info)
