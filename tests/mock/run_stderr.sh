#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a program under LD_PRELOAD=libdxgmock.so with DXGMOCK_PROFILE set to
# $2 ("-" leaves it unset; "@broken" writes a malformed profile first) and
# checks that the program passes and that stderr holds exactly one line,
# starting "dxgmock: " and matching the pattern $3.
# Usage: run_stderr.sh PRELOAD PROFILE PATTERN WORKDIR PROGRAM...
set -u
preload=$1 profile=$2 pattern=$3 work=$4
shift 4
mkdir -p "$work"
err=$work/stderr.txt
if [ "$profile" = "@broken" ]; then
	profile=$work/broken.json
	printf '{"name": "broken", "adapters": [ {"vendor": [1]} ]}\n' >"$profile"
fi
if [ "$profile" = "-" ]; then
	env -u DXGMOCK_PROFILE LD_PRELOAD="$preload" "$@" 2>"$err"
else
	env DXGMOCK_PROFILE="$profile" LD_PRELOAD="$preload" "$@" 2>"$err"
fi
rc=$?
echo "--- stderr:"
cat "$err"
echo "---"
lines=$(wc -l <"$err")
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the program exited $rc"
	exit 1
fi
if [ "$lines" -ne 1 ]; then
	echo "FAIL: stderr has $lines lines, want exactly 1"
	exit 1
fi
if ! grep -q '^dxgmock: ' "$err" || ! grep -q -e "$pattern" "$err"; then
	echo "FAIL: stderr does not start with 'dxgmock: ' or does not match '$pattern'"
	exit 1
fi
echo "PASS"
