#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The agent's table, interpose/frida/src/calls.gen.ts, must equal what the
# generator prints from the call descriptor list, so that the Windows-side
# agent and the C code never disagree on a struct size or a buffer rule.
# With --update (or DXGT_UPDATE_GOLDEN=1), rewrites the checked-in file.
#   check_table.sh [--update] GENERATOR TABLE.ts
set -u
update=0
if [ "${1:-}" = --update ] || [ "${DXGT_UPDATE_GOLDEN:-0}" = 1 ]; then
    [ "${1:-}" = --update ] && shift
    update=1
fi
gen=$1 table=$2
want=$(mktemp)
trap 'rm -f "$want"' EXIT
"$gen" "$want" || { echo "generator failed: $gen" >&2; exit 1; }
if [ $update = 1 ]; then
    cp "$want" "$table"
    exit 0
fi
if ! diff -u "$table" "$want"; then
    echo "$table is out of date: run $0 --update $gen $table" >&2
    exit 1
fi
