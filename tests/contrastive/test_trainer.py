"""Collator, head and the paper loss on a real (tiny) GPT-2; checkpoints and resume."""
import pytest
import torch
from transformers import TrainerCallback

from alignment_tax.contrastive.collate import ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.trainer import ContrastiveLM, ContrastiveTrainer, contrast_representations
from alignment_tax.models.training import train_with_resume, training_arguments
from tests.helpers import contrastive_row, tiny_model, tiny_tokenizer

LOSS_KW = dict(alpha=4.0, tau=1.0, toxic_weight=1.5, label_smoothing=0.1)


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def objective(tok, alpha=4.0, seed=0, eval_mode=True):
    lm = tiny_model(tok, seed=seed)
    torch.manual_seed(seed + 1)
    model = ContrastiveLM(lm, ProjectionHead(lm.config.hidden_size, 8) if alpha > 0 else None,
                          **dict(LOSS_KW, alpha=alpha))
    return model.eval() if eval_mode else model  # eval: no dropout, so two passes see one network


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
    assert full["cl_entity_mask"].sum() > 0  # "Gregory" span [0, 7) hits a token
    assert not bool(full["cl_toxic"]) and bool(ContrastiveCollator(tok, 64, 16, None, None)(
        [contrastive_row(0, toxic=True)])["cl_toxic"])


def test_toxic_batch_scales_only_the_contrastive_part(tok):
    model = objective(tok)
    clean = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(1)])
    toxic = dict(clean, cl_toxic=torch.tensor([True]))
    with torch.no_grad():
        _, p_clean = model(**clean)
        _, p_toxic = model(**toxic)
    assert p_toxic["ce"] == pytest.approx(p_clean["ce"])
    assert p_toxic["cl"] == pytest.approx(1.5 * p_clean["cl"], rel=1e-5)


def test_gradients_reach_base_model_and_head(tok):
    model = objective(tok)
    batch = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(2)])
    loss, parts = model(**batch)
    assert torch.isfinite(loss) and parts["cl"] > 0
    loss.backward()
    assert model.head.fc1.weight.grad.abs().sum() > 0
    assert model.lm.transformer.h[0].attn.c_attn.weight.grad.abs().sum() > 0


def test_contrastive_term_changes_the_gradient(tok):
    """alpha enters the update: the LM gradient differs between alpha=0 and alpha=4."""
    batch = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(0), contrastive_row(2)])
    grads = []
    for alpha in (0.0, 4.0):
        model = objective(tok, alpha=alpha)
        loss, _ = model(**batch)
        loss.backward()
        grads.append(model.lm.transformer.h[0].mlp.c_fc.weight.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


def test_chunked_contrast_view_equals_one_pass(tok):
    """Chunks cut to their own length give the representations of one padded pass."""
    model = objective(tok)
    batch = ContrastiveCollator(tok, 64, 48, None, None)([contrastive_row(i) for i in range(3)])
    lengths = batch["cl_attention_mask"].sum(dim=1)
    assert torch.all(lengths[:-1] >= lengths[1:])  # sorted longest first
    with torch.no_grad():
        chunked = contrast_representations(model.lm, model.head, batch, chunk=5)
        whole = contrast_representations(model.lm, model.head, batch, chunk=len(lengths))
    assert torch.allclose(chunked, whole, atol=1e-5)


def test_head_roundtrip_and_unit_norm(tmp_path):
    head = ProjectionHead(16, 4)
    head.save(tmp_path)
    again = ProjectionHead.load(tmp_path)
    x = torch.randn(3, 5, 16)
    assert torch.allclose(head(x), again(x))
    assert torch.allclose(head(x).norm(dim=-1), torch.ones(3, 5), atol=1e-6)


def make_trainer(tok, out, max_steps, save_steps=100):
    model = objective(tok, eval_mode=False)
    args = training_arguments(out, lr=1e-3, batch_size=2, grad_accum=1, max_steps=max_steps, epochs=1,
                              warmup_steps=1, save_steps=save_steps, seed=0, precision="fp32", logging_steps=2)
    return ContrastiveTrainer(model=model, args=args, train_dataset=[contrastive_row(i) for i in range(8)],
                              data_collator=ContrastiveCollator(tok, 64, 16, None, None)), model


def test_trainer_logs_parts_and_saves_loadable_lm(tok, tmp_path):
    from transformers import AutoModelForCausalLM

    trainer, model = make_trainer(tok, tmp_path / "ckpt", 4)
    trainer.train()
    logs = [e for e in trainer.state.log_history if "loss" in e]
    assert len(logs) == 2 and all("ce" in e and "cl" in e for e in logs)
    assert all(e["loss"] == pytest.approx(e["ce"] + 4.0 * e["cl"], rel=1e-3) for e in logs)
    model.save(tmp_path / "out")
    again = AutoModelForCausalLM.from_pretrained(tmp_path / "out", use_safetensors=True)
    assert torch.equal(again.transformer.wte.weight, model.lm.transformer.wte.weight)
    assert (tmp_path / "out" / "contrastive_head.safetensors").is_file()


class StopAfter(TrainerCallback):
    """Ends training after `step`, as a kill right after that step's checkpoint would."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            control.should_save, control.should_training_stop = True, True


def test_resume_from_checkpoint_matches_an_uninterrupted_run(tok, tmp_path):
    straight, m_straight = make_trainer(tok, tmp_path / "a", 4)
    straight.train()
    first, _ = make_trainer(tok, tmp_path / "b", 4, save_steps=100)  # same 4-step schedule, stopped at 2
    first.add_callback(StopAfter(2))
    first.train()
    assert (tmp_path / "b" / "checkpoint-2" / "contrastive_head.safetensors").is_file()
    resumed, m_resumed = make_trainer(tok, tmp_path / "b", 4)
    _, steps_run = train_with_resume(resumed, tmp_path / "b")
    assert steps_run == 2
    for a, b in zip(m_straight.state_dict().values(), m_resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)


def test_checkpoint_load_reads_sharded_weights(tok, tmp_path):
    """Resume must work for models save_pretrained splits into shards (phi-2, Llama-2-7B)."""
    src = objective(tok, seed=0)
    src.lm.save_pretrained(tmp_path, max_shard_size="100KB")
    src.head.save(tmp_path)
    assert len(list(tmp_path.glob("model-*.safetensors"))) > 1
    dst = objective(tok, seed=7)
    dst.load(tmp_path)
    for a, b in zip(src.state_dict().values(), dst.state_dict().values()):
        assert torch.equal(a, b)
    assert dst.lm.lm_head.weight.data_ptr() == dst.lm.transformer.wte.weight.data_ptr()  # still tied
