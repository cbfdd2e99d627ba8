#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The test job: installs what is missing, builds with warnings as errors and
# runs the whole suite with ctest; then builds again with address and
# undefined-behaviour sanitizers and runs the same suite; then builds with
# ThreadSanitizer and runs the recorder's threaded tests (8 threads at
# once through libdxgtrace.so). Exits non-zero on the first failure.
#   scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dxgt_install_deps test

jobs=$(nproc 2>/dev/null || echo 2)
# run_suite DIR [CMAKE ARGS...] [-- CTEST ARGS...]
run_suite() {
    local dir=$1; shift
    local cm=() ct=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do cm+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    ct=("$@")
    cmake -S . -B "$dir" -DDXGT_WERROR=ON "${cm[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    (cd "$dir" && ctest --output-on-failure -j"$jobs" "${ct[@]}")
}

echo "== build and test (build/)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != --no-sanitize ]; then
    echo "== build and test with address+undefined sanitizers (build-asan/)"
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DDXGT_SANITIZE=address
    echo "== build and run the threaded recorder tests with ThreadSanitizer (build-tsan/)"
    run_suite build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDXGT_SANITIZE=thread \
        -- -R '^recorder[.]threads'
fi
