#!/usr/bin/env bash
# tests/demo_gpt_test.sh GPT_BINARY [quick] — demos/gpt as a user runs it, on the first 200 KB
# of the fortunes (Debian's `fortunes` package, which `make test` installs):
#   1. a tiny GPT learns the text: held-out loss below 2.6 nats per byte, in under 30 s (with
#      `quick`, for slow sanitizer builds: 100 steps, below 3.3, no time limit);
#   2. an interrupted run resumed with --resume ends with the checkpoint of a run that was
#      never interrupted, byte for byte;
#   3. --generate needs nothing but the checkpoint, continues the prompt, and a seed fixes the
#      text;
#   4. a damaged checkpoint is refused with a message naming the file, and nothing is written.
# Exits 77 (skipped, in CTest) when the fortunes are not installed.
set -euo pipefail
gpt="$1"
quick="${2:-}"
data=/usr/share/games/fortunes
[[ -d "$data" ]] || { echo "skipped: $data is missing (install Debian's fortunes package)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tiny=(--data "$data" --data-bytes 200000 --d-model 64 --heads 4 --layers 2 --d-ff 256
      --context 64 --batch 32 --threads 2 --seed 3 --sample-tokens 0)

# 1. It learns.
steps=600 most_loss=2.6 most_seconds=30
[[ "$quick" == quick ]] && steps=100 most_loss=3.3 most_seconds=1000000
"$gpt" "${tiny[@]}" --steps $steps --eval-every 200 --out "$work/learn" | tee "$work/learn.log"
result=$(grep '^result: ' "$work/learn.log")
loss=$(sed -E 's/.* val_loss_per_byte=([0-9.]+).*/\1/' <<< "$result")
seconds=$(sed -E 's/.* seconds=([0-9.]+).*/\1/' <<< "$result")
awk -v l="$loss" -v s="$seconds" -v ml=$most_loss -v ms=$most_seconds \
    'BEGIN { exit !(l < ml && s < ms) }' ||
  { echo "FAIL: held-out loss $loss nats/byte in $seconds s (want < $most_loss in < $most_seconds s)"
    exit 1; }
echo "learns: $loss nats/byte in $seconds s"

# 2. Resume continues exactly.
short=("${tiny[@]}" --steps 30 --eval-every 10 --checkpoint-every 0)
"$gpt" "${short[@]}" --out "$work/straight" > /dev/null
"$gpt" "${short[@]}" --out "$work/resumed" --stop-after 13 > "$work/stopped.log"
grep -q "stopped after step 13; --resume continues" "$work/stopped.log"
"$gpt" "${short[@]}" --out "$work/resumed" --resume > "$work/resumed.log"
grep -q "resumed from .* at step 13" "$work/resumed.log"
cmp "$work/straight/checkpoint.safetensors" "$work/resumed/checkpoint.safetensors"
echo "resume: checkpoints after 30 steps are byte-identical"

# 3. --generate reads the checkpoint alone (no --data, no size flags).
one=$("$gpt" --generate --out "$work/learn" --prompt "The " --max-new-tokens 40 --seed 9)
two=$("$gpt" --generate --out "$work/learn" --prompt "The " --max-new-tokens 40 --seed 9)
[[ "$one" == "The "* && ${#one} -gt 4 ]] || { echo "FAIL: generated '$one'"; exit 1; }
[[ "$one" == "$two" ]] || { echo "FAIL: the same seed wrote '$one' and '$two'"; exit 1; }
echo "generate: '$one'"

# 4. A damaged checkpoint: a clear error naming the file, exit 1, the file unchanged.
checkpoint="$work/learn/checkpoint.safetensors"
size=$(stat -c %s "$checkpoint")
printf '\x55' | dd of="$checkpoint" bs=1 seek=$((size - 3)) conv=notrunc status=none
cp "$checkpoint" "$work/damaged"
status=0
"$gpt" --generate --out "$work/learn" --prompt "The " 2> "$work/error.log" > /dev/null || status=$?
cat "$work/error.log"
[[ $status -eq 1 ]] || { echo "FAIL: exit $status for a damaged checkpoint"; exit 1; }
grep -q "$checkpoint" "$work/error.log"
grep -qi "checksum" "$work/error.log"
cmp "$checkpoint" "$work/damaged"
echo "damaged checkpoint: refused"
