"""No committed text names the measuring machine's own folders (they mean nothing on a clone)."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINE = re.compile(r"(?<![\w.])/(?:work|root|home/\w+)/")  # this workplace's checkout, home and cache roots
TEXT = (".md", ".py", ".yaml", ".yml", ".toml", ".sh", ".txt", ".json", ".cfg", ".args")


def test_no_tracked_text_file_names_a_machine_path():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    hits = []
    for f in files:
        path = ROOT / f
        if path.suffix not in TEXT or path.is_symlink() or not path.is_file() or f.startswith("tests/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if MACHINE.search(line):
                hits.append(f"{f}:{n}: {line.strip()[:100]}")
    assert hits == []


def test_the_pattern_catches_a_machine_path():
    assert MACHINE.search("see /work/cache/smollm2_135m") and MACHINE.search("(/root/.cache/x)")
    assert not MACHINE.search("../shared/data") and not MACHINE.search("models/base/work/x")
