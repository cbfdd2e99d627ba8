/* SPDX-License-Identifier: MIT */
/*
 * META records of the recorder: the process (who ran), the host (which
 * kernel, whether WSL, which libdxcore) and the memory maps (where each
 * loaded object's code sits, with its GNU build id) so that a trace can be
 * symbolised and matched to a driver build on another machine.
 *
 * The maps come from dl_iterate_phdr, not /proc/self/maps: one mmap record
 * per executable PT_LOAD segment of each loaded object, its bounds exactly
 * as the program header places them (start = load bias + p_vaddr, not
 * page-rounded) and its file offset p_offset, so that an address a in the
 * segment is at file offset a - start + offset. Build ids are read from the
 * object's PT_NOTE segments in this process's memory, and only when the
 * note lies inside a readable PT_LOAD segment of the same object (memory the
 * loader mapped); nothing here ever follows a pointer taken from a trace.
 *
 * Runs in normal context when the trace is created and when recording ends:
 * it allocates (a little, all freed before returning), opens /proc files
 * with the ordinary libc calls (the recorder's own hooks pass them through
 * because the thread's busy guard is set: these functions set it themselves
 * when the caller has not) and never writes a record while the loader's
 * lock is held (segments are collected first, then written). Every entry
 * point preserves errno. A piece of metadata that cannot be read is left
 * out; a reader must not depend on any key being present.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "rec_internal.h"

#define REC_META_ID_MAX 64		      /* build id bytes kept in an mmap record */
#define REC_META_DXCORE_ID_MAX 20	      /* ... and for dxgt__meta_dxcore (its contract) */
#define REC_META_CMDLINE_MAX (1u << 20)	      /* /proc/self/cmdline bytes kept */
#define REC_META_DXCORE_PREFIX "libdxcore.so" /* basename of the DXCore library */

/* ---- small helpers ---- */

/* Set the thread's busy guard unless it already is; returns the old state
 * for busy_end. */
static bool busy_begin(void)
{
	bool was = dxgt__rec_busy();
	if (!was)
		dxgt__rec_set_busy(true);
	return was;
}

static void busy_end(bool was)
{
	if (!was)
		dxgt__rec_set_busy(false);
}

static struct dxgt_meta_field u64_field(const char *key, uint64_t v)
{
	return (struct dxgt_meta_field){.key = key, .type = DXGT_VAL_U64, .u64 = v};
}

/* A text value (borrowed): a string when it is UTF-8, else bytes. */
static struct dxgt_meta_field text_field(const char *key, const void *p, size_t len)
{
	bool ok = dxgt_utf8_valid(p, len);
	return (struct dxgt_meta_field){.key = key,
					.type = ok ? DXGT_VAL_STR : DXGT_VAL_BYTES,
					.data = p,
					.len = (uint32_t)len};
}

static struct dxgt_meta_field bytes_field(const char *key, const uint8_t *p, size_t len)
{
	return (struct dxgt_meta_field){
	    .key = key, .type = DXGT_VAL_BYTES, .data = p, .len = (uint32_t)len};
}

/* readlink into buf (len bytes) with a terminator; returns the length, or
 * 0 when it fails or does not fit. */
static size_t read_link(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len);
	if (n <= 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return 0;
	}
	buf[n] = '\0';
	return (size_t)n;
}

/* Read a whole /proc file of up to max bytes into *out (owned, free with
 * free()); *len its length. Returns 0, or -1 with nothing allocated. A file
 * longer than max is cut to max bytes and *cut is set. */
static int read_proc(const char *path, size_t max, uint8_t **out, size_t *len, bool *cut)
{
	int rc = -1;
	size_t cap = max < 4096 ? max : 4096, n = 0;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*cut = false;
	buf = malloc(cap);
	if (!buf)
		goto out;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				*cut = true;
				break;
			}
			size_t ncap = cap * 2 < max ? cap * 2 : max;
			uint8_t *p = realloc(buf, ncap);
			if (!p)
				goto out;
			buf = p, cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf, *len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- build ids from loaded objects ---- */

/* The range [vaddr, vaddr + size) of the object lies in the file-backed
 * part of one of its readable PT_LOAD segments: the loader mapped it. */
static bool mapped(const struct dl_phdr_info *info, ElfW(Addr) vaddr, ElfW(Xword) size)
{
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		if (vaddr >= ph->p_vaddr && size <= ph->p_filesz &&
		    vaddr - ph->p_vaddr <= ph->p_filesz - size)
			return true;
	}
	return false;
}

/* The NT_GNU_BUILD_ID descriptor in n bytes of notes aligned to align;
 * *id points into p. Returns its length, 0 when there is none. Each note
 * starts aligned; its descriptor starts at the header plus the name rounded
 * up to the alignment (not the name's size rounded up alone, which differs
 * for 8-byte notes: the header is 12 bytes). */
static size_t note_build_id(const uint8_t *p, size_t n, size_t align, const uint8_t **id)
{
	size_t off = 0;
	while (n - off >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		memcpy(&nh, p + off, sizeof(nh));
		size_t desc_at = (sizeof(nh) + (size_t)nh.n_namesz + align - 1) & ~(align - 1);
		size_t next = (desc_at + (size_t)nh.n_descsz + align - 1) & ~(align - 1);
		if (desc_at > n - off || nh.n_descsz > n - off - desc_at)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(p + off + sizeof(nh), "GNU", 4) == 0 && nh.n_descsz > 0) {
			*id = p + off + desc_at;
			return nh.n_descsz;
		}
		if (next > n - off)
			return 0;
		off += next;
	}
	return 0;
}

/* The GNU build id of a loaded object, borrowed from its mapped notes
 * (valid while the object stays loaded): returns its length, 0 if none. */
static size_t object_build_id(const struct dl_phdr_info *info, const uint8_t **id)
{
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE || !mapped(info, ph->p_vaddr, ph->p_memsz))
			continue;
		size_t align = ph->p_align == 8 ? 8 : 4;
		const uint8_t *notes = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		size_t n = note_build_id(notes, ph->p_memsz, align, id);
		if (n)
			return n;
	}
	return 0;
}

/* The object is the kernel's vDSO: one of its segments maps file offset 0
 * (the ELF header) at the address the auxiliary vector gives. */
static bool is_vdso(const struct dl_phdr_info *info, uintptr_t vdso)
{
	if (!vdso)
		return false;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && ph->p_offset == 0 &&
		    info->dlpi_addr + ph->p_vaddr == vdso)
			return true;
	}
	return false;
}

/* ---- memory maps ---- */

struct map_seg {
	uint64_t start, end, offset;
	char *path; /* owned; NULL when unknown */
	uint8_t id[REC_META_ID_MAX];
	size_t id_len;
};

struct map_list {
	struct map_seg *v; /* owned */
	size_t n, cap;
	const char *exe; /* the main program's path (borrowed), "" if unknown */
	uintptr_t vdso;	 /* AT_SYSINFO_EHDR, 0 if none */
};

static const char *object_path(const struct dl_phdr_info *info, const struct map_list *l)
{
	if (is_vdso(info, l->vdso))
		return "[vdso]";
	if (!info->dlpi_name || !info->dlpi_name[0])
		return l->exe; /* glibc names the main program "" */
	return info->dlpi_name;
}

/* dl_iterate_phdr callback: copy out each executable segment. Stops the
 * walk (returns 1) when memory runs out: the segments so far are kept. */
static int collect_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct map_list *l = arg;
	const uint8_t *id = NULL;
	size_t id_len = 0;
	bool id_done = false;
	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (!id_done) {
			id_len = object_build_id(info, &id);
			id_done = true;
		}
		if (l->n == l->cap) {
			size_t ncap = l->cap ? 2 * l->cap : 32;
			struct map_seg *v = realloc(l->v, ncap * sizeof(*v));
			if (!v)
				return 1;
			l->v = v, l->cap = ncap;
		}
		struct map_seg *s = &l->v[l->n];
		memset(s, 0, sizeof(*s));
		s->start = (uint64_t)(info->dlpi_addr + ph->p_vaddr);
		s->end = s->start + ph->p_memsz;
		s->offset = ph->p_offset;
		const char *path = object_path(info, l);
		if (path[0] && !(s->path = strdup(path)))
			return 1;
		s->id_len = id_len < sizeof(s->id) ? id_len : sizeof(s->id);
		if (s->id_len)
			memcpy(s->id, id, s->id_len);
		l->n++;
	}
	return 0;
}

/* Segments already written to the current file: the maps written again at
 * the end of a recording add only what was loaded since. Reset when a new
 * file starts (dxgt__meta_start). */
static uint64_t emitted[1024];
static size_t n_emitted;

static bool seen_before(uint64_t start)
{
	for (size_t i = 0; i < n_emitted; i++)
		if (emitted[i] == start)
			return true;
	if (n_emitted < sizeof(emitted) / sizeof(emitted[0]))
		emitted[n_emitted++] = start;
	return false;
}

void dxgt__meta_forget_maps(void)
{
	n_emitted = 0;
}

void dxgt__meta_maps(void)
{
	int saved = errno;
	bool was = busy_begin();
	char exe[PATH_MAX];
	struct map_list l = {.exe = exe, .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR)};
	read_link("/proc/self/exe", exe, sizeof(exe));
	dl_iterate_phdr(collect_segments, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct map_seg *s = &l.v[i];
		if (seen_before(s->start))
			continue;
		struct dxgt_meta_field f[5];
		unsigned n = 0;
		f[n++] = u64_field("start", s->start);
		f[n++] = u64_field("end", s->end);
		f[n++] = u64_field("offset", s->offset);
		if (s->path)
			f[n++] = text_field("path", s->path, strlen(s->path));
		if (s->id_len)
			f[n++] = bytes_field("build_id", s->id, s->id_len);
		if (dxgt__rec_meta(DXGT_META_MMAP, f, n) < 0)
			break; /* not recording: the rest would go nowhere either */
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].path);
	free(l.v);
	busy_end(was);
	errno = saved;
}

/* ---- libdxcore ---- */

struct dxcore_find {
	char *path;
	size_t len;
	uint8_t *id;
	size_t *id_len;
	int rc; /* 0 found and fits, -1 otherwise */
};

static int find_dxcore(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dxcore_find *d = arg;
	const char *name = info->dlpi_name, *base;
	(void)size;
	if (!name || !name[0])
		return 0;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strncmp(base, REC_META_DXCORE_PREFIX, strlen(REC_META_DXCORE_PREFIX)) != 0)
		return 0;
	size_t n = strlen(name);
	if (n >= d->len)
		return 1; /* the first libdxcore found is the one; its path does not fit */
	memcpy(d->path, name, n + 1);
	const uint8_t *id = NULL;
	size_t id_len = object_build_id(info, &id);
	if (id_len > REC_META_DXCORE_ID_MAX)
		id_len = REC_META_DXCORE_ID_MAX;
	if (id_len)
		memcpy(d->id, id, id_len);
	*d->id_len = id_len;
	d->rc = 0;
	return 1;
}

int dxgt__meta_dxcore(char *path, size_t len, uint8_t *id, size_t *id_len)
{
	int saved = errno;
	bool was = busy_begin();
	struct dxcore_find d = {.path = path, .len = len, .id = id, .id_len = id_len, .rc = -1};
	if (path && len && id && id_len)
		dl_iterate_phdr(find_dxcore, &d);
	busy_end(was);
	errno = saved;
	return d.rc;
}

/* ---- process and host ---- */

/* When this process started, in unix nanoseconds: its start time in
 * /proc/self/stat counts clock ticks since boot (CLOCK_BOOTTIME); moved to
 * the realtime clock by the two clocks' difference now. Returns false when
 * it cannot be read. */
static bool process_start_ns(int64_t *out)
{
	char buf[1024];
	uint8_t *stat = NULL;
	size_t n = 0;
	bool cut, ok = false;
	if (read_proc("/proc/self/stat", sizeof(buf) - 1, &stat, &n, &cut) < 0)
		return false;
	memcpy(buf, stat, n);
	buf[n] = '\0';
	free(stat);
	/* The command name (field 2) is in parentheses and may hold anything,
	 * ")" included: count fields from the last ")". starttime is field 22,
	 * the 20th after the name. */
	char *p = strrchr(buf, ')');
	if (!p)
		return false;
	for (int spaces = 0; spaces < 20; p++) {
		if (!*p)
			return false;
		if (*p == ' ')
			spaces++;
	}
	char *end;
	unsigned long long ticks = strtoull(p, &end, 10);
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec rt, bt;
	if (end == p || hz <= 0 || clock_gettime(CLOCK_REALTIME, &rt) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
		return false;
	uint64_t since_boot =
	    ticks / (uint64_t)hz * 1000000000u + ticks % (uint64_t)hz * 1000000000u / (uint64_t)hz;
	uint64_t boot_now = (uint64_t)bt.tv_sec * 1000000000u + (uint64_t)bt.tv_nsec;
	int64_t real_now = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
	if (since_boot <= boot_now) {
		*out = real_now - (int64_t)(boot_now - since_boot);
		ok = true;
	}
	return ok;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void process_record(void)
{
	char exe[PATH_MAX], cwd[PATH_MAX];
	uint8_t *cmd = NULL;
	size_t cmd_len = 0;
	bool cut = false;
	int64_t start;
	struct dxgt_meta_field f[7];
	unsigned n = 0;

	f[n++] = u64_field("pid", (uint64_t)getpid());
	f[n++] = u64_field("ppid", (uint64_t)getppid());
	f[n++] = u64_field("uid", (uint64_t)getuid());
	size_t exe_len = read_link("/proc/self/exe", exe, sizeof(exe));
	if (exe_len)
		f[n++] = text_field("exe", exe, exe_len);
	if (read_proc("/proc/self/cmdline", REC_META_CMDLINE_MAX, &cmd, &cmd_len, &cut) == 0) {
		/* The file ends each argument with a NUL; the key joins them
		 * with one. A command line cut at the limit keeps whole
		 * arguments only. */
		if (cut)
			while (cmd_len && cmd[cmd_len - 1] != '\0')
				cmd_len--;
		if (cmd_len && cmd[cmd_len - 1] == '\0')
			cmd_len--;
		f[n++] = text_field("cmdline", cmd, cmd_len);
	}
	if (getcwd(cwd, sizeof(cwd)))
		f[n++] = text_field("cwd", cwd, strlen(cwd));
	else if (read_link("/proc/self/cwd", cwd, sizeof(cwd)))
		f[n++] = text_field("cwd", cwd, strlen(cwd));
	if (!process_start_ns(&start))
		start = realtime_ns();
	f[n] = u64_field("start_unix_ns", (uint64_t)start);
	f[n++].type = DXGT_VAL_I64;
	assert(n <= sizeof(f) / sizeof(f[0]));
	dxgt__rec_meta(DXGT_META_PROCESS, f, n);
	free(cmd);
}

/* WSL: its kernels say so in their release ("...-microsoft-standard-WSL2",
 * WSL1's "...-Microsoft"), its init sets WSL_DISTRO_NAME, and it provides
 * /dev/dxg. Any one is taken as enough. */
static bool under_wsl(const char *release)
{
	if (strcasestr(release, "microsoft") || strcasestr(release, "wsl"))
		return true;
	if (getenv("WSL_DISTRO_NAME"))
		return true;
	return access("/dev/dxg", F_OK) == 0;
}

static void host_record(void)
{
	struct utsname u;
	char kernel[sizeof(u.release) + sizeof(u.version) + 1];
	char dx_path[PATH_MAX];
	uint8_t dx_id[REC_META_DXCORE_ID_MAX];
	size_t dx_id_len = 0;
	struct dxgt_meta_field f[6];
	unsigned n = 0;
	bool have_uts = uname(&u) == 0;

	f[n++] = text_field("os", "linux", 5);
	if (have_uts) {
		/* release and version: the version names the build (date,
		 * SMP/PREEMPT), which a release string alone may not. */
		size_t kn = strlen(u.release);
		memcpy(kernel, u.release, kn);
		if (u.version[0]) {
			kernel[kn++] = ' ';
			size_t vn = strlen(u.version);
			memcpy(kernel + kn, u.version, vn);
			kn += vn;
		}
		f[n++] = text_field("kernel", kernel, kn);
	}
	f[n++] = u64_field("wsl", under_wsl(have_uts ? u.release : "") ? 1 : 0);
	if (have_uts && u.nodename[0])
		f[n++] = text_field("hostname", u.nodename, strlen(u.nodename));
	if (dxgt__meta_dxcore(dx_path, sizeof(dx_path), dx_id, &dx_id_len) == 0) {
		f[n++] = text_field("dxcore_path", dx_path, strlen(dx_path));
		if (dx_id_len)
			f[n++] = bytes_field("dxcore_build_id", dx_id, dx_id_len);
	}
	assert(n <= sizeof(f) / sizeof(f[0]));
	dxgt__rec_meta(DXGT_META_HOST, f, n);
}

void dxgt__meta_start(void)
{
	int saved = errno;
	bool was = busy_begin();
	process_record();
	host_record();
	dxgt__meta_forget_maps();
	dxgt__meta_maps();
	busy_end(was);
	errno = saved;
}
