#!/usr/bin/env bash
# tests/demo_flags_test.sh REVERSE_BINARY — a bad flag or value exits with code 2 and says why.
set -uo pipefail
reverse="$1"
expect() {  # expect CODE TEXT ARGS...: the exit code and a fragment of stderr
    local code="$1" text="$2"
    shift 2
    local err
    err=$("$reverse" "$@" 2>&1 >/dev/null)
    local got=$?
    if [[ $got -ne $code || "$err" != *"$text"* ]]; then
        echo "FAILED: reverse $* exited $got (want $code), stderr: $err"
        exit 1
    fi
}
expect 2 "unknown flag --stepz (did you mean --steps?)" --stepz 10
expect 2 "is not an integer" --steps abc
expect 2 "outside" --lr 5
expect 2 "--heads must divide --d-model" --heads 3
expect 2 "missing value" --steps
"$reverse" --help | grep -q -- "--resume" || { echo "FAILED: --help lists no --resume"; exit 1; }
echo "flags: bad input exits with code 2 and a message"
