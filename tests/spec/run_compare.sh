#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Writes a synthetic trace with mktrace (optionally cut to N bytes) and checks
# that the independent reader (read_trace.py, written from the spec alone)
# agrees with `dxgtrace dump --json` on it.
#   run_compare.sh DXGTRACE MKTRACE WORKDIR NAME [--cut N] -- MKTRACE-ARGS...
set -eu
dxgtrace=$1 mktrace=$2 work=$3 name=$4; shift 4
cut=
if [ "${1:-}" = --cut ]; then cut=$2; shift 2; fi
[ "$1" = -- ] && shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
trace="$work/$name.dxgt"
"$mktrace" "$@" "$trace"
if [ -n "$cut" ]; then
    head -c "$cut" "$trace" > "$trace.cut" && mv "$trace.cut" "$trace"
fi
exec python3 "$here/compare_dump.py" "$dxgtrace" "$trace"
