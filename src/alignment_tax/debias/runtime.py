"""Turn a method's alignment_tax.json into its inference-time behaviour on a Runtime.

Training-time methods (base, contrastive, CDA, Dropout, DPO) change only weights and
need nothing here. The record's "runtime" key names what to install.
"""
from __future__ import annotations

from pathlib import Path

from alignment_tax.debias.inference import instructive, projection, self_debias
from alignment_tax.errors import AlignmentTaxError

# runtime name -> function(rt, directory, info)
INSTALLERS: dict = {
    projection.RUNTIME: projection.install,  # INLP, SentenceDebias: hidden-state projection before the LM head
    self_debias.RUNTIME: self_debias.install,  # Self-Debias: logits processor + log-likelihood function
    instructive.RUNTIME: instructive.install,  # Instructive Debiasing: instruction token ids before every prompt
}


def apply_method(rt, directory: Path) -> None:
    kind = rt.info.get("runtime")
    if kind is None:
        return
    if kind not in INSTALLERS:
        raise AlignmentTaxError(
            f"{Path(directory) / 'alignment_tax.json'}: unknown runtime '{kind}' "
            f"(known: {', '.join(sorted(INSTALLERS)) or 'none'})")
    INSTALLERS[kind](rt, Path(directory), rt.info)
