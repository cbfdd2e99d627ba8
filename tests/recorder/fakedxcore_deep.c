// SPDX-License-Identifier: MIT
/*
 * libfakedxcore-deep.so: a stand-in for libdxcore.so that the mock host
 * does not know (its name does not match libdxcore.so*, so the mock's dlopen
 * redirect leaves it alone). Each D3DKMT function it exports opens
 * "/dev/dxg" on first use with open(2) and issues the matching LX_DX ioctl
 * with ioctl(2), both through its own imports from libc, and turns the
 * errno into an NTSTATUS as libdxcore does.
 *
 * Loaded with RTLD_DEEPBIND, those imports bind to libc directly, past
 * everything preloaded: the mock's /dev/dxg emulation and the recorder's
 * hooks are both bypassed, and open() fails (there is no /dev/dxg here),
 * unless the recorder patched this object's GOT when the program looked a
 * D3DKMT function up with dlsym. Then open and ioctl go through the
 * recorder's hooks, which call the next definition: the mock.
 *
 * Built without _FORTIFY_SOURCE so that open is imported by that name.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/uapi.h"

#define EXPORT __attribute__((visibility("default")))

#define STATUS_SUCCESS 0x00000000u
#define STATUS_INVALID_HANDLE 0xC0000008u
#define STATUS_INVALID_PARAMETER 0xC000000Du
#define STATUS_BUFFER_TOO_SMALL 0xC0000023u
#define STATUS_DEVICE_REMOVED 0xC00002B6u

static int dxg = -1;

static int32_t dxg_ioctl(unsigned long request, void *args)
{
	if (dxg < 0)
		dxg = open("/dev/dxg", O_RDWR | O_CLOEXEC);
	if (dxg < 0)
		return (int32_t)STATUS_DEVICE_REMOVED;
	if (ioctl(dxg, request, args) == 0)
		return (int32_t)STATUS_SUCCESS;
	switch (errno) {
	case EOVERFLOW:
		return (int32_t)STATUS_BUFFER_TOO_SMALL;
	case EBADF:
		return (int32_t)STATUS_INVALID_HANDLE;
	default:
		return (int32_t)STATUS_INVALID_PARAMETER;
	}
}

#define FORWARD(name, nr, type)                                                                    \
	EXPORT int32_t D3DKMT##name(void *args);                                                   \
	int32_t D3DKMT##name(void *args)                                                           \
	{                                                                                          \
		return dxg_ioctl(_IOWR(0x47, nr, struct type), args);                              \
	}

FORWARD(EnumAdapters3, 0x3e, dxgt_enumadapters3)
FORWARD(OpenAdapterFromLuid, 0x01, dxgt_openadapterfromluid)
FORWARD(CreateDevice, 0x02, dxgt_createdevice)
FORWARD(Escape, 0x0d, dxgt_escape)
FORWARD(DestroyDevice, 0x19, dxgt_destroydevice)
FORWARD(CloseAdapter, 0x15, dxgt_closeadapter)
