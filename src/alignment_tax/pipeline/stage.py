"""What every stage does first: apply params' compute settings and seed every generator.

Thread counts change both speed and results on CPU (a float reduction split over two
threads sums in another order), so they come from params (`compute`), never from the
caller's environment: a fresh shell with or without `export OMP_NUM_THREADS=...` runs a
stage the same way.
"""
from __future__ import annotations

import os
import sys

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


def begin(params, *, seed: bool = True) -> None:
    """Threads from `params.compute`; with `seed`, python, numpy and torch seeded from `params.seed`."""
    apply_compute(params.compute)
    if seed:
        from transformers import set_seed

        set_seed(int(params.seed))
