// SPDX-License-Identifier: MIT
/*
 * Record encoding and decoding: the byte layout of docs/trace-format.md,
 * section "Records". The encoder is allocation-free and async-signal-safe
 * so the recorder can use it anywhere. The decoder validates every length
 * against the bytes it was given before it builds a view; it never reads
 * past them, and it never interprets a recorded pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "record_internal.h"
#include "trace_internal.h"

const char *dxgt_meta_kind_name(unsigned kind)
{
	switch (kind) {
#define DXGT__META_NAME(name, num, text)                                                           \
	case (num):                                                                                \
		return text;
		DXGT_META_KINDS(DXGT__META_NAME)
#undef DXGT__META_NAME
	default:
		return NULL;
	}
}

static size_t bufs_size(const struct dxgt_record *rec)
{
	size_t n = 0;
	for (uint16_t i = 0; i < rec->n_bufs; i++)
		n += DXGT__BUF_HDR + rec->bufs[i].len;
	return n;
}

static size_t encoded_size(const struct dxgt_record *rec)
{
	size_t n = DXGT__REC_HDR;
	switch (rec->type) {
	case DXGT_REC_ENTER:
		n += DXGT__ENTER_FIXED + rec->args_len + bufs_size(rec) + 8u * rec->n_frames;
		break;
	case DXGT_REC_LEAVE:
		n += DXGT__LEAVE_FIXED + rec->args_len + bufs_size(rec);
		break;
	case DXGT_REC_META:
		n += DXGT__META_FIXED;
		for (uint16_t i = 0; i < rec->n_fields; i++) {
			const struct dxgt_meta_field *f = &rec->fields[i];
			size_t vlen =
			    (f->type == DXGT_VAL_U64 || f->type == DXGT_VAL_I64) ? 8 : f->len;
			n += DXGT__FIELD_HDR + strlen(f->key) + vlen;
		}
		break;
	default:
		n += rec->raw_len;
		break;
	}
	return n;
}

void dxgt_record_put_buf_hdr(uint8_t *p, const struct dxgt_rec_buf *b)
{
	memset(p, 0, DXGT__BUF_HDR);
	dxgt__put_le(p, 0, b->desc, 2);
	p[2] = b->level;
	p[3] = b->flags;
	dxgt__put_le(p, 4, b->elem, 4);
	dxgt__put_le(p, 8, b->orig_len, 4);
	dxgt__put_le(p, 12, b->len, 4);
	dxgt__put_le(p, 16, b->addr, 8);
	dxgt__put_le(p, 24, b->parent, 2);
}

static uint8_t *put_bufs(uint8_t *p, const struct dxgt_record *rec)
{
	for (uint16_t i = 0; i < rec->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &rec->bufs[i];
		dxgt_record_put_buf_hdr(p, b);
		p += DXGT__BUF_HDR;
		if (b->len)
			memcpy(p, b->data, b->len);
		p += b->len;
	}
	return p;
}

size_t dxgt_record_fixed_size(uint16_t type)
{
	switch (type) {
	case DXGT_REC_ENTER:
		return DXGT__REC_HDR + DXGT__ENTER_FIXED;
	case DXGT_REC_LEAVE:
		return DXGT__REC_HDR + DXGT__LEAVE_FIXED;
	default:
		return 0;
	}
}

static void put_hdr(uint8_t *p, const struct dxgt_record *rec, size_t total)
{
	dxgt__put_le(p, 0, rec->type, 2);
	dxgt__put_le(p, 2, rec->flags, 2);
	dxgt__put_le(p, 4, total, 4);
}

void dxgt_record_put_fixed(uint8_t *p, const struct dxgt_record *rec, size_t total)
{
	put_hdr(p, rec, total);
	p += DXGT__REC_HDR;
	if (rec->type == DXGT_REC_ENTER) {
		memset(p, 0, DXGT__ENTER_FIXED);
		dxgt__put_le(p, 0, rec->seq, 8);
		dxgt__put_le(p, 8, rec->time_ns, 8);
		dxgt__put_le(p, 16, rec->parent_seq, 8);
		dxgt__put_le(p, 24, rec->tid, 4);
		p[28] = rec->layer;
		dxgt__put_le(p, 30, rec->call_id, 2);
		dxgt__put_le(p, 32, rec->code, 4);
		dxgt__put_le(p, 36, (uint32_t)rec->fd, 4);
		dxgt__put_le(p, 40, rec->object, 8);
		dxgt__put_le(p, 48, rec->args_len, 4);
		dxgt__put_le(p, 52, rec->n_bufs, 2);
		dxgt__put_le(p, 54, rec->n_frames, 2);
	} else if (rec->type == DXGT_REC_LEAVE) {
		memset(p, 0, DXGT__LEAVE_FIXED);
		dxgt__put_le(p, 0, rec->seq, 8);
		dxgt__put_le(p, 8, rec->time_ns, 8);
		dxgt__put_le(p, 16, rec->tid, 4);
		p[20] = rec->layer;
		dxgt__put_le(p, 22, rec->call_id, 2);
		dxgt__put_le(p, 24, (uint64_t)rec->ret, 8);
		dxgt__put_le(p, 32, (uint32_t)rec->err, 4);
		dxgt__put_le(p, 36, rec->status, 4);
		dxgt__put_le(p, 40, rec->args_len, 4);
		dxgt__put_le(p, 44, rec->n_bufs, 2);
	}
}

int dxgt_record_encode(const struct dxgt_record *rec, uint8_t *buf, size_t cap, size_t *needed)
{
	if (!rec || !needed)
		return DXGT_E_INVAL;
	if (rec->n_bufs > DXGT_MAX_BUFS || rec->n_frames > DXGT_MAX_FRAMES ||
	    rec->n_fields > DXGT_MAX_FIELDS)
		return DXGT_E_INVAL;
	if (rec->type == DXGT_REC_META) {
		for (uint16_t i = 0; i < rec->n_fields; i++) {
			const struct dxgt_meta_field *f = &rec->fields[i];
			if (!f->key || strlen(f->key) > 255 || f->type < DXGT_VAL_U64 ||
			    f->type > DXGT_VAL_I64)
				return DXGT_E_INVAL;
		}
	} else if (rec->type != DXGT_REC_ENTER && rec->type != DXGT_REC_LEAVE) {
		if (rec->type == 0 || (rec->raw_len && !rec->raw))
			return DXGT_E_INVAL;
	}
	size_t n = encoded_size(rec);
	*needed = n;
	if (n > DXGT_MAX_RECORD)
		return DXGT_E_TOOBIG;
	if (!buf || cap < n)
		return DXGT_E_TOOBIG;

	uint8_t *p = buf;
	switch (rec->type) {
	case DXGT_REC_ENTER:
	case DXGT_REC_LEAVE:
		dxgt_record_put_fixed(p, rec, n);
		p += dxgt_record_fixed_size(rec->type);
		if (rec->args_len)
			memcpy(p, rec->args, rec->args_len);
		p += rec->args_len;
		p = put_bufs(p, rec);
		for (uint16_t i = 0; i < rec->n_frames && rec->type == DXGT_REC_ENTER; i++, p += 8)
			dxgt__put_le(p, 0, rec->frames[i], 8);
		break;
	case DXGT_REC_META:
		put_hdr(p, rec, n);
		p += DXGT__REC_HDR;
		memset(p, 0, DXGT__META_FIXED);
		dxgt__put_le(p, 0, rec->meta_kind, 2);
		dxgt__put_le(p, 2, rec->n_fields, 2);
		p += DXGT__META_FIXED;
		for (uint16_t i = 0; i < rec->n_fields; i++) {
			const struct dxgt_meta_field *f = &rec->fields[i];
			size_t klen = strlen(f->key);
			bool num = f->type == DXGT_VAL_U64 || f->type == DXGT_VAL_I64;
			uint32_t vlen = num ? 8 : f->len;
			p[0] = f->type;
			p[1] = (uint8_t)klen;
			dxgt__put_le(p, 2, 0, 2);
			dxgt__put_le(p, 4, vlen, 4);
			p += DXGT__FIELD_HDR;
			memcpy(p, f->key, klen);
			p += klen;
			if (num)
				dxgt__put_le(p, 0, f->u64, 8);
			else if (vlen)
				memcpy(p, f->data, vlen);
			p += vlen;
		}
		break;
	default:
		put_hdr(p, rec, n);
		p += DXGT__REC_HDR;
		if (rec->raw_len)
			memcpy(p, rec->raw, rec->raw_len);
		p += rec->raw_len;
		break;
	}
	return p - buf == (ptrdiff_t)n ? 0 : DXGT_E_INVAL;
}

/* ---- decoding ---- */

void dxgt__scratch_free(struct dxgt__scratch *s)
{
	if (!s)
		return;
	free(s->bufs);
	free(s->frames);
	free(s->fields);
	free(s->strings);
	memset(s, 0, sizeof(*s));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return DXGT_E_NOMEM;
	*p = q;
	*cap = n;
	return 0;
}

bool dxgt_utf8_valid(const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint32_t min, v;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1, min = 0x80, v = c & 0x1fu;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, min = 0x800, v = c & 0x0fu;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, min = 0x10000, v = c & 0x07u;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (p[i + j] & 0x3fu);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* A bounded cursor over the record body. */
struct cur {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct cur *c, size_t n)
{
	if (n > c->left)
		return NULL;
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static int get_bufs(struct cur *c, uint16_t n, struct dxgt_record *rec, struct dxgt__scratch *s)
{
	int rc = grow((void **)&s->bufs, &s->bufs_cap, n, sizeof(*s->bufs));
	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *h = take(c, DXGT__BUF_HDR);
		if (!h)
			return DXGT_E_CORRUPT;
		struct dxgt_rec_buf *b = &s->bufs[i];
		b->desc = (uint16_t)dxgt__get_le(h, 0, 2);
		b->level = h[2];
		b->flags = h[3];
		b->elem = (uint32_t)dxgt__get_le(h, 4, 4);
		b->orig_len = (uint32_t)dxgt__get_le(h, 8, 4);
		b->len = (uint32_t)dxgt__get_le(h, 12, 4);
		b->addr = dxgt__get_le(h, 16, 8);
		b->parent = (uint16_t)dxgt__get_le(h, 24, 2);
		if (b->level > 1 || b->len > b->orig_len)
			return DXGT_E_CORRUPT;
		b->data = take(c, b->len);
		if (!b->data)
			return DXGT_E_CORRUPT;
	}
	rec->bufs = n ? s->bufs : NULL;
	rec->n_bufs = n;
	return 0;
}

static int decode_meta(struct cur *c, struct dxgt_record *rec, struct dxgt__scratch *s)
{
	const uint8_t *h = take(c, DXGT__META_FIXED);
	if (!h)
		return DXGT_E_CORRUPT;
	rec->meta_kind = (uint16_t)dxgt__get_le(h, 0, 2);
	uint16_t n = (uint16_t)dxgt__get_le(h, 2, 2);
	if (n > DXGT_MAX_FIELDS)
		return DXGT_E_CORRUPT;
	int rc = grow((void **)&s->fields, &s->fields_cap, n, sizeof(*s->fields));
	if (rc < 0)
		return rc;
	/* Keys and string values are copied with a terminator: at most the
	 * body's size plus two bytes per field. */
	rc = grow((void **)&s->strings, &s->strings_cap, c->left + 2u * n + 1, 1);
	if (rc < 0)
		return rc;
	char *str = s->strings;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *fh = take(c, DXGT__FIELD_HDR);
		if (!fh)
			return DXGT_E_CORRUPT;
		struct dxgt_meta_field *f = &s->fields[i];
		memset(f, 0, sizeof(*f));
		f->type = fh[0];
		uint8_t klen = fh[1];
		uint32_t vlen = (uint32_t)dxgt__get_le(fh, 4, 4);
		const uint8_t *k = take(c, klen);
		const uint8_t *v = take(c, vlen);
		if (!k || !v)
			return DXGT_E_CORRUPT;
		if (klen == 0)
			return DXGT_E_CORRUPT;
		for (uint8_t j = 0; j < klen; j++)
			if (k[j] < 0x21 || k[j] > 0x7e) /* keys are printable ASCII */
				return DXGT_E_CORRUPT;
		memcpy(str, k, klen);
		str[klen] = '\0';
		for (uint16_t j = 0; j < i; j++) /* and unique within a record */
			if (strcmp(s->fields[j].key, str) == 0)
				return DXGT_E_CORRUPT;
		f->key = str;
		str += klen + 1;
		switch (f->type) {
		case DXGT_VAL_U64:
		case DXGT_VAL_I64:
			if (vlen != 8)
				return DXGT_E_CORRUPT;
			f->u64 = dxgt__get_le(v, 0, 8);
			break;
		case DXGT_VAL_STR:
			if (!dxgt_utf8_valid(v, vlen)) { /* not text after all: kept as bytes */
				f->type = DXGT_VAL_BYTES;
				f->data = v;
				f->len = vlen;
				break;
			}
			memcpy(str, v, vlen);
			str[vlen] = '\0';
			f->data = (const uint8_t *)str;
			f->len = vlen;
			str += vlen + 1;
			break;
		default: /* BYTES, and value types of newer minors kept as bytes */
			f->data = v;
			f->len = vlen;
			break;
		}
	}
	rec->fields = n ? s->fields : NULL;
	rec->n_fields = n;
	return 0;
}

int dxgt__record_decode(const uint8_t *p, size_t len, struct dxgt_record *rec,
			struct dxgt__scratch *s)
{
	memset(rec, 0, sizeof(*rec));
	rec->fd = -1;
	if (len < DXGT__REC_HDR)
		return DXGT_E_CORRUPT;
	rec->type = (uint16_t)dxgt__get_le(p, 0, 2);
	rec->flags = (uint16_t)dxgt__get_le(p, 2, 2);
	uint32_t size = (uint32_t)dxgt__get_le(p, 4, 4);
	if (size < DXGT__REC_HDR || size > len)
		return DXGT_E_CORRUPT;
	rec->raw = p;
	rec->raw_len = size;
	struct cur c = {p + DXGT__REC_HDR, size - DXGT__REC_HDR};
	const uint8_t *h;
	int rc;

	switch (rec->type) {
	case DXGT_REC_ENTER: {
		h = take(&c, DXGT__ENTER_FIXED);
		if (!h)
			return DXGT_E_CORRUPT;
		rec->seq = dxgt__get_le(h, 0, 8);
		rec->time_ns = dxgt__get_le(h, 8, 8);
		rec->parent_seq = dxgt__get_le(h, 16, 8);
		rec->tid = (uint32_t)dxgt__get_le(h, 24, 4);
		rec->layer = h[28];
		rec->call_id = (uint16_t)dxgt__get_le(h, 30, 2);
		rec->code = (uint32_t)dxgt__get_le(h, 32, 4);
		rec->fd = (int32_t)(uint32_t)dxgt__get_le(h, 36, 4);
		rec->object = dxgt__get_le(h, 40, 8);
		rec->args_len = (uint32_t)dxgt__get_le(h, 48, 4);
		uint16_t nb = (uint16_t)dxgt__get_le(h, 52, 2);
		uint16_t nf = (uint16_t)dxgt__get_le(h, 54, 2);
		if (nb > DXGT_MAX_BUFS || nf > DXGT_MAX_FRAMES)
			return DXGT_E_CORRUPT;
		rec->args = take(&c, rec->args_len);
		if (!rec->args)
			return DXGT_E_CORRUPT;
		rc = get_bufs(&c, nb, rec, s);
		if (rc < 0)
			return rc;
		const uint8_t *fr = take(&c, 8u * nf);
		if (!fr)
			return DXGT_E_CORRUPT;
		rc = grow((void **)&s->frames, &s->frames_cap, nf, sizeof(*s->frames));
		if (rc < 0)
			return rc;
		for (uint16_t i = 0; i < nf; i++)
			s->frames[i] = dxgt__get_le(fr, 8u * i, 8);
		rec->frames = nf ? s->frames : NULL;
		rec->n_frames = nf;
		break;
	}
	case DXGT_REC_LEAVE: {
		h = take(&c, DXGT__LEAVE_FIXED);
		if (!h)
			return DXGT_E_CORRUPT;
		rec->seq = dxgt__get_le(h, 0, 8);
		rec->time_ns = dxgt__get_le(h, 8, 8);
		rec->tid = (uint32_t)dxgt__get_le(h, 16, 4);
		rec->layer = h[20];
		rec->call_id = (uint16_t)dxgt__get_le(h, 22, 2);
		rec->ret = (int64_t)dxgt__get_le(h, 24, 8);
		rec->err = (int32_t)(uint32_t)dxgt__get_le(h, 32, 4);
		rec->status = (uint32_t)dxgt__get_le(h, 36, 4);
		rec->args_len = (uint32_t)dxgt__get_le(h, 40, 4);
		uint16_t nb = (uint16_t)dxgt__get_le(h, 44, 2);
		if (nb > DXGT_MAX_BUFS)
			return DXGT_E_CORRUPT;
		rec->args = take(&c, rec->args_len);
		if (!rec->args)
			return DXGT_E_CORRUPT;
		rc = get_bufs(&c, nb, rec, s);
		if (rc < 0)
			return rc;
		break;
	}
	case DXGT_REC_META:
		rc = decode_meta(&c, rec, s);
		if (rc < 0)
			return rc;
		break;
	default:
		/* Unknown: skipped by size; the body stays available as raw. */
		return 0;
	}
	if ((rec->type == DXGT_REC_ENTER || rec->type == DXGT_REC_LEAVE) && rec->seq == 0)
		return DXGT_E_CORRUPT;
	/* A known record is exactly as long as what it holds. */
	return c.left == 0 ? 0 : DXGT_E_CORRUPT;
}
