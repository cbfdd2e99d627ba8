// SPDX-License-Identifier: MIT
/*
 * Symbolic handle names. Handles are only meaningful within one recording,
 * so tools show them as A1 (first adapter), D1 (first device), ... in the
 * order the calls created them. A handle keeps its name after it is
 * destroyed (a D3DKMT call and the ioctl it issued both name it) and gets a
 * new one only when a later call creates the same value again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"

struct slot {
	uint64_t key; /* kind << 32 | value; 0 = empty (value 0 is never bound) */
	uint32_t num;
	bool deleted;
};

struct dxgt_symtab {
	struct slot *slots;
	size_t cap, used;
	uint32_t next[DXGT_OBJ_COUNT];
};

int dxgt_symtab_new(struct dxgt_symtab **out)
{
	struct dxgt_symtab *t = calloc(1, sizeof(*t));
	if (!t)
		return DXGT_E_NOMEM;
	t->cap = 256;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return DXGT_E_NOMEM;
	}
	*out = t;
	return 0;
}

void dxgt_symtab_free(struct dxgt_symtab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static struct slot *find(const struct dxgt_symtab *t, uint64_t key)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (t->cap - 1);
	while (t->slots[i].key && t->slots[i].key != key)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int grow(struct dxgt_symtab *t)
{
	if ((t->used + 1) * 2 <= t->cap)
		return 0;
	struct slot *old = t->slots;
	size_t old_cap = t->cap;
	t->slots = calloc(old_cap * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return DXGT_E_NOMEM;
	}
	t->cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(t, old[i].key) = old[i];
	free(old);
	return 0;
}

static int bind(struct dxgt_symtab *t, unsigned kind, uint32_t v)
{
	if (!v || kind == DXGT_OBJ_NONE || kind == DXGT_OBJ_ANY || kind >= DXGT_OBJ_COUNT)
		return 0;
	int rc = grow(t);
	if (rc < 0)
		return rc;
	uint64_t key = (uint64_t)kind << 32 | v;
	struct slot *s = find(t, key);
	if (s->key && !s->deleted)
		return 0;
	if (!s->key)
		t->used++;
	s->key = key;
	s->num = ++t->next[kind];
	s->deleted = false;
	return 0;
}

static void unbind(struct dxgt_symtab *t, unsigned kind, uint32_t v)
{
	if (!v || kind >= DXGT_OBJ_COUNT)
		return;
	struct slot *s = find(t, (uint64_t)kind << 32 | v);
	if (s->key)
		s->deleted = true;
}

const char *dxgt_symtab_name(const struct dxgt_symtab *t, enum dxgt_obj k, uint32_t v, char *buf,
			     size_t len)
{
	if (!v) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (unsigned kind = 1; kind < DXGT_OBJ_COUNT; kind++) {
		if (k != DXGT_OBJ_ANY && kind != (unsigned)k)
			continue;
		const struct slot *s = find(t, (uint64_t)kind << 32 | v);
		if (s->key) {
			snprintf(buf, len, "%s%u", dxgt_obj_letter((enum dxgt_obj)kind), s->num);
			return buf;
		}
	}
	snprintf(buf, len, "0x%08x", v);
	return buf;
}

/* Apply fn to every handle of role `role` the call carries in rec. */
static int walk(struct dxgt_symtab *t, const struct dxgt_call *c, const struct dxgt_record *rec,
		int want_out)
{
	const struct dxgt_call_desc *d = c->desc;
	const struct dxgt_record *in = c->enter;
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		uint32_t n = dxgt__handle_count(h, rec->args, rec->args_len);
		for (uint32_t k = 0; k < n; k++) {
			uint64_t v = 0, vin = 0;
			uint32_t off = h->off + k * h->stride;
			if (dxgt_field_read(rec->args, rec->args_len, off, 4, &v) < 0)
				break;
			dxgt_field_read(in->args, in->args_len, off, 4, &vin);
			int rc = 0;
			if (want_out &&
			    (h->role == DXGT_ROLE_OUT || (h->role == DXGT_ROLE_INOUT && vin == 0)))
				rc = bind(t, h->kind, (uint32_t)v);
			else if (!want_out && h->role == DXGT_ROLE_DEL)
				unbind(t, h->kind, (uint32_t)v);
			if (rc < 0)
				return rc;
		}
	}
	for (uint16_t i = 0; i < rec->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &rec->bufs[i];
		if (b->level != 0 || b->desc >= d->n_bufs)
			continue;
		const struct dxgt_buf_desc *bd = &d->bufs[b->desc];
		if (bd->kind != DXGT_OBJ_NONE && bd->elem_size == 4) {
			for (uint32_t off = 0; off + 4 <= b->len; off += 4) {
				uint32_t v = (uint32_t)dxgt__le(b->data + off, 4);
				if (want_out && bd->role == DXGT_ROLE_OUT &&
				    bind(t, bd->kind, v) < 0)
					return DXGT_E_NOMEM;
				if (!want_out && bd->role == DXGT_ROLE_DEL)
					unbind(t, bd->kind, v);
			}
		}
		if (bd->elem && bd->elem_size && want_out) {
			for (uint32_t e = 0; (uint64_t)(e + 1) * bd->elem_size <= b->len; e++) {
				const uint8_t *el = b->data + (size_t)e * bd->elem_size;
				for (uint16_t j = 0; j < bd->elem->n_handles; j++) {
					const struct dxgt_handle_desc *h = &bd->elem->handles[j];
					if (h->role != DXGT_ROLE_OUT || h->off + 4 > bd->elem_size)
						continue;
					if (bind(t, h->kind, (uint32_t)dxgt__le(el + h->off, 4)) <
					    0)
						return DXGT_E_NOMEM;
				}
			}
		}
	}
	return 0;
}

int dxgt_symtab_observe(struct dxgt_symtab *t, const struct dxgt_call *c)
{
	if (!t || !c || !c->enter || !c->desc || c->enter->type != DXGT_REC_ENTER)
		return 0;
	if (c->leave) {
		int rc = walk(t, c, c->leave, 1);
		if (rc < 0)
			return rc;
	}
	return walk(t, c, c->enter, 0);
}
