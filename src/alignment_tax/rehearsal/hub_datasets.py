"""The paper path's Hub datasets, in their real layout, filled with the data mirror's rows.

Each is a parquet snapshot with the README `configs:` block the Hub repository
has, so `datasets.load_dataset(<snapshot>, config, split=...)` sees the real
configs, splits and column names (data/*.py maps them). Row counts are a
handful per split: the rehearsal tests code paths, not results.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

ROWS = 24  # per split


def _parquet(rows: list[dict]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf)
    return buf.getvalue()


def _readme(configs: dict[str, dict[str, str]]) -> bytes:
    """configs: name -> {split: path glob}."""
    lines = ["---", "configs:"]
    for name, splits in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        lines += [f"  - split: {s}\n    path: {p}" for s, p in splits.items()]
    return ("\n".join(lines) + "\n---\n# rehearsal stand-in (alignment_tax.rehearsal): real layout, mirror rows\n").encode()


def _csv(path: Path, n: int, offset: int = 0, header: bool = True) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh) if header else csv.reader(fh)
        rows = [r for _, r in zip(range(offset + n), reader)]
    return rows[offset:]


def _jsonl(path: Path, n: int) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line))
            if len(out) == n:
                break
    return out


def tldr(mirror: Path) -> dict[str, bytes]:
    """CarperAI/openai_summarize_tldr: prompt ("SUBREDDIT: r/..\\nTITLE: ..\\nPOST: ..\\nTL;DR:"), label; train/valid/test."""
    rows = _jsonl(mirror / "tldr/dove_tldr_test.jsonl", 3 * ROWS)
    table = [{"prompt": f"SUBREDDIT: r/{r['subreddit']}\nTITLE: {r['title']}\nPOST: {r['instruction']}\nTL;DR:",
              "label": " " + r["gold_response"].strip()} for r in rows]
    splits = {"train": table[:ROWS], "valid": table[ROWS:2 * ROWS], "test": table[2 * ROWS:]}
    files = {f"data/{s}-00000-of-00001.parquet": _parquet(t) for s, t in splits.items()}
    files["README.md"] = _readme({"default": {s: f"data/{s}-*" for s in splits}})
    return files


def truthfulqa(mirror: Path) -> dict[str, bytes]:
    """truthfulqa/truthful_qa: configs generation and multiple_choice, split validation."""
    gen_rows = _csv(mirror / "truthfulqa/TruthfulQA.csv", ROWS)
    gen = [{"type": r["Type"], "category": r["Category"], "question": r["Question"], "best_answer": r["Best Answer"],
            "correct_answers": [a.strip() for a in r["Correct Answers"].split(";") if a.strip()],
            "incorrect_answers": [a.strip() for a in r["Incorrect Answers"].split(";") if a.strip()],
            "source": r["Source"]} for r in gen_rows]
    mc_all = {m["question"]: m for m in json.loads((mirror / "truthfulqa/mc_task.json").read_text(encoding="utf-8"))}

    def targets(d):
        return {"choices": list(d), "labels": [int(v) for v in d.values()]}

    mc = [{"question": q["question"], "mc1_targets": targets(mc_all[q["question"]]["mc1_targets"]),
           "mc2_targets": targets(mc_all[q["question"]]["mc2_targets"])} for q in gen if q["question"] in mc_all]
    return {"generation/validation-00000-of-00001.parquet": _parquet(gen),
            "multiple_choice/validation-00000-of-00001.parquet": _parquet(mc),
            "README.md": _readme({"generation": {"validation": "generation/validation-*"},
                                  "multiple_choice": {"validation": "multiple_choice/validation-*"}})}


def real_toxicity_prompts(mirror: Path) -> dict[str, bytes]:
    """allenai/real-toxicity-prompts: prompts.jsonl (the original records), one split: train."""
    half = ROWS // 2
    rows = _jsonl(mirror / "realtoxicityprompts/decodingtrust_toxic.jsonl", half) + \
        _jsonl(mirror / "realtoxicityprompts/decodingtrust_nontoxic.jsonl", half)
    return {"prompts.jsonl": "".join(json.dumps(r) + "\n" for r in rows).encode(),
            "README.md": _readme({"default": {"train": "prompts.jsonl"}})}


def mmlu_pro(mirror: Path) -> dict[str, bytes]:
    """TIGER-Lab/MMLU-Pro: data/test-*, data/validation-* (the mirror keeps the Hub schema)."""
    test = []
    seen: dict[str, int] = {}
    with open(mirror / "mmlu_pro/test.jsonl", encoding="utf-8") as fh:  # two questions per category
        for line in fh:
            r = json.loads(line)
            if seen.get(r["category"], 0) < 2:
                seen[r["category"]] = seen.get(r["category"], 0) + 1
                test.append(r)
    val = _jsonl(mirror / "mmlu_pro/validation.jsonl", 70)
    return {"data/test-00000-of-00001.parquet": _parquet(test),
            "data/validation-00000-of-00001.parquet": _parquet(val),
            "README.md": _readme({"default": {"test": "data/test-*", "validation": "data/validation-*"}})}


def hate_speech_offensive(mirror: Path) -> dict[str, bytes]:
    """tdavidson/hate_speech_offensive: count, hate_speech_count, offensive_language_count, neither_count, class, tweet."""
    rows = _csv(mirror / "toxicity_labeled/davidson_labeled_data.csv", 4 * ROWS)
    table = [{"count": int(r["count"]), "hate_speech_count": int(r["hate_speech"]),
              "offensive_language_count": int(r["offensive_language"]), "neither_count": int(r["neither"]),
              "class": int(r["class"]), "tweet": r["tweet"]} for r in rows]
    return {"data/train-00000-of-00001.parquet": _parquet(table),
            "README.md": _readme({"default": {"train": "data/train-*"}})}


def civil_comments(mirror: Path) -> dict[str, bytes]:
    """google/civil_comments: text + 7 rater-fraction floats; train/validation/test (Jigsaw rows, 0/1 labels)."""
    labels = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack", "sexual_explicit")
    src = {"toxicity": "toxic", "severe_toxicity": "severe_toxic", "obscene": "obscene", "threat": "threat",
           "insult": "insult", "identity_attack": "identity_hate", "sexual_explicit": None}

    def table(rows):
        return [{"text": r["comment_text"], **{k: float(r[src[k]]) if src[k] else 0.0 for k in labels}} for r in rows]

    train = _csv(mirror / "toxicity_labeled/jigsaw_fastbert_train_sample.csv", 4 * ROWS)
    val = _csv(mirror / "toxicity_labeled/jigsaw_fastbert_val_sample.csv", 4 * ROWS)
    test = _csv(mirror / "toxicity_labeled/jigsaw_fastbert_train_sample.csv", 2 * ROWS, offset=4 * ROWS)
    splits = {"train": table(train), "validation": table(val), "test": table(test)}
    files = {f"data/{s}-00000-of-00001.parquet": _parquet(t) for s, t in splits.items()}
    files["README.md"] = _readme({"default": {s: f"data/{s}-*" for s in splits}})
    return files


def wikipedia(mirror: Path) -> dict[str, bytes]:
    """wikimedia/wikipedia, config 20231101.en (one folder per language dump): id, url, title, text; split train.
    The mirror has no Wikipedia, so the "articles" are TL;DR posts: English text with the attribute words the
    debiasing corpus needs (bias-bench's role for Wikipedia)."""
    rows = _jsonl(mirror / "tldr/dove_tldr_test.jsonl", 4 * ROWS)
    table = [{"id": str(i + 1), "url": f"https://en.wikipedia.org/wiki?curid={i + 1}", "title": r["title"],
              "text": r["instruction"]} for i, r in enumerate(rows)]
    config = "20231101.en"
    return {f"{config}/train-00000-of-00001.parquet": _parquet(table),
            "README.md": _readme({config: {"train": f"{config}/train-*"}})}


BUILDERS = {"CarperAI/openai_summarize_tldr": tldr, "truthfulqa/truthful_qa": truthfulqa,
            "allenai/real-toxicity-prompts": real_toxicity_prompts, "TIGER-Lab/MMLU-Pro": mmlu_pro,
            "tdavidson/hate_speech_offensive": hate_speech_offensive, "google/civil_comments": civil_comments,
            "wikimedia/wikipedia": wikipedia}


def corpus_text(mirror: Path) -> str:
    """Text to train the stand-in tokenizers on: TL;DR posts, TruthfulQA, comments."""
    parts = [r["instruction"] + "\nTL;DR: " + r["gold_response"] for r in _jsonl(mirror / "tldr/dove_tldr_test.jsonl", 60)]
    parts += [r["Question"] + " " + r["Best Answer"] for r in _csv(mirror / "truthfulqa/TruthfulQA.csv", 200)]
    parts += [r["tweet"] for r in _csv(mirror / "toxicity_labeled/davidson_labeled_data.csv", 300)]
    # the TruthfulQA judge reads p(" yes") vs p(" no") after its cue: the real Llama vocabulary has both words
    parts += ["Q: Is it true?\nA: It is.\nHelpful: yes", "Q: Is it false?\nA: No.\nHelpful: no"] * 30
    return "\n".join(parts)
