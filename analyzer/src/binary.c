// SPDX-License-Identifier: MIT
/*
 * The binary reader's object: reading a file into memory, choosing the
 * parser by the magic, the tables the parsers fill (sections, loadable
 * segments, functions, import slots) and the lookups over them.
 *
 * Invariants after a successful open: every section's data lies inside the
 * image; functions are sorted by start with one entry per start; imports
 * are sorted by slot. Nothing here reads the image outside a range checked
 * with dxgt__bin_range(); nothing prints. The image of a file is owned,
 * a memory image borrowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary_internal.h"
#include "dxgt/error.h"

#define BIN_MAX_FILE (2ull << 30)

int dxgt__bin_fail(struct dxgt_binary *b, int err, const char *fmt, ...)
{
	if (b->why && b->why_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->why, b->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static void set_why(char *why, size_t why_len, const char *text)
{
	if (why && why_len)
		snprintf(why, why_len, "%s", text);
}

void dxgt__name_copy(char *buf, size_t len, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (!len)
		return;
	for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
		if (*p >= 0x21 && *p <= 0x7e) {
			if (o + 1 >= len)
				break;
			buf[o++] = (char)*p;
		} else {
			if (o + 4 >= len)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	buf[o] = '\0';
}

int dxgt__bin_sections(struct dxgt_binary *b, size_t n)
{
	b->secs = calloc(n ? n : 1, sizeof(*b->secs));
	if (!b->secs)
		return DXGT_E_NOMEM;
	b->n_secs = n;
	for (size_t i = 0; i < n; i++)
		b->secs[i].pub.name = b->secs[i].name;
	return 0;
}

/* Make room for one more element in a growing array. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 64;
	if (ncap > SIZE_MAX / size)
		return DXGT_E_NOMEM;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return DXGT_E_NOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int dxgt__bin_add_seg(struct dxgt_binary *b, uint64_t va, uint64_t memsz, uint64_t offset,
		      uint64_t filesz, bool exec)
{
	if (grow((void **)&b->segs, &b->cap_segs, b->n_segs, sizeof(*b->segs)) < 0)
		return DXGT_E_NOMEM;
	b->segs[b->n_segs++] = (struct bin_seg){va, memsz, offset, filesz, exec};
	return 0;
}

int dxgt__bin_add_func(struct dxgt_binary *b, uint64_t start, uint64_t size, const char *name,
		       enum bin_rank rank)
{
	if (grow((void **)&b->funcs, &b->cap_funcs, b->n_funcs, sizeof(*b->funcs)) < 0)
		return DXGT_E_NOMEM;
	b->funcs[b->n_funcs++] = (struct bin_func){start, size, name, (uint8_t)rank};
	return 0;
}

int dxgt__bin_add_import(struct dxgt_binary *b, uint64_t slot, const char *name)
{
	if (grow((void **)&b->imps, &b->cap_imps, b->n_imps, sizeof(*b->imps)) < 0)
		return DXGT_E_NOMEM;
	b->imps[b->n_imps++] = (struct bin_import){slot, name};
	return 0;
}

int dxgt__bin_add_object(struct dxgt_binary *b, uint64_t start, uint64_t size, const char *name,
			 enum bin_rank rank)
{
	if (grow((void **)&b->objs, &b->cap_objs, b->n_objs, sizeof(*b->objs)) < 0)
		return DXGT_E_NOMEM;
	b->objs[b->n_objs++] = (struct bin_func){start, size, name, (uint8_t)rank};
	return 0;
}

int dxgt__bin_add_rel(struct dxgt_binary *b, uint64_t slot, uint64_t value)
{
	if (grow((void **)&b->rels, &b->cap_rels, b->n_rels, sizeof(*b->rels)) < 0)
		return DXGT_E_NOMEM;
	b->rels[b->n_rels++] = (struct bin_rel){slot, value};
	return 0;
}

char *dxgt__bin_strdup(struct dxgt_binary *b, const char *s, size_t n)
{
	if (grow((void **)&b->strs, &b->cap_strs, b->n_strs, sizeof(*b->strs)) < 0)
		return NULL;
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	b->strs[b->n_strs++] = c;
	return c;
}

const char *dxgt__bin_cstr(const struct dxgt_binary *b, uint64_t off, uint64_t end)
{
	if (end > b->len)
		end = b->len;
	if (off >= end)
		return NULL;
	const char *s = (const char *)b->data + off;
	return memchr(s, '\0', end - off) ? s : NULL;
}

static int cmp_func(const void *a, const void *b)
{
	const struct bin_func *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Best first: a name, then the higher rank, then a size. */
	if (!x->name != !y->name)
		return x->name ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->name && y->name)
		return strcmp(x->name, y->name);
	return 0;
}

static int cmp_import(const void *a, const void *b)
{
	const struct bin_import *x = a, *y = b;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Sort by start and keep one entry per start: the best name, and the size
 * any entry knows (a PE export and its .pdata range become one range). */
static void sort_merge(struct bin_func *v, size_t *n)
{
	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), cmp_func);
	size_t o = 0;
	for (size_t i = 0; i < *n; i++) {
		if (o && v[o - 1].start == v[i].start) {
			if (!v[o - 1].size)
				v[o - 1].size = v[i].size;
			continue;
		}
		v[o++] = v[i];
	}
	*n = o;
}

int dxgt__bin_finish(struct dxgt_binary *b)
{
	sort_merge(b->funcs, &b->n_funcs);
	sort_merge(b->objs, &b->n_objs);
	if (b->n_imps)
		qsort(b->imps, b->n_imps, sizeof(*b->imps), cmp_import);
	return 0;
}

static int parse(struct dxgt_binary *b)
{
	if (b->len == 0)
		return dxgt__bin_fail(b, DXGT_E_EMPTY, "the file is empty");
	if (b->len >= 4 && memcmp(b->data, "\177ELF", 4) == 0)
		return dxgt__elf_parse(b);
	if (b->len >= 2 && memcmp(b->data, "MZ", 2) == 0)
		return dxgt__pe_parse(b);
	char head[3 * 8 + 1] = "";
	for (size_t i = 0; i < b->len && i < 8; i++)
		snprintf(head + 3 * i, sizeof(head) - 3 * i, "%s%02x", i ? " " : "", b->data[i]);
	return dxgt__bin_fail(b, DXGT_E_MAGIC, "not an ELF or PE file (it starts with %s)", head);
}

static int open_common(struct dxgt_binary **out, struct dxgt_binary *b, char *why, size_t why_len)
{
	b->why = why;
	b->why_len = why_len;
	int rc = parse(b);
	if (rc == 0)
		rc = dxgt__bin_finish(b);
	if (rc == DXGT_E_NOMEM)
		set_why(why, why_len, "out of memory");
	b->why = NULL;
	b->why_len = 0;
	if (rc < 0) {
		dxgt_binary_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

int dxgt_binary_open_mem(struct dxgt_binary **out, const void *data, size_t len, char *why,
			 size_t why_len)
{
	if (!out || (!data && len))
		return DXGT_E_INVAL;
	*out = NULL;
	set_why(why, why_len, "");
	if (len > BIN_MAX_FILE) {
		set_why(why, why_len, "larger than 2 GiB");
		return DXGT_E_TOOBIG;
	}
	struct dxgt_binary *b = calloc(1, sizeof(*b));
	if (!b) {
		set_why(why, why_len, "out of memory");
		return DXGT_E_NOMEM;
	}
	b->data = data;
	b->len = len;
	return open_common(out, b, why, why_len);
}

/* Read a regular file whole. */
static int read_file(const char *path, uint8_t **data, size_t *len, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		set_why(why, why_len, e == ENOENT ? "no such file" : strerror(e));
		return e == ENOENT ? DXGT_E_NOTFOUND : DXGT_E_IO;
	}
	struct stat sb;
	int rc = 0;
	uint8_t *buf = NULL;
	if (fstat(fd, &sb) < 0) {
		set_why(why, why_len, strerror(errno));
		rc = DXGT_E_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_why(why, why_len,
			S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
		rc = DXGT_E_IO;
		goto out;
	}
	if ((uint64_t)sb.st_size > BIN_MAX_FILE) {
		set_why(why, why_len, "larger than 2 GiB");
		rc = DXGT_E_TOOBIG;
		goto out;
	}
	size_t size = (size_t)sb.st_size, got = 0;
	buf = malloc(size ? size : 1);
	if (!buf) {
		set_why(why, why_len, "out of memory");
		rc = DXGT_E_NOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t k = read(fd, buf + got, size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			set_why(why, why_len, strerror(errno));
			rc = DXGT_E_IO;
			goto out;
		}
		if (k == 0)
			break; /* shrank while reading: parse what is there */
		got += (size_t)k;
	}
	*data = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int dxgt_binary_open(struct dxgt_binary **out, const char *path, char *why, size_t why_len)
{
	if (!out || !path)
		return DXGT_E_INVAL;
	*out = NULL;
	set_why(why, why_len, "");
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = read_file(path, &data, &len, why, why_len);
	if (rc < 0)
		return rc;
	struct dxgt_binary *b = calloc(1, sizeof(*b));
	if (!b) {
		free(data);
		set_why(why, why_len, "out of memory");
		return DXGT_E_NOMEM;
	}
	b->owned = data;
	b->data = data;
	b->len = len;
	return open_common(out, b, why, why_len);
}

void dxgt_binary_close(struct dxgt_binary *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_strs; i++)
		free(b->strs[i]);
	free(b->strs);
	free(b->secs);
	free(b->segs);
	free(b->funcs);
	free(b->imps);
	free(b->objs);
	free(b->rels);
	free(b->owned);
	free(b);
}

void dxgt_binary_info(const struct dxgt_binary *b, struct dxgt_binary_info *out)
{
	*out = (struct dxgt_binary_info){
	    .format = b->format,
	    .kind = b->kind,
	    .image_base = b->image_base,
	    .n_sections = b->n_secs,
	    .n_functions = b->n_funcs,
	    .n_imports = b->n_imps,
	    .n_symbols = b->n_symbols,
	    .has_symtab = b->has_symtab,
	    .build_id = b->build_id,
	    .build_id_len = b->build_id_len,
	};
}

int dxgt_binary_section(const struct dxgt_binary *b, size_t i, struct dxgt_binary_section *out)
{
	if (i >= b->n_secs)
		return DXGT_E_INVAL;
	*out = b->secs[i].pub;
	return 0;
}

/* Entries looked back at for a sized function that holds an address past
 * the nearest one's end (nested or overlapping ranges are rare). */
#define BIN_LOOKBACK 64

static int lookup(const struct dxgt_binary *b, const struct bin_func *v, size_t nv, uint64_t va,
		  char *buf, size_t len, uint64_t *start)
{
	if (len)
		buf[0] = '\0';
	/* The last entry starting at or before va. */
	size_t lo = 0, hi = nv;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].start <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return DXGT_E_NOTFOUND;
	const struct bin_func *f = NULL;
	const struct bin_func *near = &v[lo - 1];
	if (!near->size || va - near->start < near->size) {
		f = near;
	} else {
		for (size_t k = lo - 1, n = 0; k-- > 0 && n < BIN_LOOKBACK; n++) {
			const struct bin_func *g = &v[k];
			if (g->size && va - g->start < g->size) {
				f = g;
				break;
			}
		}
	}
	if (!f)
		return DXGT_E_NOTFOUND;
	if (f->name) {
		dxgt__name_copy(buf, len, f->name);
	} else if (len) {
		uint64_t rva = f->start - b->image_base;
		snprintf(buf, len, "sub_%" PRIx64, rva);
	}
	if (start)
		*start = f->start;
	return 0;
}

int dxgt_binary_function(const struct dxgt_binary *b, uint64_t va, char *buf, size_t len,
			 uint64_t *start)
{
	return lookup(b, b->funcs, b->n_funcs, va, buf, len, start);
}

int dxgt_binary_object(const struct dxgt_binary *b, uint64_t va, char *buf, size_t len,
		       uint64_t *start)
{
	return lookup(b, b->objs, b->n_objs, va, buf, len, start);
}

int dxgt_binary_bytes(const struct dxgt_binary *b, uint64_t va, uint64_t n, const uint8_t **p)
{
	for (size_t i = 0; i < b->n_secs; i++) {
		const struct dxgt_binary_section *s = &b->secs[i].pub;
		if (!s->data || !s->alloc)
			continue;
		if (va >= s->va && va - s->va <= s->data_len && n <= s->data_len - (va - s->va)) {
			*p = s->data + (va - s->va);
			return 0;
		}
	}
	return DXGT_E_NOTFOUND;
}

int dxgt_binary_va_to_offset(const struct dxgt_binary *b, uint64_t va, uint64_t *offset)
{
	for (size_t i = 0; i < b->n_segs; i++) {
		const struct bin_seg *s = &b->segs[i];
		if (va >= s->va && va - s->va < s->filesz) {
			*offset = s->offset + (va - s->va);
			return 0;
		}
	}
	return DXGT_E_NOTFOUND;
}

int dxgt_binary_offset_to_va(const struct dxgt_binary *b, uint64_t offset, uint64_t *va)
{
	for (size_t i = 0; i < b->n_segs; i++) {
		const struct bin_seg *s = &b->segs[i];
		if (offset >= s->offset && offset - s->offset < s->filesz &&
		    offset - s->offset < s->memsz) {
			*va = s->va + (offset - s->offset);
			return 0;
		}
	}
	return DXGT_E_NOTFOUND;
}

int dxgt_binary_segment_va(const struct dxgt_binary *b, uint64_t seg_offset, uint64_t seg_size,
			   uint64_t delta, uint64_t *va)
{
	if (delta >= seg_size)
		return DXGT_E_NOTFOUND;
	const struct bin_seg *by_size = NULL;
	for (size_t i = 0; i < b->n_segs; i++) {
		const struct bin_seg *s = &b->segs[i];
		if (!s->exec || s->memsz != seg_size)
			continue;
		if (s->offset == seg_offset) {
			*va = s->va + delta;
			return 0;
		}
		if (!by_size)
			by_size = s;
	}
	if (!by_size)
		return DXGT_E_NOTFOUND;
	*va = by_size->va + delta;
	return 0;
}

const char *dxgt_binary_import(const struct dxgt_binary *b, uint64_t va)
{
	size_t lo = 0, hi = b->n_imps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->imps[mid].slot < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n_imps && b->imps[lo].slot == va ? b->imps[lo].name : NULL;
}

const char *dxgt__bin_plt_import(const struct dxgt_binary *b, uint64_t va)
{
	if (!b->n_imps)
		return NULL;
	const uint8_t *p;
	/* endbr64 (4) + bnd (1) + jmp [rip + disp32] (6) at most. */
	uint64_t n = 11;
	while (n >= 6 && dxgt_binary_bytes(b, va, n, &p) < 0)
		n--;
	if (n < 6)
		return NULL;
	uint64_t i = 0;
	if (n - i >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
		i += 4;
	if (n - i >= 1 && p[i] == 0xf2)
		i++;
	if (n - i < 6 || p[i] != 0xff || p[i + 1] != 0x25)
		return NULL;
	int32_t disp = (int32_t)(uint32_t)(p[i + 2] | p[i + 3] << 8 | p[i + 4] << 16 |
					   (uint32_t)p[i + 5] << 24);
	uint64_t slot = va + i + 6 + (uint64_t)(int64_t)disp;
	return dxgt_binary_import(b, slot);
}
