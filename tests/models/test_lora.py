"""LoRA on the contrastive objective: adapters train, checkpoints resume, the merged model is ordinary."""
import pytest
import torch
from omegaconf import OmegaConf

from alignment_tax.config import LoraEntry
from alignment_tax.contrastive.collate import ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.trainer import ContrastiveLM, ContrastiveTrainer
from alignment_tax.models.loader import load_causal_lm
from alignment_tax.models.lora import apply_lora, is_lora, merged
from alignment_tax.models.training import train_with_resume, training_arguments
from tests.contrastive.test_trainer import LOSS_KW, StopAfter
from tests.helpers import contrastive_row, tiny_model, tiny_tokenizer

LORA = OmegaConf.structured(LoraEntry(enabled=True, r=4, lora_alpha=8, dropout=0.0))  # GPT-2 default: c_attn


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def lora_objective(tok, seed=0):
    lm = apply_lora(tiny_model(tok, seed=seed), LORA)
    torch.manual_seed(seed + 1)
    return ContrastiveLM(lm, ProjectionHead(lm.config.hidden_size, 8), **LOSS_KW)


def batch(tok):
    return ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(2)])


def test_only_adapters_and_head_train(tok):
    model = lora_objective(tok)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    loss, parts = model(**batch(tok))
    assert parts["cl"] > 0  # the contrast view runs through the LoRA-wrapped body
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for n, p in model.named_parameters() if "lora_B" in n)
    assert all(p.grad is None for n, p in model.named_parameters() if not p.requires_grad)


def make_trainer(tok, out, save_steps=100):
    model = lora_objective(tok)
    args = training_arguments(out, lr=1e-2, batch_size=2, grad_accum=1, max_steps=4, epochs=1, warmup_steps=1,
                              save_steps=save_steps, seed=0, precision="fp32", logging_steps=2)
    return ContrastiveTrainer(model=model, args=args, train_dataset=[contrastive_row(i) for i in range(8)],
                              data_collator=ContrastiveCollator(tok, 64, 16, None, None)), model


def test_adapter_checkpoint_resumes_to_the_uninterrupted_run(tok, tmp_path):
    straight, m_straight = make_trainer(tok, tmp_path / "a")
    straight.train()
    first, _ = make_trainer(tok, tmp_path / "b")
    first.add_callback(StopAfter(2))
    first.train()
    saved = {p.name for p in (tmp_path / "b" / "checkpoint-2").iterdir()}
    assert "adapter_model.safetensors" in saved and "model.safetensors" not in saved  # adapters only
    resumed, m_resumed = make_trainer(tok, tmp_path / "b")
    _, steps_run = train_with_resume(resumed, tmp_path / "b")
    assert steps_run == 2
    for (name, a), b in zip(m_straight.state_dict().items(), m_resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_merged_model_is_an_ordinary_checkpoint(tok, tmp_path):
    trainer, model = make_trainer(tok, tmp_path / "ckpt")
    trainer.train()
    ids = batch(tok)["input_ids"]
    model.eval()
    with torch.no_grad():
        wrapped = model.lm(input_ids=ids).logits
        plain = merged(model.lm)
        assert not is_lora(plain)
        assert torch.allclose(plain(input_ids=ids).logits, wrapped, atol=1e-4)
    plain.save_pretrained(tmp_path / "out")
    tok.save_pretrained(tmp_path / "out")
    again, _ = load_causal_lm(tmp_path / "out")
    with torch.no_grad():
        assert torch.allclose(again(input_ids=ids).logits, wrapped, atol=1e-4)


@pytest.mark.parametrize("arch", ["llama", "phi"])
def test_paper_lora_targets_exist_on_llama_and_phi(tok, arch):
    """params.yaml's llama2_7b LoRA targets (q/k/v/o_proj) wrap real modules, and the objective trains them."""
    from tests.helpers import tiny_causal_lm

    cfg = OmegaConf.structured(LoraEntry(enabled=True, r=4, lora_alpha=8, dropout=0.0,
                                         target_modules=["q_proj", "k_proj", "v_proj", "o_proj" if arch == "llama"
                                                         else "dense"]))
    lm = apply_lora(tiny_causal_lm(arch, tok), cfg)
    wrapped = {n.split(".")[-4] for n, _ in lm.named_parameters() if "lora_A" in n}  # ...q_proj.lora_A.default.weight
    assert wrapped == set(cfg.target_modules)
    model = ContrastiveLM(lm, ProjectionHead(lm.config.hidden_size, 8), **LOSS_KW)
    loss, parts = model(**batch(tok))
    loss.backward()
    assert parts["cl"] > 0 and torch.isfinite(loss)
    # B starts at zero (so A's first gradient is zero): B's gradient shows the loss reaches every adapter
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for n, p in model.named_parameters() if "lora_B" in n)
