"""benchmarks/graph_time.py: the per-stage split of a DVC run's wall time must add up and name the right stage."""
import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "graph_time.py"


@pytest.fixture(scope="module")
def graph_time():
    spec = importlib.util.spec_from_file_location("graph_time", PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_each_stage_runs_until_the_next_one_starts(graph_time):
    stamped = [(0.0, ""), (1.5, "Running stage 'source':"), (1.6, "> python stages/source.py"),
               (4.0, "Running stage 'evaluate_tldr@tiny-base':"), (9.0, "Updating lock file 'dvc.lock'"),
               (10.0, "Running stage 'evaluate_tldr@tiny-contrastive':")]
    before, times = graph_time.stage_times(stamped, end=12.5)
    assert before == 1.5
    assert times == {"source": 2.5, "evaluate_tldr@tiny-base": 6.0, "evaluate_tldr@tiny-contrastive": 2.5}
    assert before + sum(times.values()) == 12.5  # the split covers the whole run
    assert graph_time.script_of("evaluate_tldr@tiny-contrastive") == "evaluate_tldr"


def test_a_run_with_no_stage_is_all_collection_time(graph_time):
    assert graph_time.stage_times([(0.0, ""), (2.0, "Everything is up to date.")], end=3.0) == (3.0, {})


def test_log_gaps_measure_from_the_last_output_to_the_next_stage():
    spec = importlib.util.spec_from_file_location("log_gaps", PATH.parent / "log_gaps.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    log = ["     1.00 Running stage 'a':", "     1.10 > python stages/a.py", "     6.00 done a",
           "     6.50 Updating lock file 'dvc.lock'", "     9.00 Running stage 'b':", "    10.00 done b",
           "    14.50 Running stage 'c':"]
    assert mod.gaps(log) == [3.0, 4.5]  # DVC's own "Updating lock file" line is not stage output
