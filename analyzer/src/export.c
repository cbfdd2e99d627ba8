// SPDX-License-Identifier: MIT
/*
 * Exporters (dxgt/export.h): a trace as an SQLite database, as JSON Lines
 * and as a Chrome trace-event timeline. All three walk the trace once
 * through the pairer, naming handles with the symbol table as dump does,
 * and take the decoded arguments from the JSON form of a call
 * (dxgt_call_print_json), so that every output agrees with dump --json.
 *
 * The SQLite schema is the SCHEMA_* text below; docs/export.md documents
 * it column by column and must change with it (DXGT_EXPORT_SCHEMA_VERSION
 * too). Rows are inserted in one transaction and the indexes built after,
 * which is several times faster than indexing while inserting.
 *
 * Never: follow a recorded pointer (addresses are numbers), print anything
 * but to the FILE it is given, or close what it was lent.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"
#include "dxgt/explain.h"
#include "dxgt/export.h"
#include "dxgt/status.h"

/* ---- walking a trace ---- */

struct walk {
	struct dxgt_reader *r;
	struct dxgt_pairer *p;
	struct dxgt_symtab *t;
	const struct dxgt_export_opts *o;
	struct dxgt_export_stats st;
	uint64_t meta_index;
};

/* Calls fn for every META record and every call, in the pairer's order;
 * the symbol table has observed a call before fn sees it. Stops at fn's
 * first negative return, which it returns. */
static int walk(struct walk *w, int (*fn)(struct walk *w, const struct dxgt_call *c, void *ctx),
		void *ctx)
{
	struct dxgt_call c;
	int rc;
	while ((rc = dxgt_pairer_next(w->p, &c)) > 0) {
		if (w->o && w->o->progress)
			w->o->progress(w->o->ctx, w->r);
		if (c.enter->type == DXGT_REC_META) {
			w->st.meta++;
			w->meta_index++;
		} else if (c.enter->type == DXGT_REC_ENTER) {
			w->st.calls++;
			if (dxgt_call_failed(&c))
				w->st.failed++;
			if (!c.leave)
				w->st.unfinished++;
			if ((rc = dxgt_symtab_observe(w->t, &c)) < 0)
				return rc;
		} else {
			continue; /* unknown record types: nothing to export */
		}
		if ((rc = fn(w, &c, ctx)) < 0)
			return rc;
	}
	return rc;
}

static int walk_open(struct walk *w, struct dxgt_reader *r, const struct dxgt_export_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->o = o;
	if (!r)
		return DXGT_E_INVAL;
	if (dxgt_pairer_new(&w->p, r, 0) < 0 || dxgt_symtab_new(&w->t) < 0)
		return DXGT_E_NOMEM;
	return 0;
}

static void walk_close(struct walk *w, struct dxgt_export_stats *stats)
{
	if (stats)
		*stats = w->st;
	dxgt_symtab_free(w->t);
	dxgt_pairer_free(w->p);
}

/* The JSON object of a call as dump --json prints it (new reference), or
 * NULL when out of memory. */
static json_t *call_json(const struct dxgt_call *c, const struct dxgt_symtab *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int rc = dxgt_call_print_json(f, c, t, 0);
	if (fclose(f) != 0 || rc < 0) {
		free(buf);
		return NULL;
	}
	json_t *o = json_loadb(buf, len, 0, NULL);
	free(buf);
	return o;
}

static const char *layer_text(const struct dxgt_record *e, char *buf, size_t len)
{
	const char *ln = dxgt_layer_name((enum dxgt_layer)e->layer);
	if (strcmp(ln, "?") != 0)
		return ln;
	snprintf(buf, len, "layer-%u", e->layer);
	return buf;
}

/* ---- JSON Lines ---- */

static int jsonl_one(struct walk *w, const struct dxgt_call *c, void *ctx)
{
	unsigned flags = (w->o && (w->o->flags & DXGT_EXPORT_BLOBS)) ? DXGT_FMT_BLOBS : 0;
	return dxgt_call_print_json(ctx, c, w->t, flags);
}

int dxgt_export_jsonl(FILE *f, struct dxgt_reader *r, const struct dxgt_export_opts *opts,
		      struct dxgt_export_stats *stats)
{
	struct walk w = {0};
	int rc = f ? walk_open(&w, r, opts) : DXGT_E_INVAL;
	if (rc == 0)
		rc = walk(&w, jsonl_one, f);
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = DXGT_E_IO;
	walk_close(&w, stats);
	return rc;
}

/* ---- Chrome trace events ---- */

struct timeline {
	FILE *f;
	bool first;
	int64_t pid;
	uint64_t last_ns; /* the latest time seen: where unfinished calls end */
};

/* Writes obj with "ts" (when ts_ns is not NULL) and "dur" (when dur_ns is
 * not NULL) in front, as microseconds with three decimals, which json_real
 * would round. */
static int emit(struct timeline *tl, json_t *obj, const uint64_t *ts_ns, const uint64_t *dur_ns)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		return DXGT_E_NOMEM;
	fputs(tl->first ? "{" : ",\n{", tl->f);
	if (ts_ns)
		fprintf(tl->f, "\"ts\":%" PRIu64 ".%03u,", *ts_ns / 1000,
			(unsigned)(*ts_ns % 1000));
	if (dur_ns)
		fprintf(tl->f, "\"dur\":%" PRIu64 ".%03u,", *dur_ns / 1000,
			(unsigned)(*dur_ns % 1000));
	fputs(s + 1, tl->f); /* json_dumps of an object never gives "{}" here */
	free(s);
	tl->first = false;
	return ferror(tl->f) ? DXGT_E_IO : 0;
}

static int timeline_meta(struct timeline *tl, const struct dxgt_record *m)
{
	if (m->meta_kind != DXGT_META_PROCESS)
		return 0;
	const char *exe = NULL;
	uint32_t exe_len = 0;
	bool have_pid = false;
	for (uint16_t i = 0; i < m->n_fields; i++) {
		const struct dxgt_meta_field *fl = &m->fields[i];
		if (strcmp(fl->key, "pid") == 0 && fl->type == DXGT_VAL_U64 && !have_pid) {
			tl->pid = (int64_t)fl->u64;
			have_pid = true;
		} else if (strcmp(fl->key, "exe") == 0 && fl->type == DXGT_VAL_STR) {
			exe = (const char *)fl->data;
			exe_len = fl->len;
		}
	}
	if (!have_pid)
		return 0;
	const char *base = exe;
	for (uint32_t i = 0; exe && i < exe_len; i++)
		if (exe[i] == '/')
			base = exe + i + 1;
	json_t *o =
	    json_pack("{s:s,s:s,s:I,s:I,s:{s:s#}}", "name", "process_name", "ph", "M", "pid",
		      (json_int_t)tl->pid, "tid", (json_int_t)tl->pid, "args", "name",
		      base ? base : "process", base ? (int)(exe_len - (uint32_t)(base - exe)) : 7);
	if (!o)
		return 0; /* a name that is not UTF-8: the track keeps its number */
	int rc = emit(tl, o, NULL, NULL);
	json_decref(o);
	return rc;
}

static int timeline_one(struct walk *w, const struct dxgt_call *c, void *ctx)
{
	struct timeline *tl = ctx;
	if (c->enter->type == DXGT_REC_META)
		return timeline_meta(tl, c->enter);
	const struct dxgt_record *e = c->enter, *l = c->leave;
	char name[64], res[96], lay[16], sum[512];
	bool failed = dxgt_call_failed(c);
	if (e->time_ns > tl->last_ns)
		tl->last_ns = e->time_ns;
	if (l && l->time_ns > tl->last_ns)
		tl->last_ns = l->time_ns;
	uint64_t end = l ? l->time_ns : tl->last_ns;
	uint64_t dur = end > e->time_ns ? end - e->time_ns : 0;
	const char *layer = layer_text(e, lay, sizeof(lay));
	char cat[48];
	snprintf(cat, sizeof(cat), "%s%s%s", layer, failed ? ",failed" : "",
		 l ? "" : ",unfinished");
	dxgt_call_display_name(c, name, sizeof(name));
	dxgt_call_result(c, res, sizeof(res));

	json_t *full = call_json(c, w->t);
	json_t *args = json_object();
	json_t *ev = json_object();
	int rc = DXGT_E_NOMEM;
	if (!full || !args || !ev)
		goto out;
	json_object_set_new(args, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(args, "layer", json_string(layer));
	json_object_set_new(args, "result", json_string(res));
	json_object_set_new(args, "failed", json_boolean(failed));
	if (e->parent_seq)
		json_object_set_new(args, "parent_seq", json_integer((json_int_t)e->parent_seq));
	json_object_set(args, "fields", json_object_get(full, "args"));
	if (failed) {
		struct dxgt_explain x;
		if (dxgt_explain_call(c, &x) == 0 && *dxgt_explain_summary(&x, sum, sizeof(sum)))
			json_object_set_new(args, "explain", json_string(sum));
	}
	json_object_set_new(ev, "name", json_string(name));
	json_object_set_new(ev, "cat", json_string(cat));
	json_object_set_new(ev, "ph", json_string("X"));
	json_object_set_new(ev, "pid", json_integer((json_int_t)tl->pid));
	json_object_set_new(ev, "tid", json_integer(e->tid));
	if (failed)
		json_object_set_new(ev, "cname", json_string("terrible"));
	json_object_set(ev, "args", args);
	if ((rc = emit(tl, ev, &e->time_ns, &dur)) < 0 || !failed)
		goto out;
	/* An instant on the thread where the failure returned: visible even
	 * when the slice is too thin to see at the zoom level. */
	json_decref(ev);
	snprintf(sum, sizeof(sum), "failed: %s", name);
	ev = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:{s:I,s:s}}", "name", sum, "cat", "failed", "ph",
		       "i", "s", "t", "pid", (json_int_t)tl->pid, "tid", (json_int_t)e->tid, "args",
		       "seq", (json_int_t)e->seq, "result", res);
	rc = ev ? emit(tl, ev, &end, NULL) : DXGT_E_NOMEM;
out:
	json_decref(ev);
	json_decref(args);
	json_decref(full);
	return rc;
}

int dxgt_export_perfetto(FILE *f, struct dxgt_reader *r, const struct dxgt_export_opts *opts,
			 struct dxgt_export_stats *stats)
{
	struct walk w = {0};
	struct timeline tl = {f, true, 0, 0};
	int rc = f ? walk_open(&w, r, opts) : DXGT_E_INVAL;
	if (rc == 0) {
		fputs("{\"traceEvents\":[\n", f);
		rc = walk(&w, timeline_one, &tl);
	}
	if (rc == 0) {
		json_t *other = json_pack("{s:s,s:s?}", "exporter", "dxgtrace", "source",
					  opts ? opts->source : NULL);
		char *s = other ? json_dumps(other, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		fprintf(f, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":%s}\n", s ? s : "{}");
		free(s);
		json_decref(other);
		if (fflush(f) != 0 || ferror(f))
			rc = DXGT_E_IO;
	}
	walk_close(&w, stats);
	return rc;
}

/* ---- SQLite ---- */

#define SCHEMA_TABLES                                                                              \
	"CREATE TABLE calls (\n"                                                                   \
	"  seq INTEGER NOT NULL,\n"                                                                \
	"  tid INTEGER NOT NULL,\n"                                                                \
	"  layer TEXT NOT NULL,\n"                                                                 \
	"  call_id INTEGER NOT NULL,\n"                                                            \
	"  name TEXT NOT NULL,\n"                                                                  \
	"  call_name TEXT,\n"                                                                      \
	"  parent_seq INTEGER NOT NULL,\n"                                                         \
	"  t_enter_ns INTEGER NOT NULL,\n"                                                         \
	"  t_leave_ns INTEGER,\n"                                                                  \
	"  duration_ns INTEGER,\n"                                                                 \
	"  returned INTEGER NOT NULL,\n"                                                           \
	"  ret INTEGER,\n"                                                                         \
	"  errno INTEGER,\n"                                                                       \
	"  errno_name TEXT,\n"                                                                     \
	"  status INTEGER,\n"                                                                      \
	"  status_name TEXT,\n"                                                                    \
	"  failed INTEGER NOT NULL,\n"                                                             \
	"  result TEXT NOT NULL,\n"                                                                \
	"  fd INTEGER,\n"                                                                          \
	"  code INTEGER,\n"                                                                        \
	"  args TEXT,\n"                                                                           \
	"  args_in BLOB,\n"                                                                        \
	"  args_out BLOB\n"                                                                        \
	");\n"                                                                                     \
	"CREATE TABLE buffers (\n"                                                                 \
	"  seq INTEGER NOT NULL,\n"                                                                \
	"  side TEXT NOT NULL,\n"                                                                  \
	"  level INTEGER NOT NULL,\n"                                                              \
	"  desc INTEGER NOT NULL,\n"                                                               \
	"  parent INTEGER,\n"                                                                      \
	"  elem INTEGER NOT NULL,\n"                                                               \
	"  name TEXT,\n"                                                                           \
	"  flags INTEGER NOT NULL,\n"                                                              \
	"  orig_len INTEGER NOT NULL,\n"                                                           \
	"  len INTEGER NOT NULL,\n"                                                                \
	"  addr INTEGER NOT NULL,\n"                                                               \
	"  data BLOB\n"                                                                            \
	");\n"                                                                                     \
	"CREATE TABLE handles (\n"                                                                 \
	"  seq INTEGER NOT NULL,\n"                                                                \
	"  field TEXT NOT NULL,\n"                                                                 \
	"  role TEXT NOT NULL,\n"                                                                  \
	"  kind TEXT NOT NULL,\n"                                                                  \
	"  value INTEGER NOT NULL,\n"                                                              \
	"  symbol TEXT NOT NULL\n"                                                                 \
	");\n"                                                                                     \
	"CREATE TABLE frames (\n"                                                                  \
	"  seq INTEGER NOT NULL,\n"                                                                \
	"  depth INTEGER NOT NULL,\n"                                                              \
	"  addr INTEGER NOT NULL\n"                                                                \
	");\n"                                                                                     \
	"CREATE TABLE metadata (\n"                                                                \
	"  rec INTEGER NOT NULL,\n"                                                                \
	"  kind TEXT NOT NULL,\n"                                                                  \
	"  key TEXT NOT NULL,\n"                                                                   \
	"  value\n"                                                                                \
	");\n"

#define SCHEMA_INDEXES                                                                             \
	"CREATE INDEX calls_seq ON calls(seq);\n"                                                  \
	"CREATE INDEX calls_name ON calls(name);\n"                                                \
	"CREATE INDEX calls_call_name ON calls(call_name, layer);\n"                               \
	"CREATE INDEX calls_failed ON calls(failed, seq);\n"                                       \
	"CREATE INDEX calls_parent ON calls(parent_seq);\n"                                        \
	"CREATE INDEX calls_thread ON calls(tid, t_enter_ns);\n"                                   \
	"CREATE INDEX buffers_seq ON buffers(seq, side);\n"                                        \
	"CREATE INDEX handles_seq ON handles(seq);\n"                                              \
	"CREATE INDEX handles_symbol ON handles(symbol);\n"                                        \
	"CREATE INDEX handles_value ON handles(value);\n"                                          \
	"CREATE INDEX frames_seq ON frames(seq, depth);\n"                                         \
	"CREATE INDEX metadata_kind ON metadata(kind, key);\n"                                     \
	"CREATE VIEW failures AS\n"                                                                \
	"  SELECT seq, tid, layer, name, result,\n"                                                \
	"         CASE WHEN status IS NULL THEN NULL\n"                                            \
	"              ELSE printf('0x%08X', status) END AS status,\n"                             \
	"         status_name, errno, errno_name, parent_seq\n"                                    \
	"  FROM calls WHERE failed ORDER BY seq;\n"                                                \
	"CREATE VIEW escapes AS\n"                                                                 \
	"  SELECT c.seq, c.tid, c.layer, c.name, c.failed, c.result, c.status, c.errno,\n"         \
	"         json_extract(c.args, '$.type') AS type,\n"                                       \
	"         json_extract(c.args, '$.flags') AS flags,\n"                                     \
	"         i.orig_len AS size, i.data AS payload, o.data AS reply\n"                        \
	"  FROM calls c\n"                                                                         \
	"  LEFT JOIN buffers i ON i.seq = c.seq AND i.side = 'in' AND i.level = 0\n"               \
	"                     AND i.name = 'priv_drv_data'\n"                                      \
	"  LEFT JOIN buffers o ON o.seq = c.seq AND o.side = 'out' AND o.level = 0\n"              \
	"                     AND o.name = 'priv_drv_data'\n"                                      \
	"  WHERE c.call_name = 'Escape'\n"                                                         \
	"  ORDER BY c.seq;\n"

const char *dxgt_export_sqlite_schema(void)
{
	return SCHEMA_TABLES SCHEMA_INDEXES;
}

enum { S_CALL, S_BUF, S_HANDLE, S_FRAME, S_META, S_COUNT };

static const char *const insert_sql[S_COUNT] = {
    "INSERT INTO calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO buffers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO handles VALUES (?,?,?,?,?,?)",
    "INSERT INTO frames VALUES (?,?,?)",
    "INSERT INTO metadata VALUES (?,?,?,?)",
};

struct db {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	const struct dxgt_export_opts *o;
};

/* Records SQLite's complaint for the caller and maps it to an error. */
static int db_fail(struct db *d)
{
	int code = sqlite3_errcode(d->db);
	if (d->o && d->o->errbuf && d->o->errlen)
		snprintf(d->o->errbuf, d->o->errlen, "%s", sqlite3_errmsg(d->db));
	return code == SQLITE_NOMEM ? DXGT_E_NOMEM : DXGT_E_IO;
}

static int db_exec(struct db *d, const char *sql)
{
	return sqlite3_exec(d->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(d);
}

/* Runs a bound statement and resets it for the next row. */
static int db_step(struct db *d, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : db_fail(d);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n)
{
	/* An empty BLOB rather than NULL for zero bytes: "recorded, empty". */
	sqlite3_bind_blob64(s, i, n ? p : "", n, SQLITE_TRANSIENT);
}

static int meta_rows(struct walk *w, struct db *d, const struct dxgt_record *m)
{
	sqlite3_stmt *s = d->st[S_META];
	char kb[24];
	const char *kind = dxgt_meta_kind_name(m->meta_kind);
	if (!kind) {
		snprintf(kb, sizeof(kb), "meta-%u", m->meta_kind);
		kind = kb;
	}
	for (uint16_t i = 0; i < m->n_fields; i++) {
		const struct dxgt_meta_field *f = &m->fields[i];
		sqlite3_bind_int64(s, 1, (sqlite3_int64)w->meta_index);
		bind_text(s, 2, kind);
		bind_text(s, 3, f->key);
		char num[24];
		switch (f->type) {
		case DXGT_VAL_U64:
			if (f->u64 > INT64_MAX) { /* beyond SQLite's integers: decimal text */
				snprintf(num, sizeof(num), "%" PRIu64, f->u64);
				bind_text(s, 4, num);
			} else {
				sqlite3_bind_int64(s, 4, (sqlite3_int64)f->u64);
			}
			break;
		case DXGT_VAL_I64:
			sqlite3_bind_int64(s, 4, (sqlite3_int64)f->u64);
			break;
		case DXGT_VAL_STR:
			/* Text that is not UTF-8 is kept as bytes. */
			if (dxgt_utf8_valid(f->data, f->len))
				sqlite3_bind_text64(s, 4, (const char *)f->data, f->len,
						    SQLITE_TRANSIENT, SQLITE_UTF8);
			else
				bind_blob(s, 4, f->data, f->len);
			break;
		default:
			bind_blob(s, 4, f->data, f->len);
			break;
		}
		int rc = db_step(d, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int handle_row(struct db *d, const struct dxgt_symtab *t, uint64_t seq, const char *field,
		      unsigned role, unsigned kind, uint32_t value)
{
	if (!value)
		return 0; /* no object */
	sqlite3_stmt *s = d->st[S_HANDLE];
	char nb[24];
	sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
	bind_text(s, 2, field);
	bind_text(s, 3, dxgt_role_name((enum dxgt_role)role));
	bind_text(s, 4, dxgt_obj_name((enum dxgt_obj)kind));
	sqlite3_bind_int64(s, 5, value);
	bind_text(s, 6, dxgt_symtab_name(t, (enum dxgt_obj)kind, value, nb, sizeof(nb)));
	return db_step(d, s);
}

static const struct dxgt_rec_buf *level0(const struct dxgt_record *r, unsigned desc)
{
	for (uint16_t i = 0; r && i < r->n_bufs; i++)
		if (r->bufs[i].level == 0 && r->bufs[i].desc == desc)
			return &r->bufs[i];
	return NULL;
}

static enum dxgt_layer args_layer(const struct dxgt_record *e)
{
	if (e->layer == DXGT_LAYER_IOCTL || e->layer == DXGT_LAYER_DXCORE)
		return (enum dxgt_layer)e->layer;
	return DXGT_LAYER_D3DKMT;
}

/* Every non-zero handle the descriptor list finds in the call: fields of
 * the argument struct, arrays of handles and handles inside the elements
 * of nested arrays. Handles a call creates are read from its leave side. */
static int handle_rows(struct db *d, const struct dxgt_symtab *t, const struct dxgt_call *c)
{
	const struct dxgt_call_desc *desc = c->desc;
	const struct dxgt_record *e = c->enter, *v = c->leave ? c->leave : c->enter;
	char field[160];
	int rc;
	if (!desc || dxgt_call_args_size(desc, args_layer(e)) != e->args_len)
		return 0;
	for (uint16_t i = 0; i < desc->n_handles; i++) {
		const struct dxgt_handle_desc *h = &desc->handles[i];
		bool out = h->role == DXGT_ROLE_OUT || h->role == DXGT_ROLE_INOUT;
		const struct dxgt_record *r = out && v->args_len == e->args_len ? v : e;
		uint32_t n = dxgt__handle_count(h, r->args, r->args_len);
		for (uint32_t j = 0; j < n; j++) {
			uint64_t hv = 0;
			if (dxgt_field_read(r->args, r->args_len, h->off + j * h->stride, 4, &hv) <
			    0)
				break;
			if (h->count_size)
				snprintf(field, sizeof(field), "%s[%" PRIu32 "]", h->name, j);
			else
				snprintf(field, sizeof(field), "%s", h->name);
			if ((rc = handle_row(d, t, e->seq, field, h->role, h->kind, (uint32_t)hv)) <
			    0)
				return rc;
		}
	}
	for (uint16_t i = 0; i < desc->n_bufs; i++) {
		const struct dxgt_buf_desc *bd = &desc->bufs[i];
		bool handles = bd->kind != DXGT_OBJ_NONE && bd->elem_size == 4;
		if (!handles && (!bd->elem || !bd->elem->n_handles || !bd->elem_size))
			continue;
		const struct dxgt_rec_buf *in = level0(e, i), *out = level0(c->leave, i);
		if (handles) {
			const struct dxgt_rec_buf *b = bd->role == DXGT_ROLE_OUT && out ? out
						       : in				? in
											: out;
			for (uint32_t off = 0; b && off + 4 <= b->len; off += 4) {
				snprintf(field, sizeof(field), "%s[%" PRIu32 "]", bd->name,
					 off / 4);
				if ((rc = handle_row(d, t, e->seq, field, bd->role, bd->kind,
						     (uint32_t)dxgt__le(b->data + off, 4))) < 0)
					return rc;
			}
			continue;
		}
		for (uint16_t j = 0; j < bd->elem->n_handles; j++) {
			const struct dxgt_handle_desc *h = &bd->elem->handles[j];
			bool o = h->role == DXGT_ROLE_OUT || h->role == DXGT_ROLE_INOUT;
			const struct dxgt_rec_buf *b = o && out ? out : in ? in : out;
			if (!b || h->off + 4 > bd->elem_size)
				continue;
			for (uint32_t el = 0; (uint64_t)(el + 1) * bd->elem_size <= b->len; el++) {
				snprintf(field, sizeof(field), "%s[%" PRIu32 "].%s", bd->name, el,
					 h->name);
				uint32_t hv = (uint32_t)dxgt__le(
				    b->data + (size_t)el * bd->elem_size + h->off, 4);
				if ((rc = handle_row(d, t, e->seq, field, h->role, h->kind, hv)) <
				    0)
					return rc;
			}
		}
	}
	return 0;
}

/* The buffers of one side; their names come from the call's JSON form. */
static int buffer_rows(struct db *d, const struct dxgt_record *r, const char *side, json_t *jside)
{
	json_t *jbufs = json_object_get(jside, "bufs");
	sqlite3_stmt *s = d->st[S_BUF];
	for (uint16_t i = 0; r && i < r->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &r->bufs[i];
		json_t *jname = json_object_get(json_array_get(jbufs, i), "name");
		sqlite3_bind_int64(s, 1, (sqlite3_int64)r->seq);
		bind_text(s, 2, side);
		sqlite3_bind_int(s, 3, b->level);
		sqlite3_bind_int(s, 4, b->desc);
		if (b->level == 1)
			sqlite3_bind_int(s, 5, b->parent);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_int64(s, 6, b->elem);
		bind_text(s, 7, json_is_string(jname) ? json_string_value(jname) : NULL);
		sqlite3_bind_int(s, 8, b->flags);
		sqlite3_bind_int64(s, 9, b->orig_len);
		sqlite3_bind_int64(s, 10, b->len);
		sqlite3_bind_int64(s, 11, (sqlite3_int64)b->addr);
		if (b->flags & DXGT_BUF_UNREADABLE)
			sqlite3_bind_null(s, 12);
		else
			bind_blob(s, 12, b->data, b->len);
		int rc = db_step(d, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int call_row(struct walk *w, struct db *d, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	sqlite3_stmt *s = d->st[S_CALL];
	char name[64], res[96], lay[16], stn[DXGT_NTSTATUS_NAME_MAX];
	int rc = DXGT_E_NOMEM;
	json_t *j = call_json(c, w->t);
	char *args = NULL;
	if (!j)
		return DXGT_E_NOMEM;
	args = json_dumps(json_object_get(j, "args"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!args)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)e->seq);
	sqlite3_bind_int64(s, 2, e->tid);
	bind_text(s, 3, layer_text(e, lay, sizeof(lay)));
	sqlite3_bind_int(s, 4, e->call_id);
	bind_text(s, 5, dxgt_call_display_name(c, name, sizeof(name)));
	bind_text(s, 6, c->desc ? c->desc->name : NULL);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)e->parent_seq);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)e->time_ns);
	if (l) {
		sqlite3_bind_int64(s, 9, (sqlite3_int64)l->time_ns);
		if (l->time_ns >= e->time_ns)
			sqlite3_bind_int64(s, 10, (sqlite3_int64)(l->time_ns - e->time_ns));
		sqlite3_bind_int64(s, 12, l->ret);
		sqlite3_bind_int(s, 13, l->err);
		bind_text(s, 14, l->err ? dxgt_errno_name(l->err) : NULL);
		if (l->flags & DXGT_LEAVE_STATUS) {
			sqlite3_bind_int64(s, 15, l->status);
			dxgt_ntstatus_format(l->status, stn, sizeof(stn));
			bind_text(s, 16, stn);
		}
	}
	sqlite3_bind_int(s, 11, l != NULL);
	sqlite3_bind_int(s, 17, dxgt_call_failed(c));
	bind_text(s, 18, dxgt_call_result(c, res, sizeof(res)));
	if (e->layer == DXGT_LAYER_IOCTL)
		sqlite3_bind_int64(s, 19, e->fd);
	if (e->layer == DXGT_LAYER_IOCTL || e->layer == DXGT_LAYER_DXCORE)
		sqlite3_bind_int64(s, 20, e->code);
	bind_text(s, 21, args);
	bind_blob(s, 22, e->args, e->args_len);
	if (l)
		bind_blob(s, 23, l->args, l->args_len);
	if ((rc = db_step(d, s)) < 0)
		goto out;
	if ((rc = buffer_rows(d, e, "in", json_object_get(j, "in"))) < 0 ||
	    (rc = buffer_rows(d, l, "out", json_object_get(j, "out"))) < 0 ||
	    (rc = handle_rows(d, w->t, c)) < 0)
		goto out;
	for (uint16_t i = 0; i < e->n_frames; i++) {
		sqlite3_stmt *f = d->st[S_FRAME];
		sqlite3_bind_int64(f, 1, (sqlite3_int64)e->seq);
		sqlite3_bind_int(f, 2, i);
		sqlite3_bind_int64(f, 3, (sqlite3_int64)e->frames[i]);
		if ((rc = db_step(d, f)) < 0)
			goto out;
	}
	rc = 0;
out:
	free(args);
	json_decref(j);
	return rc;
}

static int sqlite_one(struct walk *w, const struct dxgt_call *c, void *ctx)
{
	if (c->enter->type == DXGT_REC_META)
		return meta_rows(w, ctx, c->enter);
	return call_row(w, ctx, c);
}

/* The trace as a whole: metadata rows of kind 'trace', record 0. */
static int trace_rows(struct walk *w, struct db *d)
{
	const struct dxgt_read_state *st = dxgt_reader_state(w->r);
	char fmt[16];
	snprintf(fmt, sizeof(fmt), "%u.%u", st->major, st->minor);
	const struct {
		const char *key;
		bool is_text;
		const char *text;
		int64_t num;
	} rows[] = {
	    {"source", true, w->o ? w->o->source : NULL, 0},
	    {"format", true, fmt, 0},
	    {"created_unix_ns", false, NULL, (int64_t)st->created_unix_ns},
	    {"complete", false, NULL, st->complete},
	    {"calls", false, NULL, (int64_t)w->st.calls},
	    {"failed", false, NULL, (int64_t)w->st.failed},
	    {"unfinished", false, NULL, (int64_t)w->st.unfinished},
	    {"orphan_leaves", false, NULL, (int64_t)dxgt_pairer_orphans(w->p)},
	    {"stop_reason", true, st->stop_error ? st->stop_reason : NULL, 0},
	    {"schema_version", false, NULL, DXGT_EXPORT_SCHEMA_VERSION},
	};
	sqlite3_stmt *s = d->st[S_META];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].is_text && !rows[i].text)
			continue;
		sqlite3_bind_int(s, 1, 0);
		bind_text(s, 2, "trace");
		bind_text(s, 3, rows[i].key);
		if (rows[i].text)
			bind_text(s, 4, rows[i].text);
		else
			sqlite3_bind_int64(s, 4, rows[i].num);
		int rc = db_step(d, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dxgt_export_sqlite(struct sqlite3 *db, struct dxgt_reader *r,
		       const struct dxgt_export_opts *opts, struct dxgt_export_stats *stats)
{
	struct db d = {db, {NULL}, opts};
	struct walk w = {0};
	bool in_tx = false;
	int rc = db ? walk_open(&w, r, opts) : DXGT_E_INVAL;
	if (rc < 0)
		goto out;
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d;", DXGT_EXPORT_SCHEMA_VERSION);
	if ((rc = db_exec(&d, SCHEMA_TABLES)) < 0 || (rc = db_exec(&d, pragma)) < 0)
		goto out;
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v2(db, insert_sql[i], -1, &d.st[i], NULL) != SQLITE_OK) {
			rc = db_fail(&d);
			goto out;
		}
	if ((rc = db_exec(&d, "BEGIN")) < 0)
		goto out;
	in_tx = true;
	rc = walk(&w, sqlite_one, &d);
	/* Keep what was read before a reader error, as dump prints it. */
	int rc2 = trace_rows(&w, &d);
	if (rc == 0)
		rc = rc2;
	rc2 = db_exec(&d, "COMMIT");
	in_tx = rc2 < 0;
	if (rc == 0)
		rc = rc2;
	if (rc == 0)
		rc = db_exec(&d, SCHEMA_INDEXES);
out:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(d.st[i]);
	walk_close(&w, stats);
	return rc;
}
