"""Mean and standard deviation as every result file reports them."""
from __future__ import annotations

import numpy as np


def mean_std(values) -> dict:
    """{"mean", "std" (sample, ddof=1), "n"} over the finite values; absent -> null."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"mean": None, "std": None, "n": 0}
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return {"mean": round(float(x.mean()), 6), "std": round(std, 6), "n": int(x.size)}
