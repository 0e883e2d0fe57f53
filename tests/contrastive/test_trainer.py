"""Collator, head and the paper loss on a real (tiny) GPT-2."""
import pytest
import torch

from alignment_tax.contrastive.collate import ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.trainer import HEAD_ATTR, ContrastiveTrainer, attach_head, detach_head, paper_loss
from tests.helpers import contrastive_row, tiny_model, tiny_tokenizer

LOSS_KW = dict(alpha=4.0, tau=1.0, toxic_weight=1.5, label_smoothing=0.1)


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def test_collator_masks_prompt_and_applies_caps(tok):
    rows = [contrastive_row(0), contrastive_row(1)]
    full = ContrastiveCollator(tok, 96, 48, None, None)(rows)
    capped = ContrastiveCollator(tok, 96, 48, 2, 1)(rows)
    assert full["cl_input_ids"].shape[0] == 8 and capped["cl_input_ids"].shape[0] == 6
    pairs = sorted(zip(capped["cl_group"].tolist(), capped["cl_is_positive"].tolist()))
    assert pairs == [(0, False), (0, True), (0, True), (1, False), (1, True), (1, True)]  # 2 positives, 1 negative each
    assert full["input_ids"].shape[1] <= 96
    labels, ids = full["labels"][0], full["input_ids"][0]
    target = labels[labels != -100]
    assert target[-1].item() == tok.eos_token_id  # the summary ends with EOS
    n_prompt = int((labels == -100).sum()) - int((full["attention_mask"][0] == 0).sum())
    assert torch.equal(ids[n_prompt:n_prompt + len(target)], target)
    assert full["cl_entity_mask"][0].sum() > 0  # "Gregory" span [0, 7) hits a token
    assert not bool(full["cl_toxic"]) and bool(ContrastiveCollator(tok, 64, 16, None, None)(
        [contrastive_row(0, toxic=True)])["cl_toxic"])


def test_toxic_negative_scales_only_the_contrastive_part(tok):
    model = tiny_model(tok).eval()  # no dropout: both passes must see the same network
    attach_head(model, 8)
    collate = ContrastiveCollator(tok, 64, 16, None, None)
    clean = collate([contrastive_row(0), contrastive_row(1)])
    toxic = dict(clean, cl_toxic=torch.tensor([True]))
    with torch.no_grad():
        _, p_clean = paper_loss(model, clean, **LOSS_KW)
        _, p_toxic = paper_loss(model, toxic, **LOSS_KW)
    assert p_toxic["ce"] == pytest.approx(p_clean["ce"])
    assert p_toxic["cl"] == pytest.approx(1.5 * p_clean["cl"], rel=1e-5)


def test_gradients_reach_base_model_and_head(tok):
    model = tiny_model(tok)
    head = attach_head(model, 8)
    batch = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(2)])
    loss, parts = paper_loss(model, batch, **LOSS_KW)
    assert torch.isfinite(loss) and parts["cl"] > 0
    loss.backward()
    assert head.fc1.weight.grad is not None and head.fc1.weight.grad.abs().sum() > 0
    assert model.transformer.h[0].attn.c_attn.weight.grad.abs().sum() > 0


def test_contrastive_term_changes_the_gradient(tok):
    """alpha enters the update: the LM gradient differs between alpha=0 and alpha=4."""
    batch = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(2)])
    grads = []
    for alpha in (0.0, 4.0):
        model = tiny_model(tok, seed=0).eval()
        torch.manual_seed(1)
        attach_head(model, 8)
        loss, _ = paper_loss(model, batch, **dict(LOSS_KW, alpha=alpha))
        loss.backward()
        grads.append(model.transformer.h[0].mlp.c_fc.weight.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


def test_head_roundtrip_and_unit_norm(tmp_path):
    head = ProjectionHead(16, 4)
    head.save(tmp_path)
    again = ProjectionHead.load(tmp_path)
    x = torch.randn(3, 5, 16)
    assert torch.allclose(head(x), again(x))
    assert torch.allclose(head(x).norm(dim=-1), torch.ones(3, 5), atol=1e-6)


def test_trainer_runs_logs_parts_and_detaches_head(tok, tmp_path):
    from alignment_tax.models.training import training_arguments

    model = tiny_model(tok)
    attach_head(model, 8)
    args = training_arguments(tmp_path / "ckpt", lr=1e-3, batch_size=2, grad_accum=1, max_steps=4, epochs=1,
                              warmup_steps=1, save_steps=100, seed=0, precision="fp32", logging_steps=2)
    trainer = ContrastiveTrainer(model=model, args=args, train_dataset=[contrastive_row(i) for i in range(6)],
                                 data_collator=ContrastiveCollator(tok, 64, 16, None, None), **LOSS_KW)
    trainer.train()
    logs = [e for e in trainer.state.log_history if "loss" in e]
    assert len(logs) == 2 and all("ce" in e and "cl" in e for e in logs)
    assert all(e["loss"] == pytest.approx(e["ce"] + 4.0 * e["cl"], rel=1e-3) for e in logs)
    detach_head(model)
    assert not hasattr(model, HEAD_ATTR)
    model.save_pretrained(tmp_path / "out")
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_chunked_contrast_view_equals_one_pass(tok):
    """Chunks cut to their own length give the representations of one padded pass."""
    from alignment_tax.contrastive.trainer import contrast_representations

    model = tiny_model(tok).eval()
    attach_head(model, 8)
    batch = ContrastiveCollator(tok, 64, 48, None, None)([contrastive_row(i) for i in range(3)])
    lengths = batch["cl_attention_mask"].sum(dim=1)
    assert torch.all(lengths[:-1] >= lengths[1:])  # sorted longest first
    with torch.no_grad():
        chunked = contrast_representations(model, batch, chunk=5)
        whole = contrast_representations(model, batch, chunk=len(lengths))
    assert torch.allclose(chunked, whole, atol=1e-5)
