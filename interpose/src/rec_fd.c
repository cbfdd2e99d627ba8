// SPDX-License-Identifier: MIT
/*
 * The ioctl layer: libc interposers that know which descriptors are
 * /dev/dxg and record every ioctl on them.
 *
 * A descriptor is marked when it is opened by the device's path (open,
 * open64, openat, openat64 and the FORTIFY forms) and the mark follows dup,
 * dup2, dup3 and fcntl(F_DUPFD[_CLOEXEC]); close and close_range clear it.
 * A descriptor we never saw opened (inherited across exec, passed over a
 * socket, opened by a library bound past us) is classified at its first
 * dxg-type request (type 0x47): fstat compared with stat of the device
 * path, through the next definitions so that an emulated device answers
 * for itself. Every ioctl on a marked descriptor is recorded, known
 * requests with their descriptor, others raw (_IOC_SIZE bytes each way).
 *
 * An object loaded with RTLD_DEEPBIND binds its libc calls inside its own
 * scope, past LD_PRELOAD. dxgt__patch_object_of() rewrites the GOT entries
 * of such an object for the functions hooked here, so its ioctls reach
 * the hook as well.
 *
 * exec and _exit finish the trace first (exit itself goes through the
 * destructor of rec_core.c).
 *
 * Must never: change a result or errno; record a descriptor that is not
 * the device; call a hooked function through its global symbol.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rec_internal.h"

#define MAX_FDS 65536

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static atomic_uchar marks[MAX_FDS];

/* ---- real functions ---- */

typedef void *(*dlsym_fn)(void *, const char *);

void *dxgt__real(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (p)
		return p;
	int saved = errno;
	dlsym_fn real = (dlsym_fn)dxgt__real_dlsym();
	p = real ? real(RTLD_NEXT, name) : NULL;
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	errno = saved;
	return p;
}

#define REAL(type, name)                                                                           \
	static void *slot_##name;                                                                  \
	__typeof__(type) real_##name = (__typeof__(type))dxgt__real(&slot_##name, #name)

/* ---- marks ---- */

static void mark(int fd, bool on)
{
	if (fd >= 0 && fd < MAX_FDS)
		atomic_store_explicit(&marks[fd], on, memory_order_relaxed);
}

static bool marked(int fd)
{
	return fd >= 0 && fd < MAX_FDS && atomic_load_explicit(&marks[fd], memory_order_relaxed);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) && S_ISCHR(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* fd refers to the device: fstat and stat through the next definitions. */
static bool classify(int fd)
{
	REAL(int (*)(int, struct stat *), fstat);
	REAL(int (*)(const char *, struct stat *), stat);
	if (!real_fstat || !real_stat)
		return false;
	int saved = errno;
	struct stat a, b;
	bool yes =
	    real_fstat(fd, &a) == 0 && real_stat(dxgt__cfg.device, &b) == 0 && same_file(&a, &b);
	errno = saved;
	if (yes) {
		mark(fd, true);
		dxgt__log("fd %d is %s (found at its first ioctl)", fd, dxgt__cfg.device);
	}
	return yes;
}

bool dxgt__fd_is_dxg(int fd)
{
	return marked(fd) || classify(fd);
}

static void opened(const char *path, int fd)
{
	if (fd >= 0 && path && strcmp(path, dxgt__cfg.device) == 0 && !dxgt__cfg.disabled) {
		mark(fd, true);
		dxgt__log("fd %d: %s opened", fd, path);
	}
}

/* ---- open family ---- */

static int mode_of(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

#define OPEN_HOOK(name)                                                                            \
	REC_EXPORT int name(const char *path, int flags, ...)                                      \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		int mode = mode_of(flags, ap);                                                     \
		va_end(ap);                                                                        \
		REAL(int (*)(const char *, int, ...), name);                                       \
		int fd = real_##name ? real_##name(path, flags, mode)                              \
				     : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);      \
		opened(path, fd);                                                                  \
		return fd;                                                                         \
	}
OPEN_HOOK(open)
OPEN_HOOK(open64)

#define OPENAT_HOOK(name)                                                                          \
	REC_EXPORT int name(int dirfd, const char *path, int flags, ...)                           \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		int mode = mode_of(flags, ap);                                                     \
		va_end(ap);                                                                        \
		REAL(int (*)(int, const char *, int, ...), name);                                  \
		int fd = real_##name ? real_##name(dirfd, path, flags, mode)                       \
				     : (int)syscall(SYS_openat, dirfd, path, flags, mode);         \
		opened(path, fd);                                                                  \
		return fd;                                                                         \
	}
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

#define OPEN2_HOOK(name)                                                                           \
	REC_EXPORT int name(const char *path, int flags)                                           \
	{                                                                                          \
		REAL(int (*)(const char *, int), name);                                            \
		int fd = real_##name ? real_##name(path, flags)                                    \
				     : (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);         \
		opened(path, fd);                                                                  \
		return fd;                                                                         \
	}
OPEN2_HOOK(__open_2)
OPEN2_HOOK(__open64_2)

#define OPENAT2_HOOK(name)                                                                         \
	REC_EXPORT int name(int dirfd, const char *path, int flags)                                \
	{                                                                                          \
		REAL(int (*)(int, const char *, int), name);                                       \
		int fd = real_##name ? real_##name(dirfd, path, flags)                             \
				     : (int)syscall(SYS_openat, dirfd, path, flags, 0);            \
		opened(path, fd);                                                                  \
		return fd;                                                                         \
	}
OPENAT2_HOOK(__openat_2)
OPENAT2_HOOK(__openat64_2)

/* ---- dup family, fcntl, close ---- */

REC_EXPORT int dup(int old)
{
	REAL(int (*)(int), dup);
	int fd = real_dup ? real_dup(old) : (int)syscall(SYS_dup, old);
	if (fd >= 0)
		mark(fd, marked(old));
	return fd;
}

REC_EXPORT int dup2(int old, int new)
{
	REAL(int (*)(int, int), dup2);
	int fd = real_dup2 ? real_dup2(old, new) : (int)syscall(SYS_dup3, old, new, 0);
	if (fd >= 0 && old != new)
		mark(fd, marked(old));
	return fd;
}

REC_EXPORT int dup3(int old, int new, int flags)
{
	REAL(int (*)(int, int, int), dup3);
	int fd = real_dup3 ? real_dup3(old, new, flags) : (int)syscall(SYS_dup3, old, new, flags);
	if (fd >= 0)
		mark(fd, marked(old));
	return fd;
}

#define FCNTL_HOOK(name)                                                                           \
	REC_EXPORT int name(int fd, int cmd, ...)                                                  \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, cmd);                                                                 \
		void *arg = va_arg(ap, void *);                                                    \
		va_end(ap);                                                                        \
		REAL(int (*)(int, int, ...), name);                                                \
		int r = real_##name ? real_##name(fd, cmd, arg)                                    \
				    : (int)syscall(SYS_fcntl, fd, cmd, arg);                       \
		if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))                          \
			mark(r, marked(fd));                                                       \
		return r;                                                                          \
	}
FCNTL_HOOK(fcntl)
FCNTL_HOOK(fcntl64)

REC_EXPORT int close(int fd)
{
	REAL(int (*)(int), close);
	/* Cleared first: the number may be reused as soon as it is closed. */
	bool was = marked(fd);
	mark(fd, false);
	int r = real_close ? real_close(fd) : (int)syscall(SYS_close, fd);
	if (was)
		dxgt__log("fd %d: closed", fd);
	return r;
}

REC_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	REAL(int (*)(unsigned, unsigned, int), close_range);
	if (!(flags & 4 /* CLOSE_RANGE_CLOEXEC */))
		for (unsigned fd = first; fd <= last && fd < MAX_FDS; fd++)
			mark((int)fd, false);
	return real_close_range ? real_close_range(first, last, flags)
				: (int)syscall(SYS_close_range, first, last, flags);
}

/* ---- ioctl ---- */

static int hook_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	REAL(int (*)(int, unsigned long, ...), ioctl);
	if (!real_ioctl)
		return (int)syscall(SYS_ioctl, fd, request, arg);
	if (dxgt__rec_busy() || !dxgt__layer_on(DXGT_LAYER_IOCTL) || !dxgt__rec_active() ||
	    !(marked(fd) || (_IOC_TYPE(request) == DXGT_IOCTL_TYPE && classify(fd))))
		return real_ioctl(fd, request, arg);
	const struct dxgt_call_desc *d = dxgt_call_by_ioctl(request);
	uint32_t size = (uint32_t)_IOC_SIZE(request);
	if (d && d->ioctl_size != size)
		d = NULL; /* the driver refuses a size mismatch: recorded raw */
	uint32_t alen = _IOC_DIR(request) != _IOC_NONE ? size : 0;
	struct rec_call c;
	bool rec = dxgt__rec_enter(&c, DXGT_LAYER_IOCTL, d, d ? d->id : DXGT_CALL_UNKNOWN,
				   (uint32_t)request, fd, 0, arg, alen);
	int r = real_ioctl(fd, request, arg);
	if (rec) {
		int e = errno;
		dxgt__rec_leave(&c, r, r < 0 ? e : 0, false, 0);
		errno = e;
	}
	return r;
}
REC_EXPORT int ioctl(int fd, unsigned long request, ...) __attribute__((alias("hook_ioctl")));

/* ---- exec and _exit ---- */

REC_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	REAL(int (*)(const char *, char *const[], char *const[]), execve);
	dxgt__rec_before_exec();
	return real_execve ? real_execve(path, argv, envp)
			   : (int)syscall(SYS_execve, path, argv, envp);
}

REC_EXPORT int execv(const char *path, char *const argv[])
{
	REAL(int (*)(const char *, char *const[]), execv);
	dxgt__rec_before_exec();
	return real_execv(path, argv);
}

REC_EXPORT int execvp(const char *file, char *const argv[])
{
	REAL(int (*)(const char *, char *const[]), execvp);
	dxgt__rec_before_exec();
	return real_execvp(file, argv);
}

REC_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	REAL(int (*)(const char *, char *const[], char *const[]), execvpe);
	dxgt__rec_before_exec();
	return real_execvpe(file, argv, envp);
}

REC_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	REAL(int (*)(int, char *const[], char *const[]), fexecve);
	dxgt__rec_before_exec();
	return real_fexecve(fd, argv, envp);
}

/* The execl forms gather their arguments into an array. */
static char **gather(const char *arg0, va_list ap, char ***envp)
{
	va_list c;
	va_copy(c, ap);
	size_t n = 1;
	while (va_arg(c, char *))
		n++;
	va_end(c);
	char **argv = malloc((n + 1) * sizeof(*argv));
	if (!argv)
		return NULL;
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = i < n ? va_arg(ap, char *) : NULL;
	if (envp)
		*envp = va_arg(ap, char **);
	return argv;
}

#define EXECL_HOOK(name, call, with_env)                                                           \
	REC_EXPORT int name(const char *path, const char *arg, ...)                                \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, arg);                                                                 \
		char **envp = NULL;                                                                \
		char **argv = gather(arg, ap, with_env ? &envp : NULL);                            \
		va_end(ap);                                                                        \
		if (!argv) {                                                                       \
			errno = ENOMEM;                                                            \
			return -1;                                                                 \
		}                                                                                  \
		(void)envp;                                                                        \
		int r = call;                                                                      \
		int e = errno;                                                                     \
		free(argv);                                                                        \
		errno = e;                                                                         \
		return r;                                                                          \
	}
extern char **environ;
EXECL_HOOK(execl, execv(path, argv), false)
EXECL_HOOK(execlp, execvp(path, argv), false)
EXECL_HOOK(execle, execve(path, argv, envp), true)

REC_EXPORT void _exit(int status)
{
	REAL(void (*)(int), _exit);
	dxgt__rec_before_exit();
	if (real__exit)
		real__exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

REC_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* ---- GOT patching for objects that bind past us ---- */

static const struct {
	const char *name;
	void *hook;
} hooks[] = {
    {"ioctl", (void *)hook_ioctl},
    {"open", (void *)open},
    {"open64", (void *)open64},
    {"openat", (void *)openat},
    {"openat64", (void *)openat64},
    {"__open_2", (void *)__open_2},
    {"__open64_2", (void *)__open64_2},
    {"__openat_2", (void *)__openat_2},
    {"__openat64_2", (void *)__openat64_2},
    {"close", (void *)close},
    {"dup", (void *)dup},
    {"dup2", (void *)dup2},
    {"dup3", (void *)dup3},
    {"fcntl", (void *)fcntl},
    {"fcntl64", (void *)fcntl64},
};

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#endif

#ifdef R_JUMP_SLOT
static uintptr_t dyn_addr(const struct link_map *lm, ElfW(Addr) v)
{
	/* glibc relocates these entries in place on most targets. */
	return v < lm->l_addr ? lm->l_addr + v : v;
}

struct relro {
	uintptr_t lo, hi;
};

static int find_relro(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct relro *r = arg;
	if (info->dlpi_addr != r->lo)
		return 0;
	r->lo = r->hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
			r->lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			r->hi = r->lo + info->dlpi_phdr[i].p_memsz;
		}
	return 1;
}

static unsigned patch_relocs(const struct link_map *lm, const ElfW(Rela) * rel, size_t n,
			     const ElfW(Sym) * symtab, const char *strtab, const struct relro *rr)
{
	unsigned done = 0;
	long page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i++) {
		unsigned type = (unsigned)ELF64_R_TYPE(rel[i].r_info);
		if (type != R_JUMP_SLOT && type != R_GLOB_DAT)
			continue;
		const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
		for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
			if (strcmp(name, hooks[h].name) != 0)
				continue;
			void **slot = (void **)(lm->l_addr + rel[i].r_offset);
			if (*slot == hooks[h].hook)
				break;
			uintptr_t s = (uintptr_t)slot;
			bool ro = s >= rr->lo && s < rr->hi;
			void *pg = (void *)(s & ~(uintptr_t)(page - 1));
			if (ro && mprotect(pg, (size_t)page, PROT_READ | PROT_WRITE) != 0)
				break;
			*slot = hooks[h].hook;
			if (ro)
				mprotect(pg, (size_t)page, PROT_READ);
			done++;
			break;
		}
	}
	return done;
}
#endif

void dxgt__patch_object_of(const void *addr)
{
#ifdef R_JUMP_SLOT
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static uintptr_t seen[64];
	static unsigned n_seen;
	Dl_info info;
	struct link_map *lm = NULL;
	int saved = errno;
	if (!dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
		goto out;
	pthread_mutex_lock(&mu);
	for (unsigned i = 0; i < n_seen; i++)
		if (seen[i] == (uintptr_t)lm) {
			pthread_mutex_unlock(&mu);
			goto out;
		}
	if (n_seen < 64)
		seen[n_seen++] = (uintptr_t)lm;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *jmprel = NULL, *rela = NULL;
	size_t jmpsz = 0, relasz = 0;
	for (const ElfW(Dyn) *d = lm->l_ld; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			symtab = (const ElfW(Sym) *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = (const char *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_JMPREL:
			jmprel = (const ElfW(Rela) *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_PLTRELSZ:
			jmpsz = d->d_un.d_val;
			break;
		case DT_RELA:
			rela = (const ElfW(Rela) *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_RELASZ:
			relasz = d->d_un.d_val;
			break;
		}
	}
	unsigned done = 0;
	if (symtab && strtab) {
		struct relro rr = {lm->l_addr, 0};
		dl_iterate_phdr(find_relro, &rr);
		if (jmprel)
			done += patch_relocs(lm, jmprel, jmpsz / sizeof(ElfW(Rela)), symtab, strtab,
					     &rr);
		if (rela)
			done += patch_relocs(lm, rela, relasz / sizeof(ElfW(Rela)), symtab, strtab,
					     &rr);
	}
	pthread_mutex_unlock(&mu);
	if (done)
		dxgt__log("%s binds past the preload (RTLD_DEEPBIND): %u of its libc imports now "
			  "reach the hooks",
			  info.dli_fname ? info.dli_fname : "?", done);
out:
	errno = saved;
#else
	(void)addr;
#endif
}
