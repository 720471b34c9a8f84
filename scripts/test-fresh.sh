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
# Every mount lives in a private mount namespace (unshare) that ends with its command, so no
# mount outlives a step, whatever fails, and removing a work root can never reach the host.
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

work_roots=()
cleanup() {
  [[ "${FRESH_KEEP:-0}" == 1 ]] && { echo "test-fresh.sh: kept ${work_roots[*]}"; return; }
  for dir in "${work_roots[@]}"; do
    # Mounts were made in private namespaces; refuse to delete anything still mounted anyway.
    if grep -qF " $dir/" /proc/self/mountinfo; then
      echo "test-fresh.sh: $dir still has mounts; left in place" >&2
    else
      rm -rf "$dir"
    fi
  done
}
trap cleanup EXIT

# A pristine minimal root of $1, made once and kept in the cache. It is marked complete only
# after debootstrap succeeds, so an interrupted build is never reused.
pristine_root() {
  local suite="$1" dir="$cache/$suite"
  if [[ ! -f "$dir/.attograd-complete" ]]; then
    rm -rf "$dir" "$dir.partial"
    mkdir -p "$cache"
    echo "test-fresh.sh: debootstrap $suite (kept in $cache for the next run)" >&2
    debootstrap --variant=minbase "$suite" "$dir.partial" "$mirror" \
      >"$logs/$suite-debootstrap.log" 2>&1 ||
      { echo "test-fresh.sh: debootstrap $suite failed: see $logs/$suite-debootstrap.log" >&2
        return 1; }
    touch "$dir.partial/.attograd-complete"
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

# Runs a shell command line as root inside the root $1, in a clean environment, with /proc,
# /dev and /sys mounted for the command's lifetime only.
in_root() {
  local root="$1" command="$2"
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    root="$1"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t sysfs -o ro sysfs "$root/sys"
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$2"
  ' in_root "$root" "$command"
}

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
  cp -a "$pristine" "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SOURCES
  # The commit under test, as a bare repository the root clones from.
  git clone -q --bare --no-local . "$root/srv/attograd.git"

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
