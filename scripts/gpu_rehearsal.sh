#!/usr/bin/env bash
# The rehearsal on CUDA with the paper's precisions (phi2 / llama2_7b fp16 as in params.yaml; the
# CPU run overrides them to fp32). For a session lent a GPU machine; budget: under 8 minutes.
# Usage: bash scripts/gpu_rehearsal.sh [OUT_DIR]   (run from the repository root, ../shared/data beside it)
# Writes OUT_DIR/{build.log,run.log,timings.txt,metrics/}; exits non-zero at the first failing step.
set -euo pipefail
OUT="${1:-${OUT:-/tmp/gpu-rehearsal}}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src" DVC_NO_ANALYTICS=1 TOKENIZERS_PARALLELISM=false
python - <<'PY' | tee "$OUT/timings.txt"
import torch
assert torch.cuda.is_available(), "no CUDA device: this script is for a GPU machine"
print("device:", torch.cuda.get_device_name(0), "bf16:", torch.cuda.is_bf16_supported(), "torch", torch.__version__)
PY
CACHE="$OUT/hf-cache"; WS="$OUT/ws"; rm -rf "$CACHE" "$WS"
t0=$(date +%s)
timeout 180 python -m alignment_tax.rehearsal build "$CACHE" --mirror "${MIRROR:-../shared/data}" > "$OUT/build.log" 2>&1
t1=$(date +%s); echo "build: $((t1 - t0)) s" | tee -a "$OUT/timings.txt"
# the three Hub models, one method per family, the zoo's own fp16 precisions (--grid full: every method; more
# stages than 8 minutes allow, since each stage pays its own Python + torch start-up)
timeout 420 python -m alignment_tax.rehearsal run "$CACHE" "$WS" --grid models --device-precisions > "$OUT/run.log" 2>&1 \
  || { echo "run failed: tail of $OUT/run.log"; tail -40 "$OUT/run.log"; exit 1; }
t2=$(date +%s); echo "run (3 models, one method per family, fp16): $((t2 - t1)) s" | tee -a "$OUT/timings.txt"
cp -r "$WS/metrics" "$OUT/metrics"
grep -h '"precision"' -r "$WS/metrics/train" | sort | uniq -c | tee -a "$OUT/timings.txt" || true
