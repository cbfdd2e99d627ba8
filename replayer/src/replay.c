// SPDX-License-Identifier: MIT
/*
 * The replay engine: dxgt_replay_run() (dxgt/replay.h).
 *
 * Two passes over the trace. The first only counts the calls of each layer,
 * so that the layer is chosen and a trace with nothing to replay is refused
 * before anything is sent; it stops as soon as the choice is settled (a
 * call of the chosen layer seen) and the trace's host META has been read
 * (writers put it among the first records), so that on a usable trace it
 * costs a few chunks, not a whole read. A trace it refuses, or one without
 * a host META, is read to the end as before. The second pairs enter and
 * leave records (calls in sequence order) and, for each selected call,
 * rebuilds the argument struct in memory this file owns, sends it through
 * the backend, binds the handles it created, compares the result with the
 * LEAVE record and writes the call to the output trace.
 *
 * Invariants:
 * - A pointer value read from the trace is a number: it is copied into the
 *   output trace (so that the replay reads like the recording) and tested
 *   against 0 (a NULL pointer stays NULL), never followed. Every nested
 *   buffer a backend sees was allocated here, at least as long as its
 *   length rule gives on the image sent and as the recording's orig_len.
 * - An argument image sent with a descriptor is exactly the descriptor's
 *   size at the layer; anything else goes raw (ioctl layer) or is skipped.
 * - Handles: one map from (kind, recorded value) to the live value. A
 *   binding is made only from a call that succeeded both when recorded and
 *   when replayed, and dropped when the recording says the object was
 *   destroyed. Adapter LUIDs have a map of their own, filled from
 *   enumerations.
 * - The output trace depends on nothing that changes from run to run but
 *   time_ns and the header's creation time: pointer fields carry the
 *   recorded values, volatile output fields are zeroed, buffer addr fields
 *   are 0, tid is 1, seq counts the replayed calls.
 *
 * Across systems (dxgt/crossos.h): a Windows capture's QUERYREGISTRY
 * queries (QueryAdapterInfo type 48) are sent in the Linux layout, which is
 * what the output trace records, and the answer is compared in the Windows
 * layout; when the trace's system and the one the backend answers as
 * differ, answers that differ only where a host and a WSL2 guest differ by
 * design are noted rather than counted (unless host_differences).
 *
 * Must never: print anywhere but opts->log, exit, follow a recorded
 * pointer, or send a call whose buffers it could not rebuild.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/crossos.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"
#include "dxgt/status.h"
#include "dxgt/trace.h"
#include "dxgt/uapi.h"

/* A nested buffer longer than this is not rebuilt: the call is skipped. */
#define MAX_BUF_BYTES (256u << 20)
/* Calls between two progress reports. */
#define PROGRESS_EVERY 64u

/* ---- little-endian fields of an image ---- */

static uint64_t rd(const uint8_t *img, size_t len, uint32_t off, uint32_t size)
{
	uint64_t v = 0;
	if (dxgt_field_read(img, len, off, size, &v) < 0)
		return 0;
	return v;
}

static void wr(uint8_t *img, size_t len, uint32_t off, uint32_t size, uint64_t v)
{
	if ((uint64_t)off + size > len)
		return;
	for (uint32_t i = 0; i < size; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

/* ---- a map of u64 keys (never 0) to u64 values ---- */

struct slot {
	uint64_t key; /* 0: empty */
	uint64_t val;
	bool dead; /* released: absent, but the slot stays for probing */
};

struct map {
	struct slot *s;
	size_t cap, used;
};

static struct slot *map_find(const struct map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (m->cap - 1);
	while (m->s[i].key && m->s[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return &m->s[i];
}

static int map_grow(struct map *m)
{
	if ((m->used + 1) * 2 <= m->cap)
		return 0;
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct map n = {calloc(ncap, sizeof(struct slot)), ncap, 0};
	if (!n.s)
		return DXGT_E_NOMEM;
	/* Released slots are not carried over: growing also cleans up. */
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].key && !m->s[i].dead) {
			*map_find(&n, m->s[i].key) = m->s[i];
			n.used++;
		}
	free(m->s);
	*m = n;
	return 0;
}

static int map_put(struct map *m, uint64_t key, uint64_t val)
{
	assert(key != 0);
	int rc = map_grow(m);
	if (rc < 0)
		return rc;
	struct slot *s = map_find(m, key);
	if (!s->key)
		m->used++;
	s->key = key;
	s->val = val;
	s->dead = false;
	return 0;
}

static bool map_get(const struct map *m, uint64_t key, uint64_t *val)
{
	const struct slot *s = key ? map_find(m, key) : NULL;
	if (!s || !s->key || s->dead)
		return false;
	if (val)
		*val = s->val;
	return true;
}

static void map_del(struct map *m, uint64_t key)
{
	struct slot *s = key ? map_find(m, key) : NULL;
	if (s && s->key)
		s->dead = true;
}

/* ---- the replay state ---- */

/* A buffer rebuilt for the call being replayed. */
struct lbuf {
	const struct dxgt_buf_desc *bd;
	uint8_t level;
	uint16_t desc;	  /* index in the call's bufs (level 0) or the element's (level 1) */
	uint16_t parent;  /* level 1: the level-0 desc */
	uint32_t elem;	  /* level 1: the element */
	uint8_t *mem;	  /* owned */
	size_t size;	  /* bytes allocated (and zeroed or copied) */
	uint64_t rec_ptr; /* the pointer value the trace held, written back in the output */
};

/* The parts of a call descriptor and an element descriptor that describe
 * one image: what masking and handle walking need. */
struct shape {
	const struct dxgt_handle_desc *handles;
	const struct dxgt_buf_desc *bufs;
	const struct dxgt_field_desc *volatiles, *scalars;
	uint16_t n_handles, n_bufs, n_volatiles, n_scalars;
};

struct replay {
	const char *path;
	const struct dxgt_replay_opts *o;
	struct dxgt_backend *b;
	struct dxgt_replay_stats *st;
	enum dxgt_layer layer;
	FILE *log;
	unsigned max_reports, reports, notes;
	bool reports_cut, notes_cut;
	enum dxgt_os trace_os; /* the trace's host META os */
	bool cross;	       /* the trace's system and the backend's differ */

	struct map handles; /* (kind << 32 | recorded) -> live */
	struct map noted;   /* (kind << 32 | recorded) of unmapped handles already noted */
	struct map luids;   /* recorded LUID -> live LUID */
	struct map rec_ids; /* recorded LUID -> vendor << 16 | device, where the trace says */
	bool rec_ids_read;  /* rec_ids is filled on first need: see need_rec_ids() */

	struct dxgt_writer *w;
	uint64_t out_seq;

	/* The call being replayed. */
	const struct dxgt_call *c;
	const struct dxgt_call_desc *d; /* NULL: sent raw */
	char name[64];
	uint8_t *args; /* the live image, args_len bytes (owned) */
	uint32_t args_len;
	struct lbuf *bufs;
	size_t n_bufs, cap_bufs;
	bool mismatched; /* this call already counted as a mismatch */
	/* A Windows QUERYREGISTRY sent in the Linux layout: the buffer's index
	 * in bufs and the recorded (Windows) private_data_size. */
	bool qr_conv;
	size_t qr_buf;
	uint32_t qr_win_len;

	char *err;
	size_t errlen;
};

static struct shape call_shape(const struct dxgt_call_desc *d)
{
	return (struct shape){d->handles,   d->bufs,   d->volatiles,   d->scalars,
			      d->n_handles, d->n_bufs, d->n_volatiles, d->n_scalars};
}

static struct shape elem_shape(const struct dxgt_elem_desc *e)
{
	return (struct shape){e->handles,   e->bufs,   e->volatiles,   e->scalars,
			      e->n_handles, e->n_bufs, e->n_volatiles, e->n_scalars};
}

static size_t elem_size(const struct dxgt_buf_desc *bd)
{
	return bd->elem && bd->elem->size ? bd->elem->size : bd->elem_size;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((format(printf, 2, 3))) void seterr(struct replay *r, const char *fmt, ...)
{
	if (!r->err || !r->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
}

/* A line in the log: a mismatch (counted against max_reports) or a note. */
static __attribute__((format(printf, 3, 4))) void logline(struct replay *r, bool mismatch,
							  const char *fmt, ...)
{
	if (!r->log)
		return;
	unsigned *n = mismatch ? &r->reports : &r->notes;
	bool *cut = mismatch ? &r->reports_cut : &r->notes_cut;
	if (*n >= r->max_reports) {
		if (!*cut)
			fprintf(r->log, "(more %s not shown)\n", mismatch ? "mismatches" : "notes");
		*cut = true;
		return;
	}
	(*n)++;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
}

/* A difference in the current call: one line, and the call counted once. */
static __attribute__((format(printf, 2, 3))) void mismatch(struct replay *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!r->mismatched) {
		r->mismatched = true;
		r->st->mismatches++;
		if (!r->st->first_mismatch_seq)
			r->st->first_mismatch_seq = r->c->enter->seq;
	}
	logline(r, true, "seq %" PRIu64 ": %s: %s", r->c->enter->seq, r->name, line);
}

static void call_name(const struct dxgt_call *c, char *buf, size_t len)
{
	const struct dxgt_call_desc *d = c->desc;
	const char *n = NULL;
	if (d && c->enter->layer == DXGT_LAYER_D3DKMT)
		n = d->kmt_name;
	else if (d && c->enter->layer == DXGT_LAYER_IOCTL)
		n = d->ioctl_name;
	if (!n && d)
		n = d->name;
	if (n) { /* snprintf "%s" without the formatting: this runs per call */
		size_t k = strnlen(n, len - 1);
		memcpy(buf, n, k);
		buf[k] = '\0';
	} else
		snprintf(buf, len, "ioctl(0x%08" PRIx32 ")", c->enter->code);
}

/* ---- handles ---- */

static uint64_t hkey(unsigned kind, uint32_t v)
{
	return (uint64_t)kind << 32 | v;
}

/* The live value bound to recorded handle v of kind k (any kind for
 * DXGT_OBJ_ANY); false when none is. */
static bool lookup(const struct replay *r, unsigned kind, uint32_t v, uint32_t *live)
{
	uint64_t x;
	if (kind == DXGT_OBJ_ANY) {
		for (unsigned k = 1; k < DXGT_OBJ_COUNT; k++)
			if (k != DXGT_OBJ_ANY && map_get(&r->handles, hkey(k, v), &x)) {
				*live = (uint32_t)x;
				return true;
			}
		return false;
	}
	if (!map_get(&r->handles, hkey(kind, v), &x))
		return false;
	*live = (uint32_t)x;
	return true;
}

/* The live value to send for recorded handle v; an unknown one is sent as
 * recorded, counted and noted once. */
static uint32_t map_in(struct replay *r, unsigned kind, uint32_t v)
{
	uint32_t live;
	if (!v || kind == DXGT_OBJ_NONE)
		return v;
	if (lookup(r, kind, v, &live))
		return live;
	if (!map_get(&r->noted, hkey(kind, v), NULL)) {
		if (map_put(&r->noted, hkey(kind, v), 1) == 0)
			r->st->unmapped++;
		logline(r, false,
			"note: seq %" PRIu64 ": %s: %s handle 0x%08" PRIx32
			" was not created by a replayed call: sent as recorded",
			r->c->enter->seq, r->name, dxgt_obj_name((enum dxgt_obj)kind), v);
	}
	return v;
}

/* What a live handle must equal for recorded value v to match. */
static uint32_t expected_handle(const struct replay *r, unsigned kind, uint32_t v)
{
	uint32_t live;
	if (v && kind != DXGT_OBJ_NONE && lookup(r, kind, v, &live))
		return live;
	return v;
}

static int bind(struct replay *r, unsigned kind, uint32_t rec, uint32_t live)
{
	if (!rec || !live || kind == DXGT_OBJ_NONE || kind == DXGT_OBJ_ANY ||
	    kind >= DXGT_OBJ_COUNT)
		return 0;
	return map_put(&r->handles, hkey(kind, rec), live);
}

static uint32_t handle_count(const struct dxgt_handle_desc *h, const uint8_t *img, size_t len)
{
	if (!h->count_size)
		return 1;
	uint64_t n = rd(img, len, h->count_off, h->count_size);
	return n < h->max ? (uint32_t)n : h->max;
}

/* Replace the handles an image uses (IN, DEL, INOUT when non-zero) by
 * their live values. */
static void remap_image(struct replay *r, const struct shape *s, uint8_t *img, size_t len)
{
	for (uint16_t i = 0; i < s->n_handles; i++) {
		const struct dxgt_handle_desc *h = &s->handles[i];
		if (h->role == DXGT_ROLE_OUT || h->role == DXGT_ROLE_NONE)
			continue;
		uint32_t n = handle_count(h, img, len);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t off = h->off + k * h->stride;
			if ((uint64_t)off + 4 > len)
				break;
			uint32_t v = (uint32_t)rd(img, len, off, 4);
			wr(img, len, off, 4, map_in(r, h->kind, v));
		}
	}
}

/* Recorded LUID inputs become the live adapters' LUIDs. */
static void remap_luids(struct replay *r, const struct shape *s, uint8_t *img, size_t len)
{
	for (uint16_t i = 0; i < s->n_scalars; i++) {
		const struct dxgt_field_desc *f = &s->scalars[i];
		uint64_t live;
		if (f->fmt == DXGT_FMT_LUID && map_get(&r->luids, rd(img, len, f->off, 8), &live))
			wr(img, len, f->off, 8, live);
	}
}

/* ---- adapters: LUIDs and enumerations ---- */

struct adapter {
	uint32_t handle;
	uint64_t luid;
};

static int need_rec_ids(struct replay *r);

static void luid_text(uint64_t luid, char *buf, size_t len)
{
	snprintf(buf, len, "0x%08" PRIx32 ":0x%08" PRIx32, (uint32_t)(luid >> 32), (uint32_t)luid);
}

/* Learn the LUID mapping from a recorded and a live enumeration: a LUID
 * the live list has maps to itself; the others map by position to what is
 * left, and the mapping is reported. */
static int learn_luids(struct replay *r, const struct adapter *rec, size_t nr,
		       const struct adapter *live, size_t nl)
{
	bool *taken = calloc(nl ? nl : 1, sizeof(bool));
	if (!taken)
		return DXGT_E_NOMEM;
	int rc = 0;
	uint64_t x;
	for (size_t j = 0; j < nl; j++)
		if (!live[j].luid && !live[j].handle)
			taken[j] = true; /* an entry the live call did not fill */
	for (size_t i = 0; i < nr; i++)
		if (map_get(&r->luids, rec[i].luid, &x))
			for (size_t j = 0; j < nl; j++)
				if (live[j].luid == x)
					taken[j] = true;
	for (size_t i = 0; i < nr && rc == 0; i++) {
		if (!rec[i].luid || map_get(&r->luids, rec[i].luid, NULL))
			continue;
		for (size_t j = 0; j < nl; j++)
			if (!taken[j] && live[j].luid == rec[i].luid) {
				taken[j] = true;
				rc = map_put(&r->luids, rec[i].luid, rec[i].luid);
				break;
			}
	}
	for (size_t i = 0; i < nr && rc == 0; i++) {
		if (!rec[i].luid || map_get(&r->luids, rec[i].luid, NULL))
			continue;
		size_t j = nl;
		const char *how = "by position";
		/* The same PCI vendor and device, when both sides say. */
		uint64_t want;
		uint32_t v, dv;
		if (r->b->adapter_ids && (rc = need_rec_ids(r)) == 0 &&
		    map_get(&r->rec_ids, rec[i].luid, &want))
			for (size_t k = 0; k < nl && j == nl; k++)
				if (!taken[k] &&
				    r->b->adapter_ids(r->b, live[k].luid, &v, &dv) == 0 &&
				    ((uint64_t)v << 16 | dv) == want) {
					j = k;
					how = "by vendor and device id";
				}
		if (j == nl)
			j = i < nl && !taken[i] ? i : nl;
		for (size_t k = 0; j == nl && k < nl; k++)
			if (!taken[k])
				j = k;
		char a[32], b[32];
		luid_text(rec[i].luid, a, sizeof(a));
		if (j == nl) {
			logline(r, false,
				"adapter LUID %s (recorded): no live adapter to map it to", a);
			continue;
		}
		taken[j] = true;
		luid_text(live[j].luid, b, sizeof(b));
		logline(r, false, "adapter LUID %s (recorded) -> %s (live), %s", a, b, how);
		if (r->w) {
			char text[160];
			snprintf(text, sizeof(text), "adapter LUID %s (recorded) -> %s (live), %s",
				 a, b, how);
			struct dxgt_meta_field f = {.key = "text",
						    .type = DXGT_VAL_STR,
						    .data = (const uint8_t *)text,
						    .len = (uint32_t)strlen(text)};
			struct dxgt_record m = {.type = DXGT_REC_META,
						.meta_kind = DXGT_META_NOTE,
						.fields = &f,
						.n_fields = 1};
			if (dxgt_writer_add(r->w, &m) < 0)
				rc = DXGT_E_IO;
		}
		if (rc == 0)
			rc = map_put(&r->luids, rec[i].luid, live[j].luid);
	}
	free(taken);
	return rc;
}

/* Bind the adapter handles of two enumerations, pairing entries by LUID
 * through the mapping, else by position. */
static int pair_adapters(struct replay *r, const struct adapter *rec, size_t nr,
			 const struct adapter *live, size_t nl)
{
	int rc = learn_luids(r, rec, nr, live, nl);
	for (size_t i = 0; i < nr && rc == 0; i++) {
		uint64_t want = rec[i].luid;
		map_get(&r->luids, want, &want);
		size_t j = nl;
		for (size_t k = 0; k < nl && j == nl; k++)
			if (live[k].luid == want)
				j = k;
		if (j == nl && i < nl)
			j = i;
		if (j < nl)
			rc = bind(r, DXGT_OBJ_ADAPTER, rec[i].handle, live[j].handle);
	}
	return rc;
}

/* The element layout of an adapter list: an element type with an adapter
 * handle and a LUID. Returns false for other element types. */
static bool adapter_elem(const struct dxgt_elem_desc *e, uint32_t *hoff, uint32_t *loff)
{
	if (!e)
		return false;
	bool h = false, l = false;
	for (uint16_t i = 0; i < e->n_handles; i++)
		if (e->handles[i].kind == DXGT_OBJ_ADAPTER) {
			*hoff = e->handles[i].off;
			h = true;
		}
	for (uint16_t i = 0; i < e->n_scalars; i++)
		if (e->scalars[i].fmt == DXGT_FMT_LUID) {
			*loff = e->scalars[i].off;
			l = true;
		}
	return h && l;
}

/* Read n entries of stride bytes holding a handle at hoff and a LUID at
 * loff. Returns an array (owned, free()) or NULL with *n = 0. */
static struct adapter *read_adapters(const uint8_t *p, size_t len, size_t stride, uint32_t hoff,
				     uint32_t loff, size_t *n)
{
	size_t cnt = stride ? len / stride : 0;
	cnt = cnt < *n ? cnt : *n;
	struct adapter *a = calloc(cnt ? cnt : 1, sizeof(*a));
	if (!a) {
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *e = p + i * stride;
		a[i].handle = (uint32_t)rd(e, stride, hoff, 4);
		a[i].luid = rd(e, stride, loff, 8);
	}
	*n = cnt;
	return a;
}

/* ---- rebuilding a call ---- */

static const struct dxgt_rec_buf *find_rec_buf(const struct dxgt_record *rec, unsigned level,
					       unsigned desc, unsigned parent, uint32_t elem)
{
	if (!rec)
		return NULL;
	for (uint16_t i = 0; i < rec->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &rec->bufs[i];
		if (b->level == level && b->desc == desc &&
		    (level == 0 || (b->parent == parent && b->elem == elem)))
			return b;
	}
	return NULL;
}

static struct lbuf *find_lbuf(struct replay *r, unsigned level, unsigned desc, unsigned parent,
			      uint32_t elem)
{
	for (size_t i = 0; i < r->n_bufs; i++) {
		struct lbuf *b = &r->bufs[i];
		if (b->level == level && b->desc == desc &&
		    (level == 0 || (b->parent == parent && b->elem == elem)))
			return b;
	}
	return NULL;
}

static void free_call(struct replay *r)
{
	for (size_t i = 0; i < r->n_bufs; i++)
		free(r->bufs[i].mem);
	r->n_bufs = 0;
	free(r->args);
	r->args = NULL;
	r->args_len = 0;
}

static bool dir_has(uint8_t dir, bool enter)
{
	return enter ? (dir & DXGT_DIR_IN) != 0 : (dir & DXGT_DIR_OUT) != 0;
}

/* Allocate one buffer for pointer field bd->ptr_off of img: the rule's
 * length on img, at least the recording's orig_len, holding the recorded
 * input bytes (zeros past them). Returns 0, 1 when the call must be
 * skipped (noted), or DXGT_E_NOMEM. */
static int rebuild_buf(struct replay *r, const struct dxgt_buf_desc *bd, uint8_t *img, size_t len,
		       const struct dxgt_rec_buf *rb, struct lbuf *out, const char *what)
{
	uint64_t bytes = 0;
	bool ruled = dxgt_buf_len(bd, img, len, &bytes) == 0;
	if (rb && (!ruled || bytes < rb->orig_len))
		bytes = rb->orig_len;
	else if (!ruled)
		bytes = UINT64_MAX;
	if (bytes > MAX_BUF_BYTES) {
		logline(r, false,
			"note: seq %" PRIu64 ": %s: buffer %s would need more than %u MiB "
			"(its length field says %s): call skipped",
			r->c->enter->seq, r->name, what, MAX_BUF_BYTES >> 20,
			ruled ? "so" : "more than 64 bits hold");
		return 1;
	}
	/* Never a zero-sized block: a non-NULL pointer stays non-NULL. */
	out->size = (size_t)bytes;
	out->mem = calloc(1, out->size ? out->size : 8);
	if (!out->mem)
		return DXGT_E_NOMEM;
	if (rb) {
		size_t n = rb->len < out->size ? rb->len : out->size;
		memcpy(out->mem, rb->data, n);
		if (rb->flags & (DXGT_BUF_TRUNCATED | DXGT_BUF_UNREADABLE))
			logline(r, false,
				"note: seq %" PRIu64 ": %s: buffer %s was %s in the trace "
				"(%" PRIu32 " of %" PRIu32 " bytes): the rest is sent as zeros",
				r->c->enter->seq, r->name, what,
				rb->flags & DXGT_BUF_UNREADABLE ? "unreadable" : "cut short",
				rb->len, rb->orig_len);
	}
	out->rec_ptr = rd(img, len, bd->ptr_off, 8);
	wr(img, len, bd->ptr_off, 8, (uint64_t)(uintptr_t)out->mem);
	return 0;
}

static struct lbuf *new_lbuf(struct replay *r)
{
	if (r->n_bufs == r->cap_bufs) {
		size_t n = r->cap_bufs ? 2 * r->cap_bufs : 16;
		struct lbuf *b = realloc(r->bufs, n * sizeof(*b));
		if (!b)
			return NULL;
		r->bufs = b;
		r->cap_bufs = n;
	}
	struct lbuf *b = &r->bufs[r->n_bufs++];
	memset(b, 0, sizeof(*b));
	return b;
}

/* The second level inside rebuilt level-0 buffer index i0 (of r->bufs). */
static int rebuild_elems(struct replay *r, size_t i0)
{
	const struct dxgt_buf_desc *bd = r->bufs[i0].bd;
	const struct dxgt_elem_desc *ed = bd->elem;
	size_t esz = elem_size(bd);
	size_t count = esz ? r->bufs[i0].size / esz : 0;
	struct shape s = elem_shape(ed);
	const struct dxgt_record *in = r->c->enter;
	for (size_t e = 0; e < count; e++) {
		uint8_t *el = r->bufs[i0].mem + e * esz;
		remap_image(r, &s, el, esz);
		for (uint16_t j = 0; j < ed->n_bufs; j++) {
			const struct dxgt_buf_desc *eb = &ed->bufs[j];
			const struct dxgt_rec_buf *rb =
			    find_rec_buf(in, 1, j, r->bufs[i0].desc, (uint32_t)e);
			if (!rb && rd(el, esz, eb->ptr_off, 8) == 0)
				continue;
			uint16_t pdesc = r->bufs[i0].desc;
			struct lbuf *lb = new_lbuf(r);
			if (!lb)
				return DXGT_E_NOMEM;
			/* new_lbuf may move r->bufs: el stays valid (it is in mem). */
			lb->bd = eb;
			lb->level = 1;
			lb->desc = j;
			lb->parent = pdesc;
			lb->elem = (uint32_t)e;
			char what[96];
			snprintf(what, sizeof(what), "%s[%zu].%s", bd->name, e, eb->name);
			int rc = rebuild_buf(r, eb, el, esz, rb, lb, what);
			if (rc != 0) {
				r->n_bufs--;
				return rc;
			}
		}
	}
	return 0;
}

/* Rebuild the current call's argument image and buffers. Returns 0, 1 to
 * skip the call (noted), or a negative error. */
static int rebuild(struct replay *r)
{
	const struct dxgt_record *in = r->c->enter;
	const struct dxgt_call_desc *d = r->d;
	uint32_t size = d ? dxgt_call_args_size(d, r->layer) : in->args_len;
	if (!d && r->layer == DXGT_LAYER_IOCTL) {
		/* Raw: the request's encoded size, the recorded bytes. */
		uint32_t enc = (in->code >> 16) & 0x3fff;
		size = in->args_len > enc ? in->args_len : enc;
	}
	r->args_len = size;
	r->args = calloc(1, size ? size : 8);
	if (!r->args)
		return DXGT_E_NOMEM;
	memcpy(r->args, in->args, in->args_len < size ? in->args_len : size);
	if (!d)
		return 0;
	struct shape s = call_shape(d);
	remap_image(r, &s, r->args, size);
	remap_luids(r, &s, r->args, size);
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *bd = &d->bufs[i];
		const struct dxgt_rec_buf *rb = find_rec_buf(in, 0, i, 0, 0);
		if (rd(r->args, size, bd->ptr_off, 8) == 0)
			continue; /* NULL stays NULL */
		struct lbuf *lb = new_lbuf(r);
		if (!lb)
			return DXGT_E_NOMEM;
		lb->bd = bd;
		lb->desc = i;
		lb->parent = 0xffff;
		int rc = rebuild_buf(r, bd, r->args, size, rb, lb, bd->name);
		if (rc != 0) {
			r->n_bufs--;
			return rc;
		}
		if (bd->elem_size == 4 && bd->kind != DXGT_OBJ_NONE && bd->role != DXGT_ROLE_OUT) {
			for (size_t off = 0; off + 4 <= lb->size; off += 4) {
				uint32_t v = (uint32_t)rd(lb->mem, lb->size, (uint32_t)off, 4);
				wr(lb->mem, lb->size, (uint32_t)off, 4, map_in(r, bd->kind, v));
			}
		}
		if (bd->elem && elem_size(bd) && (rc = rebuild_elems(r, r->n_bufs - 1)) != 0)
			return rc;
	}
	return 0;
}

/* ---- after the call: binding and releasing handles ---- */

static bool recorded_ok(const struct dxgt_record *l)
{
	if (l->flags & DXGT_LEAVE_STATUS)
		return (int32_t)l->status >= 0;
	return l->ret >= 0;
}

static bool live_ok(const struct dxgt_backend_result *res)
{
	if (res->has_status)
		return (int32_t)res->status >= 0;
	return res->ret >= 0;
}

/* The live length of a rebuilt buffer after the call: the rule on the live
 * image, within what was allocated. */
static size_t live_len(const struct lbuf *lb, const uint8_t *img, size_t len, bool *cut)
{
	uint64_t bytes = 0;
	*cut = false;
	if (dxgt_buf_len(lb->bd, img, len, &bytes) < 0)
		bytes = lb->size;
	if (bytes > lb->size) {
		*cut = true;
		bytes = lb->size;
	}
	return (size_t)bytes;
}

static const uint8_t *parent_elem(struct replay *r, const struct lbuf *lb, size_t *esz)
{
	const struct lbuf *p = find_lbuf(r, 0, lb->parent, 0, 0);
	*esz = p ? elem_size(p->bd) : 0;
	if (!p || (size_t)(lb->elem + 1) * *esz > p->size)
		return NULL;
	return p->mem + (size_t)lb->elem * *esz;
}

static int bind_image_handles(struct replay *r, const struct shape *s, const uint8_t *enter,
			      size_t elen, const uint8_t *rec, size_t rlen, const uint8_t *live,
			      size_t llen)
{
	for (uint16_t i = 0; i < s->n_handles; i++) {
		const struct dxgt_handle_desc *h = &s->handles[i];
		if (h->role != DXGT_ROLE_OUT && h->role != DXGT_ROLE_INOUT)
			continue;
		uint32_t nr = handle_count(h, rec, rlen), nl = handle_count(h, live, llen);
		if (h->kind == DXGT_OBJ_ADAPTER && h->count_size &&
		    h->stride == sizeof(struct dxgt_adapterinfo)) {
			/* An inline adapter list (EnumAdapters): pair by LUID. */
			uint32_t hoff = (uint32_t)offsetof(struct dxgt_adapterinfo, adapter_handle);
			uint32_t loff = (uint32_t)offsetof(struct dxgt_adapterinfo, adapter_luid);
			uint32_t base = h->off - hoff;
			size_t n1 = nr, n2 = nl;
			struct adapter *a = read_adapters(rec + base, rlen > base ? rlen - base : 0,
							  h->stride, hoff, loff, &n1);
			struct adapter *b = read_adapters(
			    live + base, llen > base ? llen - base : 0, h->stride, hoff, loff, &n2);
			int rc = a && b ? pair_adapters(r, a, n1, b, n2) : DXGT_E_NOMEM;
			free(a);
			free(b);
			if (rc < 0)
				return rc;
			continue;
		}
		for (uint32_t k = 0; k < nr && k < nl; k++) {
			uint32_t off = h->off + k * h->stride;
			if (h->role == DXGT_ROLE_INOUT && rd(enter, elen, off, 4) != 0)
				continue;
			int rc = bind(r, h->kind, (uint32_t)rd(rec, rlen, off, 4),
				      (uint32_t)rd(live, llen, off, 4));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Handles the call created: recorded values from the LEAVE record, live
 * ones from the replayed output. */
static int bind_created(struct replay *r)
{
	const struct dxgt_record *in = r->c->enter, *out = r->c->leave;
	const struct dxgt_call_desc *d = r->d;
	struct shape s = call_shape(d);
	int rc = bind_image_handles(r, &s, in->args, in->args_len, out->args, out->args_len,
				    r->args, r->args_len);
	for (size_t i = 0; i < r->n_bufs && rc == 0; i++) {
		const struct lbuf *lb = &r->bufs[i];
		const struct dxgt_buf_desc *bd = lb->bd;
		if (lb->level != 0)
			continue;
		const struct dxgt_rec_buf *rb = find_rec_buf(out, 0, lb->desc, 0, 0);
		if (!rb)
			continue;
		bool cut;
		size_t ll = live_len(lb, r->args, r->args_len, &cut);
		if (bd->elem_size == 4 && bd->kind != DXGT_OBJ_NONE &&
		    (bd->role == DXGT_ROLE_OUT || bd->role == DXGT_ROLE_INOUT)) {
			const struct dxgt_rec_buf *ib = find_rec_buf(in, 0, lb->desc, 0, 0);
			for (uint32_t off = 0; off + 4 <= rb->len && off + 4 <= ll && rc == 0;
			     off += 4) {
				if (bd->role == DXGT_ROLE_INOUT && ib &&
				    rd(ib->data, ib->len, off, 4))
					continue;
				rc = bind(r, bd->kind, (uint32_t)rd(rb->data, rb->len, off, 4),
					  (uint32_t)rd(lb->mem, lb->size, off, 4));
			}
		}
		if (!bd->elem || !bd->elem->n_handles || !elem_size(bd))
			continue;
		size_t esz = elem_size(bd);
		size_t nr = rb->len / esz, nl = ll / esz;
		uint32_t hoff = 0, loff = 0;
		if (adapter_elem(bd->elem, &hoff, &loff)) {
			struct adapter *a = read_adapters(rb->data, rb->len, esz, hoff, loff, &nr);
			struct adapter *b = read_adapters(lb->mem, ll, esz, hoff, loff, &nl);
			rc = a && b ? pair_adapters(r, a, nr, b, nl) : DXGT_E_NOMEM;
			free(a);
			free(b);
			continue;
		}
		struct shape es = elem_shape(bd->elem);
		const struct dxgt_rec_buf *ib = find_rec_buf(in, 0, lb->desc, 0, 0);
		for (size_t e = 0; e < nr && e < nl && rc == 0; e++) {
			/* The element as given at enter, for INOUT handles: none
			 * (reads as 0) when the array was output-only. */
			const uint8_t *ein =
			    ib && (e + 1) * esz <= ib->len ? ib->data + e * esz : NULL;
			rc = bind_image_handles(r, &es, ein, ein ? esz : 0, rb->data + e * esz, esz,
						lb->mem + e * esz, esz);
		}
	}
	return rc;
}

/* Handles the recording says the call destroyed: their bindings go. */
static void release_deleted(struct replay *r)
{
	const struct dxgt_record *in = r->c->enter;
	const struct dxgt_call_desc *d = r->d;
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		if (h->role != DXGT_ROLE_DEL)
			continue;
		uint32_t n = handle_count(h, in->args, in->args_len);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t v =
			    (uint32_t)rd(in->args, in->args_len, h->off + k * h->stride, 4);
			if (v)
				map_del(&r->handles, hkey(h->kind, v));
		}
	}
	for (uint16_t i = 0; i < in->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &in->bufs[i];
		if (b->level != 0 || b->desc >= d->n_bufs)
			continue;
		const struct dxgt_buf_desc *bd = &d->bufs[b->desc];
		if (bd->role != DXGT_ROLE_DEL || bd->elem_size != 4)
			continue;
		for (uint32_t off = 0; off + 4 <= b->len; off += 4) {
			uint32_t v = (uint32_t)rd(b->data, b->len, off, 4);
			if (v)
				map_del(&r->handles, hkey(bd->kind, v));
		}
	}
}

/* ---- across systems: QUERYREGISTRY layouts ---- */

/* The QueryAdapterInfo type of the call being replayed (the D3DKMT and the
 * ioctl struct are the same), or -1 for any other call. */
static int64_t qai_type(const struct replay *r)
{
	const struct dxgt_record *e = r->c->enter;
	if (!r->d || strcmp(r->d->name, "QueryAdapterInfo") != 0)
		return -1;
	return (int64_t)rd(e->args, e->args_len, offsetof(struct dxgt_queryadapterinfo, type), 4);
}

/* The rebuilt private_data buffer of a QueryAdapterInfo, or NULL. */
static struct lbuf *qai_buf(struct replay *r, size_t *idx)
{
	for (size_t i = 0; i < r->n_bufs; i++)
		if (r->bufs[i].level == 0 && strcmp(r->bufs[i].bd->name, "private_data") == 0) {
			*idx = i;
			return &r->bufs[i];
		}
	return NULL;
}

/* Put a rebuilt buffer in place of lb's memory: the pointer and the
 * length field of the argument struct follow. Frees the old memory. */
static void swap_buf(struct replay *r, struct lbuf *lb, uint8_t *mem, size_t size, uint64_t len)
{
	free(lb->mem);
	lb->mem = mem;
	lb->size = size;
	wr(r->args, r->args_len, lb->bd->ptr_off, 8, (uint64_t)(uintptr_t)mem);
	wr(r->args, r->args_len, lb->bd->len_off, lb->bd->len_size, len);
}

/* The current call's D3DDDI_QUERYREGISTRY_INFO, in the Windows layout as
 * recorded, becomes the Linux one every backend reads: what is sent, and
 * what the output trace records. Returns 0 or DXGT_E_NOMEM. */
static int qr_to_linux(struct replay *r)
{
	size_t i;
	struct lbuf *lb = qai_buf(r, &i);
	if (!lb)
		return 0; /* no buffer: the call goes as recorded */
	uint64_t n = 0;
	if (dxgt_buf_len(lb->bd, r->args, r->args_len, &n) < 0 || n > lb->size)
		n = lb->size;
	struct dxgt_qr q;
	if (dxgt_qr_decode(lb->mem, (size_t)n, DXGT_OS_WINDOWS, &q) < 0) {
		logline(r, false,
			"note: seq %" PRIu64 ": %s: type 48 private data of %" PRIu64
			" bytes is shorter than the Windows D3DDDI_QUERYREGISTRY_INFO (%zu): "
			"sent as recorded",
			r->c->enter->seq, r->name, n, dxgt_qr_size(DXGT_OS_WINDOWS));
		return 0;
	}
	size_t len = dxgt_qr_encoded_len(&q, DXGT_OS_LINUX);
	uint8_t *mem = calloc(1, len);
	if (!mem)
		return DXGT_E_NOMEM;
	if (dxgt_qr_encode(&q, DXGT_OS_LINUX, mem, len, &len) < 0) {
		free(mem);
		return 0;
	}
	swap_buf(r, lb, mem, len, len); /* q borrowed lb->mem until here */
	r->qr_conv = true;
	r->qr_buf = i;
	r->qr_win_len = (uint32_t)n;
	return 0;
}

/* The live Linux answer while it is compared in the Windows layout. */
struct qr_saved {
	uint8_t *mem; /* owned */
	size_t size;
};

/* For verifying: the live answer in the recorded (Windows) layout, in
 * place of the Linux one, which *sv keeps. Returns 1 when swapped, 0 when
 * the answer stays as it is, or DXGT_E_NOMEM. */
static int qr_to_windows(struct replay *r, struct qr_saved *sv)
{
	struct lbuf *lb = &r->bufs[r->qr_buf];
	bool cut;
	size_t n = live_len(lb, r->args, r->args_len, &cut);
	struct dxgt_qr q;
	if (dxgt_qr_decode(lb->mem, n, DXGT_OS_LINUX, &q) < 0)
		return 0;
	size_t len = dxgt_qr_encoded_len(&q, DXGT_OS_WINDOWS);
	size_t cap = len > r->qr_win_len ? len : r->qr_win_len;
	uint8_t *mem = calloc(1, cap ? cap : 1);
	if (!mem)
		return DXGT_E_NOMEM;
	if (dxgt_qr_encode(&q, DXGT_OS_WINDOWS, mem, cap, &len) < 0) {
		free(mem);
		return 0;
	}
	sv->mem = lb->mem;
	sv->size = lb->size;
	lb->mem = NULL; /* kept in sv: swap_buf frees nothing */
	swap_buf(r, lb, mem, cap, r->qr_win_len);
	return 1;
}

/* Back to the Linux answer, for the output trace. */
static void qr_restore(struct replay *r, struct qr_saved *sv)
{
	struct lbuf *lb = &r->bufs[r->qr_buf];
	swap_buf(r, lb, sv->mem, sv->size, sv->size);
	sv->mem = NULL;
}

/* ---- verifying ---- */

static void result_text(bool status, const struct dxgt_backend_result *x, char *buf, size_t len)
{
	if (status) {
		snprintf(buf, len, "0x%08" PRIX32, x->status);
		return;
	}
	if (x->ret < 0) {
		const char *n = dxgt_errno_name(x->err);
		if (n)
			snprintf(buf, len, "%" PRId64 " %s", x->ret, n);
		else
			snprintf(buf, len, "%" PRId64 " errno %d", x->ret, x->err);
	} else {
		snprintf(buf, len, "%" PRId64, x->ret);
	}
}

/* Compare ret, status and errno. False (reported) when they differ. */
static bool verify_result(struct replay *r, const struct dxgt_backend_result *res)
{
	const struct dxgt_record *l = r->c->leave;
	struct dxgt_backend_result rec = {.ret = l->ret,
					  .err = l->err,
					  .status = l->status,
					  .has_status = (l->flags & DXGT_LEAVE_STATUS) != 0};
	bool status = rec.has_status && res->has_status;
	bool same = status ? rec.status == res->status
			   : rec.ret == res->ret && (rec.ret >= 0 || rec.err == res->err);
	if (!same) {
		char a[48], b[48];
		result_text(status, &rec, a, sizeof(a));
		result_text(status, res, b, sizeof(b));
		mismatch(r, "%s %s recorded, %s replayed", status ? "status" : "result", a, b);
	}
	return same;
}

/* The name of the field covering byte off of an image, or NULL. */
static const struct dxgt_field_desc *field_at(const struct shape *s, uint32_t off)
{
	for (uint16_t i = 0; i < s->n_scalars; i++)
		if (off >= s->scalars[i].off && off < s->scalars[i].off + s->scalars[i].size)
			return &s->scalars[i];
	return NULL;
}

static void value_text(const uint8_t *img, size_t len, const struct dxgt_field_desc *f, char *buf,
		       size_t n)
{
	if (f->fmt == DXGT_FMT_LUID)
		luid_text(rd(img, len, f->off, 8), buf, n);
	else if (f->size <= 8)
		snprintf(buf, n, "0x%" PRIx64, rd(img, len, f->off, f->size));
	else
		snprintf(buf, n, "(%" PRIu32 " bytes)", f->size);
}

static void mask_range(uint8_t *mask, size_t len, uint64_t off, uint64_t n)
{
	for (uint64_t i = off; i < off + n && i < len; i++)
		mask[i] = 1;
}

/* Compare an output image with the recorded one: volatile fields and
 * pointer fields masked, handles and LUIDs through the mappings. where
 * prefixes the field names ("" for the argument struct). */
static int verify_image(struct replay *r, const struct shape *s, const uint8_t *rec, size_t rlen,
			const uint8_t *live, size_t llen, const char *where)
{
	size_t len = rlen < llen ? rlen : llen;
	uint8_t *mask = calloc(1, len ? len : 1);
	if (!mask)
		return DXGT_E_NOMEM;
	for (uint16_t i = 0; i < s->n_volatiles; i++)
		mask_range(mask, len, s->volatiles[i].off, s->volatiles[i].size);
	for (uint16_t i = 0; i < s->n_bufs; i++)
		mask_range(mask, len, s->bufs[i].ptr_off, 8);
	for (uint16_t i = 0; i < s->n_handles; i++) {
		const struct dxgt_handle_desc *h = &s->handles[i];
		uint32_t nr = handle_count(h, rec, len), nl = handle_count(h, live, len);
		for (uint32_t k = 0; k < nr || k < nl; k++) {
			uint32_t off = h->off + k * h->stride;
			if ((uint64_t)off + 4 > len)
				break;
			mask_range(mask, len, off, 4);
			if (k >= nr || k >= nl)
				continue; /* the count differs: reported with the bytes */
			uint32_t rv = (uint32_t)rd(rec, len, off, 4),
				 lv = (uint32_t)rd(live, len, off, 4);
			uint32_t want = expected_handle(r, h->kind, rv);
			if (lv != want) {
				char idx[24] = "";
				if (h->count_size)
					snprintf(idx, sizeof(idx), "[%" PRIu32 "]", k);
				mismatch(r,
					 "output field %s%s%s differs (handle 0x%08" PRIx32
					 " recorded, expected 0x%08" PRIx32
					 ", replayed 0x%08" PRIx32 ")",
					 where, h->name, idx, rv, want, lv);
			}
		}
	}
	for (uint16_t i = 0; i < s->n_scalars; i++) {
		const struct dxgt_field_desc *f = &s->scalars[i];
		if (f->fmt != DXGT_FMT_LUID || (uint64_t)f->off + 8 > len)
			continue;
		mask_range(mask, len, f->off, 8);
		uint64_t rv = rd(rec, len, f->off, 8), want = rv, lv = rd(live, len, f->off, 8);
		map_get(&r->luids, rv, &want);
		if (lv != want) {
			char a[32], b[32];
			luid_text(rv, a, sizeof(a));
			luid_text(lv, b, sizeof(b));
			mismatch(r, "output field %s%s differs (%s recorded, %s replayed)", where,
				 f->name, a, b);
		}
	}
	for (size_t off = 0; off < len; off++) {
		if (mask[off] || rec[off] == live[off])
			continue;
		const struct dxgt_field_desc *f = field_at(s, (uint32_t)off);
		if (f) {
			char a[40], b[40];
			value_text(rec, len, f, a, sizeof(a));
			value_text(live, len, f, b, sizeof(b));
			mismatch(r, "output field %s%s differs (%s recorded, %s replayed)", where,
				 f->name, a, b);
			off = f->off + f->size - 1;
			continue;
		}
		mismatch(r,
			 "output field %sat offset %zu differs (0x%02x recorded, 0x%02x replayed)",
			 where, off, rec[off], live[off]);
		while (off + 1 < len && !mask[off + 1] && rec[off + 1] != live[off + 1])
			off++;
	}
	if (rlen != llen && *where == '\0')
		mismatch(r, "argument struct is %zu bytes recorded, %zu replayed", rlen, llen);
	free(mask);
	return 0;
}

static void verify_bytes(struct replay *r, const char *name, const uint8_t *rec,
			 const uint8_t *live, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (rec[k] != live[k]) {
			mismatch(r, "buffer %s differs at byte %zu", name, k);
			return;
		}
}

static int verify_buffer(struct replay *r, const struct dxgt_rec_buf *rb)
{
	const struct dxgt_call_desc *d = r->d;
	if (rb->flags & DXGT_BUF_UNREADABLE)
		return 0;
	const struct dxgt_buf_desc *bd;
	const uint8_t *img;
	size_t ilen;
	char name[96];
	struct lbuf *lb;
	if (rb->level == 0) {
		if (rb->desc >= d->n_bufs)
			return 0;
		bd = &d->bufs[rb->desc];
		lb = find_lbuf(r, 0, rb->desc, 0, 0);
		img = r->args;
		ilen = r->args_len;
		snprintf(name, sizeof(name), "%s", bd->name);
	} else {
		if (rb->parent >= d->n_bufs || !d->bufs[rb->parent].elem ||
		    rb->desc >= d->bufs[rb->parent].elem->n_bufs)
			return 0;
		bd = &d->bufs[rb->parent].elem->bufs[rb->desc];
		lb = find_lbuf(r, 1, rb->desc, rb->parent, rb->elem);
		img = lb ? parent_elem(r, lb, &ilen) : NULL;
		snprintf(name, sizeof(name), "%s[%" PRIu32 "].%s", d->bufs[rb->parent].name,
			 rb->elem, bd->name);
		if (lb && !img)
			return 0;
	}
	if (!lb) {
		mismatch(r, "buffer %s is missing from the replay", name);
		return 0;
	}
	bool cut;
	size_t ll = live_len(lb, img, ilen, &cut);
	if (ll != rb->orig_len) {
		mismatch(r, "buffer %s is %" PRIu32 " bytes recorded, %zu replayed", name,
			 rb->orig_len, ll);
		return 0;
	}
	size_t n = rb->len < ll ? rb->len : ll;
	if (rb->level == 0 && bd->elem_size == 4 && bd->kind != DXGT_OBJ_NONE) {
		for (size_t off = 0; off + 4 <= n; off += 4) {
			uint32_t rv = (uint32_t)rd(rb->data, n, (uint32_t)off, 4);
			uint32_t lv = (uint32_t)rd(lb->mem, n, (uint32_t)off, 4);
			if (lv != expected_handle(r, bd->kind, rv)) {
				mismatch(r, "buffer %s differs at byte %zu (handle)", name, off);
				break;
			}
		}
		return 0;
	}
	if (rb->level == 0 && bd->elem && elem_size(bd)) {
		size_t esz = elem_size(bd);
		struct shape es = elem_shape(bd->elem);
		for (size_t e = 0; e * esz + esz <= n; e++) {
			char where[112];
			snprintf(where, sizeof(where), "%s[%zu].", name, e);
			int rc = verify_image(r, &es, rb->data + e * esz, esz, lb->mem + e * esz,
					      esz, where);
			if (rc < 0)
				return rc;
		}
		size_t whole = n / esz * esz;
		verify_bytes(r, name, rb->data + whole, lb->mem + whole, n - whole);
		return 0;
	}
	verify_bytes(r, name, rb->data, lb->mem, n);
	return 0;
}

/* The private data of a QueryAdapterInfo whose answer may differ by design
 * (the trace's system is not the one the backend answers as): compared
 * with what the guest rewrites blanked on both sides, in the recorded
 * layout. A call that differs only there is noted and counted apart, or
 * with host_differences reported as a mismatch. */
static int verify_hostdiff(struct replay *r, const struct dxgt_rec_buf *rb, uint32_t type)
{
	struct lbuf *lb = find_lbuf(r, 0, rb->desc, 0, 0);
	bool cut;
	size_t ll = lb ? live_len(lb, r->args, r->args_len, &cut) : 0;
	if (!lb || ll != rb->orig_len || (rb->flags & DXGT_BUF_UNREADABLE))
		return verify_buffer(r, rb);
	size_t n = rb->len < ll ? rb->len : ll;
	if (memcmp(rb->data, lb->mem, n) == 0)
		return 0;
	uint8_t *a = malloc(n), *b = malloc(n);
	if (!a || !b) {
		free(a);
		free(b);
		return DXGT_E_NOMEM;
	}
	memcpy(a, rb->data, n);
	memcpy(b, lb->mem, n);
	enum dxgt_os os = r->trace_os == DXGT_OS_WINDOWS ? DXGT_OS_WINDOWS : DXGT_OS_LINUX;
	unsigned rule = dxgt_hostdiff_mask(type, a, n, os);
	dxgt_hostdiff_mask(type, b, n, os);
	const char *name = lb->bd->name;
	if (!rule) {
		verify_bytes(r, name, rb->data, lb->mem, n);
	} else if (memcmp(a, b, n) != 0) {
		verify_bytes(r, name, a, b, n); /* more than the by-design part */
	} else {
		r->st->host_differences++;
		size_t k = 0;
		while (k < n && rb->data[k] == lb->mem[k])
			k++;
		if (r->o->host_differences)
			mismatch(
			    r,
			    "buffer %s differs at byte %zu: a host/guest difference by design: %s",
			    name, k, dxgt_hostdiff_text(rule));
		else
			logline(r, false,
				"note: seq %" PRIu64 ": %s type %" PRIu32
				": a host/guest difference by design: %s",
				r->c->enter->seq, r->d->name, type, dxgt_hostdiff_text(rule));
	}
	free(a);
	free(b);
	return 0;
}

static int verify_call(struct replay *r, const struct dxgt_backend_result *res)
{
	if (!r->c->leave) {
		logline(r, false,
			"note: seq %" PRIu64 ": %s: never returned in the recording: not compared",
			r->c->enter->seq, r->name);
		return 0;
	}
	if (!verify_result(r, res))
		return 0; /* outputs of a call that failed otherwise say nothing more */
	const struct dxgt_record *l = r->c->leave;
	if (!r->d) {
		size_t n = l->args_len < r->args_len ? l->args_len : r->args_len;
		for (size_t k = 0; k < n; k++)
			if (l->args[k] != r->args[k]) {
				mismatch(r, "output field at offset %zu differs", k);
				break;
			}
		return 0;
	}
	struct shape s = call_shape(r->d);
	int rc = verify_image(r, &s, l->args, l->args_len, r->args, r->args_len, "");
	int64_t type = r->cross ? qai_type(r) : -1;
	for (uint16_t i = 0; i < l->n_bufs && rc == 0; i++) {
		const struct dxgt_rec_buf *b = &l->bufs[i];
		if (type >= 0 && b->level == 0 && b->desc < r->d->n_bufs &&
		    strcmp(r->d->bufs[b->desc].name, "private_data") == 0)
			rc = verify_hostdiff(r, b, (uint32_t)type);
		else
			rc = verify_buffer(r, b);
	}
	return rc;
}

/* ---- the output trace ---- */

struct outbufs {
	struct dxgt_rec_buf *b;
	size_t n, cap;
	uint8_t **copies; /* owned; room for one per level-0 buffer plus the arguments */
	size_t n_copies;
};

static int out_add(struct outbufs *o, const struct dxgt_rec_buf *b)
{
	if (o->n >= DXGT_MAX_BUFS)
		return 0; /* the recorder's limit too: the rest is left out */
	if (o->n == o->cap) {
		size_t n = o->cap ? 2 * o->cap : 16;
		struct dxgt_rec_buf *x = realloc(o->b, n * sizeof(*x));
		if (!x)
			return DXGT_E_NOMEM;
		o->b = x;
		o->cap = n;
	}
	o->b[o->n++] = *b;
	return 0;
}

static void zero_volatiles(const struct dxgt_field_desc *v, uint16_t n, uint8_t *img, size_t len)
{
	for (uint16_t i = 0; i < n; i++)
		if ((uint64_t)v[i].off + v[i].size <= len)
			memset(img + v[i].off, 0, v[i].size);
}

/* The bytes an output record holds for the argument struct (parent NULL)
 * or for level-0 buffer parent: a copy with the recorded pointer values
 * written back over the live ones, and at LEAVE the volatile fields zeroed
 * (host addresses that differ from run to run). */
static uint8_t *out_image(struct replay *r, struct outbufs *o, const uint8_t *src, size_t len,
			  const struct lbuf *parent, bool enter)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, src, len);
	assert(o->n_copies <= r->n_bufs);
	o->copies[o->n_copies++] = copy;
	for (size_t i = 0; i < r->n_bufs; i++) {
		const struct lbuf *lb = &r->bufs[i];
		if (!parent && lb->level == 0) {
			wr(copy, len, lb->bd->ptr_off, 8, lb->rec_ptr);
		} else if (parent && lb->level == 1 && lb->parent == parent->desc) {
			uint64_t off = (uint64_t)lb->elem * elem_size(parent->bd) + lb->bd->ptr_off;
			if (off + 8 <= len)
				wr(copy, len, (uint32_t)off, 8, lb->rec_ptr);
		}
	}
	if (enter)
		return copy;
	if (!parent && r->d) {
		zero_volatiles(r->d->volatiles, r->d->n_volatiles, copy, len);
	} else if (parent) {
		const struct dxgt_elem_desc *ed = parent->bd->elem;
		size_t esz = elem_size(parent->bd);
		for (size_t e = 0; esz && (e + 1) * esz <= len; e++)
			zero_volatiles(ed->volatiles, ed->n_volatiles, copy + e * esz, esz);
	}
	return copy;
}

/* The buffers of one side of the call, chosen as the recorder chooses
 * them: level-0 buffers of that direction, and level-1 buffers of that
 * direction inside any level-0 buffer. */
static int out_collect(struct replay *r, struct outbufs *o, bool enter)
{
	for (size_t i = 0; i < r->n_bufs; i++) {
		const struct lbuf *lb = &r->bufs[i];
		const struct dxgt_buf_desc *bd = lb->bd;
		if (lb->level != 0)
			continue;
		bool mine = dir_has(bd->dir, enter);
		bool elems = bd->elem && bd->elem->n_bufs;
		bool cut;
		size_t len = live_len(lb, r->args, r->args_len, &cut);
		if ((!mine && !elems) || len == 0)
			continue;
		if (mine) {
			bool copy = bd->elem && (elems || (!enter && bd->elem->n_volatiles));
			const uint8_t *data =
			    copy ? out_image(r, o, lb->mem, len, lb, enter) : lb->mem;
			if (!data)
				return DXGT_E_NOMEM;
			uint64_t orig = 0;
			if (dxgt_buf_len(bd, r->args, r->args_len, &orig) < 0 || orig > UINT32_MAX)
				orig = len;
			struct dxgt_rec_buf b = {.desc = lb->desc,
						 .parent = 0xffff,
						 .flags = cut ? DXGT_BUF_TRUNCATED : 0,
						 .orig_len = (uint32_t)orig,
						 .len = (uint32_t)len,
						 .data = data};
			if (out_add(o, &b) < 0)
				return DXGT_E_NOMEM;
		}
		size_t esz = elem_size(bd);
		for (size_t e = 0; elems && esz && (e + 1) * esz <= len; e++) {
			for (uint16_t j = 0; j < bd->elem->n_bufs; j++) {
				const struct dxgt_buf_desc *eb = &bd->elem->bufs[j];
				const struct lbuf *l1 = find_lbuf(r, 1, j, lb->desc, (uint32_t)e);
				if (!l1 || !dir_has(eb->dir, enter))
					continue;
				bool ecut;
				size_t elen = live_len(l1, lb->mem + e * esz, esz, &ecut);
				if (!elen)
					continue;
				struct dxgt_rec_buf b = {.desc = j,
							 .parent = lb->desc,
							 .level = 1,
							 .elem = (uint32_t)e,
							 .flags = ecut ? DXGT_BUF_TRUNCATED : 0,
							 .orig_len = (uint32_t)elen,
							 .len = (uint32_t)elen,
							 .data = l1->mem};
				if (out_add(o, &b) < 0)
					return DXGT_E_NOMEM;
			}
		}
	}
	return 0;
}

static int out_write(struct replay *r, const struct dxgt_record *rec)
{
	int rc = dxgt_writer_add(r->w, rec);
	if (rc == DXGT_E_TOOBIG || rc == DXGT_E_INVAL) {
		logline(r, false,
			"note: seq %" PRIu64 ": %s: too large for the output trace: not written",
			r->c->enter->seq, r->name);
		return 0;
	}
	if (rc < 0)
		seterr(r, "%s: cannot write the replay: %s", r->o->output, dxgt_strerror(rc));
	return rc;
}

/* Write the ENTER (before the call) or LEAVE (after it) record. */
static int out_call(struct replay *r, bool enter, const struct dxgt_backend_result *res)
{
	if (!r->w)
		return 0;
	struct outbufs o = {0};
	o.copies = calloc(r->n_bufs + 1, sizeof(*o.copies));
	int rc = o.copies ? 0 : DXGT_E_NOMEM;
	const uint8_t *args = NULL;
	if (rc == 0 && !(args = out_image(r, &o, r->args, r->args_len, NULL, enter)))
		rc = DXGT_E_NOMEM;
	if (rc == 0 && r->d)
		rc = out_collect(r, &o, enter);
	if (rc == 0) {
		const struct dxgt_record *e = r->c->enter;
		if (enter)
			r->out_seq++;
		struct dxgt_record rec = {
		    .type = enter ? DXGT_REC_ENTER : DXGT_REC_LEAVE,
		    .seq = r->out_seq,
		    .time_ns = now_ns(),
		    .tid = 1,
		    .layer = (uint8_t)r->layer,
		    .call_id = e->call_id,
		    .code = enter ? e->code : 0,
		    .fd = enter ? e->fd : -1,
		    .args = args,
		    .args_len = r->args_len,
		    .bufs = o.b,
		    .n_bufs = (uint16_t)o.n,
		};
		if (!enter) {
			rec.flags = res->has_status ? DXGT_LEAVE_STATUS : 0;
			rec.ret = res->ret;
			rec.err = res->err;
			rec.status = res->status;
		}
		rc = out_write(r, &rec);
	} else {
		seterr(r, "out of memory");
	}
	for (size_t i = 0; i < o.n_copies; i++)
		free(o.copies[i]);
	free(o.copies);
	free(o.b);
	return rc;
}

/* ---- one call ---- */

static int replay_call(struct replay *r, const struct dxgt_call *c, bool verify)
{
	r->c = c;
	r->d = c->desc;
	r->mismatched = false;
	r->qr_conv = false;
	call_name(c, r->name, sizeof(r->name));
	const struct dxgt_record *e = c->enter;
	if (r->d && e->args_len != dxgt_call_args_size(r->d, r->layer)) {
		if (r->layer != DXGT_LAYER_IOCTL) {
			logline(r, false,
				"note: seq %" PRIu64 ": %s: argument struct is %" PRIu32
				" bytes, not %" PRIu32 ": call skipped",
				e->seq, r->name, e->args_len, dxgt_call_args_size(r->d, r->layer));
			r->st->skipped++;
			return 0;
		}
		logline(r, false,
			"note: seq %" PRIu64 ": %s: argument struct is %" PRIu32
			" bytes, not %" PRIu32 ": sent raw, by request code",
			e->seq, r->name, e->args_len, dxgt_call_args_size(r->d, r->layer));
		r->d = NULL;
	}
	if (!r->d && r->layer != DXGT_LAYER_IOCTL) {
		logline(r, false, "note: seq %" PRIu64 ": %s: unknown call: skipped", e->seq,
			r->name);
		r->st->skipped++;
		return 0;
	}
	int rc = rebuild(r);
	if (rc != 0) {
		free_call(r);
		if (rc > 0) {
			r->st->skipped++;
			return 0;
		}
		seterr(r, "out of memory");
		return rc;
	}
	if (r->trace_os == DXGT_OS_WINDOWS && qai_type(r) == DXGT_QAI_QUERYREGISTRY &&
	    (rc = qr_to_linux(r)) < 0) {
		seterr(r, "out of memory");
		goto out;
	}
	if ((rc = out_call(r, true, NULL)) < 0)
		goto out;
	struct dxgt_backend_result res = {0};
	rc = r->b->call(r->b, r->layer, r->d, e->code, r->args, r->args_len, &res);
	if (rc < 0) {
		const char *why = r->b->last_error ? r->b->last_error(r->b) : NULL;
		seterr(r, "seq %" PRIu64 ": %s: the %s backend could not send it: %s", e->seq,
		       r->name, r->b->name, why ? why : dxgt_strerror(rc));
		goto out;
	}
	r->st->calls++;
	if (r->d && c->leave && recorded_ok(c->leave) && live_ok(&res) &&
	    (rc = bind_created(r)) < 0) {
		seterr(r, "out of memory");
		goto out;
	}
	if (verify) {
		struct qr_saved sv = {0};
		int swapped = r->qr_conv ? qr_to_windows(r, &sv) : 0;
		rc = swapped < 0 ? swapped : verify_call(r, &res);
		if (swapped > 0)
			qr_restore(r, &sv);
		if (rc < 0) {
			seterr(r, "out of memory");
			goto out;
		}
	}
	if (r->d && c->leave && recorded_ok(c->leave))
		release_deleted(r);
	rc = out_call(r, false, &res);
out:
	free_call(r);
	return rc;
}

/* ---- selection ---- */

static bool role_changes(uint8_t role)
{
	return role == DXGT_ROLE_OUT || role == DXGT_ROLE_INOUT || role == DXGT_ROLE_DEL;
}

/* Whether a call creates or destroys objects: what a call using them
 * needs replayed first. */
static bool changes_handles(const struct dxgt_call_desc *d)
{
	for (uint16_t i = 0; i < d->n_handles; i++)
		if (role_changes(d->handles[i].role))
			return true;
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *bd = &d->bufs[i];
		if (bd->kind != DXGT_OBJ_NONE && role_changes(bd->role))
			return true;
		for (uint16_t j = 0; bd->elem && j < bd->elem->n_handles; j++)
			if (role_changes(bd->elem->handles[j].role))
				return true;
	}
	return false;
}

/* ---- opening and the first pass ---- */

static int open_error(struct replay *r, int rc)
{
	const char *p = r->path;
	switch (rc) {
	case DXGT_E_NOTFOUND:
		seterr(r, "%s: no such file", p);
		break;
	case DXGT_E_EMPTY:
		seterr(r, "%s: the file is empty: not a trace", p);
		break;
	case DXGT_E_MAGIC:
		seterr(r, "%s: not a dxgtrace trace (bad magic)", p);
		break;
	case DXGT_E_VERSION: {
		/* The header says which major version: name it. */
		unsigned major = 0;
		uint8_t h[10];
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, h, sizeof(h)) == (ssize_t)sizeof(h))
			major = (unsigned)h[8] | (unsigned)h[9] << 8;
		if (fd >= 0)
			close(fd);
		seterr(r,
		       "%s: trace format version %u is newer than this dxgtrace reads (%d): "
		       "refusing to replay it",
		       p, major, DXGT_FORMAT_MAJOR);
		break;
	}
	case DXGT_E_TRUNCATED:
		seterr(r, "%s: the file is cut short inside its header: no calls to replay", p);
		break;
	case DXGT_E_CHECKSUM:
		seterr(r, "%s: the file header fails its checksum", p);
		break;
	case DXGT_E_IO: {
		int e = errno;
		struct stat sb;
		if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			seterr(r, "%s: is a directory, not a trace", p);
		else
			seterr(r, "%s: cannot read: %s", p, e ? strerror(e) : "I/O error");
		break;
	}
	default:
		seterr(r, "%s: %s", p, dxgt_strerror(rc));
		break;
	}
	return rc;
}

/* Whether the counts so far settle the layer the first pass chooses, and
 * that choice succeeds: more calls cannot change it. (A refusal names
 * counts, so it waits for the whole trace.) */
static bool settled(const struct replay *r, const uint64_t n[4])
{
	unsigned can = r->b->layers;
	enum dxgt_layer l = r->o->layer;
	if (l == DXGT_LAYER_NONE) {
		enum dxgt_layer a =
		    r->b->prefer == DXGT_LAYER_IOCTL ? DXGT_LAYER_IOCTL : DXGT_LAYER_D3DKMT;
		return n[a] && (can & DXGT_LAYER_BIT(a));
	}
	return l != DXGT_LAYER_DXCORE && l < 4 && (can & DXGT_LAYER_BIT(l)) && n[l];
}

/* Count the calls of each layer and choose the layer to replay. */
static int first_pass(struct replay *r, void (*progress)(uint64_t, uint64_t))
{
	struct dxgt_reader *rd = NULL;
	int rc = dxgt_reader_open(&rd, r->path);
	if (rc < 0)
		return open_error(r, rc);
	uint64_t n[4] = {0};
	const struct dxgt_record *rec;
	uint64_t k = 0;
	bool os_seen = false;
	while ((rc = dxgt_reader_next(rd, &rec)) > 0) {
		if (rec->type == DXGT_REC_ENTER && rec->layer < 4) {
			n[rec->layer]++;
			if (os_seen && settled(r, n))
				break;
		} else if (rec->type == DXGT_REC_META && dxgt_os_of_meta(rec) != DXGT_OS_UNKNOWN) {
			r->trace_os = dxgt_os_of_meta(rec);
			os_seen = true;
		}
		if (progress && ++k % 4096 == 0) {
			const struct dxgt_read_state *s = dxgt_reader_state(rd);
			progress(s->offset / 2, s->file_size);
		}
	}
	dxgt_reader_close(rd);
	if (rc < 0) {
		seterr(r, "%s: %s", r->path, dxgt_strerror(rc));
		return rc;
	}
	unsigned can = r->b->layers;
	enum dxgt_layer l = r->o->layer;
	if (l == DXGT_LAYER_NONE) {
		enum dxgt_layer a =
		    r->b->prefer == DXGT_LAYER_IOCTL ? DXGT_LAYER_IOCTL : DXGT_LAYER_D3DKMT;
		enum dxgt_layer b = a == DXGT_LAYER_IOCTL ? DXGT_LAYER_D3DKMT : DXGT_LAYER_IOCTL;
		if (n[a] && (can & DXGT_LAYER_BIT(a)))
			l = a;
		else if (n[b] && (can & DXGT_LAYER_BIT(b)))
			l = b;
		else if (n[DXGT_LAYER_D3DKMT])
			l = DXGT_LAYER_D3DKMT; /* refused below, with the reason */
		else if (n[DXGT_LAYER_IOCTL])
			l = DXGT_LAYER_IOCTL;
	}
	if (l == DXGT_LAYER_NONE) {
		if (n[DXGT_LAYER_DXCORE])
			seterr(r,
			       "%s: holds only DXCore calls (%" PRIu64
			       "), which cannot be replayed; record with --layers d3dkmt,ioctl",
			       r->path, n[DXGT_LAYER_DXCORE]);
		else
			seterr(r, "%s: holds no calls to replay", r->path);
		return DXGT_E_EMPTY;
	}
	if (l == DXGT_LAYER_DXCORE) {
		seterr(r, "the dxcore layer (the DXCore factory) cannot be replayed: use --layer "
			  "d3dkmt or ioctl");
		return DXGT_E_UNSUPPORTED;
	}
	if (!(can & DXGT_LAYER_BIT(l))) {
		seterr(r, "the %s backend cannot replay the %s layer%s", r->b->name,
		       dxgt_layer_name(l),
		       (can & DXGT_LAYER_BIT(DXGT_LAYER_IOCTL)) && n[DXGT_LAYER_IOCTL]
			   ? " (try --layer ioctl)"
			   : "");
		return DXGT_E_UNSUPPORTED;
	}
	if (!n[l]) {
		enum dxgt_layer other =
		    l == DXGT_LAYER_D3DKMT ? DXGT_LAYER_IOCTL : DXGT_LAYER_D3DKMT;
		if (n[other])
			seterr(r,
			       "%s: holds no %s calls to replay (it holds %" PRIu64
			       " %s calls: try --layer %s)",
			       r->path, dxgt_layer_name(l), n[other], dxgt_layer_name(other),
			       dxgt_layer_name(other));
		else
			seterr(r, "%s: holds no %s calls to replay", r->path, dxgt_layer_name(l));
		return DXGT_E_EMPTY;
	}
	r->layer = l;
	return 0;
}

/* ---- the output trace's header records ---- */

static int out_open(struct replay *r)
{
	const char *out = r->o->output;
	struct stat a, b;
	if (stat(out, &a) == 0 && stat(r->path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		seterr(r, "%s: the output would overwrite the trace being replayed", out);
		return DXGT_E_INVAL;
	}
	int rc = dxgt_writer_open(&r->w, out, NULL);
	if (rc < 0) {
		seterr(r, "%s: cannot create the output: %s", out,
		       rc == DXGT_E_IO && errno ? strerror(errno) : dxgt_strerror(rc));
		return rc;
	}
	const char *base = strrchr(r->path, '/');
	base = base ? base + 1 : r->path;
	const struct dxgt_replay_opts *o = r->o;
	struct dxgt_meta_field f[] = {
	    {.key = "replay_of", .type = DXGT_VAL_STR},
	    {.key = "backend", .type = DXGT_VAL_STR},
	    {.key = "layer", .type = DXGT_VAL_STR},
	    {.key = "first", .type = DXGT_VAL_U64, .u64 = o->first},
	    {.key = "last", .type = DXGT_VAL_U64, .u64 = o->last},
	    {.key = "escapes_only", .type = DXGT_VAL_U64, .u64 = o->escapes_only},
	    {.key = "stop_at", .type = DXGT_VAL_U64, .u64 = o->stop_at},
	};
	const char *text[] = {base, r->b->name, dxgt_layer_name(r->layer)};
	for (size_t i = 0; i < 3; i++) {
		f[i].data = (const uint8_t *)text[i];
		f[i].len = (uint32_t)strlen(text[i]);
		if (!dxgt_utf8_valid(f[i].data, f[i].len))
			f[i].type = DXGT_VAL_BYTES;
	}
	/* Where the replayed calls and the answers come from, when either is
	 * Windows: the output itself is what a WSL2 guest was sent. */
	static const char win[] = "windows";
	struct dxgt_meta_field more[] = {
	    {.key = "replay_of_os", .type = DXGT_VAL_STR, .data = (const uint8_t *)win, .len = 7},
	    {.key = "host_os", .type = DXGT_VAL_STR, .data = (const uint8_t *)win, .len = 7},
	};
	struct dxgt_meta_field all[sizeof(f) / sizeof(f[0]) + 2];
	size_t n = sizeof(f) / sizeof(f[0]);
	memcpy(all, f, sizeof(f));
	if (r->trace_os == DXGT_OS_WINDOWS)
		all[n++] = more[0];
	if (o->host_os == DXGT_OS_WINDOWS)
		all[n++] = more[1];
	struct dxgt_record m = {.type = DXGT_REC_META,
				.meta_kind = DXGT_META_OPTIONS,
				.fields = all,
				.n_fields = (uint16_t)n};
	rc = dxgt_writer_add(r->w, &m);
	if (rc == 0 && r->trace_os == DXGT_OS_WINDOWS) {
		/* The calls were sent in the Linux layout (QUERYREGISTRY). */
		struct dxgt_meta_field h = {
		    .key = "os", .type = DXGT_VAL_STR, .data = (const uint8_t *)"linux", .len = 5};
		struct dxgt_record hm = {.type = DXGT_REC_META,
					 .meta_kind = DXGT_META_HOST,
					 .fields = &h,
					 .n_fields = 1};
		rc = dxgt_writer_add(r->w, &hm);
	}
	if (rc < 0)
		seterr(r, "%s: cannot write the replay: %s", out, dxgt_strerror(rc));
	return rc;
}

/* ---- the run ---- */

/* The PCI ids of the recorded adapters, as the from-trace synthesis finds
 * them (QueryAdapterInfo type 31 answers, DXCore HardwareID reads, adapter
 * metadata), for mapping an adapter whose LUID changed. A trace that says
 * nothing about them leaves the map empty. */
static int recorded_ids(struct replay *r)
{
	r->rec_ids_read = true;
	char *json = NULL, e[256];
	if (dxgt_profile_from_trace(r->path, &json, e, sizeof(e)) < 0)
		return 0; /* only a refinement: the replay goes on by position */
	struct dxgt_profile *p = NULL;
	int rc = 0;
	if (dxgt_profile_parse(&p, json, strlen(json), r->path, e, sizeof(e)) == 0) {
		for (size_t i = 0; i < p->n_adapters && rc == 0; i++)
			if (p->adapters[i].vendor || p->adapters[i].device)
				rc = map_put(&r->rec_ids, p->adapters[i].luid,
					     (uint64_t)p->adapters[i].vendor << 16 |
						 (p->adapters[i].device & 0xffffu));
		dxgt_profile_free(p);
	}
	free(json);
	return rc;
}

/* The recorded PCI ids are needed only to map a recorded adapter that the
 * live enumeration lacks; synthesising them reads the whole trace, so it
 * is done then, once, rather than before every replay. */
static int need_rec_ids(struct replay *r)
{
	return r->rec_ids_read ? 0 : recorded_ids(r);
}

enum dxgt_os dxgt_replay_trace_os(const char *path)
{
	struct dxgt_reader *rd = NULL;
	if (!path || dxgt_reader_open(&rd, path) < 0)
		return DXGT_OS_UNKNOWN;
	enum dxgt_os os = DXGT_OS_UNKNOWN;
	const struct dxgt_record *rec;
	while (os == DXGT_OS_UNKNOWN && dxgt_reader_next(rd, &rec) > 0 &&
	       rec->type != DXGT_REC_ENTER)
		os = dxgt_os_of_meta(rec);
	dxgt_reader_close(rd);
	return os;
}

int dxgt_replay_run(const char *path, struct dxgt_backend *b, const struct dxgt_replay_opts *o,
		    struct dxgt_replay_stats *stats,
		    void (*progress)(uint64_t done, uint64_t total), char *err, size_t errlen)
{
	struct replay r = {.path = path, .o = o, .b = b, .st = stats, .err = err, .errlen = errlen};
	struct dxgt_reader *rd = NULL;
	struct dxgt_pairer *p = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!path || !b || !b->call || !o || !stats) {
		seterr(&r, "invalid arguments");
		return DXGT_E_INVAL;
	}
	memset(stats, 0, sizeof(*stats));
	r.log = o->log;
	r.max_reports = o->max_reports ? o->max_reports : 100;
	int rc = first_pass(&r, progress);
	if (rc < 0)
		goto out;
	stats->trace_os = r.trace_os;
	r.cross = (r.trace_os == DXGT_OS_WINDOWS) != (o->host_os == DXGT_OS_WINDOWS);
	logline(&r, false, "replaying the %s calls of %s%s on the %s backend%s",
		dxgt_layer_name(r.layer), path,
		r.trace_os == DXGT_OS_WINDOWS ? " (a Windows capture)" : "", b->name,
		o->host_os == DXGT_OS_WINDOWS ? " (emulating a Windows host)" : "");
	if ((rc = dxgt_reader_open(&rd, path)) < 0) {
		open_error(&r, rc);
		goto out;
	}
	if ((rc = dxgt_pairer_new(&p, rd, 0)) < 0) {
		seterr(&r, "out of memory");
		goto out;
	}
	if (o->output && (rc = out_open(&r)) < 0)
		goto out;
	struct dxgt_call call;
	uint64_t seen = 0;
	while ((rc = dxgt_pairer_next(p, &call)) > 0) {
		const struct dxgt_record *e = call.enter;
		if (progress && ++seen % PROGRESS_EVERY == 0) {
			const struct dxgt_read_state *s = dxgt_reader_state(rd);
			progress(s->file_size / 2 + s->offset / 2, s->file_size);
		}
		if (e->type != DXGT_REC_ENTER)
			continue;
		if (o->last && e->seq > o->last)
			break;
		bool in_range = !o->first || e->seq >= o->first;
		bool want = e->layer == r.layer;
		if (want && !in_range)
			want = call.desc && changes_handles(call.desc);
		else if (want && o->escapes_only)
			want = call.desc &&
			       ((call.desc->flags & DXGT_CF_ESCAPE) || changes_handles(call.desc));
		if (!want)
			stats->skipped++;
		else if ((rc = replay_call(&r, &call, in_range && o->verify)) < 0)
			break;
		if (o->stop_at && e->seq >= o->stop_at)
			break;
	}
	if (rc < 0) {
		if (err && !err[0])
			seterr(&r, "%s: %s", path, dxgt_strerror(rc));
		goto out;
	}
	rc = 0;
	const struct dxgt_read_state *s = dxgt_reader_state(rd);
	if (s->stop_error == DXGT_E_TRUNCATED) {
		logline(&r, false, "note: %s: %s; the calls before it were replayed", path,
			s->stop_reason);
	} else if (s->stop_error) {
		seterr(&r, "%s: %s (the calls before it were replayed)", path, s->stop_reason);
		rc = s->stop_error;
	}
	if (progress)
		progress(s->file_size, s->file_size);
out:
	free_call(&r);
	free(r.bufs);
	free(r.handles.s);
	free(r.noted.s);
	free(r.luids.s);
	free(r.rec_ids.s);
	dxgt_pairer_free(p);
	dxgt_reader_close(rd);
	if (r.w) {
		int wc = dxgt_writer_close(r.w);
		if (wc < 0 && rc == 0) {
			seterr(&r, "%s: cannot write the replay: %s", o->output, dxgt_strerror(wc));
			rc = wc;
		}
	}
	return rc;
}
