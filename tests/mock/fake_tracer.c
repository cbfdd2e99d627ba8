// SPDX-License-Identifier: MIT
/*
 * A stand-in for the recorder, preloaded ahead of libdxgmock.so: it counts
 * the opens of /dev/dxg and the dxg ioctls (type 0x47) that reach the
 * global open and ioctl symbols, and forwards everything with RTLD_NEXT.
 * mock_preload_kmt --traced checks that the mock's D3DKMT layer is visible
 * to it, as libdxcore's would be. It must never change a call's result.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT unsigned dxgmock_fake_tracer_opens, dxgmock_fake_tracer_ioctls;

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
	va_end(ap);
	int saved = errno;
	if (strcmp(path, "/dev/dxg") == 0)
		__atomic_add_fetch(&dxgmock_fake_tracer_opens, 1, __ATOMIC_RELAXED);
	int (*real)(const char *, int, ...) =
	    (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	errno = saved;
	return real(path, flags, mode);
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int saved = errno;
	if (_IOC_TYPE(request) == 0x47)
		__atomic_add_fetch(&dxgmock_fake_tracer_ioctls, 1, __ATOMIC_RELAXED);
	int (*real)(int, unsigned long, ...) =
	    (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	errno = saved;
	return real(fd, request, arg);
}
