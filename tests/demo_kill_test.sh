#!/usr/bin/env bash
# tests/demo_kill_test.sh REVERSE_BINARY — a kill at any moment leaves a checkpoint to resume.
#
# Runs a demo that saves a checkpoint after every step and kills it (SIGKILL: no chance to
# clean up) at varied moments, some of them surely in the middle of writing a file. Each time,
# a fresh process must resume from the checkpoint: saves go to a fresh "<path>.tmp.<pid>.<n>"
# and are renamed over the previous file only once complete, so the file on disk is always a
# whole one.
set -euo pipefail
reverse="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--d-model 64 --heads 2 --layers 1 --d-ff 128 --batch 8 --eval-every 0 --eval-examples 8
       --min-length 5 --max-length 5 --threads 1 --checkpoint-every 1 --out "$work/run")
"$reverse" "${flags[@]}" --steps 3 > /dev/null  # a first checkpoint to resume from
for delay in 0.05 0.11 0.17 0.23 0.31 0.37 0.43 0.53; do
    "$reverse" "${flags[@]}" --steps 100000 --resume > /dev/null &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
# Whatever moment the last kill hit, the checkpoint loads (--steps 1 is already behind it, so
# this run loads, checks and evaluates, and trains no further).
"$reverse" "${flags[@]}" --steps 1 --resume > "$work/last.log" 2>&1 ||
    { cat "$work/last.log"; exit 1; }
grep "resumed from" "$work/last.log"
echo "kill: 8 runs killed mid-training; the checkpoint always resumed"
