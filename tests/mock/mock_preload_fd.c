// SPDX-License-Identifier: MIT
/*
 * The /dev/dxg emulation of libdxgmock.so under LD_PRELOAD: every open
 * form (including the FORTIFY ones), stat and access on the path and the
 * fds, duplication with dup, dup2, dup3 and fcntl, closing one duplicate
 * while the others keep working, ioctls of other fds still reaching the
 * kernel, errno left alone on the way through, a descriptor closed behind
 * the library's back, and fork while another thread is inside the model.
 *
 * Expects DXGMOCK_PROFILE=wsl2-intel-npu.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/uapi.h"
#include "mock_check.h"

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static unsigned long ea3_code;

/* ENUMADAPTERS3 count query: 1 on the NPU profile when fd is the device. */
static int count_adapters(int fd)
{
	struct dxgt_enumadapters3 e = {1, 0, 0, 0};
	if (ioctl(fd, ea3_code, &e) != 0)
		return -errno;
	return (int)e.adapter_count;
}

static void opens(void)
{
	int fds[8];
	fds[0] = open("/dev/dxg", O_RDWR);
	fds[1] = open64("/dev/dxg", O_RDWR | O_CLOEXEC);
	fds[2] = openat(AT_FDCWD, "/dev/dxg", O_RDWR);
	fds[3] = openat64(AT_FDCWD, "/dev/dxg", O_RDWR);
	fds[4] = __open_2("/dev/dxg", O_RDWR);
	fds[5] = __open64_2("/dev/dxg", O_RDWR);
	fds[6] = __openat_2(AT_FDCWD, "/dev/dxg", O_RDWR);
	fds[7] = __openat64_2(AT_FDCWD, "/dev/dxg", O_RDWR | O_CLOEXEC);
	static const char *const names[] = {"open",	"open64",     "openat",	    "openat64",
					    "__open_2", "__open64_2", "__openat_2", "__openat64_2"};
	for (int i = 0; i < 8; i++) {
		CHECK(fds[i] >= 0 && count_adapters(fds[i]) == 1, "%s(\"/dev/dxg\") -> fd %d works",
		      names[i], fds[i]);
	}
	CHECK((fcntl(fds[1], F_GETFD) & FD_CLOEXEC) && !(fcntl(fds[0], F_GETFD) & FD_CLOEXEC),
	      "O_CLOEXEC is the caller's");
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	errno = 0;
	CHECK(open("/dev/dxg", O_RDWR | O_CREAT | O_EXCL, 0600) == -1 && errno == EEXIST,
	      "O_CREAT|O_EXCL: EEXIST");
}

static void stats(void)
{
	int fd = open("/dev/dxg", O_RDWR);
	struct stat a, b, c, d, e;
	CHECK(fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) && major(a.st_rdev) == 10 &&
		  (a.st_mode & 0777) == 0666,
	      "fstat: character device %u:%u, mode %o", major(a.st_rdev), minor(a.st_rdev),
	      a.st_mode & 0777);
	CHECK(stat("/dev/dxg", &b) == 0 && S_ISCHR(b.st_mode) && b.st_rdev == a.st_rdev &&
		  b.st_ino == a.st_ino && b.st_dev == a.st_dev,
	      "stat agrees with fstat");
	CHECK(lstat("/dev/dxg", &c) == 0 && S_ISCHR(c.st_mode), "lstat: character device");
	CHECK(fstatat(AT_FDCWD, "/dev/dxg", &d, 0) == 0 && S_ISCHR(d.st_mode) &&
		  major(d.st_rdev) == 10,
	      "fstatat on the path");
	CHECK(fstatat(fd, "", &e, AT_EMPTY_PATH) == 0 && S_ISCHR(e.st_mode) &&
		  major(e.st_rdev) == 10,
	      "fstatat AT_EMPTY_PATH on the fd");
	struct stat64 s64;
	CHECK(stat64("/dev/dxg", &s64) == 0 && S_ISCHR(s64.st_mode), "stat64");
	CHECK(fstat64(fd, &s64) == 0 && major(s64.st_rdev) == 10, "fstat64");
	struct statx sx;
	CHECK(statx(AT_FDCWD, "/dev/dxg", 0, STATX_BASIC_STATS, &sx) == 0 && S_ISCHR(sx.stx_mode) &&
		  sx.stx_rdev_major == 10,
	      "statx on the path");
	CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 && S_ISCHR(sx.stx_mode) &&
		  sx.stx_rdev_major == 10,
	      "statx on the fd");
	CHECK(access("/dev/dxg", R_OK | W_OK) == 0, "access(R_OK|W_OK)");
	errno = 0;
	CHECK(access("/dev/dxg", X_OK) == -1 && errno == EACCES, "access(X_OK): EACCES");
	CHECK(faccessat(AT_FDCWD, "/dev/dxg", F_OK, 0) == 0, "faccessat(F_OK)");
	struct stat n;
	CHECK(stat("/dev/null", &n) == 0 && major(n.st_rdev) == 1, "/dev/null is still itself");
	close(fd);
}

static void dups(void)
{
	int fd = open("/dev/dxg", O_RDWR);
	int d1 = dup(fd);
	int d2 = dup2(fd, 200);
	int d3 = dup3(fd, 201, O_CLOEXEC);
	int d4 = fcntl(fd, F_DUPFD_CLOEXEC, 300);
	int d5 = fcntl(fd, F_DUPFD, 400);
	CHECK(d1 >= 0 && d2 == 200 && d3 == 201 && d4 >= 300 && d5 >= 400,
	      "dup %d, dup2 %d, dup3 %d, F_DUPFD_CLOEXEC %d, F_DUPFD %d", d1, d2, d3, d4, d5);
	CHECK((fcntl(d4, F_GETFD) & FD_CLOEXEC) && (fcntl(d3, F_GETFD) & FD_CLOEXEC),
	      "the CLOEXEC duplicates have FD_CLOEXEC");
	close(fd);
	int all[] = {d1, d2, d3, d4, d5};
	for (size_t i = 0; i < 5; i++)
		CHECK(count_adapters(all[i]) == 1, "fd %d works after the original was closed",
		      all[i]);
	close(d1);
	CHECK(count_adapters(d2) == 1 && count_adapters(d5) == 1,
	      "closing one duplicate leaves the others working");
	struct stat st;
	CHECK(fstat(d4, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10,
	      "a duplicate fstats as the device");
	/* dup2 over a device fd makes it whatever the source is. */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(dup2(p[0], d2) == d2 && count_adapters(d2) == -ENOTTY,
	      "dup2 of a pipe over a device fd: the kernel answers");
	for (size_t i = 1; i < 5; i++)
		close(all[i]);
	close(p[0]);
	close(p[1]);
}

static void passthrough(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	struct termios t;
	errno = 0;
	CHECK(ioctl(p[0], TCGETS, &t) == -1 && errno == ENOTTY, "TCGETS on a pipe: ENOTTY");
	int n = -1;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 0, "FIONREAD on a pipe reaches the kernel");

	errno = EDOM;
	struct stat st;
	int ok = fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode);
	CHECK(ok && errno == EDOM, "a successful pass-through keeps errno (%d)", errno);
	errno = EDOM;
	int d = dup(p[0]);
	CHECK(d >= 0 && errno == EDOM, "dup keeps errno");
	errno = EDOM;
	CHECK(close(d) == 0 && errno == EDOM, "close keeps errno");
	errno = EDOM;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && errno == EDOM, "ioctl keeps errno");
	errno = EDOM;
	CHECK(open("/dev/null", O_RDONLY) >= 0 && errno == EDOM, "open keeps errno");
	CHECK(open("/nonexistent/x", O_RDONLY) == -1 && errno == ENOENT,
	      "a failing open gives its own errno");
	CHECK(close(-1) == -1 && errno == EBADF, "close(-1): EBADF");
	CHECK(fcntl(p[1], F_GETFL) == O_WRONLY, "fcntl(F_GETFL) passes through");
	close(p[0]);
	close(p[1]);
}

/* A device fd closed without the library seeing it must not keep routing
 * its number to the model. */
static void closed_behind_our_back(void)
{
	int fd = open("/dev/dxg", O_RDWR);
	FILE *f = fdopen(fd, "r+");
	CHECK(f != NULL, "fdopen of the device fd");
	if (f)
		fclose(f); /* glibc closes internally, not through close() */
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	int s = sv[0] == fd ? sv[0] : sv[1] == fd ? sv[1] : -1;
	if (s < 0) {
		s = fcntl(sv[0], F_DUPFD, 0); /* lowest free: not fd unless fd is free */
		printf("# the socket did not take fd %d; using %d\n", fd, s);
	}
	int n = -1;
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0,
	      "the reused number's ioctl reaches the kernel (fd %d)", s);
	struct stat st;
	CHECK(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "and it fstats as a socket");
	close(sv[0]);
	close(sv[1]);
	if (s != sv[0] && s != sv[1])
		close(s);

	fd = open("/dev/dxg", O_RDWR);
	CHECK(close_range((unsigned)fd, (unsigned)fd, 0) == 0, "close_range of a device fd");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(ioctl(sv[0], FIONREAD, &n) == 0, "its number is a plain fd again");
	close(sv[0]);
	close(sv[1]);
}

static int stop; /* atomic */

static void *hammer(void *arg)
{
	int fd = *(int *)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		count_adapters(fd);
	return NULL;
}

static void forks(void)
{
	int fd = open("/dev/dxg", O_RDWR);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, hammer, &fd) == 0, "a thread issues ioctls in a loop");
	int good = 0;
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(10); /* a child stuck on an inherited lock dies, and says so */
			int fd2 = open("/dev/dxg", O_RDWR);
			_exit(count_adapters(fd) == 1 && count_adapters(fd2) == 1 ? 0 : 1);
		}
		int status = 0;
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			good++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	CHECK(good == 20, "%d of 20 children forked mid-ioctl used the device", good);
	close(fd);
}

int main(void)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name("EnumAdapters3");
	ea3_code = d ? d->ioctl_code : 0;
	CHECK(ea3_code != 0, "ENUMADAPTERS3 request 0x%lx", ea3_code);
	opens();
	stats();
	dups();
	passthrough();
	closed_behind_our_back();
	forks();
	int fd = open("/dev/dxg", O_RDWR);
	struct dxgt_escape esc = {0};
	errno = 0;
	unsigned long wrong = (ea3_code & ~(0x3ffful << 16)) | (8ul << 16);
	CHECK(ioctl(fd, wrong, &esc) == -1 && errno == ENOTTY,
	      "a dxg request with the wrong encoded size: ENOTTY");
	close(fd);
	DONE();
}
