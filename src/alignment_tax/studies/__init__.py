"""Studies: named pipelines beside the default graph, each in its own directory under studies/.

A study directory holds a `dvc.yaml` that is the repository's own (copied by compose.py: one
graph), symlinks to `stages/`, `src/` and `hub.lock.json`, its own `params.yaml` and, after a
run, its own `dvc.lock`, metrics, plots and reports. Its params.yaml is conf/ composed with the
experiment `conf/experiment/<name>_study.yaml` (compose.py), so the study states only what differs.
"""
