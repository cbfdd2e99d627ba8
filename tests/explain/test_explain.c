// SPDX-License-Identifier: MIT
/*
 * The tables behind `dxgtrace explain`, checked against the lists they
 * refer to, and its parser:
 *   - every dxgkrnl handler row names a descriptor with that ioctl number;
 *   - every note names calls the descriptor list knows, and every note is
 *     reachable (some errno or call makes it apply);
 *   - for every errno and NTSTATUS row of status.def, parsing its name and
 *     its number gives it back, and the explanation's mapping agrees with
 *     dxgt/status.h in both directions;
 *   - each log-line form gives the call, the result and the form expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dxgt/error.h"
#include "dxgt/explain.h"
#include "dxgt/status.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	unsigned nr;
} handlers[] = {
#define DXGT_KFUNC(name, nr) {#name, (nr)},
#include "dxgkrnl_handlers.def"
};

/* The explanation printed into a string (owned), blanks collapsed. */
static char *printed(const struct dxgt_explain *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dxgt_explain_print(f, x, 0), 0);
	fclose(f);
	/* One line: wrapping must not hide a phrase from strstr(). */
	char *o = buf;
	for (const char *p = buf; *p; p++) {
		if (*p == '\n' || *p == ' ') {
			if (o > buf && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return buf;
}

static void test_handlers(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handlers); i++) {
		const struct dxgt_call_desc *d = dxgt_explain_kfunc_call(handlers[i].name);
		if (!d)
			fail_msg("%s: no descriptor", handlers[i].name);
		assert_int_equal(d->id, handlers[i].nr);
		assert_non_null(d->ioctl_name);
		assert_string_equal(dxgt_explain_call_kfunc(d), handlers[i].name);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(handlers[j].nr, handlers[i].nr);
	}
	assert_null(dxgt_explain_kfunc_call("dxgkio_frobnicate"));
	assert_null(dxgt_explain_kfunc_call("escape"));
	assert_int_equal(dxgt_explain_kfunc_call("dxgk_escape")->id, 0x0d);
}

static void test_notes(void **state)
{
	(void)state;
	assert_true(dxgt_note_count() > 0);
	for (size_t i = 0; i < dxgt_note_count(); i++) {
		const struct dxgt_note *n = dxgt_note_at(i);
		char list[256];
		assert_true(strlen(n->calls) < sizeof(list));
		strcpy(list, n->calls);
		for (char *tok = strtok(list, "/"); tok; tok = strtok(NULL, "/"))
			if (!dxgt_call_by_name(tok))
				fail_msg("note %u: no call named %s", n->id, tok);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(dxgt_note_at(j)->id, n->id);
		assert_null(strchr(n->text, '\n'));
	}
	assert_null(dxgt_note_at(dxgt_note_count()));

	/* Every note applies to some failure: an errno of the list on the
	 * note's first call (or on no call). */
	for (size_t i = 0; i < dxgt_note_count(); i++) {
		const struct dxgt_note *n = dxgt_note_at(i);
		char first[64];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(n->calls, "/"), n->calls);
		bool reached = false;
		for (size_t k = 0; k < dxgt_errno_count() && !reached; k++) {
			for (size_t c = 0; c < dxgt_call_count() && !reached; c++) {
				struct dxgt_explain x = {0};
				const struct dxgt_note *got[32];
				x.source = DXGT_EXPLAIN_ERRNO;
				assert_int_equal(dxgt_errno_at(k, &x.err, NULL), 0);
				x.call = first[0] ? dxgt_call_by_name(first) : dxgt_call_at(c);
				size_t m = dxgt_explain_notes(&x, got, N(got));
				for (size_t j = 0; j < m && j < N(got); j++)
					reached = reached || got[j] == n;
			}
		}
		if (!reached)
			fail_msg("note %u never applies", n->id);
	}
}

/* The reverse mapping: the explanation names each status behind err. */
static void check_reverse(const char *text, int err)
{
	uint32_t sts[64];
	size_t n = dxgt_errno_to_ntstatus(err, sts, N(sts));
	for (size_t i = 0; i < n && i < N(sts); i++) {
		const char *name = dxgt_ntstatus_name(sts[i]);
		assert_non_null(name);
		if (!strstr(text, name))
			fail_msg("errno %d: %s missing from:\n%s", err, name, text);
	}
	if (n == 0)
		assert_non_null(strstr(text, "no status maps to"));
	else if (dxgt_errno_is_ambiguous(err))
		assert_non_null(strstr(text, "ambiguous"));
	else
		assert_non_null(strstr(text, "not ambiguous"));
}

static void test_errno_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < dxgt_errno_count(); i++) {
		int value;
		const char *name;
		char num[16];
		struct dxgt_explain x;
		assert_int_equal(dxgt_errno_at(i, &value, &name), 0);
		assert_int_equal(dxgt_explain_parse(name, &x), 0);
		assert_int_equal(x.source, DXGT_EXPLAIN_ERRNO);
		assert_int_equal(x.err, value);
		snprintf(num, sizeof(num), "-%d", value);
		assert_int_equal(dxgt_explain_parse(num, &x), 0);
		assert_int_equal(x.err, value);
		snprintf(num, sizeof(num), "%d", value);
		assert_int_equal(dxgt_explain_parse(num, &x), 0);
		assert_int_equal(x.source, DXGT_EXPLAIN_ERRNO);
		assert_int_equal(x.err, value);
		char *text = printed(&x);
		assert_non_null(strstr(text, name));
		check_reverse(text, value);
		free(text);
	}
}

static void test_status_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < dxgt_ntstatus_count(); i++) {
		uint32_t value;
		const char *name;
		int err;
		char hex[16];
		struct dxgt_explain x;
		assert_int_equal(dxgt_ntstatus_at(i, &value, &name, &err), 0);
		snprintf(hex, sizeof(hex), "0x%08X", value);
		assert_int_equal(dxgt_explain_parse(hex, &x), 0);
		assert_int_equal(x.source, DXGT_EXPLAIN_STATUS);
		assert_true(x.has_status);
		assert_int_equal(x.status, value);
		assert_int_equal(x.err, err);
		assert_int_equal(dxgt_explain_parse(name, &x), 0);
		assert_int_equal(x.status, value);
		assert_int_equal(dxgt_explain_parse(name + 7, &x), 0); /* without STATUS_ */
		assert_int_equal(x.status, value);
		char *text = printed(&x);
		assert_non_null(strstr(text, name));
		if (err) {
			/* status -> errno, then errno -> statuses */
			const char *en = dxgt_errno_name(err);
			char arrow[96];
			snprintf(arrow, sizeof(arrow), "-> %s (%d)", en, err);
			if (!strstr(text, arrow))
				fail_msg("%s: no '%s' in:\n%s", name, arrow, text);
			check_reverse(text, err);
		} else {
			assert_non_null(strstr(text, "passes through"));
		}
		free(text);
	}
}

static const struct log_case {
	const char *line;
	int rc;
	unsigned call; /* descriptor id; 0 none */
	int err;       /* 0 none */
	enum dxgt_log_form form;
} log_cases[] = {
    {"misc dxg: dxgk: dxgkio_escape: Ioctl failed: -75", 0, 0x0d, 75, DXGT_LOG_FAILED},
    {"[    1.5] misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -2", 0, 0x09, 2,
     DXGT_LOG_FAILED},
    {"kernel: misc dxg: dxgk: dxgkio_is_feature_enabled:    Ioctl failed: -22  (EINVAL)", 0, 0x49,
     22, DXGT_LOG_FAILED},
    {"dxgkio_reserve_gpu_va: ioctl failed -75", 0, 0x08, 75, DXGT_LOG_FAILED},
    {"dxgk: dxgkio_escape: ioctl:err -22", 0, 0x0d, 22, DXGT_LOG_TRACE},
    {"dxgk: dxgkio_enum_adapters3: ioctl: err -14", 0, 0x3e, 14, DXGT_LOG_TRACE},
    {"dxgk: dxgkio_wait_sync_file: Ioctl returned: 259", 0, 0x46, 0, DXGT_LOG_RETURNED},
    {"dxgk: dxgkio_close_adapter: failed to close adapter: -22", 0, 0x15, 22, DXGT_LOG_OTHER},
    {"dxgk: dxgkio_create_device: failed to copy device handle", 0, 0x02, 0, DXGT_LOG_OTHER},
    {"dxgk: dxgk_ioctl: ioctl callback is NULL 17", 0, 0x17, 25, DXGT_LOG_NOHANDLER},
    {"dxgk: dxgk_ioctl: bad ioctl 4a 47 8 3", 0, 0, 25, DXGT_LOG_BADIOCTL},
    {"dxgk: dxgk_ioctl: ioctl mismatch. Code: d User: c020470d Kernel: c028470d", 0, 0x0d, 25,
     DXGT_LOG_MISMATCH},
    {"dxgk: dxgk_ioctl: Call from a wrong process: 1 2", 0, 0, 25, DXGT_LOG_WRONGPROC},
    {"dxgk: dxgkio_frobnicate: Ioctl failed: -22", 0, 0, 22, DXGT_LOG_FAILED},
    {"dxgk: dxgkio_frobnicate: odd", DXGT_E_NOTFOUND, 0, 0, DXGT_LOG_OTHER},
    {"hello world", DXGT_E_INVAL, 0, 0, DXGT_LOG_NONE},
    {"dxgk: something: Ioctl failed: abc", DXGT_E_INVAL, 0, 0, DXGT_LOG_NONE},
};

static void test_log_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(log_cases); i++) {
		const struct log_case *c = &log_cases[i];
		struct dxgt_explain x;
		int rc = dxgt_explain_parse(c->line, &x);
		if (rc != c->rc)
			fail_msg("'%s': rc %d, expected %d", c->line, rc, c->rc);
		if (rc < 0)
			continue;
		assert_int_equal(x.source, DXGT_EXPLAIN_LOG);
		assert_int_equal(x.form, c->form);
		assert_int_equal(x.err, c->err);
		if (c->call) {
			if (!x.call)
				fail_msg("'%s': no call", c->line);
			assert_int_equal(x.call->id, c->call);
		} else {
			assert_null(x.call);
		}
	}
	struct dxgt_explain x;
	assert_int_equal(dxgt_explain_parse("dxgk: dxgk_ioctl: ioctl mismatch. Code: d User: "
					    "c020470d Kernel: c028470d",
					    &x),
			 0);
	assert_int_equal(x.user_code, 0xc020470du);
	assert_int_equal(x.kernel_code, 0xc028470du);
	assert_int_equal(dxgt_explain_parse("dxgk: dxgkio_wait_sync_file: Ioctl returned: 259", &x),
			 0);
	assert_true(x.has_status);
	assert_int_equal(x.status, 0x103);
}

static void test_values(void **state)
{
	(void)state;
	struct dxgt_explain x;
	assert_int_equal(dxgt_explain_parse("-1073741789", &x), 0);
	assert_int_equal(x.status, 0xC0000023u);
	assert_int_equal(dxgt_explain_parse("c0000023", &x), 0);
	assert_int_equal(x.status, 0xC0000023u);
	assert_int_equal(dxgt_explain_parse("0", &x), 0);
	assert_int_equal(x.source, DXGT_EXPLAIN_STATUS);
	assert_int_equal(x.status, 0);
	assert_int_equal(dxgt_explain_parse("4095", &x), 0);
	assert_int_equal(x.err, 4095);
	assert_int_equal(dxgt_explain_parse("4096", &x), DXGT_E_INVAL);
	assert_int_equal(dxgt_explain_parse("0x1C0000023", &x), DXGT_E_INVAL);
	assert_int_equal(dxgt_explain_parse("EBOGUS", &x), DXGT_E_NOTFOUND);
	assert_int_equal(dxgt_explain_parse("STATUS_BOGUS", &x), DXGT_E_NOTFOUND);
	assert_int_equal(dxgt_explain_parse("", &x), DXGT_E_INVAL);
	assert_int_equal(dxgt_explain_parse("   ", &x), DXGT_E_INVAL);
	assert_int_equal(dxgt_explain_parse(NULL, &x), DXGT_E_INVAL);
	assert_int_equal(dxgt_explain_parse(" EOVERFLOW \n", &x), 0);
	assert_int_equal(x.err, 75);
}

/* The notes a recorded failure gets: an escape's -EOVERFLOW at both layers
 * gets the short-reply note, a call that never returned none. */
static void test_recorded_call(void **state)
{
	(void)state;
	struct dxgt_record e = {0}, l = {0};
	struct dxgt_call c = {&e, &l, dxgt_call_by_id(0x0d)};
	struct dxgt_explain x;
	const struct dxgt_note *got[32];
	e.type = DXGT_REC_ENTER;
	e.layer = DXGT_LAYER_IOCTL;
	l.type = DXGT_REC_LEAVE;
	l.ret = -1;
	l.err = 75;
	assert_int_equal(dxgt_explain_call(&c, &x), 0);
	assert_int_equal(x.err, 75);
	size_t n = dxgt_explain_notes(&x, got, N(got));
	assert_true(n >= 1);
	assert_int_equal(got[0]->id, 1);

	e.layer = DXGT_LAYER_D3DKMT;
	l.flags = DXGT_LEAVE_STATUS;
	l.status = 0xC0000023u;
	l.ret = (int32_t)0xC0000023u;
	assert_int_equal(dxgt_explain_call(&c, &x), 0);
	assert_int_equal(x.err, 75);
	n = dxgt_explain_notes(&x, got, N(got));
	assert_true(n >= 1);
	assert_int_equal(got[0]->id, 1);
	char sum[256];
	assert_non_null(strstr(dxgt_explain_summary(&x, sum, sizeof(sum)),
			       "EOVERFLOW <- STATUS_BUFFER_TOO_SMALL only"));

	c.leave = NULL;
	assert_int_equal(dxgt_explain_call(&c, &x), 0);
	assert_true(x.no_return);
	assert_int_equal(dxgt_explain_notes(&x, got, N(got)), 0);

	e.type = DXGT_REC_META;
	assert_int_equal(dxgt_explain_call(&c, &x), DXGT_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handlers),	  cmocka_unit_test(test_notes),
	    cmocka_unit_test(test_errno_rows),	  cmocka_unit_test(test_status_rows),
	    cmocka_unit_test(test_log_lines),	  cmocka_unit_test(test_values),
	    cmocka_unit_test(test_recorded_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
