"""PNG figures: written, valid, byte-identical on rerun (so DVC sees no change)."""
from alignment_tax.report import figures
from alignment_tax.report.build import plot_rows
from alignment_tax.report.grid import STAGES, Grid
from tests.report.grid_fixture import write_grid

PNG = b"\x89PNG\r\n\x1a\n"


def test_figures_are_png_and_deterministic(tmp_path):
    m, i = write_grid(tmp_path / "grid")
    cells = {b: Grid(["tiny"], ["base", "cda_gender", "contrastive"], m, i).metrics(b) for b in STAGES}
    rows = plot_rows(cells)
    out = {}
    for run in ("a", "b"):
        figures.pareto(rows["tldr/tradeoff.csv"], tmp_path / run / "pareto.png")
        figures.grouped_bars(rows["mmlu_pro/categories.csv"], "acc", "MMLU-Pro", tmp_path / run / "mmlu.png")
        figures.grouped_bars(rows["truthfulqa/categories.csv"], "mc2", "TruthfulQA", tmp_path / run / "tqa.png",
                             horizontal=True)
        figures.alpha_sweep([{"model": "tiny", "alpha": a, "toxicity": t, "faithfulness": f}
                             for a, t, f in ((0, 0.06, 0.1), (1, 0.05, 0.086), (4, 0.041, 0.136), (16, 0.057, 0.133))],
                            tmp_path / run / "alpha.png")
        out[run] = {p.name: p.read_bytes() for p in (tmp_path / run).iterdir()}
    assert sorted(out["a"]) == ["alpha.png", "mmlu.png", "pareto.png", "tqa.png"]
    assert all(b.startswith(PNG) and len(b) > 5000 for b in out["a"].values())
    assert out["a"] == out["b"]
