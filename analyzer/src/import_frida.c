// SPDX-License-Identifier: MIT
/*
 * The Frida JSON Lines importer (docs/frida.md): a Windows x64 capture of
 * D3DKMT calls becomes a trace of layer d3dkmt calls.
 *
 * The input is read in blocks and cut into lines here (no line length is
 * assumed, up to a limit), each line parsed on its own with jansson and
 * checked against the format before anything of it is written. ENTER is
 * written at its enter line and LEAVE at its leave line, so the trace keeps
 * the capture's order and a call that never returned simply has no LEAVE.
 * The only state kept between lines is the header's presence, the last
 * enter's seq and the calls still waiting for their leave.
 *
 * Argument bytes are never interpreted beyond what the descriptor list says
 * of nested buffers (their names, directions, element types and, for a
 * second-level buffer whose parent is not on the same side, the length rule
 * that bounds its element index). The library never prints: the first error
 * is described in a struct dxgt_import_error and the import stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/import.h"
#include "dxgt/trace.h"

#define FORMAT_NAME "dxgtrace-frida"
#define FORMAT_VERSION 1
#define READ_BLOCK (64u << 10)
#define KMT_PREFIX "D3DKMT"
#define STUB_PREFIX "NtGdiDdDDI"

/* A call whose enter has been written and whose leave has not been seen. */
struct open_call {
	uint64_t seq;
	uint64_t time_ns;
	uint64_t line; /* of the enter, for messages */
	const struct dxgt_call_desc *d;
	bool done;
};

/* One side's nested buffers while a line is checked: the headers, with the
 * offset of each one's bytes in data (pointers are set once all are read,
 * as data may move while it grows). */
struct side {
	struct dxgt_rec_buf *bufs;
	size_t *offs;
	size_t cap_bufs;
	uint8_t *data;
	size_t data_len, data_cap;
	uint64_t frames[DXGT_MAX_FRAMES];
	uint16_t n_bufs, n_frames;
};

struct imp {
	FILE *in;
	const struct dxgt_import_opts *o;
	struct dxgt_import_stats st;
	struct dxgt_import_error *err;
	int fd; /* until the writer owns it */
	struct dxgt_writer *w;

	uint8_t *rbuf;
	size_t rpos, rlen;
	bool eof;
	char *line;
	size_t line_len, line_cap, max_line;

	const char *env; /* "payload." inside an envelope, else "" */
	bool have_header;
	uint64_t header_line;
	uint64_t last_seq;

	struct open_call *open;
	size_t n_open, cap_open, n_live;

	uint8_t *args;
	size_t args_cap;
	struct side side;
};

/* ---- errors ---- */

/* Record an input error about the current line at the JSON path pfx.key
 * (either may be empty). Returns rc. */
__attribute__((format(printf, 5, 6))) static int fail_rc(struct imp *m, int rc, const char *pfx,
							 const char *key, const char *fmt, ...)
{
	struct dxgt_import_error *e = m->err;
	e->where = DXGT_IMPORT_INPUT;
	e->line = m->st.lines;
	const char *dot = pfx[0] && key[0] ? "." : "";
	if (pfx[0] || key[0])
		snprintf(e->field, sizeof(e->field), "%s%s%s%s", m->env, pfx, dot, key);
	else
		e->field[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return rc;
}

#define fail(m, pfx, key, ...) fail_rc(m, DXGT_E_CORRUPT, pfx, key, __VA_ARGS__)

static int fail_output(struct imp *m, int rc, const char *what)
{
	struct dxgt_import_error *e = m->err;
	e->where = DXGT_IMPORT_OUTPUT;
	e->line = 0;
	e->field[0] = '\0';
	if (rc == DXGT_E_IO && errno)
		snprintf(e->msg, sizeof(e->msg), "%s: %s", what, strerror(errno));
	else
		snprintf(e->msg, sizeof(e->msg), "%s: %s", what, dxgt_strerror(rc));
	return rc;
}

/* The writer's verdict on one record: limits are the input's fault. */
static int write_rec(struct imp *m, const struct dxgt_record *r)
{
	errno = 0;
	int rc = dxgt_writer_add(m->w, r);
	if (rc == 0)
		return 0;
	if (rc == DXGT_E_TOOBIG || rc == DXGT_E_INVAL)
		return fail_rc(
		    m, DXGT_E_TOOBIG, "", "",
		    "the record would exceed the trace format's limits (%u MiB a record)",
		    DXGT_MAX_RECORD >> 20);
	return fail_output(m, rc, "cannot write the trace");
}

/* ---- typed access to JSON values ---- */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* obj[key] into *out (NULL when absent and optional). */
static int get(struct imp *m, const char *pfx, const json_t *obj, const char *key, bool required,
	       json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out && required)
		return fail(m, pfx, key, "required key missing");
	return 0;
}

static int want_int(struct imp *m, const char *pfx, const json_t *obj, const char *key,
		    bool required, int64_t lo, int64_t hi, int64_t *out, bool *present)
{
	json_t *v;
	int rc = get(m, pfx, obj, key, required, &v);
	if (present)
		*present = v != NULL;
	if (rc || !v)
		return rc;
	if (!json_is_integer(v))
		return fail(m, pfx, key, "expected an integer, got %s", type_name(v));
	int64_t x = (int64_t)json_integer_value(v);
	if (x < lo || x > hi)
		return fail(m, pfx, key, "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
			    x, lo, hi);
	*out = x;
	return 0;
}

static int want_str(struct imp *m, const char *pfx, const json_t *obj, const char *key,
		    bool required, const char **out, size_t *len)
{
	json_t *v;
	int rc = get(m, pfx, obj, key, required, &v);
	*out = NULL;
	if (len)
		*len = 0;
	if (rc || !v)
		return rc;
	if (!json_is_string(v))
		return fail(m, pfx, key, "expected a string, got %s", type_name(v));
	*out = json_string_value(v);
	if (len)
		*len = json_string_length(v);
	return 0;
}

/* An optional boolean, false when absent. */
static int want_bool(struct imp *m, const char *pfx, const json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(m, pfx, key, "expected a boolean, got %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* A required string that must be exactly one of the given words. */
static int want_word(struct imp *m, const char *pfx, const json_t *obj, const char *key,
		     bool required, const char *a, const char *b, const char **out)
{
	int rc = want_str(m, pfx, obj, key, required, out, NULL);
	if (rc || !*out)
		return rc;
	if (strcmp(*out, a) == 0 || (b && strcmp(*out, b) == 0))
		return 0;
	if (b)
		return fail(m, pfx, key, "expected \"%s\" or \"%s\", got \"%.40s\"", a, b, *out);
	return fail(m, pfx, key, "expected \"%s\", got \"%.40s\"", a, *out);
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" and 1 to max_digits hex digits. Returns 0 with the value, or -1
 * with a reason in why. */
static int parse_hex_num(const char *s, size_t n, unsigned max_digits, uint64_t *out,
			 const char **why)
{
	if (n < 2 || s[0] != '0' || s[1] != 'x') {
		*why = "does not start with \"0x\"";
		return -1;
	}
	if (n == 2) {
		*why = "has no digits after \"0x\"";
		return -1;
	}
	if (n - 2 > max_digits) {
		*why =
		    max_digits == 8 ? "has more than 8 hex digits" : "has more than 16 hex digits";
		return -1;
	}
	uint64_t v = 0;
	for (size_t i = 2; i < n; i++) {
		int d = hex_digit((unsigned char)s[i]);
		if (d < 0) {
			*why = "holds a character that is not a hex digit";
			return -1;
		}
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* An address string: "0x" and 1 to 16 hex digits. */
static int want_addr(struct imp *m, const char *pfx, const json_t *obj, const char *key,
		     bool required, uint64_t *out)
{
	const char *s, *why = "";
	size_t n;
	int rc = want_str(m, pfx, obj, key, required, &s, &n);
	if (rc || !s)
		return rc;
	if (parse_hex_num(s, n, 16, out, &why) < 0)
		return fail(m, pfx, key, "\"%.40s\" is not an address: it %s", s, why);
	return 0;
}

/* A byte string in hex, decoded to the end of the growing buffer *buf
 * (*len bytes used of *cap). *got: the bytes decoded. */
static int want_hex(struct imp *m, const char *pfx, const json_t *obj, const char *key,
		    bool required, uint8_t **buf, size_t *len, size_t *cap, size_t *got,
		    bool *present)
{
	const char *s;
	size_t n;
	int rc = want_str(m, pfx, obj, key, required, &s, &n);
	*present = s != NULL;
	*got = 0;
	if (rc || !s)
		return rc;
	if (n % 2)
		return fail(m, pfx, key, "an odd number of hex digits (%zu): two per byte", n);
	size_t bytes = n / 2;
	if (*len + bytes > *cap) {
		size_t nc = *cap ? *cap : 4096;
		while (nc < *len + bytes)
			nc *= 2;
		uint8_t *nb = realloc(*buf, nc);
		if (!nb)
			return fail_output(m, DXGT_E_NOMEM, "cannot import");
		*buf = nb;
		*cap = nc;
	}
	uint8_t *dst = *buf + *len;
	for (size_t i = 0; i < bytes; i++) {
		int hi = hex_digit((unsigned char)s[2 * i]);
		int lo = hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			size_t at = hi < 0 ? 2 * i : 2 * i + 1;
			unsigned char c = (unsigned char)s[at];
			if (c >= 0x21 && c < 0x7f)
				return fail(m, pfx, key, "'%c' at offset %zu is not a hex digit", c,
					    at);
			return fail(m, pfx, key, "byte 0x%02x at offset %zu is not a hex digit", c,
				    at);
		}
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	*len += bytes;
	*got = bytes;
	return 0;
}

/* ---- the output ---- */

static struct dxgt_meta_field str_field(const char *key, const char *s)
{
	return (struct dxgt_meta_field){.key = key,
					.type = DXGT_VAL_STR,
					.data = (const uint8_t *)s,
					.len = (uint32_t)strlen(s)};
}

static struct dxgt_meta_field u64_field(const char *key, uint64_t v)
{
	return (struct dxgt_meta_field){.key = key, .type = DXGT_VAL_U64, .u64 = v};
}

static int write_meta(struct imp *m, uint16_t kind, const struct dxgt_meta_field *f, size_t n)
{
	struct dxgt_record r = {
	    .type = DXGT_REC_META, .meta_kind = kind, .fields = f, .n_fields = (uint16_t)n};
	return write_rec(m, &r);
}

/* ---- header, module, adapter ---- */

static int on_header(struct imp *m, const json_t *o)
{
	const char *s, *os_version, *hostname, *process, *hook, *agent;
	int64_t version, pid, start = 0;
	bool have_start;
	int rc;
	if ((rc = want_word(m, "", o, "format", true, FORMAT_NAME, NULL, &s)))
		return rc;
	if ((rc = want_int(m, "", o, "version", true, 1, INT64_MAX, &version, NULL)))
		return rc;
	if (version > FORMAT_VERSION)
		return fail_rc(m, DXGT_E_VERSION, "", "version",
			       "version %" PRId64 " is newer than this importer reads (%d)",
			       version, FORMAT_VERSION);
	if ((rc = want_word(m, "", o, "os", true, "windows", NULL, &s)))
		return rc;
	if ((rc = want_str(m, "", o, "arch", true, &s, NULL)))
		return rc;
	if (strcmp(s, "x64") != 0)
		return fail(m, "", "arch",
			    "\"%.40s\": only x64 captures can be imported (the argument structs "
			    "of other architectures have another layout)",
			    s);
	if ((rc = want_int(m, "", o, "pid", true, 0, UINT32_MAX, &pid, NULL)) ||
	    (rc = want_str(m, "", o, "process", false, &process, NULL)) ||
	    (rc = want_word(m, "", o, "hook", false, "gdi32", "win32u", &hook)) ||
	    (rc = want_str(m, "", o, "agent", false, &agent, NULL)) ||
	    (rc = want_str(m, "", o, "os_version", false, &os_version, NULL)) ||
	    (rc = want_str(m, "", o, "hostname", false, &hostname, NULL)) ||
	    (rc = want_int(m, "", o, "start_unix_ns", false, 0, INT64_MAX, &start, &have_start)))
		return rc;

	struct dxgt_writer_opts wo = {0};
	if (m->o->writer)
		wo = *m->o->writer;
	if (!wo.created_unix_ns && have_start)
		wo.created_unix_ns = (uint64_t)start;
	errno = 0;
	rc = dxgt_writer_open_fd(&m->w, m->fd, &wo);
	if (rc < 0)
		return fail_output(m, rc, "cannot write the trace");
	m->fd = -1;

	struct dxgt_meta_field f[8];
	size_t n = 0;
	f[n++] = str_field("os", "windows");
	f[n++] = str_field("arch", "x64");
	f[n++] = str_field("layout", "win64");
	if (os_version)
		f[n++] = str_field("os_version", os_version);
	if (hostname)
		f[n++] = str_field("hostname", hostname);
	if ((rc = write_meta(m, DXGT_META_HOST, f, n)))
		return rc;
	n = 0;
	f[n++] = u64_field("pid", (uint64_t)pid);
	if (process)
		f[n++] = str_field("exe", process);
	if (have_start) {
		f[n] = u64_field("start_unix_ns", (uint64_t)start);
		f[n++].type = DXGT_VAL_I64;
	}
	if ((rc = write_meta(m, DXGT_META_PROCESS, f, n)))
		return rc;
	n = 0;
	f[n++] = str_field("source", "frida");
	f[n++] = u64_field("format_version", (uint64_t)version);
	if (hook)
		f[n++] = str_field("hook", hook);
	if (agent)
		f[n++] = str_field("agent", agent);
	if (m->o->input_name) {
		f[n] = str_field("input", m->o->input_name);
		if (!dxgt_utf8_valid(f[n].data, f[n].len))
			f[n].type = DXGT_VAL_BYTES;
		n++;
	}
	return write_meta(m, DXGT_META_OPTIONS, f, n);
}

static int on_module(struct imp *m, const json_t *o)
{
	const char *name, *path;
	uint64_t base;
	int64_t size;
	int rc;
	if ((rc = want_str(m, "", o, "name", true, &name, NULL)) ||
	    (rc = want_addr(m, "", o, "base", true, &base)) ||
	    (rc = want_int(m, "", o, "size", true, 1, INT64_MAX, &size, NULL)) ||
	    (rc = want_str(m, "", o, "path", false, &path, NULL)))
		return rc;
	if ((uint64_t)size > UINT64_MAX - base)
		return fail(m, "", "size",
			    "base 0x%" PRIx64 " plus %" PRId64 " bytes runs past the address space",
			    base, size);
	struct dxgt_meta_field f[] = {
	    u64_field("start", base),
	    u64_field("end", base + (uint64_t)size),
	    u64_field("offset", 0),
	    str_field("path", path ? path : name),
	};
	m->st.modules++;
	return write_meta(m, DXGT_META_MMAP, f, sizeof(f) / sizeof(f[0]));
}

static int on_adapter(struct imp *m, const json_t *o)
{
	static const char *const ids[] = {"vendor", "device", "subsys", "revision"};
	const char *luid_s, *desc, *why = "";
	size_t n_luid;
	uint64_t hi, lo;
	int rc;
	if ((rc = want_str(m, "", o, "luid", true, &luid_s, &n_luid)))
		return rc;
	const char *colon = memchr(luid_s, ':', n_luid);
	if (!colon) {
		return fail(m, "", "luid",
			    "\"%.40s\" is not a LUID: expected \"0xHIGH:0xLOW\", two 32-bit hex "
			    "parts",
			    luid_s);
	}
	size_t n_hi = (size_t)(colon - luid_s);
	if (parse_hex_num(luid_s, n_hi, 8, &hi, &why) < 0 ||
	    parse_hex_num(colon + 1, n_luid - n_hi - 1, 8, &lo, &why) < 0)
		return fail(m, "", "luid", "\"%.40s\" is not a LUID: a part %s", luid_s, why);
	struct dxgt_meta_field f[6];
	size_t n = 0;
	f[n++] = u64_field("luid", hi << 32 | lo);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int64_t v;
		bool present;
		if ((rc = want_int(m, "", o, ids[i], false, 0, UINT32_MAX, &v, &present)))
			return rc;
		if (present)
			f[n++] = u64_field(ids[i], (uint64_t)v);
	}
	if ((rc = want_str(m, "", o, "description", false, &desc, NULL)))
		return rc;
	if (desc)
		f[n++] = str_field("description", desc);
	m->st.adapters++;
	return write_meta(m, DXGT_META_ADAPTER, f, n);
}

/* ---- calls ---- */

/* The descriptor of a function name: "D3DKMTEscape" or "NtGdiDdDDIEscape",
 * spelled exactly, of a call that exists at the D3DKMT layer. */
static const struct dxgt_call_desc *function_desc(const char *name)
{
	char kmt[128];
	if (strncmp(name, STUB_PREFIX, strlen(STUB_PREFIX)) == 0) {
		int k = snprintf(kmt, sizeof(kmt), KMT_PREFIX "%s", name + strlen(STUB_PREFIX));
		if (k < 0 || (size_t)k >= sizeof(kmt))
			return NULL;
	} else if (strncmp(name, KMT_PREFIX, strlen(KMT_PREFIX)) == 0 &&
		   strlen(name) < sizeof(kmt)) {
		strcpy(kmt, name);
	} else {
		return NULL;
	}
	const struct dxgt_call_desc *d = dxgt_call_by_name(kmt);
	if (!d || !d->kmt_name || strcmp(d->kmt_name, kmt) != 0 ||
	    !(d->layers & DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT)) || d->kmt_size == 0)
		return NULL;
	return d;
}

/* The argument struct of call d: its D3DKMT size, or "" when the line
 * says it was unreadable. */
static int want_args(struct imp *m, const json_t *o, const struct dxgt_call_desc *d,
		     bool unreadable)
{
	size_t len = 0, got;
	bool present;
	int rc = want_hex(m, "", o, "args", true, &m->args, &len, &m->args_cap, &got, &present);
	if (rc)
		return rc;
	if (unreadable && got)
		return fail(m, "", "args",
			    "%zu bytes: an unreadable argument struct is given as \"\"", got);
	if (!unreadable && got != d->kmt_size)
		return fail(m, "", "args", "%zu bytes: %s's argument struct is %" PRIu32 " bytes",
			    got, d->kmt_name, d->kmt_size);
	return 0;
}

static int side_grow(struct imp *m, struct side *s)
{
	if (s->n_bufs < s->cap_bufs)
		return 0;
	size_t nc = s->cap_bufs ? s->cap_bufs * 2 : 16;
	struct dxgt_rec_buf *nb = realloc(s->bufs, nc * sizeof(*nb));
	if (!nb)
		return fail_output(m, DXGT_E_NOMEM, "cannot import");
	s->bufs = nb;
	size_t *no = realloc(s->offs, nc * sizeof(*no));
	if (!no)
		return fail_output(m, DXGT_E_NOMEM, "cannot import");
	s->offs = no;
	s->cap_bufs = nc;
	return 0;
}

static int find_buf(const struct dxgt_buf_desc *b, uint16_t n, const char *name)
{
	for (uint16_t i = 0; i < n; i++)
		if (strcmp(b[i].name, name) == 0)
			return i;
	return -1;
}

/* "a, b, c": the buffer names of a row, for messages. */
static void buf_names(char *out, size_t cap, const struct dxgt_buf_desc *b, uint16_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (uint16_t i = 0; i < n && k < cap; i++) {
		int w = snprintf(out + k, cap - k, "%s%s", i ? ", " : "", b[i].name);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

static const char *dir_word(uint8_t dir)
{
	return dir == DXGT_DIR_IN ? "an IN" : dir == DXGT_DIR_OUT ? "an OUT" : "an INOUT";
}

/* Elements in a level-0 buffer of len bytes. */
static uint64_t elem_count(const struct dxgt_buf_desc *b, uint64_t len)
{
	uint64_t esz = b->elem && b->elem->size ? b->elem->size : b->elem_size;
	return esz ? len / esz : 0;
}

/* One side's bufs array, checked against descriptor d and the side's
 * argument image, into m->side. enter: the input side. */
static int on_bufs(struct imp *m, const json_t *o, const struct dxgt_call_desc *d, bool enter,
		   const uint8_t *img, uint32_t img_len, bool unreadable)
{
	struct side *s = &m->side;
	const uint8_t mine = enter ? DXGT_DIR_IN : DXGT_DIR_OUT;
	const char *side_name = enter ? "entry" : "return";
	json_t *arr;
	char pfx[32], names[256];
	int rc;
	s->n_bufs = 0;
	s->data_len = 0;
	if ((rc = get(m, "", o, "bufs", false, &arr)) || !arr)
		return rc;
	if (!json_is_array(arr))
		return fail(m, "", "bufs", "expected an array, got %s", type_name(arr));
	size_t n = json_array_size(arr);
	if (n > DXGT_MAX_BUFS)
		return fail(m, "", "bufs", "%zu buffers: a call has at most %u a side", n,
			    DXGT_MAX_BUFS);
	if (n && unreadable)
		return fail(m, "", "bufs",
			    "%zu buffers, but the argument struct was unreadable: none can be read "
			    "through it",
			    n);

	/* The level-0 buffers of this side by descriptor index: their length
	 * bounds their elements' index (looked up before the pass, as a
	 * second-level buffer may come before its parent). */
	int64_t level0_len[256];
	uint16_t nb0 = d->n_bufs < 256 ? d->n_bufs : 256;
	for (uint16_t j = 0; j < nb0; j++)
		level0_len[j] = -1;
	for (size_t i = 0; i < n; i++) {
		json_t *b = json_array_get(arr, i), *f = json_object_get(b, "field"),
		       *l = json_object_get(b, "len");
		if (!json_is_object(b) || json_object_get(b, "parent") || !json_is_string(f) ||
		    !json_is_integer(l))
			continue;
		int j = find_buf(d->bufs, nb0, json_string_value(f));
		if (j >= 0 && level0_len[j] < 0)
			level0_len[j] = json_integer_value(l);
	}

	for (size_t i = 0; i < n; i++) {
		json_t *b = json_array_get(arr, i);
		snprintf(pfx, sizeof(pfx), "bufs[%zu]", i);
		if (!json_is_object(b))
			return fail(m, pfx, "", "expected an object, got %s", type_name(b));
		const char *field, *parent;
		int64_t elem = 0, len;
		bool has_elem;
		uint64_t addr;
		if ((rc = want_str(m, pfx, b, "field", true, &field, NULL)) ||
		    (rc = want_str(m, pfx, b, "parent", false, &parent, NULL)) ||
		    (rc = want_int(m, pfx, b, "elem", false, 0, UINT32_MAX, &elem, &has_elem)))
			return rc;
		if (parent && !has_elem)
			return fail(m, pfx, "elem",
				    "required key missing (the buffer has a parent)");
		if (!parent && has_elem)
			return fail(m, pfx, "elem", "given without parent");
		if ((rc = side_grow(m, s)))
			return rc;
		struct dxgt_rec_buf *h = &s->bufs[s->n_bufs];
		*h = (struct dxgt_rec_buf){.parent = DXGT_BUF_NODESC};
		if (!parent) {
			int j = find_buf(d->bufs, d->n_bufs, field);
			if (j < 0) {
				if (!d->n_bufs)
					return fail(m, pfx, "field",
						    "\"%.40s\": %s has no nested buffers", field,
						    d->kmt_name);
				buf_names(names, sizeof(names), d->bufs, d->n_bufs);
				return fail(m, pfx, "field",
					    "\"%.40s\" is not a buffer of %s (it has: %s)", field,
					    d->kmt_name, names);
			}
			if (!(d->bufs[j].dir & mine))
				return fail(m, pfx, "field",
					    "%s is %s buffer: it is not read on %s", field,
					    dir_word(d->bufs[j].dir), side_name);
			h->desc = (uint16_t)j;
		} else {
			int p = find_buf(d->bufs, d->n_bufs, parent);
			if (p < 0) {
				buf_names(names, sizeof(names), d->bufs, d->n_bufs);
				return fail(m, pfx, "parent",
					    "\"%.40s\" is not a buffer of %s (it has: %s)", parent,
					    d->kmt_name, names[0] ? names : "none");
			}
			const struct dxgt_buf_desc *pd = &d->bufs[p];
			if (!pd->elem || !pd->elem->n_bufs)
				return fail(m, pfx, "parent",
					    "the elements of %s hold no buffers of their own",
					    parent);
			int j = find_buf(pd->elem->bufs, pd->elem->n_bufs, field);
			if (j < 0) {
				buf_names(names, sizeof(names), pd->elem->bufs, pd->elem->n_bufs);
				return fail(
				    m, pfx, "field",
				    "\"%.40s\" is not a buffer of %s's elements (they have: "
				    "%s)",
				    field, parent, names);
			}
			if (!(pd->elem->bufs[j].dir & mine))
				return fail(m, pfx, "field",
					    "%s is %s buffer: it is not read on %s", field,
					    dir_word(pd->elem->bufs[j].dir), side_name);
			/* The element count: from the parent's buffer on this
			 * side, else from the length rule over this side's
			 * arguments. */
			uint64_t plen = 0;
			if (p < nb0 && level0_len[p] >= 0)
				plen = (uint64_t)level0_len[p];
			else if (dxgt_buf_len(pd, img, img_len, &plen) < 0)
				plen = 0;
			uint64_t count = elem_count(pd, plen);
			if ((uint64_t)elem >= count)
				return fail(m, pfx, "elem",
					    "element %" PRId64 " is past the end of %s (%" PRIu64
					    " elements)",
					    elem, parent, count);
			h->desc = (uint16_t)j;
			h->parent = (uint16_t)p;
			h->level = 1;
			h->elem = (uint32_t)elem;
		}
		for (uint16_t k = 0; k < s->n_bufs; k++) {
			const struct dxgt_rec_buf *x = &s->bufs[k];
			if (x->desc == h->desc && x->level == h->level && x->parent == h->parent &&
			    x->elem == h->elem) {
				if (h->level)
					return fail(m, pfx, "field",
						    "a second %s of %s element %" PRIu32
						    " on this side (the first is bufs[%u])",
						    field, parent, h->elem, k);
				return fail(
				    m, pfx, "field",
				    "a second %s buffer on this side (the first is bufs[%u])",
				    field, k);
			}
		}
		bool gone;
		if ((rc = want_addr(m, pfx, b, "addr", true, &addr)) ||
		    (rc = want_int(m, pfx, b, "len", true, 0, UINT32_MAX, &len, NULL)) ||
		    (rc = want_bool(m, pfx, b, "unreadable", &gone)))
			return rc;
		size_t off = s->data_len, got = 0;
		bool present;
		if ((rc = want_hex(m, pfx, b, "data", !gone, &s->data, &s->data_len, &s->data_cap,
				   &got, &present)))
			return rc;
		if (gone && present)
			return fail(m, pfx, "data", "given for an unreadable buffer");
		if (got > (uint64_t)len)
			return fail(m, pfx, "data", "%zu bytes, more than len (%" PRId64 ")", got,
				    len);
		h->addr = addr;
		h->orig_len = (uint32_t)len;
		h->len = (uint32_t)got;
		if (gone)
			h->flags = DXGT_BUF_UNREADABLE;
		else if (got < (uint64_t)len)
			h->flags = DXGT_BUF_TRUNCATED;
		s->offs[s->n_bufs] = off;
		s->n_bufs++;
	}
	for (uint16_t k = 0; k < s->n_bufs; k++)
		s->bufs[k].data = s->data + s->offs[k];
	return 0;
}

static int on_stack(struct imp *m, const json_t *o)
{
	struct side *s = &m->side;
	json_t *arr;
	char key[32];
	int rc;
	s->n_frames = 0;
	if ((rc = get(m, "", o, "stack", false, &arr)) || !arr)
		return rc;
	if (!json_is_array(arr))
		return fail(m, "", "stack", "expected an array, got %s", type_name(arr));
	size_t n = json_array_size(arr);
	if (n > DXGT_MAX_FRAMES)
		return fail(m, "", "stack", "%zu frames: at most %u", n, DXGT_MAX_FRAMES);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *why = "";
		snprintf(key, sizeof(key), "stack[%zu]", i);
		if (!json_is_string(v))
			return fail(m, "", key, "expected an address string, got %s", type_name(v));
		if (parse_hex_num(json_string_value(v), json_string_length(v), 16, &s->frames[i],
				  &why) < 0)
			return fail(m, "", key, "\"%.40s\" is not an address: it %s",
				    json_string_value(v), why);
	}
	s->n_frames = (uint16_t)n;
	return 0;
}

/* The open call with this seq, or NULL (binary search: seqs are appended
 * in increasing order). */
static struct open_call *find_open(struct imp *m, uint64_t seq)
{
	size_t lo = 0, hi = m->n_open;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->open[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n_open && m->open[lo].seq == seq && !m->open[lo].done)
		return &m->open[lo];
	return NULL;
}

static int add_open(struct imp *m, const struct open_call *c)
{
	if (m->n_open == m->cap_open && m->n_live <= m->n_open / 2) {
		/* Compact: drop the calls that have returned. */
		size_t k = 0;
		for (size_t i = 0; i < m->n_open; i++)
			if (!m->open[i].done)
				m->open[k++] = m->open[i];
		m->n_open = k;
	}
	if (m->n_open == m->cap_open) {
		size_t nc = m->cap_open ? m->cap_open * 2 : 64;
		struct open_call *no = realloc(m->open, nc * sizeof(*no));
		if (!no)
			return fail_output(m, DXGT_E_NOMEM, "cannot import");
		m->open = no;
		m->cap_open = nc;
	}
	m->open[m->n_open++] = *c;
	m->n_live++;
	return 0;
}

static int on_enter(struct imp *m, const json_t *o)
{
	int64_t seq, tid, t;
	const char *fn;
	int rc;
	if ((rc = want_int(m, "", o, "seq", true, 1, INT64_MAX, &seq, NULL)))
		return rc;
	if ((uint64_t)seq <= m->last_seq)
		return fail(m, "", "seq",
			    "%" PRId64 " does not follow the previous enter's %" PRIu64
			    ": seq must increase from one enter to the next",
			    seq, m->last_seq);
	if ((rc = want_int(m, "", o, "tid", true, 0, UINT32_MAX, &tid, NULL)) ||
	    (rc = want_int(m, "", o, "time_ns", true, 0, INT64_MAX, &t, NULL)) ||
	    (rc = want_str(m, "", o, "function", true, &fn, NULL)))
		return rc;
	const struct dxgt_call_desc *d = function_desc(fn);
	if (!d)
		return fail(m, "", "function",
			    "\"%.60s\" is not a D3DKMT function of the descriptor list (see "
			    "'dxgtrace calls')",
			    fn);
	bool gone;
	uint32_t args_len = 0;
	if ((rc = want_bool(m, "", o, "unreadable", &gone)) || (rc = want_args(m, o, d, gone)))
		return rc;
	if (!gone)
		args_len = d->kmt_size;
	if ((rc = on_bufs(m, o, d, true, m->args, args_len, gone)) || (rc = on_stack(m, o)))
		return rc;
	struct dxgt_record r = {
	    .type = DXGT_REC_ENTER,
	    .seq = (uint64_t)seq,
	    .time_ns = (uint64_t)t,
	    .tid = (uint32_t)tid,
	    .layer = DXGT_LAYER_D3DKMT,
	    .call_id = d->id,
	    .fd = -1,
	    .args = m->args,
	    .args_len = args_len,
	    .bufs = m->side.bufs,
	    .n_bufs = m->side.n_bufs,
	    .frames = m->side.frames,
	    .n_frames = m->side.n_frames,
	};
	struct open_call c = {(uint64_t)seq, (uint64_t)t, m->st.lines, d, false};
	if ((rc = write_rec(m, &r)) || (rc = add_open(m, &c)))
		return rc;
	m->last_seq = (uint64_t)seq;
	m->st.calls++;
	return 0;
}

static int want_status(struct imp *m, const json_t *o, uint32_t *out)
{
	json_t *v;
	int rc = get(m, "", o, "status", true, &v);
	if (rc)
		return rc;
	if (json_is_string(v)) {
		uint64_t x;
		const char *why = "";
		if (parse_hex_num(json_string_value(v), json_string_length(v), 8, &x, &why) < 0)
			return fail(m, "", "status",
				    "\"%.40s\" is not an NTSTATUS: it %s (expected an integer or "
				    "\"0x\" and up to 8 hex digits)",
				    json_string_value(v), why);
		*out = (uint32_t)x;
		return 0;
	}
	int64_t x;
	if ((rc = want_int(m, "", o, "status", true, 0, UINT32_MAX, &x, NULL)))
		return rc;
	*out = (uint32_t)x;
	return 0;
}

static int on_leave(struct imp *m, const json_t *o)
{
	int64_t seq, tid, t;
	uint32_t status = 0;
	int rc;
	if ((rc = want_int(m, "", o, "seq", true, 1, INT64_MAX, &seq, NULL)))
		return rc;
	struct open_call *c = find_open(m, (uint64_t)seq);
	if (!c && (uint64_t)seq > m->last_seq)
		return fail(m, "", "seq", "%" PRId64 ": no enter with this seq came before", seq);
	if (!c)
		return fail(m, "", "seq",
			    "%" PRId64 ": no call with this seq waits for its leave (it has "
			    "returned already, or no enter had it)",
			    seq);
	if ((rc = want_int(m, "", o, "tid", true, 0, UINT32_MAX, &tid, NULL)) ||
	    (rc = want_int(m, "", o, "time_ns", true, 0, INT64_MAX, &t, NULL)))
		return rc;
	if ((uint64_t)t < c->time_ns)
		return fail(m, "", "time_ns",
			    "%" PRId64 " is before the enter's time_ns %" PRIu64 " (line %" PRIu64
			    ")",
			    t, c->time_ns, c->line);
	bool gone;
	uint32_t args_len = 0;
	if ((rc = want_status(m, o, &status)) || (rc = want_bool(m, "", o, "unreadable", &gone)) ||
	    (rc = want_args(m, o, c->d, gone)))
		return rc;
	if (!gone)
		args_len = c->d->kmt_size;
	if ((rc = on_bufs(m, o, c->d, false, m->args, args_len, gone)))
		return rc;
	struct dxgt_record r = {
	    .type = DXGT_REC_LEAVE,
	    .flags = DXGT_LEAVE_STATUS,
	    .seq = (uint64_t)seq,
	    .time_ns = (uint64_t)t,
	    .tid = (uint32_t)tid,
	    .layer = DXGT_LAYER_D3DKMT,
	    .call_id = c->d->id,
	    .ret = (int64_t)(int32_t)status,
	    .err = 0,
	    .status = status,
	    .args = m->args,
	    .args_len = args_len,
	    .bufs = m->side.bufs,
	    .n_bufs = m->side.n_bufs,
	};
	if ((rc = write_rec(m, &r)))
		return rc;
	c->done = true;
	m->n_live--;
	return 0;
}

/* ---- lines ---- */

static int on_object(struct imp *m, const json_t *o)
{
	static const struct {
		const char *name;
		int (*fn)(struct imp *, const json_t *);
	} types[] = {
	    {"header", on_header}, {"module", on_module}, {"adapter", on_adapter},
	    {"enter", on_enter},   {"leave", on_leave},
	};
	const char *type;
	int rc = want_str(m, "", o, "type", true, &type, NULL);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i].name) != 0)
			continue;
		bool header = types[i].fn == on_header;
		if (header && m->have_header)
			return fail(m, "", "type",
				    "a second header (the first is on line %" PRIu64 ")",
				    m->header_line);
		if (!header && !m->have_header)
			return fail(m, "", "type",
				    "\"%s\" before the header: the header must be the first object",
				    type);
		if (header) {
			m->have_header = true;
			m->header_line = m->st.lines;
		}
		return types[i].fn(m, o);
	}
	return fail(m, "", "type", "unknown type \"%.40s\"", type);
}

static int on_line(struct imp *m, char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	size_t k = 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
		k++;
	if (k == n)
		return 0;
	m->env = "";
	json_error_t je;
	json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(m, "", "", "not JSON: %s (column %d)", je.text, je.column);
	int rc;
	if (!json_is_object(root)) {
		rc = fail(m, "", "", "expected a JSON object, got %s", type_name(root));
		goto out;
	}
	const json_t *o = root;
	const char *type;
	if ((rc = want_str(m, "", o, "type", true, &type, NULL)))
		goto out;
	if (strcmp(type, "send") == 0) {
		/* Frida's message envelope stands for its payload. */
		json_t *p;
		if ((rc = get(m, "", o, "payload", true, &p)))
			goto out;
		if (!json_is_object(p)) {
			rc = fail(m, "", "payload", "expected an object, got %s", type_name(p));
			goto out;
		}
		o = p;
		m->env = "payload.";
	}
	rc = on_object(m, o);
out:
	json_decref(root);
	return rc;
}

/* The next line into m->line (m->line_len bytes, its '\n' dropped). Returns
 * 1, 0 at the end of the input, or a negative error. */
static int next_line(struct imp *m)
{
	bool any = false;
	m->line_len = 0;
	for (;;) {
		if (m->rpos == m->rlen) {
			size_t n = m->eof ? 0 : fread(m->rbuf, 1, READ_BLOCK, m->in);
			if (n == 0) {
				if (!m->eof && ferror(m->in)) {
					m->st.lines++;
					m->err->where = DXGT_IMPORT_INPUT;
					m->err->line = m->st.lines;
					m->err->field[0] = '\0';
					snprintf(m->err->msg, sizeof(m->err->msg),
						 "cannot read: %s",
						 errno ? strerror(errno) : "I/O error");
					return DXGT_E_IO;
				}
				m->eof = true;
				if (any)
					m->st.lines++;
				return any ? 1 : 0;
			}
			m->rpos = 0;
			m->rlen = n;
			m->st.bytes += n;
			if (m->o->progress)
				m->o->progress(m->o->progress_ctx, m->st.bytes);
			continue;
		}
		any = true;
		const uint8_t *p = m->rbuf + m->rpos;
		size_t avail = m->rlen - m->rpos;
		const uint8_t *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		if (take > m->max_line - m->line_len) {
			m->st.lines++;
			return fail_rc(m, DXGT_E_TOOBIG, "", "",
				       "the line is longer than %zu bytes", m->max_line);
		}
		if (m->line_len + take + 1 > m->line_cap) {
			size_t nc = m->line_cap ? m->line_cap : 4096;
			while (nc < m->line_len + take + 1)
				nc *= 2;
			char *nb = realloc(m->line, nc);
			if (!nb)
				return fail_output(m, DXGT_E_NOMEM, "cannot import");
			m->line = nb;
			m->line_cap = nc;
		}
		memcpy(m->line + m->line_len, p, take);
		m->line_len += take;
		m->rpos += take + (nl ? 1 : 0);
		if (nl) {
			m->st.lines++;
			return 1;
		}
	}
}

int dxgt_import_frida(FILE *in, int fd, const struct dxgt_import_opts *opts,
		      struct dxgt_import_stats *stats, struct dxgt_import_error *err)
{
	static const struct dxgt_import_opts no_opts;
	struct dxgt_import_error scratch;
	struct imp m = {
	    .in = in,
	    .o = opts ? opts : &no_opts,
	    .err = err ? err : &scratch,
	    .fd = fd,
	    .env = "",
	};
	int rc;
	memset(m.err, 0, sizeof(*m.err));
	m.max_line = m.o->max_line ? m.o->max_line : DXGT_IMPORT_MAX_LINE;
	if (!in || fd < 0) {
		rc = DXGT_E_INVAL;
		fail_output(&m, rc, "cannot import");
		goto out;
	}
	m.rbuf = malloc(READ_BLOCK);
	if (!m.rbuf) {
		rc = fail_output(&m, DXGT_E_NOMEM, "cannot import");
		goto out;
	}
	while ((rc = next_line(&m)) > 0)
		if ((rc = on_line(&m, m.line, m.line_len)) < 0)
			break;
	if (rc < 0)
		goto out;
	if (!m.have_header) {
		m.err->where = DXGT_IMPORT_INPUT;
		m.err->line = 0;
		snprintf(m.err->msg, sizeof(m.err->msg),
			 "no header: the input holds no JSON object");
		rc = DXGT_E_CORRUPT;
		goto out;
	}
	m.st.unfinished = m.n_live;
	errno = 0;
	rc = dxgt_writer_close(m.w);
	m.w = NULL;
	if (rc < 0)
		fail_output(&m, rc, "cannot write the trace");
out:
	if (m.w)
		dxgt_writer_close(m.w);
	else if (m.fd >= 0)
		close(m.fd);
	if (stats)
		*stats = m.st;
	free(m.rbuf);
	free(m.line);
	free(m.open);
	free(m.args);
	free(m.side.bufs);
	free(m.side.offs);
	free(m.side.data);
	return rc;
}

int dxgt_import_frida_path(FILE *in, const char *out, const struct dxgt_import_opts *opts,
			   struct dxgt_import_stats *stats, struct dxgt_import_error *err)
{
	struct dxgt_import_error scratch;
	struct dxgt_import_error *e = err ? err : &scratch;
	memset(e, 0, sizeof(*e));
	if (!out) {
		e->where = DXGT_IMPORT_OUTPUT;
		snprintf(e->msg, sizeof(e->msg), "no output file");
		return DXGT_E_INVAL;
	}
	size_t n = strlen(out);
	char *tmp = malloc(n + 8);
	if (!tmp) {
		e->where = DXGT_IMPORT_OUTPUT;
		snprintf(e->msg, sizeof(e->msg), "cannot create: out of memory");
		return DXGT_E_NOMEM;
	}
	memcpy(tmp, out, n);
	memcpy(tmp + n, ".XXXXXX", 8);
	int fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		e->where = DXGT_IMPORT_OUTPUT;
		snprintf(e->msg, sizeof(e->msg), "cannot create: %s", strerror(errno));
		free(tmp);
		return DXGT_E_IO;
	}
	int rc = dxgt_import_frida(in, fd, opts, stats, e);
	int saved = 0;
	if (rc == 0 && opts && opts->no_replace) {
		/* link() fails when out exists, where rename() would replace it;
		 * a file system without hard links gets the check and rename. */
		struct stat sb;
		if (link(tmp, out) == 0)
			unlink(tmp);
		else if (errno == EEXIST || lstat(out, &sb) == 0)
			rc = DXGT_E_STATE;
		else if (rename(tmp, out) != 0)
			saved = errno;
	} else if (rc == 0 && rename(tmp, out) != 0) {
		saved = errno;
	}
	if (saved)
		rc = DXGT_E_IO;
	if (saved || rc == DXGT_E_STATE) {
		e->where = DXGT_IMPORT_OUTPUT;
		e->line = 0;
		e->field[0] = '\0';
		snprintf(e->msg, sizeof(e->msg), "%s",
			 rc == DXGT_E_STATE ? "exists (not replaced)" : strerror(saved));
	}
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
