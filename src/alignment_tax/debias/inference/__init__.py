"""Inference-time parts of the debiasing baselines: every evaluation stage depends on
this package (and on debias/runtime.py, which installs them), training code does not
live here."""
