"""SentenceDebias: PCA finds the planted bias direction; debiased states have ~0 projection on it."""
import numpy as np
import torch

from alignment_tax.debias import sentence_debias
from alignment_tax.debias.inference.projection import attach


def planted_tuples(n=200, d=16, seed=0):
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    base = rng.normal(size=(n, 1, d)) * 3
    offsets = np.array([1.0, -1.0])[None, :, None] * direction  # the two classes differ along `direction`
    return base + offsets + 0.05 * rng.normal(size=(n, 2, d)), direction


def test_pca_recovers_the_bias_direction_and_projection_removes_it():
    enc, direction = planted_tuples()
    V, ratio = sentence_debias.bias_subspace(enc, n_components=1)
    assert V.shape == (1, 16) and abs(float(V[0] @ direction)) > 0.9 and ratio[0] > 0.5
    P = sentence_debias.removal_projection(V)
    assert np.allclose(P @ P, P) and np.allclose(P, P.T)
    x = enc.reshape(-1, 16)
    assert np.abs(x @ V.T).max() > 0.1
    assert np.abs(x @ P @ V.T).max() < 1e-9


def test_the_hook_removes_the_subspace_from_the_lm_heads_input(tok, model):
    V = np.linalg.qr(np.random.default_rng(0).normal(size=(32, 2)))[0].T  # two orthonormal directions
    handle = attach(model, torch.tensor(sentence_debias.removal_projection(V), dtype=torch.float32))
    seen = []
    model.get_output_embeddings().register_forward_pre_hook(lambda m, a: seen.append(a[0]))  # runs after ours
    ids = torch.tensor([tok("My landlord kept the deposit")["input_ids"]])
    with torch.no_grad():
        model(input_ids=ids)
    h = seen[-1].reshape(-1, 32).double().numpy()
    assert np.abs(h).max() > 0.1 and np.abs(h @ V.T).max() < 1e-5
    handle.remove()


def test_representations_are_per_text_means_in_the_callers_order(tok, model):
    from alignment_tax.debias.representations import mean_final_hidden

    texts = ["My landlord in Boston kept the deposit and never answered", "short one", "You are a stupid idiot."]
    X = mean_final_hidden(model, tok, texts, max_tokens=32, batch_size=2)
    for i, text in enumerate(texts):
        ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            h = model(input_ids=ids, output_hidden_states=True).hidden_states[-1][0].mean(0).numpy()
        assert np.allclose(X[i], h, atol=1e-5)
