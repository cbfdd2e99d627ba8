#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `dxgtrace export` and `dxgtrace sql` as a user meets them, beyond the
# golden outputs:
#
#   export_cli.sh DXGTRACE WORKDIR CHUNKED TRACE...
#
# For each TRACE: jsonl is exactly dump --json (and --blobs); the SQLite
# file opens in the sqlite3 command, when installed, with the same counts
# as `dxgtrace sql`; --disk answers as the in-memory database does. Then,
# on the first TRACE: bad SQL exits 2 with SQLite's message; OUT is
# replaced whole, mode 0600, with no temporary file left; usage errors
# exit 2 and write nothing; a trace cut short (CHUNKED, a trace of several
# chunks, without its last bytes) exports what it holds with a warning and
# exit 0.
set -u
dxgtrace=$1
work=$2
chunked=$3
shift 3
export DXGTRACE_NO_PROGRESS=1
fails=0
mkdir -p "$work" || exit 2
cd "$work" || exit 2
rm -f ./*.db ./*.jsonl ./*.json ./out.* ./err.* ./cut.dxgt

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect STATUS CMD...: runs CMD with stdout in out.txt and stderr in err.txt.
expect() {
	local want=$1
	shift
	"$@" >out.txt 2>err.txt
	local got=$?
	[ "$got" -eq "$want" ] || fail "$*: exit status $got, expected $want ($(cat err.txt))"
}

for trace in "$@"; do
	name=$(basename "$trace" .dxgt)
	expect 0 "$dxgtrace" export -o "$name.jsonl" "$trace"
	"$dxgtrace" dump --json "$trace" | cmp -s - "$name.jsonl" ||
		fail "$name: export jsonl differs from dump --json"
	expect 0 "$dxgtrace" export --format jsonl --blobs -o "$name.blobs.jsonl" "$trace"
	"$dxgtrace" dump --json --blobs "$trace" | cmp -s - "$name.blobs.jsonl" ||
		fail "$name: export jsonl --blobs differs from dump --json --blobs"
	expect 0 "$dxgtrace" export -f jsonl -o - "$trace"
	cmp -s out.txt "$name.jsonl" || fail "$name: export -o - differs from the file"

	expect 0 "$dxgtrace" export --format sqlite -o "$name.db" "$trace"
	query="select layer, count(*), sum(failed) from calls group by layer order by layer"
	expect 0 "$dxgtrace" sql --csv "$trace" "$query"
	tr -d '\r' <out.txt | tail -n +2 | tr ',' '|' >mem.txt
	if command -v sqlite3 >/dev/null; then
		sqlite3 "$name.db" "$query" >cli.txt 2>&1 || fail "$name: sqlite3 cannot query the export"
		cmp -s mem.txt cli.txt || fail "$name: sqlite3 and dxgtrace sql disagree: $(cat cli.txt)"
		[ "$(sqlite3 "$name.db" 'pragma user_version')" = 1 ] ||
			fail "$name: user_version is not 1"
	else
		echo "sqlite3 command not installed: its part skipped"
	fi
	expect 0 "$dxgtrace" sql --disk --csv "$trace" "$query"
	tr -d '\r' <out.txt | tail -n +2 | tr ',' '|' | cmp -s - mem.txt ||
		fail "$name: --disk answers differently"
done

trace=$1
# Bad SQL: exit 2, SQLite's own message, nothing on stdout.
expect 2 "$dxgtrace" sql "$trace" "selec name from calls"
[ "$(cat err.txt)" = 'dxgtrace: sql: near "selec": syntax error' ] ||
	fail "bad SQL: stderr is '$(cat err.txt)'"
[ -s out.txt ] && fail "bad SQL: something on stdout"
expect 2 "$dxgtrace" sql "$trace" "select * from no_such_table"
[ "$(cat err.txt)" = 'dxgtrace: sql: no such table: no_such_table' ] ||
	fail "unknown table: stderr is '$(cat err.txt)'"
# A statement that fails after others printed: their output stays, exit 2.
expect 2 "$dxgtrace" sql "$trace" "select 1 as one; select * from no_such_table"
grep -q '^one$' out.txt || fail "the first statement's result is missing"
expect 2 "$dxgtrace" sql "$trace"
grep -q "expected a trace and a query" err.txt || fail "sql without a query: $(cat err.txt)"
expect 2 "$dxgtrace" sql --csv --json "$trace" "select 1"
grep -q "exclude each other" err.txt || fail "--csv --json: $(cat err.txt)"
expect 0 "$dxgtrace" sql "$trace" "create table t(x); insert into t values (1); select x from t"
[ "$(tail -n 1 out.txt)" = 1 ] || fail "statements without rows print nothing: $(cat out.txt)"

# OUT replaced whole, private, no temporary left behind.
echo "old contents" >out.db
expect 0 "$dxgtrace" export -o out.db "$trace"
[ "$(head -c 15 out.db)" = "SQLite format 3" ] || fail "out.db was not replaced by a database"
[ "$(stat -c %a out.db)" = 600 ] || fail "out.db has mode $(stat -c %a out.db), not 600"
ls out.db.* >/dev/null 2>&1 && fail "a temporary file was left: $(ls out.db.*)"

# Usage errors write nothing.
expect 2 "$dxgtrace" export "$trace"
grep -q -- "-o OUT is required" err.txt || fail "no -o: $(cat err.txt)"
expect 2 "$dxgtrace" export -o out.txt2 "$trace"
grep -q "give --format" err.txt || fail "unknown extension: $(cat err.txt)"
expect 2 "$dxgtrace" export --format csv -o out.csv "$trace"
grep -q "'csv' is not sqlite, jsonl or perfetto" err.txt || fail "bad format: $(cat err.txt)"
expect 2 "$dxgtrace" export --format sqlite -o - "$trace"
grep -q "cannot go to the standard output" err.txt || fail "sqlite to stdout: $(cat err.txt)"
expect 2 "$dxgtrace" export -o out.json no-such.dxgt
grep -q "no-such.dxgt: no such file" err.txt || fail "missing trace: $(cat err.txt)"
[ -e out.json ] || [ -e out.txt2 ] || [ -e out.csv ] && fail "a usage error created a file"
ls out.json.* out.txt2.* out.csv.* >/dev/null 2>&1 && fail "a usage error left a temporary file"

# A trace cut short: what it holds, a warning, exit 0.
size=$(stat -c %s "$chunked")
head -c $((size - 40)) "$chunked" >cut.dxgt
expect 0 "$dxgtrace" export -o cut.db cut.dxgt
grep -q "warning: cut.dxgt:" err.txt || fail "cut trace: no warning: $(cat err.txt)"
expect 0 "$dxgtrace" sql cut.dxgt "select count(*) > 0 as some from calls"
[ "$(tail -n 1 out.txt | tr -d " ")" = 1 ] || fail "cut trace: no calls in the database"

if [ "$fails" -ne 0 ]; then
	echo "$fails checks failed"
	exit 1
fi
echo "export_cli: all checks passed"
