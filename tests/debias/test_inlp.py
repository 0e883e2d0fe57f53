"""INLP: the projection guards the attribute (classifier accuracy falls to the majority-class rate)."""
import numpy as np
import pytest

from alignment_tax.debias import inlp
from alignment_tax.debias.cda import load_wordlist
from alignment_tax.debias.corpus import attribute_sentences
from alignment_tax.debias.representations import mean_final_hidden


def planted(n_per_class=300, d=24, classes=3, seed=0):
    """Gaussian data whose class is encoded along a few random directions."""
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(classes, d)) * 2.0
    X = np.concatenate([rng.normal(size=(n_per_class, d)) + means[c] for c in range(classes)])
    y = np.repeat(np.arange(classes), n_per_class)
    return X, y


def test_projection_algebra():
    rng = np.random.default_rng(1)
    W1, W2 = rng.normal(size=(2, 10)), rng.normal(size=(1, 10))
    P = inlp.nullspace_intersection([inlp.rowspace_projection(W1), inlp.rowspace_projection(W2)], 10)
    assert np.allclose(P @ P, P) and np.allclose(P, P.T)  # an orthogonal projection
    assert np.allclose(W1 @ P, 0) and np.allclose(W2 @ P, 0)  # onto the classifiers' common nullspace
    assert inlp.removed(P) == 3


@pytest.mark.parametrize("classes", [2, 3])
def test_inlp_falls_to_the_majority_rate_within_two_points(classes):
    X, y = planted(classes=classes)
    X_train, X_dev, X_test, y_train, y_dev, y_test = inlp.split(X, y, seed=0)
    r = inlp.fit(X_train, y_train, X_dev, y_dev, n_classifiers=40, tolerance=0.02, early_stop=True, seed=0)
    assert r.dev_accuracy[0] > 0.9  # the attribute was linearly decodable
    assert r.guarded and r.final_dev_accuracy <= r.majority + 0.02
    assert r.dev_accuracy[-1] == r.final_dev_accuracy and len(r.dev_accuracy) >= 2
    assert 0 < r.directions_removed < X.shape[1]
    # held-out data: a fresh classifier loses most of what it could decode before
    before = inlp.held_out_accuracy(np.eye(X.shape[1]), X_train, y_train, X_test, y_test, 0)
    after = inlp.held_out_accuracy(r.projection, X_train, y_train, X_test, y_test, 0)
    assert before > 0.9 and after < inlp.majority_rate(y_test) + 0.15


def test_without_early_stop_runs_every_iteration_and_stays_guarded():
    X, y = planted(classes=2, d=12)
    X_train, X_dev, _, y_train, y_dev, _ = inlp.split(X, y, seed=0)
    r = inlp.fit(X_train, y_train, X_dev, y_dev, n_classifiers=5, tolerance=0.02, early_stop=False, seed=0)
    assert len(r.dev_accuracy) == 5 and r.directions_removed == 5 and r.guarded


def test_inlp_on_a_tiny_models_hidden_states(tok, model):
    sents = [f"{w} went to the market with a friend to buy {x} apples today"
             for w in ("He", "She", "The farmer", "He", "She", "My cousin") for x in range(40)]
    data = attribute_sentences(sents, load_wordlist("gender"), per_class=60, seed=0)
    assert sorted(data) == ["female", "male", "neutral"] and all(len(v) == 60 for v in data.values())
    assert all(s.split()[0] == "He" for s in data["male"]) and all(s.split()[0] == "She" for s in data["female"])
    X = np.concatenate([mean_final_hidden(model, tok, v, max_tokens=32) for v in data.values()])
    y = np.repeat(np.arange(3), 60)
    X_train, X_dev, _, y_train, y_dev, _ = inlp.split(X, y, seed=0)
    r = inlp.fit(X_train, y_train, X_dev, y_dev, n_classifiers=30, tolerance=0.02, early_stop=True, seed=0)
    assert r.dev_accuracy[0] > 0.8 and r.guarded
