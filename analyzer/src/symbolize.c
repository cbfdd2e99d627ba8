// SPDX-License-Identifier: MIT
/*
 * The symbolizer of dxgt/symbolize.h: recorded memory maps, objects found
 * on this machine by GNU build id, and return addresses turned into
 * module+offset, function+offset and the call instruction.
 *
 * Each object is resolved once, at its first frame, and its local files
 * stay open (parsed in memory) until the symbolizer is freed. Search
 * directories are indexed by build id once, the first time an object is
 * not found elsewhere. Only regular files are opened (dxgt_binary_open
 * refuses the rest without reading), so a recorded path naming a FIFO or a
 * device cannot stall or disturb anything. Recorded addresses are only
 * compared and subtracted, never followed.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary_internal.h"
#include "dxgt/error.h"
#include "dxgt/symbolize.h"

#define SYM_ID_MAX 64 /* build id bytes kept, as the recorder does */
#define SYM_INDEX_MAX 100000

struct module {
	char *path; /* as recorded, for opening; owned */
	char *disp; /* printable path; owned */
	char *name; /* printable file name; owned */
	uint8_t id[SYM_ID_MAX];
	size_t id_len;
	bool resolved;
	struct dxgt_binary *bin; /* the first local file that matches; owned */
	struct dxgt_binary *dbg; /* a later one with .symtab when bin has none; owned */
	char *bin_path, *dbg_path;
	uint64_t frames;
};

struct map {
	uint64_t start, end, offset;
	size_t module;
};

struct indexed {
	char *path;
	uint8_t id[SYM_ID_MAX];
	size_t id_len;
};

struct dxgt_symbolizer {
	struct map *maps;
	size_t n_maps, cap_maps;
	struct module *mods;
	size_t n_mods, cap_mods;
	char *debug_root;
	char **dirs;
	size_t n_dirs;
	struct indexed *index;
	size_t n_index, cap_index;
	bool indexed;
	struct dxgt__disasm d;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 16;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return DXGT_E_NOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int dxgt_symbolizer_new(struct dxgt_symbolizer **out)
{
	*out = NULL;
	struct dxgt_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return DXGT_E_NOMEM;
	int rc = dxgt__disasm_open(&s->d);
	if (rc == 0 && !(s->debug_root = strdup("/usr/lib/debug")))
		rc = DXGT_E_NOMEM;
	if (rc < 0) {
		dxgt_symbolizer_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void dxgt_symbolizer_free(struct dxgt_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_mods; i++) {
		struct module *m = &s->mods[i];
		free(m->path);
		free(m->disp);
		free(m->name);
		free(m->bin_path);
		free(m->dbg_path);
		dxgt_binary_close(m->bin);
		dxgt_binary_close(m->dbg);
	}
	for (size_t i = 0; i < s->n_index; i++)
		free(s->index[i].path);
	for (size_t i = 0; i < s->n_dirs; i++)
		free(s->dirs[i]);
	free(s->index);
	free(s->dirs);
	free(s->mods);
	free(s->maps);
	free(s->debug_root);
	dxgt__disasm_close(&s->d);
	free(s);
}

int dxgt_symbolizer_set_debug_root(struct dxgt_symbolizer *s, const char *dir)
{
	char *c = NULL;
	if (dir && *dir && !(c = strdup(dir)))
		return DXGT_E_NOMEM;
	free(s->debug_root);
	s->debug_root = c;
	return 0;
}

int dxgt_symbolizer_add_dir(struct dxgt_symbolizer *s, const char *dir)
{
	if (!dir || !*dir)
		return DXGT_E_INVAL;
	char **v = realloc(s->dirs, (s->n_dirs + 1) * sizeof(*v));
	if (!v)
		return DXGT_E_NOMEM;
	s->dirs = v;
	if (!(s->dirs[s->n_dirs] = strdup(dir)))
		return DXGT_E_NOMEM;
	s->n_dirs++;
	return 0;
}

static char *printable(const char *raw)
{
	size_t n = 4 * strlen(raw) + 1;
	char *p = malloc(n);
	if (p)
		dxgt__name_copy(p, n, raw);
	return p;
}

/* The module for (path, id), added when new. */
static int module_for(struct dxgt_symbolizer *s, const char *path, size_t path_len,
		      const uint8_t *id, size_t id_len, size_t *out)
{
	if (id_len > SYM_ID_MAX)
		id_len = SYM_ID_MAX;
	for (size_t i = 0; i < s->n_mods; i++) {
		const struct module *m = &s->mods[i];
		if (m->id_len == id_len && memcmp(m->id, id, id_len) == 0 &&
		    strlen(m->path) == path_len && memcmp(m->path, path, path_len) == 0) {
			*out = i;
			return 0;
		}
	}
	if (grow((void **)&s->mods, &s->cap_mods, s->n_mods, sizeof(*s->mods)) < 0)
		return DXGT_E_NOMEM;
	struct module *m = &s->mods[s->n_mods];
	memset(m, 0, sizeof(*m));
	if (!(m->path = strndup(path, path_len)))
		return DXGT_E_NOMEM;
	const char *slash = strrchr(m->path, '/');
	if (!(m->disp = printable(m->path)) ||
	    !(m->name = printable(slash ? slash + 1 : m->path))) {
		free(m->path);
		free(m->disp);
		return DXGT_E_NOMEM;
	}
	if (id_len)
		memcpy(m->id, id, id_len);
	m->id_len = id_len;
	*out = s->n_mods++;
	return 0;
}

int dxgt_symbolizer_add_map(struct dxgt_symbolizer *s, const struct dxgt_record *rec)
{
	if (rec->type != DXGT_REC_META || rec->meta_kind != DXGT_META_MMAP)
		return 0;
	uint64_t start = 0, end = 0, offset = 0;
	bool have_start = false, have_end = false;
	const char *path = "";
	size_t path_len = 0;
	const uint8_t *id = NULL;
	size_t id_len = 0;
	for (uint16_t i = 0; i < rec->n_fields; i++) {
		const struct dxgt_meta_field *f = &rec->fields[i];
		bool num = f->type == DXGT_VAL_U64 || f->type == DXGT_VAL_I64;
		bool text = f->type == DXGT_VAL_STR || f->type == DXGT_VAL_BYTES;
		if (num && strcmp(f->key, "start") == 0)
			start = f->u64, have_start = true;
		else if (num && strcmp(f->key, "end") == 0)
			end = f->u64, have_end = true;
		else if (num && strcmp(f->key, "offset") == 0)
			offset = f->u64;
		else if (text && strcmp(f->key, "path") == 0)
			path = (const char *)f->data, path_len = strnlen(path, f->len);
		else if (f->type == DXGT_VAL_BYTES && strcmp(f->key, "build_id") == 0)
			id = f->data, id_len = f->len;
	}
	if (!have_start || !have_end || end <= start)
		return DXGT_E_CORRUPT;
	size_t mod;
	int rc = module_for(s, path, path_len, id, id_len, &mod);
	if (rc < 0)
		return rc;
	if (grow((void **)&s->maps, &s->cap_maps, s->n_maps, sizeof(*s->maps)) < 0)
		return DXGT_E_NOMEM;
	s->maps[s->n_maps++] = (struct map){start, end, offset, mod};
	return 0;
}

/* ---- finding local files ---- */

static bool id_matches(const struct module *m, const struct dxgt_binary *b)
{
	struct dxgt_binary_info in;
	dxgt_binary_info(b, &in);
	return in.build_id_len == m->id_len && memcmp(in.build_id, m->id, m->id_len) == 0;
}

static bool resolved_enough(const struct module *m)
{
	return m->bin && (m->dbg || m->bin->has_symtab);
}

/* Open path and keep it when its build id matches. recorded: path is the
 * recorded one, the only candidate accepted when nothing has an id. */
static int try_file(struct module *m, const char *path, bool recorded)
{
	if (resolved_enough(m))
		return 0;
	if (!m->id_len && !recorded)
		return 0;
	struct dxgt_binary *b = NULL;
	int rc = dxgt_binary_open(&b, path, NULL, 0);
	if (rc == DXGT_E_NOMEM)
		return rc;
	if (rc < 0 || b->format != DXGT_BINARY_ELF || !id_matches(m, b)) {
		dxgt_binary_close(b);
		return 0;
	}
	char *copy = strdup(path);
	if (!copy) {
		dxgt_binary_close(b);
		return DXGT_E_NOMEM;
	}
	if (!m->bin) {
		m->bin = b, m->bin_path = copy;
	} else if (b->has_symtab) {
		m->dbg = b, m->dbg_path = copy;
	} else {
		dxgt_binary_close(b);
		free(copy);
	}
	return 0;
}

/* "ROOT/.build-id/xx/yyyy.debug" into buf. */
static void build_id_path(const char *root, const struct module *m, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s/.build-id/%02x/", root, m->id[0]);
	for (size_t i = 1; i < m->id_len && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", m->id[i]);
	if (o < len)
		snprintf(buf + o, len - o, ".debug");
}

/* Every regular ELF file with a build id in the search directories. */
static int index_dirs(struct dxgt_symbolizer *s)
{
	s->indexed = true;
	for (size_t i = 0; i < s->n_dirs; i++) {
		DIR *d = opendir(s->dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL && s->n_index < SYM_INDEX_MAX) {
			if (de->d_name[0] == '.')
				continue;
			size_t n = strlen(s->dirs[i]) + strlen(de->d_name) + 2;
			char *path = malloc(n);
			if (!path) {
				closedir(d);
				return DXGT_E_NOMEM;
			}
			snprintf(path, n, "%s/%s", s->dirs[i], de->d_name);
			struct dxgt_binary *b = NULL;
			struct dxgt_binary_info in;
			if (dxgt_binary_open(&b, path, NULL, 0) < 0 ||
			    (dxgt_binary_info(b, &in), !in.build_id_len) ||
			    grow((void **)&s->index, &s->cap_index, s->n_index, sizeof(*s->index)) <
				0) {
				dxgt_binary_close(b);
				free(path);
				continue;
			}
			struct indexed *x = &s->index[s->n_index++];
			x->path = path;
			x->id_len = in.build_id_len < SYM_ID_MAX ? in.build_id_len : SYM_ID_MAX;
			memcpy(x->id, in.build_id, x->id_len);
			dxgt_binary_close(b);
		}
		closedir(d);
	}
	return 0;
}

static int resolve(struct dxgt_symbolizer *s, struct module *m)
{
	char buf[4096];
	int rc = 0;
	m->resolved = true;
	if (m->path[0] && m->path[0] != '[' && (rc = try_file(m, m->path, true)) < 0)
		return rc;
	if (m->id_len >= 2 && s->debug_root) {
		build_id_path(s->debug_root, m, buf, sizeof(buf));
		if ((rc = try_file(m, buf, false)) < 0)
			return rc;
	}
	for (size_t i = 0; i < s->n_dirs && !resolved_enough(m); i++) {
		const char *slash = strrchr(m->path, '/');
		snprintf(buf, sizeof(buf), "%s/%s", s->dirs[i], slash ? slash + 1 : m->path);
		if (m->path[0] && (rc = try_file(m, buf, false)) < 0)
			return rc;
		if (m->id_len >= 2) {
			build_id_path(s->dirs[i], m, buf, sizeof(buf));
			if ((rc = try_file(m, buf, false)) < 0)
				return rc;
		}
	}
	if (resolved_enough(m) || !s->n_dirs || !m->id_len)
		return 0;
	if (!s->indexed && (rc = index_dirs(s)) < 0)
		return rc;
	for (size_t i = 0; i < s->n_index && !resolved_enough(m); i++) {
		const struct indexed *x = &s->index[i];
		if (x->id_len == m->id_len && memcmp(x->id, m->id, m->id_len) == 0 &&
		    (rc = try_file(m, x->path, false)) < 0)
			return rc;
	}
	return 0;
}

/* ---- lookups ---- */

int dxgt_symbolizer_lookup(struct dxgt_symbolizer *s, uint64_t addr, struct dxgt_frame *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	const struct map *mp = NULL;
	for (size_t i = 0; i < s->n_maps && !mp; i++)
		if (addr >= s->maps[i].start && addr < s->maps[i].end)
			mp = &s->maps[i];
	if (!mp)
		return 0;
	struct module *m = &s->mods[mp->module];
	out->mapped = true;
	out->module = m->name[0] ? m->name : NULL;
	out->path = m->disp[0] ? m->disp : NULL;
	out->offset = addr - mp->start + mp->offset;
	m->frames++;
	if (!m->resolved) {
		int rc = resolve(s, m);
		if (rc < 0)
			return rc;
	}
	if (!m->bin)
		return 0;
	/* Symbols from the file with .symtab; code from whichever has bytes. */
	struct dxgt_binary *files[2] = {m->bin, m->dbg};
	const char *paths[2] = {m->bin_path, m->dbg_path};
	if (m->dbg && !m->bin->has_symtab) {
		files[0] = m->dbg, files[1] = m->bin;
		paths[0] = m->dbg_path, paths[1] = m->bin_path;
	}
	uint64_t start = 0;
	for (int k = 0; k < 2 && files[k]; k++) {
		uint64_t va;
		if (dxgt_binary_segment_va(files[k], mp->offset, mp->end - mp->start,
					   addr - mp->start, &va) < 0)
			continue;
		if (!out->file)
			out->file = paths[k];
		/* A return address can sit just past its function's last byte
		 * (a call to a function that does not return): look up addr - 1. */
		if (!out->has_function && va > 0 &&
		    dxgt_binary_function(files[k], va - 1, out->function, sizeof(out->function),
					 &start) == 0) {
			out->has_function = true;
			out->function_offset = va - start;
			out->file = paths[k];
		}
	}
	for (int k = 0; k < 2 && files[k] && !out->has_insn; k++) {
		uint64_t va;
		if (dxgt_binary_segment_va(files[k], mp->offset, mp->end - mp->start,
					   addr - mp->start, &va) < 0)
			continue;
		int rc =
		    dxgt__call_before(&s->d, files[k], files[0], va, out->has_function ? start : 0,
				      out->insn, sizeof(out->insn));
		if (rc == DXGT_E_NOMEM)
			return rc;
		out->has_insn = rc == 0;
	}
	return 0;
}

const char *dxgt_frame_format(const struct dxgt_frame *f, unsigned index, char *buf, size_t len)
{
	size_t o;
	if (!len)
		return buf;
	if (!f->mapped) {
		snprintf(buf, len, "#%u 0x%" PRIx64, index, f->addr);
		return buf;
	}
	o = (size_t)snprintf(buf, len, "#%u %s+0x%" PRIx64, index, f->module ? f->module : "?",
			     f->offset);
	if (f->has_function && o < len)
		o += (size_t)snprintf(buf + o, len - o, " %s+0x%" PRIx64, f->function,
				      f->function_offset);
	if (f->has_insn && o < len)
		snprintf(buf + o, len - o, " (%s)", f->insn);
	return buf;
}

int dxgt_symbolizer_module(const struct dxgt_symbolizer *s, size_t i,
			   struct dxgt_symbolizer_module *out)
{
	if (i >= s->n_mods)
		return DXGT_E_INVAL;
	const struct module *m = &s->mods[i];
	*out = (struct dxgt_symbolizer_module){
	    .path = m->disp,
	    .build_id = m->id_len ? m->id : NULL,
	    .build_id_len = m->id_len,
	    .file = m->bin_path,
	    .has_symbols = m->bin && (m->bin->n_symbols || (m->dbg && m->dbg->n_symbols)),
	    .frames = m->frames,
	};
	return 0;
}
