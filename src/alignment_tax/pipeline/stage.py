"""What every stage does first: apply params' compute settings and seed every generator.

Thread counts change both speed and results on CPU (a float reduction split over two
threads sums in another order), so they come from params (`compute`), never from the
caller's environment: a fresh shell with or without `export OMP_NUM_THREADS=...` runs a
stage the same way.
"""
from __future__ import annotations

import os
import sys
from dataclasses import fields
from types import SimpleNamespace

from alignment_tax.config import StageThreads

# The stage kinds with a `compute.stage_threads` key of their own (each declares it in dvc.yaml).
STAGE_THREAD_KINDS = tuple(f.name for f in fields(StageThreads))

# Read by OpenMP, OpenBLAS and MKL when they load; a library loaded already is set below.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def apply_compute(compute) -> None:
    threads = int(compute.threads)
    if threads > 0:
        for var in _THREAD_VARS:
            os.environ[var] = str(threads)
        os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"
        if "numpy" in sys.modules:  # BLAS already loaded: its pool no longer reads the environment
            from threadpoolctl import threadpool_limits

            threadpool_limits(threads)
    if "torch" in sys.modules:  # else torch reads OMP_NUM_THREADS when it is imported
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        if compute.interop_threads > 0 and torch.get_num_interop_threads() != compute.interop_threads:
            try:
                torch.set_num_interop_threads(int(compute.interop_threads))
            except RuntimeError:  # only settable before torch's first parallel work; a stage calls us first
                pass


def compute_for(params, model: str | None = None, stage: str | None = None) -> dict:
    """The compute settings a stage runs with. Threads, first set wins: the zoo entry's `threads`
    for a stage that works on one model (a 135 M LM gains from a second core where the tiny LM's
    small ops may not), `compute.stage_threads.<stage>` for the stage kinds that train or generate
    in large batches, else `compute.threads`."""
    from alignment_tax.config import zoo_entry

    c = params.compute
    threads = int(c.threads)
    if stage is not None and c.stage_threads[stage] is not None:  # KeyError: not a kind of StageThreads
        threads = int(c.stage_threads[stage])
    if model is not None and zoo_entry(params, model).threads is not None:
        threads = int(zoo_entry(params, model).threads)
    return {"threads": threads, "interop_threads": int(c.interop_threads), "kv_cache": str(c.kv_cache)}


def begin(params, *, seed: bool = True, model: str | None = None, stage: str | None = None) -> dict:
    """Threads from `params.compute` (see compute_for; `stage` is the dvc.yaml stage definition, for
    the kinds in `compute.stage_threads`); with `seed`, python, numpy and torch seeded from
    `params.seed`. Returns the settings applied, for the stage's metrics."""
    compute = compute_for(params, model, stage)
    apply_compute(SimpleNamespace(**compute))
    if seed:
        from transformers import set_seed

        set_seed(int(params.seed))
    return compute
