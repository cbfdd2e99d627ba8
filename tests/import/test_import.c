// SPDX-License-Identifier: MIT
/*
 * The Frida importer as a library (dxgt/import.h): what the error struct
 * says, the codes returned, the options (line limit, progress, no_replace),
 * the statistics, that the descriptor is always closed, and the records
 * written, read back with the trace reader. The CLI and the many malformed
 * inputs are import_cli.py's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dxgt/error.h"
#include "dxgt/import.h"
#include "dxgt/trace.h"

#define HEADER                                                                                     \
	"{\"type\":\"header\",\"format\":\"dxgtrace-frida\",\"version\":1,\"os\":\"windows\","     \
	"\"arch\":\"x64\",\"pid\":9,\"start_unix_ns\":5}\n"
/* D3DKMTEscape's 32 bytes: priv_drv_data at 0x2000, 4 bytes. */
#define ESC_ARGS "0000004000000000000000000000000000200000000000000400000000000000"
#define ENTER(seq)                                                                                 \
	"{\"type\":\"enter\",\"seq\":" #seq ",\"tid\":3,\"time_ns\":10,\"function\":"              \
	"\"D3DKMTEscape\",\"args\":\"" ESC_ARGS "\",\"bufs\":[{\"field\":\"priv_drv_data\","       \
	"\"addr\":\"0x2000\",\"len\":4,\"data\":\"0a0b\"}]}\n"
#define LEAVE(seq, status)                                                                         \
	"{\"type\":\"leave\",\"seq\":" #seq ",\"tid\":3,\"time_ns\":20,\"status\":" status         \
	",\"args\":\"" ESC_ARGS "\"}\n"

static char dir[] = "/tmp/dxgt-import-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Import text into a fresh file of dir; returns the result code. */
static int import_text(const char *text, size_t len, const char *name,
		       const struct dxgt_import_opts *o, struct dxgt_import_stats *st,
		       struct dxgt_import_error *e)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *in = fmemopen((void *)text, len, "r");
	assert_non_null(in);
	int rc = dxgt_import_frida_path(in, path, o, st, e);
	fclose(in);
	return rc;
}

static bool exists(const char *name)
{
	char path[256];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

static int entries(void)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void test_error_struct(void **state)
{
	(void)state;
	static const char text[] = HEADER "\r\n" ENTER(1) LEAVE(1, "0") LEAVE(1, "0");
	struct dxgt_import_error e;
	struct dxgt_import_stats st;
	int before = entries();
	int rc = import_text(text, strlen(text), "dup.dxgt", NULL, &st, &e);
	assert_int_equal(rc, DXGT_E_CORRUPT);
	assert_int_equal(e.where, DXGT_IMPORT_INPUT);
	assert_int_equal(e.line, 5);
	assert_string_equal(e.field, "seq");
	assert_non_null(strstr(e.msg, "returned already"));
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.calls, 1);
	assert_false(exists("dup.dxgt"));
	assert_int_equal(entries(), before); /* no temporary file left */
}

static void test_version(void **state)
{
	(void)state;
	static const char text[] = "{\"type\":\"header\",\"format\":\"dxgtrace-frida\",\"version\":"
				   "3,\"os\":\"windows\",\"arch\":\"x64\",\"pid\":1}";
	struct dxgt_import_error e;
	assert_int_equal(import_text(text, strlen(text), "v.dxgt", NULL, NULL, &e), DXGT_E_VERSION);
	assert_int_equal(e.line, 1);
	assert_string_equal(e.field, "version");
}

static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = HEADER "{\"type\":\"mod\0ule\"}\n";
	struct dxgt_import_error e;
	assert_int_equal(import_text(text, sizeof(text) - 1, "nul.dxgt", NULL, NULL, &e),
			 DXGT_E_CORRUPT);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.field, "");
	assert_non_null(strstr(e.msg, "not JSON"));
}

static void test_max_line(void **state)
{
	(void)state;
	static const char text[] = HEADER ENTER(1);
	struct dxgt_import_opts o = {.max_line = sizeof(HEADER) + 1};
	struct dxgt_import_error e;
	assert_int_equal(import_text(text, strlen(text), "long.dxgt", &o, NULL, &e), DXGT_E_TOOBIG);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "longer than"));
	o.max_line = strlen(ENTER(1)) - 1; /* without its '\n': exactly fits */
	assert_int_equal(import_text(text, strlen(text), "long.dxgt", &o, NULL, &e), 0);
}

static void record_progress(void *ctx, uint64_t bytes)
{
	*(uint64_t *)ctx = bytes;
}

static void test_good_records(void **state)
{
	(void)state;
	static const char text[] =
	    HEADER ENTER(1) ENTER(4) LEAVE(1, "\"0xC0000022\"") "{\"type\":\"adapter\",\"luid\":"
								"\"0x1:0x2\",\"vendor\":32902}";
	uint64_t seen = 0;
	struct dxgt_import_opts o = {
	    .input_name = "t.jsonl", .progress = record_progress, .progress_ctx = &seen};
	struct dxgt_import_stats st;
	struct dxgt_import_error e;
	int rc = import_text(text, strlen(text), "good.dxgt", &o, &st, &e);
	assert_int_equal(rc, 0);
	assert_int_equal(st.calls, 2);
	assert_int_equal(st.unfinished, 1);
	assert_int_equal(st.adapters, 1);
	assert_int_equal(st.bytes, strlen(text));
	assert_int_equal(seen, strlen(text));

	char path[256];
	snprintf(path, sizeof(path), "%s/good.dxgt", dir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct dxgt_reader *r;
	assert_int_equal(dxgt_reader_open(&r, path), 0);
	assert_int_equal(dxgt_reader_state(r)->created_unix_ns, 5);
	const struct dxgt_record *rec;
	int enters = 0, leaves = 0, adapters = 0;
	while (dxgt_reader_next(r, &rec) == 1) {
		if (rec->type == DXGT_REC_ENTER) {
			enters++;
			assert_int_equal(rec->layer, DXGT_LAYER_D3DKMT);
			assert_int_equal(rec->call_id, 0x0d);
			assert_int_equal(rec->fd, -1);
			assert_int_equal(rec->args_len, 32);
			assert_int_equal(rec->n_bufs, 1);
			assert_int_equal(rec->bufs[0].flags, DXGT_BUF_TRUNCATED);
			assert_int_equal(rec->bufs[0].orig_len, 4);
			assert_int_equal(rec->bufs[0].len, 2);
			assert_int_equal(rec->bufs[0].addr, 0x2000);
			assert_memory_equal(rec->bufs[0].data, "\x0a\x0b", 2);
		} else if (rec->type == DXGT_REC_LEAVE) {
			leaves++;
			assert_int_equal(rec->seq, 1);
			assert_int_equal(rec->flags, DXGT_LEAVE_STATUS);
			assert_int_equal(rec->status, 0xC0000022u);
			assert_int_equal(rec->ret, (int64_t)(int32_t)0xC0000022u);
		} else if (rec->type == DXGT_REC_META && rec->meta_kind == DXGT_META_ADAPTER) {
			adapters++;
			assert_string_equal(rec->fields[0].key, "luid");
			assert_int_equal(rec->fields[0].type, DXGT_VAL_U64);
			assert_int_equal(rec->fields[0].u64, 0x100000002ull);
		}
	}
	assert_true(dxgt_reader_state(r)->complete);
	dxgt_reader_close(r);
	assert_int_equal(enters, 2);
	assert_int_equal(leaves, 1);
	assert_int_equal(adapters, 1);
}

static void test_no_replace(void **state)
{
	(void)state;
	static const char text[] = HEADER;
	char path[256];
	snprintf(path, sizeof(path), "%s/keep.dxgt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	int before = entries();
	struct dxgt_import_opts o = {.no_replace = true};
	struct dxgt_import_error e;
	assert_int_equal(import_text(text, strlen(text), "keep.dxgt", &o, NULL, &e), DXGT_E_STATE);
	assert_int_equal(e.where, DXGT_IMPORT_OUTPUT);
	assert_int_equal(entries(), before);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 4);
	o.no_replace = false;
	assert_int_equal(import_text(text, strlen(text), "keep.dxgt", &o, NULL, &e), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 4);
}

static void test_output_errors(void **state)
{
	(void)state;
	static const char text[] = HEADER;
	struct dxgt_import_error e;
	assert_int_equal(import_text(text, strlen(text), "no/such/dir.dxgt", NULL, NULL, &e),
			 DXGT_E_IO);
	assert_int_equal(e.where, DXGT_IMPORT_OUTPUT);
	assert_non_null(strstr(e.msg, "cannot create"));
}

static void test_fd_consumed(void **state)
{
	(void)state;
	static const char bad[] = "not json\n", good[] = HEADER;
	const char *texts[] = {bad, good};
	for (int i = 0; i < 2; i++) {
		int fd = open("/dev/null", O_WRONLY);
		assert_true(fd >= 0);
		FILE *in = fmemopen((void *)texts[i], strlen(texts[i]), "r");
		int rc = dxgt_import_frida(in, fd, NULL, NULL, NULL);
		fclose(in);
		assert_int_equal(rc, i == 0 ? DXGT_E_CORRUPT : 0);
		errno = 0;
		assert_int_equal(fcntl(fd, F_GETFD), -1);
		assert_int_equal(errno, EBADF);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_struct),  cmocka_unit_test(test_version),
	    cmocka_unit_test(test_nul_byte),	  cmocka_unit_test(test_max_line),
	    cmocka_unit_test(test_good_records),  cmocka_unit_test(test_no_replace),
	    cmocka_unit_test(test_output_errors), cmocka_unit_test(test_fd_consumed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
