// SPDX-License-Identifier: MIT
/*
 * The recorder's META records (interpose/src/rec_meta.c, compiled in) on
 * this very process: the process record names it, the host record the
 * machine, and the memory maps place the test program, libc and the vDSO
 * where a symboliser can use them: the bytes at an address equal the file's
 * bytes at address - start + offset, and each build id equals the one an
 * independent note parser reads from the file on disk (section headers, as
 * readelf -n does). dxgt__meta_dxcore finds a stand-in libdxcore.so once it
 * is loaded and nothing before or after.
 *
 * The recorder's core is faked: dxgt__rec_meta checks each record encodes
 * with unique printable keys and keeps a copy; the busy guard is a flag.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "rec_internal.h"

static int g_argc;
static char **g_argv;
static int64_t g_main_ns; /* CLOCK_REALTIME when main started */

/* ---- the recorder's core, faked ---- */

struct field {
	char *key;
	uint8_t type;
	uint64_t u64;
	uint8_t *data;
	uint32_t len;
};

struct rec {
	unsigned kind;
	struct field *f;
	unsigned n;
};

static struct {
	struct rec *v;
	size_t n, cap;
} got;
static bool busy;
static int meta_rc;	   /* what the fake dxgt__rec_meta returns */
static unsigned unguarded; /* records written with the busy guard off */

bool dxgt__rec_busy(void)
{
	return busy;
}

void dxgt__rec_set_busy(bool on)
{
	busy = on;
}

int dxgt__rec_meta(enum dxgt_meta_kind kind, const struct dxgt_meta_field *fields, unsigned n)
{
	struct dxgt_record r = {
	    .type = DXGT_REC_META, .meta_kind = (uint16_t)kind, .fields = fields};
	size_t need = 0;
	assert_true(n <= DXGT_MAX_FIELDS);
	r.n_fields = (uint16_t)n;
	assert_int_equal(dxgt_record_encode(&r, NULL, 0, &need), DXGT_E_TOOBIG);
	uint8_t *enc = malloc(need);
	assert_non_null(enc);
	assert_int_equal(dxgt_record_encode(&r, enc, need, &need), 0);
	free(enc);
	if (!busy)
		unguarded++;

	if (got.n == got.cap) {
		got.cap = got.cap ? 2 * got.cap : 64;
		got.v = realloc(got.v, got.cap * sizeof(*got.v));
		assert_non_null(got.v);
	}
	struct rec *c = &got.v[got.n++];
	c->kind = kind;
	c->n = n;
	c->f = calloc(n ? n : 1, sizeof(*c->f));
	assert_non_null(c->f);
	for (unsigned i = 0; i < n; i++) {
		const struct dxgt_meta_field *s = &fields[i];
		size_t klen = strlen(s->key);
		assert_true(klen >= 1 && klen <= 255);
		for (size_t k = 0; k < klen; k++)
			assert_true(s->key[k] >= 0x21 && s->key[k] <= 0x7e);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(s->key, fields[j].key);
		c->f[i].key = strdup(s->key);
		c->f[i].type = s->type;
		c->f[i].u64 = s->u64;
		if (s->type == DXGT_VAL_STR || s->type == DXGT_VAL_BYTES) {
			c->f[i].data = malloc(s->len + 1u);
			assert_non_null(c->f[i].data);
			if (s->len)
				memcpy(c->f[i].data, s->data, s->len);
			c->f[i].data[s->len] = '\0';
			c->f[i].len = s->len;
		}
	}
	return meta_rc;
}

static void got_clear(void)
{
	for (size_t i = 0; i < got.n; i++) {
		for (unsigned j = 0; j < got.v[i].n; j++) {
			free(got.v[i].f[j].key);
			free(got.v[i].f[j].data);
		}
		free(got.v[i].f);
	}
	free(got.v);
	memset(&got, 0, sizeof(got));
	unguarded = 0;
	meta_rc = 0;
}

static const struct field *field(const struct rec *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

static uint64_t u64_of(const struct rec *r, const char *key, uint8_t type)
{
	const struct field *f = field(r, key);
	assert_non_null(f);
	assert_int_equal(f->type, type);
	return f->u64;
}

static const char *str_of(const struct rec *r, const char *key)
{
	const struct field *f = field(r, key);
	assert_non_null(f);
	assert_int_equal(f->type, DXGT_VAL_STR);
	return (const char *)f->data;
}

static const struct rec *only(unsigned kind)
{
	const struct rec *found = NULL;
	for (size_t i = 0; i < got.n; i++) {
		if (got.v[i].kind != kind)
			continue;
		assert_null(found);
		found = &got.v[i];
	}
	assert_non_null(found);
	return found;
}

/* ---- the file on disk ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	uint8_t *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* The GNU build id of an ELF file from its SHT_NOTE sections (the way
 * readelf -n finds it, not the program headers the recorder uses). Returns
 * its length (at most cap), 0 when it has none. */
static size_t file_build_id(const char *path, uint8_t *id, size_t cap)
{
	size_t len, found = 0;
	uint8_t *b = slurp(path, &len);
	Elf64_Ehdr eh;
	assert_true(len >= sizeof(eh));
	memcpy(&eh, b, sizeof(eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_true(eh.e_shentsize >= sizeof(Elf64_Shdr));
	assert_true(eh.e_shoff <= len && eh.e_shnum <= (len - eh.e_shoff) / eh.e_shentsize);
	for (unsigned i = 0; i < eh.e_shnum && !found; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, b + eh.e_shoff + (size_t)i * eh.e_shentsize, sizeof(sh));
		if (sh.sh_type != SHT_NOTE)
			continue;
		assert_true(sh.sh_offset <= len && sh.sh_size <= len - sh.sh_offset);
		size_t align = sh.sh_addralign == 8 ? 8 : 4, off = 0;
		const uint8_t *p = b + sh.sh_offset;
		while (sh.sh_size - off >= sizeof(Elf64_Nhdr)) {
			/* gABI: each note, and its descriptor, start aligned
			 * from the note's start. */
			Elf64_Nhdr nh;
			memcpy(&nh, p + off, sizeof(nh));
			const uint8_t *name = p + off + sizeof(nh);
			size_t desc_at = (sizeof(nh) + nh.n_namesz + align - 1) & ~(align - 1);
			const uint8_t *desc = p + off + desc_at;
			size_t next = (desc_at + nh.n_descsz + align - 1) & ~(align - 1);
			assert_true(next <= sh.sh_size - off);
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				assert_true(nh.n_descsz <= cap);
				memcpy(id, desc, nh.n_descsz);
				found = nh.n_descsz;
				break;
			}
			off += next;
		}
	}
	free(b);
	return found;
}

/* The mmap record whose segment holds addr. */
static const struct rec *map_of(uintptr_t addr)
{
	const struct rec *found = NULL;
	for (size_t i = 0; i < got.n; i++) {
		const struct rec *r = &got.v[i];
		if (r->kind != DXGT_META_MMAP)
			continue;
		uint64_t start = u64_of(r, "start", DXGT_VAL_U64),
			 end = u64_of(r, "end", DXGT_VAL_U64);
		if (addr >= start && addr < end) {
			assert_null(found); /* segments do not overlap */
			found = r;
		}
	}
	assert_non_null(found);
	return found;
}

/* A symboliser's use of the record: the code at addr in memory is the
 * file's bytes at addr - start + offset. */
static void code_matches_file(const struct rec *m, uintptr_t addr)
{
	uint64_t start = u64_of(m, "start", DXGT_VAL_U64), end = u64_of(m, "end", DXGT_VAL_U64);
	uint64_t off = u64_of(m, "offset", DXGT_VAL_U64);
	uint8_t disk[32];
	size_t n = end - addr < sizeof(disk) ? (size_t)(end - addr) : sizeof(disk);
	int fd = open(str_of(m, "path"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, disk, n, (off_t)(addr - start + off)), (ssize_t)n);
	close(fd);
	assert_memory_equal(disk, (const void *)addr, n);
}

/* The record's build id is the file's. */
static void build_id_matches_file(const struct rec *m, const char *path)
{
	uint8_t id[64];
	size_t n = file_build_id(path, id, sizeof(id));
	const struct field *f = field(m, "build_id");
	if (!n) {
		assert_null(f);
		return;
	}
	assert_non_null(f);
	assert_int_equal(f->type, DXGT_VAL_BYTES);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->data, id, n);
}

static size_t self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* ---- tests ---- */

static void process_record_names_this_process(void **state)
{
	(void)state;
	char exe[PATH_MAX], cwd[PATH_MAX];
	self_exe(exe, sizeof(exe));
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	dxgt__meta_start();
	assert_true(got.n >= 3);
	assert_int_equal(got.v[0].kind, DXGT_META_PROCESS);
	assert_int_equal(got.v[1].kind, DXGT_META_HOST);
	const struct rec *p = only(DXGT_META_PROCESS);
	assert_int_equal(u64_of(p, "pid", DXGT_VAL_U64), (uint64_t)getpid());
	assert_int_equal(u64_of(p, "ppid", DXGT_VAL_U64), (uint64_t)getppid());
	assert_int_equal(u64_of(p, "uid", DXGT_VAL_U64), (uint64_t)getuid());
	assert_string_equal(str_of(p, "exe"), exe);
	assert_string_equal(str_of(p, "cwd"), cwd);

	/* cmdline: the arguments joined with NUL, no terminator after the last */
	const struct field *c = field(p, "cmdline");
	assert_non_null(c);
	assert_int_equal(c->type, DXGT_VAL_STR);
	size_t want = 0;
	for (int i = 0; i < g_argc; i++)
		want += strlen(g_argv[i]) + (i ? 1 : 0);
	assert_int_equal(c->len, want);
	const char *q = (const char *)c->data;
	for (int i = 0; i < g_argc; i++) {
		assert_string_equal(q, g_argv[i]);
		q += strlen(g_argv[i]) + 1;
	}

	/* start_unix_ns: when this process started, so no later than main
	 * (one clock tick of rounding down aside) and not long before. */
	int64_t start = (int64_t)u64_of(p, "start_unix_ns", DXGT_VAL_I64);
	assert_true(start <= g_main_ns + 1000000000);
	assert_true(start > g_main_ns - 600 * (int64_t)1000000000);
}

static void host_record_names_this_machine(void **state)
{
	(void)state;
	struct utsname u;
	assert_int_equal(uname(&u), 0);

	dxgt__meta_start();
	const struct rec *h = only(DXGT_META_HOST);
	assert_string_equal(str_of(h, "os"), "linux");
	const char *kernel = str_of(h, "kernel");
	assert_memory_equal(kernel, u.release, strlen(u.release));
	assert_non_null(strstr(kernel, u.version));
	assert_string_equal(str_of(h, "hostname"), u.nodename);
	assert_true(u64_of(h, "wsl", DXGT_VAL_U64) <= 1);
	/* No libdxcore is loaded in this test (yet). */
	assert_null(field(h, "dxcore_path"));
	assert_null(field(h, "dxcore_build_id"));
	got_clear();

	/* WSL's init sets WSL_DISTRO_NAME: that alone says WSL. */
	const char *old = getenv("WSL_DISTRO_NAME");
	char *keep = old ? strdup(old) : NULL;
	assert_int_equal(setenv("WSL_DISTRO_NAME", "Ubuntu", 1), 0);
	dxgt__meta_start();
	assert_int_equal(u64_of(only(DXGT_META_HOST), "wsl", DXGT_VAL_U64), 1);
	if (keep)
		setenv("WSL_DISTRO_NAME", keep, 1);
	else
		unsetenv("WSL_DISTRO_NAME");
	free(keep);
}

static void maps_place_the_program_libc_and_vdso(void **state)
{
	(void)state;
	char exe[PATH_MAX];
	self_exe(exe, sizeof(exe));

	dxgt__meta_maps();
	assert_true(got.n >= 3);
	for (size_t i = 0; i < got.n; i++) {
		const struct rec *r = &got.v[i];
		assert_int_equal(r->kind, DXGT_META_MMAP);
		assert_true(u64_of(r, "start", DXGT_VAL_U64) < u64_of(r, "end", DXGT_VAL_U64));
		u64_of(r, "offset", DXGT_VAL_U64);
		for (unsigned j = 0; j < r->n; j++) {
			const char *k = r->f[j].key;
			assert_true(strcmp(k, "start") == 0 || strcmp(k, "end") == 0 ||
				    strcmp(k, "offset") == 0 || strcmp(k, "path") == 0 ||
				    strcmp(k, "build_id") == 0);
		}
	}

	/* The test program: named by /proc/self/exe, its code where it says. */
	uintptr_t here = (uintptr_t)&file_build_id;
	const struct rec *prog = map_of(here);
	assert_string_equal(str_of(prog, "path"), exe);
	code_matches_file(prog, here);
	build_id_matches_file(prog, exe);

	/* libc: the loader's path, a 20-byte build id equal to the file's. */
	void *fn = dlsym(RTLD_DEFAULT, "getpid");
	Dl_info di;
	assert_non_null(fn);
	assert_int_not_equal(dladdr(fn, &di), 0);
	const struct rec *libc = map_of((uintptr_t)fn);
	const char *path = str_of(libc, "path");
	assert_string_equal(path, di.dli_fname);
	const char *base = strrchr(path, '/');
	assert_int_equal(strncmp(base ? base + 1 : path, "libc.so", 7), 0);
	const struct field *id = field(libc, "build_id");
	assert_non_null(id);
	assert_int_equal(id->len, 20);
	static const uint8_t zero[20];
	assert_memory_not_equal(id->data, zero, 20);
	build_id_matches_file(libc, path);
	code_matches_file(libc, (uintptr_t)fn);

	/* The vDSO, when the kernel maps one, is named as /proc/self/maps
	 * names it and lies within its image. */
	uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (vdso) {
		size_t n = 0;
		for (size_t i = 0; i < got.n; i++) {
			const struct field *f = field(&got.v[i], "path");
			if (f && strcmp((const char *)f->data, "[vdso]") == 0) {
				assert_true(u64_of(&got.v[i], "start", DXGT_VAL_U64) >= vdso);
				n++;
			}
		}
		assert_true(n >= 1);
	}
}

static void dxcore_is_found_only_while_loaded(void **state)
{
	(void)state;
	char path[PATH_MAX] = "untouched";
	uint8_t id[20], disk[64];
	size_t id_len = 99;

	errno = EILSEQ;
	assert_int_equal(dxgt__meta_dxcore(path, sizeof(path), id, &id_len), -1);
	assert_int_equal(errno, EILSEQ);

	void *h = dlopen(DXCORE_STUB, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(dxgt__meta_dxcore(path, sizeof(path), id, &id_len), 0);
	assert_int_equal(errno, EILSEQ);
	assert_string_equal(path, DXCORE_STUB);
	size_t n = file_build_id(DXCORE_STUB, disk, sizeof(disk));
	assert_int_equal(n, 20); /* linked with --build-id=sha1 */
	assert_int_equal(id_len, n);
	assert_memory_equal(id, disk, n);

	/* A path that does not fit is no answer. */
	assert_int_equal(dxgt__meta_dxcore(path, 4, id, &id_len), -1);

	/* The host record carries it. */
	dxgt__meta_start();
	const struct rec *host = only(DXGT_META_HOST);
	assert_string_equal(str_of(host, "dxcore_path"), DXCORE_STUB);
	const struct field *f = field(host, "dxcore_build_id");
	assert_non_null(f);
	assert_int_equal(f->type, DXGT_VAL_BYTES);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->data, disk, n);

	assert_int_equal(dlclose(h), 0);
	assert_int_equal(dxgt__meta_dxcore(path, sizeof(path), id, &id_len), -1);
}

static void guard_set_and_errno_kept(void **state)
{
	(void)state;
	busy = false;
	errno = ENOTRECOVERABLE;
	dxgt__meta_start();
	assert_int_equal(errno, ENOTRECOVERABLE);
	assert_true(got.n >= 3);
	assert_int_equal(unguarded, 0);
	assert_false(busy);
	got_clear();

	/* A caller that holds the guard keeps it. */
	busy = true;
	errno = EOWNERDEAD;
	dxgt__meta_maps();
	assert_int_equal(errno, EOWNERDEAD);
	assert_true(busy);
	busy = false;
}

static void stops_when_not_recording(void **state)
{
	(void)state;
	meta_rc = -1;
	dxgt__meta_maps();
	assert_int_equal(got.n, 1);
}

static int reset(void **state)
{
	(void)state;
	got_clear();
	dxgt__meta_forget_maps();
	busy = false;
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	g_main_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	g_argc = argc;
	g_argv = argv;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(process_record_names_this_process, reset),
	    cmocka_unit_test_teardown(host_record_names_this_machine, reset),
	    cmocka_unit_test_teardown(maps_place_the_program_libc_and_vdso, reset),
	    cmocka_unit_test_teardown(dxcore_is_found_only_while_loaded, reset),
	    cmocka_unit_test_teardown(guard_set_and_errno_kept, reset),
	    cmocka_unit_test_teardown(stops_when_not_recording, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
