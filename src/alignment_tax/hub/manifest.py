"""Every Hub model and dataset the current params need, with the revision each uses.

Walks params.yaml: model_zoo entries on the grid (`models`), the augmenters'
model ids when the paper setting is on, the toxicity scorer when `hf`, the NLI
faithfulness scorer when `nli`, the TruthfulQA judge when `hf`, the datasets of
`data.source: hub` and the debiasing corpus when `debias.corpus.source: hub`.
Offline settings (tiny, lexical_paraphrase, offline_best, ...) add nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from alignment_tax.augment.config import MARIAN, NO_REGEN, TINY
from alignment_tax.hub.loader import is_local
from alignment_tax.hub.pins import read_lock


@dataclass
class Entry:
    kind: str  # "models" | "datasets"
    repo_id: str
    revision: str = "main"
    configs: List[Optional[str]] = field(default_factory=list)  # datasets: the configs read (None = default)
    roles: List[str] = field(default_factory=list)  # the params keys that need it
    trust_remote_code: bool = False
    commit: Optional[str] = None  # from hub.lock.json, None = not pinned yet

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "id": self.repo_id, "revision": self.revision, "commit": self.commit,
             "roles": self.roles}
        if self.kind == "datasets":
            d["configs"] = self.configs
        return d


def data_datasets() -> List[Tuple[str, Optional[str], str]]:
    """(hub id, config, role) of every dataset `data.source: hub` reads (from the prepare modules)."""
    from alignment_tax.data import comments, mmlu_pro, realtoxicityprompts, tldr, truthfulqa

    out = [(tldr.HUB_ID, None, "data.tldr"),
           (truthfulqa.HUB_ID, truthfulqa.HUB_GEN, "data.truthfulqa"),
           (truthfulqa.HUB_ID, truthfulqa.HUB_MC, "data.truthfulqa"),
           (realtoxicityprompts.HUB_ID, None, "data.realtoxicityprompts"),
           (mmlu_pro.HUB_ID, None, "data.mmlu_pro")]
    out += [(hub_id, config, "data.comments") for hub_id, config in comments.HUB_DATASETS]
    return out


def model_roles(params) -> List[Tuple[str, str, str, bool]]:
    """(hub id, revision, role, trust_remote_code) of every model the params need."""
    out = []
    for slug in params.models:
        entry = params.model_zoo[slug]
        if entry.hf_id is not None:
            out.append((entry.hf_id, entry.revision, f"model_zoo.{slug}", bool(entry.trust_remote_code)))
    aug = params.augment
    b = aug.backtranslate
    if b.enabled and b.model == MARIAN:
        for pivot in b.pivots:
            out.append((b.forward_id.format(pivot=pivot), "main", "augment.backtranslate.forward_id", False))
            out.append((b.backward_id.format(pivot=pivot), "main", "augment.backtranslate.backward_id", False))
    if aug.low_confidence.enabled and aug.low_confidence.model != TINY:
        out.append((aug.low_confidence.model, "main", "augment.low_confidence.model", False))
    if aug.toxic.enabled and aug.toxic.model != TINY:
        out.append((aug.toxic.model, "main", "augment.toxic.model", False))
    m = aug.mask_regen
    if m.enabled and m.fill_model != TINY:
        out.append((m.fill_model, "main", "augment.mask_regen.fill_model", False))
    if m.enabled and m.regen_model != NO_REGEN:
        out.append((m.regen_model, "main", "augment.mask_regen.regen_model", False))
    s = params.scorers
    if s.toxicity.name == "hf":
        out.append((s.toxicity.hf_id, "main", "scorers.toxicity.hf_id", False))
    if s.faithfulness.name == "nli":
        out.append((s.faithfulness.hf_id, "main", "scorers.faithfulness.hf_id", False))
    tq = params.benchmarks.truthfulqa
    if tq.judge == "hf":
        out.append((tq.judge_hf_id, "main", "benchmarks.truthfulqa.judge_hf_id", False))
        if tq.info_judge_hf_id is not None:
            out.append((tq.info_judge_hf_id, "main", "benchmarks.truthfulqa.info_judge_hf_id", False))
    return out


def manifest(params, lock_file=None) -> List[Entry]:
    """Models first, then datasets; each id once, with every role that needs it."""
    entries: Dict[Tuple[str, str], Entry] = {}

    def add(kind, repo_id, revision, role, config=None, trust=False):
        e = entries.setdefault((kind, repo_id), Entry(kind, repo_id, revision))
        if e.revision != revision:  # two roles asking for different revisions of one id: the zoo entry's wins
            e.revision = revision if role.startswith("model_zoo.") else e.revision
        if role not in e.roles:
            e.roles.append(role)
        if kind == "datasets" and config not in e.configs:
            e.configs.append(config)
        e.trust_remote_code = e.trust_remote_code or trust

    for repo_id, revision, role, trust in model_roles(params):
        if not is_local(repo_id):  # a local save_pretrained directory needs no Hub
            add("models", repo_id, revision, role, trust=trust)
    if params.data.source == "hub":
        for repo_id, config, role in data_datasets():
            add("datasets", repo_id, "main", role, config)
    corpus = params.debias.corpus
    if corpus.source == "hub" and any(params.debias.methods[f] for f in ("train", "project")):
        add("datasets", corpus.hub_id, "main", "debias.corpus", corpus.hub_config)
    lock = read_lock(lock_file)
    for e in entries.values():
        pin = lock[e.kind].get(e.repo_id)
        e.commit = pin["commit"] if pin else None
    return sorted(entries.values(), key=lambda e: (e.kind != "models", e.repo_id))
