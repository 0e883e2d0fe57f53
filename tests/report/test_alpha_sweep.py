"""Table 14 across experiments, from `dvc exp show --json` output (DVC 3 layout)."""
from alignment_tax.report.alpha_sweep import render, sweep_rows


def state(rev, name, alpha, tox, faith, experiments=None):
    metrics = {"metrics/tldr/tiny/contrastive.json": {"data": {"toxicity": {"mean": tox}, "faithfulness": {"mean": faith}}},
               "metrics/tldr/tiny/base.json": {"data": {"toxicity": {"mean": 0.9}, "faithfulness": {"mean": 0.1}}},
               "metrics/truthfulqa/tiny/contrastive.json": {"data": {"mc1": {"mean": 0.2}}}}
    return {"rev": rev, "name": name, "error": None, "experiments": experiments,
            "data": {"rev": rev, "params": {"params.yaml": {"data": {"alpha": alpha, "seed": 0}}}, "metrics": metrics}}


SHOW = [
    state("workspace", None, 8.0, 0.054, 0.120),
    state("a" * 40, "main", 4.0, 0.041, 0.136, experiments=[
        {"name": "exp-1", "executor": None, "revs": [state("b" * 40, "exp-1", 1.0, 0.050, 0.086)]},
        {"name": "exp-8", "executor": None, "revs": [state("c" * 40, "exp-8", 8.0, 0.054, 0.120)]},
        {"name": "exp-16", "executor": None, "revs": [state("d" * 40, "exp-16", 16.0, 0.057, 0.133)]},
    ]),
]


def test_rows_one_per_alpha_and_model_sorted():
    rows = sweep_rows(SHOW)
    assert [(r["alpha"], r["experiment"]) for r in rows] == [(1.0, "exp-1"), (4.0, "main"), (8.0, "workspace"),
                                                             (16.0, "exp-16")]
    assert rows[0] == {"experiment": "exp-1", "model": "tiny", "alpha": 1.0, "toxicity": 0.05, "faithfulness": 0.086}


def test_render():
    text = render(sweep_rows(SHOW))
    assert "| tiny    | 16  | 0.057      | 0.133          | exp-16       |" in text
