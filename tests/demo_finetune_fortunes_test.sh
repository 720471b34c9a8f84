#!/usr/bin/env bash
# tests/demo_finetune_fortunes_test.sh PRETRAIN_FINETUNE_BINARY — pretrain_finetune on real
# labels, as a user runs it: `--data fortunes` pretrains on the fortunes (next-token, the
# default there), fine-tunes on at most --per-topic fortunes of each of the four topics, and
# scores both arms on the held-out fortunes of those topics; a missing folder or topic is
# refused with a message naming it. Exits 77 (skipped, in CTest) without the fortunes.
set -euo pipefail
demo="$1"
data=/usr/share/games/fortunes
[[ -d "$data" ]] || { echo "skipped: $data is missing (install Debian's fortunes package)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$demo" --data fortunes --seeds 2 --per-topic 10 --pretrain-steps 20 --finetune-steps 10 \
        --eval-every 5 --max-length 48 --threads 2 --out "$work/run" | tee "$work/run.log"
grep -q "^task: fortunes, 4 classes, " "$work/run.log" || fail "no task line"
grep -q "with next-token, then fine-tune 10 steps on 40 labelled ones" "$work/run.log" ||
  fail "the plan is not next-token pretraining and 40 labels"
grep -q "skipped: lm_head.weight" "$work/run.log" || fail "the classifier did not skip lm_head"
result=$(grep '^result: ' "$work/run.log") || fail "no result line"
[[ "$result" =~ task=fortunes\ pretrained_accuracy=[01]\.[0-9]+\ scratch_accuracy=[01]\.[0-9]+\ pretrained_sd=[0-9.]+\ scratch_sd=[0-9.]+\ labeled_examples=40\ seeds=2 ]] ||
  fail "result line: $result"
[[ -s "$work/run/finetune_accuracy.svg" ]] || fail "no plot"
grep -q "Fortune topics from 40 labels" "$work/run/finetune_accuracy.svg" || fail "plot title"

# A refusal names what is wrong, exits 1, and creates nothing.
set +e
"$demo" --data "$work/no-such-folder" --out "$work/missing" > "$work/missing.log" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] || fail "a missing --data folder: exit $status"
grep -q "no-such-folder" "$work/missing.log" || { cat "$work/missing.log"; fail "message does not name the folder"; }
[[ ! -e "$work/missing" ]] || fail "a refused run created its --out folder"
set +e
"$demo" --data fortunes --topics computers no-such-topic --out "$work/topic" > "$work/topic.log" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] || fail "a missing topic: exit $status"
grep -q "topic 'no-such-topic'" "$work/topic.log" || { cat "$work/topic.log"; fail "message does not name the topic"; }
[[ ! -e "$work/topic" ]] || fail "a refused run created its --out folder"
echo "pretrain_finetune --data fortunes: runs, reports, refuses"
