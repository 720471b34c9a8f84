#!/usr/bin/env bash
# Installs what a make target needs and the machine lacks, then gets out of the way.
#
#   scripts/install-deps.sh build|test|asan|bench|docs|valgrind|aarch64
#
# Debian/Ubuntu: apt-get (through sudo when not root). macOS: Homebrew. Anything already
# present is left alone, so a second run installs nothing and prints nothing.
set -euo pipefail

target="${1:-build}"

# Debian package names for each target, as "command-or-file:package" pairs: the package is
# installed when the command is missing from PATH (or the file, for a path, does not exist).
build_needs=(cmake:cmake make:make c++:g++)
case "$target" in
  build) needs=("${build_needs[@]}") ;;
  test) needs=("${build_needs[@]}" /usr/include/catch2/catch.hpp:catch2) ;;
  asan) needs=("${build_needs[@]}" /usr/include/catch2/catch.hpp:catch2 clang++:clang) ;;
  bench) needs=("${build_needs[@]}" /usr/include/benchmark/benchmark.h:libbenchmark-dev
                /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h:libopenblas-dev) ;;
  docs) needs=("${build_needs[@]}" doxygen:doxygen dot:graphviz
               /usr/share/javascript/mathjax/MathJax.js:libjs-mathjax) ;;
  valgrind) needs=(valgrind:valgrind) ;;
  aarch64) needs=(/usr/include/catch2/catch.hpp:catch2 aarch64-linux-gnu-g++:g++-aarch64-linux-gnu
                  qemu-aarch64:qemu-user) ;;
  *) echo "install-deps.sh: unknown target '$target' (build|test|asan|bench|docs|valgrind|aarch64)" >&2
     exit 2 ;;
esac

if [[ "$(uname -s)" == Darwin ]]; then
  # Homebrew names; Catch2 there is v3, which tests/ does not support yet.
  command -v brew >/dev/null || { echo "install-deps.sh: install Homebrew first" >&2; exit 1; }
  for formula in cmake catch2 google-benchmark doxygen graphviz; do
    brew list "$formula" >/dev/null 2>&1 || brew install "$formula"
  done
  exit 0
fi

missing=()
for pair in "${needs[@]}"; do
  what="${pair%%:*}" package="${pair##*:}"
  if [[ "$what" == /* ]]; then [[ -e "$what" ]] && continue
  else command -v "$what" >/dev/null 2>&1 && continue; fi
  # OpenBLAS's header lives in an architecture-specific folder: ask dpkg instead.
  if [[ "$package" == libopenblas-dev ]] && dpkg -s libopenblas-dev >/dev/null 2>&1; then continue; fi
  missing+=("$package")
done
# A sanitizer build also needs clang's runtime libraries; probe by linking a tiny program.
if [[ "$target" == asan ]] && command -v clang++ >/dev/null 2>&1; then
  probe=$(mktemp -d)
  echo 'int main() { return 0; }' > "$probe/probe.cpp"
  clang++ -fsanitize=address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>/dev/null ||
    missing+=(libclang-rt-dev)
  rm -rf "$probe"
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

command -v apt-get >/dev/null || {
  echo "install-deps.sh: please install: ${missing[*]}" >&2; exit 1; }
sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"
echo "install-deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
