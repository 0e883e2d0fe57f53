"""Deltas against base with paired-bootstrap CIs, and how a table cell shows them.

A cell reads "0.412 ↓0.021 [-0.043, -0.002]*": the method's value, its change
from the base model of the same row group (arrows as in the paper), the 95 %
interval of that paired change (report/bootstrap.py), and "*" when the change is
significant: by an exact sign-flip test on small samples, else when the interval excludes 0.
"""
from __future__ import annotations

from typing import Optional

from alignment_tax.report.bootstrap import Delta, paired_bootstrap, sign_test_min_items
from alignment_tax.report.grid import Grid

ABSENT = "absent"


def fmt(value, digits: int = 3) -> str:
    return ABSENT if value is None else f"{value:.{digits}f}"


def arrow(d: float, digits: int = 3) -> str:
    """Direction and size; a change too small to print keeps its direction ("↑<0.001"), so a
    significant mark beside it never reads as a significant zero."""
    if d == 0:
        return f"{0:.{digits}f}"
    sign = "↑" if d > 0 else "↓"
    r = round(abs(d), digits)
    return f"{sign}{r:.{digits}f}" if r > 0 else f"{sign}<{10 ** -digits:.{digits}f}"


def delta_text(d: Optional[Delta], digits: int = 3) -> str:
    if d is None:
        return ABSENT
    mark = "*" if d.excludes_zero else ""
    return f"{arrow(d.delta, digits)} [{d.lo:+.{digits}f}, {d.hi:+.{digits}f}]{mark}"


def cell(value, d: Optional[Delta], is_base: bool, digits: int = 3) -> str:
    """Value, then (for a method row) its delta and CI."""
    if value is None:
        return ABSENT
    return fmt(value, digits) if is_base else f"{fmt(value, digits)} {delta_text(d, digits)}"


def row_label(model: str, method: str) -> str:
    return model if method == "base" else f"+ {method}"


class Comparer:
    """Bootstrap deltas of per-item fields between a method and base, for one grid."""

    def __init__(self, grid: Grid, resamples: int, confidence: float, seed: int, *, interval: str = "t",
                 exact_below: int = 30) -> None:
        self.grid, self.resamples, self.confidence, self.seed = grid, resamples, confidence, seed
        self.interval, self.exact_below = interval, exact_below

    def delta(self, benchmark: str, model: str, method: str, field, where=None) -> Optional[Delta]:
        """Delta of mean(field) (method - base); `where(record)` restricts the items (a category)."""
        if method == "base" or "base" not in self.grid.methods:
            return None
        get = field if callable(field) else (lambda r, _k=field: r.get(_k))
        if where is not None:
            keep = {i for i, r in self.grid.items(benchmark, model, "base").items() if where(r)}
            get = (lambda r, _g=get: _g(r) if str(r["id"]) in keep else None)
        x, y = self.grid.paired(benchmark, model, method, get)
        return paired_bootstrap(x, y, resamples=self.resamples, confidence=self.confidence, seed=self.seed,
                                method=self.interval, exact_below=self.exact_below)

    def footnote(self) -> str:
        how = ("Student-t interval of the mean paired difference" if self.interval == "t" else
               f"{self.interval} paired-bootstrap interval ({self.resamples} resamples of the same items for "
               f"both systems, seed {self.seed})")
        return (f"Δ: change from the base model of the same group, with its {self.confidence:.0%} {how}; "
                f"* = significant at {1 - self.confidence:.0%}: with fewer than {self.exact_below} items, or "
                "where every item changed by the same amount, by an exact sign-flip permutation test (identical "
                f"changes need at least {sign_test_min_items(self.confidence)} items), otherwise when the interval "
                "excludes 0. ↑/↓ give the direction only; whether it is good depends on the column.")
