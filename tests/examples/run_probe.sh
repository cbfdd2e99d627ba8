#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs one probe example (examples/npu-probe, examples/dxg-probe,
# examples/igpu-probe) and checks what a user would see. Three modes:
#
#   run_probe.sh [--update] --expect FILE --preload LIBS --profile NAME -- PROG ARGS...
#       Runs PROG under the mock host (LD_PRELOAD=LIBS, DXGMOCK_PROFILE=NAME)
#       and compares its stdout, plus a last line "[exit N]" with its exit
#       status, with FILE. Lines of FILE starting with '#' are the
#       expectation's reasoning and are not compared. --update (or
#       DXGT_UPDATE_GOLDEN=1) rewrites FILE from the run, keeping those
#       comment lines: review the diff before committing it.
#   run_probe.sh --unavailable WHAT PATTERN -- PROG ARGS...
#       Runs PROG with no mock and expects exit status 2 and a message on
#       stderr matching PATTERN (grep -E). Exits 77 (skipped) when WHAT exists,
#       that is on a real WSL2 machine where the interface is there.
#   run_probe.sh --not-linked -- PROG
#       Checks that PROG does not link libdxcore or libdxgmock: a probe
#       reaches either only through dlopen or LD_PRELOAD at run time.
#
# LD_PRELOAD is set for PROG alone, never for this script or diff.
set -u

update=0
[ "${DXGT_UPDATE_GOLDEN:-0}" = 1 ] && update=1
mode=golden expect='' preload='' profile='' what='' pattern=''
while [ $# -gt 0 ]; do
    case $1 in
    --update) update=1; shift ;;
    --expect) expect=$2; shift 2 ;;
    --preload) preload=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --unavailable) mode=unavailable what=$2 pattern=$3; shift 3 ;;
    --not-linked) mode=not-linked; shift ;;
    --) shift; break ;;
    *) echo "run_probe.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ $# -ge 1 ] || { echo "run_probe.sh: no program given" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case $mode in
not-linked)
    if ! readelf -d "$1" > "$tmp/dyn" 2>&1; then
        cat "$tmp/dyn" >&2
        exit 1
    fi
    if grep -E 'NEEDED.*(dxcore|dxgmock)' "$tmp/dyn"; then
        echo "$1 links libdxcore or libdxgmock; it must only dlopen them" >&2
        exit 1
    fi
    exit 0
    ;;
unavailable)
    if [ -e "$what" ]; then
        echo "$what exists here: the probe would reach the real interface; skipped"
        exit 77
    fi
    "$@" > "$tmp/out" 2> "$tmp/err"
    status=$?
    cat "$tmp/err"
    if [ $status -ne 2 ]; then
        echo "expected exit status 2, got $status; stdout:" >&2
        cat "$tmp/out" >&2
        exit 1
    fi
    if ! grep -qE "$pattern" "$tmp/err"; then
        echo "stderr does not match /$pattern/" >&2
        exit 1
    fi
    exit 0
    ;;
esac

if [ -z "$expect" ] || [ -z "$preload" ] || [ -z "$profile" ]; then
    echo "run_probe.sh: --expect, --preload and --profile are needed" >&2
    exit 2
fi
for lib in ${preload//:/ }; do
    [ -e "$lib" ] || { echo "run_probe.sh: $lib does not exist (build the dxgmock target)" >&2; exit 1; }
done

LD_PRELOAD=$preload DXGMOCK_PROFILE=$profile "$@" > "$tmp/out" 2> "$tmp/err"
echo "[exit $?]" >> "$tmp/out"

if [ $update = 1 ]; then
    { [ -f "$expect" ] && grep '^#' "$expect"; cat "$tmp/out"; } > "$tmp/new"
    mv "$tmp/new" "$expect"
    echo "updated $expect"
    exit 0
fi
if [ ! -f "$expect" ]; then
    echo "$expect does not exist; the run printed:" >&2
    cat "$tmp/out" "$tmp/err" >&2
    exit 1
fi
grep -v '^#' "$expect" > "$tmp/want"
if ! diff -u "$tmp/want" "$tmp/out"; then
    echo "--- stderr of: LD_PRELOAD=$preload DXGMOCK_PROFILE=$profile $*" >&2
    cat "$tmp/err" >&2
    echo "$expect differs; if the change is intended: DXGT_UPDATE_GOLDEN=1 ctest -R examples" >&2
    exit 1
fi
exit 0
