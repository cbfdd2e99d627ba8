#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Tests the golden harness itself: run_golden.sh must pass matching output,
# and must fail on a wrong expected file, a wrong exit status, a missing
# expected file and a command killed by a signal; --update and
# DXGT_UPDATE_GOLDEN=1 must rewrite the file, except when the status is
# wrong. Without this a harness that always passed would go unnoticed.
#
#   selftest.sh PATH/TO/run_golden.sh
set -u
rg=$1
unset DXGT_UPDATE_GOLDEN
tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden-selftest.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect STATUS DESCRIPTION -- run_golden.sh arguments...
expect() {
	local want=$1 what=$2
	shift 3
	"$rg" "$@" >"$tmp/out" 2>&1
	local got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $what: run_golden.sh exited $got, expected $want" >&2
		sed 's/^/    /' "$tmp/out" >&2
		failures=$((failures + 1))
	fi
}

printf 'hello\nworld\n' >"$tmp/right"
printf 'hello\nWORLD\n' >"$tmp/wrong"
out() { printf 'hello\nworld\n'; }
export -f out

expect 0 "matching output" -- t "$tmp/right" -- bash -c out
expect 1 "wrong expected file" -- t "$tmp/wrong" -- bash -c out
grep -q '^-WORLD$' "$tmp/out" && grep -q '^+world$' "$tmp/out" ||
	{ echo "FAIL: no unified diff on a mismatch" >&2; failures=$((failures + 1)); }
expect 1 "empty output against a non-empty file" -- t "$tmp/right" -- true
expect 1 "missing expected file" -- t "$tmp/nonexistent" -- bash -c out
expect 1 "nonzero status, 0 expected" -- t "$tmp/right" -- bash -c 'out; exit 2'
expect 0 "--status 2 matches" -- --status 2 t "$tmp/right" -- bash -c 'out; exit 2'
expect 1 "--status 2, status 0" -- --status 2 t "$tmp/right" -- bash -c out
expect 1 "killed by a signal" -- t "$tmp/right" -- bash -c 'out; kill -SEGV $$'
expect 2 "no -- separator" -- t "$tmp/right" bash -c out

# --update rewrites the file; then the comparison passes.
cp "$tmp/wrong" "$tmp/upd"
expect 0 "--update" -- --update t "$tmp/upd" -- bash -c out
cmp -s "$tmp/upd" "$tmp/right" || { echo "FAIL: --update did not rewrite" >&2; failures=$((failures + 1)); }
cp "$tmp/wrong" "$tmp/upd"
DXGT_UPDATE_GOLDEN=1 expect 0 "DXGT_UPDATE_GOLDEN=1" -- t "$tmp/upd" -- bash -c out
cmp -s "$tmp/upd" "$tmp/right" || { echo "FAIL: DXGT_UPDATE_GOLDEN=1 did not rewrite" >&2; failures=$((failures + 1)); }
cp "$tmp/wrong" "$tmp/upd"
expect 1 "--update with a wrong status" -- --update t "$tmp/upd" -- bash -c 'out; exit 2'
cmp -s "$tmp/upd" "$tmp/wrong" || { echo "FAIL: --update wrote output of a failed command" >&2; failures=$((failures + 1)); }

if [ "$failures" -ne 0 ]; then
	echo "$failures golden harness checks failed" >&2
	exit 1
fi
echo "golden harness: all checks passed"
