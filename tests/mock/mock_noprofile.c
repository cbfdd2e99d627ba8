// SPDX-License-Identifier: MIT
/*
 * libdxgmock.so without a usable profile (DXGMOCK_PROFILE unset, naming no
 * shipped profile, or naming a broken file): the process must act as a
 * machine without /dev/dxg and not crash. run_stderr.sh runs this program
 * and checks that the library said why in exactly one line on stderr.
 *
 * Must never: print to stderr itself (the runner counts its lines).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dxgt/uapi.h"
#include "mock_check.h"

int main(void)
{
	for (int i = 0; i < 2; i++) {
		errno = 0;
		CHECK(open("/dev/dxg", O_RDWR) == -1 && errno == ENOENT, "open /dev/dxg: ENOENT");
	}
	struct stat st;
	errno = 0;
	CHECK(stat("/dev/dxg", &st) == -1 && errno == ENOENT, "stat /dev/dxg: ENOENT");
	errno = 0;
	CHECK(access("/dev/dxg", F_OK) == -1 && errno == ENOENT, "access /dev/dxg: ENOENT");
	void *h = dlopen("/usr/lib/wsl/lib/libdxcore.so", RTLD_NOW);
	CHECK(h != NULL, "libdxcore.so still resolves to the mock");
	if (!h)
		DONE();
	int32_t (*ea3)(void *) = (int32_t(*)(void *))dlsym(h, "D3DKMTEnumAdapters3");
	struct dxgt_enumadapters3 e = {1, 0, 0, 0};
	CHECK(ea3 && ea3(&e) == (int32_t)0xC00002B6, "D3DKMTEnumAdapters3: STATUS_DEVICE_REMOVED");
	int32_t (*create)(const void *, void **) =
	    (int32_t(*)(const void *, void **))dlsym(h, "DXCoreCreateAdapterFactory");
	static const uint8_t iid[16] = {0x45, 0x59, 0xee, 0x78, 0x6e, 0xc3, 0x13, 0x4b,
					0xa6, 0x69, 0x00, 0x5d, 0xd1, 0x1c, 0x0f, 0x06};
	void *f = (void *)1;
	CHECK(create && create(iid, &f) < 0 && f == NULL, "DXCoreCreateAdapterFactory fails");
	DONE();
}
