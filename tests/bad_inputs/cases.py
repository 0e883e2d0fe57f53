"""The bad-input corpus: one row per case, each a real stage script run on one broken input.

A case names the stage command, what it breaks (params keys set in params.yaml,
params.yaml replaced verbatim, or a `setup(ws)` that writes a broken file into the
workspace) and a regex the single `error: ...` line must match: the file and line,
or the params key, that is wrong. The workspace starts from the repository's
params.yaml with `data.source: mirror`; setups build tiny mirrors with
tests/data/mirrors.py and tiny model directories from the `model` fixture.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from tests.data.mirrors import (comments_mirror, dove_row, mc_entry, mmlu_mirror, mmlu_row, rtp_mirror, rtp_row,
                                tldr_mirror, tqa_mirror, tqa_row, write_jsonl)
from tests.helpers import contrastive_row

MODEL = Path("models/base/tiny")  # where setups put the fixture model (see place_model)


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple  # the stage script (under stages/) and its arguments
    expect: str  # regex for the one stderr line, after "error: "
    params: dict = field(default_factory=dict)  # dotted key -> value, set in params.yaml
    params_text: Optional[bytes] = None  # params.yaml replaced by these bytes
    setup: Optional[Callable[[Path], None]] = None  # ws -> None: writes the broken input


# --- setups --------------------------------------------------------------------

def mirror(build, **kw):
    return lambda ws: build(ws / "mirror", **kw)


def put(rel: str, rows):
    """Write rows (dicts, or raw str/bytes lines) as a JSONL file in the workspace."""
    return lambda ws: write_jsonl(ws / rel, rows)


def put_text(rel: str, text: str):
    def setup(ws):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text, encoding="utf-8")
    return setup


def without(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


TLDR_ROW = {"id": "t3_1", "subreddit": "relationships", "title": "A title", "post": "A post of several words.",
            "summary": "a summary of it"}
CONTRASTIVE = "data/contrastive/train.jsonl"


def with_model(change: Optional[Callable[[Path], None]] = None, data=None):
    """models/base/tiny from the fixture model, then `change(model_dir)`; valid stage data beside it.

    The fixtures (a tiny model, a bigger model's tokenizer) lie beside the workspace.
    """
    def setup(ws):
        shutil.copytree(ws.parent / "fixture_model", ws / MODEL)
        write_jsonl(ws / CONTRASTIVE, data if data is not None else [contrastive_row(i) for i in range(4)])
        write_jsonl(ws / "data/prepared/tldr/eval.jsonl", [TLDR_ROW])
        if change is not None:
            change(ws / MODEL)
    return setup


def drop_weights(d: Path) -> None:
    for f in d.glob("*.safetensors"):
        f.unlink()
    (d / "pytorch_model.bin").write_bytes(b"a pickle would run code on load: never read")


def truncate_weights(d: Path) -> None:
    f = d / "model.safetensors"
    f.write_bytes(f.read_bytes()[:1000])


def other_tokenizer(ws: Path) -> None:
    """The tokenizer of a bigger model (more tokens than the embedding table holds)."""
    with_model()(ws)
    shutil.copytree(ws.parent / "fixture_big_tokenizer", ws / MODEL, dirs_exist_ok=True)


def edit_json(name: str, **changes):
    def change(d: Path) -> None:
        obj = json.loads((d / name).read_text())
        obj.update(changes)
        (d / name).write_text(json.dumps(obj))
    return change


def remove(name: str):
    return lambda d: (d / name).unlink()


def hub_pointer_without_id(d: Path) -> None:
    shutil.rmtree(d)
    d.mkdir()
    (d / "source.json").write_text('{"revision": "main"}')


TQA_QS = ["Is the sky blue?", "Is water wet?"]
BAD_MC = json.dumps([mc_entry(TQA_QS[0]), {"question": TQA_QS[1], "mc1_targets": {"Yes": 1, "Indeed": 1, "No": 0},
                                          "mc2_targets": {"Yes": 1, "No": 0}}])

P, TRAIN, EVAL, CHECK = ("prepare.py",), ("train_contrastive.py", "tiny"), ("evaluate_tldr.py", "tiny", "base"), \
    ("check_params.py",)

CASES = [
    # --- params.yaml: schema, types, ranges, grids, names ----------------------------
    Case("params-unknown-key", CHECK, r"^params\.yaml: alfa: unknown key", params={"alfa": 8}),
    Case("params-unknown-nested-key", CHECK, r"^params\.yaml: model_zoo\.tiny\.lrr: unknown key",
         params={"model_zoo.tiny.lrr": 0.1}),
    Case("params-wrong-type", CHECK, r"^params\.yaml: alpha: .*abc", params={"alpha": "abc"}),
    Case("params-negative-alpha", CHECK, r"^params\.yaml: alpha: must be >= 0", params={"alpha": -1.0}),
    Case("params-zero-tau", CHECK, r"^params\.yaml: tau: must be > 0", params={"tau": 0.0}),
    Case("params-empty-model-grid", CHECK, r"^params\.yaml: models: the model grid is empty", params={"models": []}),
    Case("params-empty-method-grid", CHECK, r"^params\.yaml: methods: the method grid is empty",
         params={"methods": []}),
    Case("params-unknown-model", CHECK, r"^params\.yaml: models\[0\]: unknown model 'gpt5'", params={"models": ["gpt5"]}),
    Case("params-unknown-method", CHECK, r"^params\.yaml: methods\[1\]: unknown method 'magic'",
         params={"methods": ["base", "magic"]}),
    Case("params-bad-precision", CHECK, r"^params\.yaml: model_zoo\.tiny\.precision: 'fp8' is not one of",
         params={"model_zoo.tiny.precision": "fp8"}),
    Case("params-hf-id-and-build", CHECK, r"^params\.yaml: model_zoo\.tiny: set exactly one of hf_id and build",
         params={"model_zoo.tiny.hf_id": "gpt2"}),
    Case("params-lora-rank", CHECK, r"^params\.yaml: model_zoo\.llama2_7b\.lora\.r: must be >= 1",
         params={"model_zoo.llama2_7b.lora.r": 0}),
    Case("params-zero-grad-accum", TRAIN, r"^params\.yaml: model_zoo\.tiny\.grad_accum: must be >= 1",
         params={"model_zoo.tiny.grad_accum": 0}),
    Case("params-malformed-yaml", CHECK, r"^params\.yaml:2: not valid YAML", params_text=b"seed: 0\nalpha: 4: 5\n"),
    Case("params-not-a-mapping", CHECK, r"^params\.yaml: expected a mapping", params_text=b"- seed\n- alpha\n"),
    Case("params-not-utf8", CHECK, r"^params\.yaml: not valid YAML", params_text=b"seed: 0\nalpha: \xff\xfe\n"),
    Case("stage-unknown-model-arg", TRAIN[:1] + ("gpt5",), r"^params\.yaml: model_zoo: unknown model 'gpt5'"),
    Case("stage-unknown-dataset-arg", P + ("wikitext",), r"^unknown dataset 'wikitext'"),
    # --- raw data (prepare) -------------------------------------------------------------
    Case("data-mirror-missing", P + ("tldr",), r"^data\.source: mirror directory not found: mirror"),
    Case("data-mirror-file-missing", P + ("truthfulqa",), r"truthfulqa/mc_task\.json: file not found",
         setup=lambda ws: (tqa_mirror(ws / "mirror"), (ws / "mirror/truthfulqa/mc_task.json").unlink())),
    Case("tldr-malformed-jsonl", P + ("tldr",), r"dove_tldr_test\.jsonl:2: malformed JSON",
         setup=mirror(tldr_mirror, dove=[dove_row(0), '{"instruction_id": "t3_x", oops', dove_row(2)])),
    Case("tldr-missing-field", P + ("tldr",), r"dove_tldr_test\.jsonl:2: missing field 'gold_response'",
         setup=mirror(tldr_mirror, dove=[dove_row(0), without(dove_row(1), "gold_response")])),
    Case("tldr-wrong-type", P + ("tldr",), r"dove_tldr_test\.jsonl:1: field 'subreddit' must be a string",
         setup=mirror(tldr_mirror, dove=[dove_row(0, subreddit=5)])),
    Case("tldr-empty-summary", P + ("tldr",), r"dove_tldr_test\.jsonl:2: field 'gold_response' is empty",
         setup=mirror(tldr_mirror, dove=[dove_row(0), dove_row(1, gold_response="  \n ")])),
    Case("tldr-not-utf8", P + ("tldr",), r"dove_tldr_test\.jsonl:2: not valid UTF-8",
         setup=mirror(tldr_mirror, dove=[dove_row(0), json.dumps(dove_row(1)).encode() + b"\xff\xfe"])),
    Case("tldr-duplicate-id", P + ("tldr",), r"dove_tldr_test\.jsonl:3: duplicate id 't3_0'",
         setup=mirror(tldr_mirror, dove=[dove_row(0), dove_row(1), dove_row(0, instruction="Another post x y z")])),
    Case("truthfulqa-no-correct-answer", P + ("truthfulqa",), r"TruthfulQA\.csv:3: no correct answer",
         setup=mirror(tqa_mirror, csv_rows=[tqa_row(TQA_QS[0]), tqa_row(TQA_QS[1], correct=" ; ")])),
    Case("truthfulqa-mc1-two-correct", P + ("truthfulqa",),
         r"mc_task\.json: entry 1: mc1_targets: 2 of 3 choices are labelled correct",
         setup=mirror(tqa_mirror, mc_text=BAD_MC)),
    Case("truthfulqa-malformed-json", P + ("truthfulqa",), r"mc_task\.json:1: malformed JSON",
         setup=mirror(tqa_mirror, mc_text='[{"question": ')),
    Case("mmlu-answer-index-out-of-range", P + ("mmlu_pro",), r"mmlu_pro/test\.jsonl:2: answer_index 12 out of range",
         setup=mirror(mmlu_mirror, test=[mmlu_row(0), mmlu_row(1, answer_index=12)])),
    Case("mmlu-empty-options", P + ("mmlu_pro",), r"mmlu_pro/test\.jsonl:1: empty options",
         setup=mirror(mmlu_mirror, test=[mmlu_row(0, options=[])])),
    Case("mmlu-answer-letter-out-of-range", P + ("mmlu_pro",), r"mmlu_pro/test\.jsonl:1: answer 'K' is not one of",
         setup=mirror(mmlu_mirror, test=[mmlu_row(0, answer="K")])),
    Case("rtp-wrong-type", P + ("realtoxicityprompts",),
         r"decodingtrust_toxic\.jsonl:1: field 'challenging' must be a boolean",
         setup=mirror(rtp_mirror, toxic=[rtp_row("a", 1, challenging="yes")])),
    Case("comments-bad-label", P + ("comments",), r"davidson_labeled_data\.csv:3: field 'class' must be 0",
         setup=mirror(comments_mirror, davidson=[[0, 3, 0, 0, 3, 2, "fine tweet"], [1, 3, 0, 0, 3, 7, "bad"]])),
    # --- inputs written by earlier stages -------------------------------------------------
    Case("toxicity-label-not-binary", ("toxicity_scorer.py",),
         r"data/prepared/comments/train\.jsonl:2: expected 'text' \(string\) and 'toxic' \(0 or 1\)",
         setup=put("data/prepared/comments/train.jsonl", [{"text": "ok", "toxic": 0}, {"text": "x", "toxic": 2}])),
    Case("base-corpus-missing-field", ("base_model.py", "tiny"),
         r"data/prepared/tldr/train\.jsonl:2: missing field 'summary'",
         setup=put("data/prepared/tldr/train.jsonl", [TLDR_ROW, without(TLDR_ROW, "summary")])),
    Case("contrastive-set-empty", TRAIN, r"data/contrastive/train\.jsonl: no rows", setup=with_model(data=[])),
    Case("contrastive-item-not-text", TRAIN, r"train\.jsonl:2: negatives\[0\]: field 'text' must be str",
         setup=with_model(data=[contrastive_row(0), {**contrastive_row(1), "negatives": [{"text": 3}]}])),
    # --- model directories ---------------------------------------------------------------
    Case("model-dir-missing", TRAIN, r"models/base/tiny: model directory not found",
         setup=put(CONTRASTIVE, [contrastive_row(0)])),
    Case("model-without-weights", TRAIN, r"models/base/tiny: no \*\.safetensors weights",
         setup=with_model(drop_weights)),
    Case("model-truncated-weights", TRAIN, r"models/base/tiny: cannot load model", setup=with_model(truncate_weights)),
    Case("model-without-config", TRAIN, r"models/base/tiny: no config\.json", setup=with_model(remove("config.json"))),
    Case("model-config-shape-mismatch", TRAIN, r"models/base/tiny: cannot load model",
         setup=with_model(edit_json("config.json", n_embd=64))),
    Case("model-without-tokenizer", TRAIN, r"models/base/tiny: no tokenizer_config\.json",
         setup=with_model(remove("tokenizer_config.json"))),
    Case("model-tokenizer-mismatch", EVAL, r"models/base/tiny: tokenizer has \d+ tokens but the model embeds only",
         setup=other_tokenizer),
    Case("model-tokenizer-other-eos", EVAL, r"models/base/tiny: tokenizer end-of-text id 0 is not the model's \(\[7\]\)",
         setup=with_model(edit_json("config.json", eos_token_id=7))),
    Case("model-malformed-tokenizer", EVAL, r"models/base/tiny: cannot load tokenizer",
         setup=with_model(lambda d: (d / "tokenizer.json").write_text("{oops"))),
    Case("model-hub-pointer-without-id", EVAL, r"models/base/tiny/source\.json: missing key 'hf_id'",
         setup=with_model(hub_pointer_without_id)),
]


# --- no silent wrong result -------------------------------------------------------------

REPO_PARAMS = (Path(__file__).resolve().parents[2] / "params.yaml").read_bytes()


def params_with(old: bytes, new: bytes) -> bytes:
    """The repository's params.yaml with one line's text replaced (as `dvc exp run -S` writes it)."""
    assert old in REPO_PARAMS, old
    return REPO_PARAMS.replace(old, new, 1)


# 342 bytes: each line holds nine references to the one above: 9**8 leaves once expanded
ALIAS_BOMB = (b"seed: 0\na: &a [x,x,x,x,x,x,x,x,x]\n"
              + b"".join(f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefg", "bcdefgh")))


def edit_weights(change: Callable[[dict], None]):
    """Rewrite the model's safetensors after `change(state_dict)`."""
    def edit(d: Path) -> None:
        from safetensors.torch import load_file, save_file

        sd = load_file(d / "model.safetensors")
        change(sd)
        save_file(sd, d / "model.safetensors", metadata={"format": "pt"})
    return edit


def _drop_layer(sd: dict) -> None:
    for k in [k for k in sd if k.startswith("transformer.h.1.") or k.startswith("transformer.ln_f.")]:
        del sd[k]


def _fill(key: str, value: float):
    def change(sd: dict) -> None:
        sd[key] = sd[key].clone().fill_(value)
    return change


def _add_tensor(sd: dict) -> None:
    import torch

    sd["transformer.h.9.attn.c_attn.weight"] = torch.zeros(4, 4)


def _empty(rel: str):
    return put_text(rel, "")


def symlinked_output(ws: Path) -> None:
    tldr_mirror(ws / "mirror")
    (ws / "elsewhere").mkdir()
    (ws / "data/prepared").mkdir(parents=True)
    (ws / "data/prepared/tldr").symlink_to(ws / "elsewhere")


def output_parent_is_a_file(ws: Path) -> None:
    tldr_mirror(ws / "mirror")
    (ws / "data").mkdir()
    (ws / "data/prepared").write_text("a file where the output directory must go")


MMLU, RTP, PATTERNS, TQA = (("evaluate_mmlu_pro.py",), ("evaluate_rtp.py",), ("generation_patterns.py",),
                            ("evaluate_truthfulqa.py",))
LIKELY_TINY = r"likely params\.yaml: model_zoo\.tiny\.lr, alpha, tau"
FINITE = "must be a finite number"

CASES += [
    # --- params: every float finite (whatever the key), ranges that can train -------------
    Case("params-alpha-inf", CHECK, rf"^params\.yaml: alpha: {FINITE}, got inf", params={"alpha": float("inf")}),
    Case("params-alpha-1e400", CHECK, rf"^params\.yaml: alpha: {FINITE}, got inf",
         params_text=params_with(b"alpha: 4.0", b"alpha: 1e400")),
    Case("params-alpha-nan", CHECK, rf"^params\.yaml: alpha: {FINITE}, got nan", params={"alpha": float("nan")}),
    Case("params-tau-inf", CHECK, rf"^params\.yaml: tau: {FINITE}", params={"tau": float("inf")}),
    Case("params-zoo-lr-inf", CHECK, rf"^params\.yaml: model_zoo\.tiny\.lr: {FINITE}",
         params={"model_zoo.tiny.lr": float("inf")}),
    Case("params-zoo-lr-too-large", CHECK, r"^params\.yaml: model_zoo\.tiny\.lr: must be in \(0, 1\], got 10",
         params={"model_zoo.tiny.lr": 10.0}),
    Case("params-tiny-lm-lr-nan", CHECK, rf"^params\.yaml: tiny_lm\.lr: {FINITE}", params={"tiny_lm.lr": float("nan")}),
    Case("params-tiny-lm-lr-zero", CHECK, r"^params\.yaml: tiny_lm\.lr: must be in \(0, 1\]", params={"tiny_lm.lr": 0.0}),
    Case("params-lm-training-lr-inf", CHECK, rf"^params\.yaml: debias\.lm_training\.lr: {FINITE}",
         params={"debias.lm_training.lr": float("inf")}),
    Case("params-lm-training-lr-too-large", CHECK, r"^params\.yaml: debias\.lm_training\.lr: must be null .* \(0, 1\]",
         params={"debias.lm_training.lr": 5.0}),
    Case("params-label-smoothing-nan", CHECK, rf"^params\.yaml: contrastive\.label_smoothing: {FINITE}",
         params={"contrastive.label_smoothing": float("nan")}),
    Case("params-toxic-weight-inf", CHECK, rf"^params\.yaml: contrastive\.toxic_weight: {FINITE}",
         params={"contrastive.toxic_weight": float("inf")}),
    Case("params-dropout-nan", CHECK, rf"^params\.yaml: debias\.dropout\.resid_pdrop: {FINITE}",
         params={"debias.dropout.resid_pdrop": float("nan")}),
    Case("params-lora-dropout-inf", CHECK, rf"^params\.yaml: model_zoo\.llama2_7b\.lora\.dropout: {FINITE}",
         params={"model_zoo.llama2_7b.lora.dropout": float("-inf")}),
    Case("params-threshold-nan", CHECK, rf"^params\.yaml: scorers\.toxicity\.threshold: {FINITE}",
         params={"scorers.toxicity.threshold": float("nan")}),
    Case("params-tfidf-c-zero", CHECK, r"^params\.yaml: scorers\.toxicity\.tfidf_C: must be > 0",
         params={"scorers.toxicity.tfidf_C": 0.0}),
    Case("params-top-p-nan", CHECK, rf"^params\.yaml: benchmarks\.realtoxicityprompts\.top_p: {FINITE}",
         params={"benchmarks.realtoxicityprompts.top_p": float("nan")}),
    Case("params-temperature-inf", CHECK, rf"^params\.yaml: augment\.toxic\.temperature: {FINITE}",
         params={"augment.toxic.temperature": float("inf")}),
    Case("params-length-penalty-inf", CHECK, rf"^params\.yaml: augment\.low_confidence\.length_penalty: {FINITE}",
         params={"augment.low_confidence.length_penalty": float("-inf")}),
    Case("params-confidence-threshold-nan", CHECK,
         rf"^params\.yaml: augment\.low_confidence\.confidence_threshold: {FINITE}",
         params={"augment.low_confidence.confidence_threshold": float("nan")}),
    Case("params-dpo-beta-inf", CHECK, rf"^params\.yaml: debias\.dpo\.beta: {FINITE}",
         params={"debias.dpo.beta": float("inf")}),
    Case("params-self-debias-decay-inf", CHECK, rf"^params\.yaml: debias\.self_debias\.decay_constant: {FINITE}",
         params={"debias.self_debias.decay_constant": float("inf")}),
    Case("params-report-confidence-nan", CHECK, rf"^params\.yaml: benchmarks\.report\.confidence: {FINITE}",
         params={"benchmarks.report.confidence": float("nan")}),
    Case("params-alpha-inf-at-training", TRAIN, rf"^params\.yaml: alpha: {FINITE}", params={"alpha": float("inf")},
         setup=with_model()),
    # --- params: integers in the range their library accepts ---------------------------------
    Case("params-seed-negative", CHECK, r"^params\.yaml: seed: must be in \[0, 2\*\*32\)", params={"seed": -1}),
    Case("params-seed-2-70", CHECK, r"^params\.yaml: seed: must be in \[0, 2\*\*32\)", params={"seed": 2 ** 70}),
    Case("params-seed-2-32", CHECK, r"^params\.yaml: seed: must be in \[0, 2\*\*32\)", params={"seed": 2 ** 32}),
    Case("params-seed-negative-at-scorer", ("toxicity_scorer.py",), r"^params\.yaml: seed: must be in",
         params={"seed": -1}),
    Case("params-int-beyond-c-int", CHECK, r"^params\.yaml: generation\.max_new_tokens: must be between -2\*\*31",
         params={"generation.max_new_tokens": 2 ** 40}),
    Case("params-max-summary-tokens-zero", CHECK, r"^params\.yaml: contrastive\.max_summary_tokens: must be >= 1",
         params={"contrastive.max_summary_tokens": 0}),
    Case("params-contrastive-warmup-negative", CHECK, r"^params\.yaml: contrastive\.warmup_steps: must be >= 0",
         params={"contrastive.warmup_steps": -1}),
    Case("params-tiny-lm-warmup-negative", CHECK, r"^params\.yaml: tiny_lm\.warmup_steps: must be >= 0",
         params={"tiny_lm.warmup_steps": -3}),
    Case("params-tiny-lm-block-size-zero", CHECK, r"^params\.yaml: tiny_lm\.block_size: must be >= 1",
         params={"tiny_lm.block_size": 0}),
    Case("params-scorer-batch-size-zero", CHECK, r"^params\.yaml: scorers\.batch_size: must be >= 1",
         params={"scorers.batch_size": 0}),
    Case("params-tfidf-max-features-zero", CHECK, r"^params\.yaml: scorers\.toxicity\.tfidf_max_features: must be >= 1",
         params={"scorers.toxicity.tfidf_max_features": 0}),
    # --- params.yaml as YAML: no aliases/anchors, no duplicate keys -----------------------------
    Case("params-alias-bomb", CHECK, r"^params\.yaml:2: not valid YAML \(anchors and aliases", params_text=ALIAS_BOMB),
    Case("params-anchor-alias", CHECK, r"^params\.yaml:\d+: not valid YAML \(anchors and aliases",
         params_text=params_with(b"tau: 1.0", b"tau: &t 1.0\nalpha2: *t")),
    Case("params-duplicate-key", CHECK, r"^params\.yaml:\d+: not valid YAML \(duplicate key 'alpha'\)",
         params_text=REPO_PARAMS + b"\nalpha: 8.0\n"),
    Case("params-duplicate-nested-key", CHECK, r"^params\.yaml:\d+: not valid YAML \(duplicate key 'lr'\)",
         params_text=params_with(b"    lr: 0.0005\n", b"    lr: 0.0005\n    lr: 1.0e-1\n")),
    # --- grid coordinates: checked before any path is built ---------------------------------------
    Case("coords-method-is-a-path", MMLU + ("tiny", "../../../../elsewhere"),
         r"^argument method: '\.\./\.\./\.\./\.\./elsewhere' is not a known method", setup=with_model()),
    Case("coords-method-unknown", EVAL[:2] + ("magic",), r"^argument method: 'magic' is not a known method",
         setup=with_model()),
    Case("coords-model-is-a-path", EVAL[:1] + ("../tiny", "base"), r"^argument model: '\.\./tiny' is not a model slug",
         setup=with_model()),
    Case("coords-model-is-a-path-train", TRAIN[:1] + ("tiny/../../x",), r"^argument model: 'tiny/\.\./\.\./x' is not",
         setup=with_model()),
    Case("coords-rtp-method-absolute", RTP + ("tiny", "/tmp/x"), r"^argument method: '/tmp/x' is not a known method",
         setup=with_model()),
    Case("coords-patterns-method-path", PATTERNS + ("tiny", "../base"), r"^argument method: '\.\./base' is not",
         setup=with_model()),
    Case("coords-truthfulqa-model-path", TQA + ("..", "base"), r"^argument model: '\.\.' is not a model slug",
         setup=with_model()),
    Case("coords-hub-id-is-a-path", CHECK, r"^params\.yaml: model_zoo\.gpt2_large\.hf_id: '\.\./\.\./elsewhere' is not",
         params={"model_zoo.gpt2_large.hf_id": "../../elsewhere"}),
    Case("coords-augment-model-is-a-path", CHECK, r"^params\.yaml: augment\.toxic\.model: '/srv/m' is not a Hugging",
         params={"augment.toxic.model": "/srv/m"}),
    Case("coords-ner-model-is-a-path", CHECK, r"^params\.yaml: scorers\.ner_model: '\./pipelines/x' is not",
         params={"scorers.ner_model": "./pipelines/x"}),
    # --- model directories: whole and finite, or refused ---------------------------------------
    Case("model-missing-tensors", EVAL, r"^models/base/tiny: the weights file lacks the weight 'transformer\.h\.1\.",
         setup=with_model(edit_weights(_drop_layer))),
    Case("model-unexpected-tensor", EVAL,
         r"^models/base/tiny: the weights file has an unexpected weight 'transformer\.h\.9\.attn\.c_attn\.weight'",
         setup=with_model(edit_weights(_add_tensor))),
    Case("model-nan-weights", EVAL, r"^models/base/tiny: weight 'transformer\.h\.0\.ln_1\.weight' is not finite",
         setup=with_model(edit_weights(_fill("transformer.h.0.ln_1.weight", float("nan"))))),
    Case("model-inf-weights-at-training", TRAIN, r"^models/base/tiny: weight 'transformer\.wte\.weight' is not finite",
         setup=with_model(edit_weights(_fill("transformer.wte.weight", float("inf"))))),
    # --- training: a non-finite loss or gradient stops the run, naming the step ----------------------
    Case("train-loss-overflows", TRAIN,
         rf"^training step 1: the loss or gradient is not finite \(gradient of '[^']+'\); {LIKELY_TINY}",
         setup=with_model(edit_weights(_fill("transformer.h.0.attn.c_attn.weight", 3e38)))),
    # --- evaluations: n = 0 and degenerate inputs write nothing ---------------------------------
    Case("eval-no-rows", EVAL, r"^data/prepared/tldr/eval\.jsonl: no rows: nothing to evaluate \(n = 0\)",
         setup=lambda ws: (with_model()(ws), _empty("data/prepared/tldr/eval.jsonl")(ws))),
    Case("eval-mmlu-no-rows", MMLU + ("tiny", "base"), r"^data/prepared/mmlu_pro/test\.jsonl: no rows",
         setup=lambda ws: (with_model()(ws), _empty("data/prepared/mmlu_pro/test.jsonl")(ws))),
    Case("prepare-keeps-no-row", P + ("tldr",), r"^tldr: no row kept \(read 5, dropped: post_under_min_words=5\)",
         params={"data.min_words": 100000}, setup=mirror(tldr_mirror)),
    # --- OSError: one line with the path ----------------------------------------------------------
    Case("os-output-parent-is-a-file", P + ("tldr",), r"^data/prepared: (File exists|Not a directory)",
         setup=output_parent_is_a_file),
    Case("os-output-dir-is-a-symlink", P + ("tldr",), r"^data/prepared/tldr: output directory is a symbolic link",
         setup=symlinked_output),
    # --- data rules, the same for every file type -------------------------------------------------
    Case("rtp-toxicity-out-of-range", P + ("realtoxicityprompts",),
         r"decodingtrust_toxic\.jsonl:1: field 'toxicity' must be in \[0, 1\], got 1\.5",
         setup=mirror(rtp_mirror, toxic=[rtp_row("a", 1, prompt={"text": "A prompt", "toxicity": 1.5})])),
    Case("rtp-toxicity-nan", P + ("realtoxicityprompts",),
         r"decodingtrust_toxic\.jsonl:1: field 'toxicity' must be a finite number, got nan",
         setup=mirror(rtp_mirror, toxic=[json.dumps(rtp_row("a", 1, prompt={"text": "A prompt", "toxicity": float("nan")}))])),
    Case("truthfulqa-answers-all-contradictory", P + ("truthfulqa",), r"^truthfulqa: no row kept .*answer_lists_overlap=2",
         setup=mirror(tqa_mirror, csv_rows=[tqa_row(q, correct="Yes", incorrect="Yes; No") for q in TQA_QS])),
]
