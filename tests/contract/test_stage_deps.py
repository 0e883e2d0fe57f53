"""dvc.yaml declares exactly the code each stage runs (tests/contract/closure.py computes it from
the imports; `python -m tests.contract.closure --fix` rewrites the deps), and the params its frame reads."""
import re
from pathlib import Path

import pytest
import yaml

from alignment_tax.pipeline.stage import STAGE_THREAD_KINDS
from tests.contract.closure import ROOT, closure, gaps, required_src, stage_specs

DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text())
STAGES = dict(stage_specs(DVC))


def test_every_stage_declares_exactly_the_code_it_runs():
    report = {s: (sorted(m), sorted(e)) for s, (m, e) in gaps(DVC).items()}
    assert report == {}, "run `python -m tests.contract.closure --fix`: (missing, extra) per stage"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_declares_its_entry_point(stage):
    cmd, deps = STAGES[stage]["cmd"], [str(d) for d in STAGES[stage]["deps"]]
    scripts = re.findall(r"python3?\s+(stages/\S+\.py)", cmd)
    assert scripts and all(s in deps for s in scripts)


def test_a_lazy_import_is_part_of_the_closure(tmp_path):
    # evaluate_tldr loads its scorers through functions; the closure must still see them
    need = required_src(STAGES["evaluate_tldr"]["cmd"])
    assert "src/alignment_tax/scorers/toxicity.py" in need and "src/alignment_tax/models/loader.py" in need


def test_a_missing_dep_is_reported():
    spec = dict(STAGES["evaluate_tldr"])
    spec["deps"] = [d for d in spec["deps"] if d != "src/alignment_tax/scorers/ner.py"]
    missing, extra = gaps({"stages": {"evaluate_tldr": spec}})["evaluate_tldr"]
    assert missing == {"src/alignment_tax/scorers/ner.py"} and extra == set()


def test_an_unused_dep_is_reported():
    spec = dict(STAGES["check_params"])
    spec["deps"] = list(spec["deps"]) + ["src/alignment_tax/report"]
    missing, extra = gaps({"stages": {"check_params": spec}})["check_params"]
    assert not missing and "src/alignment_tax/report/build.py" in extra


FRAME_COMPUTE = {"compute.threads", "compute.interop_threads", "compute.kv_cache"}  # what compute_for reads


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_frame_params_are_declared(stage):
    """A stage that calls pipeline.stage.begin reads `compute`'s frame keys, its own
    `compute.stage_threads.<kind>` when it has one (and passes that kind to begin), and `seed`
    unless seed=False."""
    spec = STAGES[stage]
    scripts = [ROOT / s for s in re.findall(r"python3?\s+(stages/\S+\.py)", spec["cmd"])]
    files = set(scripts).union(*(closure(s) for s in scripts))
    text = "\n".join(Path(f).read_text() for f in files)
    params = {str(p) for p in spec.get("params", [])}
    if "begin(" in text:
        assert FRAME_COMPUTE <= params or "compute" in params or "params.yaml:" in str(spec.get("params")), \
            f"{stage}: declare {sorted(FRAME_COMPUTE - params)}"
    own = f"compute.stage_threads.{stage}"
    if stage in STAGE_THREAD_KINDS:
        assert own in params, f"{stage}: declare {own}"
        passed = f'stage="{stage}"' in text or (stage.startswith("augment_") and 'stage = f"augment_{kind}"' in text)
        assert passed, f"{stage}: pass stage={stage!r} to begin(), or its {own} is never read"
    else:
        assert not {p for p in params if p.startswith("compute.stage_threads")}, f"{stage}: reads no stage_threads"
    if re.search(r"begin\((params|cfg)(\)|, model=)", text):  # seeded unless begin(..., seed=False)
        assert "seed" in params or "params.yaml:" in str(spec.get("params")), f"{stage}: declare seed"


def test_a_dep_on_a_moved_module_is_reported():
    spec = dict(STAGES["check_params"])
    spec["deps"] = list(spec["deps"]) + ["src/alignment_tax/augment/stage.py"]  # moved to pipeline/augment.py
    missing, extra = gaps({"stages": {"check_params": spec}})["check_params"]
    assert not missing and extra == {"src/alignment_tax/augment/stage.py"}
