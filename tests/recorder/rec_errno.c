// SPDX-License-Identifier: MIT
/*
 * rec_errno: prints errno after each call the recorder hooks, successful
 * and failing, with errno set to a marker (1234) before each call. The
 * test runs it with and without the recorder and requires the same output:
 * the recorder must leave errno exactly as the real function (here the
 * mock host) leaves it, including not touching it on success.
 *
 * Needs the mock host (DXGMOCK_PROFILE=wsl2-intel-npu) for /dev/dxg and
 * libdxcore.so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "rec_common.h"

#define MARK 1234

#define SHOW(label, expr)                                                                          \
	do {                                                                                       \
		errno = MARK;                                                                      \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		printf("%-40s ret=%ld errno=%d\n", label, r_<0 ? -1L : r_> 0 ? 1L : 0L, e_);       \
	} while (0)

int main(void)
{
	int fd;
	SHOW("open /dev/dxg", (fd = open("/dev/dxg", O_RDWR | O_CLOEXEC)) >= 0 ? 1 : -1);
	SHOW("open /dev/dxg-missing", open("/dev/dxg-missing", O_RDWR));
	SHOW("openat /dev/dxg (dirfd ignored)", openat(-1, "/dev/dxg", O_RDWR) >= 0 ? 1 : -1);

	struct dxgt_enumadapters3 e = {.filter = 1};
	SHOW("ioctl ENUMADAPTERS3 (ok)",
	     ioctl(fd, _IOWR(0x47, 0x3e, struct dxgt_enumadapters3), &e));
	struct dxgt_escape esc = {.adapter = 0x12345678u};
	SHOW("ioctl ESCAPE bad handle", ioctl(fd, _IOWR(0x47, 0x0d, struct dxgt_escape), &esc));
	SHOW("ioctl ESCAPE bad pointer",
	     ioctl(fd, _IOWR(0x47, 0x0d, struct dxgt_escape), (void *)8));
	SHOW("ioctl dxg unknown number", ioctl(fd, _IOWR(0x47, 0x7f, struct dxgt_escape), &esc));
	SHOW("ioctl dxg no-handler slot", ioctl(fd, _IOWR(0x47, 0x03, struct dxgt_escape), &esc));
	int dev_null = open("/dev/null", O_RDWR);
	SHOW("ioctl TIOCGWINSZ on /dev/null", ioctl(dev_null, TIOCGWINSZ, &esc));
	SHOW("ioctl on a closed fd", ioctl(1000, _IOWR(0x47, 0x3e, struct dxgt_enumadapters3), &e));

	int fd2;
	SHOW("dup /dev/dxg", (fd2 = dup(fd)) >= 0 ? 1 : -1);
	SHOW("ioctl on the dup (ok)", ioctl(fd2, _IOWR(0x47, 0x3e, struct dxgt_enumadapters3), &e));
	SHOW("fcntl F_DUPFD_CLOEXEC", fcntl(fd2, F_DUPFD_CLOEXEC, 100) >= 100 ? 1 : -1);
	SHOW("fcntl F_GETFD", fcntl(fd2, F_GETFD));
	SHOW("fcntl bad fd", fcntl(1001, F_GETFD));
	SHOW("dup2 bad fd", dup2(1002, 1003));
	SHOW("close dup", close(fd2));
	SHOW("close dup again", close(fd2));

	struct rec_kmt k;
	if (rec_kmt_load(&k, "libdxcore.so", RTLD_LAZY | RTLD_LOCAL) < 0)
		return 2;
	struct dxgt_adapterinfo list[4];
	struct dxgt_enumadapters3 e3 = {
	    .filter = 1, .adapter_count = 4, .adapters = (uint64_t)(uintptr_t)list};
	SHOW("D3DKMTEnumAdapters3 (ok)", k.EnumAdapters3(&e3));
	struct dxgt_escape kesc = {.adapter = 0x12345678u};
	SHOW("D3DKMTEscape bad handle", k.Escape(&kesc));
	struct dxgt_closeadapter ca = {.adapter_handle = 0x12345678u};
	SHOW("D3DKMTCloseAdapter bad handle", k.CloseAdapter(&ca));
	SHOW("close /dev/dxg", close(fd));
	SHOW("close /dev/dxg again", close(fd));
	SHOW("close /dev/null", close(dev_null));
	return 0;
}
