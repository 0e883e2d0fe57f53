"""Named-entity pooling against hand-computed spans."""
import torch
import torch.nn.functional as F

from alignment_tax.contrastive.pooling import entity_pool, entity_token_mask


def test_entity_token_mask_overlap_rules():
    # "Pro Wrestler Gregory Helms stole 30"; entity "Gregory Helms" = chars [13, 26)
    offsets = [(0, 3), (3, 12), (12, 20), (20, 26), (26, 32), (32, 35)]
    assert entity_token_mask(offsets, [(13, 26, "PERSON")]) == [0, 0, 1, 1, 0, 0]
    assert entity_token_mask(offsets, []) == [0] * 6
    assert entity_token_mask([(0, 0), (0, 3)], [(0, 3, "X")]) == [0, 1]  # empty-span tokens never count


def test_entity_pool_hand_computed():
    z = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]],   # entity tokens 1, 2; token 3 is padding
                      [[3.0, 0.0], [0.0, 4.0], [9.0, 9.0], [9.0, 9.0]]])  # no entity: mean of tokens 0, 1
    ent = torch.tensor([[0, 1, 1, 1], [0, 0, 0, 0]])
    att = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    r = entity_pool(z, ent, att)
    want0 = F.normalize(torch.tensor([0.5, 1.0]), dim=0)  # ([0,1] + [1,1]) / 2, padding excluded
    want1 = F.normalize(torch.tensor([1.5, 2.0]), dim=0)  # mean-pool fallback
    assert torch.allclose(r[0], want0) and torch.allclose(r[1], want1)
    assert torch.allclose(r.norm(dim=-1), torch.ones(2))


def test_entity_pool_never_divides_by_zero():
    z = torch.randn(2, 3, 4)
    r = entity_pool(z, torch.zeros(2, 3), torch.tensor([[1, 1, 1], [0, 0, 0]]))
    assert torch.isfinite(r).all()
