# Functions shared by scripts/test-fresh.sh and scripts/bench-compare-fresh.sh: pristine Debian
# roots made once by debootstrap and kept in a cache, work copies of them, and commands run
# inside a copy. Sourced, not run. The caller sets cache, mirror and logs.
#
# Every mount lives in a private mount namespace (unshare) that ends with its command, so no
# mount outlives a step, whatever fails, and removing a work root can never reach the host.

# A pristine minimal root of $1, made once and kept in the cache. It is marked complete only
# after debootstrap succeeds, so an interrupted build is never reused.
pristine_root() {
  local suite="$1" dir="$cache/$suite"
  if [[ ! -f "$dir/.attograd-complete" ]]; then
    rm -rf "$dir" "$dir.partial"
    mkdir -p "$cache"
    echo "$(basename "$0"): debootstrap $suite (kept in $cache for the next run)" >&2
    debootstrap --variant=minbase "$suite" "$dir.partial" "$mirror" \
      >"$logs/$suite-debootstrap.log" 2>&1 ||
      { echo "$(basename "$0"): debootstrap $suite failed: see $logs/$suite-debootstrap.log" >&2
        return 1; }
    touch "$dir.partial/.attograd-complete"
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

# A work copy of the pristine root $1 at $2, with the network set up, Debian's sources for
# suite $3, and the commit checked out here as a bare repository at /srv/attograd.git, which a
# step inside the root clones.
work_root() {
  local pristine="$1" root="$2" suite="$3"
  cp -a "$pristine" "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SOURCES
  git clone -q --bare --no-local . "$root/srv/attograd.git"
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

# Removes the work roots named in the array work_roots, unless FRESH_KEEP=1. A root that still
# has mounts is left in place.
remove_work_roots() {
  [[ "${FRESH_KEEP:-0}" == 1 ]] && { echo "$(basename "$0"): kept ${work_roots[*]}"; return; }
  for dir in "${work_roots[@]}"; do
    if grep -qF " $dir/" /proc/self/mountinfo; then
      echo "$(basename "$0"): $dir still has mounts; left in place" >&2
    else
      rm -rf "$dir"
    fi
  done
}
