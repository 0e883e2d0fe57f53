"""Debiasing baselines (CDA, Dropout, INLP, SentenceDebias, Self-Debias, Instructive, DPO)."""
