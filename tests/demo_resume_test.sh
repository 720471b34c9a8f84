#!/usr/bin/env bash
# tests/demo_resume_test.sh REVERSE_BINARY — resuming continues a run exactly.
#
# Trains a small model for 40 steps in one process, and again in two processes: one stopped
# after step 17 (--stop-after, as if killed after its checkpoint) and a fresh one resuming from
# that checkpoint. The final checkpoints (parameters, optimizer state, loss history) must be
# byte-identical.
set -euo pipefail
reverse="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--d-model 32 --heads 2 --layers 1 --d-ff 64 --batch 16 --steps 40 --eval-every 0
       --eval-examples 20 --min-length 6 --max-length 6 --threads 2 --seed 7)
"$reverse" "${flags[@]}" --out "$work/straight" > /dev/null
"$reverse" "${flags[@]}" --out "$work/resumed" --stop-after 17 > /dev/null
"$reverse" "${flags[@]}" --out "$work/resumed" --resume > "$work/resumed.log"
grep "resumed from .* at step 17" "$work/resumed.log"
cmp "$work/straight/checkpoint.safetensors" "$work/resumed/checkpoint.safetensors"
echo "resume: checkpoints after 40 steps are byte-identical"
