#!/usr/bin/env bash
# make bench-compare-fresh: `make bench-compare` inside a fresh Debian 13 root, where attograd
# is built by GCC 14 and PyTorch is Debian 13's python3-torch (2.6), as a learner on Debian 13
# would have them. The host's own `make bench-compare` gives Debian 12's PyTorch 1.13.
#
#   scripts/bench-compare-fresh.sh [bench/compare_pytorch.py's flags]   e.g. --backend avx2
#
# Needs root (debootstrap and chroot). The root is a copy of test-fresh's pristine one
# (scripts/fresh-root.sh), made from the commit checked out here, and removed at the end.
# Environment: FRESH_CACHE, FRESH_MIRROR, FRESH_LOGS and FRESH_KEEP, as for test-fresh.sh, and
# FRESH_SUITE (default trixie).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(id -u)" -ne 0 ]]; then
  echo "bench-compare-fresh.sh: needs root (debootstrap and chroot)" >&2
  exit 1
fi
suite="${FRESH_SUITE:-trixie}"
cache="${FRESH_CACHE:-/var/cache/attograd-fresh}"
mirror="${FRESH_MIRROR:-http://deb.debian.org/debian}"
logs="$(mkdir -p "${FRESH_LOGS:-build/fresh}" && cd "${FRESH_LOGS:-build/fresh}" && pwd)"
commit="$(git rev-parse HEAD)"
args=""
[[ $# -eq 0 ]] || args="$(printf '%q ' "$@")"
scripts/install-deps.sh fresh

. scripts/fresh-root.sh
work_roots=()
trap remove_work_roots EXIT
pristine="$(pristine_root "$suite")"
work="$(mktemp -d "/var/tmp/attograd-compare-$suite.XXXXXX")"
work_roots+=("$work")
work_root "$pristine" "$work/root" "$suite"

echo "bench-compare-fresh.sh: [$suite] installing the compiler, building, then comparing" >&2
in_root "$work/root" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends g++ cmake make git >/dev/null && \
  git clone -q /srv/attograd.git /root/attograd && cd /root/attograd && \
  git checkout -q --detach $commit && \
  make bench-compare COMPARE_ARGS='$args'" 2>&1 | tee "$logs/$suite-compare.log"
echo "(commit ${commit:0:12} in Debian $suite; log in $logs/$suite-compare.log)"
