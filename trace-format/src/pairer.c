// SPDX-License-Identifier: MIT
/*
 * The call pairer: joins each call's ENTER and LEAVE records and hands the
 * calls out in sequence order. Records of different threads can appear in
 * the file out of sequence order (each thread's buffer is written as a
 * batch), so calls wait in a min-heap keyed by sequence number, with a hash
 * from sequence number to waiting call for the LEAVE lookup. A call leaves
 * the heap when it is the lowest, complete and next in sequence; when more
 * than `window` calls wait (the lowest is then handed out even if it never
 * returned); or at the end of the file. Held records are copies of their
 * encoded bytes together with the reader's decoded view of them (the view's
 * pointers moved to the copy), so a call is not decoded again when it is
 * handed out; the borrowed views handed out point into the pairer. Held
 * calls are recycled through a free list with their memory, so a steady
 * stream of calls allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "record_internal.h"
#include "trace_internal.h"

/* One record: its view, and one block holding its encoded bytes, its
 * buffer list and its frames, which the view points into. */
struct hrec {
	struct dxgt_record rec;
	uint8_t *mem;
	size_t cap;
};

struct held {
	uint64_t seq;
	struct hrec enter, leave;
	bool has_leave;
	struct held *next_free;
};

/* A recycled record block larger than this is given back to malloc. */
#define KEEP_BLOCK (256u << 10)

struct dxgt_pairer {
	struct dxgt_reader *r;
	size_t window;
	struct held **heap;
	size_t n, cap;
	struct held **map; /* open addressing on seq, linear probing */
	size_t map_cap;
	uint64_t last_out; /* seq of the last call handed out */
	uint64_t orphans;
	bool eof;
	struct held *cur; /* the call handed out last; freed on the next call */
	struct held *free_list;
	struct dxgt__scratch se;
	struct dxgt_record enter;
	uint8_t *meta; /* copy of a META record handed out */
};

static size_t hash(uint64_t seq, size_t cap)
{
	return (size_t)((seq * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static struct held **map_slot(struct dxgt_pairer *p, uint64_t seq)
{
	size_t i = hash(seq, p->map_cap);
	while (p->map[i] && p->map[i]->seq != seq)
		i = (i + 1) & (p->map_cap - 1);
	return &p->map[i];
}

static void map_del(struct dxgt_pairer *p, uint64_t seq)
{
	size_t i = (size_t)(map_slot(p, seq) - p->map);
	if (!p->map[i])
		return;
	p->map[i] = NULL;
	/* Backward-shift deletion keeps probe chains intact. */
	for (size_t j = (i + 1) & (p->map_cap - 1); p->map[j]; j = (j + 1) & (p->map_cap - 1)) {
		struct held *h = p->map[j];
		p->map[j] = NULL;
		*map_slot(p, h->seq) = h;
	}
}

static int map_grow(struct dxgt_pairer *p)
{
	if (p->map_cap && (p->n + 1) * 2 <= p->map_cap)
		return 0;
	size_t cap = p->map_cap ? p->map_cap * 2 : 1024;
	struct held **old = p->map;
	size_t old_cap = p->map_cap;
	p->map = calloc(cap, sizeof(*p->map));
	if (!p->map) {
		p->map = old;
		return DXGT_E_NOMEM;
	}
	p->map_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			*map_slot(p, old[i]->seq) = old[i];
	free(old);
	return 0;
}

static void heap_up(struct dxgt_pairer *p, size_t i)
{
	while (i) {
		size_t up = (i - 1) / 2;
		if (p->heap[up]->seq <= p->heap[i]->seq)
			break;
		struct held *t = p->heap[up];
		p->heap[up] = p->heap[i];
		p->heap[i] = t;
		i = up;
	}
}

static struct held *heap_pop(struct dxgt_pairer *p)
{
	struct held *top = p->heap[0];
	p->heap[0] = p->heap[--p->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, s = i;
		if (l < p->n && p->heap[l]->seq < p->heap[s]->seq)
			s = l;
		if (l + 1 < p->n && p->heap[l + 1]->seq < p->heap[s]->seq)
			s = l + 1;
		if (s == i)
			break;
		struct held *t = p->heap[s];
		p->heap[s] = p->heap[i];
		p->heap[i] = t;
		i = s;
	}
	map_del(p, top->seq);
	return top;
}

static uint8_t *dup_bytes(const uint8_t *b, uint32_t n)
{
	uint8_t *c = malloc(n);
	if (c)
		memcpy(c, b, n);
	return c;
}

/* A pointer of a view into its record's bytes, moved to the copy. */
static const uint8_t *moved(const uint8_t *p, const struct dxgt_record *from, const uint8_t *to)
{
	return p ? to + (p - from->raw) : NULL;
}

/* Copy an ENTER or LEAVE view (from the reader) and what it points to. */
static int hrec_set(struct hrec *h, const struct dxgt_record *rec)
{
	size_t raw = ((size_t)rec->raw_len + 7u) & ~(size_t)7u;
	size_t bufs = (size_t)rec->n_bufs * sizeof(struct dxgt_rec_buf);
	size_t need = raw + bufs + (size_t)rec->n_frames * sizeof(uint64_t);
	if (need > h->cap) {
		uint8_t *m = malloc(need);
		if (!m)
			return DXGT_E_NOMEM;
		free(h->mem);
		h->mem = m;
		h->cap = need;
	}
	memcpy(h->mem, rec->raw, rec->raw_len);
	h->rec = *rec;
	h->rec.raw = h->mem;
	h->rec.args = moved(rec->args, rec, h->mem);
	if (rec->n_bufs) {
		struct dxgt_rec_buf *b = (struct dxgt_rec_buf *)(void *)(h->mem + raw);
		memcpy(b, rec->bufs, bufs);
		for (uint16_t i = 0; i < rec->n_bufs; i++)
			b[i].data = moved(b[i].data, rec, h->mem);
		h->rec.bufs = b;
	}
	if (rec->n_frames) {
		uint64_t *f = (uint64_t *)(void *)(h->mem + raw + bufs);
		memcpy(f, rec->frames, (size_t)rec->n_frames * sizeof(uint64_t));
		h->rec.frames = f;
	}
	return 0;
}

static void hrec_release(struct hrec *h)
{
	if (h->cap > KEEP_BLOCK) {
		free(h->mem);
		h->mem = NULL;
		h->cap = 0;
	}
}

static struct held *held_get(struct dxgt_pairer *p)
{
	struct held *h = p->free_list;
	if (h) {
		p->free_list = h->next_free;
		return h;
	}
	return calloc(1, sizeof(*h));
}

/* Back to the free list, memory kept. */
static void held_put(struct dxgt_pairer *p, struct held *h)
{
	if (!h)
		return;
	hrec_release(&h->enter);
	hrec_release(&h->leave);
	h->has_leave = false;
	h->next_free = p->free_list;
	p->free_list = h;
}

static void held_free(struct held *h)
{
	if (!h)
		return;
	free(h->enter.mem);
	free(h->leave.mem);
	free(h);
}

int dxgt_pairer_new(struct dxgt_pairer **out, struct dxgt_reader *r, size_t window)
{
	if (!out || !r)
		return DXGT_E_INVAL;
	struct dxgt_pairer *p = calloc(1, sizeof(*p));
	if (!p)
		return DXGT_E_NOMEM;
	p->r = r;
	p->window = window ? window : 65536;
	*out = p;
	return 0;
}

static int add_enter(struct dxgt_pairer *p, const struct dxgt_record *rec)
{
	if (rec->seq <= p->last_out) { /* older than what is already out: a duplicate */
		p->orphans++;
		return 0;
	}
	int rc = map_grow(p);
	if (rc < 0)
		return rc;
	struct held **slot = map_slot(p, rec->seq);
	if (*slot) { /* a second ENTER with one sequence number */
		p->orphans++;
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct held **h = realloc(p->heap, cap * sizeof(*h));
		if (!h)
			return DXGT_E_NOMEM;
		p->heap = h;
		p->cap = cap;
	}
	struct held *h = held_get(p);
	if (!h)
		return DXGT_E_NOMEM;
	h->seq = rec->seq;
	if ((rc = hrec_set(&h->enter, rec)) < 0) {
		held_put(p, h);
		return rc;
	}
	*slot = h;
	p->heap[p->n++] = h;
	heap_up(p, p->n - 1);
	return 0;
}

static int add_leave(struct dxgt_pairer *p, const struct dxgt_record *rec)
{
	struct held *h = p->map_cap ? *map_slot(p, rec->seq) : NULL;
	if (!h || h->has_leave) {
		p->orphans++;
		return 0;
	}
	int rc = hrec_set(&h->leave, rec);
	if (rc < 0)
		return rc;
	h->has_leave = true;
	return 0;
}

static bool ready(const struct dxgt_pairer *p)
{
	if (!p->n)
		return false;
	if (p->eof || p->n > p->window)
		return true;
	const struct held *top = p->heap[0];
	return top->has_leave && top->seq == p->last_out + 1;
}

static int hand_out(struct dxgt_pairer *p, struct dxgt_call *call)
{
	struct held *h = heap_pop(p);
	p->cur = h;
	p->last_out = h->seq;
	call->enter = &h->enter.rec;
	call->leave = h->has_leave ? &h->leave.rec : NULL;
	call->desc = dxgt_call_by_id(h->enter.rec.call_id);
	return 1;
}

int dxgt_pairer_next(struct dxgt_pairer *p, struct dxgt_call *call)
{
	if (!p || !call)
		return DXGT_E_INVAL;
	memset(call, 0, sizeof(*call));
	held_put(p, p->cur);
	p->cur = NULL;
	free(p->meta);
	p->meta = NULL;
	while (!ready(p)) {
		if (p->eof)
			return 0;
		const struct dxgt_record *rec;
		int rc = dxgt_reader_next(p->r, &rec);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			p->eof = true;
			continue;
		}
		if (rec->type == DXGT_REC_ENTER)
			rc = add_enter(p, rec);
		else if (rec->type == DXGT_REC_LEAVE)
			rc = add_leave(p, rec);
		else if (rec->type == DXGT_REC_META) {
			p->meta = dup_bytes(rec->raw, rec->raw_len);
			if (!p->meta)
				return DXGT_E_NOMEM;
			rc = dxgt__record_decode(p->meta, rec->raw_len, &p->enter, &p->se);
			if (rc < 0)
				return rc;
			call->enter = &p->enter;
			return 1;
		}
		if (rc < 0)
			return rc;
	}
	return hand_out(p, call);
}

uint64_t dxgt_pairer_orphans(const struct dxgt_pairer *p)
{
	return p ? p->orphans : 0;
}

void dxgt_pairer_free(struct dxgt_pairer *p)
{
	if (!p)
		return;
	held_free(p->cur);
	while (p->n)
		held_free(heap_pop(p));
	while (p->free_list) {
		struct held *h = p->free_list;
		p->free_list = h->next_free;
		held_free(h);
	}
	free(p->heap);
	free(p->map);
	free(p->meta);
	dxgt__scratch_free(&p->se);
	free(p);
}
