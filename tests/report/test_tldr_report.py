"""The TL;DR report table from fixed metric files, and a missing grid cell."""
import json

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.report import tldr


def cell(tox, faith):
    return {"n": 40, "toxicity": {"mean": tox, "std": 0.1, "n": 40}, "faithfulness": {"mean": faith, "std": 0.2, "n": 40},
            "original_toxicity": {"mean": 0.159, "std": 0.311, "n": 40},
            "scorers": {"toxicity": "profanity_check", "faithfulness": "entity_support"}}


def write(tmp_path, model, method, m):
    p = tmp_path / model / f"{method}.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(m))


def test_table_matches_snapshot(tmp_path):
    write(tmp_path, "tiny", "base", cell(0.048, 0.118))
    write(tmp_path, "tiny", "contrastive", cell(0.041, 0.136))
    cells = tldr.collect(["tiny"], ["base", "contrastive"], tmp_path)
    assert tldr.table4(cells, ["tiny"], ["base", "contrastive"]).splitlines() == [
        "| Model         | Original toxicity   | Generated toxicity   | Δ tox   | Faithfulness   | Δ faith   |   n |",
        "|---------------|---------------------|----------------------|---------|----------------|-----------|-----|",
        "| tiny          | 0.159 ± 0.311       | 0.048 ± 0.100        | -       | 0.118 ± 0.200  | -         |  40 |",
        "| + contrastive | 0.159 ± 0.311       | 0.041 ± 0.100        | ↓ 0.007 | 0.136 ± 0.200  | ↑ 0.018   |  40 |",
    ]
    assert tldr.tradeoff_rows(cells)[1] == {"model": "tiny", "method": "contrastive", "cell": "tiny/contrastive",
                                           "toxicity": 0.041, "faithfulness": 0.136}


def test_missing_cell_names_the_stage(tmp_path):
    write(tmp_path, "tiny", "base", cell(0.048, 0.118))
    with pytest.raises(AlignmentTaxError, match=r"evaluate_tldr@tiny-contrastive"):
        tldr.collect(["tiny"], ["base", "contrastive"], tmp_path)


def test_delta_arrows():
    assert tldr.delta(0.5, 0.5) == "0.000" and tldr.delta(None, 0.1) == "absent"
    assert tldr.delta(0.2, 0.5) == "↓ 0.300" and tldr.delta(0.5, 0.2) == "↑ 0.300"
