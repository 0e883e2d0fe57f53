"""Shared test fixtures. Tests read the local data mirror at ../shared/data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Without these a Hub id takes 23-46 s to fail; with them failures are instant.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Stage scripts run as subprocesses must import this checkout's library, not whatever
# clone the editable install last pointed at.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH")) if p)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"data mirror not found at {SHARED_DATA} (clone the repo beside shared/)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
