"""Stage debias_project@<model>-<method>: INLP or SentenceDebias, a projection before the LM head.

Encodes attribute sentences from debias.corpus with models/base/<model> (mean final
hidden state), fits the projection (INLP: iterated linear classifiers; SentenceDebias:
PCA over counterfactual tuples) and writes models/<method>/<model> (the base
directory + projection.safetensors) and metrics/debias/<model>/<method>.json
(INLP: the attribute classifier's accuracy per iteration).
"""
import argparse
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.debias import artifact, cda, corpus, inlp, sentence_debias
from alignment_tax.debias.config import PROJECT
from alignment_tax.debias.inference import projection
from alignment_tax.debias.representations import mean_final_hidden
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models.loader import load_for, model_dir
from alignment_tax.pipeline.stage import begin


def fit_inlp(model, tok, sents, wordlist, s, cfg, seed):
    data = corpus.attribute_sentences(sents, wordlist, s.per_class, seed)
    if min(len(v) for v in data.values()) < 10:
        raise AlignmentTaxError(f"debias: fewer than 10 sentences per class for INLP "
                                f"({ {k: len(v) for k, v in data.items()} }); use more text (data rows, corpus)")
    X = np.concatenate([mean_final_hidden(model, tok, v, s.max_tokens, s.batch_size) for v in data.values()])
    y = np.concatenate([np.full(len(v), i) for i, v in enumerate(data.values())])
    X_train, X_dev, X_test, y_train, y_dev, y_test = inlp.split(X, y, seed)
    r = inlp.fit(X_train, y_train, X_dev, y_dev, n_classifiers=cfg.n_classifiers, tolerance=cfg.tolerance,
                 early_stop=cfg.early_stop, seed=seed)
    eye = np.eye(X.shape[1])
    metrics = {
        "classes": {k: len(v) for k, v in data.items()}, "train": len(y_train), "dev": len(y_dev),
        "test": len(y_test), "iterations": len(r.dev_accuracy), "dev_accuracy_per_iteration": r.dev_accuracy,
        "dev_majority_rate": r.majority, "final_dev_accuracy": r.final_dev_accuracy, "guarded": r.guarded,
        "directions_removed": r.directions_removed,
        "test_accuracy_before": inlp.held_out_accuracy(eye, X_train, y_train, X_test, y_test, seed),
        "test_accuracy_after": inlp.held_out_accuracy(r.projection, X_train, y_train, X_test, y_test, seed),
        "test_majority_rate": inlp.majority_rate(y_test),
    }
    return r.projection, {}, metrics


def fit_sentence_debias(model, tok, sents, wordlist, s, cfg, seed):
    tuples = corpus.counterfactual_tuples(sents, wordlist, cfg.max_tuples, seed, per=cfg.tuples)
    if len(tuples) < 2:
        raise AlignmentTaxError(f"debias: {len(tuples)} counterfactual tuples for SentenceDebias; use more text")
    k = len(wordlist.classes)
    flat = [t for tup in tuples for t in tup]
    enc = mean_final_hidden(model, tok, flat, s.max_tokens, s.batch_size).reshape(len(tuples), k, -1)
    V, ratio = sentence_debias.bias_subspace(enc, cfg.n_components, seed)
    P = sentence_debias.removal_projection(V)
    normed = enc / np.linalg.norm(enc, axis=-1, keepdims=True)
    diffs = (normed - normed.mean(axis=1, keepdims=True)).reshape(-1, enc.shape[-1])
    metrics = {"tuples": len(tuples), "explained_variance_ratio": ratio.tolist(),
               "mean_abs_projection_before": float(np.abs(diffs @ V.T).mean()),
               "mean_abs_projection_after": float(np.abs(diffs @ P @ V.T).mean())}
    return P, {"subspace": V}, metrics


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help=", ".join(PROJECT))
    a = ap.parse_args()
    if a.method not in PROJECT:
        raise AlignmentTaxError(f"debias_project: unknown method '{a.method}' (known: {', '.join(PROJECT)})")
    params = load_params()
    begin(params, model=a.model)
    zoo_entry(params, a.model)
    d, cfg = params.debias, params.debias[a.method]
    start = time.time()
    kind, attribute = a.method.rsplit("_", 1)
    wordlist = cda.load_wordlist(attribute)
    sents = corpus.sentences(corpus.documents(d.corpus, params.seed), d.attribute_sentences.min_words,
                             lowercase=d.attribute_sentences.lowercase)
    # the zoo entry's precision: representations are taken in the precision the projection is applied in
    # at evaluation (bf16 for smollm2_135m, 3-5x faster to encode on this CPU; fp32 for tiny)
    model, tok = load_for(params, a.model, "base")
    fit = fit_inlp if kind == "inlp" else fit_sentence_debias
    P, extra, metrics = fit(model, tok, sents, wordlist, d.attribute_sentences, cfg, params.seed)
    print(f"{a.method} {a.model}: {time.time() - start:.0f}s; {metrics}")
    info = {"method": a.method, "base": a.model, "attribute": attribute, "seed": params.seed,
            "runtime": projection.RUNTIME, **OmegaConf.to_container(cfg),
            "attribute_sentences": OmegaConf.to_container(d.attribute_sentences), "corpus": d.corpus.source}
    with atomic_dir(model_dir(a.model, a.method)) as tmp:
        artifact.copy_base(a.model, tmp)
        projection.save_projection(tmp, P, **extra)
        artifact.write_info(tmp, info)
    write_json(Path("metrics/debias") / a.model / f"{a.method}.json", {
        "model": a.model, "method": a.method, "attribute": attribute, "seed": params.seed,
        "corpus": d.corpus.source, "sentences": len(sents), **metrics})


if __name__ == "__main__":
    main()
