"""Run the paper-path DVC graph offline against a rehearsal cache.

In a fresh copy of this checkout: HF_HUB_CACHE=<cache>, HF_HUB_OFFLINE=1,
HF_DATASETS_OFFLINE=1; `python -m alignment_tax.hub pin` (resolves every role
from the cache's refs/main, writing the workspace's hub.lock.json); then
`dvc exp run -S ...` with settings.PAPER, the CPU precisions and the handful-of-
rows sizes below. Exactly the commands of docs/paper_scale.md; no stage knows it
is a rehearsal.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.rehearsal.settings import CPU_PRECISION, PAPER

# A handful of rows and steps everywhere: the rehearsal tests code paths, not results.
HANDFUL = [
    "data.tldr.train_rows=6", "data.tldr.eval_rows=3", "data.realtoxicityprompts.rows=6", "data.mmlu_pro.rows=14",
    "data.comments.rows=60",
    "contrastive.max_steps=2", "contrastive.checkpoint_every=2",
    "generation.max_new_tokens=6", "generation.min_new_tokens=2", "generation.batch_size=4",
    "augment.backtranslate.pivots=[de,fr,es]", "augment.backtranslate.num_beams=2",
    "augment.backtranslate.max_new_tokens=12", "augment.backtranslate.batch_size=4",
    "augment.low_confidence.num_beams=2", "augment.low_confidence.max_input_tokens=48",
    "augment.low_confidence.max_new_tokens=4", "augment.low_confidence.min_new_tokens=2",
    "augment.toxic.max_new_tokens=4", "augment.toxic.num_return_sequences=2",
    "augment.mask_regen.max_new_tokens=8", "augment.mask_regen.batch_size=4",
    "debias.lm_training.max_steps=2", "debias.lm_training.batch_size=2", "debias.lm_training.block_size=32",
    "debias.attribute_sentences.per_class=20", "debias.corpus.hub_docs=96", "debias.dpo.max_steps=2", "debias.dpo.max_completion_tokens=8",
    "benchmarks.truthfulqa.rows=3", "benchmarks.truthfulqa.max_new_tokens=4", "benchmarks.truthfulqa.min_new_tokens=1",
    "benchmarks.realtoxicityprompts.rows=3", "benchmarks.realtoxicityprompts.samples=1",
    "benchmarks.realtoxicityprompts.max_new_tokens=4", "benchmarks.mmlu_pro.rows=3",
    # the likelihood context holds a prompt of >= 8 tokens, the summary and the 48-token false claim
    "benchmarks.likelihood.rows=3", "benchmarks.likelihood.max_summary_tokens=8",
    "benchmarks.report.resamples=100",
]
for slug in ("gpt2_large", "phi2", "llama2_7b"):
    HANDFUL += [f"model_zoo.{slug}.max_length=96", f"model_zoo.{slug}.batch_size=2"]

# One method per debiasing family (the e2e tests' choice).
ONE_PER_FAMILY = ["methods=[base,contrastive,cda_gender,inlp_gender,self_debias,dpo]",
                  "debias.methods.train=[cda_gender]", "debias.methods.project=[inlp_gender]",
                  "debias.methods.decode=[self_debias]", "debias.methods.prefer=[dpo]"]
GRIDS = {
    # CI's budget: one Hub model (the 7B entry: Llama tokenizer, LoRA, fp16 -> fp32), one method per family
    "reduced": ["models=[llama2_7b]"] + ONE_PER_FAMILY,
    "models": ONE_PER_FAMILY,  # the three Hub models of settings.PAPER, one method per family
    "full": [],  # the three models x every method of params.yaml
}


def overrides(grid: str, cpu: bool) -> list[str]:
    return PAPER + (CPU_PRECISION if cpu else []) + HANDFUL + GRIDS[grid]


def env_for(cache: Path, workdir: Path) -> dict:
    return dict(os.environ, HF_HUB_CACHE=str(cache), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
                HF_DATASETS_CACHE=str(workdir / ".hf-datasets-cache"), DVC_NO_ANALYTICS="1",
                TOKENIZERS_PARALLELISM="false", PYTHONPATH=str(workdir / "src"))


def copy_checkout(dest: Path) -> None:
    """The working tree's tracked and untracked (not ignored) files, as one fresh git commit."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for f in files:
        if Path(f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest / f)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.email=r@r", "-c", "user.name=rehearsal", "commit", "-qm", "rehearsal"]):
        subprocess.run(cmd, cwd=dest, check=True, capture_output=True)


def _step(cmd: list[str], cwd: Path, env: dict) -> None:
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=env)
    if proc.returncode != 0:
        raise AlignmentTaxError(f"rehearsal: `{' '.join(cmd)}` exited {proc.returncode} in {cwd}")


def run(cache: Path, workdir: Path, grid: str = "reduced", cpu: bool = True) -> None:
    if not (cache / "models--gpt2-large").is_dir():
        raise AlignmentTaxError(f"{cache}: not a rehearsal cache (python -m alignment_tax.rehearsal build {cache})")
    if workdir.exists() and any(workdir.iterdir()):
        raise AlignmentTaxError(f"{workdir}: not empty (the rehearsal runs in a fresh copy)")
    workdir.mkdir(parents=True, exist_ok=True)
    copy_checkout(workdir)
    env = env_for(cache, workdir)
    sets = overrides(grid, cpu)
    (workdir / "hub.lock.json").unlink(missing_ok=True)  # pin from the cache, as on a cluster
    params = ["--params", "params.yaml"]
    # pin/manifest read params.yaml: apply the overrides the way `dvc exp run -S` will, then pin
    _step([sys.executable, "-c", "import sys, yaml; from omegaconf import OmegaConf as O; "
           "c = O.merge(O.create(yaml.safe_load(open('params.yaml'))), O.from_dotlist(sys.argv[1:])); "
           "open('params.yaml', 'w').write(O.to_yaml(c))", *sets], workdir, env)
    _step([sys.executable, "-m", "alignment_tax.hub", *params, "pin"], workdir, env)
    _step([sys.executable, "-m", "alignment_tax.hub", *params, "manifest"], workdir, env)
    _step(["git", "add", "-A"], workdir, env)
    _step(["git", "-c", "user.email=r@r", "-c", "user.name=rehearsal", "commit", "-qm", "paper settings + pins"],
          workdir, env)
    _step([sys.executable, "-m", "dvc", "repro"], workdir, env)
