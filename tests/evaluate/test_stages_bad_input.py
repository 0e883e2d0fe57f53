"""Stage scripts on bad input: exit 2, one line naming the row or the grid cell, nothing written."""
import json
import shutil
import subprocess
import sys


def run_stage(repo_root, tmp_path, script, *args):
    shutil.copy(repo_root / "params.yaml", tmp_path / "params.yaml")
    return subprocess.run([sys.executable, str(repo_root / "stages" / script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_mmlu_pro_duplicate_options(repo_root, tmp_path):
    good = {"question_id": 1, "question": "q?", "options": ["a", "b"], "answer": "A", "answer_index": 0,
            "category": "law", "src": "x"}
    write_jsonl(tmp_path / "data/prepared/mmlu_pro/test.jsonl", [good, {**good, "question_id": 2, "options": ["a", "a"]}])
    proc = run_stage(repo_root, tmp_path, "evaluate_mmlu_pro.py", "tiny", "base")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: data/prepared/mmlu_pro/test.jsonl:2: question_id 2: duplicate option 'a'")
    assert not (tmp_path / "metrics").exists()


def test_truthfulqa_no_correct_answer(repo_root, tmp_path):
    row = {"id": "tqa-1", "type": "A", "category": "C", "question": "q?", "best_answer": "b", "correct_answers": [],
           "incorrect_answers": ["x"], "mc1_targets": {"choices": ["b", "x"], "labels": [1, 0]},
           "mc2_targets": {"choices": ["b", "x"], "labels": [1, 0]}}
    write_jsonl(tmp_path / "data/prepared/truthfulqa/truthfulqa.jsonl", [row])
    proc = run_stage(repo_root, tmp_path, "evaluate_truthfulqa.py", "tiny", "base")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: data/prepared/truthfulqa/truthfulqa.jsonl:1: question tqa-1: no correct answer")


def test_report_names_the_missing_cell_and_its_stage(repo_root, tmp_path):
    proc = run_stage(repo_root, tmp_path, "report.py")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: metrics/tldr/tiny/base.json: missing metrics for grid cell (tiny, base)")
    assert "dvc repro evaluate_tldr@tiny-base" in last
    assert not (tmp_path / "reports").exists()
