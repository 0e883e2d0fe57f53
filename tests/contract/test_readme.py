"""The README stays short, and its results tables are the committed reports' numbers, not hand-typed ones."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# "↓0.114 [-0.224, -0.004]" or "↑<0.001 [...]": a change from base with its interval, as the report prints it
DELTA = re.compile(r"[↑↓]<?\d+\.\d+ \[[-+]\d+\.\d+, [-+]\d+\.\d+\]")


def table(heading: str, text: str = README) -> str:
    """The first markdown table in `text` whose header row starts with `| heading |`."""
    m = re.search(rf"^\| {re.escape(heading)} \|.*?(?=\n\n)", text, flags=re.M | re.S)
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
    cells = DELTA.findall(table("side by side: smollm2_135m", (ROOT / "docs/smollm2.md").read_text(encoding="utf-8")))
    assert len(cells) >= 20
    assert [c for c in cells if c not in report] == []


# "-0.074 [-0.167, +0.019]" as the study report prints it
SIGNED = re.compile(r"[-+]\d+\.\d+ \[[-+]\d+\.\d+, [-+]\d+\.\d+\]\*?")


def test_study_table_is_the_committed_study_report():
    report = (ROOT / "studies/smollm2/reports/smollm2_study.md").read_text(encoding="utf-8")
    cells = SIGNED.findall(table("smollm2_135m study"))
    assert len(cells) >= 30  # 11 metrics x 3 intervals
    assert [c for c in cells if c not in report] == []


def test_the_authors_column_table_is_the_committed_reports():
    """docs/fidelity.md's paper-vs-authors table: every interval is in one of the two committed study reports."""
    doc = (ROOT / "docs/fidelity.md").read_text(encoding="utf-8")
    reports = ((ROOT / "reports/study.md").read_text(encoding="utf-8")
               + (ROOT / "studies/authors/reports/authors_study.md").read_text(encoding="utf-8"))
    cells = SIGNED.findall(table("tiny: paper's text against the authors' code", doc))
    assert len(cells) >= 36  # 9 metrics x 4 intervals
    assert [c for c in cells if c not in reports] == []
