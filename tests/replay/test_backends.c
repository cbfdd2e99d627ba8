// SPDX-License-Identifier: MIT
/*
 * The replayer's backends against the NPU host of the field report: at
 * each layer a backend has, EnumAdapters3 with the compute-only filter
 * finds the NPU, OpenAdapterFromLuid opens it, an empty escape succeeds and
 * a 64-byte one fails (0xC0000023 at D3DKMT, -1 EOVERFLOW at the ioctl);
 * an unknown request is -1 ENOTTY; a layer the backend has not, or a
 * struct shorter than the call's, is refused with a reason.
 *
 * One program, three ways to run it (tests/replay/CMakeLists.txt):
 *   test_backends mock                the in-process model
 *   test_backends dxg                 under LD_PRELOAD=libdxgmock.so, whose
 *                                     emulated /dev/dxg the backend opens
 *   test_backends dxcore LIBDXGMOCK   libdxgmock.so loaded as libdxcore.so
 * The last two expect DXGMOCK_PROFILE=wsl2-intel-npu.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"
#include "dxgt/uapi.h"

#define STATUS_BUFFER_TOO_SMALL 0xC0000023u
#define STATUS_INVALID_PARAMETER 0xC000000Du
#define NPU_LUID 0x00000000000123abull

static const char *mode; /* "mock", "dxg", "dxcore" */
static const char *lib;	 /* dxcore: the library to load */
static struct dxgt_profile *npu;

static int setup(void **state)
{
	struct dxgt_backend *b = NULL;
	char err[256] = "";
	int rc;
	if (strcmp(mode, "mock") == 0)
		rc = dxgt_backend_mock_new(&b, npu);
	else if (strcmp(mode, "dxg") == 0)
		rc = dxgt_backend_dxg_new(&b, NULL, err, sizeof(err));
	else
		rc = dxgt_backend_dxcore_new(&b, lib, err, sizeof(err));
	if (rc < 0)
		print_error("%s backend: %s (%s)\n", mode, err, dxgt_strerror(rc));
	*state = b;
	return rc < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	dxgt_backend_free(*state);
	return 0;
}

static bool has(const struct dxgt_backend *b, enum dxgt_layer l)
{
	return b->layers & DXGT_LAYER_BIT(l);
}

/* Call name at layer l with its struct; asserts the call was made. */
static struct dxgt_backend_result call(struct dxgt_backend *b, enum dxgt_layer l, const char *name,
				       void *args)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	assert_non_null(d);
	struct dxgt_backend_result r;
	uint32_t code = l == DXGT_LAYER_IOCTL ? d->ioctl_code : 0;
	int rc = b->call(b, l, d, code, args, dxgt_call_args_size(d, l), &r);
	if (rc < 0)
		print_error("%s: %s\n", name, b->last_error(b) ? b->last_error(b) : "?");
	assert_int_equal(rc, 0);
	return r;
}

/* The call succeeded as the layer says success. */
static void assert_ok(struct dxgt_backend_result r, enum dxgt_layer l)
{
	if (l == DXGT_LAYER_D3DKMT) {
		assert_true(r.has_status);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.ret, 0);
	} else {
		assert_false(r.has_status);
		assert_int_equal(r.ret, 0);
		assert_int_equal(r.err, 0);
	}
}

/* The NPU report at one layer. */
static void npu_report_at(struct dxgt_backend *b, enum dxgt_layer l)
{
	struct dxgt_adapterinfo info[4] = {0};
	struct dxgt_enumadapters3 e = {1, 4, 0, (uint64_t)(uintptr_t)info};
	assert_ok(call(b, l, "EnumAdapters3", &e), l);
	assert_int_equal(e.adapter_count, 1);
	assert_int_not_equal(info[0].adapter_handle, 0);
	uint64_t luid = (uint64_t)info[0].adapter_luid.b << 32 | info[0].adapter_luid.a;
	assert_int_equal(luid, NPU_LUID);

	struct dxgt_openadapterfromluid o = {info[0].adapter_luid, 0};
	assert_ok(call(b, l, "OpenAdapterFromLuid", &o), l);
	assert_int_not_equal(o.adapter_handle, 0);

	struct dxgt_escape esc = {o.adapter_handle, 0, 0, 0, 0, 0, 0};
	assert_ok(call(b, l, "Escape", &esc), l);

	uint8_t payload[64] = {1, 2, 3};
	esc.priv_drv_data = (uint64_t)(uintptr_t)payload;
	esc.priv_drv_data_size = sizeof(payload);
	struct dxgt_backend_result r = call(b, l, "Escape", &esc);
	if (l == DXGT_LAYER_D3DKMT) {
		assert_true(r.has_status);
		assert_int_equal(r.status, STATUS_BUFFER_TOO_SMALL);
		assert_int_equal(r.ret, (int32_t)STATUS_BUFFER_TOO_SMALL);
	} else {
		assert_false(r.has_status);
		assert_int_equal(r.ret, -1);
		assert_int_equal(r.err, EOVERFLOW);
	}

	struct dxgt_closeadapter cl = {o.adapter_handle};
	assert_ok(call(b, l, "CloseAdapter", &cl), l);
}

static void npu_report_d3dkmt(void **state)
{
	struct dxgt_backend *b = *state;
	assert_true(has(b, DXGT_LAYER_D3DKMT));
	npu_report_at(b, DXGT_LAYER_D3DKMT);
	/* A D3DKMT-only call, translated: EnumAdapters (v1) leaves the
	 * compute-only NPU out. */
	struct dxgt_enumadapters v1 = {0};
	v1.num_adapters = 7;
	assert_ok(call(b, DXGT_LAYER_D3DKMT, "EnumAdapters", &v1), DXGT_LAYER_D3DKMT);
	assert_int_equal(v1.num_adapters, 0);
	/* A failure comes back as the status, not as an error of the backend. */
	struct dxgt_openadapterfromluid bad = {{0xdead, 0}, 0};
	struct dxgt_backend_result r = call(b, DXGT_LAYER_D3DKMT, "OpenAdapterFromLuid", &bad);
	assert_int_equal(r.status, STATUS_INVALID_PARAMETER);
}

static void npu_report_ioctl(void **state)
{
	struct dxgt_backend *b = *state;
	assert_true(has(b, DXGT_LAYER_IOCTL));
	npu_report_at(b, DXGT_LAYER_IOCTL);
}

/* A request nobody knows reaches the device and gets -1 ENOTTY, also when
 * its encoded size is larger than the recorded struct. */
static void unknown_request(void **state)
{
	struct dxgt_backend *b = *state;
	assert_true(has(b, DXGT_LAYER_IOCTL));
	uint64_t arg[1] = {0x1122334455667788ull};
	struct dxgt_backend_result r;
	uint32_t code = (uint32_t)_IOWR(DXGT_IOCTL_TYPE, 0xee, uint64_t);
	assert_null(dxgt_call_by_ioctl(code));
	assert_int_equal(b->call(b, DXGT_LAYER_IOCTL, NULL, code, arg, sizeof(arg), &r), 0);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.err, ENOTTY);
	code = (uint32_t)_IOWR(DXGT_IOCTL_TYPE, 0xef, uint8_t[256]);
	assert_int_equal(b->call(b, DXGT_LAYER_IOCTL, NULL, code, arg, sizeof(arg), &r), 0);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.err, ENOTTY);
	assert_int_equal(arg[0], 0x1122334455667788ull);
}

/* What cannot be sent is refused with a reason, before anything is sent. */
static void refusals(void **state)
{
	struct dxgt_backend *b = *state;
	const struct dxgt_call_desc *esc = dxgt_call_by_name("Escape");
	struct dxgt_escape e = {0};
	struct dxgt_backend_result r;
	assert_non_null(b->last_error);
	for (int l = DXGT_LAYER_D3DKMT; l <= DXGT_LAYER_IOCTL; l++) {
		if (has(b, (enum dxgt_layer)l))
			continue;
		assert_int_equal(
		    b->call(b, (enum dxgt_layer)l, esc, esc->ioctl_code, &e, sizeof(e), &r),
		    DXGT_E_UNSUPPORTED);
		assert_non_null(b->last_error(b));
		assert_non_null(strstr(b->last_error(b), dxgt_layer_name((enum dxgt_layer)l)));
	}
	if (has(b, DXGT_LAYER_D3DKMT)) {
		assert_int_equal(b->call(b, DXGT_LAYER_D3DKMT, esc, 0, &e, esc->kmt_size - 1, &r),
				 DXGT_E_INVAL);
		assert_non_null(strstr(b->last_error(b), "D3DKMTEscape"));
		assert_int_equal(b->call(b, DXGT_LAYER_D3DKMT, NULL, 0, &e, sizeof(e), &r),
				 DXGT_E_UNSUPPORTED);
		/* An ioctl-only call has no D3DKMT function to call. */
		const struct dxgt_call_desc *io = NULL;
		for (size_t i = 0; i < dxgt_call_count() && !io; i++)
			if (!dxgt_call_at(i)->kmt_name && dxgt_call_at(i)->ioctl_code)
				io = dxgt_call_at(i);
		if (io) {
			uint8_t buf[4096] = {0};
			assert_true(io->ioctl_size <= sizeof(buf));
			assert_int_equal(
			    b->call(b, DXGT_LAYER_D3DKMT, io, 0, buf, io->ioctl_size, &r),
			    DXGT_E_UNSUPPORTED);
		}
		/* A call that was made clears the reason. */
		assert_int_equal(b->call(b, DXGT_LAYER_D3DKMT, esc, 0, &e, sizeof(e), &r), 0);
		assert_null(b->last_error(b));
	}
}

/* The constructors' errors (whatever the mode). */
static void constructor_errors(void **state)
{
	(void)state;
	struct dxgt_backend *b = (void *)1;
	char err[256] = "";
	assert_int_equal(dxgt_backend_dxg_new(&b, "/nonexistent/dxg", err, sizeof(err)),
			 DXGT_E_NOTFOUND);
	assert_null(b);
	assert_string_equal(err, "/nonexistent/dxg: No such file or directory");
	if (strcmp(mode, "dxg") != 0 && access("/dev/dxg", F_OK) != 0) {
		assert_int_equal(dxgt_backend_dxg_new(&b, NULL, err, sizeof(err)), DXGT_E_NOTFOUND);
		assert_string_equal(err, "/dev/dxg: No such file or directory: this machine has "
					 "no dxgkrnl device; use --backend mock");
	}

	err[0] = 0;
	assert_int_equal(
	    dxgt_backend_dxcore_new(&b, "/nonexistent/libdxcore-none.so", err, sizeof(err)),
	    DXGT_E_NOTFOUND);
	assert_null(b);
	assert_non_null(strstr(err, "/nonexistent/libdxcore-none.so"));

	/* A library without the D3DKMT functions loads, and each call it
	 * lacks is the backend's error, with the function named. */
	assert_int_equal(dxgt_backend_dxcore_new(&b, "libc.so.6", err, sizeof(err)), 0);
	const struct dxgt_call_desc *esc = dxgt_call_by_name("Escape");
	struct dxgt_escape e = {0};
	struct dxgt_backend_result r;
	assert_int_equal(b->call(b, DXGT_LAYER_D3DKMT, esc, 0, &e, sizeof(e), &r),
			 DXGT_E_UNSUPPORTED);
	assert_string_equal(b->last_error(b), "libc.so.6 has no D3DKMTEscape");
	assert_int_equal(b->call(b, DXGT_LAYER_D3DKMT, esc, 0, &e, sizeof(e), &r),
			 DXGT_E_UNSUPPORTED);
	dxgt_backend_free(b);
	dxgt_backend_free(NULL);

	assert_int_equal(dxgt_backend_mock_new(&b, NULL), DXGT_E_INVAL);
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "mock") && strcmp(argv[1], "dxg") &&
			 (strcmp(argv[1], "dxcore") || argc < 3))) {
		fprintf(stderr, "usage: test_backends mock | dxg | dxcore LIBRARY\n");
		return 2;
	}
	mode = argv[1];
	lib = argc > 2 ? argv[2] : NULL;
	char err[256];
	if (dxgt_profile_load(&npu, "wsl2-intel-npu", err, sizeof(err)) < 0) {
		fprintf(stderr, "test_backends: %s\n", err);
		return 1;
	}
	/* The layer tests only where the backend has the layer; refusals
	 * checks that the others are refused. */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest mock_tests[] = {
	    T(npu_report_d3dkmt),
	    T(npu_report_ioctl),
	    T(unknown_request),
	    T(refusals),
	    cmocka_unit_test(constructor_errors),
	};
	const struct CMUnitTest dxg_tests[] = {
	    T(npu_report_d3dkmt),
	    T(npu_report_ioctl),
	    T(unknown_request),
	    T(refusals),
	    cmocka_unit_test(constructor_errors),
	};
	const struct CMUnitTest dxcore_tests[] = {
	    T(npu_report_d3dkmt),
	    T(refusals),
	    cmocka_unit_test(constructor_errors),
	};
#undef T
	int failed;
	if (strcmp(mode, "mock") == 0)
		failed = cmocka_run_group_tests_name("mock", mock_tests, NULL, NULL);
	else if (strcmp(mode, "dxg") == 0)
		failed = cmocka_run_group_tests_name("dxg", dxg_tests, NULL, NULL);
	else
		failed = cmocka_run_group_tests_name("dxcore", dxcore_tests, NULL, NULL);
	dxgt_profile_free(npu);
	return failed;
}
