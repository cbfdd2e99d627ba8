#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The test job: installs what is missing, builds with warnings as errors and
# runs the whole suite with ctest; then builds again with address and
# undefined-behaviour sanitizers and runs the same suite. Exits non-zero on
# the first failure.
#   scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dxgt_install_deps test

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DDXGT_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

echo "== build and test (build/)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != --no-sanitize ]; then
    echo "== build and test with address+undefined sanitizers (build-asan/)"
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DDXGT_SANITIZE=address
fi
