#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `dxgtrace record` as a user sees it, with a stand-in recorder
# (record_fake.c) so the command is tested apart from libdxgtrace.so: the
# variables each option sets, LD_PRELOAD (the recorder first, earlier
# copies dropped, the rest kept), the mock profile, the lines listing the
# traces written, the exit statuses (CMD's, 128+N, 127, 2 for usage
# errors), signals passed on to CMD, and the report file removed.
#
#   cli_record.sh DXGTRACE FAKE_RECORDER MOCK_LIB WORKDIR
#
# Every check runs; the failures are listed at the end.
set -u
if [ $# -ne 4 ]; then
	echo "usage: cli_record.sh DXGTRACE FAKE_RECORDER MOCK_LIB WORKDIR" >&2
	exit 2
fi
dxgtrace=$(realpath "$1")
fake=$(realpath "$2")
mocklib=$(realpath "$3")
work=$4
rm -rf "$work" && mkdir -p "$work/tmp" && cd "$work" || exit 2
export DXGTRACE_LIB=$fake DXGMOCK_LIB=$mocklib TMPDIR=$work/tmp
unset LD_PRELOAD DXGTRACE_OUTPUT DXGTRACE_ROOT_PID DXGTRACE_DISABLE FAKE_REC_MODE FAKE_ENV_OUT

failures=0
fail() {
	failures=$((failures + 1))
	echo "FAIL: $*" >&2
}
slurp() { IFS= read -r -d '' "$1" <"$2" || true; }

# run ARGS...: dxgtrace ARGS; sets status, OUT, ERR (without its last
# newline) and errl (the stderr lines).
run() {
	"$dxgtrace" "$@" >out.txt 2>err.txt
	status=$?
	slurp OUT out.txt
	slurp ERR err.txt
	ERR=${ERR%$'\n'}
	mapfile -t errl <err.txt
}
show() { echo "    exit $status, stderr: ${ERR:0:600}" >&2; }

# expect STATUS PATTERN ARGS...: that exit status, and stderr matching the
# extended regex PATTERN.
expect() {
	local want=$1 re=$2
	shift 2
	run "$@"
	if [ "$status" -ne "$want" ] || ! [[ $ERR =~ $re ]]; then
		fail "dxgtrace $*: expected exit $want and stderr matching /$re/"
		show
	fi
}

# usage_error PATTERN ARGS...: exit 2, nothing on stdout, one line on stderr.
usage_error() {
	local re="^dxgtrace: record: .*($1)"
	shift
	run record "$@"
	if [ "$status" -ne 2 ] || [ -n "$OUT" ] || [ ${#errl[@]} -ne 1 ] || ! [[ $ERR =~ $re ]]; then
		fail "dxgtrace record $*: expected exit 2, no stdout, one stderr line matching /$re/"
		show
	fi
}

# env_has NAME=VALUE: the line is in env.txt (what CMD was started with).
env_has() { grep -qxF -- "$1" env.txt || { fail "CMD's environment lacks $1"; cat env.txt >&2; }; }
env_lacks() { ! grep -q "^$1=" env.txt || fail "CMD's environment has $1"; }

# ---- help and usage errors ----
run record --help
[ "$status" -eq 0 ] && [[ $OUT == "usage: dxgtrace record"* ]] && [ -z "$ERR" ] ||
	{ fail "record --help"; show; }
for v in DXGTRACE_OUTPUT DXGTRACE_BACKTRACE DXGTRACE_MAX_PAYLOAD DXGTRACE_FOLLOW \
	DXGTRACE_LAYERS DXGTRACE_DEVICE DXGTRACE_DEBUG DXGTRACE_LOG DXGTRACE_BUFFER \
	DXGTRACE_ON_FULL DXGTRACE_ALWAYS DXGTRACE_LEVEL DXGTRACE_REPORT DXGTRACE_DISABLE \
	DXGTRACE_ROOT_PID; do
	[[ $OUT == *"$v"* ]] || fail "record --help does not name $v"
done
run record -V
[ "$status" -eq 0 ] && [[ $OUT == "dxgtrace "* ]] || fail "record -V"
run help record
[ "$status" -eq 0 ] && [[ $OUT == "usage: dxgtrace record"* ]] || fail "help record"
run --help
[[ $OUT == *"record "* ]] || fail "dxgtrace --help does not list record"

usage_error "no command given" 
usage_error "no command given" --follow --
usage_error "--backtrace: 'sometimes'" --backtrace sometimes true
usage_error "--backtrace: 'all:0'" --backtrace all:0 true
usage_error "--backtrace: 'all:257'" --backtrace all:257 true
usage_error "--layers: 'gpu'" --layers gpu true
usage_error "--layers: ','" --layers , true
usage_error "--max-payload: '4X'" --max-payload 4X true
usage_error "--buffer: 'lots'" --buffer lots true
usage_error "-o: 'a%q'" -o 'a%q' true
usage_error "unknown option '--no-such'" --no-such true
usage_error "option '--layers' needs a value" --layers
usage_error "--mock: .*no-such-profile" --mock no-such-profile true
usage_error "--mock: .*nowhere.json" --mock nowhere.json true
DXGTRACE_LIB=$work/nowhere.so usage_error "DXGTRACE_LIB=.*nowhere.so" true

# ---- CMD's exit status ----
export FAKE_REC_MODE=none
expect 3 "^dxgtrace: no trace: sh made no call to the dxg interface \(--always" record -- sh -c 'exit 3'
[ ${#errl[@]} -eq 1 ] || fail "exit 3: expected one line on stderr"
expect 0 "no trace" record true
expect 0 "^dxgtrace: no trace: true made no call to the dxg interface \(--always writes one anyway; --follow-exec records the programs it runs\)$" record true
expect 0 "^dxgtrace: no trace: true made no call to the dxg interface \(--always writes one anyway\)$" record --follow-exec true
expect 143 "sh: killed by signal 15" record sh -c 'kill -TERM $$'
expect 127 "^dxgtrace: no-such-command-here: not found" record no-such-command-here
[ ${#errl[@]} -eq 1 ] || fail "not found: expected one line on stderr"
expect 127 "^dxgtrace: /: cannot run: " record /
# CMD's own options are its own.
expect 0 "" record sh -c 'exit 0' --layers x
run record printf '%s' -o
[ "$status" -eq 0 ] && [ "$OUT" = "-o" ] || { fail "CMD's stdout or options"; show; }

# ---- the traces written ----
export FAKE_REC_MODE=closed FAKE_REC_BYTES=4300
expect 0 "^dxgtrace: trace written to \./fake\.dxgt \(17 calls, 4\.2 KiB\)$" record -o fake.dxgt true
[ -f fake.dxgt ] || fail "the stand-in wrote no fake.dxgt"
# Outside the working directory: the absolute path.
mkdir -p sub && cd sub || exit 2
expect 0 "^dxgtrace: trace written to $work/fake\.dxgt \(17 calls, 4\.2 KiB\)$" \
	record -o "$work/fake.dxgt" true
cd "$work" || exit 2
FAKE_REC_MODE=dropped FAKE_REC_BYTES=5000000 expect 0 \
	"^dxgtrace: trace written to \./fake\.dxgt \(17 calls, 4\.8 MiB; 3 records dropped\)$" \
	record -o fake.dxgt true
FAKE_REC_MODE=cut FAKE_REC_BYTES=100 expect 0 \
	"^dxgtrace: trace cut short: \./fake\.dxgt \(pid [0-9]+ ended without finishing it; 100 B" \
	record -o fake.dxgt true
FAKE_REC_MODE=junk FAKE_REC_BYTES=10 expect 0 "^dxgtrace: trace written to \./fake\.dxgt \(17 calls, 10 B\)$" \
	record -o fake.dxgt true
[ ${#errl[@]} -eq 1 ] || { fail "junk report lines: expected one line on stderr"; show; }
FAKE_REC_MODE=failed expect 0 \
	"^dxgtrace: no trace from pid [0-9]+: recording stopped: cannot create $work/fake\.dxgt: No such file$" \
	record -o fake.dxgt true
[ ${#errl[@]} -eq 1 ] || { fail "failed: expected one line on stderr"; show; }
FAKE_REC_MODE=stopped FAKE_REC_BYTES=10 expect 0 \
	"^dxgtrace: trace written to \./fake\.dxgt \(17 calls, 10 B; recording stopped early: out of memory\)$" \
	record -o fake.dxgt true
usage_error "-o: nowhere/ is not a directory" -o nowhere/x.dxgt true
usage_error "-o: nowhere/ is not a directory" -o nowhere/ true
mkdir -p 'tab	dir'
expect 0 "^dxgtrace: trace written to \./tab	dir/fake\.dxgt \(17 calls" record -o 'tab	dir/fake.dxgt' true

# ---- CMD's environment ----
export FAKE_REC_MODE=none FAKE_ENV_OUT=$work/env.txt
# A sanitized dxgtrace needs its runtime first in its own LD_PRELOAD too.
rt=$(ldd "$dxgtrace" | awk '/lib(asan|tsan)\.so/ { print $3 ":" }')
LD_PRELOAD="$rt/elsewhere/libdxgtrace.so:$fake: /opt/keep.so" DXGTRACE_ROOT_PID=1 DXGTRACE_DISABLE=1 \
	DXGTRACE_LEVEL=5 run record -f --drop --debug --always --layers d3dkmt,ioctl \
	--backtrace all:8 --max-payload 1M --buffer 256M --device /tmp/dxg -o 'x.%p.dxgt' true
[ "$status" -eq 0 ] || { fail "record with every option"; show; }
env_has "DXGTRACE_OUTPUT=x.%p.dxgt"
env_has "DXGTRACE_BACKTRACE=all:8"
env_has "DXGTRACE_FOLLOW=all"
env_has "DXGTRACE_LAYERS=d3dkmt,ioctl"
env_has "DXGTRACE_MAX_PAYLOAD=1M"
env_has "DXGTRACE_BUFFER=256M"
env_has "DXGTRACE_ON_FULL=drop"
env_has "DXGTRACE_DEVICE=/tmp/dxg"
env_has "DXGTRACE_DEBUG=1"
env_has "DXGTRACE_ALWAYS=1"
env_has "DXGTRACE_LEVEL=5"
env_lacks DXGTRACE_ROOT_PID
env_lacks DXGTRACE_DISABLE
env_lacks DXGMOCK_PROFILE
# The recorder first (after a sanitizer runtime), earlier copies dropped.
grep -qE "^LD_PRELOAD=([^:]*(asan|tsan)[^:]*:)?$fake:/opt/keep\.so$" env.txt ||
	{ fail "LD_PRELOAD: expected [runtime:]$fake:/opt/keep.so"; cat env.txt >&2; }
report=$(sed -n 's/^DXGTRACE_REPORT=//p' env.txt)
[[ $report == "$work/tmp/dxgtrace-record."* ]] || fail "DXGTRACE_REPORT=$report: not under TMPDIR"
[ ! -e "$report" ] || fail "the report file $report was left behind"
[ -z "$(ls tmp)" ] || fail "files left in TMPDIR: $(ls tmp)"

run record --follow-forks true
env_has "DXGTRACE_FOLLOW=forks"
env_lacks DXGTRACE_OUTPUT
env_lacks DXGTRACE_ON_FULL
run record --follow-exec true
env_has "DXGTRACE_FOLLOW=exec"

run record --mock wsl2-intel-npu true
[ "$status" -eq 0 ] || { fail "record --mock wsl2-intel-npu"; show; }
env_has "DXGMOCK_PROFILE=wsl2-intel-npu"
grep -qE "^LD_PRELOAD=([^:]*(asan|tsan)[^:]*:)?$fake:$mocklib$" env.txt ||
	{ fail "LD_PRELOAD: expected [runtime:]$fake:$mocklib"; cat env.txt >&2; }
profiles=$(dirname "$0")/../../corpora/profiles
if [ -f "$profiles/wsl2-intel-npu.json" ]; then
	cp "$profiles/wsl2-intel-npu.json" my.json
	run record --mock my.json true
	env_has "DXGMOCK_PROFILE=$work/my.json"
fi
unset FAKE_ENV_OUT

# ---- signals reach CMD, and record still reports ----
python3 - "$dxgtrace" <<'PY' || fail "signals are not passed on to CMD"
import os, signal, subprocess, sys, time
def started():
    for _ in range(100):
        if os.path.exists("ready"):
            return True
        time.sleep(0.1)
    return False
ok = True
for sig, script, want in [
    (signal.SIGTERM, 'trap "exit 7" TERM; : > ready; while :; do sleep 0.1; done', 7),
    (signal.SIGINT, ': > ready; exec sleep 30', 130),
    (signal.SIGHUP, 'trap "exit 9" HUP; : > ready; while :; do sleep 0.1; done', 9),
]:
    if os.path.exists("ready"):
        os.unlink("ready")
    p = subprocess.Popen([sys.argv[1], "record", "sh", "-c", script],
                         stderr=subprocess.PIPE, text=True)
    if not started():
        p.kill()
        print("CMD did not start", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.2)
    p.send_signal(sig)
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    err = p.stderr.read()
    if rc != want or "no trace" not in err:
        print(f"signal {sig}: exit {rc}, expected {want}; stderr: {err}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY
[ -z "$(ls tmp)" ] || fail "files left in TMPDIR after signals: $(ls tmp)"

echo "$failures failures"
[ "$failures" -eq 0 ]
