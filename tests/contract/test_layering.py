"""The library reads top-down: packages form layers, and no package imports one above it.

errors < io, prompts, the per-concept params schemas < hub (the one Hub loader, its pins),
grid (cell coordinates) < data, lm < models < scorers < debias
< methods < augment, contrastive, evaluate < report < config < composition < pipeline, rehearsal, scorers.validate and the Hub's
command line (hub.manifest, hub.__main__: they read the whole params). A lazy import inside a
function counts: it is a dependency all the same.
"""
import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "alignment_tax"
LAYERS = [
    {"errors"},
    {"io", "prompts", "schema"},
    {"hub", "grid"},
    {"data", "lm"},
    {"models"},
    {"scorers"},  # lm_pmi scores with a zoo model through the one loader
    {"debias"},
    {"methods"},
    {"augment"},
    {"contrastive", "evaluate"},  # evaluate/likelihood perturbs with augment/entity_swap
    {"report"},
    {"config"},
    {"composition"},  # conf/ into params, validated by config (the rehearsal runs experiment=paper_scale)
    {"pipeline", "rehearsal", "hub_cli", "scorer_validation", "studies", "params_reference"},  # studies: composes params
]
# modules ranked apart from their package: the Hub CLI walks params (config) and every role
MODULE_UNITS = {"hub/manifest.py": "hub_cli", "hub/__main__.py": "hub_cli",
                "scorers/validate.py": "scorer_validation",  # a command that reads params and loads models
                # each concept's params schema: plain dataclasses (stdlib only) that config.py assembles
                "augment/config.py": "schema", "debias/config.py": "schema", "evaluate/config.py": "schema"}
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def unit_of(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src)
    return MODULE_UNITS.get(rel.as_posix(), rel.parts[0].removesuffix(".py"))


def unit_of_module(parts: list[str]) -> str:
    """parts of `alignment_tax.x.y` after the package name."""
    for rel, unit in MODULE_UNITS.items():
        if parts[:len(rel.removesuffix(".py").split("/"))] == rel.removesuffix(".py").split("/"):
            return unit
    return parts[0]


def package_imports(src: Path = SRC) -> dict[str, set[tuple[str, str]]]:
    """package -> {(imported package, 'file:line')} for imports across packages."""
    edges: dict[str, set[tuple[str, str]]] = {}
    for f in sorted(src.rglob("*.py")):
        me = unit_of(f, src)
        for node in ast.walk(ast.parse(f.read_text())):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module == "alignment_tax":  # from alignment_tax import hub
                mods = [f"alignment_tax.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                parts = m.split(".")
                if parts[0] == "alignment_tax" and len(parts) > 1 and unit_of_module(parts[1:]) != me:
                    edges.setdefault(me, set()).add((unit_of_module(parts[1:]), f"{f.relative_to(src)}:{node.lineno}"))
    return edges


def violations(edges) -> list[str]:
    return sorted(f"{where}: {me} (layer {RANK[me]}) imports {other} (layer {RANK[other]})"
                  for me, targets in edges.items() for other, where in targets if RANK[other] >= RANK[me])


def test_every_package_has_a_layer():
    units = {unit_of(f) for f in SRC.rglob("*.py") if f.name != "__init__.py" or f.parent != SRC}
    assert units - set(RANK) == set(), "add the new package to LAYERS (and say why it sits there)"


def test_no_package_imports_its_own_layer_or_above():
    assert violations(package_imports()) == []


def test_a_cycle_is_caught(tmp_path):
    for pkg, target in (("models", "methods"), ("methods", "models")):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "m.py").write_text(f"def f():\n    from alignment_tax.{target}.x import y\n")
    bad = violations(package_imports(tmp_path))
    assert len(bad) == 1 and "models (layer 4) imports methods" in bad[0]


@pytest.mark.parametrize("same", [("augment", "evaluate"), ("data", "lm")])
def test_siblings_in_one_layer_do_not_import_each_other(tmp_path, same):
    (tmp_path / same[0]).mkdir()
    (tmp_path / same[0] / "m.py").write_text(f"import alignment_tax.{same[1]}.x\n")
    assert violations(package_imports(tmp_path))
