#!/usr/bin/env bash
# make test-fresh: the README's two commands, exactly as written, on fresh roots of Debian.
#
#   scripts/test-fresh.sh [SUITE ...]        (default: bookworm trixie, i.e. Debian 12 and 13)
#
# For each suite it builds a minimal root with debootstrap, installs only a compiler, CMake,
# make and git, clones the commit under test (HEAD of this checkout: uncommitted changes are
# not tested), and runs `make demo`, then `make test`, as a learner would on a new machine.
# Inside Debian 13 it then also builds with warnings as errors (GCC 14, benchmarks included),
# runs the suite under AddressSanitizer + UBSan (Clang 19) and builds the docs with zero
# warnings, which the two commands alone never exercise. It ends with a table.
#
# Needs root (debootstrap and chroot). Environment:
#   FRESH_CACHE   where the pristine roots are kept between runs (default
#                 /var/cache/attograd-fresh); a missing or half-made one is built again, and a
#                 run never changes it: each run works on a copy
#   FRESH_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
#   FRESH_LOGS    where each step's log goes (default build/fresh)
#   FRESH_EXTRAS  0 skips the Debian 13 extras (default 1)
#   FRESH_KEEP    1 keeps the work roots for inspection (default 0)
#
# The roots, their copies and the commands inside them are scripts/fresh-root.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(id -u)" -ne 0 ]]; then
  echo "test-fresh.sh: needs root (debootstrap and chroot); run: sudo make test-fresh" >&2
  exit 1
fi

suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(bookworm trixie)
cache="${FRESH_CACHE:-/var/cache/attograd-fresh}"
mirror="${FRESH_MIRROR:-http://deb.debian.org/debian}"
logs="$(mkdir -p "${FRESH_LOGS:-build/fresh}" && cd "${FRESH_LOGS:-build/fresh}" && pwd)"
commit="$(git rev-parse HEAD)"
[[ -z "$(git status --porcelain --untracked-files=no)" ]] ||
  echo "test-fresh.sh: note: uncommitted changes are not tested; testing commit ${commit:0:12}"

scripts/install-deps.sh fresh
command -v unshare >/dev/null || { echo "test-fresh.sh: needs unshare (util-linux)" >&2; exit 1; }

. scripts/fresh-root.sh
work_roots=()
trap remove_work_roots EXIT

# Runs step $2 of suite $1 (command line $3 inside the root $4), logging to a file and
# recording "ok <seconds>" or "FAILED <seconds>" in result[$1.$2].
declare -A result
step() {
  local suite="$1" name="$2" command="$3" root="$4" start status
  local log="$logs/$suite-$name.log"
  echo "test-fresh.sh: [$suite] $name: $command" >&2
  start=$(date +%s)
  set +e
  in_root "$root" "$command" >"$log" 2>&1
  status=$?
  set -e
  local seconds=$(( $(date +%s) - start ))
  if [[ $status -eq 0 ]]; then
    result[$suite.$name]="ok ${seconds} s"
  else
    result[$suite.$name]="FAILED ${seconds} s"
    echo "test-fresh.sh: [$suite] $name failed (exit $status); the end of $log:" >&2
    tail -n 30 "$log" >&2
  fi
  return $status
}

failed=0
for suite in "${suites[@]}"; do
  pristine="$(pristine_root "$suite")" || { failed=1; result[$suite.root]="FAILED"; continue; }
  work="$(mktemp -d /var/tmp/attograd-fresh-$suite.XXXXXX)"
  work_roots+=("$work")
  root="$work/root"
  work_root "$pristine" "$root" "$suite"  # the commit under test at /srv/attograd.git

  # What the README assumes a learner has: a compiler, CMake, make and git.
  step "$suite" setup "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends g++ cmake make git >/dev/null && \
    git clone -q /srv/attograd.git /root/attograd && \
    git -C /root/attograd checkout -q --detach $commit" "$root" || { failed=1; continue; }

  # The README's two commands, exactly as written.
  step "$suite" demo "cd /root/attograd && make demo" "$root" || failed=1
  if step "$suite" test "cd /root/attograd && make test" "$root"; then
    result[$suite.tests]="$(grep -oE '[0-9]+ tests passed|out of [0-9]+' "$logs/$suite-test.log" |
      tail -n 1 | grep -oE '[0-9]+' || true)"  # no count found: the table shows "-"
  else
    failed=1
  fi

  # Debian 13: what the two commands never exercise. Warnings as errors under GCC 14 (with
  # the benchmarks, so they are compiled too), the sanitizer suite under Clang 19, the docs.
  if [[ "$suite" == trixie && "${FRESH_EXTRAS:-1}" == 1 ]]; then
    step "$suite" werror "cd /root/attograd && scripts/install-deps.sh bench >/dev/null && \
      make build CMAKE_ARGS=-DATTOGRAD_WERROR=ON" "$root" || failed=1
    step "$suite" asan "cd /root/attograd && \
      make test-asan CMAKE_ARGS=-DATTOGRAD_WERROR=ON" "$root" || failed=1
    step "$suite" docs "cd /root/attograd && make docs CMAKE_ARGS=-DATTOGRAD_WERROR=ON" \
      "$root" || failed=1
  fi

  # The versions a learner would have got.
  result[$suite.versions]="$(in_root "$root" '
    . /etc/os-release; printf "%s|" "$PRETTY_NAME"
    printf "g++ %s|" "$(g++ -dumpfullversion)"
    printf "%s|" "$(dpkg-query -W -f="\${Version}" catch2 2>/dev/null | cut -d- -f1)"
    printf "%s" "$(doxygen --version 2>/dev/null || true)"')"
done

# The table.
printf '\n%-30s %-11s %-7s %-7s %-10s %-10s %-6s %-10s %-10s %-10s\n' distribution compiler \
  Catch2 Doxygen "make demo" "make test" tests werror asan docs
for suite in "${suites[@]}"; do
  IFS='|' read -r name compiler catch2 doxygen <<<"${result[$suite.versions]:-$suite|||}"
  printf '%-30s %-11s %-7s %-7s %-10s %-10s %-6s %-10s %-10s %-10s\n' "${name:-$suite}" \
    "${compiler:--}" "${catch2:--}" "${doxygen:--}" "${result[$suite.demo]:--}" \
    "${result[$suite.test]:--}" "${result[$suite.tests]:--}" "${result[$suite.werror]:--}" \
    "${result[$suite.asan]:--}" "${result[$suite.docs]:--}"
done
echo "(commit ${commit:0:12}; logs in $logs)"
exit $failed
