#!/usr/bin/env bash
# Installs what a make target needs and the machine lacks, then gets out of the way.
#
#   scripts/install-deps.sh build|gpt|test|asan|bench|compare|docs|valgrind|aarch64|fresh
#
# Debian/Ubuntu: apt-get (through sudo when not root). macOS: Homebrew. Anything already
# present is left alone, so a second run installs nothing and prints nothing.
set -euo pipefail

target="${1:-build}"

# Debian packages for each target. An entry "command:package" is satisfied when the command
# is on PATH (however it got there); a bare "package" when dpkg has it installed.
build_needs=(cmake:cmake make:make c++:g++ libcli11-dev)  # CLI11: the demos' flags
case "$target" in
  build) needs=("${build_needs[@]}") ;;
  gpt) needs=("${build_needs[@]}" fortunes) ;;  # the text demos/gpt learns
  test) needs=("${build_needs[@]}" catch2 xmllint:libxml2-utils fortunes) ;;  # xmllint: the SVG tests
  asan) needs=("${build_needs[@]}" catch2 xmllint:libxml2-utils clang++:clang libclang-rt-dev) ;;  # rt: the sanitizers
  bench) needs=("${build_needs[@]}" libbenchmark-dev libopenblas-dev fortunes) ;;  # fortunes: bench_tokenizer
  compare) needs=("${build_needs[@]}" libbenchmark-dev libopenblas-dev python3-torch) ;;  # PyTorch
  docs) needs=("${build_needs[@]}" doxygen:doxygen dot:graphviz libjs-mathjax) ;;
  valgrind) needs=(valgrind:valgrind) ;;
  aarch64) needs=(catch2 aarch64-linux-gnu-g++:g++-aarch64-linux-gnu qemu-aarch64:qemu-user) ;;
  fresh) needs=(debootstrap:debootstrap) ;;
  *) echo "install-deps.sh: unknown target '$target'" \
          "(build|gpt|test|asan|bench|compare|docs|valgrind|aarch64|fresh)" >&2
     exit 2 ;;
esac

if [[ "$(uname -s)" == Darwin ]]; then
  # Homebrew names (its Catch2 is v3, which tests/catch.h supports). Apple's clang has no
  # OpenMP; attograd's threads are its own, so none is needed.
  command -v brew >/dev/null || { echo "install-deps.sh: install Homebrew first" >&2; exit 1; }
  case "$target" in
    build) formulas=(cmake cli11) ;;
    gpt) formulas=(cmake cli11 fortune) ;;
    test) formulas=(cmake cli11 catch2 fortune) ;;
    asan) formulas=(cmake cli11 catch2) ;;
    bench) formulas=(cmake cli11 google-benchmark openblas fortune) ;;
    compare) formulas=(cmake cli11 google-benchmark openblas pytorch) ;;  # PYTHON=brew's python3
    docs) formulas=(cmake cli11 doxygen graphviz) ;;
    *) echo "install-deps.sh: '$target' is for Debian/Ubuntu only" >&2; exit 1 ;;
  esac
  for formula in "${formulas[@]}"; do
    brew list "$formula" >/dev/null 2>&1 || brew install "$formula"
  done
  exit 0
fi

missing=()
for entry in "${needs[@]}"; do
  if [[ "$entry" == *:* ]]; then
    command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry##*:}")
  else
    [[ "$(dpkg-query -W -f='${Status}' "$entry" 2>/dev/null)" == "install ok installed" ]] ||
      missing+=("$entry")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

command -v apt-get >/dev/null || {
  echo "install-deps.sh: please install: ${missing[*]}" >&2; exit 1; }
sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"
echo "install-deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
