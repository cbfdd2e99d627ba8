#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Error behaviour of `dxgtrace dump`, `stats` and `info` as a user sees it:
# exit statuses (0 success, also for a trace cut short; 2 unusable input,
# damage or a usage error), one clear line on stderr, and never a crash.
# Inputs: empty, random and missing files, a cut header, a newer major
# version, a trace cut at every byte offset, a trace with one bit flipped at
# every byte position, and option errors.
#
#   cli_errors.sh DXGTRACE MKTRACE WORKDIR
#
# WORKDIR is emptied and used for the inputs; commands run inside it with
# relative paths. Every check runs; the failures are listed at the end.
# Thousands of runs: the loops use shell builtins only besides dxgtrace
# itself, python3 writes all cut and flipped files in one go, and the
# bit-flip sweep runs in the background beside the truncation sweep.
set -u
if [ $# -ne 3 ]; then
	echo "usage: cli_errors.sh DXGTRACE MKTRACE WORKDIR" >&2
	exit 2
fi
dxgtrace=$(realpath "$1")
mktrace=$(realpath "$2")
work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
export DXGTRACE_NO_PROGRESS=1

failures=0
runs=0
fail() {
	failures=$((failures + 1))
	echo "FAIL: $*" >&2
}

# slurp VAR FILE: the whole file into VAR, without a fork.
slurp() { IFS= read -r -d '' "$1" <"$2" || true; }

# run ARGS...: runs dxgtrace. Sets status, OUT and ERR (the text of stdout
# and stderr), outl and errl (their lines). The files are per job (tag).
tag=main
run() {
	"$dxgtrace" "$@" >$tag.out 2>$tag.err
	status=$?
	runs=$((runs + 1))
	slurp OUT $tag.out
	slurp ERR $tag.err
	mapfile -t outl <$tag.out
	mapfile -t errl <$tag.err
}
show() { echo "    exit $status, stderr: ${ERR:0:600}" >&2; }

# expect_error WHAT PATTERN ARGS...: exit 2, nothing on stdout, exactly one
# line on stderr, "dxgtrace: " first, matching the extended regex PATTERN.
expect_error() {
	local what=$1 re="^dxgtrace: .*($2)"
	shift 2
	run "$@"
	if [ "$status" -ne 2 ] || [ -n "$OUT" ] || [ ${#errl[@]} -ne 1 ] || ! [[ $ERR =~ $re ]]; then
		fail "$what: dxgtrace $*: expected exit 2, no stdout, one stderr line matching /$re/"
		show
	fi
}

"$mktrace" small small.dxgt || exit 2
"$mktrace" npu npu.dxgt || exit 2
"$mktrace" --no-compress small raw.dxgt || exit 2

# ---- unusable files: the same answer from every subcommand ----
: >empty.dxgt
head -c 16 small.dxgt >header-cut.dxgt
python3 - small.dxgt <<'PY'
import random, sys, zlib
random.seed(1)
open("random.bin", "wb").write(bytes(random.getrandbits(8) for _ in range(4096)))
# Major version 2, with the header CRC recomputed so only the version is wrong.
b = bytearray(open(sys.argv[1], "rb").read())
b[8:10] = (2).to_bytes(2, "little")
b[28:32] = zlib.crc32(bytes(b[:28])).to_bytes(4, "little")
open("v2.dxgt", "wb").write(b)
# The file header with one bit of its CRC flipped.
b = bytearray(open(sys.argv[1], "rb").read())
b[30] ^= 4
open("hdr-crc.dxgt", "wb").write(b)
PY
for cmd in dump stats info; do
	expect_error "empty file" "empty" $cmd empty.dxgt
	expect_error "random bytes" "not a dxgtrace trace" $cmd random.bin
	expect_error "missing file" "no such file" $cmd does-not-exist.dxgt
	expect_error "header cut in the middle" "cut short inside its header" $cmd header-cut.dxgt
	expect_error "major version 2" "newer.*unsupported format major version" $cmd v2.dxgt
	expect_error "header checksum" "header fails its checksum" $cmd hdr-crc.dxgt
	expect_error "a directory" "is a directory, not a trace" $cmd .
done

# ---- one bit flipped at every byte position ----
# layout.txt has one line per byte of raw.dxgt: "POS REGION START", REGION
# one of fhdr-magic, fhdr, chunk-magic, chunk (header or payload of the
# record or index chunk at START), trailer (at START). flips/POS is raw.dxgt
# with bit POS%8 of byte POS flipped.
flip_sweep() {
	mkdir flips
	python3 - raw.dxgt >layout.txt <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
for i in range(len(b)):
    f = bytearray(b)
    f[i] ^= 1 << (i % 8)
    open(f"flips/{i}", "wb").write(f)
for i in range(32):
    print(i, "fhdr-magic" if i < 8 else "fhdr", 0)
off = 32
while off < len(b) - 16:
    assert b[off:off + 4] == b"DXGC", off
    end = off + 40 + int.from_bytes(b[off + 8:off + 12], "little")
    for i in range(off, end):
        print(i, "chunk-magic" if i < off + 4 else "chunk", off)
    off = end
assert off == len(b) - 16 and b[off:off + 8] == b"DXGTEND1"
for i in range(off, len(b)):
    print(i, "trailer", off)
PY
	mapfile -t layout <layout.txt
	[ ${#layout[@]} -eq "$(stat -c %s raw.dxgt)" ] || fail "layout.txt does not cover raw.dxgt"
	run dump raw.dxgt
	[ "$status" -eq 0 ] && [ -z "$ERR" ] || fail "dump raw.dxgt: not a clean run"
	RAWFULL=$OUT
	declare -A cut_out # chunk start -> stdout of dump of raw.dxgt cut there
	for entry in "${layout[@]}"; do
		read -r pos region start <<<"$entry"
		f=flips/$pos
		case $region in
		fhdr-magic) expect_error "bit flip at $pos (file magic)" "not a dxgtrace trace" dump "$f" ;;
		fhdr) expect_error "bit flip at $pos (file header)" "header fails its checksum" dump "$f" ;;
		*)
			case $region in
			chunk-magic) what="no chunk at offset $start \\(bad magic\\)" ;;
			chunk) what="at offset $start .*fails its checksum" ;;
			trailer) what="trailer at offset $start is damaged" ;;
			esac
			re="^dxgtrace: $f: .*$what \\([0-9]+ calls before it were read\\)$"
			run dump "$f"
			if [ "$status" -ne 2 ] || [ ${#errl[@]} -ne 1 ] || ! [[ ${errl[0]} =~ $re ]]; then
				fail "bit flip at $pos ($region at $start): expected exit 2 and one line /$re/"
				show
				continue
			fi
			# The calls before the damaged chunk are printed, exactly as for a
			# file cut where that chunk starts.
			if [ -z "${cut_out[$start]+set}" ]; then
				head -c "$start" raw.dxgt >chunkcut.dxgt
				"$dxgtrace" dump chunkcut.dxgt >$tag.out 2>/dev/null
				slurp cut_text $tag.out
				cut_out[$start]=$cut_text
			fi
			[ "$OUT" = "${cut_out[$start]}" ] ||
				fail "bit flip at $pos: stdout differs from the dump of raw.dxgt cut at $start"
			;;
		esac
		rm -f "$f"
	done
	# Damage in the trailer costs no call.
	read -r _ _ trailer <<<"${layout[-1]}"
	[ "${cut_out[$trailer]-}" = "$RAWFULL" ] || fail "a damaged trailer loses calls"
	echo "$runs $failures" >flip.counts
}

# The sweeps vary only the reader's state, whose leaks the fuzz target
# already checks input by input; leak checks at every one of their runs
# would double the time of a sanitizer build for nothing.
sweep_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
(
	tag=flip runs=0 failures=0
	export ASAN_OPTIONS=$sweep_asan
	flip_sweep
) &
flip_pid=$!

# ---- cut at every byte offset: dump reads what the complete chunks hold ----
run dump small.dxgt
[ "$status" -eq 0 ] && [ -z "$ERR" ] && [ ${#outl[@]} -gt 0 ] || fail "dump small.dxgt: not a clean run"
FULL=$OUT
full=("${outl[@]}")
size=$(stat -c %s small.dxgt)
mkdir cuts
saved_asan=${ASAN_OPTIONS-}
export ASAN_OPTIONS=$sweep_asan
python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
for n in range(len(b) + 1):
    open(f"cuts/{n}", "wb").write(b[:n])' small.dxgt
noret=" = ? <no return>"
prev=0
for ((cut = 0; cut <= size; cut++)); do
	run dump "cuts/$cut"
	if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
		fail "cut at $cut: exit $status (a crash or signal?)"
		show
		continue
	fi
	calls=${#outl[@]}
	[ "$calls" -ge "$prev" ] || fail "cut at $cut: $calls calls, fewer than the $prev of a shorter cut"
	prev=$calls
	if [ $cut -eq 0 ]; then
		[ "$status" -eq 2 ] && [ ${#errl[@]} -eq 1 ] && [[ $ERR == *empty* ]] ||
			{ fail "cut at 0: expected exit 2 and one line 'empty'"; show; }
	elif [ $cut -lt 32 ]; then
		# Inside the file header: nothing to recover.
		[ "$status" -eq 2 ] && [ ${#errl[@]} -eq 1 ] && [ -z "$OUT" ] &&
			[[ $ERR == *"cut short inside its header"* ]] ||
			{ fail "cut at $cut: expected exit 2, one line 'cut short inside its header'"; show; }
	elif [ $cut -lt "$size" ]; then
		# Past the header: exit 0 and one warning with the calls recovered.
		want="dxgtrace: warning: cuts/$cut: *; $calls calls recovered"
		[ "$status" -eq 0 ] && [ ${#errl[@]} -eq 1 ] && [[ ${errl[0]} == $want ]] ||
			{ fail "cut at $cut: expected exit 0 and one warning '...; $calls calls recovered'"; show; }
		# The start of the full output; a call whose leave was in the
		# lost part shows as not returned, without the outputs only the
		# leave holds (its line agrees up to the opening parenthesis).
		[ "$calls" -le ${#full[@]} ] || fail "cut at $cut: more calls than the whole file"
		for ((i = 0; i < calls && i < ${#full[@]}; i++)); do
			line=${outl[i]}
			[ "$line" = "${full[i]}" ] && continue
			if [[ $line != *"$noret" || ${full[i]} != "${line%%(*}("* ]]; then
				fail "cut at $cut: line $((i + 1)) is not that of the full dump: $line"
				break
			fi
		done
	else
		[ "$status" -eq 0 ] && [ -z "$ERR" ] && [ "$OUT" = "$FULL" ] ||
			fail "cut at $cut (whole file): output differs from the full dump"
	fi
done
[ "$prev" -eq ${#full[@]} ] || fail "the cuts never reached the full call count"
export ASAN_OPTIONS=$saved_asan
[ -n "$saved_asan" ] || unset ASAN_OPTIONS

# The bit-flip sweep's own counts.
wait $flip_pid || fail "the bit-flip sweep ended with status $?"
if read -r flip_runs flip_failures <flip.counts; then
	runs=$((runs + flip_runs))
	failures=$((failures + flip_failures))
else
	fail "the bit-flip sweep did not finish"
fi

# ---- options ----
for cmd in dump stats info; do
	for opt in --help -h --version -V; do
		run $cmd $opt
		[ "$status" -eq 0 ] && [ -n "$OUT" ] && [ -z "$ERR" ] ||
			{ fail "dxgtrace $cmd $opt: expected exit 0 and output on stdout only"; show; }
	done
	[[ $OUT == "dxgtrace "* ]] || fail "dxgtrace $cmd -V: no version line"
	run $cmd --help
	[[ $OUT == "usage: dxgtrace $cmd"* ]] || fail "dxgtrace $cmd --help: no usage line"
	expect_error "an unknown option" "$cmd: unknown option '--no-such-option'" \
		$cmd --no-such-option npu.dxgt
	expect_error "an unknown short option" "unknown option '-z'" $cmd -z npu.dxgt
	expect_error "a value for a flag" "option '--help=3' takes no value" $cmd --help=3
	expect_error "no file" "expected one trace file" $cmd
	expect_error "two files" "expected one trace file" $cmd npu.dxgt npu.dxgt
done
for opt in --help --version; do
	run $opt
	[ "$status" -eq 0 ] && [ -n "$OUT" ] || fail "dxgtrace $opt: expected exit 0 and output"
done
run help dump
[ "$status" -eq 0 ] && [[ $OUT == "usage: dxgtrace dump"* ]] || fail "dxgtrace help dump"
expect_error "unknown command" "is not a command" frobnicate npu.dxgt
expect_error "--only of an unknown call" "no call is named 'NoSuchCall'" dump --only NoSuchCall npu.dxgt
expect_error "--only, one name unknown" "no call is named 'NoSuchCall'" dump --only Escape,NoSuchCall npu.dxgt
expect_error "bad --calls range" "is not a range" dump --calls 9-3 npu.dxgt
expect_error "--calls without a value" "option '--calls' needs a value" dump --calls

echo "$runs dxgtrace runs, $failures failures"
[ "$failures" -eq 0 ]
