"""dvc.yaml contract for the benchmark and report stages: each declares its script and every
evaluate/report module the script imports (transitively) as a dependency, so editing one reruns it."""
import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OWNED = ("alignment_tax.evaluate", "alignment_tax.report")
STAGES = {"evaluate_truthfulqa": "stages/evaluate_truthfulqa.py", "evaluate_rtp": "stages/evaluate_rtp.py",
          "evaluate_mmlu_pro": "stages/evaluate_mmlu_pro.py", "generation_patterns": "stages/generation_patterns.py",
          "report": "stages/report.py", "evaluate_tldr": "stages/evaluate_tldr.py"}


def _module_file(name: str):
    base = ROOT / "src" / Path(*name.split("."))
    return base.with_suffix(".py") if base.with_suffix(".py").is_file() else (base / "__init__.py")


def imported(path: Path, seen=None) -> set:
    """Files of owned modules imported by `path`, following owned modules."""
    seen = set() if seen is None else seen
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(OWNED[0].split(".")[0]):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for n in names:
            f = _module_file(n)
            if n.startswith(OWNED) and f.is_file() and f.name != "__init__.py" and f not in seen:
                seen.add(f)
                imported(f, seen)
    return seen


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_declares_script_and_modules(stage):
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]
    deps = [ROOT / d for d in spec["deps"]]
    assert ROOT / STAGES[stage] in deps
    for f in imported(ROOT / STAGES[stage]):
        assert any(f == d or d in f.parents for d in deps), f"{stage}: {f.relative_to(ROOT)} is not a dependency"
