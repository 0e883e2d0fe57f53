"""The augment stages and the assembly stage, run in-process in a scratch directory on hand-written rows."""
import json
import runpy

import pytest
import yaml

from alignment_tax.io import read_jsonl, write_jsonl
from tests.augment.rows import ROWS
from tests.augment.test_assemble import outputs


@pytest.fixture
def workdir(tmp_path, repo_root, monkeypatch):
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["scorers"]["toxicity"]["name"] = "profanity_check"  # packaged: no toxicity_scorer stage needed
    write_jsonl(tmp_path / "data/prepared/tldr/train.jsonl", ROWS)
    monkeypatch.chdir(tmp_path)

    def run(stage, execute=True, **augment):
        """Write params.yaml with `augment` changes; then run the stage script in this process."""
        for kind, kv in augment.items():
            params["augment"][kind].update(kv)
        (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
        if execute:
            runpy.run_path(str(repo_root / "stages" / f"{stage}.py"), run_name="__main__")
    return tmp_path, run


def test_disabled_augmentation_writes_an_empty_output_and_loads_no_model(workdir):
    tmp, run = workdir  # there is no models/base/tiny here: a disabled stage must not need it
    run("augment_toxic", toxic={"enabled": False})
    assert (tmp / "data/augment/toxic/train.jsonl").read_text() == ""
    m = json.loads((tmp / "metrics/augment/toxic.json").read_text())
    assert m["enabled"] is False and m["sources"] == 0 and m["items"] == 0 and m["augmentation"] == "toxic"


def test_low_confidence_stage_on_a_saved_tiny_model(workdir):
    from tests.helpers import tiny_model, tiny_tokenizer

    tmp, run = workdir
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(tmp / "models/base/tiny")
    tok.save_pretrained(tmp / "models/base/tiny")
    run("augment_low_confidence", low_confidence={"num_beams": 3, "max_new_tokens": 4, "min_new_tokens": 2,
                                                  "max_input_tokens": 64, "batch_size": 2})
    rows = [r for _, r in read_jsonl(tmp / "data/augment/low_confidence/train.jsonl")]
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in ROWS)
    m = json.loads((tmp / "metrics/augment/low_confidence.json").read_text())
    assert m["enabled"] and m["sources"] == 4 and m["stats"]["candidates"] == 12
    assert m["items"] == sum(len(r["items"]) for r in rows) and m["config"]["num_beams"] == 3
    assert m["items"] + m["dropped"].get("source:no_eligible_candidate", 0) == 4


def test_assembly_stage_writes_the_contrastive_set_and_its_stats(workdir):
    tmp, run = workdir
    for kind, items in outputs().items():
        write_jsonl(tmp / f"data/augment/{kind}/train.jsonl", [{"id": i, "items": v} for i, v in items.items()])
    run("contrastive_data", mask_regen={"enabled": False})
    rows = [r for _, r in read_jsonl(tmp / "data/contrastive/train.jsonl")]
    assert [r["id"] for r in rows] == ["a1", "a2", "a4"]
    assert all(len(r["positives"]) >= 2 for r in rows)
    assert all(n["origin"] != "mask_regen" for r in rows for n in r["negatives"])
    assert all(isinstance(it["toxic"], bool) and isinstance(it["entities"], list)
               for r in rows for it in r["positives"] + r["negatives"])
    m = json.loads((tmp / "metrics/contrastive_data.json").read_text())
    assert m["source"] == "augmented" and m["rows"] == 3 and m["read"] == 4
    assert m["enabled"]["mask_regen"] is False and m["enabled"]["toxic"] is True
    assert m["dropped"]["source:under_min_positives"] == 1 and m["paper"]["share_sources_with_entities"] == 0.29
    assert m["negatives_by_origin"] == {"entity_swap": 2, "low_confidence": 1, "toxic": 2}


def test_assembly_stops_on_a_stale_augment_output(workdir, capsys):
    tmp, run = workdir
    for kind, items in outputs().items():
        write_jsonl(tmp / f"data/augment/{kind}/train.jsonl",
                    [{"id": i, "items": v} for i, v in items.items() if i != "a3" or kind != "toxic"])
    with pytest.raises(SystemExit) as exit_:
        run("contrastive_data")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: data/augment/toxic/train.jsonl: does not match")
    assert not (tmp / "data/contrastive").exists()


def test_a_stopped_stage_leaves_no_output_and_no_temp_file(workdir, repo_root):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import tiny_model, tiny_tokenizer

    tmp, run = workdir
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(tmp / "models/base/tiny")
    tok.save_pretrained(tmp / "models/base/tiny")
    rows = [{**r, "id": f"{r['id']}-{k}"} for k in range(50) for r in ROWS]
    write_jsonl(tmp / "data/prepared/tldr/train.jsonl", rows)
    run("augment_low_confidence", execute=False,
        low_confidence={"batch_size": 1, "max_new_tokens": 16, "max_input_tokens": 64})
    proc = subprocess.Popen([sys.executable, str(repo_root / "stages/augment_low_confidence.py")], cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    out_dir = tmp / "data/augment/low_confidence"
    deadline = time.time() + 120
    while not list(out_dir.glob(".train.jsonl.*.tmp")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the stage ended before it was stopped"
    time.sleep(1.0)  # a few rows streamed into the temp file
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 128 + signal.SIGTERM
    assert list(out_dir.iterdir()) == []  # neither the output nor its temp file
