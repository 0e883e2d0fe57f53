"""Bad-input cases checked at the function level (docs/validation.md): cheaper than a stage run, and
some cannot be reached through a valid params.yaml (a diverging learning rate is refused
there, so the training guard is driven here with the value passed directly).

The end-to-end cases of the same classes are in cases.py; docs/validation.md lists both.
"""
from __future__ import annotations

import errno
import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from omegaconf import OmegaConf

from alignment_tax import config
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.evaluate.cells import check_not_degenerate
from alignment_tax.io import sweep_stale, write_json
from alignment_tax.models import training
from tests.data.mirrors import (data_cfg, dove_row, mmlu_mirror, mmlu_row, run_prepare, tldr_mirror, tqa_mirror,
                                tqa_row)
from tests.helpers import tiny_model, tiny_tokenizer

ROOT = Path(__file__).resolve().parents[2]


# --- params: every float leaf must be finite, every int a C int ----------------------------------

def _default_raw() -> dict:
    raw = config.strict_load((ROOT / "params.yaml").read_text())
    return OmegaConf.to_container(OmegaConf.merge(OmegaConf.structured(config.Params), raw))


DEFAULT = _default_raw()


def _leaves(kind):
    return [k for k, v in config._leaves(DEFAULT) if isinstance(v, kind) and not isinstance(v, bool) and "[" not in k]


FLOAT_KEYS = _leaves(float)
INT_KEYS = _leaves(int)


def _set(tree: dict, dotted: str, value) -> dict:
    tree = json.loads(json.dumps(tree))  # a deep copy
    *head, last = dotted.split(".")
    node = tree
    for k in head:
        node = node[k]
    node[last] = value
    return tree


def test_the_walk_sees_every_section():
    assert len(FLOAT_KEYS) >= 30 and len(INT_KEYS) >= 60
    for key in ("alpha", "tau", "model_zoo.tiny.lr", "debias.dropout.attn_pdrop", "augment.toxic.top_p",
                "benchmarks.report.confidence", "scorers.toxicity.tfidf_C"):
        assert key in FLOAT_KEYS


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")], ids=["inf", "-inf", "nan"])
def test_every_float_param_must_be_finite(value):
    for key in FLOAT_KEYS:
        with pytest.raises(AlignmentTaxError, match=rf"^params\.yaml: {re.escape(key)}: must be a finite number"):
            config.check_numbers(_set(DEFAULT, key, value))


def test_every_int_param_must_fit_a_c_int():
    for key in INT_KEYS:
        if key != "seed":  # its own range: [0, 2**32)
            with pytest.raises(AlignmentTaxError, match=rf"^params\.yaml: {re.escape(key)}: must be between"):
                config.check_numbers(_set(DEFAULT, key, 2 ** 40))


def test_validate_runs_the_walk_first_and_the_defaults_pass(tmp_path):
    cfg = OmegaConf.merge(OmegaConf.structured(config.Params), DEFAULT)
    config.validate(cfg)
    OmegaConf.update(cfg, "debias.self_debias.epsilon", float("nan"))  # NaN passes every comparison
    with pytest.raises(AlignmentTaxError, match=r"debias\.self_debias\.epsilon: must be a finite number"):
        config.validate(cfg)


# --- training: non-finite loss/gradient/weights, no labels, 0 steps -----------------------------

class _Blocks(torch.utils.data.Dataset):
    def __init__(self, n, labelled=True):
        self.n, self.labelled = n, labelled

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        ids = torch.arange(i, i + 16) % 300
        return {"input_ids": ids, "labels": ids.clone() if self.labelled else torch.full_like(ids, -100)}


def _trainer(tmp_path, lr, dataset, max_steps=3):
    from transformers import Trainer

    model = tiny_model(tiny_tokenizer())
    args = training.training_arguments(tmp_path / "ckpt", lr=lr, batch_size=2, grad_accum=1, max_steps=max_steps,
                                       epochs=1, warmup_steps=0, save_steps=100, seed=0, precision="fp32")
    args.max_grad_norm = 0.0  # no clipping: the diverging step is not softened
    return Trainer(model=model, args=args, train_dataset=dataset)


def test_a_diverging_learning_rate_stops_at_its_step(tmp_path):
    trainer = _trainer(tmp_path, 1e30, _Blocks(8))
    with pytest.raises(AlignmentTaxError, match=r"^training step [12]\b.*not finite.*likely params\.yaml: THE_LR"):
        training.train_with_resume(trainer, tmp_path / "ckpt", likely="THE_LR")
    assert not list((tmp_path / "ckpt").glob("checkpoint-*"))  # nothing saved


def test_a_run_without_labelled_tokens_is_refused(tmp_path):
    trainer = _trainer(tmp_path, 1e-3, _Blocks(8, labelled=False))
    with pytest.raises(AlignmentTaxError, match=r"no labelled token \('labels' all -100\).*likely params\.yaml: X"):
        training.train_with_resume(trainer, tmp_path / "ckpt", likely="X")


def test_a_healthy_run_passes_the_guard(tmp_path):
    trainer = _trainer(tmp_path, 1e-3, _Blocks(8), max_steps=2)
    result, steps = training.train_with_resume(trainer, tmp_path / "ckpt")
    assert result.global_step == 2 and steps == 2


class _FakeTrainer:
    def __init__(self, model, steps):
        self.model, self.steps, self.data_collator = model, steps, None
        self.args = SimpleNamespace(world_size=1)

    def add_callback(self, cb):
        pass

    def is_world_process_zero(self):
        return True

    def train(self, resume_from_checkpoint=None):
        return SimpleNamespace(global_step=self.steps)


def test_zero_steps_is_an_error(tmp_path):
    with pytest.raises(AlignmentTaxError, match=r"^training ran 0 steps"):
        training.train_with_resume(_FakeTrainer(torch.nn.Linear(2, 2), 0), tmp_path)


def test_non_finite_weights_after_training_are_never_saved(tmp_path):
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.bias[0] = float("nan")
    with pytest.raises(AlignmentTaxError, match=r"^after training: weight 'bias' is not finite.*nothing was saved"):
        training.train_with_resume(_FakeTrainer(model, 5), tmp_path)


TRAINER_FILES = ["src/alignment_tax/models/build.py", "stages/train_contrastive.py", "src/alignment_tax/debias/lm_training.py",
                 "stages/debias_dpo.py"]


def test_every_trainer_of_the_project_runs_under_the_guard():
    """Trainer.train is called in one place (train_with_resume), and every training stage goes through it."""
    callers = sorted(str(p.relative_to(ROOT)) for d in ("stages", "src") for p in (ROOT / d).rglob("*.py")
                     if re.search(r"\btrainer\.train\(", p.read_text()))
    assert callers == ["src/alignment_tax/models/training.py"]
    for f in TRAINER_FILES:
        assert re.search(r"train_with_resume\(trainer, ckpt", (ROOT / f).read_text()), f


# --- the loader: tied weights and Hub pointers still load -------------------------------------

def test_a_whole_model_with_tied_weights_loads(tmp_path):
    from safetensors.torch import load_file

    from alignment_tax.models.loader import load_causal_lm

    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(tmp_path / "m")
    tok.save_pretrained(tmp_path / "m")
    assert "lm_head.weight" not in load_file(tmp_path / "m/model.safetensors")  # tied: not in the file
    model, _ = load_causal_lm(tmp_path / "m")
    assert model.lm_head.weight is model.transformer.wte.weight


def test_a_hub_pointer_still_resolves(tmp_path):
    from alignment_tax.models.loader import resolve_source

    (tmp_path / "source.json").write_text(json.dumps({"hf_id": "gpt2", "revision": "main", "commit": "abc"}))
    assert resolve_source(tmp_path) == ("gpt2", "abc")


# --- evaluations: a degenerate cell is not written --------------------------------------------

GOOD = {"id": "1", "summary": "a summary", "toxicity": 0.1, "judge": None, "entity_support": None}


@pytest.mark.parametrize("records, expect", [
    ([], r"no items were scored \(n = 0\)"),
    ([{**GOOD, "summary": ""}, {**GOOD, "summary": "  "}], r"all 2 generated 'summary' texts are empty"),
    ([{"id": "1", "continuations": ["", ""], "toxicity": [0.0, 0.0]}], r"generated 'continuations' texts are empty"),
    ([{"id": "1", "answer": "A", "loglik": [float("nan")] * 4}] * 3, r"'loglik' is NaN or inf for every one of 3"),
    ([{"id": "1", "answer": "yes", "mc2": float("nan")}] * 2, r"'mc2' is NaN or inf for every one of 2"),
], ids=["n0", "empty-summaries", "empty-continuations", "nan-logliks", "nan-mc2"])
def test_a_degenerate_cell_is_refused(records, expect):
    with pytest.raises(AlignmentTaxError, match=expect):
        check_not_degenerate("b", "tiny", "base", records)


def test_a_healthy_cell_passes():
    check_not_degenerate("b", "tiny", "base", [GOOD, {**GOOD, "summary": "", "toxicity": float("nan")}])


# --- OSError: one line with the path; temporaries swept and ignored -------------------------------

@pytest.mark.parametrize("exc, expect", [
    (OSError(errno.ENOSPC, "No space left on device", "metrics/x.json"), "error: metrics/x.json: No space left on device"),
    (PermissionError(errno.EACCES, "Permission denied", "models/a", None, "models/b"),
     "error: models/a -> models/b: Permission denied"),
], ids=["disk-full", "permission-rename"])
def test_an_os_error_is_one_line_with_the_path(exc, expect, capsys):
    @stage_main
    def stage():
        raise exc

    with pytest.raises(SystemExit) as out:
        stage()
    assert out.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [expect]


def test_stale_temporaries_of_a_killed_writer_are_swept(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale_file = tmp_path / f".x.json.{dead.pid}.abc.tmp"
    stale_dir = tmp_path / f".x.json.{dead.pid}.def.tmp"
    live = tmp_path / f".x.json.{os.getppid()}.ghi.tmp"  # a running process's temporary: left alone
    other = tmp_path / f".y.json.{dead.pid}.abc.tmp"  # another target's: swept by its own next write
    stale_file.write_text("half")
    stale_dir.mkdir()
    (stale_dir / "f").write_text("half")
    live.write_text("in flight")
    other.write_text("half")
    write_json(tmp_path / "x.json", {"a": 1})
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists() and other.exists()
    assert sweep_stale(tmp_path / "y.json") == 1 and not other.exists()


def test_temporaries_are_ignored_by_git(tmp_path):
    from alignment_tax.io import atomic_dir, atomic_path

    names = []
    with atomic_path(tmp_path / "metrics.json") as tmp:
        names.append(tmp.name)
    with atomic_dir(tmp_path / "tiny") as tmp:
        names.append(tmp.name)
    for name in names:
        proc = subprocess.run(["git", "check-ignore", "-q", "--no-index", f"data/prepared/{name}"], cwd=ROOT)
        assert proc.returncode == 0, f"{name} is not ignored by .gitignore"


# --- data rules: the same for every file type --------------------------------------------------

BOM = "\ufeff"


def _with_bom(path: Path) -> None:
    path.write_bytes(BOM.encode() + path.read_bytes())


@pytest.mark.parametrize("name, rel", [("tldr", "tldr/dove_tldr_test.jsonl"),
                                       ("tldr", "tldr/instructgpt_tldr_samples.csv"),
                                       ("truthfulqa", "truthfulqa/TruthfulQA.csv"),
                                       ("truthfulqa", "truthfulqa/mc_task.json")], ids=["jsonl", "csv", "csv-tqa", "json"])
def test_a_bom_is_accepted_and_dropped_for_every_file_type(tmp_path, name, rel):
    build = tldr_mirror if name == "tldr" else tqa_mirror
    clean = run_prepare(tmp_path, name, data_cfg(build(tmp_path / "a")), "a")[1]
    _with_bom(build(tmp_path / "b") / rel)
    assert run_prepare(tmp_path, name, data_cfg(tmp_path / "b"), "b")[1] == clean


def test_control_and_format_characters_are_removed_alike_in_jsonl_and_csv(tmp_path):
    dirty = "Title\u200b 0\x00"
    dove = [dove_row(0, title=dirty), dove_row(1)]
    igpt = [[0, "ppo", "An instructgpt post\u202e with enough words here.\x07\n\nTL;DR:", "the ref summary text", "s"]]
    m, files = run_prepare(tmp_path, "tldr", data_cfg(tldr_mirror(tmp_path / "m", dove=dove, igpt=igpt)))
    rows = files["eval.jsonl"] + files["train.jsonl"]
    assert any(r["title"] == "Title 0" for r in rows)
    assert any(r["post"] == "An instructgpt post with enough words here." for r in rows)
    assert m["texts_with_chars_removed"] == 2  # the dove title (JSONL) and the instructgpt post (CSV)


def test_a_raw_control_character_in_jsonl_is_text_not_malformed_json(tmp_path):
    raw = json.dumps(dove_row(0)).replace("Title 0", "Title\\u0007 0").replace("\\u0007", "\x07")
    m, files = run_prepare(tmp_path, "tldr", data_cfg(tldr_mirror(tmp_path / "m", dove=[raw, dove_row(1)])))
    assert m["texts_with_chars_removed"] == 1


def test_an_answer_both_correct_and_incorrect_is_removed_from_both_lists(tmp_path):
    rows = [tqa_row("Is the sky blue?", correct="Yes; Unknown", incorrect="No; unknown"), tqa_row("Is water wet?")]
    m, files = run_prepare(tmp_path, "truthfulqa", data_cfg(tqa_mirror(tmp_path / "m", csv_rows=rows)))
    row = next(r for r in files["truthfulqa.jsonl"] if r["question"] == "Is the sky blue?")
    assert row["correct_answers"] == ["Yes"] and row["incorrect_answers"] == ["No"]
    assert m["fixed"]["answer_in_both_lists_removed"] == 1 and m["kept"] == 2


def test_the_real_truthfulqa_mirror_keeps_every_question(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "truthfulqa", data_cfg(shared_data))
    assert m["fixed"]["answer_in_both_lists_removed"] == 2 and m["kept"] == 817
    for r in files["truthfulqa.jsonl"]:
        assert not set(r["correct_answers"]) & set(r["incorrect_answers"])


def test_a_few_shot_example_that_is_a_test_question_is_dropped(tmp_path):
    mirror = mmlu_mirror(tmp_path / "m", validation=[mmlu_row(100), mmlu_row(101, question="Question 1?")])
    m, files = run_prepare(tmp_path, "mmlu_pro", data_cfg(mirror))
    assert [r["question_id"] for r in files["validation.jsonl"]] == [100]
    assert m["dropped"]["validation_in_test"] == 1


# --- docs/validation.md lists every case ---------------------------------------------------------

def test_the_validation_doc_lists_every_case():
    from tests.bad_inputs.cases import CASES

    doc = (ROOT / "docs/validation.md").read_text(encoding="utf-8")
    names = [c.id for c in CASES] + [n for n in globals() if n.startswith("test_") and n != "test_the_validation_doc_lists_every_case"]
    missing = [n for n in names if f"`{n}`" not in doc]
    assert not missing, f"docs/validation.md lacks: {missing}"
