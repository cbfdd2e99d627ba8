// SPDX-License-Identifier: MIT
/*
 * The SQLite export, queried through the sqlite3 library as a user would:
 *
 *   test_export probe DB TRACE   DB is `dxgtrace export --format sqlite` of
 *                                TRACE, npu-probe recorded under the mock's
 *                                wsl2-intel-npu profile
 *   test_export all TRACE        mktrace's every-descriptor trace, exported
 *                                in memory through dxgt_export_sqlite()
 *
 * The probe: calls per layer, the four failed registration escapes with
 * status 0xC0000023 and their ioctls with EOVERFLOW, the empty escape that
 * succeeds after them, parent links, payloads, handles,
 * metadata and the views. All: every call of the file is a row, second-
 * level buffers and handles inside elements are named, a call that never
 * returned reads as such, and an SQLite error comes back with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "dxgt/error.h"
#include "dxgt/export.h"
#include "dxgt/trace.h"

static const char *db_path, *trace_path;

/* The single integer a query returns. */
static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: no row", sql);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The single text a query returns (owned). */
static char *q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *s = strdup(t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	return s;
}

/* Calls per layer counted by the reader itself. */
static void count_trace(const char *path, uint64_t per_layer[4], uint64_t *total)
{
	struct dxgt_reader *r;
	const struct dxgt_record *rec;
	assert_int_equal(dxgt_reader_open(&r, path), 0);
	memset(per_layer, 0, 4 * sizeof(per_layer[0]));
	*total = 0;
	while (dxgt_reader_next(r, &rec) > 0) {
		if (rec->type != DXGT_REC_ENTER)
			continue;
		(*total)++;
		if (rec->layer < 4)
			per_layer[rec->layer]++;
	}
	dxgt_reader_close(r);
}

static void test_probe(void **state)
{
	(void)state;
	sqlite3 *db;
	uint64_t layer[4], total;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(q_int(db, "PRAGMA user_version"), DXGT_EXPORT_SCHEMA_VERSION);

	/* Calls per layer: the file's counts, which for npu-probe under
	 * wsl2-intel-npu are its 14 D3DKMT calls and their 14 ioctls. */
	count_trace(trace_path, layer, &total);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls"), total);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE layer = 'd3dkmt'"),
			 layer[DXGT_LAYER_D3DKMT]);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE layer = 'ioctl'"),
			 layer[DXGT_LAYER_IOCTL]);
	assert_int_equal(layer[DXGT_LAYER_D3DKMT], 14);
	assert_int_equal(layer[DXGT_LAYER_IOCTL], 14);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT seq) FROM calls"), total);

	/* The failed escapes: the four registration escapes, with 0xC0000023
	 * at the D3DKMT layer, -1 EOVERFLOW below, each ioctl issued by its
	 * escape. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE call_name = 'Escape' AND "
				   "failed AND status = 0xC0000023"),
			 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE name = 'D3DKMTEscape' AND "
				   "status_name = 'STATUS_BUFFER_TOO_SMALL'"),
			 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE name = 'LX_DXESCAPE' AND "
				   "failed AND ret = -1 AND errno = 75 AND errno_name = "
				   "'EOVERFLOW' AND result = '-1 EOVERFLOW'"),
			 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls i JOIN calls k ON k.seq = "
				   "i.parent_seq WHERE i.layer = 'ioctl' AND k.layer = 'd3dkmt' "
				   "AND k.call_name = i.call_name"),
			 layer[DXGT_LAYER_IOCTL]);
	/* The empty escape, the last one, succeeds. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE name = 'D3DKMTEscape' AND "
				   "NOT failed AND status = 0"),
			 1);
	assert_int_equal(q_int(db, "SELECT size FROM escapes WHERE layer = 'd3dkmt' AND NOT "
				   "failed AND seq = (SELECT max(seq) FROM escapes WHERE layer = "
				   "'d3dkmt')"),
			 0);
	/* Their payloads: 64, 568, 24 and 40 bytes, the same bytes at both
	 * layers. */
	assert_int_equal(q_int(db, "SELECT sum(size) FROM escapes WHERE layer = 'd3dkmt' AND "
				   "failed"),
			 64 + 568 + 24 + 40);
	assert_int_equal(q_int(db, "SELECT count(*) FROM escapes k JOIN calls i ON "
				   "i.parent_seq = k.seq JOIN escapes e ON e.seq = i.seq WHERE "
				   "k.layer = 'd3dkmt' AND k.payload = e.payload"),
			 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM buffers WHERE name = 'priv_drv_data' "
				   "AND side = 'in' AND length(data) = len"),
			 q_int(db, "SELECT count(*) FROM buffers WHERE name = 'priv_drv_data' AND "
				   "side = 'in'"));
	/* Four escapes and the context, at both layers. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM failures"), 10);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE failed AND returned"), 10);

	/* Handles: the two adapter handles and the device, bound where created. */
	char *s = q_text(db, "SELECT group_concat(symbol, ',') FROM (SELECT DISTINCT symbol "
			     "FROM handles ORDER BY symbol)");
	assert_string_equal(s, "A1,A2,D1");
	free(s);
	s = q_text(db, "SELECT c.name FROM handles h JOIN calls c ON c.seq = h.seq WHERE "
		       "h.symbol = 'D1' AND h.role = 'out' AND c.layer = 'd3dkmt'");
	assert_string_equal(s, "D3DKMTCreateDevice");
	free(s);
	assert_int_equal(q_int(db, "SELECT count(*) FROM handles WHERE kind = 'device' AND "
				   "symbol = 'D1' AND value <> 0"),
			 q_int(db, "SELECT count(*) FROM handles WHERE symbol = 'D1'"));

	/* Decoded arguments as JSON, and the recorded structs as BLOBs. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE name = 'D3DKMTEscape' AND "
				   "json_extract(args, '$.device') = 'D1'"),
			 5);
	assert_int_equal(q_int(db, "SELECT length(args_in) FROM calls WHERE name = "
				   "'D3DKMTEscape' LIMIT 1"),
			 32);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE returned AND args_out IS "
				   "NULL"),
			 0);

	/* Metadata: the process and the trace as a whole. */
	s = q_text(db, "SELECT value FROM metadata WHERE kind = 'process' AND key = 'exe'");
	assert_non_null(strstr(s, "npu-probe"));
	free(s);
	assert_int_equal(q_int(db, "SELECT value FROM metadata WHERE kind = 'trace' AND key = "
				   "'calls'"),
			 total);
	assert_int_equal(q_int(db, "SELECT value FROM metadata WHERE kind = 'trace' AND key = "
				   "'complete'"),
			 1);
	/* Escapes carry their call stacks (the recorder's default). */
	assert_true(q_int(db, "SELECT count(*) FROM frames f JOIN calls c ON c.seq = f.seq "
			      "WHERE c.name = 'D3DKMTEscape'") > 0);
	/* Times: every returned call has a duration, its leave after its enter. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE duration_ns IS NULL OR "
				   "t_leave_ns < t_enter_ns OR duration_ns <> t_leave_ns - "
				   "t_enter_ns"),
			 0);
	sqlite3_close(db);
}

static void test_all(void **state)
{
	(void)state;
	sqlite3 *db;
	struct dxgt_reader *r;
	struct dxgt_export_stats st;
	char err[256] = "";
	struct dxgt_export_opts o = {0, NULL, NULL, "all.dxgt", err, sizeof(err)};
	uint64_t layer[4], total;
	count_trace(trace_path, layer, &total);

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(dxgt_reader_open(&r, trace_path), 0);
	assert_int_equal(dxgt_export_sqlite(db, r, &o, &st), 0);
	dxgt_reader_close(r);
	assert_int_equal(st.calls, total);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls"), total);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE layer = 'dxcore'"),
			 layer[DXGT_LAYER_DXCORE]);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE failed"), st.failed);
	/* The call that never returned. */
	assert_int_equal(st.unfinished, 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM calls WHERE NOT returned AND failed AND "
				   "t_leave_ns IS NULL AND ret IS NULL AND result = '? <no "
				   "return>'"),
			 1);
	/* Second-level buffers and handles inside array elements. */
	assert_true(q_int(db, "SELECT count(*) FROM buffers WHERE level = 1 AND name LIKE "
			      "'allocation_info[%].priv_drv_data' AND parent IS NOT NULL") > 0);
	assert_true(q_int(db, "SELECT count(*) FROM handles WHERE field LIKE "
			      "'allocation_info[%].allocation' AND kind = 'allocation'") > 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM metadata WHERE kind = 'trace' AND key = "
				   "'source' AND value = 'all.dxgt'"),
			 1);
	/* Every table is indexed on seq. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
				   "name IN ('calls_seq', 'buffers_seq', 'handles_seq', "
				   "'frames_seq')"),
			 4);
	sqlite3_close(db);

	/* An SQLite error: a database that already has a calls table. */
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE calls (x)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(dxgt_reader_open(&r, trace_path), 0);
	assert_int_equal(dxgt_export_sqlite(db, r, &o, NULL), DXGT_E_IO);
	assert_non_null(strstr(err, "already exists"));
	dxgt_reader_close(r);
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "probe") == 0) {
		db_path = argv[2];
		trace_path = argv[3];
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_probe)};
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (argc == 3 && strcmp(argv[1], "all") == 0) {
		trace_path = argv[2];
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_all)};
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	fprintf(stderr, "usage: test_export probe DB TRACE | test_export all TRACE\n");
	return 2;
}
