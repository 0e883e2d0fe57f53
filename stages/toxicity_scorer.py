"""Stage toxicity_scorer: train TfidfLogReg, compare it with alt-profanity-check on held-out data.

Inputs: data/prepared/comments/{train,heldout}.jsonl ({"id", "text", "toxic": 0|1, "source"}).
Outputs: models/scorers/toxicity/ (TfidfLogReg artifacts + choice.json), metrics/scorers/toxicity.json.
The scorer with the higher held-out ROC-AUC is chosen (ties go to tfidf_logreg).
Caveat: alt-profanity-check was trained on Davidson et al. + Jigsaw-Kaggle (Wikipedia talk
comments); the held-out wiki_toxicity_nonfuzzed set comes from Wikipedia talk pages too and
may share its source, which favours profanity-check if anything.
"""
from __future__ import annotations

import time

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, read_jsonl, write_json
from alignment_tax.scorers.toxicity import CHOICE_FILE, DEFAULT_ARTIFACT_DIR, ProfanityCheck, train_tfidf_logreg
from alignment_tax.pipeline.stage import begin

TRAIN, HELDOUT = "data/prepared/comments/train.jsonl", "data/prepared/comments/heldout.jsonl"
METRICS = "metrics/scorers/toxicity.json"


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
    scorers = [train_tfidf_logreg(train_x, train_y, tcfg, seed=cfg.seed), ProfanityCheck()]
    auc, prec, rec = {}, {}, {}
    for s in scorers:
        p = s.score(held_x)
        pred = (p >= tcfg.threshold).astype(int)
        auc[s.name] = float(roc_auc_score(held_y, p))
        prec[s.name] = float(precision_score(held_y, pred, zero_division=0))
        rec[s.name] = float(recall_score(held_y, pred, zero_division=0))
    chosen = max(auc, key=lambda n: (auc[n], n == "tfidf_logreg"))
    choice = {"chosen": chosen, "auc": auc, "heldout": "wiki_toxicity_nonfuzzed", "n_heldout": len(held_y)}
    with atomic_dir(DEFAULT_ARTIFACT_DIR) as tmp:
        scorers[0].save(tmp)
        write_json(tmp / CHOICE_FILE, choice)
    write_json(METRICS, {
        "auc": auc, "chosen": chosen, "threshold": tcfg.threshold,
        "precision": prec, "recall": rec,  # at `threshold`
        "n_train": len(train_y), "n_heldout": len(held_y),
        "n_heldout_toxic": int(sum(held_y)),
    })
    print(f"toxicity scorer: chosen {chosen}; AUC " + ", ".join(f"{k} {v:.4f}" for k, v in auc.items())
          + f"; {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
