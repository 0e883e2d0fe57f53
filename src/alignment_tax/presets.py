"""Named presets: a file of params overrides, printed as `dvc exp run -S` flags.

    eval "dvc exp run $(python -m alignment_tax.presets authors)"
    eval "dvc exp run $(python -m alignment_tax.presets authors authors_hub)"   # later names win

A preset is configs/presets/<name>.yaml, a nested mapping of existing params.yaml keys.
Each leaf becomes one `-S 'key=value'` in DVC's (Hydra's) override syntax, shell-quoted so
`eval` passes values with spaces or line breaks intact; an experiment then records exactly
which params changed (`dvc exp show`), as with hand-typed -S flags. Unknown preset names,
malformed files and keys params.yaml does not have are errors naming the preset file.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import yaml

from alignment_tax.errors import AlignmentTaxError, stage_main

PRESETS = Path("configs/presets")


def available(root: Path = PRESETS) -> list[str]:
    return sorted(p.stem for p in root.glob("*.yaml"))


def load(name: str, root: Path = PRESETS) -> dict:
    path = root / f"{name}.yaml"
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: no such preset (have: {', '.join(available(root)) or 'none'})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AlignmentTaxError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not data:
        raise AlignmentTaxError(f"{path}: expected a non-empty mapping of params keys")
    return data


def flatten(tree: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists are values."""
    out = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def hydra_value(v, where: str) -> str:
    """A YAML value in Hydra's override grammar (what `dvc exp run -S` parses)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        if '"' in v or "\\" in v:
            raise AlignmentTaxError(f"{where}: a preset string may not hold '\"' or '\\\\' (Hydra escapes)")
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ",".join(hydra_value(x, where) for x in v) + "]"
    raise AlignmentTaxError(f"{where}: unsupported value {v!r}")


def overrides(names: list[str], root: Path = PRESETS) -> list[str]:
    """`key=value` overrides of the named presets, in order (a later preset's key replaces an earlier one's)."""
    merged: dict = {}
    for name in names:
        for key, v in flatten(load(name, root)).items():
            merged.pop(key, None)
            merged[key] = hydra_value(v, f"{root / (name + '.yaml')}: {key}")
    return [f"{k}={v}" for k, v in merged.items()]


def apply(params_file: Path, names: list[str], root: Path = PRESETS) -> None:
    """Write the presets into `params_file` with DVC's own override code (what `dvc exp run -S` does)."""
    from dvc.utils.hydra import apply_overrides

    try:
        apply_overrides(str(params_file), overrides(names, root))
    except Exception as exc:  # dvc raises its own error types for keys params.yaml does not have
        raise AlignmentTaxError(f"preset {' '.join(names)}: {str(exc).splitlines()[0]}") from None


@stage_main
def main() -> None:
    names = sys.argv[1:]
    if not names or names[0] in ("-h", "--help"):
        raise AlignmentTaxError(f"usage: python -m alignment_tax.presets NAME [NAME ...] "
                                f"(presets: {', '.join(available())})")
    print(" ".join(f"-S {shlex.quote(o)}" for o in overrides(names)))


if __name__ == "__main__":
    main()
