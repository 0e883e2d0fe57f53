"""The `tiny` causal LM: a GPT-2-architecture model trained from scratch offline.

It stands in for gpt2-large where the Hub is out of reach. It sees the TL;DR
training posts in the same prompt format the evaluation uses, plus real
toxicity-labelled comments, so that like a real pretrained LM it has seen toxic
language and can produce it (otherwise every toxicity result would be
trivially zero). The TL;DR evaluation posts are never in its corpus.
"""
from __future__ import annotations

import math
import random
from pathlib import Path

import torch

from alignment_tax.prompts import tldr_prompt, tldr_target

EOS = "<|endoftext|>"


def build_corpus(tldr_rows: list[dict], comment_rows: list[dict], max_comments: int, seed: int) -> list[str]:
    docs = [tldr_prompt(r) + tldr_target(r["summary"], "") for r in tldr_rows]
    comments = [r["text"] for r in comment_rows]
    random.Random(seed).shuffle(comments)
    docs += comments[:max_comments]
    random.Random(seed + 1).shuffle(docs)
    return docs


def train_tokenizer(docs: list[str], vocab_size: int, max_length: int):
    """Byte-level BPE (GPT-2's scheme) trained on the corpus, wrapped for transformers."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(docs, vocab_size=vocab_size, min_frequency=2, special_tokens=[EOS], show_progress=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,  # the inner tokenizers.Tokenizer, as transformers expects
        bos_token=EOS, eos_token=EOS, unk_token=EOS, pad_token=EOS,
        model_max_length=max_length,
    )


def pack_blocks(tokenizer, docs: list[str], block_size: int) -> list[list[int]]:
    """Concatenate documents (EOS-separated) and cut into full blocks."""
    ids: list[int] = []
    for enc in tokenizer(docs, add_special_tokens=False)["input_ids"]:
        ids.extend(enc)
        ids.append(tokenizer.eos_token_id)
    n = len(ids) // block_size
    return [ids[i * block_size:(i + 1) * block_size] for i in range(n)]


def new_model(cfg, tokenizer):
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=cfg.n_positions, n_embd=cfg.n_embd,
        n_layer=cfg.n_layer, n_head=cfg.n_head,
        resid_pdrop=cfg.dropout, embd_pdrop=cfg.dropout, attn_pdrop=cfg.dropout,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config)


class BlockDataset(torch.utils.data.Dataset):
    def __init__(self, blocks: list[list[int]]):
        self.blocks = blocks

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, i: int) -> dict:
        ids = torch.tensor(self.blocks[i], dtype=torch.long)
        return {"input_ids": ids, "labels": ids.clone()}


@torch.no_grad()
def perplexity(model, blocks: list[list[int]], batch_size: int = 16) -> float:
    """exp of the token-weighted mean next-token loss over held-out blocks."""
    if not blocks:
        return float("nan")
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(blocks), batch_size):
        x = torch.tensor(blocks[i:i + batch_size], dtype=torch.long, device=model.device)
        loss = model(input_ids=x, labels=x).loss  # mean over the x.numel() - len(x) predicted tokens
        n = x.numel() - x.shape[0]
        total += loss.item() * n
        count += n
    return math.exp(total / count)


def split_heldout(docs: list[str], fraction: float) -> tuple[list[str], list[str]]:
    n_held = max(1, int(len(docs) * fraction))
    return docs[n_held:], docs[:n_held]


def save(model, tokenizer, out_dir: Path) -> None:
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
