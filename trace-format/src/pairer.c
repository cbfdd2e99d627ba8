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
 * encoded bytes; the borrowed views handed out point into the pairer.
 */
#include <stdlib.h>
#include <string.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "record_internal.h"
#include "trace_internal.h"

struct held {
	uint64_t seq;
	uint8_t *enter;
	uint8_t *leave;
	uint32_t enter_len, leave_len;
};

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
	struct dxgt__scratch se, sl;
	struct dxgt_record enter, leave;
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

static void held_free(struct held *h)
{
	if (!h)
		return;
	free(h->enter);
	free(h->leave);
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
	struct held *h = calloc(1, sizeof(*h));
	if (!h)
		return DXGT_E_NOMEM;
	h->seq = rec->seq;
	h->enter = dup_bytes(rec->raw, rec->raw_len);
	h->enter_len = rec->raw_len;
	if (!h->enter) {
		free(h);
		return DXGT_E_NOMEM;
	}
	*slot = h;
	p->heap[p->n++] = h;
	heap_up(p, p->n - 1);
	return 0;
}

static int add_leave(struct dxgt_pairer *p, const struct dxgt_record *rec)
{
	struct held *h = p->map_cap ? *map_slot(p, rec->seq) : NULL;
	if (!h || h->leave) {
		p->orphans++;
		return 0;
	}
	h->leave = dup_bytes(rec->raw, rec->raw_len);
	if (!h->leave)
		return DXGT_E_NOMEM;
	h->leave_len = rec->raw_len;
	return 0;
}

static bool ready(const struct dxgt_pairer *p)
{
	if (!p->n)
		return false;
	if (p->eof || p->n > p->window)
		return true;
	const struct held *top = p->heap[0];
	return top->leave && top->seq == p->last_out + 1;
}

static int hand_out(struct dxgt_pairer *p, struct dxgt_call *call)
{
	struct held *h = heap_pop(p);
	p->cur = h;
	p->last_out = h->seq;
	int rc = dxgt__record_decode(h->enter, h->enter_len, &p->enter, &p->se);
	if (rc < 0)
		return rc;
	call->enter = &p->enter;
	call->leave = NULL;
	if (h->leave) {
		rc = dxgt__record_decode(h->leave, h->leave_len, &p->leave, &p->sl);
		if (rc < 0)
			return rc;
		call->leave = &p->leave;
	}
	call->desc = dxgt_call_by_id(p->enter.call_id);
	return 1;
}

int dxgt_pairer_next(struct dxgt_pairer *p, struct dxgt_call *call)
{
	if (!p || !call)
		return DXGT_E_INVAL;
	memset(call, 0, sizeof(*call));
	held_free(p->cur);
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
	free(p->heap);
	free(p->map);
	free(p->meta);
	dxgt__scratch_free(&p->se);
	dxgt__scratch_free(&p->sl);
	free(p);
}
