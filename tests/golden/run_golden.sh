#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Golden-output test harness: runs a command and compares its stdout with a
# committed .stdout file, and its exit status with the one expected.
#
#   run_golden.sh [--update] [--status N] NAME EXPECTED_FILE -- CMD [ARGS...]
#
# On a mismatch it prints `diff -u EXPECTED actual` (or the two statuses)
# and exits 1. With --update, or DXGT_UPDATE_GOLDEN=1 in the environment,
# it rewrites EXPECTED_FILE from the actual output instead, but only when
# the exit status is the expected one, so an error never becomes a golden
# file. Exits 2 on a usage error. stderr of the command passes through.
set -u

usage() {
	echo "usage: run_golden.sh [--update] [--status N] NAME EXPECTED_FILE -- CMD [ARGS...]" >&2
	exit 2
}

update=${DXGT_UPDATE_GOLDEN:-0}
[ "$update" = 1 ] || update=0
want_status=0
while [ $# -gt 0 ]; do
	case $1 in
	--update) update=1; shift ;;
	--status)
		[ $# -ge 2 ] || usage
		want_status=$2
		shift 2
		;;
	--*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 4 ] && [ "$3" = "--" ] || usage
case $want_status in '' | *[!0-9]*) usage ;; esac
name=$1
expected=$2
shift 3

actual=$(mktemp "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -f "$actual"' EXIT
"$@" >"$actual"
status=$?

if [ "$status" -ne "$want_status" ]; then
	echo "golden $name: exit status $status, expected $want_status: $*" >&2
	exit 1
fi
if [ "$update" = 1 ]; then
	mkdir -p "$(dirname "$expected")" && cat "$actual" >"$expected" || exit 2
	echo "golden $name: updated $expected"
	exit 0
fi
if [ ! -f "$expected" ]; then
	echo "golden $name: no expected output $expected (run with --update to create it)" >&2
	exit 1
fi
if ! diff -u --label "$expected" --label "$name (actual output)" "$expected" "$actual"; then
	echo "golden $name: output differs from $expected" >&2
	exit 1
fi
echo "golden $name: ok"
