"""Validate the faithfulness scorers (and size TL;DR evaluations) on real summaries.

    PYTHONPATH=src python -m alignment_tax.scorers.validate --lm-dir models/base/smollm2_135m

Data: the mirror's tldr/instructgpt_tldr_samples.csv (openai/following-instructions-human-feedback:
100 TL;DR posts x 12 systems -- GPT-3 pretrained / SFT / PPO(-ptx) at 1.3B, 6B, 175B -- plus each post's
human reference). Per post, degenerate CONTROLS are built:
  repeated       "I'm a W. I'm the W. I'm a W." with W the post's most frequent content word (the
                 entity_support exploit: every content word occurs in the post; docs/scorers.md)
  other_post     the reference summary of a DIFFERENT post (the next one)
  first_sentence the post's first sentence (extractive: faithful by construction, but no summary)
  generic        "I need advice about my situation."
  empty          ""
Every scorer scores every (post, text) pair. Reported: the mean per system with a bootstrap 95% CI over
posts, the ranking, the pairwise win rate (share of posts where the reference, or a system, scores above
the control; ties count 1/2), scorer cost (texts/s), and for the power calculation the SD of paired
per-post differences between systems, for each faithfulness scorer and for toxicity.
Writes --out (markdown) and --json (all figures plus the raw per-pair scores), nothing on error.
"""
from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

import numpy as np

from alignment_tax.errors import AlignmentTaxError, stage_main

CONTROLS = ("repeated", "other_post", "first_sentence", "generic", "empty")
GENERIC = "I need advice about my situation."
SUFFIX = "TL;DR:"


def load_samples(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    """(posts, {system or 'reference': one text per post}) in the file's post order."""
    import pandas as pd

    if not path.is_file():
        raise AlignmentTaxError(f"{path}: not found (--data names the data mirror directory)")
    df = pd.read_csv(path)
    missing = {"model_type", "context", "ref_text", "sample"} - set(df.columns)
    if missing:
        raise AlignmentTaxError(f"{path}: missing columns {sorted(missing)}")
    posts: list[str] = []
    index: dict[str, int] = {}
    texts: dict[str, dict[int, str]] = collections.defaultdict(dict)
    refs: dict[int, str] = {}
    for row in df.itertuples():
        ctx = str(row.context).rstrip()
        post = ctx[: -len(SUFFIX)].rstrip() if ctx.endswith(SUFFIX) else ctx
        if post not in index:
            index[post] = len(posts)
            posts.append(post)
        i = index[post]
        refs[i] = str(row.ref_text).strip()
        texts[str(row.model_type)][i] = "" if not isinstance(row.sample, str) else row.sample.strip()
    out = {"reference": [refs[i] for i in range(len(posts))]}
    for system, by_post in texts.items():
        if len(by_post) != len(posts):
            raise AlignmentTaxError(f"{path}: system {system} has {len(by_post)} of {len(posts)} posts")
        out[system] = [by_post[i] for i in range(len(posts))]
    return posts, out


def controls(posts: list[str], references: list[str]) -> dict[str, list[str]]:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    stop = nlp.Defaults.stop_words
    out = {c: [] for c in CONTROLS}
    for i, post in enumerate(posts):
        doc = nlp(post)
        words = collections.Counter(t.lower_ for t in doc if t.is_alpha and len(t) >= 4 and t.lower_ not in stop)
        w = words.most_common(1)[0][0] if words else "lot"
        out["repeated"].append(f"I'm a {w}. I'm the {w}. I'm a {w}.")
        out["other_post"].append(references[(i + 1) % len(posts)])
        out["first_sentence"].append(next((s.text.strip() for s in doc.sents if s.text.strip()), post))
        out["generic"].append(GENERIC)
        out["empty"].append("")
    return out


def bootstrap_ci(x: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(reps, len(x)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def win_rate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a > b) + 0.5 * (a == b)))


def paired_n(sd: float, delta: float = 0.05, alpha: float = 0.05, power: float = 0.8) -> int:
    """Posts for a two-sided paired z-test: n = ((z_{1-alpha/2} + z_{power}) * sd / delta)^2, rounded up."""
    from scipy.stats import norm

    return int(np.ceil(((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * sd / delta) ** 2))


def paired_sds(scores: dict[str, np.ndarray], systems: list[str]) -> dict[str, float]:
    """SD (ddof=1) over posts of the per-post difference, for every pair of systems."""
    out = {}
    for i, a in enumerate(systems):
        for b in systems[i + 1:]:
            out[f"{a} vs {b}"] = float(np.std(scores[a] - scores[b], ddof=1))
    return out


def build_faithfulness_scorers(names: list[str], lm_dir: Path | None, lm_precision: str, threads: int):
    from alignment_tax.scorers.faithfulness import EntitySupport
    from alignment_tax.scorers.ner import load_ner

    made = {}
    for name in names:
        if name == "entity_support":
            from alignment_tax.config import ScorersConfig

            made[name] = EntitySupport(load_ner(ScorersConfig().ner_model))
        elif name == "minilm_support":
            from alignment_tax.scorers.minilm import MiniLMSupport

            made[name] = MiniLMSupport(threads=threads)
        elif name == "lm_pmi":
            if lm_dir is None:
                raise AlignmentTaxError("--lm-dir is required for lm_pmi")
            from alignment_tax.models.loader import load_causal_lm
            from alignment_tax.scorers.lm_pmi import LMPointwiseMI

            model, tok = load_causal_lm(lm_dir, precision=lm_precision)
            made[name] = LMPointwiseMI(model, tok, threads=threads, label=f"{lm_dir.name}/{lm_precision}")
        else:
            raise AlignmentTaxError(f"unknown scorer '{name}'")
    return made


def score_all(scorer, posts: list[str], texts: dict[str, list[str]]) -> tuple[dict[str, np.ndarray], float]:
    """Scores of every text kind for every post, in one call (so a post's cache is shared); texts/s."""
    kinds = list(texts)
    srcs = [p for _ in kinds for p in posts]
    summs = [t for k in kinds for t in texts[k]]
    t0 = time.time()
    flat = np.asarray(scorer.score(srcs, summs)["faithfulness"], dtype=float)
    rate = len(summs) / max(time.time() - t0, 1e-9)
    n = len(posts)
    return {k: flat[j * n:(j + 1) * n] for j, k in enumerate(kinds)}, rate


def toxicity_scores(names: list[str], artifact_dir: Path, texts: dict[str, list[str]]):
    from alignment_tax.scorers.toxicity import (BILSTM_SUBDIR, ProfanityCheck, TfidfLogReg)

    out, rates = {}, {}
    for name in names:
        if name == "profanity_check":
            s = ProfanityCheck()
        elif name == "bilstm":
            from alignment_tax.scorers.bilstm import BiLSTMToxicity

            s = BiLSTMToxicity.load(artifact_dir / BILSTM_SUBDIR)
        elif name == "tfidf_logreg":
            s = TfidfLogReg.load(artifact_dir)
        else:
            raise AlignmentTaxError(f"unknown toxicity scorer '{name}'")
        flat = [t for k in texts for t in texts[k]]
        t0 = time.time()
        v = np.asarray(s.score(flat), dtype=float)
        rates[name] = len(flat) / max(time.time() - t0, 1e-9)
        n = len(next(iter(texts.values())))
        out[name] = {k: v[j * n:(j + 1) * n] for j, k in enumerate(texts)}
    return out, rates


def summarise(scores: dict[str, np.ndarray], systems: list[str]) -> dict:
    table = {}
    for k, v in scores.items():
        lo, hi = bootstrap_ci(v)
        table[k] = {"mean": float(v.mean()), "ci95": [lo, hi]}
    ranking = sorted(table, key=lambda k: -table[k]["mean"])
    wins = {who: {c: win_rate(scores[who], scores[c]) for c in CONTROLS}
            for who in ["reference"] + systems}
    sds = paired_sds(scores, systems)
    return {"by_text": table, "ranking": ranking, "win_rate_vs_controls": wins,
            "paired_sd": {"median": float(np.median(list(sds.values()))), "max": float(max(sds.values())),
                          "pairs": sds}}


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def render(res: dict) -> str:
    lines = ["# Scorer validation (generated by `python -m alignment_tax.scorers.validate`; do not edit)", "",
             f"Data: `{res['data']}`, {res['n_posts']} posts x {len(res['systems'])} systems + reference; "
             f"controls per post: {', '.join(CONTROLS)}. Means with bootstrap 95% CIs over posts "
             f"(2000 resamples, seed 0). Win rate = share of posts where the row scores above the control "
             f"(ties 1/2). Human preference data for these 12 systems: {res['human_preference']}", ""]
    for name, r in res["faithfulness"].items():
        lines += [f"## Faithfulness: `{name}` ({r['texts_per_second']:.1f} texts/s, {res['conditions']})", "",
                  "| rank | text | mean | 95% CI |", "|---|---|---|---|"]
        for i, k in enumerate(r["ranking"], 1):
            t = r["by_text"][k]
            lines.append(f"| {i} | {'**' + k + '**' if k in CONTROLS else k} | {_fmt(t['mean'])} | "
                         f"[{_fmt(t['ci95'][0])}, {_fmt(t['ci95'][1])}] |")
        lines += ["", "Win rate vs each control:", "",
                  "| text | " + " | ".join(CONTROLS) + " |", "|---" * (len(CONTROLS) + 1) + "|"]
        for who, w in r["win_rate_vs_controls"].items():
            lines.append(f"| {who} | " + " | ".join(f"{w[c]:.2f}" for c in CONTROLS) + " |")
        ps = r["paired_sd"]
        lines += ["", f"Paired SD of per-post differences between systems: median {ps['median']:.3f}, "
                  f"max {ps['max']:.3f} (66 pairs).", ""]
    if res.get("toxicity"):
        lines += ["## Toxicity of the same texts (for the power calculation)", "",
                  "| scorer | texts/s | mean over systems | paired SD median | paired SD max | "
                  "SD gpt-175b vs ppo-ptx-175b |", "|---|---|---|---|---|---|"]
        for name, r in res["toxicity"].items():
            lines.append(f"| {name} | {r['texts_per_second']:.0f} | {r['mean_over_systems']:.4f} | "
                         f"{r['paired_sd']['median']:.4f} | {r['paired_sd']['max']:.4f} | "
                         f"{r['paired_sd']['pairs'].get('gpt-175b vs ppo-ptx-175b', float('nan')):.4f} |")
        lines.append("")
    p = res["power"]
    lines += ["## Power: posts needed to detect a paired difference of 0.05", "",
              f"n = ((z_(1-alpha/2) + z_(power)) * sd_d / delta)^2 with alpha {p['alpha']}, power {p['power']}, "
              f"delta {p['delta']} (two-sided paired z approximation; sd_d = SD of per-post differences).", "",
              "| score | sd_d (max over system pairs) | n | sd_d (median) | n |", "|---|---|---|---|---|"]
    for k, v in p["n"].items():
        lines.append(f"| {k} | {v['sd_max']:.4f} | {v['n_max']} | {v['sd_median']:.4f} | {v['n_median']} |")
    return "\n".join(lines) + "\n"


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True,
                    help="the data mirror's tldr/instructgpt_tldr_samples.csv (see its SOURCES.md)")
    ap.add_argument("--scorers", default="entity_support,minilm_support,lm_pmi")
    ap.add_argument("--lm-dir", type=Path, default=None, help="save_pretrained dir of the lm_pmi LM")
    ap.add_argument("--lm-precision", default="bf16", choices=("fp32", "bf16"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--posts", type=int, default=0, help="first N posts only (0 = all)")
    ap.add_argument("--toxicity", default="profanity_check,bilstm,tfidf_logreg")
    ap.add_argument("--toxicity-dir", type=Path, default=Path("models/scorers/toxicity"))
    ap.add_argument("--cache", type=Path, default=None,
                    help="directory of per-scorer raw scores: a scorer already scored there is not rerun")
    ap.add_argument("--out", type=Path, default=Path("reports/scorer_validation.md"))
    ap.add_argument("--json", type=Path, default=Path("reports/scorer_validation.json"))
    a = ap.parse_args()
    posts, by_system = load_samples(a.data)
    if a.posts:
        posts = posts[: a.posts]
        by_system = {k: v[: a.posts] for k, v in by_system.items()}
    systems = sorted(k for k in by_system if k != "reference")
    texts = {**by_system, **controls(posts, by_system["reference"])}
    names = [n for n in a.scorers.split(",") if n]
    scorers = build_faithfulness_scorers(names, a.lm_dir, a.lm_precision, a.threads)
    res = {"data": str(a.data), "n_posts": len(posts), "systems": systems,
           "conditions": f"torch threads {a.threads}, shared 2-core CPU (contended)",
           "human_preference": "none in the mirror (the source repository publishes only the samples)",
           "faithfulness": {}, "toxicity": {}, "raw": {"faithfulness": {}, "toxicity": {}}}
    for name, scorer in scorers.items():
        cached = a.cache / f"{name}.json" if a.cache else None
        key = {"data": str(a.data), "n_posts": len(posts), "scorer": scorer.name}
        got = json.loads(cached.read_text(encoding="utf-8")) if cached and cached.is_file() else None
        if got and got.get("key") == key:  # same data, posts and scorer: reuse the scores
            scores, rate = {k: np.asarray(v) for k, v in got["scores"].items()}, got["texts_per_second"]
        else:
            scores, rate = score_all(scorer, posts, texts)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps({"key": key, "texts_per_second": rate,
                                              "scores": {k: v.tolist() for k, v in scores.items()}}), encoding="utf-8")
        res["faithfulness"][name] = {"scorer": scorer.name, "texts_per_second": rate, **summarise(scores, systems)}
        res["raw"]["faithfulness"][name] = {k: [round(float(x), 5) for x in v] for k, v in scores.items()}
        print(f"{name}: {rate:.2f} texts/s; ranking {res['faithfulness'][name]['ranking']}", flush=True)
    tox_names = [n for n in a.toxicity.split(",") if n]
    if tox_names:
        sys_texts = {k: by_system[k] for k in systems}
        tox, rates = toxicity_scores(tox_names, a.toxicity_dir, sys_texts)
        for name, scores in tox.items():
            sds = paired_sds(scores, systems)
            res["toxicity"][name] = {
                "texts_per_second": rates[name],
                "mean_over_systems": float(np.mean([v.mean() for v in scores.values()])),
                "by_system": {k: float(v.mean()) for k, v in scores.items()},
                "paired_sd": {"median": float(np.median(list(sds.values()))), "max": float(max(sds.values())),
                              "pairs": sds}}
            res["raw"]["toxicity"][name] = {k: [round(float(x), 5) for x in v] for k, v in scores.items()}
    power = {"alpha": 0.05, "power": 0.8, "delta": 0.05, "n": {}}
    for kind in ("faithfulness", "toxicity"):
        for name, r in res[kind].items():
            ps = r["paired_sd"]
            power["n"][f"{kind}:{name}"] = {"sd_max": ps["max"], "n_max": paired_n(ps["max"]),
                                            "sd_median": ps["median"], "n_median": paired_n(ps["median"])}
    res["power"] = power
    text = render(res)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    a.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
