// SPDX-License-Identifier: MIT
/*
 * /dev/dxg inside the process: the libc interposers of libdxgmock.so.
 *
 * Opening "/dev/dxg" (open, open64, openat, openat64 and their FORTIFY
 * forms) yields a real descriptor that reserves the number: /dev/null
 * opened with the caller's O_CLOEXEC. Its number is marked in a fixed table
 * of DXGMOCK_MAX_FDS atomic bytes; the mark follows dup, dup2, dup3 and
 * fcntl(F_DUPFD[_CLOEXEC]) and is cleared by close and close_range. ioctl
 * on a marked fd goes to the model (the return value and errno the kernel
 * would give); stat on the path or a marked fd reports a character device.
 * Every other call passes through to the next definition (libc), found
 * with dlsym(RTLD_NEXT) on first use.
 *
 * Invariants: a pass-through call sees the errno its caller had and leaves
 * the one the real function left; a mark is only trusted while the number
 * still refers to /dev/null (an fd closed behind our back, by fclose or a
 * raw syscall, loses it at the next ioctl or fstat that checks); nothing
 * here takes a lock or allocates except the first open of /dev/dxg, which
 * loads the profile.
 *
 * When a mark is checked. Checking that the number still holds /dev/null
 * takes an fstat system call, which on a VM costs more (1-2 us) than the
 * model's whole answer, and capped the emulation at about 300,000-400,000
 * ioctls a second (docs/performance.md). So the check is made once per
 * "fd generation", not per ioctl. fd_gen is bumped after every call this
 * library sees that can change the descriptor table: every open and
 * close form, close_range, closefrom, dup, dup2, dup3, fcntl(F_DUPFD*) and
 * fclose (glibc closes a FILE's fd internally, not through close()).
 * checked[fd] remembers the generation at which fd last passed an fstat; an
 * ioctl on a marked fd whose check is current goes straight to the model.
 * The descriptors a process changes without any of these calls (a raw
 * close system call, io_uring, freopen) are still caught by the check
 * whenever any hooked call happened in between, and always for an ioctl
 * that is not a dxgkrnl request (type 0x47): those are the probes a program
 * sends to a descriptor it does not know (FIONREAD, TCGETS), and their
 * cost does not matter. What is left unchecked is only a dxgkrnl request
 * sent to a number that was closed by a raw system call and then reused by
 * a descriptor made without a hooked call, with no hooked call in between:
 * a use after close in the program, answered by the model where the kernel
 * would have said ENOTTY or EBADF.
 *
 * Must never: call a libc function it interposes through the global symbol
 * (that would recurse); follow a pointer of a call that is not ours; let a
 * stale mark send a foreign fd's ioctl to the model. If dlsym re-enters
 * while a symbol is being resolved, the inner call uses the raw syscall.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dxgmock_internal.h"

#define DXGMOCK_MAX_FDS 65536
/* The misc major of dxgkrnl; the minor is dynamic on a real system. */
#define DXG_MAJOR 10u
#define DXG_MINOR 61u
#define DXG_INO 0x64786700ull /* a fixed inode so stat and fstat agree */
#define DXG_IOCTL_TYPE 0x47u  /* every dxgkrnl request is _IOWR(0x47, nr) */

/* Declared by older glibc headers only; old binaries still call them. */
struct stat64;
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstat(int ver, int fd, struct stat *buf);
int __fxstat64(int ver, int fd, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);
/* Declared only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static unsigned char marks[DXGMOCK_MAX_FDS];
/* See "When a mark is checked" above. Generation 0 is never current. */
static uint64_t fd_gen = 1;
static uint64_t checked[DXGMOCK_MAX_FDS];
static __thread int resolving __attribute__((tls_model("initial-exec")));
static int warned_high;

/* ---- real symbols ---- */

/* DXGMOCK_TEST_SYSCALLS=1 makes every interposer take its raw-syscall
 * path, the one used when dlsym re-enters, so that tests can reach it. */
static bool syscalls_only(void)
{
	static int only = -1;
	int o = __atomic_load_n(&only, __ATOMIC_RELAXED);
	if (o < 0) {
		const char *e = getenv("DXGMOCK_TEST_SYSCALLS");
		o = e && strcmp(e, "1") == 0;
		__atomic_store_n(&only, o, __ATOMIC_RELAXED);
	}
	return o;
}

void *dxgmock__real(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (p || resolving)
		return p; /* re-entered from dlsym: the caller falls back to a syscall */
	int saved = errno;
	if (syscalls_only())
		return NULL;
	resolving++;
	p = dlsym(RTLD_NEXT, name);
	resolving--;
	if (p)
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	errno = saved;
	return p;
}

#define REAL_SLOT(fn) static void *real_##fn
#define REAL(fn) ((__typeof__(&fn))dxgmock__real(&real_##fn, #fn))

REAL_SLOT(open);
REAL_SLOT(open64);
REAL_SLOT(openat);
REAL_SLOT(openat64);
REAL_SLOT(__open_2);
REAL_SLOT(__open64_2);
REAL_SLOT(__openat_2);
REAL_SLOT(__openat64_2);
REAL_SLOT(close);
REAL_SLOT(fclose);
REAL_SLOT(close_range);
REAL_SLOT(closefrom);
REAL_SLOT(dup);
REAL_SLOT(dup2);
REAL_SLOT(dup3);
REAL_SLOT(fcntl);
REAL_SLOT(fcntl64);
REAL_SLOT(ioctl);
REAL_SLOT(stat);
REAL_SLOT(stat64);
REAL_SLOT(lstat);
REAL_SLOT(lstat64);
REAL_SLOT(fstat);
REAL_SLOT(fstat64);
REAL_SLOT(fstatat);
REAL_SLOT(fstatat64);
REAL_SLOT(__xstat);
REAL_SLOT(__xstat64);
REAL_SLOT(__lxstat);
REAL_SLOT(__lxstat64);
REAL_SLOT(__fxstat);
REAL_SLOT(__fxstat64);
REAL_SLOT(__fxstatat);
REAL_SLOT(__fxstatat64);
REAL_SLOT(statx);
REAL_SLOT(access);
REAL_SLOT(faccessat);

/* ---- the mark table ---- */

static bool marked(int fd)
{
	return fd >= 0 && fd < DXGMOCK_MAX_FDS && __atomic_load_n(&marks[fd], __ATOMIC_ACQUIRE);
}

static void set_mark(int fd, bool on)
{
	if (fd < 0)
		return;
	if (fd >= DXGMOCK_MAX_FDS) {
		if (on && !__atomic_exchange_n(&warned_high, 1, __ATOMIC_RELAXED))
			dxgmock__say("fd %d is beyond the %d descriptors the /dev/dxg emulation "
				     "tracks: it acts as /dev/null",
				     fd, DXGMOCK_MAX_FDS);
		return;
	}
	__atomic_store_n(&checked[fd], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&marks[fd], (unsigned char)on, __ATOMIC_RELEASE);
}

/* After every hooked call that may have changed the descriptor table: the
 * next ioctl on each marked fd checks it again. */
static void fd_changed(void)
{
	__atomic_add_fetch(&fd_gen, 1, __ATOMIC_RELEASE); /* 64 bits: never wraps */
}

/* After a call that made `to` a copy of `from` (or of something else). */
static void copy_mark(int from, int to)
{
	bool on = marked(from);
	set_mark(to, on);
	if (on)
		dxgmock__log("fd %d duplicated as %d: /dev/dxg", from, to);
}

static bool is_devnull_dev(mode_t mode, dev_t rdev)
{
	return S_ISCHR(mode) && rdev == makedev(1, 3);
}

/* A mark is trusted while its number still holds our /dev/null: checked
 * with fstat, and remembered for the current fd generation. */
static bool live(int fd)
{
	if (!marked(fd))
		return false;
	int saved = errno;
	uint64_t gen = __atomic_load_n(&fd_gen, __ATOMIC_ACQUIRE);
	struct stat st;
	bool ok = syscall(SYS_fstat, fd, &st) == 0 && is_devnull_dev(st.st_mode, st.st_rdev);
	if (!ok) {
		set_mark(fd, false);
		dxgmock__log("fd %d no longer holds /dev/dxg (closed behind our back)", fd);
	} else {
		__atomic_store_n(&checked[fd], gen, __ATOMIC_RELAXED);
	}
	errno = saved;
	return ok;
}

/* DXGMOCK_SYSCALL_PER_IOCTL=1: every request checks its descriptor with a
 * real fstat, so each emulated ioctl makes one system call, as an ioctl on
 * a real /dev/dxg does. Syscall tracers (strace, bench/run's peer) then have
 * one stop per call to show; nothing else needs it. */
static bool syscall_per_ioctl(void)
{
	static int v = -1;
	if (v < 0) {
		const char *e = getenv("DXGMOCK_SYSCALL_PER_IOCTL");
		v = e && *e && strcmp(e, "0") != 0;
	}
	return v;
}

/* The ioctl fast path: a dxgkrnl request on a marked fd whose check is
 * current needs no system call. */
static bool live_for(int fd, unsigned long request)
{
	if (!marked(fd))
		return false;
	if (_IOC_TYPE(request) == DXG_IOCTL_TYPE && !syscall_per_ioctl() &&
	    __atomic_load_n(&checked[fd], __ATOMIC_RELAXED) ==
		__atomic_load_n(&fd_gen, __ATOMIC_ACQUIRE))
		return true;
	return live(fd);
}

bool dxgmock__is_dxg(int fd)
{
	return live(fd);
}

/* 1: the path is the device and it exists; -1: it is, and this process has
 * no profile (no such file); 0: another path. */
static int dev_path(const char *path)
{
	if (!path || strcmp(path, DXGMOCK_DEV_PATH) != 0)
		return 0;
	return dxgmock__profile() ? 1 : -1;
}

#define PATCH_STAT(st)                                                                             \
	do {                                                                                       \
		(st)->st_mode = S_IFCHR | 0666;                                                    \
		(st)->st_rdev = makedev(DXG_MAJOR, DXG_MINOR);                                     \
		(st)->st_ino = DXG_INO;                                                            \
	} while (0)

static void patch_statx(struct statx *sx)
{
	sx->stx_mode = S_IFCHR | 0666;
	sx->stx_rdev_major = DXG_MAJOR;
	sx->stx_rdev_minor = DXG_MINOR;
	sx->stx_ino = DXG_INO;
}

/* ---- open ---- */

int dxgmock__dev_open(int flags)
{
	if (!dxgmock__model()) {
		errno = ENOENT;
		return -1;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0)
		return -1;
	if (fd >= DXGMOCK_MAX_FDS) {
		set_mark(fd, true); /* warns once */
		syscall(SYS_close, fd);
		errno = EMFILE;
		return -1;
	}
	set_mark(fd, true);
	fd_changed();
	dxgmock__log("open(\"%s\", 0x%x) -> fd %d", DXGMOCK_DEV_PATH, (unsigned)flags, fd);
	return fd;
}

#define NEEDS_MODE(f) (((f)&O_CREAT) || ((f)&O_TMPFILE) == O_TMPFILE)

static mode_t va_mode(int flags, va_list ap)
{
	return NEEDS_MODE(flags) ? (mode_t)va_arg(ap, int) : 0;
}

/* The tail of every open: the real call, and a stale mark on the new
 * number cleared (it was closed without our knowing). */
static int opened(int fd)
{
	if (fd >= 0) {
		set_mark(fd, false);
		fd_changed();
	}
	return fd;
}

#define OPEN_BODY(fn, dirfd, path, flags, ...)                                                     \
	do {                                                                                       \
		int saved_ = errno;                                                                \
		if ((path) && strcmp((path), DXGMOCK_DEV_PATH) == 0)                               \
			return dxgmock__dev_open(flags);                                           \
		__typeof__(&fn) real_ = REAL(fn);                                                  \
		errno = saved_;                                                                    \
		if (!real_)                                                                        \
			return opened((int)syscall(SYS_openat, (dirfd), (path), (flags), mode));   \
		return opened(real_(__VA_ARGS__));                                                 \
	} while (0)

DXGMOCK_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(open, AT_FDCWD, path, flags, path, flags, mode);
}

DXGMOCK_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(open64, AT_FDCWD, path, flags, path, flags, mode);
}

DXGMOCK_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(openat, dirfd, path, flags, dirfd, path, flags, mode);
}

DXGMOCK_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	OPEN_BODY(openat64, dirfd, path, flags, dirfd, path, flags, mode);
}

DXGMOCK_EXPORT int __open_2(const char *path, int flags)
{
	const mode_t mode = 0;
	OPEN_BODY(__open_2, AT_FDCWD, path, flags, path, flags);
}

DXGMOCK_EXPORT int __open64_2(const char *path, int flags)
{
	const mode_t mode = 0;
	OPEN_BODY(__open64_2, AT_FDCWD, path, flags, path, flags);
}

DXGMOCK_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	const mode_t mode = 0;
	OPEN_BODY(__openat_2, dirfd, path, flags, dirfd, path, flags);
}

DXGMOCK_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	const mode_t mode = 0;
	OPEN_BODY(__openat64_2, dirfd, path, flags, dirfd, path, flags);
}

/* ---- close and duplication ---- */

int dxgmock__close(int fd)
{
	int saved = errno;
	if (marked(fd)) {
		set_mark(fd, false);
		dxgmock__log("close(fd %d): /dev/dxg", fd);
	}
	__typeof__(&close) real = REAL(close);
	errno = saved;
	int r = real ? real(fd) : (int)syscall(SYS_close, fd);
	fd_changed();
	return r;
}

DXGMOCK_EXPORT int close(int fd)
{
	return dxgmock__close(fd);
}

DXGMOCK_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int saved = errno;
	if (first <= last && !(flags & CLOSE_RANGE_CLOEXEC)) {
		for (unsigned int fd = first; fd <= last && fd < DXGMOCK_MAX_FDS; fd++)
			set_mark((int)fd, false);
	}
	__typeof__(&close_range) real = REAL(close_range);
	errno = saved;
	int r = real ? real(first, last, flags)
		     : (int)syscall(SYS_close_range, first, last, (unsigned)flags);
	fd_changed();
	return r;
}

DXGMOCK_EXPORT void closefrom(int lowfd)
{
	int saved = errno;
	for (int fd = lowfd < 0 ? 0 : lowfd; fd < DXGMOCK_MAX_FDS; fd++)
		set_mark(fd, false);
	__typeof__(&closefrom) real = REAL(closefrom);
	errno = saved;
	if (real)
		real(lowfd);
	else
		syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0);
	fd_changed();
}

/* fclose closes the FILE's fd inside glibc, where close() does not see it.
 * With no next definition (dlsym re-entered, or DXGMOCK_TEST_SYSCALLS), it
 * is glibc's own, under its other exported name. */
int _IO_fclose(FILE *f);

DXGMOCK_EXPORT int fclose(FILE *f)
{
	int saved = errno;
	__typeof__(&fclose) real = REAL(fclose);
	errno = saved;
	int r = real ? real(f) : _IO_fclose(f);
	fd_changed();
	return r;
}

DXGMOCK_EXPORT int dup(int fd)
{
	int saved = errno;
	__typeof__(&dup) real = REAL(dup);
	errno = saved;
	int r = real ? real(fd) : (int)syscall(SYS_dup, fd);
	if (r >= 0) {
		copy_mark(fd, r);
		fd_changed();
	}
	return r;
}

/* dup2 without libc: dup3 refuses oldfd == newfd, which dup2 allows. */
static int raw_dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	return (int)syscall(SYS_dup3, oldfd, newfd, 0);
}

DXGMOCK_EXPORT int dup2(int oldfd, int newfd)
{
	int saved = errno;
	__typeof__(&dup2) real = REAL(dup2);
	errno = saved;
	int r = real ? real(oldfd, newfd) : raw_dup2(oldfd, newfd);
	if (r >= 0 && oldfd != newfd) {
		copy_mark(oldfd, r);
		fd_changed();
	}
	return r;
}

DXGMOCK_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int saved = errno;
	__typeof__(&dup3) real = REAL(dup3);
	errno = saved;
	int r = real ? real(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags);
	if (r >= 0) {
		copy_mark(oldfd, r);
		fd_changed();
	}
	return r;
}

/* fcntl's third argument is an int or a pointer by command; like glibc we
 * read it as a pointer, which carries either through unchanged. */
static int fcntl_tail(int fd, int cmd, int r)
{
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
		copy_mark(fd, r);
		fd_changed();
	}
	return r;
}

DXGMOCK_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int saved = errno;
	__typeof__(&fcntl) real = REAL(fcntl);
	errno = saved;
	int r = real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
	return fcntl_tail(fd, cmd, r);
}

DXGMOCK_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int saved = errno;
	__typeof__(&fcntl64) real = REAL(fcntl64);
	if (!real)
		real = (__typeof__(&fcntl64))REAL(fcntl);
	errno = saved;
	int r = real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
	return fcntl_tail(fd, cmd, r);
}

/* ---- ioctl ---- */

int dxgmock__ioctl(int fd, unsigned long request, void *arg)
{
	if (live_for(fd, request)) {
		long r = dxgmock__model_ioctl(request, arg);
		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		return (int)r;
	}
	int saved = errno;
	__typeof__(&ioctl) real = REAL(ioctl);
	errno = saved;
	return real ? real(fd, request, arg) : (int)syscall(SYS_ioctl, fd, request, arg);
}

DXGMOCK_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return dxgmock__ioctl(fd, request, arg);
}

/* ---- stat ---- */

/* The path forms: the device's own path stats /dev/null, then says
 * "character device 10:61"; without a profile it does not exist. */
#define STAT_PATH_BODY(fn, patch, call_real, call_sys)                                             \
	do {                                                                                       \
		int saved_ = errno;                                                                \
		int dev_ = dev_path(path);                                                         \
		if (dev_ < 0) {                                                                    \
			errno = ENOENT;                                                            \
			return -1;                                                                 \
		}                                                                                  \
		if (dev_)                                                                          \
			path = "/dev/null";                                                        \
		__typeof__(&fn) real_ = REAL(fn);                                                  \
		errno = saved_;                                                                    \
		int r_ = real_ ? call_real : (int)call_sys;                                        \
		if (r_ == 0 && dev_)                                                               \
			patch;                                                                     \
		return r_;                                                                         \
	} while (0)

/* The fd forms: the real answer, patched when the fd is ours. */
#define STAT_FD_BODY(fn, fd, buf, call_real, call_sys)                                             \
	do {                                                                                       \
		int saved_ = errno;                                                                \
		__typeof__(&fn) real_ = REAL(fn);                                                  \
		errno = saved_;                                                                    \
		int r_ = real_ ? call_real : (int)call_sys;                                        \
		if (r_ == 0 && marked(fd)) {                                                       \
			if (is_devnull_dev((buf)->st_mode, (buf)->st_rdev))                        \
				PATCH_STAT(buf);                                                   \
			else                                                                       \
				set_mark((fd), false);                                             \
		}                                                                                  \
		return r_;                                                                         \
	} while (0)

DXGMOCK_EXPORT int stat(const char *path, struct stat *buf)
{
	STAT_PATH_BODY(stat, PATCH_STAT(buf), real_(path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0));
}

DXGMOCK_EXPORT int stat64(const char *path, struct stat64 *buf)
{
	STAT_PATH_BODY(stat64, PATCH_STAT(buf), real_(path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0));
}

DXGMOCK_EXPORT int lstat(const char *path, struct stat *buf)
{
	STAT_PATH_BODY(lstat, PATCH_STAT(buf), real_(path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW));
}

DXGMOCK_EXPORT int lstat64(const char *path, struct stat64 *buf)
{
	STAT_PATH_BODY(lstat64, PATCH_STAT(buf), real_(path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW));
}

DXGMOCK_EXPORT int __xstat(int ver, const char *path, struct stat *buf)
{
	STAT_PATH_BODY(__xstat, PATCH_STAT(buf), real_(ver, path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0));
}

DXGMOCK_EXPORT int __xstat64(int ver, const char *path, struct stat64 *buf)
{
	STAT_PATH_BODY(__xstat64, PATCH_STAT(buf), real_(ver, path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0));
}

DXGMOCK_EXPORT int __lxstat(int ver, const char *path, struct stat *buf)
{
	STAT_PATH_BODY(__lxstat, PATCH_STAT(buf), real_(ver, path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW));
}

DXGMOCK_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *buf)
{
	STAT_PATH_BODY(__lxstat64, PATCH_STAT(buf), real_(ver, path, buf),
		       syscall(SYS_newfstatat, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW));
}

DXGMOCK_EXPORT int fstat(int fd, struct stat *buf)
{
	STAT_FD_BODY(fstat, fd, buf, real_(fd, buf), syscall(SYS_fstat, fd, buf));
}

DXGMOCK_EXPORT int fstat64(int fd, struct stat64 *buf)
{
	STAT_FD_BODY(fstat64, fd, buf, real_(fd, buf), syscall(SYS_fstat, fd, buf));
}

DXGMOCK_EXPORT int __fxstat(int ver, int fd, struct stat *buf)
{
	STAT_FD_BODY(__fxstat, fd, buf, real_(ver, fd, buf), syscall(SYS_fstat, fd, buf));
}

DXGMOCK_EXPORT int __fxstat64(int ver, int fd, struct stat64 *buf)
{
	STAT_FD_BODY(__fxstat64, fd, buf, real_(ver, fd, buf), syscall(SYS_fstat, fd, buf));
}

/* fstatat: the device's path, or AT_EMPTY_PATH on one of our fds. */
#define STATAT_BODY(fn, call_real)                                                                 \
	do {                                                                                       \
		int saved_ = errno;                                                                \
		int dev_ = dev_path(path);                                                         \
		if (dev_ < 0) {                                                                    \
			errno = ENOENT;                                                            \
			return -1;                                                                 \
		}                                                                                  \
		bool fdform_ = !dev_ && path && !*path && (flags & AT_EMPTY_PATH);                 \
		if (dev_) {                                                                        \
			dirfd = AT_FDCWD;                                                          \
			path = "/dev/null";                                                        \
		}                                                                                  \
		__typeof__(&fn) real_ = REAL(fn);                                                  \
		errno = saved_;                                                                    \
		int r_ =                                                                           \
		    real_ ? call_real : (int)syscall(SYS_newfstatat, dirfd, path, buf, flags);     \
		if (r_ == 0 && (dev_ || (fdform_ && marked(dirfd) &&                               \
					 is_devnull_dev(buf->st_mode, buf->st_rdev))))             \
			PATCH_STAT(buf);                                                           \
		return r_;                                                                         \
	} while (0)

DXGMOCK_EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	STATAT_BODY(fstatat, real_(dirfd, path, buf, flags));
}

DXGMOCK_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
	STATAT_BODY(fstatat64, real_(dirfd, path, buf, flags));
}

DXGMOCK_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
	STATAT_BODY(__fxstatat, real_(ver, dirfd, path, buf, flags));
}

DXGMOCK_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags)
{
	STATAT_BODY(__fxstatat64, real_(ver, dirfd, path, buf, flags));
}

DXGMOCK_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
			 struct statx *buf)
{
	int saved = errno;
	int dev = dev_path(path);
	if (dev < 0) {
		errno = ENOENT;
		return -1;
	}
	bool fdform = !dev && path && !*path && (flags & AT_EMPTY_PATH);
	if (dev) {
		dirfd = AT_FDCWD;
		path = "/dev/null";
	}
	__typeof__(&statx) real = REAL(statx);
	errno = saved;
	int r = real ? real(dirfd, path, flags, mask, buf)
		     : (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
	if (r == 0 && (dev || (fdform && marked(dirfd) && S_ISCHR(buf->stx_mode) &&
			       buf->stx_rdev_major == 1 && buf->stx_rdev_minor == 3)))
		patch_statx(buf);
	return r;
}

/* ---- access ---- */

static int dev_access(int mode)
{
	if (mode & X_OK) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

DXGMOCK_EXPORT int access(const char *path, int mode)
{
	int saved = errno;
	int dev = dev_path(path);
	if (dev) {
		errno = saved;
		if (dev < 0)
			errno = ENOENT;
		return dev < 0 ? -1 : dev_access(mode);
	}
	__typeof__(&access) real = REAL(access);
	errno = saved;
	return real ? real(path, mode) : (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

DXGMOCK_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	int saved = errno;
	int dev = dev_path(path);
	if (dev) {
		errno = saved;
		if (dev < 0)
			errno = ENOENT;
		return dev < 0 ? -1 : dev_access(mode);
	}
	__typeof__(&faccessat) real = REAL(faccessat);
	errno = saved;
	return real ? real(dirfd, path, mode, flags)
		    : (int)syscall(SYS_faccessat, dirfd, path, mode, flags);
}
