"""The paper's loss against a naive per-pair computation, and its edge cases."""
import math

import pytest
import torch
import torch.nn.functional as F

from alignment_tax.contrastive.loss import contrastive_loss, info_nce, label_smoothed_ce, toxic_weight


def naive_info_nce(r, group, is_pos, tau):
    """Eq. 8-9 written out pair by pair, in float64."""
    r = r.double()
    n = len(r)
    terms = []
    for i in range(n):
        for j in range(n):
            if i != j and group[i] == group[j] and is_pos[i] and is_pos[j]:
                num = math.exp(float(r[i] @ r[j]) / tau)
                den = sum(math.exp(float(r[i] @ r[k]) / tau) for k in range(n) if k != i)
                terms.append(-math.log(num / den))
    return sum(terms) / len(terms) if terms else 0.0


def random_batch(seed, n=9, d=8):
    g = torch.Generator().manual_seed(seed)
    r = F.normalize(torch.randn(n, d, generator=g), dim=-1)
    group = torch.tensor([0, 0, 0, 0, 1, 1, 1, 2, 2][:n])
    is_pos = torch.tensor([1, 1, 0, 0, 1, 1, 0, 1, 0][:n], dtype=torch.bool)
    return r, group, is_pos


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_info_nce_matches_naive_reference(seed, tau):
    r, group, is_pos = random_batch(seed)
    got = info_nce(r, group, is_pos, tau).item()
    assert got == pytest.approx(naive_info_nce(r, group, is_pos, tau), rel=1e-5, abs=1e-6)


def test_info_nce_invariant_to_batch_order():
    r, group, is_pos = random_batch(3)
    perm = torch.randperm(len(r), generator=torch.Generator().manual_seed(7))
    a = info_nce(r, group, is_pos, 0.7)
    b = info_nce(r[perm], group[perm], is_pos[perm], 0.7)
    assert a.item() == pytest.approx(b.item(), rel=1e-6)


def test_no_positive_pair_gives_zero_with_gradient_path():
    r = F.normalize(torch.randn(4, 8), dim=-1).requires_grad_(True)
    group = torch.tensor([0, 1, 2, 3])
    is_pos = torch.tensor([True, True, True, False])  # one positive per source: no pair
    loss = info_nce(r, group, is_pos, 1.0)
    assert loss.item() == 0.0 and torch.isfinite(loss)
    loss.backward()
    assert torch.all(r.grad == 0)


def test_toxic_weight_only_when_batch_is_toxic():
    r, group, is_pos = random_batch(4)
    clean = contrastive_loss(r, group, is_pos, False, 1.0, 1.5)
    toxic = contrastive_loss(r, group, is_pos, True, 1.0, 1.5)
    assert toxic.item() == pytest.approx(1.5 * clean.item())
    assert clean.item() == pytest.approx(info_nce(r, group, is_pos, 1.0).item())
    assert toxic_weight(False, 1.5) == 1.0 and toxic_weight(True, 1.5) == 1.5


def test_positives_closer_means_lower_loss():
    anchor = torch.tensor([1.0, 0, 0, 0])
    near = F.normalize(torch.tensor([0.9, 0.1, 0, 0]), dim=0)
    far = torch.tensor([0, 1.0, 0, 0])
    neg = torch.tensor([0, 0, 1.0, 0])
    group, is_pos = torch.tensor([0, 0, 0]), torch.tensor([True, True, False])
    good = info_nce(torch.stack([anchor, near, neg]), group, is_pos, 0.5)
    bad = info_nce(torch.stack([anchor, far, neg]), group, is_pos, 0.5)
    assert good < bad


def test_label_smoothed_ce_matches_manual_and_ignores_masked_tokens():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 11)
    labels = torch.randint(0, 11, (2, 5))
    labels[0, :3] = -100  # prompt tokens
    eps = 0.1
    got = label_smoothed_ce(logits, labels, eps)
    # manual: predict labels[:, t+1] from logits[:, t]; smoothed target = (1-eps) one-hot + eps/V
    terms = []
    for b in range(2):
        for t in range(4):
            y = labels[b, t + 1].item()
            if y == -100:
                continue
            logp = torch.log_softmax(logits[b, t], dim=-1)
            terms.append(-(1 - eps) * logp[y] - eps * logp.mean())
    assert got.item() == pytest.approx(torch.stack(terms).mean().item(), rel=1e-5)
