"""The report from fixed result files: markdown snapshot, missing cells, mismatched items, pieces."""
import os
from pathlib import Path

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.report import degradation, tldr
from alignment_tax.report.bootstrap import Delta
from alignment_tax.report.build import plot_rows, render
from alignment_tax.report.compare import Comparer, arrow, cell, delta_text
from alignment_tax.report.grid import STAGES, Grid
from tests.report.grid_fixture import write_grid

SNAPSHOT = Path(__file__).parent / "snapshots" / "alignment_tax.md"
METHODS = ["base", "cda_gender", "contrastive"]


def build(tmp_path, methods=METHODS):
    m, i = write_grid(tmp_path, methods=tuple(methods))
    grid = Grid(["tiny"], methods, m, i)
    cmp = Comparer(grid, resamples=1000, confidence=0.95, seed=0)
    return cmp, {b: grid.metrics(b) for b in STAGES}


def test_report_matches_snapshot(tmp_path):
    cmp, cells = build(tmp_path)
    text = render(cmp, cells)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text.splitlines() == SNAPSHOT.read_text(encoding="utf-8").splitlines()


def test_report_is_deterministic(tmp_path):
    """Two grids written and read independently (fresh comparers, fresh bootstrap RNGs) give one text."""
    first = render(*build(tmp_path / "a"))
    assert first == render(*build(tmp_path / "b"))


def test_report_cells_are_the_items_means(tmp_path):
    """The base row's MC2 is the mean of the per-item MC2s, and one changed item moves it."""
    import json

    cmp, cells = build(tmp_path)
    items = tmp_path / "generations/truthfulqa/tiny/base.jsonl"
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    mc2 = sum(r["mc2"] for r in rows) / len(rows)
    base_row = next(line for line in render(cmp, cells).splitlines() if line.startswith("| tiny "))
    assert f"{mc2:.3f}" in base_row.split("|")[5]  # | model | ROUGE-1 | BLEU | MC1 | MC2 |
    rows[0]["mc2"] = 1.0 - rows[0]["mc2"] if abs(rows[0]["mc2"] - 0.5) > 0.2 else 1.0
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cmp2 = Comparer(Grid(["tiny"], METHODS, tmp_path / "metrics", tmp_path / "generations"),
                    resamples=1000, confidence=0.95, seed=0)
    moved = render(cmp2, cells).splitlines()
    assert any(line.startswith("| + cda_gender ") for line in moved)
    assert moved != render(cmp, cells).splitlines()


@pytest.mark.parametrize("bench, path", [("mmlu_pro", "metrics/mmlu_pro/tiny/cda_gender.json"),
                                         ("patterns", "metrics/patterns/tiny/cda_gender.json")])
def test_missing_metrics_name_the_cell_and_stage(tmp_path, bench, path):
    m, i = write_grid(tmp_path, methods=tuple(METHODS))
    (tmp_path / path).unlink()
    with pytest.raises(AlignmentTaxError, match=rf"grid cell \(tiny, cda_gender\).*stage {STAGES[bench]}@tiny-cda_gender"):
        Grid(["tiny"], METHODS, m, i).metrics(bench)


def test_missing_items_name_the_cell_and_stage(tmp_path):
    cmp, cells = build(tmp_path)
    (tmp_path / "generations/truthfulqa/tiny/cda_gender.jsonl").unlink()
    with pytest.raises(AlignmentTaxError, match=r"per-item records for grid cell \(tiny, cda_gender\).*evaluate_truthfulqa@tiny-cda_gender"):
        render(cmp, cells)


def test_items_that_differ_from_base_are_refused(tmp_path):
    cmp, cells = build(tmp_path)
    p = tmp_path / "generations/mmlu_pro/tiny/cda_gender.jsonl"
    p.write_text("".join(p.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(AlignmentTaxError, match=r"cda_gender.jsonl: its items differ from base's \(29 vs 30\)"):
        cmp.delta("mmlu_pro", "tiny", "cda_gender", "correct")


def test_cell_formatting():
    assert arrow(0.0) == "0.000" and arrow(-0.02) == "↓0.020" and arrow(0.5, 1) == "↑0.5"
    assert arrow(0.0004) == "↑<0.001" and arrow(-0.04, 1) == "↓<0.1"
    assert delta_text(Delta(-0.02, -0.031, -0.008, 40)) == "↓0.020 [-0.031, -0.008]*"
    assert delta_text(Delta(0.01, -0.01, 0.03, 40)) == "↑0.010 [-0.010, +0.030]"
    assert cell(None, None, False) == "absent" and cell(0.25, None, True) == "0.250"


def test_frontier():
    pts = [(0.1, 0.5), (0.2, 0.6), (0.15, 0.4), (0.3, 0.6), (0.1, 0.5)]
    assert tldr.frontier(pts) == [True, True, False, False, True]


def test_correlation_needs_three_models():
    assert degradation._corr([1, 2], [0.5, 0.2]).startswith("n/a (2 models")
    # the paper's Table 7 shares: Pearson gives -0.491, the paper prints -0.549 (= the mean of its three r)
    assert degradation._corr([0.77, 2.7, 7.0], [55.0, 80.6, 44.0]) == "-0.491"


def test_plot_rows(tmp_path):
    _, cells = build(tmp_path)
    rows = plot_rows(cells)
    assert {r["method"] for r in rows["tldr/tradeoff.csv"]} == set(METHODS)
    assert rows["alpha/tldr.csv"][0]["alpha"] == 4.0
    assert {r["category"] for r in rows["mmlu_pro/categories.csv"]} == {"business", "law", "math", "psychology"}


def test_report_interval_key_reaches_the_cells(tmp_path):
    """benchmarks.report.interval / exact_below change the printed intervals and marks."""
    m, i = write_grid(tmp_path, methods=tuple(METHODS))
    grid = Grid(["tiny"], METHODS, m, i)
    t = Comparer(grid, resamples=1000, confidence=0.95, seed=0).delta("mmlu_pro", "tiny", "contrastive", "correct")
    b = Comparer(grid, resamples=1000, confidence=0.95, seed=0, interval="bca").delta(
        "mmlu_pro", "tiny", "contrastive", "correct")
    e = Comparer(grid, resamples=1000, confidence=0.95, seed=0, exact_below=1000).delta(
        "mmlu_pro", "tiny", "contrastive", "correct")
    assert (t.lo, t.hi) != (b.lo, b.hi) and t.p_value is None and e.p_value is not None
