"""SentenceDebias (Liang et al. 2020): remove a bias subspace found by PCA.

Following bias-bench (debias/sentence_debias.py): each counterfactual tuple (one
sentence with its attribute word set to every class) is encoded, each encoding is
L2-normalised, the tuple's mean is subtracted, and PCA over all these differences
gives the bias subspace V (bias-bench keeps the first component). Debiasing removes
the component of a hidden state h in V: h - V^T V h, i.e. the projection
P = I - V^T V, applied before the LM head like INLP's.
"""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def bias_subspace(encodings: np.ndarray, n_components: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """encodings [n_tuples, n_classes, d] -> (V [n_components, d] orthonormal rows, explained variance ratio)."""
    x = encodings / np.linalg.norm(encodings, axis=-1, keepdims=True).clip(min=1e-12)
    x = x - x.mean(axis=1, keepdims=True)
    pca = PCA(n_components=n_components, random_state=seed).fit(x.reshape(-1, x.shape[-1]))
    return pca.components_, pca.explained_variance_ratio_


def removal_projection(V: np.ndarray) -> np.ndarray:
    """P = I - V^T V: the orthogonal projection onto the complement of span(V)."""
    return np.eye(V.shape[1]) - V.T @ V
