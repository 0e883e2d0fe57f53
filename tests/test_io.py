"""Atomic writes: whole or nothing, usual permissions, deterministic JSON."""
import os

import pytest

from alignment_tax.io import atomic_dir, atomic_path, dumps, write_json


def test_failed_write_leaves_target_untouched(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_failed_dir_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "model") as tmp:
            (tmp / "weights").write_text("x")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_umask_permissions(tmp_path):
    write_json(tmp_path / "m.json", {"a": 1})
    with atomic_dir(tmp_path / "d") as tmp:
        (tmp / "f").write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o777 & ~mask


def test_json_sorted_and_nan_as_null():
    assert dumps({"b": float("nan"), "a": 1}) == '{\n  "a": 1,\n  "b": null\n}\n'
