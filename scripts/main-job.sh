#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: installs what is missing, builds, and runs the richest thing
# dxgtrace does today. Until the recorder and the mock host land it works on
# a synthetic trace of the NPU field report's call sequence (both layers,
# the failing escapes) written by the test generator, and shows it with
# `dxgtrace info`, `dump` and `stats`. Files go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dxgt_install_deps test

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p out
trace=out/npu-synthetic.dxgt
build/tests/tools/mktrace npu "$trace"

echo "== dxgtrace info $trace"
build/cli/dxgtrace info "$trace"
echo
echo "== dxgtrace dump $trace"
build/cli/dxgtrace dump "$trace"
echo
echo "== dxgtrace stats $trace"
build/cli/dxgtrace stats "$trace"
echo
build/cli/dxgtrace dump --json "$trace" > out/npu-synthetic.jsonl
echo "wrote: $trace, out/npu-synthetic.jsonl (synthetic payload bytes; the recorder is the next step)"
