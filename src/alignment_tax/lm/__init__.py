"""Causal-LM helpers every layer above uses: batched generation, padding, positions, context limits.

Below models/, debias/, augment/ and evaluate/, so augmenters and benchmarks share one
generation path without importing each other.
"""
