"""Shared pieces of the prepare stages: text cleaning, field checks, stable
hash ordering and the row/drop bookkeeping every dataset reports.

Validation raises AlignmentTaxError naming the input (file:line or hub row);
data-quality filters (too short, duplicate, ...) never raise but are counted
under a named rule, so nothing is dropped silently.

Text rules are the same for every file type (JSONL, CSV, JSON, Hub rows),
because every text field goes through clean_text/clean_line: control characters
(Unicode Cc other than whitespace: NUL, BEL, the C1 block of mis-decoded cp1252)
and format characters (Cf: zero-width spaces, BOMs, bidirectional overrides,
soft hyphens) are removed, and counted per dataset (`texts_with_chars_removed`
in its prepare metrics). A byte-order mark at the start of a file is accepted and
dropped for every file type (source.read_text, io.read_jsonl).
"""
from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from alignment_tax.errors import AlignmentTaxError

_BLANK_RUN = re.compile(r"\n{3,}")
# Distinct raw texts that lost such characters (a field cleaned twice counts once): prepare.py resets and
# reports it per dataset as `texts_with_chars_removed`.
REMOVED_FROM: set = set()


@functools.lru_cache(maxsize=1)
def _invisible() -> re.Pattern:
    """Cc and Cf characters, except the whitespace that splitlines()/split() handle (built once: ~0.4 s)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x110000)
                                    if unicodedata.category(chr(c)) in ("Cc", "Cf") and not chr(c).isspace()) + "]")


def strip_invisible(s: str) -> str:
    out, n = _invisible().subn("", s)
    if n:
        REMOVED_FROM.add(hashlib.sha1(s.encode("utf-8", "surrogatepass")).digest())
    return out


def bad(where: str, msg: str) -> AlignmentTaxError:
    return AlignmentTaxError(f"{where}: {msg}")


# --- text -----------------------------------------------------------------

def clean_text(s: str) -> str:
    """Strip, unify line breaks, drop trailing spaces; keep paragraphs and
    indentation (posts and code-bearing questions need their newlines)."""
    # splitlines() also breaks on \r, \x0b, \x85, U+2028...: all become "\n", so
    # a line-oriented reader of the JSONL output can never split a row.
    s = "\n".join(line.rstrip() for line in strip_invisible(s).splitlines())
    return _BLANK_RUN.sub("\n\n", s).strip()


def clean_line(s: str) -> str:
    """Collapse all whitespace: for one-line fields (titles, answers, options)."""
    return " ".join(strip_invisible(s).split())


def norm_key(s: str) -> str:
    """Dedupe key: case- and whitespace-insensitive."""
    return " ".join(_invisible().sub("", s).split()).casefold()


def n_words(s: str) -> int:
    return len(s.split())


def short_sha1(s: str, n: int = 12) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:n]


def hash_order(ids: Iterable[str]) -> List[str]:
    """Ids sorted by sha256: a fixed pseudo-random order that does not depend on
    file order, so a subset of N is always a prefix of the subset of N+1."""
    return sorted(ids, key=lambda i: (hashlib.sha256(i.encode("utf-8")).hexdigest(), i))


def select(rows: Sequence[dict], cap: int, id_key: str = "id") -> List[dict]:
    """The first `cap` rows in hash order (0 = all), returned in input order."""
    if cap <= 0 or cap >= len(rows):
        return list(rows)
    chosen = set(hash_order(str(r[id_key]) for r in rows)[:cap])
    return [r for r in rows if str(r[id_key]) in chosen]


# --- fields ---------------------------------------------------------------

def get_str(obj: dict, key: str, where: str, *, optional: bool = False) -> Optional[str]:
    if key not in obj:
        if optional:
            return None
        raise bad(where, f"missing field '{key}'")
    v = obj[key]
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise bad(where, f"field '{key}' must be a string, got {type(v).__name__}")
    return v


def get_text(obj: dict, key: str, where: str, *, multiline: bool = False) -> str:
    """A required, non-empty text field, whitespace-normalised."""
    v = get_str(obj, key, where)
    v = clean_text(v) if multiline else clean_line(v)
    if not v:
        raise bad(where, f"field '{key}' is empty")
    return v


def get_int(obj: dict, key: str, where: str) -> int:
    if key not in obj:
        raise bad(where, f"missing field '{key}'")
    v = obj[key]
    if isinstance(v, str):  # CSV cells
        try:
            return int(v.strip())
        except ValueError:
            raise bad(where, f"field '{key}' must be an integer, got {v!r}") from None
    if isinstance(v, bool) or not isinstance(v, int):
        raise bad(where, f"field '{key}' must be an integer, got {type(v).__name__}")
    return v


def get_bool(obj: dict, key: str, where: str) -> bool:
    if key not in obj:
        raise bad(where, f"missing field '{key}'")
    v = obj[key]
    if isinstance(v, str):  # CSV cells
        if v.strip() in ("True", "true", "1"):
            return True
        if v.strip() in ("False", "false", "0"):
            return False
    elif isinstance(v, bool):
        return v
    raise bad(where, f"field '{key}' must be a boolean, got {v!r}")


def get_float_or_none(obj: dict, key: str, where: str) -> Optional[float]:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise bad(where, f"field '{key}' must be a number or null, got {type(v).__name__}")
    if not math.isfinite(v):  # json.loads reads NaN / Infinity
        raise bad(where, f"field '{key}' must be a finite number, got {v}")
    return float(v)


def get_unit_or_none(obj: dict, key: str, where: str) -> Optional[float]:
    """A score in [0, 1] (a probability), or null."""
    v = get_float_or_none(obj, key, where)
    if v is not None and not 0 <= v <= 1:
        raise bad(where, f"field '{key}' must be in [0, 1], got {v}")
    return v


def get_dict(obj: dict, key: str, where: str) -> dict:
    if key not in obj:
        raise bad(where, f"missing field '{key}'")
    if not isinstance(obj[key], dict):
        raise bad(where, f"field '{key}' must be an object, got {type(obj[key]).__name__}")
    return obj[key]


class UniqueIds:
    """Duplicate ids are bad input (they would silently merge rows downstream)."""

    def __init__(self) -> None:
        self._seen: Dict[str, str] = {}

    def add(self, id_: str, where: str) -> None:
        if id_ in self._seen:
            raise bad(where, f"duplicate id '{id_}' (first seen at {self._seen[id_]})")
        self._seen[id_] = where


# --- bookkeeping ----------------------------------------------------------

@dataclass
class Stats:
    """read = kept + sum(dropped); `fixed` counts rows kept after a repair."""

    dataset: str
    source: str  # "mirror" or "hub"
    inputs: List[str]
    drop_rules: Sequence[str]
    fix_rules: Sequence[str] = ()
    read: int = 0
    dropped: Counter = field(default_factory=Counter)
    fixed: Counter = field(default_factory=Counter)
    extra: Dict[str, Any] = field(default_factory=dict)

    def drop(self, rule: str, n: int = 1) -> None:
        assert rule in self.drop_rules, rule  # undeclared rule = bug
        self.dropped[rule] += n

    def fix(self, rule: str, n: int = 1) -> None:
        assert rule in self.fix_rules, rule
        self.fixed[rule] += n

    def to_dict(self, outputs: Dict[str, int]) -> Dict[str, Any]:
        kept = sum(outputs.values())
        dropped = {r: self.dropped.get(r, 0) for r in self.drop_rules}
        assert self.read == kept + sum(dropped.values()), (self.read, kept, dropped)
        return {"dataset": self.dataset, "source": self.source, "inputs": list(self.inputs),
                "read": self.read, "kept": kept, "dropped": dropped,
                "fixed": {r: self.fixed.get(r, 0) for r in self.fix_rules},
                "outputs": dict(outputs), **self.extra}


@dataclass
class Prepared:
    files: Dict[str, List[dict]]  # file name inside data/prepared/<dataset>/ -> rows
    stats: Stats

    def metrics(self) -> Dict[str, Any]:
        return self.stats.to_dict({name: len(rows) for name, rows in self.files.items()})
