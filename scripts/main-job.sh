#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: installs what is missing, builds, and runs the end-to-end
# scenario on the mock host. The NPU field report's program (examples/
# npu-probe) is recorded by libdxgtrace.so against the mock WSL2 host with
# the wsl2-intel-npu profile, which refuses every non-empty escape as the
# reporter's host does; the trace is then shown with `dxgtrace info`,
# `dump` and `stats`, and exported as JSON Lines. Files go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dxgt_install_deps test

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p out
trace=out/npu-probe.dxgt
rm -f "$trace"

echo "== dxgtrace record -o $trace --mock wsl2-intel-npu -- build/examples/npu-probe"
# npu-probe exits 1 when calls fail, which is the point of this profile.
status=0
build/cli/dxgtrace record -o "$trace" --mock wsl2-intel-npu -- build/examples/npu-probe ||
    status=$?
if [ "$status" -ne 1 ] || [ ! -s "$trace" ]; then
    echo "main job: expected npu-probe to report failing calls (exit 1) and a trace," \
         "got exit $status" >&2
    exit 1
fi
echo
echo "== dxgtrace info $trace"
build/cli/dxgtrace info "$trace"
echo
echo "== dxgtrace dump $trace"
build/cli/dxgtrace dump "$trace"
echo
echo "== dxgtrace stats $trace"
build/cli/dxgtrace stats "$trace"
echo
build/cli/dxgtrace dump --json "$trace" > out/npu-probe.jsonl
echo "wrote: $trace, out/npu-probe.jsonl"
