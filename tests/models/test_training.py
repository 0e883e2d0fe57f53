"""Training helpers: which checkpoint a rerun resumes from, log/checkpoint alignment, precision from params."""
import json

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models.training import TRAINER_STATE, last_complete_checkpoint, training_arguments


def checkpoint(root, step, state="complete"):
    d = root / f"checkpoint-{step}"
    d.mkdir(parents=True)
    (d / "model.safetensors").write_bytes(b"weights")
    if state == "complete":
        (d / TRAINER_STATE).write_text(json.dumps({"global_step": step}))
    elif state == "truncated":
        (d / TRAINER_STATE).write_text('{"global_step": ')
    return d


def test_a_checkpoint_cut_short_by_a_kill_is_skipped_and_removed(tmp_path):
    good = checkpoint(tmp_path, 4)
    checkpoint(tmp_path, 8, state="no trainer state")  # killed while writing the optimizer state
    checkpoint(tmp_path, 12, state="truncated")  # killed while writing trainer_state.json
    assert last_complete_checkpoint(tmp_path) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-4"]


def test_no_checkpoint_means_a_fresh_start(tmp_path):
    assert last_complete_checkpoint(tmp_path / "absent") is None
    checkpoint(tmp_path, 2, state="no trainer state")
    assert last_complete_checkpoint(tmp_path) is None


def args(tmp_path, **kw):
    base = dict(lr=1e-3, batch_size=2, grad_accum=1, max_steps=8, epochs=1, warmup_steps=0, save_steps=4,
                seed=0, precision="fp32", logging_steps=5)
    return training_arguments(tmp_path, **{**base, **kw})


@pytest.mark.parametrize("save_steps, logging_steps, expected", [(4, 5, 1), (50, 5, 5), (100, 10, 10), (6, 4, 2)])
def test_every_checkpoint_closes_a_logging_window(tmp_path, save_steps, logging_steps, expected):
    """A resumed run starts a fresh logging window: aligned, its logged losses equal an unbroken run's."""
    a = args(tmp_path, save_steps=save_steps, logging_steps=logging_steps)
    assert a.logging_steps == expected and a.save_steps % a.logging_steps == 0


def test_gradient_accumulation_and_precision_come_from_params(tmp_path):
    a = args(tmp_path, grad_accum=4, precision="fp16")
    assert a.gradient_accumulation_steps == 4
    assert not a.fp16 and not a.bf16  # no GPU here: mixed precision exists only on one


def test_a_launcher_asking_for_other_precision_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")
    with pytest.raises(AlignmentTaxError, match="accelerate launch asks for mixed precision 'bf16'.*params.yaml"):
        args(tmp_path)
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "no")
    assert args(tmp_path).gradient_accumulation_steps == 1
