"""The README stays short, and its results tables are the committed reports' numbers, not hand-typed ones."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# "↓0.114 [-0.224, -0.004]" or "↑<0.001 [...]": a change from base with its interval, as the report prints it
DELTA = re.compile(r"[↑↓]<?\d+\.\d+ \[[-+]\d+\.\d+, [-+]\d+\.\d+\]")


def table(heading: str) -> str:
    """The first markdown table whose header row starts with `| heading |`."""
    m = re.search(rf"^\| {re.escape(heading)} \|.*?(?=\n\n)", README, flags=re.M | re.S)
    assert m, f"README has no table headed '{heading}'"
    return m.group(0)


def test_readme_fits_a_ten_minute_read():
    assert len(README.splitlines()) <= 200


def test_default_results_table_is_the_committed_report():
    report = (ROOT / "reports/alignment_tax.md").read_text(encoding="utf-8")
    cells = DELTA.findall(table("tiny"))
    assert len(cells) >= 28  # 7 methods x 4 intervals
    assert [c for c in cells if c not in report] == []


def test_side_by_side_table_is_its_saved_report():
    saved = ROOT / "reports/side_by_side/alignment_tax.md"
    report = saved.read_text(encoding="utf-8")
    cells = DELTA.findall(table("side by side: smollm2_135m"))
    assert len(cells) >= 20
    assert [c for c in cells if c not in report] == []
