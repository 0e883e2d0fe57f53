"""PNG figures of the report (matplotlib, Agg): image plots that `dvc plots show` embeds,
so they render with no network (DVC's Vega pages load their libraries from a CDN).

Each function takes plain rows (the same rows written as CSV for the Vega plots) and a path.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from alignment_tax.io import atomic_path  # noqa: E402

DPI = 100


def _save(fig, path: Path) -> None:
    # fixed metadata so an unchanged figure is byte-identical on rerun
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def pareto(points: list[dict], path: Path) -> None:
    """Toxicity (x, lower is better) vs faithfulness (y, higher is better); frontier per model joined."""
    models = sorted({p["model"] for p in points})
    fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4.5), squeeze=False)
    for ax, model in zip(axes[0], models):
        pts = [p for p in points if p["model"] == model and p["toxicity"] is not None]
        for p in pts:
            ax.scatter(p["toxicity"], p["faithfulness"], s=60 if p["frontier"] else 30,
                       c="tab:red" if p["frontier"] else "tab:gray", zorder=3)
            ax.annotate(p["method"], (p["toxicity"], p["faithfulness"]), fontsize=8,
                        xytext=(4, 3), textcoords="offset points")
        front = sorted((p["toxicity"], p["faithfulness"]) for p in pts if p["frontier"])
        if len(front) > 1:
            ax.plot(*zip(*front), c="tab:red", lw=1, zorder=2, label="Pareto frontier")
            ax.legend(loc="lower right", fontsize=8)
        ax.set(title=f"{model}: TL;DR alignment tax", xlabel="toxicity (lower is better)",
               ylabel="faithfulness (higher is better)")
        ax.grid(alpha=0.3)
    _save(fig, path)


def grouped_bars(rows: list[dict], value: str, title: str, path: Path, horizontal: bool = False) -> None:
    """One panel per model: a group of bars per category, one bar per method."""
    models = sorted({r["model"] for r in rows})
    cats = sorted({r["category"] for r in rows})
    methods = list(dict.fromkeys(r["method"] for r in rows))
    width = 0.8 / max(len(methods), 1)
    span = max(6.0, 0.18 * len(cats) * max(len(methods), 2))
    size = (8, span) if horizontal else (span, 4.5)
    fig, axes = plt.subplots(len(models), 1, figsize=(size[0], size[1] * len(models)), squeeze=False)
    for ax, model in zip(axes[:, 0], models):
        by = {(r["method"], r["category"]): r[value] for r in rows if r["model"] == model}
        for k, method in enumerate(methods):
            pos = [i + (k - (len(methods) - 1) / 2) * width for i in range(len(cats))]
            vals = [by.get((method, c)) or 0.0 for c in cats]
            (ax.barh if horizontal else ax.bar)(pos, vals, width, label=method)
        ticks = (ax.set_yticks if horizontal else ax.set_xticks)
        ticks(range(len(cats)), cats, **({} if horizontal else {"rotation": 45, "ha": "right"}))
        (ax.set_xlabel if horizontal else ax.set_ylabel)(value)
        ax.set_title(f"{model}: {title}")
        ax.legend(fontsize=7, ncol=2)
        ax.grid(alpha=0.3, axis="x" if horizontal else "y")
    _save(fig, path)


def alpha_sweep(rows: list[dict], path: Path) -> None:
    """Table 14 as a plot: toxicity and faithfulness against alpha, one line per model."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for model in sorted({r["model"] for r in rows}):
        pts = sorted((r["alpha"], r["toxicity"], r["faithfulness"]) for r in rows if r["model"] == model)
        a, t, f = zip(*pts)
        axes[0].plot(a, t, marker="o", label=model)
        axes[1].plot(a, f, marker="o", label=model)
    for ax, name in zip(axes, ("toxicity", "faithfulness")):
        ax.set_xscale("symlog", base=2, linthresh=1)  # alpha = 0 (the CE-only control) stays on the axis
        ax.set(xlabel="alpha", ylabel=name, title=f"{name} vs alpha (TL;DR, contrastive)")
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, path)
