"""docs/params.md: every params key with its default, its type from the schema, and its one-line meaning.

    python -m alignment_tax.params_reference            # write docs/params.md
    python -m alignment_tax.params_reference --check    # exit 1 if it is not current

A key is described once: by its comment in conf/config.yaml, or where that has none, by its field's
comment in the schema (config.Params and the section schemas). Its type comes from the schema, its
default from the composition of conf/'s defaults, and the group options that change it from composing
each of them. The page's part below MARKER is written by hand (the measured
reasons for the defaults) and kept as it is.
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
import typing
from pathlib import Path

from alignment_tax import composition
from alignment_tax.config import Params

PAGE = Path(__file__).resolve().parents[2] / "docs" / "params.md"
MARKER = "<!-- Written by hand below this line; the part above is python -m alignment_tax.params_reference -->"
KEY = re.compile(r"^( *)([A-Za-z0-9_]+):(.*)$")


def _comment(rest: str) -> str:
    """The inline comment of a YAML line's value part: after the first ' #' outside quotes."""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or rest[i - 1] in " \t"):
            return rest[i + 1:].strip()
    return ""


def comments(text: str) -> dict[str, str]:
    """{dotted key: its inline comment} of a block-style YAML file (the defaults list skipped)."""
    out, stack = {}, []  # stack of (indent, key)
    for line in text.splitlines():
        m = KEY.match(line)
        if not m:
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
        stack = [(i, k) for i, k in stack if i < indent]
        stack.append((indent, key))
        path = ".".join(k for _, k in stack)
        if path != "defaults" and not path.startswith("defaults."):
            out[path] = _comment(rest)
    return out


def _type_name(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return " | ".join(_type_name(a) for a in inner) + (" | null" if type(None) in args else "")
    if origin in (list, typing.List):
        return f"list[{_type_name(args[0])}]" if args else "list"
    if origin in (dict, typing.Dict):
        return f"map[{_type_name(args[1])}]" if args else "map"
    if dataclasses.is_dataclass(tp):
        return "section"
    return getattr(tp, "__name__", str(tp))


FIELD = re.compile(r"^\s+([a-z_0-9]+)\s*:(.*)$")


def _field_comments(cls) -> dict[str, str]:
    try:
        src = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    return {m.group(1): c for line in src.splitlines() if (m := FIELD.match(line)) and (c := _comment(m.group(2)))}


def _walk(dotted: str, root=Params):
    """(the schema type of a dotted key, the dataclass that declares its last part); (None, None) if none."""
    tp, owner = root, None
    for part in dotted.split("."):
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            if part not in hints:
                return None, None
            owner, tp = tp, hints[part]
        elif typing.get_origin(tp) in (dict, typing.Dict):
            owner, tp = None, typing.get_args(tp)[1]  # a map's entry (a model_zoo row, a debias method's settings)
        else:
            return None, None
        if typing.get_origin(tp) is typing.Union:
            inner = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = inner[0] if len(inner) == 1 and dataclasses.is_dataclass(inner[0]) else tp
    return tp, owner


def schema_type(dotted: str, root=Params) -> str:
    """The schema's type of a dotted key ("" where the schema has none)."""
    tp, _ = _walk(dotted, root)
    return "" if tp is None else _type_name(tp).replace(" | ", " or ")


def schema_comment(dotted: str, root=Params) -> str:
    """The comment beside the key's field in the schema's source ("" where none)."""
    _, owner = _walk(dotted, root)
    return _field_comments(owner).get(dotted.split(".")[-1], "") if owner is not None else ""


def _cell(v) -> str:
    text = composition.hydra_value(v) if not isinstance(v, str) else (v if v else '""')
    text = text.replace("\n", "\\n").replace("|", "\\|")
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


def page(conf_dir: Path = composition.CONF_DIR) -> str:
    notes = comments((conf_dir / f"{composition.CONFIG_NAME}.yaml").read_text(encoding="utf-8"))
    base = composition.compose([], conf_dir)
    flat = composition.leaves(base)
    set_by: dict[str, list[str]] = {}
    options = []
    for group, names in composition.groups(conf_dir).items():
        for name in names:
            changes = composition.changed([f"{group}={name}"], conf_dir)
            options.append((group, name, len(changes)))
            for c in changes:
                set_by.setdefault(c.split("=", 1)[0], []).append(f"{group}={name}")
    lines = ["# Parameters", "",
             "Every key of params.yaml: its default (conf/'s defaults composed), its type in the schema",
             "(`src/alignment_tax/config.py`; unknown keys, wrong types and out-of-range values are errors), what it",
             "does (its comment in `conf/config.yaml`, the one place it is described), and which named",
             "configurations change it. Choose one with `dvc exp run -S '<group>=<option>'`; a key with",
             "`dvc exp run -S key=value`. Generated by `python -m alignment_tax.params_reference`; a test keeps it current.",
             "", "## Groups", "", "| group | option | keys it changes | file |", "|---|---|---|---|"]
    defaults = composition.defaults(conf_dir)
    for group, name, n in options:
        mark = " (default)" if defaults.get(group) == name else ""
        lines.append(f"| `{group}` | `{name}`{mark} | {n} | `conf/{group}/{name}.yaml` |")
    section, seen = None, set()
    for key, value in flat.items():
        parts = key.split(".")
        top = parts[0] if len(parts) > 1 else "top level"
        if top != section:
            section = top
            lines += ["", f"## `{top}`" if top != "top level" else "## Top level", ""]
            if notes.get(top):
                lines += [notes[top], ""]
            lines += ["| key | default | type | meaning | set by |", "|---|---|---|---|---|"]
        for depth in range(2, len(parts)):  # a sub-section's own comment, once, as a row of its own
            sub = ".".join(parts[:depth])
            if sub not in seen and notes.get(sub):
                seen.add(sub)
                lines.append(f"| `{sub}` | | {schema_type(sub) or '-'} | {notes[sub].replace('|', '/')} | |")
        meaning = notes.get(key) or schema_comment(key)
        if not meaning:  # a member of a one-line mapping: its line's comment covers it
            owner = next((".".join(parts[:d]) for d in range(len(parts) - 1, 0, -1) if notes.get(".".join(parts[:d]))), "")
            meaning = f"see `{owner}`" if owner else ""
        lines.append(f"| `{key}` | {_cell(value)} | {schema_type(key) or '-'} | {meaning.replace('|', '/')} | "
                     f"{', '.join(f'`{o}`' for o in set_by.get(key, []))} |")
    hand = ""
    if PAGE.is_file() and MARKER in (text := PAGE.read_text(encoding="utf-8")):
        hand = text.split(MARKER, 1)[1]
    return "\n".join(lines) + "\n\n" + MARKER + (hand or "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/params.md is not current")
    a = ap.parse_args(argv)
    text = page()
    if a.check:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            print(f"error: {PAGE.name} is stale: run python -m alignment_tax.params_reference", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
