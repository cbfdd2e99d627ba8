// SPDX-License-Identifier: MIT
/*
 * rec_dlopen LIBRARY local|deepbind: loads LIBRARY with
 * dlopen(RTLD_LAZY | RTLD_LOCAL [| RTLD_DEEPBIND]), resolves the D3DKMT
 * functions with dlsym on that handle, and runs a short sequence: open an
 * adapter and a device, an empty escape, a 100-byte tagged escape, then
 * DestroyDevice and CloseAdapter. One line per call with its NTSTATUS;
 * run_recorder.py compares them with the trace, where each call must
 * appear at the D3DKMT layer with its ioctl below it.
 *
 * LIBRARY is "libdxcore.so" (under the mock host, redirected to
 * libdxgmock.so) or the path of libfakedxcore-deep.so, a library the mock
 * knows nothing about whose own open() and ioctl() bind to libc.
 *
 * Exit status: 0 when every call was made (whatever it returned), 2 when
 * the library or a function is missing.
 */
#include <stdlib.h>
#include <string.h>

#include "rec_common.h"

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "local") != 0 && strcmp(argv[2], "deepbind") != 0)) {
		fprintf(stderr, "usage: rec_dlopen LIBRARY local|deepbind\n");
		return 2;
	}
	int flags = RTLD_LAZY | RTLD_LOCAL;
	if (strcmp(argv[2], "deepbind") == 0)
		flags |= RTLD_DEEPBIND;
	struct rec_kmt k;
	if (rec_kmt_load(&k, argv[1], flags) < 0)
		return 2;
	if (rec_kmt_open(&k) == 0) {
		rec_escape(&k, 0, "RDLO", 1, 0, true);
		rec_escape(&k, 100, "RDLO", 1, 1, true);
		struct dxgt_destroydevice dd = {.device = k.device};
		rec_kmt_call(&k, k.DestroyDevice, "DestroyDevice", "device", &dd);
		struct dxgt_closeadapter ca = {.adapter_handle = k.adapter};
		rec_kmt_call(&k, k.CloseAdapter, "CloseAdapter", "adapter", &ca);
	}
	printf("rec_dlopen: %u calls\n", k.calls);
	return 0;
}
