#!/usr/bin/env bash
# tests/install_consumer_test.sh BUILD_DIR CMAKE CXX [CXX_FLAGS] — installs the attograd built
# in BUILD_DIR to a temporary prefix, then configures, builds and runs tests/consumer against
# it with find_package(attograd), as another project would. Nothing of the source tree is on
# its include path: the headers come from the installed tree. CXX_FLAGS are the build's own
# (the sanitizers', whose runtime the installed libraries need).
set -euo pipefail
build="$1" cmake="$2" cxx="$3" flags="${4:-}"
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$cmake" --install "$build" --prefix "$scratch/prefix" >/dev/null
"$cmake" -S "$here/consumer" -B "$scratch/build" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
"$cmake" --build "$scratch/build" >/dev/null
if grep -rq -- "$(cd "$here/.." && pwd)/" "$scratch/build/CMakeFiles/consumer.dir/flags.make"; then
  echo "FAILED: the consumer compiled against the source tree, not the installed one"; exit 1
fi
mkdir "$scratch/run"
"$scratch/build/consumer" "$scratch/run"
