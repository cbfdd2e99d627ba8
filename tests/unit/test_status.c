// SPDX-License-Identifier: MIT
/*
 * Status knowledge: the NTSTATUS-to-errno conversion of dxgkrnl row by row
 * (docs/status-codes.md), its default and positive pass-through, the
 * reverse mapping and when it is ambiguous, names and numbers through
 * parse and format. The errno list is pinned to this machine's <errno.h> at
 * compile time, so a mistyped number in status.def fails the build.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dxgt/error.h"
#include "dxgt/status.h"

/* status.def numbers are x86-64 Linux's; on such a host they must equal
 * <errno.h>. (value) expands the row's number, (name) the host's macro. */
#define DXGT_ERRNO(name, value) _Static_assert((value) == (name), #name " differs from <errno.h>");
#include "dxgt/status.def"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct errno_expect {
	const char *name;
	int value;
};

/* The list again, with the host's numbers, to check the library's table. */
static const struct errno_expect errno_expect[] = {
#define DXGT_ERRNO(name, value) {#name, name},
#include "dxgt/status.def"
};

/* The explicit cases of dxgkrnl's conversion, with the host's errnos. */
static const struct {
	uint32_t status;
	int err;
} kernel_cases[] = {
    {0xC0000035, EEXIST},      /* OBJECT_NAME_COLLISION */
    {0xC0000017, ENOMEM},      /* NO_MEMORY */
    {0xC000000D, EINVAL},      /* INVALID_PARAMETER */
    {0xC0000033, ENOENT},      /* OBJECT_NAME_INVALID */
    {0xC0000034, ENOENT},      /* OBJECT_NAME_NOT_FOUND */
    {0xC0000023, EOVERFLOW},   /* BUFFER_TOO_SMALL */
    {0xC00002B6, ENODEV},      /* DEVICE_REMOVED */
    {0xC0000022, EACCES},      /* ACCESS_DENIED */
    {0xC00000BB, EPERM},       /* NOT_SUPPORTED */
    {0xC0000002, EPERM},       /* NOT_IMPLEMENTED */
    {0xC000001D, EOPNOTSUPP},  /* ILLEGAL_INSTRUCTION */
    {0xC0000008, EBADF},       /* INVALID_HANDLE */
    {0xC01E0102, EINPROGRESS}, /* GRAPHICS_ALLOCATION_BUSY */
    {0xC0000024, EPROTOTYPE},  /* OBJECT_TYPE_MISMATCH */
};

static void test_kernel_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(kernel_cases); i++) {
		uint32_t s = kernel_cases[i].status;
		int err = kernel_cases[i].err;
		assert_non_null(dxgt_ntstatus_name(s));
		assert_int_equal(dxgt_ntstatus_to_errno(s), err);
		/* The iteration reports the same errno as the lookup. */
		int found = 0;
		for (size_t j = 0; j < dxgt_ntstatus_count(); j++) {
			uint32_t v;
			int e;
			assert_int_equal(dxgt_ntstatus_at(j, &v, NULL, &e), 0);
			if (v == s) {
				assert_int_equal(e, err);
				found++;
			}
		}
		assert_int_equal(found, 1);
	}
}

static void test_default_is_einval(void **state)
{
	(void)state;
	/* Known statuses the driver has no case for. */
	assert_int_equal(dxgt_ntstatus_to_errno(0xC0000001), EINVAL); /* UNSUCCESSFUL */
	assert_int_equal(dxgt_ntstatus_to_errno(0xC0000507), EINVAL); /* DEVICE_HUNG */
	assert_int_equal(dxgt_ntstatus_to_errno(0xC01E0100), EINVAL); /* NO_VIDEO_MEMORY */
	/* A warning is negative too, so it fails. */
	assert_int_equal(dxgt_ntstatus_to_errno(0x80000005), EINVAL); /* BUFFER_OVERFLOW */
	/* Unknown negative values. */
	assert_null(dxgt_ntstatus_name(0xC0000123));
	assert_int_equal(dxgt_ntstatus_to_errno(0xC0000123), EINVAL);
	assert_int_equal(dxgt_ntstatus_to_errno(0x80000000), EINVAL);
	assert_int_equal(dxgt_ntstatus_to_errno(0xFFFFFFFF), EINVAL);
}

static void test_positive_passes_through(void **state)
{
	(void)state;
	assert_int_equal(dxgt_ntstatus_to_errno(0), 0);
	assert_int_equal(dxgt_ntstatus_to_errno(0x103), 0); /* PENDING */
	/* The driver's TIMEOUT -> EAGAIN case is dead: 0x102 is non-negative. */
	assert_int_equal(dxgt_ntstatus_to_errno(0x102), 0);
	assert_int_equal(dxgt_ntstatus_to_errno(0x401E000A), 0);
	assert_int_equal(dxgt_ntstatus_to_errno(0x12345), 0);
	assert_int_equal(dxgt_ntstatus_to_errno(0x7FFFFFFF), 0);
	/* Every row agrees: errno 0 exactly for non-negative values. */
	for (size_t i = 0; i < dxgt_ntstatus_count(); i++) {
		uint32_t v;
		int e;
		assert_int_equal(dxgt_ntstatus_at(i, &v, NULL, &e), 0);
		assert_int_equal(e == 0, dxgt_ntstatus_is_success(v));
		assert_int_equal(dxgt_ntstatus_to_errno(v), e);
	}
}

static void lower(char *dst, const char *src)
{
	for (; *src; src++)
		*dst++ = (*src >= 'A' && *src <= 'Z') ? (char)(*src - 'A' + 'a') : *src;
	*dst = '\0';
}

static void test_ntstatus_names_round_trip(void **state)
{
	(void)state;
	size_t n = dxgt_ntstatus_count();
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		uint32_t v, got;
		const char *name;
		char buf[DXGT_NTSTATUS_NAME_MAX], low[DXGT_NTSTATUS_NAME_MAX];

		assert_int_equal(dxgt_ntstatus_at(i, &v, &name, NULL), 0);
		assert_int_equal(strncmp(name, "STATUS_", 7), 0);
		assert_string_equal(dxgt_ntstatus_name(v), name);
		assert_int_equal(dxgt_ntstatus_format(v, buf, sizeof(buf)), 0);
		assert_string_equal(buf, name);

		got = 0xDEADBEEF;
		assert_int_equal(dxgt_ntstatus_parse(name, &got), 0);
		assert_int_equal(got, v);
		got = 0xDEADBEEF;
		assert_int_equal(dxgt_ntstatus_parse(name + 7, &got), 0);
		assert_int_equal(got, v);
		lower(low, name + 7);
		got = 0xDEADBEEF;
		assert_int_equal(dxgt_ntstatus_parse(low, &got), 0);
		assert_int_equal(got, v);

		/* Values and names are unique. */
		for (size_t j = i + 1; j < n; j++) {
			uint32_t w;
			const char *other;
			assert_int_equal(dxgt_ntstatus_at(j, &w, &other, NULL), 0);
			assert_true(v != w);
			assert_true(strcmp(name, other) != 0);
		}
	}
	assert_int_equal(dxgt_ntstatus_at(n, NULL, NULL, NULL), DXGT_E_INVAL);
}

static void test_errno_list_matches_host(void **state)
{
	(void)state;
	assert_int_equal(dxgt_errno_count(), N(errno_expect));
	for (size_t i = 0; i < N(errno_expect); i++) {
		int v, got;
		const char *name;
		char neg[16];

		assert_int_equal(dxgt_errno_at(i, &v, &name), 0);
		assert_string_equal(name, errno_expect[i].name);
		assert_int_equal(v, errno_expect[i].value);
		assert_string_equal(dxgt_errno_name(v), name);
		assert_string_equal(dxgt_errno_name(-v), name);

		got = -1;
		assert_int_equal(dxgt_errno_parse(name, &got), 0);
		assert_int_equal(got, v);
		snprintf(neg, sizeof(neg), "-%d", v);
		got = -1;
		assert_int_equal(dxgt_errno_parse(neg, &got), 0);
		assert_int_equal(got, v);
		got = -1;
		assert_int_equal(dxgt_errno_parse(neg + 1, &got), 0);
		assert_int_equal(got, v);

		for (size_t j = i + 1; j < N(errno_expect); j++)
			assert_true(v != errno_expect[j].value);
	}
	assert_int_equal(dxgt_errno_at(N(errno_expect), NULL, NULL), DXGT_E_INVAL);
	assert_string_equal(dxgt_errno_name(EOVERFLOW), "EOVERFLOW");
	assert_string_equal(dxgt_errno_name(-75), "EOVERFLOW");
	assert_null(dxgt_errno_name(0));
	assert_null(dxgt_errno_name(4000));
	assert_null(dxgt_errno_name(INT32_MIN));
}

static void test_reverse_mapping(void **state)
{
	(void)state;
	uint32_t out[64];

	/* One status per errno. */
	assert_int_equal(dxgt_errno_to_ntstatus(EOVERFLOW, out, N(out)), 1);
	assert_int_equal(out[0], 0xC0000023);
	assert_int_equal(dxgt_errno_to_ntstatus(-EOVERFLOW, out, N(out)), 1);
	assert_int_equal(out[0], 0xC0000023);
	assert_int_equal(dxgt_errno_to_ntstatus(EEXIST, out, N(out)), 1);
	assert_int_equal(out[0], 0xC0000035);
	assert_int_equal(dxgt_errno_to_ntstatus(EINPROGRESS, out, N(out)), 1);
	assert_int_equal(out[0], 0xC01E0102);

	/* Two statuses per errno, in list order. */
	assert_int_equal(dxgt_errno_to_ntstatus(ENOENT, out, N(out)), 2);
	assert_int_equal(out[0], 0xC0000033);
	assert_int_equal(out[1], 0xC0000034);
	assert_int_equal(dxgt_errno_to_ntstatus(EPERM, out, N(out)), 2);
	assert_int_equal(out[0], 0xC0000002);
	assert_int_equal(out[1], 0xC00000BB);

	/* EINVAL: the explicit case and every defaulted known status. */
	size_t n = dxgt_errno_to_ntstatus(EINVAL, out, N(out));
	assert_true(n > 2 && n <= N(out));
	int has_invalid_parameter = 0, has_unsuccessful = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(dxgt_ntstatus_to_errno(out[i]), EINVAL);
		has_invalid_parameter |= out[i] == 0xC000000D;
		has_unsuccessful |= out[i] == 0xC0000001;
	}
	assert_true(has_invalid_parameter && has_unsuccessful);

	/* The count is the total; only cap entries are written. */
	out[0] = out[1] = 0xDEADBEEF;
	assert_int_equal(dxgt_errno_to_ntstatus(EPERM, out, 1), 2);
	assert_int_equal(out[0], 0xC0000002);
	assert_int_equal(out[1], 0xDEADBEEF);
	assert_int_equal(dxgt_errno_to_ntstatus(EPERM, NULL, 0), 2);

	/* No status maps to these; 0 is not an error. */
	assert_int_equal(dxgt_errno_to_ntstatus(EFAULT, out, N(out)), 0);
	assert_int_equal(dxgt_errno_to_ntstatus(0, out, N(out)), 0);
	assert_int_equal(dxgt_errno_to_ntstatus(INT32_MIN, out, N(out)), 0);

	/* Forward and reverse agree: every failing status is found exactly once. */
	size_t total = 0, failing = 0;
	for (size_t i = 0; i < dxgt_errno_count(); i++) {
		int e;
		assert_int_equal(dxgt_errno_at(i, &e, NULL), 0);
		n = dxgt_errno_to_ntstatus(e, out, N(out));
		assert_true(n <= N(out));
		for (size_t j = 0; j < n; j++)
			assert_int_equal(dxgt_ntstatus_to_errno(out[j]), e);
		total += n;
	}
	for (size_t i = 0; i < dxgt_ntstatus_count(); i++) {
		int e;
		assert_int_equal(dxgt_ntstatus_at(i, NULL, NULL, &e), 0);
		failing += e != 0;
	}
	assert_int_equal(total, failing);
}

static void test_ambiguity(void **state)
{
	(void)state;
	assert_false(dxgt_errno_is_ambiguous(EOVERFLOW));
	assert_false(dxgt_errno_is_ambiguous(-EOVERFLOW));
	assert_true(dxgt_errno_is_ambiguous(ENOENT));
	assert_true(dxgt_errno_is_ambiguous(EPERM));
	assert_true(dxgt_errno_is_ambiguous(-EPERM));
	assert_true(dxgt_errno_is_ambiguous(EINVAL));
	assert_true(dxgt_errno_is_ambiguous(-EINVAL));
	static const int single[] = {EEXIST,	 ENOMEM, ENODEV,      EACCES,
				     EOPNOTSUPP, EBADF,	 EINPROGRESS, EPROTOTYPE};
	for (size_t i = 0; i < N(single); i++)
		assert_false(dxgt_errno_is_ambiguous(single[i]));
	/* No status behind it at all is not ambiguous. */
	assert_false(dxgt_errno_is_ambiguous(EFAULT));
	assert_false(dxgt_errno_is_ambiguous(0));
}

static void expect_ntstatus(const char *s, uint32_t want)
{
	uint32_t got = 0xDEADBEEF ^ want;
	assert_int_equal(dxgt_ntstatus_parse(s, &got), 0);
	assert_int_equal(got, want);
}

static void expect_ntstatus_error(const char *s, int rc)
{
	uint32_t got = 0xDEADBEEF;
	assert_int_equal(dxgt_ntstatus_parse(s, &got), rc);
	assert_int_equal(got, 0xDEADBEEF);
}

static void test_ntstatus_parse_forms(void **state)
{
	(void)state;
	expect_ntstatus("0xC0000023", 0xC0000023);
	expect_ntstatus("0XC0000023", 0xC0000023);
	expect_ntstatus("0xc0000023", 0xC0000023);
	expect_ntstatus("C0000023", 0xC0000023);
	expect_ntstatus("STATUS_BUFFER_TOO_SMALL", 0xC0000023);
	expect_ntstatus("BUFFER_TOO_SMALL", 0xC0000023);
	expect_ntstatus("status_buffer_too_small", 0xC0000023);
	expect_ntstatus("Buffer_Too_Small", 0xC0000023);
	expect_ntstatus("-1073741789", 0xC0000023);
	expect_ntstatus("-2147483648", 0x80000000);
	expect_ntstatus("-1", 0xFFFFFFFF);
	expect_ntstatus("0", 0);
	expect_ntstatus("103", 0x103); /* a bare number is hex */
	expect_ntstatus("0x00000000103", 0x103);
	expect_ntstatus("0xC0000123", 0xC0000123); /* unknown values parse too */
	expect_ntstatus("STATUS_PENDING", 0x103);
}

static void test_ntstatus_parse_errors(void **state)
{
	(void)state;
	uint32_t got;
	assert_int_equal(dxgt_ntstatus_parse(NULL, &got), DXGT_E_INVAL);
	assert_int_equal(dxgt_ntstatus_parse("0", NULL), DXGT_E_INVAL);
	static const char *const garbage[] = {
	    "",
	    "0x",
	    "-",
	    "--5",
	    "- 5",
	    "+5",
	    " 0x103",
	    "0x103 ",
	    "0xG",
	    "0x-1",
	    "0x1FFFFFFFF",
	    "123456789",
	    "-2147483649",
	    "-0x103",
	    "hello world",
	    "STATUS BUFFER",
	    "1abc_def",
	    "BUFFER-TOO-SMALL",
	    "\xc3\xa9",
	    "STATUS_\t",
	};
	for (size_t i = 0; i < N(garbage); i++)
		expect_ntstatus_error(garbage[i], DXGT_E_INVAL);
	expect_ntstatus_error("STATUS_NO_SUCH_THING", DXGT_E_NOTFOUND);
	expect_ntstatus_error("NO_SUCH_THING", DXGT_E_NOTFOUND);
	expect_ntstatus_error("STATUS_", DXGT_E_NOTFOUND);
	expect_ntstatus_error("STATUS_STATUS_PENDING", DXGT_E_NOTFOUND);
}

static void test_errno_parse(void **state)
{
	(void)state;
	int got;
	static const struct {
		const char *s;
		int want;
	} ok[] = {
	    {"EOVERFLOW", EOVERFLOW},
	    {"eoverflow", EOVERFLOW},
	    {"-75", 75},
	    {"75", 75},
	    {"E2BIG", E2BIG},
	    {"1", 1},
	    {"4095", 4095},
	    {"-4095", 4095},
	    {"999", 999}, /* numbers need not be in the list */
	};
	for (size_t i = 0; i < N(ok); i++) {
		got = -1;
		assert_int_equal(dxgt_errno_parse(ok[i].s, &got), 0);
		assert_int_equal(got, ok[i].want);
	}
	static const char *const bad[] = {"",	 "0",	"-0",  "4096", "-4096", "-",   "+75",
					  "75x", "7 5", " 75", "-E1",  "E-1",	"\xff"};
	for (size_t i = 0; i < N(bad); i++) {
		got = -1;
		assert_int_equal(dxgt_errno_parse(bad[i], &got), DXGT_E_INVAL);
		assert_int_equal(got, -1);
	}
	got = -1;
	assert_int_equal(dxgt_errno_parse("ENOTANERRNO", &got), DXGT_E_NOTFOUND);
	assert_int_equal(dxgt_errno_parse("E", &got), DXGT_E_NOTFOUND);
	assert_int_equal(got, -1);
	assert_int_equal(dxgt_errno_parse(NULL, &got), DXGT_E_INVAL);
	assert_int_equal(dxgt_errno_parse("EIO", NULL), DXGT_E_INVAL);
}

static void test_format(void **state)
{
	(void)state;
	char buf[DXGT_NTSTATUS_NAME_MAX];

	assert_int_equal(dxgt_ntstatus_format(0xC0000123, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0xC0000123");
	assert_int_equal(dxgt_ntstatus_format(0x1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0x00000001");
	assert_int_equal(dxgt_ntstatus_format(0xFFFFFFFF, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0xFFFFFFFF");
	assert_int_equal(dxgt_ntstatus_format(0xC0000023, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "STATUS_BUFFER_TOO_SMALL");

	/* Exactly enough, then one byte short: nothing but "" is left. */
	assert_int_equal(dxgt_ntstatus_format(0xC0000123, buf, 11), 0);
	assert_string_equal(buf, "0xC0000123");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(dxgt_ntstatus_format(0xC0000123, buf, 10), DXGT_E_INVAL);
	assert_string_equal(buf, "");
	size_t need = strlen("STATUS_BUFFER_TOO_SMALL") + 1;
	assert_int_equal(dxgt_ntstatus_format(0xC0000023, buf, need), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(dxgt_ntstatus_format(0xC0000023, buf, need - 1), DXGT_E_INVAL);
	assert_string_equal(buf, "");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(dxgt_ntstatus_format(0, buf, 0), DXGT_E_INVAL);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(dxgt_ntstatus_format(0, NULL, 64), DXGT_E_INVAL);

	/* Formatted unknown values parse back. */
	uint32_t got = 0;
	assert_int_equal(dxgt_ntstatus_format(0xC0DE0123, buf, sizeof(buf)), 0);
	assert_int_equal(dxgt_ntstatus_parse(buf, &got), 0);
	assert_int_equal(got, 0xC0DE0123);
}

static void test_severity(void **state)
{
	(void)state;
	assert_true(dxgt_ntstatus_is_error(0xC0000023));
	assert_true(dxgt_ntstatus_is_error(0xC01E0102));
	assert_false(dxgt_ntstatus_is_error(0x80000005)); /* a warning */
	assert_false(dxgt_ntstatus_is_error(0x401E000A)); /* informational */
	assert_false(dxgt_ntstatus_is_error(0));
	assert_true(dxgt_ntstatus_is_success(0));
	assert_true(dxgt_ntstatus_is_success(0x103));
	assert_true(dxgt_ntstatus_is_success(0x401E000A));
	assert_true(dxgt_ntstatus_is_success(0x7FFFFFFF));
	assert_false(dxgt_ntstatus_is_success(0x80000005));
	assert_false(dxgt_ntstatus_is_success(0xC0000001));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kernel_cases),
	    cmocka_unit_test(test_default_is_einval),
	    cmocka_unit_test(test_positive_passes_through),
	    cmocka_unit_test(test_ntstatus_names_round_trip),
	    cmocka_unit_test(test_errno_list_matches_host),
	    cmocka_unit_test(test_reverse_mapping),
	    cmocka_unit_test(test_ambiguity),
	    cmocka_unit_test(test_ntstatus_parse_forms),
	    cmocka_unit_test(test_ntstatus_parse_errors),
	    cmocka_unit_test(test_errno_parse),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_severity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
