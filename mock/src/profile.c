// SPDX-License-Identifier: MIT
/*
 * Host profiles: JSON files that say what a mock host looks like (its
 * adapters, canned answers, escape policy and faults), turned into the
 * immutable struct dxgt_profile of dxgt/mock.h. docs/profiles.md is the
 * schema; this file is its only implementation. An adapter's
 * driver-private adapter info may be described field by field
 * (intel_adapter_info); it is written here, once, as the token stream
 * Intel's runtime reads, following the schema of intel_tokens.c.
 *
 * The parser is strict on purpose: a profile is a test fixture, and a typo
 * that passes silently makes a test check nothing. Unknown keys, values out
 * of range, duplicate adapters, fault calls or fields that do not exist and
 * blobs that cannot be read are all errors, reported as one line
 * "<file>: <key path>: <what was expected>, got <what>". Every number,
 * count and size from the file is bounded before it is used (see the
 * limits below), so hostile input costs at most those bounds and never
 * crashes.
 *
 * Ownership: every string and blob of a profile lives in blocks chained to
 * the profile and is released by dxgt_profile_free() alone. Nothing here
 * keeps state between calls, prints, or exits; loading is thread-safe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/status.h"
#include "intel_tokens.h"

#ifndef DXGT_PROFILE_DIR
#error "DXGT_PROFILE_DIR must name the source tree's corpora/profiles (set by mock/CMakeLists.txt)"
#endif

/* Limits. A blob is bounded twice: by BLOB_MAX absolutely, and by the VM
 * bus limit wherever it travels in a host message. */
#define FILE_MAX (64u << 20)	   /* a profile file */
#define BLOB_MAX (16u << 20)	   /* one blob, inline or from a file */
#define BLOB_TOTAL_MAX (64u << 20) /* all blobs of a profile together */
#define BUS_MIN 1024u		   /* vm_bus_limit range */
#define BUS_MAX BLOB_MAX
#define BUS_DEFAULT 131072u   /* 128 KiB, the WSL2 VM bus message limit */
#define TEXT_MAX 16384u	      /* description, comment */
#define NAME_MAX_LEN 255u     /* names, registry value names */
#define REG_STRING_MAX 32767u /* a registry string value, in bytes */
#define MAX_ADAPTERS 16u      /* MAX_ENUM_ADAPTERS of d3dkmthk.h */
#define MAX_QAI 256u
#define MAX_REGISTRY 256u
#define MAX_REPLIES 1024u
#define MAX_FAULTS 256u
#define MAX_SOURCES 64u
#define LIST_MAX 64u /* longest name list kept for a "did you mean" */

/* ---- the profile and its memory ---- */

struct block {
	struct block *next;
	max_align_t data[];
};

struct profile_box {
	struct dxgt_profile p; /* first: the public pointer is the box */
	struct block *blocks;
};

struct ctx {
	struct profile_box *box;
	const char *origin; /* for messages */
	char *dir;	    /* where relative blob files are looked up; owned */
	char *err;
	size_t errlen;
	char path[256]; /* key path of the value being parsed */
	size_t plen;
	uint32_t bus_limit;
	size_t blob_total;
};

/* Writes "<origin>: <key path>: <message>" and returns rc. Control bytes
 * (from a file name or a key) are replaced so the message stays one line. */
__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
	if (!c->err || c->errlen == 0)
		return rc;
	int n =
	    snprintf(c->err, c->errlen, "%s: %s: ", c->origin, c->plen ? c->path : "(top level)");
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	for (char *s = c->err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	return rc;
}

/* The same for messages about a whole file, without a key path. */
__attribute__((format(printf, 4, 5))) static int fail_top(char *err, size_t errlen, int rc,
							  const char *fmt, ...)
{
	if (!err || errlen == 0)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *s = err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	return rc;
}

/* Zeroed memory owned by the profile; NULL (with the message) when out of
 * memory or when n * size overflows. */
static void *alloc(struct ctx *c, size_t n, size_t size)
{
	if (size && n > (SIZE_MAX - sizeof(struct block)) / size) {
		fail(c, DXGT_E_NOMEM, "out of memory");
		return NULL;
	}
	size_t bytes = n * size;
	struct block *b = calloc(1, sizeof(*b) + (bytes ? bytes : 1));
	if (!b) {
		fail(c, DXGT_E_NOMEM, "out of memory");
		return NULL;
	}
	b->next = c->box->blocks;
	c->box->blocks = b;
	return b->data;
}

/* A NUL-terminated copy of len bytes of s, owned by the profile. */
static char *dup_mem(struct ctx *c, const char *s, size_t len)
{
	char *d = alloc(c, len + 1, 1);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

/* ---- key paths ---- */

static bool plain_key(const char *k)
{
	if (!*k || strlen(k) > 64)
		return false;
	for (const char *s = k; *s; s++)
		if (!(*s == '_' || *s == '-' || *s == '.' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

__attribute__((format(printf, 2, 3))) static void path_add(struct ctx *c, const char *fmt, ...)
{
	size_t room = sizeof(c->path) - c->plen;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->path + c->plen, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	c->plen = (size_t)n < room ? c->plen + (size_t)n : sizeof(c->path) - 1;
}

static void describe(const json_t *v, char *buf, size_t len);

/* Appends ".key" (or ["key"] for a key that is not plain) to the key path;
 * returns the length to restore with pop(). */
static size_t push_key(struct ctx *c, const char *key)
{
	size_t mark = c->plen;
	if (plain_key(key)) {
		path_add(c, "%s%s", c->plen ? "." : "", key);
	} else {
		char q[80];
		json_t *s = json_string(key);
		describe(s, q, sizeof(q));
		json_decref(s);
		path_add(c, "[%s]", q);
	}
	return mark;
}

static size_t push_index(struct ctx *c, size_t i)
{
	size_t mark = c->plen;
	path_add(c, "[%zu]", i);
	return mark;
}

static void pop(struct ctx *c, size_t mark)
{
	c->plen = mark;
	c->path[mark] = '\0';
}

/* ---- messages ---- */

/* What v is, for "got ...": a quoted, escaped and shortened string, a
 * number, or the kind of value. */
static void describe(const json_t *v, char *buf, size_t len)
{
	if (!v) {
		snprintf(buf, len, "nothing");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		snprintf(buf, len, "an object");
		return;
	case JSON_ARRAY:
		snprintf(buf, len, "an array");
		return;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		snprintf(buf, len, "%.15g", json_real_value(v));
		return;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		return;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		return;
	case JSON_NULL:
		snprintf(buf, len, "null");
		return;
	case JSON_STRING:
		break;
	}
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	size_t n = json_string_length(v), o = 0, shown = 48;
	if (len < 8) {
		snprintf(buf, len, "\"\"");
		return;
	}
	buf[o++] = '"';
	for (size_t i = 0; i < n && i < shown; i++) {
		/* Stop before a UTF-8 sequence that would be cut by the limit. */
		if (i + 4 > shown && s[i] >= 0xc0)
			break;
		char e[8];
		if (s[i] == '"' || s[i] == '\\')
			snprintf(e, sizeof(e), "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", s[i]);
		else
			snprintf(e, sizeof(e), "%c", s[i]);
		size_t k = strlen(e);
		if (o + k + 5 >= len)
			break;
		memcpy(buf + o, e, k);
		o += k;
	}
	buf[o++] = '"';
	if (n > shown && o + 4 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

#define GOT(v, name)                                                                               \
	char name[96];                                                                             \
	describe((v), name, sizeof(name))

/* Levenshtein distance with adjacent transpositions, ASCII case and '-'
 * versus '_' ignored; SIZE_MAX for strings too long to be typos. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > LIST_MAX || lb > LIST_MAX)
		return SIZE_MAX;
	size_t rows[3][LIST_MAX + 1];
	size_t *pp = rows[0], *p = rows[1], *cur = rows[2];
#define FOLD(ch) ((ch) == '-' ? '_' : ((ch) >= 'A' && (ch) <= 'Z') ? (ch) - 'A' + 'a' : (ch))
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = FOLD(a[i - 1]) == FOLD(b[j - 1]) ? 0 : 1;
			size_t d = p[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (p[j - 1] + cost < d)
				d = p[j - 1] + cost;
			if (i > 1 && j > 1 && FOLD(a[i - 1]) == FOLD(b[j - 2]) &&
			    FOLD(a[i - 2]) == FOLD(b[j - 1]) && pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
		}
		size_t *t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
#undef FOLD
	return p[lb];
}

/* The closest of the candidates offered to near_try(), if close enough to
 * be a typo of want. */
struct near {
	const char *want;
	const char *best;
	size_t d;
};

static void near_try(struct near *n, const char *cand)
{
	size_t d = distance(n->want, cand);
	size_t lw = strlen(n->want), lc = strlen(cand);
	size_t shorter = lw < lc ? lw : lc;
	/* At most two edits, and fewer than a third of the word: "typ" is
	 * "type", "foo" is not "luid". */
	if (d == SIZE_MAX || d > 2 || d * 3 > shorter + 1)
		return;
	if (!n->best || d < n->d) {
		n->best = cand;
		n->d = d;
	}
}

/* "a, b, c" into buf. */
static void join(char *buf, size_t len, const char *const *items, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		int k = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", items[i]);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

/* ---- objects and keys ---- */

/* Every key of obj must be in known (NULL-terminated). */
static int check_keys(struct ctx *c, const json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t n = 0;
		bool ok = false;
		for (; known[n]; n++)
			if (strcmp(key, known[n]) == 0)
				ok = true;
		if (ok)
			continue;
		struct near nr = {key, NULL, 0};
		for (size_t i = 0; i < n; i++)
			near_try(&nr, known[i]);
		push_key(c, key);
		if (nr.best)
			return fail(c, DXGT_E_INVAL, "unknown key; did you mean \"%s\"?", nr.best);
		char list[512];
		join(list, sizeof(list), known, n);
		return fail(c, DXGT_E_INVAL, "unknown key; expected one of %s", list);
	}
	return 0;
}

static int want_object(struct ctx *c, const json_t *v)
{
	if (json_is_object(v))
		return 0;
	GOT(v, got);
	return fail(c, DXGT_E_INVAL, "expected an object, got %s", got);
}

/* An array of at most max elements. */
static int want_array(struct ctx *c, const json_t *v, size_t max, const char *what)
{
	if (!json_is_array(v)) {
		GOT(v, got);
		return fail(c, DXGT_E_INVAL, "expected an array of %s, got %s", what, got);
	}
	if (json_array_size(v) > max)
		return fail(c, DXGT_E_TOOBIG, "expected at most %zu %s, got %zu", max, what,
			    json_array_size(v));
	return 0;
}

/* "0x" and hex digits, the whole of s[0..n); false if malformed or over
 * 64 bits. Leading zeros are allowed ("0x00000000000123ab"). */
static bool parse_hex_num(const char *s, size_t n, uint64_t *out)
{
	if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	uint64_t x = 0;
	for (size_t i = 2; i < n; i++) {
		int d = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
			: s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
			: s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10
						     : -1;
		if (d < 0 || x > (UINT64_MAX >> 4))
			return false;
		x = x << 4 | (unsigned)d;
	}
	*out = x;
	return true;
}

/* A number: a JSON integer, or a string "0x" followed by hex digits (for
 * values beyond 2^63 and for ids written in hex), from 0 to max. */
static int want_uint(struct ctx *c, const json_t *v, uint64_t max, uint64_t *out)
{
	char range[64];
	if (max == UINT64_MAX)
		snprintf(range, sizeof(range), "from 0 to 0xFFFFFFFFFFFFFFFF");
	else
		snprintf(range, sizeof(range), "from 0 to %" PRIu64 " (0x%" PRIX64 ")", max, max);
	GOT(v, got);
	uint64_t x;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
			return fail(c, DXGT_E_INVAL, "expected a number %s, got %s", range, got);
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || !parse_hex_num(json_string_value(v), json_string_length(v), &x))
		return fail(c, DXGT_E_INVAL,
			    "expected a number or a hex string \"0x...\" %s, got %s", range, got);
	if (x > max)
		return fail(c, DXGT_E_INVAL, "expected a number %s, got %s", range, got);
	*out = x;
	return 0;
}

static int want_u32(struct ctx *c, const json_t *v, uint32_t *out)
{
	uint64_t x;
	int rc = want_uint(c, v, UINT32_MAX, &x);
	if (rc == 0)
		*out = (uint32_t)x;
	return rc;
}

/* A JSON integer from min to max (counts and sizes: no hex strings). */
static int want_int_range(struct ctx *c, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	GOT(v, got);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail(c, DXGT_E_INVAL,
			    "expected an integer from %" PRId64 " to %" PRId64 ", got %s", min, max,
			    got);
	*out = json_integer_value(v);
	return 0;
}

/* A string of at most max bytes, copied into the profile. An array of
 * strings is accepted where lines is set, and joined with newlines, so
 * long prose stays readable in the file. */
static int want_text(struct ctx *c, const json_t *v, size_t max, bool lines, const char **out)
{
	GOT(v, got);
	if (json_is_string(v)) {
		if (json_string_length(v) > max)
			return fail(c, DXGT_E_TOOBIG,
				    "expected a string of at most %zu bytes, got %zu", max,
				    json_string_length(v));
		const char *s = dup_mem(c, json_string_value(v), json_string_length(v));
		if (!s)
			return DXGT_E_NOMEM;
		*out = s;
		return 0;
	}
	if (!lines || !json_is_array(v))
		return fail(c, DXGT_E_INVAL, "expected a string%s, got %s",
			    lines ? " or an array of strings" : "", got);
	size_t total = 0, i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e)) {
			GOT(e, egot);
			size_t mark = push_index(c, i);
			int rc = fail(c, DXGT_E_INVAL, "expected a string, got %s", egot);
			pop(c, mark);
			return rc;
		}
		total += json_string_length(e) + 1;
		if (total > max + 1)
			return fail(c, DXGT_E_TOOBIG, "expected at most %zu bytes of text in all",
				    max);
	}
	char *s = alloc(c, total + 1, 1), *o = s;
	if (!s)
		return DXGT_E_NOMEM;
	json_array_foreach(v, i, e)
	{
		if (i)
			*o++ = '\n';
		memcpy(o, json_string_value(e), json_string_length(e));
		o += json_string_length(e);
	}
	*o = '\0';
	*out = s;
	return 0;
}

/* One of names (NULL-terminated), its index in *out. */
static int want_enum(struct ctx *c, const json_t *v, const char *const *names, size_t *out)
{
	size_t n = 0;
	while (names[n])
		n++;
	if (json_is_string(v)) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = i;
				return 0;
			}
	}
	char list[256];
	join(list, sizeof(list), names, n);
	GOT(v, got);
	struct near nr = {json_is_string(v) ? json_string_value(v) : "", NULL, 0};
	for (size_t i = 0; json_is_string(v) && i < n; i++)
		near_try(&nr, names[i]);
	if (nr.best)
		return fail(c, DXGT_E_INVAL, "expected one of %s, got %s (did you mean \"%s\"?)",
			    list, got, nr.best);
	return fail(c, DXGT_E_INVAL, "expected one of %s, got %s", list, got);
}

/* An NTSTATUS: a name with or without STATUS_, hex with or without 0x, a
 * negative decimal (as strings), or a JSON integer 0..0xFFFFFFFF. */
static int want_status(struct ctx *c, const json_t *v, uint32_t *out)
{
	GOT(v, got);
	if (json_is_integer(v)) {
		uint64_t x;
		int rc = want_uint(c, v, UINT32_MAX, &x);
		if (rc == 0)
			*out = (uint32_t)x;
		return rc;
	}
	if (json_is_string(v) && dxgt_ntstatus_parse(json_string_value(v), out) == 0)
		return 0;
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	if (strncmp(s, "STATUS_", 7) == 0 || strncmp(s, "status_", 7) == 0)
		s += 7;
	struct near nr = {s, NULL, 0};
	const char *name;
	for (size_t i = 0; *s && dxgt_ntstatus_at(i, NULL, &name, NULL) == 0; i++)
		near_try(&nr, name + 7);
	if (nr.best)
		return fail(c, DXGT_E_INVAL,
			    "expected an NTSTATUS name or hex value, got %s (did you mean "
			    "\"STATUS_%s\"?)",
			    got, nr.best);
	return fail(c, DXGT_E_INVAL,
		    "expected an NTSTATUS name (\"STATUS_BUFFER_TOO_SMALL\" or "
		    "\"BUFFER_TOO_SMALL\") or hex value (\"0xC0000023\"), got %s",
		    got);
}

/* An errno: a name ("EOVERFLOW") or a number, negative or not (75, -75,
 * "-75"), 1..4095. */
static int want_errno(struct ctx *c, const json_t *v, int *out)
{
	GOT(v, got);
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		if (x < 0)
			x = -x;
		if (x >= 1 && x <= 4095) {
			*out = (int)x;
			return 0;
		}
	} else if (json_is_string(v) && dxgt_errno_parse(json_string_value(v), out) == 0) {
		return 0;
	}
	struct near nr = {json_is_string(v) ? json_string_value(v) : "", NULL, 0};
	const char *name;
	for (size_t i = 0; json_is_string(v) && dxgt_errno_at(i, NULL, &name) == 0; i++)
		near_try(&nr, name);
	if (nr.best)
		return fail(c, DXGT_E_INVAL,
			    "expected an errno name or number, got %s (did you mean \"%s\"?)", got,
			    nr.best);
	return fail(c, DXGT_E_INVAL,
		    "expected an errno name (\"EOVERFLOW\") or a number from 1 to 4095 (75 or "
		    "-75), got %s",
		    got);
}

/* ---- blobs ---- */

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Room for len more blob bytes: at most cap (what names the limit) and
 * within the profile's total. */
static int blob_room(struct ctx *c, size_t len, size_t cap, const char *what)
{
	if (len > cap)
		return fail(c, DXGT_E_TOOBIG, "expected at most %zu bytes (%s), got %zu", cap, what,
			    len);
	if (len > BLOB_TOTAL_MAX - c->blob_total)
		return fail(c, DXGT_E_TOOBIG,
			    "expected at most %u MiB of blob data in the whole profile, got more",
			    BLOB_TOTAL_MAX >> 20);
	c->blob_total += len;
	return 0;
}

/* Hex digits, whitespace between bytes allowed. */
static int want_hex(struct ctx *c, const json_t *v, size_t cap, const char *what,
		    struct dxgt_mock_blob *out)
{
	if (!json_is_string(v)) {
		GOT(v, got);
		return fail(c, DXGT_E_INVAL, "expected a string of hex digits, got %s", got);
	}
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	size_t n = json_string_length(v), digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		if (hexval(s[i]) < 0) {
			char bad[8];
			snprintf(bad, sizeof(bad), s[i] >= 0x20 && s[i] < 0x7f ? "'%c'" : "0x%02x",
				 s[i]);
			return fail(
			    c, DXGT_E_INVAL,
			    "expected hex digits (whitespace allowed), got %s at offset %zu", bad,
			    i);
		}
		digits++;
	}
	if (digits % 2)
		return fail(c, DXGT_E_INVAL,
			    "expected an even number of hex digits (two per byte), got %zu",
			    digits);
	int rc = blob_room(c, digits / 2, cap, what);
	if (rc < 0)
		return rc;
	uint8_t *d = alloc(c, digits / 2 ? digits / 2 : 1, 1);
	if (!d)
		return DXGT_E_NOMEM;
	size_t o = 0;
	int hi = -1;
	for (size_t i = 0; i < n; i++) {
		int x = hexval(s[i]);
		if (x < 0)
			continue;
		if (hi < 0) {
			hi = x;
		} else {
			d[o++] = (uint8_t)(hi << 4 | x);
			hi = -1;
		}
	}
	out->data = d;
	out->len = o;
	return 0;
}

/* A file's contents; a relative path is taken from the profile's own
 * directory. */
static int want_file(struct ctx *c, const json_t *v, size_t cap, const char *what,
		     struct dxgt_mock_blob *out)
{
	GOT(v, got);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fail(c, DXGT_E_INVAL, "expected a file name, got %s", got);
	const char *name = json_string_value(v);
	char *full = NULL;
	if (name[0] == '/') {
		full = strdup(name);
	} else {
		size_t k = strlen(c->dir) + strlen(name) + 2;
		full = malloc(k);
		if (full)
			snprintf(full, k, "%s/%s", c->dir, name);
	}
	if (!full)
		return fail(c, DXGT_E_NOMEM, "out of memory");

	int rc = 0, fd = open(full, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		const char *e = dxgt_errno_name(errno);
		rc = fail(c, errno == ENOENT ? DXGT_E_NOTFOUND : DXGT_E_IO,
			  "expected a readable file, got %s (%s: %s)", got, full, e ? e : "error");
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = fail(c, DXGT_E_IO, "expected a regular file, got %s (%s)", got, full);
		goto out;
	}
	if ((uintmax_t)st.st_size > cap) {
		rc = fail(c, DXGT_E_TOOBIG,
			  "expected a file of at most %zu bytes (%s), got %jd (%s)", cap, what,
			  (intmax_t)st.st_size, full);
		goto out;
	}
	size_t len = (size_t)st.st_size;
	rc = blob_room(c, len, cap, what);
	if (rc < 0)
		goto out;
	uint8_t *d = alloc(c, len ? len : 1, 1);
	if (!d) {
		rc = DXGT_E_NOMEM;
		goto out;
	}
	size_t got_len = 0;
	while (got_len < len) {
		ssize_t k = read(fd, d + got_len, len - got_len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = fail(c, DXGT_E_IO, "expected a readable file, got a read error on %s",
				  full);
			goto out;
		}
		got_len += (size_t)k;
	}
	out->data = d;
	out->len = len;
out:
	if (fd >= 0)
		close(fd);
	free(full);
	return rc;
}

/* The blob of obj given by its "hex" or "file" key (at most one of them).
 * *present says whether either was there. */
static int want_blob(struct ctx *c, const json_t *obj, size_t cap, const char *what,
		     struct dxgt_mock_blob *out, bool *present)
{
	const json_t *hex = json_object_get(obj, "hex"), *file = json_object_get(obj, "file");
	*present = hex || file;
	if (hex && file)
		return fail(c, DXGT_E_INVAL, "expected either hex or file, got both");
	size_t mark = push_key(c, hex ? "hex" : "file");
	int rc = hex	? want_hex(c, hex, cap, what, out)
		 : file ? want_file(c, file, cap, what, out)
			: 0;
	pop(c, mark);
	return rc;
}

/* ---- sections ---- */

/* ---- Intel's adapter info, described field by field ---- */

/* The token field of group g named name, or NULL. */
static const struct dxgt_itok_field *itok_field(const struct dxgt_itok_group *g, const char *name)
{
	for (size_t i = 0; i < g->n_fields; i++)
		if (strcmp(g->fields[i].name, name) == 0)
			return &g->fields[i];
	return NULL;
}

/* "unknown ...; did you mean" over the names of g. */
static int itok_unknown(struct ctx *c, const struct dxgt_itok_group *g, const char *name,
			const char *what)
{
	struct near nr = {name, NULL, 0};
	const char *names[LIST_MAX];
	size_t n = 0;
	for (size_t i = 0; i < g->n_fields; i++) {
		near_try(&nr, g->fields[i].name);
		if (n < LIST_MAX)
			names[n++] = g->fields[i].name;
	}
	if (nr.best)
		return fail(c, DXGT_E_INVAL, "%s has no %s \"%s\"; did you mean \"%s\"?", g->name,
			    what, name, nr.best);
	char list[1024];
	join(list, sizeof(list), names, n);
	return fail(c, DXGT_E_INVAL, "%s has no %s \"%s\"; expected one of %s", g->name, what, name,
		    list);
}

static int itok_group(struct ctx *c, const json_t *o, const struct dxgt_itok_group *g,
		      struct dxgt_itok_writer *w);

/* A FLAGS field: an array of the names of g's booleans that are set. */
static int itok_flags(struct ctx *c, const json_t *v, const struct dxgt_itok_group *g,
		      struct dxgt_itok_writer *w)
{
	int rc = want_array(c, v, g->n_fields, "flag names");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (rc < 0)
			break;
		size_t mark = push_index(c, i);
		const struct dxgt_itok_field *f =
		    json_is_string(e) ? itok_field(g, json_string_value(e)) : NULL;
		if (!json_is_string(e)) {
			GOT(e, got);
			rc = fail(c, DXGT_E_INVAL, "expected the name of a %s flag, got %s",
				  g->name, got);
		} else if (!f) {
			rc = itok_unknown(c, g, json_string_value(e), "flag");
		}
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (strcmp(json_string_value(json_array_get(v, j)), f->name) == 0)
				rc = fail(c, DXGT_E_INVAL,
					  "expected each flag once, got \"%s\" again (also [%zu])",
					  f->name, j);
		if (rc == 0)
			dxgt__itok_bool(w, f->id, true);
		pop(c, mark);
	}
	return rc;
}

/* One field of a group, as its kind says. */
static int itok_value(struct ctx *c, const json_t *v, const struct dxgt_itok_field *f,
		      struct dxgt_itok_writer *w)
{
	uint64_t x = 0;
	int rc = 0;
	switch ((enum dxgt_itok_kind)f->kind) {
	case DXGT_ITOK_BOOL:
		if (!json_is_boolean(v)) {
			GOT(v, got);
			return fail(c, DXGT_E_INVAL, "expected true or false, got %s", got);
		}
		dxgt__itok_bool(w, f->id, json_is_true(v));
		return 0;
	case DXGT_ITOK_UINT:
		rc = want_uint(c, v, f->max, &x);
		if (rc == 0)
			dxgt__itok_dword(w, f->id, (uint32_t)x);
		return rc;
	case DXGT_ITOK_QWORD:
		rc = want_uint(c, v, UINT64_MAX, &x);
		if (rc == 0)
			dxgt__itok_qword(w, f->id, x);
		return rc;
	case DXGT_ITOK_GROUP: {
		size_t at = dxgt__itok_open(w, f->id, 0);
		rc = itok_group(c, v, f->group, w);
		dxgt__itok_close(w, at);
		return rc;
	}
	case DXGT_ITOK_ARRAY: {
		char what[96];
		snprintf(what, sizeof(what), "%s elements (%s objects)", f->name, f->group->name);
		rc = want_array(c, v, f->max, what);
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			if (rc < 0)
				break;
			/* The index in the array is the element the token fills. */
			size_t mark = push_index(c, i), at = dxgt__itok_open(w, f->id, (uint32_t)i);
			rc = itok_group(c, e, f->group, w);
			dxgt__itok_close(w, at);
			pop(c, mark);
		}
		return rc;
	}
	case DXGT_ITOK_FLAGS: {
		size_t at = dxgt__itok_open(w, f->id, 0);
		rc = itok_flags(c, v, f->group, w);
		dxgt__itok_close(w, at);
		return rc;
	}
	}
	return fail(c, DXGT_E_INVAL, "internal error: field kind %u", f->kind);
}

/* An object whose keys are fields of g (and "comment"). The tokens come in
 * the schema's order, so the stream does not depend on the file's key
 * order. The recursion follows the schema, a few levels deep, never the
 * file's nesting. */
static int itok_group(struct ctx *c, const json_t *o, const struct dxgt_itok_group *g,
		      struct dxgt_itok_writer *w)
{
	int rc = want_object(c, o);
	if (rc < 0)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		size_t mark = push_key(c, key);
		if (strcmp(key, "comment") == 0) {
			const char *ignored;
			rc = want_text(c, v, TEXT_MAX, true, &ignored);
		} else if (!itok_field(g, key)) {
			rc = itok_unknown(c, g, key, "field");
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; rc == 0 && i < g->n_fields; i++) {
		const struct dxgt_itok_field *f = &g->fields[i];
		if (!(v = json_object_get(o, f->name)))
			continue;
		size_t mark = push_key(c, f->name);
		rc = itok_value(c, v, f, w);
		pop(c, mark);
	}
	return rc;
}

/* "intel_adapter_info": the driver-private adapter info Intel's runtime
 * reads with QueryAdapterInfo type 0, written as the token stream its
 * driver-store helper hands it (docs/profiles.md). */
static int want_intel_adapter_info(struct ctx *c, const json_t *v, struct dxgt_mock_blob *out)
{
	size_t cap = dxgt__itok_struct_size(DXGT_ITOK_S_ADAPTER_INFO);
	uint8_t *buf = alloc(c, cap, 1);
	if (!buf)
		return DXGT_E_NOMEM;
	struct dxgt_itok_writer w = {buf, cap, 0, false};
	int rc = itok_group(c, v, &dxgt__itok_adapter_info, &w);
	if (rc < 0)
		return rc;
	if (w.overflow)
		return fail(c, DXGT_E_TOOBIG,
			    "expected an adapter info of at most %zu bytes as tokens (what "
			    "libwsl_compute_helper.so reports for ADAPTER_INFO), got %zu",
			    cap, w.len);
	rc = blob_room(c, w.len, c->bus_limit, "vm_bus_limit");
	if (rc < 0)
		return rc;
	out->data = buf;
	out->len = w.len;
	return 0;
}

static const char *const qai_keys[] = {"type",	 "hex",	    "file", "intel_adapter_info",
				       "status", "comment", NULL};

#define QAI_UMDRIVERPRIVATE 0u

static int parse_qai(struct ctx *c, const json_t *o, struct dxgt_mock_qai *q)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, qai_keys);
	if (rc < 0)
		return rc;
	const json_t *v = json_object_get(o, "type");
	if (!v)
		return fail(c, DXGT_E_INVAL, "expected a \"type\" (a KMTQAITYPE number), got none");
	size_t mark = push_key(c, "type");
	rc = want_u32(c, v, &q->type);
	pop(c, mark);
	if (rc < 0)
		return rc;
	if ((v = json_object_get(o, "status"))) {
		mark = push_key(c, "status");
		rc = want_status(c, v, &q->status);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	bool present;
	const json_t *info = json_object_get(o, "intel_adapter_info");
	if (info && (json_object_get(o, "hex") || json_object_get(o, "file")))
		return fail(c, DXGT_E_INVAL,
			    "expected one of hex, file or intel_adapter_info, got both %s and "
			    "intel_adapter_info",
			    json_object_get(o, "hex") ? "hex" : "file");
	if (info) {
		mark = push_key(c, "intel_adapter_info");
		if (q->type != QAI_UMDRIVERPRIVATE)
			rc = fail(c, DXGT_E_INVAL,
				  "expected it with type 0 (KMTQAITYPE_UMDRIVERPRIVATE, the "
				  "driver-private adapter info) only, got type %" PRIu32,
				  q->type);
		else
			rc = want_intel_adapter_info(c, info, &q->data);
		pop(c, mark);
		present = true;
	} else {
		rc = want_blob(c, o, c->bus_limit, "vm_bus_limit", &q->data, &present);
	}
	if (rc < 0)
		return rc;
	if (!present && !dxgt_ntstatus_is_error(q->status))
		return fail(c, DXGT_E_INVAL,
			    "expected hex, file or intel_adapter_info (the answer), or a failing "
			    "status, got neither");
	if (present && dxgt_ntstatus_is_error(q->status))
		return fail(c, DXGT_E_INVAL,
			    "expected no hex, file or intel_adapter_info with a failing status "
			    "(the host sends no data), got both");
	return 0;
}

static const char *const reg_keys[] = {"value", "query_type", "string",	    "dword",   "qword",
				       "hex",	"file",	      "value_type", "comment", NULL};
static const char *const reg_query_names[] = {"servicekey",	 "adapterkey", "driverstore",
					      "driverimagepath", "any",	       NULL};

static int parse_registry(struct ctx *c, const json_t *o, struct dxgt_mock_registry *r)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, reg_keys);
	if (rc < 0)
		return rc;

	const json_t *v = json_object_get(o, "query_type");
	size_t mark;
	r->query_type = -1;
	if (v) {
		mark = push_key(c, "query_type");
		if (json_is_integer(v)) {
			int64_t x;
			rc = want_int_range(c, v, 0, INT32_MAX, &x);
			r->query_type = (int32_t)x;
		} else {
			size_t i = 0;
			rc = want_enum(c, v, reg_query_names, &i);
			/* The names are in D3DDDI_QUERYREGISTRY_TYPE order, then "any". */
			r->query_type = i == 4 ? -1 : (int32_t)i;
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	/* Path queries (driver store, image path) carry no value name. */
	bool path_query = r->query_type == 2 || r->query_type == 3;
	v = json_object_get(o, "value");
	r->value_name = "";
	if (v) {
		mark = push_key(c, "value");
		rc = want_text(c, v, NAME_MAX_LEN, false, &r->value_name);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	if (!r->value_name[0] && !path_query) {
		mark = push_key(c, "value");
		GOT(v, got);
		rc = fail(c, DXGT_E_INVAL,
			  "expected a registry value name (only driverstore and driverimagepath "
			  "queries may omit it), got %s",
			  got);
		pop(c, mark);
		return rc;
	}

	static const char *const kinds[] = {"string", "dword", "qword", "hex", "file"};
	const char *kind = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!json_object_get(o, kinds[i]))
			continue;
		if (kind)
			return fail(
			    c, DXGT_E_INVAL,
			    "expected one of string, dword, qword, hex or file, got both %s "
			    "and %s",
			    kind, kinds[i]);
		kind = kinds[i];
	}
	if (!kind)
		return fail(c, DXGT_E_INVAL,
			    "expected the value as one of string, dword, qword, hex or file, got "
			    "none");

	if (json_object_get(o, "value_type") && strcmp(kind, "hex") != 0 &&
	    strcmp(kind, "file") != 0) {
		mark = push_key(c, "value_type");
		rc = fail(c, DXGT_E_INVAL,
			  "expected no value_type with %s (it sets the type of hex and file "
			  "values), got one",
			  kind);
		pop(c, mark);
		return rc;
	}
	v = json_object_get(o, kind);
	if (strcmp(kind, "string") == 0) {
		const char *s;
		mark = push_key(c, kind);
		rc = want_text(c, v, REG_STRING_MAX, false, &s);
		pop(c, mark);
		if (rc < 0)
			return rc;
		r->value.data = (const uint8_t *)s; /* NUL-terminated; len excludes it */
		r->value.len = strlen(s);
		r->value_type = 1; /* REG_SZ */
		r->is_string = true;
		return 0;
	}
	if (strcmp(kind, "dword") == 0 || strcmp(kind, "qword") == 0) {
		bool q = kind[0] == 'q';
		uint64_t x;
		mark = push_key(c, kind);
		rc = want_uint(c, v, q ? UINT64_MAX : UINT32_MAX, &x);
		pop(c, mark);
		if (rc < 0)
			return rc;
		uint8_t *d = alloc(c, 8, 1);
		if (!d)
			return DXGT_E_NOMEM;
		for (size_t i = 0; i < 8; i++)
			d[i] = (uint8_t)(x >> (8 * i));
		r->value.data = d;
		r->value.len = q ? 8 : 4;
		r->value_type = q ? 11 : 4; /* REG_QWORD, REG_DWORD */
		return 0;
	}
	bool present;
	rc = want_blob(c, o, c->bus_limit, "vm_bus_limit", &r->value, &present);
	r->value_type = 3; /* REG_BINARY */
	if (rc < 0 || !(v = json_object_get(o, "value_type")))
		return rc;
	/* Bytes as a host answered them, under the type it reported
	 * (REG_MULTI_SZ, or a REG_SZ in the host's own encoding). */
	mark = push_key(c, "value_type");
	rc = want_u32(c, v, &r->value_type);
	pop(c, mark);
	return rc;
}

static const char *const reply_keys[] = {"prefix", "fnv1a",   "out", "status",
					 "errno",  "comment", NULL};

static int parse_reply(struct ctx *c, const json_t *o, struct dxgt_mock_escape_reply *r)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, reply_keys);
	if (rc < 0)
		return rc;
	const json_t *prefix = json_object_get(o, "prefix"), *fnv = json_object_get(o, "fnv1a");
	if (!!prefix == !!fnv)
		return fail(c, DXGT_E_INVAL,
			    "expected exactly one of prefix or fnv1a (how the payload is matched), "
			    "got %s",
			    prefix ? "both" : "neither");
	size_t mark;
	if (prefix) {
		mark = push_key(c, "prefix");
		rc = want_hex(c, prefix, c->bus_limit, "vm_bus_limit", &r->prefix);
		pop(c, mark);
	} else {
		mark = push_key(c, "fnv1a");
		rc = want_uint(c, fnv, UINT64_MAX, &r->fnv1a);
		r->has_fnv1a = true;
		pop(c, mark);
	}
	if (rc < 0)
		return rc;
	const json_t *v;
	if ((v = json_object_get(o, "out"))) {
		mark = push_key(c, "out");
		rc = want_hex(c, v, c->bus_limit, "vm_bus_limit", &r->out);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	const json_t *st = json_object_get(o, "status"), *er = json_object_get(o, "errno");
	if (st && er)
		return fail(c, DXGT_E_INVAL, "expected at most one of status or errno, got both");
	if (st) {
		mark = push_key(c, "status");
		rc = want_status(c, st, &r->status);
		pop(c, mark);
	}
	if (er) {
		mark = push_key(c, "errno");
		rc = want_errno(c, er, &r->err);
		pop(c, mark);
	}
	return rc;
}

static const char *const escape_keys[] = {"policy", "reply_size", "replies", "comment", NULL};
/* In enum dxgt_escape_policy order, from 1. */
static const char *const policy_names[] = {"pass", "reject-nonempty", "known-only", "disabled",
					   NULL};

static int parse_escapes(struct ctx *c, const json_t *o, struct dxgt_mock_adapter *a)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, escape_keys);
	if (rc < 0)
		return rc;
	const json_t *v = json_object_get(o, "policy");
	if (!v)
		return fail(
		    c, DXGT_E_INVAL,
		    "expected a \"policy\" (pass, reject-nonempty, known-only or disabled), "
		    "got none");
	size_t mark = push_key(c, "policy"), i = 0;
	rc = want_enum(c, v, policy_names, &i);
	pop(c, mark);
	if (rc < 0)
		return rc;
	a->escape_policy = (enum dxgt_escape_policy)(i + 1);

	if ((v = json_object_get(o, "reply_size"))) {
		mark = push_key(c, "reply_size");
		int64_t x = 0;
		if (a->escape_policy != DXGT_ESCAPE_REJECT_NONEMPTY)
			rc = fail(c, DXGT_E_INVAL,
				  "expected no reply_size: it applies to policy reject-nonempty "
				  "only, got policy %s",
				  policy_names[i]);
		else
			rc = want_int_range(c, v, 0, c->bus_limit, &x);
		a->escape_reply_size = (uint32_t)x;
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	if (!(v = json_object_get(o, "replies")))
		return 0;
	mark = push_key(c, "replies");
	if (a->escape_policy != DXGT_ESCAPE_PASS && a->escape_policy != DXGT_ESCAPE_KNOWN_ONLY)
		rc = fail(c, DXGT_E_INVAL,
			  "expected no replies: escapes reach a vendor model only with policy "
			  "pass or known-only, got policy %s",
			  policy_names[i]);
	else
		rc = want_array(c, v, MAX_REPLIES, "replies");
	size_t n = rc < 0 ? 0 : json_array_size(v);
	struct dxgt_mock_escape_reply *r = NULL;
	if (rc == 0 && n && !(r = alloc(c, n, sizeof(*r))))
		rc = DXGT_E_NOMEM;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		size_t m = push_index(c, k);
		rc = parse_reply(c, json_array_get(v, k), &r[k]);
		/* An exact duplicate would never be reached: the first wins. */
		for (size_t j = 0; rc == 0 && j < k; j++) {
			bool same =
			    r[j].has_fnv1a == r[k].has_fnv1a &&
			    (r[k].has_fnv1a ? r[j].fnv1a == r[k].fnv1a
					    : r[j].prefix.len == r[k].prefix.len &&
						  (r[k].prefix.len == 0 ||
						   memcmp(r[j].prefix.data, r[k].prefix.data,
							  r[k].prefix.len) == 0));
			if (same)
				rc = fail(c, DXGT_E_INVAL,
					  "expected a match not already made by replies[%zu], got "
					  "the same %s",
					  j, r[k].has_fnv1a ? "fnv1a" : "prefix");
		}
		pop(c, m);
	}
	pop(c, mark);
	a->escape_replies = r;
	a->n_escape_replies = rc == 0 ? n : 0;
	return rc;
}

static const char *const flag_names[] = {
    "compute_only", "paravirtualized", "render_supported", "display_supported",
    "integrated",   "detachable",      "software",	   NULL};

static int parse_flags(struct ctx *c, const json_t *v, struct dxgt_mock_adapter *a)
{
	int rc = want_array(c, v, 16, "flags");
	if (rc < 0)
		return rc;
	bool seen[7] = {false};
	size_t i;
	json_t *e;
	a->is_hardware = true;
	json_array_foreach(v, i, e)
	{
		size_t mark = push_index(c, i), f = 0;
		rc = want_enum(c, e, flag_names, &f);
		if (rc == 0 && seen[f])
			rc = fail(c, DXGT_E_INVAL, "expected each flag once, got \"%s\" again",
				  flag_names[f]);
		pop(c, mark);
		if (rc < 0)
			return rc;
		seen[f] = true;
	}
	a->compute_only = seen[0];
	a->paravirtualized = seen[1];
	a->render_supported = seen[2];
	a->display_supported = seen[3];
	a->is_integrated = seen[4];
	a->is_detachable = seen[5];
	a->is_hardware = !seen[6];
	return 0;
}

/* "32.0.101.6554": four parts of 16 bits, packed high to low as Windows
 * driver versions are; or a number. */
static int want_driver_version(struct ctx *c, const json_t *v, uint64_t *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	if (json_is_integer(v) || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return want_uint(c, v, UINT64_MAX, out);
	uint64_t x = 0;
	int parts = 0;
	bool bad = !json_is_string(v);
	while (!bad) {
		uint32_t part = 0;
		int digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 6; s++, digits++)
			part = part * 10 + (uint32_t)(*s - '0');
		if (!digits || part > 0xffff)
			bad = true;
		x = x << 16 | part;
		parts++;
		if (*s == '.' && parts < 4)
			s++;
		else
			break;
	}
	if (bad || parts != 4 || *s) {
		GOT(v, got);
		return fail(c, DXGT_E_INVAL,
			    "expected a version \"A.B.C.D\" (each 0..65535) or a number, got %s",
			    got);
	}
	*out = x;
	return 0;
}

/* "0x00000000000123ab", a number, or "0xHIGH:0xLOW" as dump prints it. */
static int want_luid(struct ctx *c, const json_t *v, uint64_t *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon)
		return want_uint(c, v, UINT64_MAX, out);
	uint64_t hi, lo;
	if (parse_hex_num(s, (size_t)(colon - s), &hi) && hi <= UINT32_MAX &&
	    parse_hex_num(colon + 1, strlen(colon + 1), &lo) && lo <= UINT32_MAX) {
		*out = hi << 32 | lo;
		return 0;
	}
	GOT(v, got);
	return fail(c, DXGT_E_INVAL,
		    "expected a LUID as a number, \"0x\" and up to 16 hex digits, or "
		    "\"0xHIGH:0xLOW\" (two 32-bit hex parts), got %s",
		    got);
}

static const char *const adapter_keys[] = {
    "luid",	   "vendor",	     "device",	"subsys",      "revision",
    "description", "driver_version", "flags",	"num_sources", "query_adapter_info",
    "registry",	   "escapes",	     "comment", NULL};

static int parse_adapter(struct ctx *c, const json_t *o, struct dxgt_mock_adapter *a)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, adapter_keys);
	if (rc < 0)
		return rc;

	static const char *const required[] = {"luid", "vendor", "device"};
	for (size_t i = 0; i < 3; i++)
		if (!json_object_get(o, required[i]))
			return fail(c, DXGT_E_INVAL, "expected a \"%s\", got none", required[i]);

	a->description = "";
	a->is_hardware = true;
	a->escape_policy = DXGT_ESCAPE_PASS;

	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		size_t mark = push_key(c, key);
		if (strcmp(key, "luid") == 0) {
			rc = want_luid(c, v, &a->luid);
		} else if (strcmp(key, "vendor") == 0) {
			rc = want_u32(c, v, &a->vendor);
		} else if (strcmp(key, "device") == 0) {
			rc = want_u32(c, v, &a->device);
		} else if (strcmp(key, "subsys") == 0) {
			rc = want_u32(c, v, &a->subsys);
		} else if (strcmp(key, "revision") == 0) {
			rc = want_u32(c, v, &a->revision);
		} else if (strcmp(key, "description") == 0) {
			rc = want_text(c, v, NAME_MAX_LEN, false, &a->description);
		} else if (strcmp(key, "driver_version") == 0) {
			rc = want_driver_version(c, v, &a->driver_version);
		} else if (strcmp(key, "flags") == 0) {
			rc = parse_flags(c, v, a);
		} else if (strcmp(key, "num_sources") == 0) {
			int64_t x = 0;
			rc = want_int_range(c, v, 0, MAX_SOURCES, &x);
			a->num_sources = (uint32_t)x;
		} else if (strcmp(key, "query_adapter_info") == 0) {
			rc = want_array(c, v, MAX_QAI, "query_adapter_info entries");
			size_t n = rc < 0 ? 0 : json_array_size(v);
			struct dxgt_mock_qai *q = NULL;
			if (rc == 0 && n && !(q = alloc(c, n, sizeof(*q))))
				rc = DXGT_E_NOMEM;
			for (size_t i = 0; rc == 0 && i < n; i++) {
				size_t m = push_index(c, i);
				rc = parse_qai(c, json_array_get(v, i), &q[i]);
				for (size_t j = 0; rc == 0 && j < i; j++)
					if (q[j].type == q[i].type)
						rc = fail(c, DXGT_E_INVAL,
							  "expected one answer per type, got type "
							  "%" PRIu32 " again (also "
							  "query_adapter_info[%zu])",
							  q[i].type, j);
				pop(c, m);
			}
			a->qai = q;
			a->n_qai = rc == 0 ? n : 0;
		} else if (strcmp(key, "registry") == 0) {
			rc = want_array(c, v, MAX_REGISTRY, "registry entries");
			size_t n = rc < 0 ? 0 : json_array_size(v);
			struct dxgt_mock_registry *r = NULL;
			if (rc == 0 && n && !(r = alloc(c, n, sizeof(*r))))
				rc = DXGT_E_NOMEM;
			for (size_t i = 0; rc == 0 && i < n; i++) {
				size_t m = push_index(c, i);
				rc = parse_registry(c, json_array_get(v, i), &r[i]);
				for (size_t j = 0; rc == 0 && j < i; j++)
					if (r[j].query_type == r[i].query_type &&
					    strcasecmp(r[j].value_name, r[i].value_name) == 0)
						rc = fail(
						    c, DXGT_E_INVAL,
						    "expected one answer per value and query "
						    "type, got \"%s\" again (also registry[%zu])",
						    r[i].value_name, j);
				pop(c, m);
			}
			a->registry = r;
			a->n_registry = rc == 0 ? n : 0;
		} else if (strcmp(key, "escapes") == 0) {
			rc = parse_escapes(c, v, a);
		} else if (strcmp(key, "comment") == 0) {
			const char *ignored;
			rc = want_text(c, v, TEXT_MAX, true, &ignored);
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *const fault_keys[] = {"call",   "where", "invocations", "when",
					 "status", "errno", "comment",	   NULL};

/* The scalar field of call d named by the only key of "where". */
static int parse_where(struct ctx *c, const json_t *w, const struct dxgt_call_desc *d,
		       struct dxgt_mock_fault *f)
{
	int rc = want_object(c, w);
	if (rc < 0)
		return rc;
	if (json_object_size(w) == 0)
		return 0;
	if (json_object_size(w) > 1)
		return fail(c, DXGT_E_INVAL,
			    "expected one field (a fault matches on one scalar), got %zu",
			    json_object_size(w));
	const char *key = json_object_iter_key(json_object_iter((json_t *)w));
	const json_t *v = json_object_iter_value(json_object_iter((json_t *)w));
	size_t mark = push_key(c, key);
	const struct dxgt_field_desc *field = NULL;
	struct near nr = {key, NULL, 0};
	const char *names[LIST_MAX];
	size_t n = 0;
	for (size_t i = 0; i < d->n_scalars; i++) {
		if (strcmp(d->scalars[i].name, key) == 0)
			field = &d->scalars[i];
		near_try(&nr, d->scalars[i].name);
		if (n < LIST_MAX)
			names[n++] = d->scalars[i].name;
	}
	if (!field) {
		char list[512];
		join(list, sizeof(list), names, n);
		if (nr.best)
			rc = fail(c, DXGT_E_INVAL,
				  "%s has no scalar field \"%s\"; did you mean \"%s\"?", d->name,
				  key, nr.best);
		else if (n)
			rc = fail(c, DXGT_E_INVAL,
				  "expected a scalar field of %s (one of %s), got \"%s\"", d->name,
				  list, key);
		else
			rc = fail(c, DXGT_E_INVAL,
				  "expected no field: %s has no scalar fields to match, got \"%s\"",
				  d->name, key);
	} else {
		uint64_t max =
		    field->size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * field->size)) - 1;
		rc = want_uint(c, v, max, &f->arg_value);
		f->arg_name = field->name; /* static, from the descriptor table */
		f->has_arg = true;
	}
	pop(c, mark);
	return rc;
}

/* "all", N, "N", "N-M" or "N-" (open-ended), 1-based. */
static int want_invocations(struct ctx *c, const json_t *v, uint64_t *first, uint64_t *last)
{
	if (json_is_integer(v) && json_integer_value(v) >= 1) {
		*first = *last = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strcmp(s, "all") == 0) {
			*first = 1;
			*last = UINT64_MAX;
			return 0;
		}
		uint64_t a = 0, b = 0;
		int da = 0, db = 0;
		bool over = false;
		for (; *s >= '0' && *s <= '9'; s++, da++) {
			over |= a > (UINT64_MAX - 9) / 10;
			a = a * 10 + (uint64_t)(*s - '0');
		}
		bool range = *s == '-';
		if (range)
			for (s++; *s >= '0' && *s <= '9'; s++, db++) {
				over |= b > (UINT64_MAX - 9) / 10;
				b = b * 10 + (uint64_t)(*s - '0');
			}
		if (!over && da && !*s && a >= 1 && (!range || !db || b >= a)) {
			*first = a;
			*last = !range ? a : db ? b : UINT64_MAX;
			return 0;
		}
	}
	GOT(v, got);
	return fail(c, DXGT_E_INVAL,
		    "expected \"all\", a count N >= 1, \"N-M\" with 1 <= N <= M, or \"N-\", got %s",
		    got);
}

static int parse_fault(struct ctx *c, const json_t *o, struct dxgt_mock_fault *f)
{
	int rc = want_object(c, o);
	if (rc == 0)
		rc = check_keys(c, o, fault_keys);
	if (rc < 0)
		return rc;

	const json_t *v = json_object_get(o, "call");
	if (!v)
		return fail(c, DXGT_E_INVAL,
			    "expected a \"call\" (e.g. \"QueryAdapterInfo\"), got none");
	size_t mark = push_key(c, "call");
	const struct dxgt_call_desc *d =
	    json_is_string(v) ? dxgt_call_by_name(json_string_value(v)) : NULL;
	GOT(v, got);
	if (!d) {
		struct near nr = {json_is_string(v) ? json_string_value(v) : "", NULL, 0};
		for (size_t i = 0; json_is_string(v) && i < dxgt_call_count(); i++)
			near_try(&nr, dxgt_call_at(i)->name);
		if (nr.best)
			rc = fail(c, DXGT_E_INVAL,
				  "expected a call name (see dxgtrace calls), got %s (did you mean "
				  "\"%s\"?)",
				  got, nr.best);
		else
			rc = fail(c, DXGT_E_INVAL,
				  "expected a call name such as \"QueryAdapterInfo\" or "
				  "\"LX_DXESCAPE\" (see dxgtrace calls), got %s",
				  got);
	} else if (!d->ioctl_name || !d->ioctl_name[0]) {
		rc = fail(c, DXGT_E_INVAL,
			  "expected a call that reaches /dev/dxg (the model sees ioctls), got %s "
			  "(D3DKMT only)",
			  got);
	}
	pop(c, mark);
	if (rc < 0)
		return rc;
	f->call_id = d->id;

	if ((v = json_object_get(o, "where"))) {
		mark = push_key(c, "where");
		rc = parse_where(c, v, d, f);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	if ((v = json_object_get(o, "when"))) {
		mark = push_key(c, "when");
		if (json_is_string(v) && strcmp(json_string_value(v), "always") == 0) {
			f->after_escape_refused = false;
		} else if (json_is_string(v) &&
			   strcmp(json_string_value(v), "escape-refused") == 0) {
			f->after_escape_refused = true;
		} else {
			GOT(v, when);
			rc = fail(c, DXGT_E_INVAL,
				  "expected \"always\" or \"escape-refused\", got %s", when);
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	f->first = 1;
	f->last = UINT64_MAX;
	if ((v = json_object_get(o, "invocations"))) {
		mark = push_key(c, "invocations");
		rc = want_invocations(c, v, &f->first, &f->last);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	const json_t *st = json_object_get(o, "status"), *er = json_object_get(o, "errno");
	if (!!st == !!er)
		return fail(c, DXGT_E_INVAL,
			    "expected exactly one of status (the host's NTSTATUS) or errno (the "
			    "guest's), got %s",
			    st ? "both" : "neither");
	if (st) {
		mark = push_key(c, "status");
		rc = want_status(c, st, &f->status);
		if (rc == 0 && f->status == 0)
			rc =
			    fail(c, DXGT_E_INVAL,
				 "expected a status other than STATUS_SUCCESS (a fault changes the "
				 "answer), got STATUS_SUCCESS");
		pop(c, mark);
	} else {
		mark = push_key(c, "errno");
		rc = want_errno(c, er, &f->err);
		pop(c, mark);
	}
	return rc;
}

static const char *const top_keys[] = {
    "name", "description", "vm_bus_limit", "adapters", "faults", "comment", NULL};

/* The stem of a file name: "dir/wsl2-x.json" -> "wsl2-x". */
static const char *stem(struct ctx *c, const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".json") == 0)
		n -= 5;
	return dup_mem(c, b, n);
}

static int parse_root(struct ctx *c, const json_t *root)
{
	struct dxgt_profile *p = &c->box->p;
	int rc = want_object(c, root);
	if (rc == 0)
		rc = check_keys(c, root, top_keys);
	if (rc < 0)
		return rc;

	p->vm_bus_limit = BUS_DEFAULT;
	const json_t *v;
	size_t mark;
	/* First: blob limits depend on it wherever it is in the file. */
	if ((v = json_object_get(root, "vm_bus_limit"))) {
		int64_t x;
		mark = push_key(c, "vm_bus_limit");
		rc = want_int_range(c, v, BUS_MIN, BUS_MAX, &x);
		pop(c, mark);
		if (rc < 0)
			return rc;
		p->vm_bus_limit = (uint32_t)x;
	}
	c->bus_limit = p->vm_bus_limit;

	p->name = NULL;
	if ((v = json_object_get(root, "name"))) {
		mark = push_key(c, "name");
		rc = want_text(c, v, NAME_MAX_LEN, false, &p->name);
		if (rc == 0 && !p->name[0])
			rc = fail(c, DXGT_E_INVAL, "expected a non-empty name, got \"\"");
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	if (!p->name && !(p->name = stem(c, p->origin)))
		return DXGT_E_NOMEM;

	p->description = "";
	if ((v = json_object_get(root, "description"))) {
		mark = push_key(c, "description");
		rc = want_text(c, v, TEXT_MAX, true, &p->description);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}
	if ((v = json_object_get(root, "comment"))) {
		const char *ignored;
		mark = push_key(c, "comment");
		rc = want_text(c, v, TEXT_MAX, true, &ignored);
		pop(c, mark);
		if (rc < 0)
			return rc;
	}

	if ((v = json_object_get(root, "adapters"))) {
		mark = push_key(c, "adapters");
		rc = want_array(c, v, MAX_ADAPTERS, "adapters");
		size_t n = rc < 0 ? 0 : json_array_size(v);
		struct dxgt_mock_adapter *a = NULL;
		if (rc == 0 && n && !(a = alloc(c, n, sizeof(*a))))
			rc = DXGT_E_NOMEM;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			size_t m = push_index(c, i);
			rc = parse_adapter(c, json_array_get(v, i), &a[i]);
			for (size_t j = 0; rc == 0 && j < i; j++) {
				if (a[j].luid != a[i].luid)
					continue;
				size_t k = push_key(c, "luid");
				rc = fail(c, DXGT_E_INVAL,
					  "expected a LUID no other adapter has, got 0x%016" PRIx64
					  " (also adapters[%zu])",
					  a[i].luid, j);
				pop(c, k);
			}
			pop(c, m);
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
		p->adapters = a;
		p->n_adapters = n;
	}

	if ((v = json_object_get(root, "faults"))) {
		mark = push_key(c, "faults");
		rc = want_array(c, v, MAX_FAULTS, "faults");
		size_t n = rc < 0 ? 0 : json_array_size(v);
		struct dxgt_mock_fault *f = NULL;
		if (rc == 0 && n && !(f = alloc(c, n, sizeof(*f))))
			rc = DXGT_E_NOMEM;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			size_t m = push_index(c, i);
			rc = parse_fault(c, json_array_get(v, i), &f[i]);
			pop(c, m);
		}
		pop(c, mark);
		if (rc < 0)
			return rc;
		p->faults = f;
		p->n_faults = n;
	}
	return 0;
}

/* ---- public entry points ---- */

void dxgt_profile_free(struct dxgt_profile *p)
{
	if (!p)
		return;
	struct profile_box *box = (struct profile_box *)p;
	for (struct block *b = box->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(box);
}

int dxgt_profile_parse(struct dxgt_profile **out, const char *json, size_t len, const char *origin,
		       char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (out)
		*out = NULL;
	if (!origin)
		origin = "(profile)";
	if (!out || (!json && len))
		return fail_top(err, errlen, DXGT_E_INVAL, "%s: invalid argument", origin);

	struct ctx c = {.origin = origin, .err = err, .errlen = errlen};
	int rc = 0;
	json_t *root = NULL;
	c.box = calloc(1, sizeof(*c.box));
	const char *slash = strrchr(origin, '/');
	c.dir =
	    slash ? strndup(origin, slash == origin ? 1 : (size_t)(slash - origin)) : strdup(".");
	if (!c.box || !c.dir) {
		rc = fail_top(err, errlen, DXGT_E_NOMEM, "%s: out of memory", origin);
		goto out;
	}
	if (!(c.box->p.origin = dup_mem(&c, origin, strlen(origin)))) {
		rc = DXGT_E_NOMEM;
		goto out;
	}

	json_error_t je;
	root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.line > 0)
			rc = fail_top(err, errlen, DXGT_E_CORRUPT, "%s:%d:%d: %s", origin, je.line,
				      je.column, je.text);
		else
			rc = fail_top(err, errlen, DXGT_E_CORRUPT, "%s: %s", origin, je.text);
		goto out;
	}
	rc = parse_root(&c, root);
out:
	json_decref(root);
	free(c.dir);
	if (rc < 0) {
		dxgt_profile_free(c.box ? &c.box->p : NULL);
		return rc;
	}
	*out = &c.box->p;
	return 0;
}

/* Reads a whole regular file of at most FILE_MAX bytes into *buf (owned,
 * free with free()). */
static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *b = NULL;
	if (fd < 0) {
		const char *e = dxgt_errno_name(errno);
		rc = fail_top(err, errlen, errno == ENOENT ? DXGT_E_NOTFOUND : DXGT_E_IO,
			      "%s: cannot open the profile (%s)", path, e ? e : "error");
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = fail_top(err, errlen, DXGT_E_IO, "%s: expected a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > FILE_MAX) {
		rc = fail_top(err, errlen, DXGT_E_TOOBIG,
			      "%s: expected a profile of at most %u MiB, got %jd bytes", path,
			      FILE_MAX >> 20, (intmax_t)st.st_size);
		goto out;
	}
	size_t n = (size_t)st.st_size, got = 0;
	if (!(b = malloc(n ? n : 1))) {
		rc = fail_top(err, errlen, DXGT_E_NOMEM, "%s: out of memory", path);
		goto out;
	}
	while (got < n) {
		ssize_t k = read(fd, b + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = fail_top(err, errlen, DXGT_E_IO, "%s: read error", path);
			goto out;
		}
		got += (size_t)k;
	}
	*buf = b;
	*len = n;
	b = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(b);
	return rc;
}

static int load_path(struct dxgt_profile **out, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, &text, &len, err, errlen);
	if (rc == 0)
		rc = dxgt_profile_parse(out, text, len, path, err, errlen);
	free(text);
	return rc;
}

/* The directories a bare name is looked up in, in order: those of
 * DXGMOCK_PROFILE_PATH, the installed ones, the source tree's. Calls fn
 * with each until it returns non-zero, and returns that. */
static int each_dir(int (*fn)(const char *dir, size_t dlen, void *arg), void *arg)
{
	const char *env = getenv("DXGMOCK_PROFILE_PATH");
	int rc;
	for (const char *s = env; s && *s;) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n && (rc = fn(s, n, arg)) != 0)
			return rc;
		s = e ? e + 1 : s + n;
	}
#ifdef DXGT_PROFILE_INSTALL_DIR
	if ((rc = fn(DXGT_PROFILE_INSTALL_DIR, strlen(DXGT_PROFILE_INSTALL_DIR), arg)) != 0)
		return rc;
#endif
	return fn(DXGT_PROFILE_DIR, strlen(DXGT_PROFILE_DIR), arg);
}

struct find {
	const char *name;
	char *found; /* owned */
	int rc;
};

static int find_in(const char *dir, size_t dlen, void *arg)
{
	struct find *f = arg;
	size_t k = dlen + strlen(f->name) + 7;
	char *cand = malloc(k);
	if (!cand) {
		f->rc = DXGT_E_NOMEM;
		return 1;
	}
	snprintf(cand, k, "%.*s/%s.json", (int)dlen, dir, f->name);
	struct stat st;
	if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
		f->found = cand;
		return 1;
	}
	free(cand);
	return 0;
}

struct names {
	char *v[LIST_MAX];
	size_t n;
};

static int list_in(const char *dir, size_t dlen, void *arg)
{
	struct names *l = arg;
	char *d = strndup(dir, dlen);
	DIR *dp = d ? opendir(d) : NULL;
	free(d);
	if (!dp)
		return 0;
	struct dirent *e;
	while ((e = readdir(dp)) && l->n < LIST_MAX) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		bool dup = false;
		for (size_t i = 0; i < l->n; i++)
			dup |= strncmp(l->v[i], e->d_name, n - 5) == 0 && !l->v[i][n - 5];
		if (!dup && (l->v[l->n] = strndup(e->d_name, n - 5)))
			l->n++;
	}
	closedir(dp);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dxgt_profile_load(struct dxgt_profile **out, const char *name_or_path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (out)
		*out = NULL;
	if (!out || !name_or_path || !name_or_path[0])
		return fail_top(
		    err, errlen, DXGT_E_INVAL,
		    "profile: expected a profile name or a path to a .json file, got %s",
		    name_or_path ? "\"\"" : "nothing");
	size_t n = strlen(name_or_path);
	if (strchr(name_or_path, '/') || (n > 5 && strcmp(name_or_path + n - 5, ".json") == 0))
		return load_path(out, name_or_path, err, errlen);

	struct find f = {.name = name_or_path};
	each_dir(find_in, &f);
	if (f.rc < 0)
		return fail_top(err, errlen, f.rc, "%s: out of memory", name_or_path);
	if (f.found) {
		int rc = load_path(out, f.found, err, errlen);
		free(f.found);
		return rc;
	}

	struct names l = {.n = 0};
	each_dir(list_in, &l);
	qsort(l.v, l.n, sizeof(l.v[0]), cmp_str);
	char list[1024];
	join(list, sizeof(list), (const char *const *)l.v, l.n);
	struct near nr = {name_or_path, NULL, 0};
	for (size_t i = 0; i < l.n; i++)
		near_try(&nr, l.v[i]);
	char hint[LIST_MAX + 32] = "";
	if (nr.best)
		snprintf(hint, sizeof(hint), "; did you mean \"%s\"?", nr.best);
	fail_top(err, errlen, DXGT_E_NOTFOUND,
		 "%s: unknown profile; expected one of %s (searched DXGMOCK_PROFILE_PATH and %s)%s",
		 name_or_path, l.n ? list : "(none found)", DXGT_PROFILE_DIR, hint);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	return DXGT_E_NOTFOUND;
}

const char *dxgt_profile_dir(void)
{
	return DXGT_PROFILE_DIR;
}
