#!/usr/bin/env bash
# tests/demo_safety_test.sh REVERSE COPY RNN_VS_TRANSFORMER PRETRAIN_FINETUNE — what a run
# does when it is interrupted, shares its folder, or is pointed at the wrong things: it stops
# cleanly and says why, and loses nothing.
set -euo pipefail
reverse="$1" copy="$2" compare="$3" pretrain="$4"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
flags=(--d-model 32 --heads 2 --layers 1 --d-ff 64 --batch 8 --eval-every 0 --eval-examples 8
       --min-length 5 --max-length 5 --threads 1)
fail() { echo "FAILED: $*"; exit 1; }
expect_exit() {  # expect_exit CODE LOG_FILE COMMAND...: runs it, checks its exit code
  local code=$1 log=$2; shift 2
  local status=0
  "$@" > "$log" 2>&1 || status=$?
  [[ $status -eq $code ]] || { cat "$log"; fail "exit $status, expected $code: $*"; }
}
wait_for_training() {  # wait_for_training PID FOLDER: until the first checkpoint exists
  for _ in $(seq 100); do [[ -f "$2/checkpoint.safetensors" ]] && return; sleep 0.1; done
  fail "no checkpoint appeared in $2"
}

# 1. SIGINT (and SIGTERM) finish the step, save, say how to resume, and exit 130 (143).
for signal in INT TERM; do
  out="$work/$signal"
  "$reverse" "${flags[@]}" --steps 100000 --checkpoint-every 1 --out "$out" > "$out.log" 2>&1 &
  pid=$!
  wait_for_training "$pid" "$out"
  kill -s "$signal" "$pid"
  status=0; wait "$pid" || status=$?
  want=$([[ $signal == INT ]] && echo 130 || echo 143)
  [[ $status -eq $want ]] || { cat "$out.log"; fail "SIG$signal: exit $status, expected $want"; }
  grep -q "interrupted by SIG$signal after step" "$out.log" || fail "no interruption message"
  grep -q "run the same command with --resume" "$out.log" || fail "no resume hint"
  step=$(sed -n "s/.*interrupted by SIG$signal after step \([0-9]*\).*/\1/p" "$out.log")
  expect_exit 0 "$out.resume.log" "$reverse" "${flags[@]}" --steps $((step + 1)) --out "$out" --resume
  grep -q "resumed from .* at step $step\$" "$out.resume.log" || fail "did not resume at $step"
  ! ls "$out" | grep -q '\.tmp\.' || fail "temporary files left in $out: $(ls "$out")"
done

# 2. A second run on the same folder is refused, naming the first one's process id.
out="$work/shared"
"$reverse" "${flags[@]}" --steps 100000 --checkpoint-every 1 --out "$out" > "$out.first.log" 2>&1 &
first=$!
wait_for_training "$first" "$out"
expect_exit 1 "$out.second.log" "$reverse" "${flags[@]}" --steps 5 --out "$out" --resume
grep -q "in use by another run (process $first)" "$out.second.log" ||
  { cat "$out.second.log"; fail "second run not refused by pid"; }
# 3. Two signals: the second one exits at once; the checkpoint stays whole.
kill -INT "$first"; kill -INT "$first"
status=0; wait "$first" || status=$?
[[ $status -eq 130 ]] || fail "double SIGINT: exit $status"
expect_exit 0 "$out.after.log" "$reverse" "${flags[@]}" --steps 1 --out "$out" --resume

# 4. --out is checked before the first step: a file, or nothing at all.
touch "$work/afile.txt"
expect_exit 1 "$work/file.log" "$reverse" "${flags[@]}" --steps 3 --out "$work/afile.txt"
grep -q "exists and is not a folder" "$work/file.log" || { cat "$work/file.log"; fail "--out file"; }
! grep -q "^step\|resumed" "$work/file.log" || fail "trained before checking --out"
expect_exit 1 "$work/empty.log" "$reverse" "${flags[@]}" --steps 3 --out ""
grep -q "empty folder name" "$work/empty.log" || { cat "$work/empty.log"; fail "--out \"\""; }

# 5. A checkpoint path that is a link or a named pipe is refused, not written through or
#    waited on; the link's target is untouched.
out="$work/link"; mkdir -p "$out"; echo precious > "$work/precious.txt"
ln -s "$work/precious.txt" "$out/checkpoint.safetensors"
expect_exit 1 "$out.log" "$reverse" "${flags[@]}" --steps 3 --out "$out"
grep -q "is a symbolic link" "$out.log" || { cat "$out.log"; fail "symlinked checkpoint"; }
[[ "$(cat "$work/precious.txt")" == precious ]] || fail "the link's target was written"
out="$work/fifo"; mkdir -p "$out"; mkfifo "$out/checkpoint.safetensors"
expect_exit 1 "$out.log" timeout 60 "$reverse" "${flags[@]}" --steps 3 --out "$out" --resume
grep -q "is a named pipe" "$out.log" || { cat "$out.log"; fail "named pipe"; }

# 6. Another task's checkpoint is refused by name and left as it was.
out="$work/copy"
expect_exit 0 "$out.log" "$copy" "${flags[@]}" --steps 2 --out "$out"
before=$(sha256sum "$out/checkpoint.safetensors")
expect_exit 1 "$out.resume.log" "$reverse" "${flags[@]}" --steps 4 --out "$out" --resume
grep -q "task 'copy', this run trains 'reverse'" "$out.resume.log" ||
  { cat "$out.resume.log"; fail "another task's checkpoint"; }
[[ "$(sha256sum "$out/checkpoint.safetensors")" == "$before" ]] || fail "copy's checkpoint changed"

# 7. The demos that train more than once stop at the first signal too: rnn_vs_transformer
#    (one run per model) says how to resume, and its --resume continues the interrupted run and
#    starts the others; pretrain_finetune (no --resume) just stops. (timeout --foreground:
#    plain timeout would pass the signal on twice, and the second one exits at once.)
out="$work/compare"
compare_flags=(--lengths 3 --d-model 16 --heads 2 --layers 1 --batch 4 --eval-every 100000
               --threads 1 --out "$out")
timeout --foreground 120 "$compare" "${compare_flags[@]}" --steps 100000 > "$out.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "== rnn" "$out.log" && break; sleep 0.1; done
sleep 0.5; kill -INT "$pid"
status=0; wait "$pid" || status=$?
[[ $status -eq 130 ]] || { cat "$out.log"; fail "rnn_vs_transformer SIGINT: exit $status"; }
grep -q "interrupted by SIGINT after step [0-9]* of the rnn" "$out.log" ||
  { cat "$out.log"; fail "rnn_vs_transformer: no interruption message"; }
! grep -q "== transformer" "$out.log" || fail "rnn_vs_transformer trained on after SIGINT"
step=$(sed -n "s/.*interrupted by SIGINT after step \([0-9]*\) of the rnn.*/\1/p" "$out.log")
expect_exit 0 "$out.resume.log" timeout 120 "$compare" "${compare_flags[@]}" \
  --steps $((step + 2)) --resume
grep -q "resumed from .*rnn.safetensors at step $step\$" "$out.resume.log" ||
  { cat "$out.resume.log"; fail "rnn_vs_transformer did not resume at $step"; }
grep -q "result: task=reverse model=transformer" "$out.resume.log" ||
  { cat "$out.resume.log"; fail "rnn_vs_transformer did not go on to the transformer"; }
out="$work/pretrain"
timeout --foreground 120 "$pretrain" --seeds 1 --pretrain-steps 100000 --d-model 16 \
  --heads 2 --layers 1 --d-ff 32 --threads 1 --out "$out" > "$out.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^seed" "$out.log" && break; sleep 0.1; done
sleep 0.5; kill -TERM "$pid"
status=0; wait "$pid" || status=$?
[[ $status -eq 143 ]] || { cat "$out.log"; fail "pretrain_finetune SIGTERM: exit $status"; }
grep -q "interrupted by SIGTERM; this demo does not resume" "$out.log" ||
  { cat "$out.log"; fail "pretrain_finetune: no interruption message"; }

echo "safety: signals, a shared folder, a bad --out, links, pipes, another task's file and" \
  "the demos that train twice: 7 passed"
