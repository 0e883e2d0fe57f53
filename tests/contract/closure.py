"""The code a DVC stage runs, computed from its imports, and a fixer for dvc.yaml.

A stage runs its script plus every `alignment_tax` module the script imports,
transitively, lazy imports inside functions included (they run too). Those files
are exactly the `src/` deps the stage must declare: one missing leaves results
stale after an edit, one extra reruns the stage for nothing.

    python -m tests.contract.closure          # print the gaps
    python -m tests.contract.closure --fix    # rewrite dvc.yaml's src/ deps (comments kept)
"""
from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = "alignment_tax"
_SCRIPT = re.compile(r"python3?\s+(stages/\S+\.py)")
_MODULE = re.compile(r"python3?\s+-m\s+(alignment_tax\S*)")


def module_file(name: str) -> Path | None:
    base = SRC / Path(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _has_code(init: Path) -> bool:
    """An __init__.py that holds more than a docstring runs code on import."""
    body = ast.parse(init.read_text()).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@lru_cache(maxsize=None)
def direct_imports(path: Path) -> frozenset[Path]:
    out: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == PACKAGE:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
        for n in names:
            for m in [*_parents(n), n]:
                f = module_file(m)
                if f is not None and (f.name != "__init__.py" or _has_code(f)):
                    out.add(f)
    return frozenset(out)


def closure(script: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [script]
    while todo:
        for f in direct_imports(todo.pop()):
            if f not in seen:
                seen.add(f)
                todo.append(f)
    return seen


def stage_specs(dvc: dict):
    """(name, spec) of every stage; foreach/matrix stages by their template (deps are per-item templates)."""
    for name, spec in dvc["stages"].items():
        yield name, spec.get("do", spec)


def entry_points(cmd: str) -> list[Path]:
    files = [ROOT / s for s in _SCRIPT.findall(cmd)]
    files += [module_file(m) for m in _MODULE.findall(cmd) if module_file(m)]
    return files


def required_src(cmd: str) -> set[str]:
    need: set[Path] = set()
    for entry in entry_points(cmd):
        need |= closure(entry)
    return {str(f.relative_to(ROOT)) for f in need}


def _code_files(dep: str) -> set[str]:
    """The Python files a declared dep stands for (a directory: every module in it that holds code)."""
    p = ROOT / dep
    if not p.exists():
        return {dep}  # a dep on a file that is gone (moved module): never covered by the closure, so reported
    if p.is_file():
        return {dep} if p.suffix == ".py" else set()
    return {str(f.relative_to(ROOT)) for f in p.rglob("*.py") if f.name != "__init__.py" or _has_code(f)}


def src_deps(deps: list) -> list[str]:
    return [d for d in (str(x) for x in deps) if d.startswith("src/")]


def gaps(dvc: dict) -> dict[str, tuple[set[str], set[str]]]:
    """stage -> (required but undeclared, declared but never run)."""
    out = {}
    for name, spec in stage_specs(dvc):
        need = required_src(spec["cmd"])
        declared: set[str] = set()
        for d in src_deps(spec.get("deps", [])):
            declared |= _code_files(d)
        missing, extra = need - declared, declared - need
        if missing or extra:
            out[name] = (missing, extra)
    return out


def fix(path: Path = ROOT / "dvc.yaml") -> None:
    from ruamel.yaml import YAML

    yml = YAML()
    yml.preserve_quotes = True
    yml.width = 120
    yml.indent(mapping=2, sequence=4, offset=2)  # the file's own style
    doc = yml.load(path.read_text())
    for name, spec in doc["stages"].items():
        spec = spec.get("do", spec)
        deps = spec["deps"]
        need = sorted(required_src(spec["cmd"]))
        # src/ data files (word lists) stay; code deps are replaced by the exact closure
        keep = [d for d in deps if not str(d).startswith("src/")
                or ((ROOT / str(d)).exists() and not _code_files(str(d)))]
        scripts = [d for d in keep if str(d).startswith("stages/")]
        data = [d for d in keep if str(d).startswith("src/")]
        rest = [d for d in keep if not str(d).startswith(("stages/", "src/"))]
        deps.clear()
        deps.extend(scripts + need + data + rest)
    with path.open("w") as fh:
        yml.dump(doc, fh)


if __name__ == "__main__":
    import yaml

    if "--fix" in sys.argv:
        fix()
    for stage, (missing, extra) in gaps(yaml.safe_load((ROOT / "dvc.yaml").read_text())).items():
        for m in sorted(missing):
            print(f"{stage}: missing {m}")
        for e in sorted(extra):
            print(f"{stage}: extra {e}")
