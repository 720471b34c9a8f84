#!/usr/bin/env bash
# tests/demo_flags_test.sh REVERSE_BINARY — a bad flag or value exits with code 2 and says why,
# naming the flag, as the user sees it from a real demo (tests/test_demo_cli.cpp has the rest).
set -uo pipefail
reverse="$1"
expect() {  # expect CODE TEXT ARGS...: the exit code and a fragment of stderr
    local code="$1" text="$2"
    shift 2
    local err
    err=$("$reverse" "$@" 2>&1 >/dev/null)
    local got=$?
    if [[ $got -ne $code || "$err" != *"$text"* || "$err" != *"run with --help"* ]]; then
        echo "FAILED: reverse $* exited $got (want $code), stderr: $err"
        exit 1
    fi
}
expect 2 "--stepz" --stepz 10
expect 2 "--steps" --steps abc
expect 2 "--lr: '5' is outside [1e-07, 1]" --lr 5
expect 2 "--lr: 'nan' is outside" --lr nan
expect 2 "--heads: must divide --d-model" --heads 3
expect 2 "--max-length: must be at least --min-length" --min-length 5 --max-length 4
expect 2 "--steps" --steps
"$reverse" --help | grep -q -- "--resume" || { echo "FAILED: --help lists no --resume"; exit 1; }
echo "flags: bad input exits with code 2 and a message naming the flag"
