"""Iterative Nullspace Projection (INLP, Ravfogel et al. 2020) with scikit-learn linear classifiers.

Each iteration trains a linear classifier to predict the protected attribute from
the (already projected) representations, then removes the directions it uses: the
data are projected onto the intersection of the nullspaces of all classifiers so
far. The final projection P guards the attribute: a new linear classifier on P x
does no better than predicting the majority class. Settings follow bias-bench
(debias/inlp/context_nullspace_projection.py): LinearSVC without intercept,
dual=False, random_state fixed, a 49/21/30 train/dev/test split, the
intersection-of-nullspaces formula of Ben-Israel for numerical stability.
With `early_stop` the loop ends as soon as the dev accuracy is within
`tolerance` of the majority-class rate (bias-bench always runs n_classifiers
iterations, which on a small hidden size can remove every dimension).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC


def rowspace_projection(W: np.ndarray) -> np.ndarray:
    """Orthogonal projection onto the row space of W ([k, d] -> [d, d])."""
    if np.allclose(W, 0):
        return np.zeros((W.shape[1], W.shape[1]))
    basis = scipy.linalg.orth(W.T)
    return basis @ basis.T


def nullspace_intersection(rowspace_projections: list[np.ndarray], dim: int) -> np.ndarray:
    """Projection onto N(w1) ∩ ... ∩ N(wn) = N(P_R(w1) + ... + P_R(wn)) (Ben-Israel 2013)."""
    if not rowspace_projections:
        return np.eye(dim)
    return np.eye(dim) - rowspace_projection(np.sum(rowspace_projections, axis=0))


def majority_rate(y: np.ndarray) -> float:
    return float(np.bincount(y).max() / len(y)) if len(y) else float("nan")


def classifier(seed: int) -> LinearSVC:
    return LinearSVC(fit_intercept=False, class_weight=None, dual=False, random_state=seed)


@dataclass
class INLPResult:
    projection: np.ndarray
    dev_accuracy: list[float] = field(default_factory=list)  # classifier i, on the data projected by P_{i-1}
    final_dev_accuracy: float = float("nan")  # a classifier on the data projected by the final P
    majority: float = float("nan")  # majority-class rate of the dev split
    guarded: bool = False  # final_dev_accuracy <= majority + tolerance
    directions_removed: int = 0


def removed(P: np.ndarray) -> int:
    return int(round(np.trace(np.eye(P.shape[0]) - P)))  # rank of I - P, P an orthogonal projection


def fit(X_train: np.ndarray, y_train: np.ndarray, X_dev: np.ndarray, y_dev: np.ndarray, *, n_classifiers: int,
        tolerance: float, early_stop: bool, seed: int) -> INLPResult:
    dim = X_train.shape[1]
    result = INLPResult(projection=np.eye(dim), majority=majority_rate(y_dev))
    projections: list[np.ndarray] = []
    Xt, Xd = X_train, X_dev
    stopped = False
    for _ in range(n_classifiers):
        clf = classifier(seed).fit(Xt, y_train)
        result.dev_accuracy.append(float(clf.score(Xd, y_dev)))
        if early_stop and result.dev_accuracy[-1] <= result.majority + tolerance:
            stopped = True  # P so far already guards the attribute: removing more only costs the LM
            break
        projections.append(rowspace_projection(np.atleast_2d(clf.coef_)))
        result.projection = nullspace_intersection(projections, dim)
        Xt, Xd = X_train @ result.projection, X_dev @ result.projection  # P symmetric: (P x^T)^T = x P
        if removed(result.projection) >= dim:
            break  # nothing left to remove
    result.final_dev_accuracy = (result.dev_accuracy[-1] if stopped
                                 else float(classifier(seed).fit(Xt, y_train).score(Xd, y_dev)))
    result.guarded = result.final_dev_accuracy <= result.majority + tolerance
    result.directions_removed = removed(result.projection)
    return result


def split(X: np.ndarray, y: np.ndarray, seed: int):
    """bias-bench's split: 30% test, then 30% of the rest dev (49/21/30), stratified here for small sets."""
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    X_train, X_dev, y_train, y_dev = train_test_split(X_rest, y_rest, test_size=0.3, random_state=seed,
                                                      stratify=y_rest)
    return X_train, X_dev, X_test, y_train, y_dev, y_test


def held_out_accuracy(P: np.ndarray, X_train, y_train, X_test, y_test, seed: int) -> float:
    """A fresh classifier, trained on projected train data, scored on the projected test split."""
    return float(classifier(seed).fit(X_train @ P, y_train).score(X_test @ P, y_test))
