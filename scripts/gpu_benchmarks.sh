#!/usr/bin/env bash
# The benchmarks of docs/benchmarks.md on CUDA, for a session lent a GPU machine; budget: under 8 minutes in all.
# Usage: bash scripts/gpu_benchmarks.sh [OUT_DIR]   (repository root, ../shared/data beside it)
# Writes OUT_DIR/<benchmark>.log and OUT_DIR/timings.txt; exits non-zero at the first failing step.
# Models: tiny (models/base/tiny when built, else params' architecture, seeded) and a GPT-2-small-sized
# model built from config: nothing is downloaded, so it runs on an air-gapped machine. The lm-eval
# comparison runs only where lm_eval imports (benchmarks/requirements-lm-eval.txt); otherwise it is skipped
# and the log says so: a GPU figure is never claimed for a run that did not happen.
set -euo pipefail
OUT="${1:-${OUT:-/tmp/gpu-benchmarks}}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src" DVC_NO_ANALYTICS=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
python - <<'PY' | tee "$OUT/timings.txt"
import torch
assert torch.cuda.is_available(), "no CUDA device: this script is for a GPU machine"
print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
PY
step() {  # step NAME SECONDS CMD...: one benchmark under its own time limit
  local name=$1 limit=$2; shift 2
  local t0; t0=$(date +%s)
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1 || { echo "$name failed: tail of $OUT/$name.log"; tail -30 "$OUT/$name.log"; exit 1; }
  echo "$name: $(( $(date +%s) - t0 )) s" | tee -a "$OUT/timings.txt"
}
step contrastive_tiny 60 python benchmarks/contrastive_step.py --device cuda --steps 10 --mirror ../shared/data
step contrastive_gpt2 90 python benchmarks/contrastive_step.py --device cuda --model gpt2 --batch-size 8 --steps 10 \
  --mirror ../shared/data
step contrastive_gpt2_post 90 python benchmarks/contrastive_step.py --device cuda --model gpt2 --batch-size 8 --steps 10 \
  --view post_and_target --mirror ../shared/data
step generation 60 python benchmarks/generation_throughput.py --device cuda --model tiny --prompts 16 --batch-size 16
step augment_toxic 60 python benchmarks/augment_generation.py --device cuda --augmenter toxic
if python -c "import lm_eval" 2>/dev/null; then
  step loglik_vs_lm_eval 90 python benchmarks/loglik_vs_lm_eval.py --device cuda --model tiny --tqa 40 --batch-size 16
else
  echo "loglik_vs_lm_eval: skipped (lm_eval does not import here; see benchmarks/requirements-lm-eval.txt)" \
    | tee -a "$OUT/timings.txt"
fi
