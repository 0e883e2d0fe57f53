"""Mask regeneration (negatives; Sec. 4.2, Table 10): mask entity words, fill them, regenerate.

1. Mask: ceil(mask_ratio x words) words of the summary (at least one), named-entity
   words first (the paper targets entities), then other non-stop words, in a
   seeded order. A word is a run of letters/digits (apostrophes inside).
2. Fill, one replacement word per masked word -- a content word (not a spaCy stop
   word), never the original -- drawn from the top_k candidates at `temperature`:
   * `fill_model: <Hub id>` (paper: FacebookAI/roberta-large): a masked LM, every
     mask of a text filled in one forward pass;
   * `fill_model: tiny` (offline stand-in, `CausalFiller`): the pipeline's causal LM
     proposes next words from the left context; each of the top_k is then
     rescored by the LM's log-likelihood of the filled text -- the whole left
     context, the fill and the next 16 tokens (computed from the mask on: the left
     context's own share is the same for every option) -- so the right context
     counts as it does for a masked LM; one is sampled from
     softmax(log-likelihood / temperature). Masks are filled left to right.
3. Regenerate: `regen_model: <Hub id>` (paper: google/flan-t5-large) rewrites the
   filled text from `regen_prompt` (greedy, max_new_tokens); `none` (offline
   default) keeps the filled text as the negative.
One negative per source; it must pass the common text rules (never the reference).

`mode: authors` is the authors' released code instead (src/contrastive_learning/src/data/
augmentation/mask_regen.py, MaskRegenerator.regenerate_entities / regenerate_relations): one
span chosen at random among the summary's entity spans and the verbs that entity tokens hang
from (spaCy heads with pos VERB) is replaced by " <mask> "; no fill model; the seq2seq model
(FLAN-T5) completes it from `regen_prompt` (authors: "complete masked text: {post} => {text}"),
SAMPLED (regen_do_sample, T regen_temperature 0.7, top-p 0.9, top-k 50, repetition penalty 1.2),
`regen_samples` (authors: 3) negatives per source. `regen_prompt` may use {post} in either mode.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Iterator, Sequence

import torch
from spacy.lang.en.stop_words import STOP_WORDS
from tqdm.auto import tqdm

from alignment_tax.augment.common import check_text
from alignment_tax.data.common import norm_key
from alignment_tax.lm.generate import left_pad, position_ids

WORD = re.compile(r"\w+(?:['’]\w+)*")
PROPOSALS = 200  # next-token candidates looked at before the top_k usable words are found
RIGHT_CONTEXT = 16  # tokens after a fill that its rescoring reads (a word's fit is decided nearby)


def mask_plan(text: str, spans: Sequence[tuple[int, int, str]], ratio: float, rng: random.Random,
              stop_words=STOP_WORDS) -> list[tuple[int, int]]:
    """Character spans of the words to mask, left to right."""
    words = [m.span() for m in WORD.finditer(text)]
    if not words:
        return []
    budget = max(1, math.ceil(ratio * len(words)))
    in_entity = [w for w in words if any(w[0] < b and a < w[1] for a, b, _ in spans)]
    others = [w for w in words if w not in in_entity and text[w[0]:w[1]].lower() not in stop_words]
    rng.shuffle(in_entity)
    rng.shuffle(others)
    return sorted((in_entity + others)[:budget])


def _is_fill(piece: str, original: str) -> bool:
    """A usable replacement: one word (a digit or 2+ characters), not a stop word (a content word for a
    content word), not the original."""
    word = piece.strip()
    return (WORD.fullmatch(word) is not None and word.lower() not in STOP_WORDS
            and (len(word) > 1 or word.isdigit()) and norm_key(word) != norm_key(original))


def _sample(scores: torch.Tensor, temperature: float, gen: torch.Generator) -> int:
    probs = torch.softmax(scores.float() / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=gen))


class CausalFiller:
    """The offline stand-in for the masked LM (see the module docstring)."""

    def __init__(self, model, tok, top_k: int, temperature: float, gen: torch.Generator):
        self.model, self.tok, self.top_k, self.temperature, self.gen = model, tok, top_k, temperature, gen

    @torch.no_grad()
    def prefix(self, contexts: list[str]):
        """(next-token logits, KV cache, attention mask) of each left context, left-padded after a BOS."""
        from transformers import DynamicCache

        bos = [self.tok.eos_token_id]
        ids, mask = left_pad([bos + self.tok(c, add_special_tokens=False)["input_ids"] for c in contexts],
                             self.tok.pad_token_id)
        ids, mask = ids.to(self.model.device), mask.to(self.model.device)
        pos = position_ids(mask)
        cache = DynamicCache(config=self.model.config)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True,
                         logits_to_keep=1)
        return out.logits[:, -1], cache, mask

    @torch.no_grad()
    def suffix_loglik(self, prefix, rows: list[int], suffixes: list[str],
                      caps: list[int] | None = None) -> torch.Tensor:
        """log P(suffix | the left context of `rows[k]`) for each suffix, reusing the contexts' cache.

        The options of one mask share their left context, whose own likelihood is the
        same for all of them: the suffix (fill + right context) is all that differs.
        `caps[k]`: score only the first caps[k] tokens of suffix k.
        """
        last, cache, mask = prefix
        seqs = [self.tok(s, add_special_tokens=False)["input_ids"] for s in suffixes]
        seqs = [s[:c] for s, c in zip(seqs, caps)] if caps else seqs
        width = max(len(s) for s in seqs)
        dev = self.model.device
        ids = torch.tensor([s + [self.tok.pad_token_id] * (width - len(s)) for s in seqs], device=dev)
        smask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=dev)
        idx = torch.tensor(rows, device=dev)
        cache.batch_select_indices(idx)  # in place: one cache row per option
        pos = mask[idx].sum(-1, keepdim=True) - 1 + torch.arange(1, width + 1, device=dev)
        logits = self.model(input_ids=ids, attention_mask=torch.cat([mask[idx], smask], -1), position_ids=pos,
                            past_key_values=cache, use_cache=True).logits
        logits = torch.cat([last[idx][:, None], logits[:, :-1]], dim=1)  # the logits that predict each suffix token
        logp = torch.log_softmax(logits.float(), -1).gather(-1, ids[..., None])[..., 0]
        return (logp * smask).sum(-1).cpu()

    def _proposals(self, logits: torch.Tensor, original: str, spaced: bool) -> list[str]:
        out = []
        for t in torch.topk(logits, min(PROPOSALS, logits.shape[-1])).indices.tolist():
            piece = self.tok.decode([t])
            word = piece.strip()
            if _is_fill(piece, original) and piece.startswith(" ") == spaced and word not in out:
                out.append(word)
            if len(out) == self.top_k:
                break
        return out

    def fill(self, texts: list[str], plans: list[list[tuple[int, int]]]) -> list[tuple[str, list[list[str]]]]:
        cur, fills, shift = list(texts), [[] for _ in texts], [0] * len(texts)
        for r in range(max((len(p) for p in plans), default=0)):
            todo = [i for i, p in enumerate(plans) if len(p) > r]
            spans = {i: (plans[i][r][0] + shift[i], plans[i][r][1] + shift[i]) for i in todo}
            prefix = self.prefix([cur[i][:spans[i][0]].rstrip() for i in todo])
            words = {}
            for row, i in enumerate(todo):
                a, b = spans[i]
                words[i] = self._proposals(prefix[0][row], cur[i][a:b], a > 0 and cur[i][a - 1].isspace())
            # one batched rescoring of every option of this round, each scored from its mask on
            options, rows, suffixes, caps = [], [], [], []
            for row, i in enumerate(todo):
                a, b = spans[i]
                cut = len(cur[i][:a].rstrip())
                for w in words[i]:
                    options.append(cur[i][:a] + w + cur[i][b:])
                    rows.append(row)
                    suffixes.append(options[-1][cut:])
                    caps.append(len(self.tok(cur[i][cut:a] + w, add_special_tokens=False)["input_ids"]) + RIGHT_CONTEXT)
            scores = self.suffix_loglik(prefix, rows, suffixes, caps) if options else torch.zeros(0)
            k = 0
            for i in todo:
                n = len(words[i])
                if n:
                    pick = _sample(scores[k:k + n], self.temperature, self.gen)
                    a, b = spans[i]
                    fills[i].append([cur[i][a:b], words[i][pick]])
                    shift[i] += len(words[i][pick]) - (b - a)
                    cur[i] = options[k + pick]
                k += n
        return list(zip(cur, fills))


class MaskedLMFiller:
    """A Hub masked LM (paper: RoBERTa-large): all masks of a text filled in one pass."""

    def __init__(self, model, tok, top_k: int, temperature: float, gen: torch.Generator):
        self.model, self.tok, self.top_k, self.temperature, self.gen = model, tok, top_k, temperature, gen

    @torch.no_grad()
    def fill(self, texts: list[str], plans: list[list[tuple[int, int]]]) -> list[tuple[str, list[list[str]]]]:
        masked = []
        for text, plan in zip(texts, plans):
            for a, b in reversed(plan):
                text = text[:a] + self.tok.mask_token + text[b:]
            masked.append(text)
        enc = self.tok(masked, padding=True, truncation=True, return_tensors="pt").to(self.model.device)
        logits = self.model(**enc).logits
        out = []
        for k, (text, plan) in enumerate(zip(texts, plans)):
            positions = (enc["input_ids"][k] == self.tok.mask_token_id).nonzero().flatten().tolist()
            new, fills = masked[k], []
            for j, (a, b) in enumerate(plan):
                original = text[a:b]
                spaced = a > 0 and text[a - 1].isspace()
                word = self._pick(logits[k, positions[j]], original, spaced) if j < len(positions) else None  # cut
                new = new.replace(self.tok.mask_token, word or original, 1)
                if word:
                    fills.append([original, word])
            out.append((new, fills))
        return out

    def _pick(self, logits: torch.Tensor, original: str, spaced: bool) -> str | None:
        """A word-initial token (a sub-word piece would glue onto nothing), sampled among the top_k usable."""
        top = torch.topk(logits, min(PROPOSALS, logits.shape[-1])).indices.tolist()
        cands = [t for t in top if _is_fill(self.tok.decode([t]), original)
                 and self.tok.decode([t]).startswith(" ") == spaced][:self.top_k]
        if not cands:
            return None
        return self.tok.decode([cands[_sample(logits[cands], self.temperature, self.gen)]]).strip()


AUTHORS_MASK = "<mask>"  # RoBERTa's mask token, which the authors' code writes into the text FLAN-T5 completes


def regen_kwargs(cfg) -> dict:
    """What the seq2seq regeneration passes to `generate`: greedy, or the authors' sampling."""
    gen = dict(max_new_tokens=cfg.max_new_tokens, num_beams=1, do_sample=cfg.regen_do_sample)
    if cfg.regen_do_sample:
        gen.update(temperature=cfg.regen_temperature, top_p=cfg.regen_top_p, top_k=cfg.regen_top_k,
                   repetition_penalty=cfg.regen_repetition_penalty)
    return gen


def seq2seq_regenerator(model, tok, cfg):
    """regen(texts, posts) -> texts with a Hub seq2seq model (paper: FLAN-T5) from `regen_prompt`."""
    from alignment_tax.augment.models import seq2seq_generate

    def regen(texts: list[str], posts: list[str] | None = None) -> list[str]:
        posts = posts or [""] * len(texts)
        return seq2seq_generate(model, tok, [cfg.regen_prompt.format(text=t, post=p) for t, p in zip(texts, posts)],
                                cfg.batch_size, "regenerate", **regen_kwargs(cfg))
    return regen


def authors_spans(doc) -> list[tuple[int, int]]:
    """The authors' maskable spans: every entity, and every VERB an entity token hangs from."""
    spans = {(e.start_char, e.end_char) for e in doc.ents}
    spans |= {(t.head.idx, t.head.idx + len(t.head.text)) for e in doc.ents for t in e if t.head.pos_ == "VERB"}
    return sorted(spans)


def authors_mask(text: str, span: tuple[int, int]) -> str:
    a, b = span
    return " ".join((text[:a] + f" {AUTHORS_MASK} " + text[b:]).split())


def augment_authors(rows: list[dict], nlp, regen, cfg, seed: int, min_words: int, ner_batch: int,
                    drops: Counter, stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    """mode: authors (module docstring). `regen(texts, posts)` is required."""
    summaries = [r["summary"] for r in rows]
    # the verbs come from the dependency parse, which scorers.ner.load_ner switches off: back on, here only
    off = [n for n in nlp.disabled if n not in ("senter",)]
    for n in off:
        nlp.enable_pipe(n)
    try:
        docs = list(nlp.pipe(summaries, batch_size=ner_batch))
    finally:
        for n in off:
            nlp.disable_pipe(n)
    masked, owner = [], []
    for i, doc in enumerate(docs):
        spans = authors_spans(doc)
        if not spans:
            drops["no_maskable_span"] += 1
            continue
        span = random.Random(f"{seed}:{rows[i]['id']}").choice(spans)
        stats["masked_spans"] += 1
        masked.append(authors_mask(summaries[i], span))
        owner.append(i)
    k = cfg.regen_samples
    texts = regen([m for m in masked for _ in range(k)], [rows[i]["post"] for i in owner for _ in range(k)])
    by_row = {i: (masked[j], texts[j * k:(j + 1) * k]) for j, i in enumerate(owner)}
    for i in range(len(rows)):
        if i not in by_row:
            yield i, []
            continue
        seen: set = set()
        m, outs = by_row[i]
        yield i, [{"text": t, "masked": m} for t in outs if check_text(t, summaries[i], min_words, seen, drops)]


def augment(rows: list[dict], nlp, filler, regen, cfg, seed: int, min_words: int, ner_batch: int,
            drops: Counter, stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    """mode fill. `regen(texts, posts) -> texts` or None (regen_model: none)."""
    from alignment_tax.scorers.ner import entity_spans

    summaries = [r["summary"] for r in rows]
    spans = entity_spans(nlp, summaries, ner_batch)
    for start in tqdm(range(0, len(rows), cfg.batch_size), desc="mask_regen", unit="batch"):
        idx = list(range(start, min(start + cfg.batch_size, len(rows))))
        plans = [mask_plan(summaries[i], spans[i], cfg.mask_ratio, random.Random(f"{seed}:{rows[i]['id']}"))
                 for i in idx]
        stats["masked_words"] += sum(len(p) for p in plans)
        stats["masked_entity_words"] += sum(any(a < e and s < b for s, e, _ in spans[i]) for i, p in zip(idx, plans)
                                            for a, b in p)
        filled = filler.fill([summaries[i] for i in idx], plans)
        texts = (regen([f for f, _ in filled], [rows[i]["post"] for i in idx]) if regen is not None
                 else [f for f, _ in filled])
        for i, (f, fills), text in zip(idx, filled, texts):
            stats["filled_words"] += len(fills)
            if not fills:
                drops["no_fill"] += 1
                yield i, []
            elif check_text(text, summaries[i], min_words, set(), drops):
                yield i, [{"text": text, "filled": f, "fills": fills}]
            else:
                yield i, []
