#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What a user of `dxgtrace explain` would notice beyond the golden outputs:
#
#   explain_cli.sh DXGTRACE
#
# 1. The acceptance line of issue 6: the escape log line names LX_DXESCAPE
#    and D3DKMTEscape, EOVERFLOW, STATUS_BUFFER_TOO_SMALL and the caveat
#    that -75 on an escape points at a short host reply.
# 2. Input that is none of the forms exits 2 with one clear line on stderr
#    naming it, after explaining the values around it.
# 3. Usage errors exit 2.
set -u
dxgtrace=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run STATUS ARGS...: runs dxgtrace explain, output in $tmp/out and $tmp/err.
run() {
	local want=$1
	shift
	"$dxgtrace" explain "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	[ "$got" -eq "$want" ] || fail "explain $*: exit status $got, expected $want"
}

has() { # has FILE PATTERN WHAT
	grep -Eq -- "$2" "$tmp/$1" || fail "$3: no match for /$2/ in $1: $(cat "$tmp/$1")"
}

# 1. Acceptance.
run 0 'misc dxg: dxgk: dxgkio_escape: Ioctl failed: -75'
has out 'LX_DXESCAPE' "acceptance: the ioctl"
has out 'D3DKMTEscape' "acceptance: the D3DKMT function"
has out 'EOVERFLOW' "acceptance: the errno"
has out 'STATUS_BUFFER_TOO_SMALL' "acceptance: the status"
has out 'short or' "acceptance: the short-reply caveat"
has out 'rejecting reply' "acceptance: the short-reply caveat"
has out 'not necessarily that the vendor driver' "acceptance: the caveat claims neither"
[ -s "$tmp/err" ] && fail "acceptance: stderr is not empty: $(cat "$tmp/err")"

# 2. Unknown input: one line each, the others still explained, exit 2.
run 2 EOVERFLOW nonsense
has out '^EOVERFLOW$' "unknown input: the good value is still explained"
has err "^dxgtrace: explain: 'nonsense': no NTSTATUS or errno dxgtrace knows has this name$" \
	"unknown input: the line"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "unknown input: more than one line on stderr"
run 2 'hello world'
has err "^dxgtrace: explain: 'hello world': not an NTSTATUS \\(0xC0000023, STATUS_BUFFER_TOO_SMALL\\), an errno \\(-75, 75, EOVERFLOW\\) or a dxgkrnl log line$" \
	"a line that is no log line"
run 2 STATUS_NO_SUCH_THING
has err "'STATUS_NO_SUCH_THING': no NTSTATUS or errno dxgtrace knows has this name" "unknown status"
run 2 EBOGUS
has err "'EBOGUS': no NTSTATUS or errno" "unknown errno"
run 2 5000
has err "'5000': not an errno \\(1 to 4095, either sign\\); write an NTSTATUS in hex, as 0x5000" \
	"errno out of range"
run 2 0x1C0000023
has err "'0x1C0000023': not an NTSTATUS" "more than 32 bits"
run 2 'misc dxg: dxgk: dxgkio_frobnicate: something odd'
has err "the log line names no call dxgtrace knows and carries no result" "unknown handler"
[ -s "$tmp/out" ] && fail "unknown handler: something on stdout"

# 3. Usage.
run 2
has err "expected a VALUE or --trace FILE" "no value"
run 2 --bogus
has err "unknown option '--bogus'" "unknown option"
run 2 --call NoSuchCall -75
has err "no call is named 'NoSuchCall'" "--call with an unknown name"
run 2 --trace
has err "option '--trace' needs a value" "--trace without a file"
run 2 --trace nofile.dxgt
has err "nofile.dxgt: no such file" "--trace with a missing file"
run 2 --trace x.dxgt -75
has err "--trace takes no VALUE" "--trace with a value"
run 0 --help
has out '^usage: dxgtrace explain' "--help"
run 0 -- -75
has out '^-75$' "-- then a value"

if [ "$fails" -ne 0 ]; then
	echo "$fails checks failed"
	exit 1
fi
echo "explain_cli: all checks passed"
