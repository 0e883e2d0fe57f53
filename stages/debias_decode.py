"""Stage debias_decode@<model>-<method>: Self-Debias or Instructive Debiasing (decoding time, no training).

Writes models/<method>/<model>: the base directory as it is, plus alignment_tax.json
naming the runtime that `load_runtime` installs (a logits processor and a
log-likelihood function for Self-Debias, instruction token ids for Instructive)
with the method's settings.
"""
import argparse

from omegaconf import OmegaConf

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.debias import artifact
from alignment_tax.debias.config import DECODE
from alignment_tax.debias.inference import instructive, self_debias
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir
from alignment_tax.models.loader import model_dir
from alignment_tax.pipeline.stage import begin

RUNTIMES = {"self_debias": self_debias.RUNTIME, "instructive": instructive.RUNTIME}


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help=", ".join(DECODE))
    a = ap.parse_args()
    if a.method not in DECODE:
        raise AlignmentTaxError(f"debias_decode: unknown method '{a.method}' (known: {', '.join(DECODE)})")
    params = load_params()
    begin(params, seed=False)
    zoo_entry(params, a.model)
    if not model_dir(a.model, "base").is_dir():
        raise AlignmentTaxError(f"{model_dir(a.model, 'base')}: model directory not found (run base@{a.model})")
    info = {"method": a.method, "base": a.model, "attribute": None, "runtime": RUNTIMES[a.method],
            **OmegaConf.to_container(params.debias[a.method])}
    with atomic_dir(model_dir(a.model, a.method)) as tmp:
        artifact.copy_base(a.model, tmp)
        artifact.write_info(tmp, info)
    print(f"{a.method} {a.model}: runtime '{info['runtime']}'")


if __name__ == "__main__":
    main()
