"""One loader for everything this project takes from the Hugging Face Hub.

Every Hub model, tokenizer and dataset is loaded at the commit recorded in
`hub.lock.json` (committed, a DVC dependency of the stages that read the Hub):

- `python -m alignment_tax.hub manifest`: what the current params.yaml needs
  (every model and dataset role, with its revision and pinned commit);
- `python -m alignment_tax.hub pin`: resolve each missing role's revision to a
  commit once (on the Hub, or offline from the local cache's refs) and record it;
- `python -m alignment_tax.hub download [--cache DIR]`: fetch exactly those
  commits (safetensors, tokenizer and config files; a dataset's data files)
  into a Hugging Face cache that can be copied to an air-gapped machine.

A role with no pin is a one-line error naming the `pin` command, so a rerun next
month cannot silently pick up new weights or rows. trust_remote_code stays off
unless a model_zoo entry turns it on. See docs/paper_scale.md.
"""
from alignment_tax.hub.loader import (auto_config, causal_lm, dataset, masked_lm, pretrained,  # noqa: F401
                                      seq2seq_lm, sequence_classifier, tokenizer)
from alignment_tax.hub.pins import LOCK_FILE, commit_for  # noqa: F401
