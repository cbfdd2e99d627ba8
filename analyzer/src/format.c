// SPDX-License-Identifier: MIT
/*
 * How a call reads: one strace-like line per call, decoded from the
 * recorded argument bytes through the descriptor list (handles by symbolic
 * name, notable scalars, nested buffers as size and hash), and the same
 * call as a JSON object (docs/json-output.md). Recorded pointers are shown
 * as numbers and never followed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "dxgt/analyze.h"
#include "dxgt/dxcore.h"
#include "dxgt/error.h"
#include "dxgt/status.h"

uint64_t dxgt_fnv1a64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

const char *dxgt_call_display_name(const struct dxgt_call *c, char *buf, size_t len)
{
	const struct dxgt_call_desc *d = c->desc;
	const struct dxgt_record *e = c->enter;
	if (d && e->layer == DXGT_LAYER_IOCTL && d->ioctl_name)
		snprintf(buf, len, "%s", d->ioctl_name);
	else if (d && e->layer == DXGT_LAYER_D3DKMT && d->kmt_name)
		snprintf(buf, len, "%s", d->kmt_name);
	else if (d)
		snprintf(buf, len, "%s", d->name);
	else if (e->layer == DXGT_LAYER_IOCTL)
		snprintf(buf, len, "ioctl(0x%08" PRIx32 ")", e->code);
	else
		snprintf(buf, len, "call-%u", e->call_id);
	return buf;
}

/* A DXCore method that answers a count or a bool, not an HRESULT. */
static bool returns_value(const struct dxgt_call *c)
{
	return c->enter->layer == DXGT_LAYER_DXCORE && c->desc && (c->desc->flags & DXGT_CF_VALUE);
}

/* The layer whose argument struct the recorded bytes are. */
static enum dxgt_layer args_layer(const struct dxgt_record *e)
{
	if (e->layer == DXGT_LAYER_IOCTL || e->layer == DXGT_LAYER_DXCORE)
		return (enum dxgt_layer)e->layer;
	return DXGT_LAYER_D3DKMT;
}

bool dxgt_call_failed(const struct dxgt_call *c)
{
	const struct dxgt_record *l = c->leave;
	if (!l)
		return true;
	if (l->flags & DXGT_LEAVE_STATUS)
		return (int32_t)l->status < 0;
	if (c->enter->layer == DXGT_LAYER_IOCTL)
		return l->ret < 0;
	if (returns_value(c))
		return false;
	return (int32_t)l->ret < 0;
}

const char *dxgt_call_result(const struct dxgt_call *c, char *buf, size_t len)
{
	const struct dxgt_record *l = c->leave;
	if (!l) {
		snprintf(buf, len, "? <no return>");
		return buf;
	}
	if (l->flags & DXGT_LEAVE_STATUS) {
		const char *n = dxgt_ntstatus_name(l->status);
		if (l->status == 0)
			snprintf(buf, len, "0 %s", n ? n : "");
		else
			snprintf(buf, len, "0x%08" PRIX32 "%s%s", l->status, n ? " " : "",
				 n ? n : "");
		return buf;
	}
	if (c->enter->layer == DXGT_LAYER_IOCTL) {
		if (l->ret < 0) {
			const char *n = dxgt_errno_name(l->err);
			if (n)
				snprintf(buf, len, "%" PRId64 " %s", l->ret, n);
			else
				snprintf(buf, len, "%" PRId64 " errno %d", l->ret, l->err);
		} else if (l->ret > 0) {
			const char *n = dxgt_ntstatus_name((uint32_t)l->ret);
			snprintf(buf, len, "%" PRId64 "%s%s", l->ret, n ? " " : "", n ? n : "");
		} else {
			snprintf(buf, len, "0");
		}
		return buf;
	}
	if (returns_value(c)) {
		snprintf(buf, len, "%" PRId64, l->ret);
		return buf;
	}
	const char *n =
	    c->enter->layer == DXGT_LAYER_DXCORE ? dxgt_hresult_name((uint32_t)l->ret) : NULL;
	snprintf(buf, len, "0x%08" PRIX32 "%s%s", (uint32_t)l->ret, n ? " " : "", n ? n : "");
	return buf;
}

/* ---- text ---- */

/* A growable line. */
struct line {
	char *s;
	size_t n, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void lput(struct line *l, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(l->s ? l->s + l->n : NULL, l->s ? l->cap - l->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if (l->s && l->n + (size_t)k < l->cap) {
			l->n += (size_t)k;
			return;
		}
		size_t cap = l->cap ? l->cap : 256;
		while (cap <= l->n + (size_t)k)
			cap *= 2;
		char *s = realloc(l->s, cap);
		if (!s) {
			l->oom = true;
			return;
		}
		l->s = s;
		l->cap = cap;
	}
}

static const struct dxgt_rec_buf *find_buf(const struct dxgt_record *r, unsigned level,
					   unsigned desc, unsigned parent, uint32_t elem)
{
	if (!r)
		return NULL;
	for (uint16_t i = 0; i < r->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &r->bufs[i];
		if (b->level == level && b->desc == desc &&
		    (level == 0 || (b->parent == parent && b->elem == elem)))
			return b;
	}
	return NULL;
}

static void put_bufval(struct line *l, const struct dxgt_rec_buf *b)
{
	if (b->flags & DXGT_BUF_UNREADABLE) {
		lput(l, "<unreadable 0x%" PRIx64 ">", b->addr);
		return;
	}
	if (b->len < b->orig_len)
		lput(l, "%" PRIu32 "B(%" PRIu32 " kept)", b->orig_len, b->len);
	else
		lput(l, "%" PRIu32 "B", b->len);
	if (b->len)
		lput(l, "#%08" PRIx32, (uint32_t)(dxgt_fnv1a64(b->data, b->len) >> 32));
}

static void put_buf(struct line *l, const char *name, const struct dxgt_rec_buf *in,
		    const struct dxgt_rec_buf *out)
{
	lput(l, "%s=", name);
	if (in)
		put_bufval(l, in);
	if (out && (!in || out->len != in->len ||
		    (out->len && memcmp(out->data, in->data, out->len) != 0))) {
		lput(l, "->");
		put_bufval(l, out);
	}
}

/* Payloads whose layout a field of the call picks (QueryAdapterInfo's
 * type): the few that explain a trace at a glance are spelled out after
 * the buffer. One row per payload; the bytes are the recorded copy. */
struct payload_decoder {
	const char *call, *buf, *selector;
	uint64_t value;
	uint32_t min_len;
	void (*put)(struct line *l, const uint8_t *p);
};

/* KMTQAITYPE_PHYSICALADAPTERDEVICEIDS: index, then vendor, device,
 * subsystem vendor, subsystem, revision, bus type. */
static void put_device_ids(struct line *l, const uint8_t *p)
{
	lput(l, "{pci=%04X:%04X}", (unsigned)dxgt__le(p + 4, 4), (unsigned)dxgt__le(p + 8, 4));
}

static const struct payload_decoder decoders[] = {
    {"QueryAdapterInfo", "private_data", "type", 31, 12, put_device_ids},
};

static void put_decoded(struct line *l, const struct dxgt_call *c, const struct dxgt_buf_desc *bd,
			const struct dxgt_rec_buf *out)
{
	if (!out || !c->desc || out->flags & DXGT_BUF_UNREADABLE)
		return;
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		const struct payload_decoder *pd = &decoders[i];
		if (strcmp(c->desc->name, pd->call) != 0 || strcmp(bd->name, pd->buf) != 0 ||
		    out->len < pd->min_len)
			continue;
		for (uint16_t k = 0; k < c->desc->n_scalars; k++) {
			const struct dxgt_field_desc *f = &c->desc->scalars[k];
			uint64_t v;
			if (strcmp(f->name, pd->selector) == 0 &&
			    dxgt_field_read(c->enter->args, c->enter->args_len, f->off, f->size,
					    &v) == 0 &&
			    v == pd->value)
				pd->put(l, out->data);
		}
	}
}

static void put_handles_in_buf(struct line *l, const struct dxgt_buf_desc *bd,
			       const struct dxgt_rec_buf *b, const struct dxgt_symtab *t)
{
	char nb[24];
	if (!b)
		return;
	if (bd->kind != DXGT_OBJ_NONE && bd->elem_size == 4) {
		lput(l, "[");
		for (uint32_t off = 0; off + 4 <= b->len; off += 4)
			lput(l, "%s%s", off ? "," : "",
			     dxgt_symtab_name(t, (enum dxgt_obj)bd->kind,
					      (uint32_t)dxgt__le(b->data + off, 4), nb,
					      sizeof(nb)));
		lput(l, "]");
		return;
	}
	if (!bd->elem || !bd->elem->n_handles || !bd->elem_size)
		return;
	lput(l, "{");
	for (uint32_t e = 0; (uint64_t)(e + 1) * bd->elem_size <= b->len; e++) {
		const uint8_t *el = b->data + (size_t)e * bd->elem_size;
		for (uint16_t j = 0; j < bd->elem->n_handles; j++) {
			const struct dxgt_handle_desc *h = &bd->elem->handles[j];
			if (h->off + 4 <= bd->elem_size)
				lput(l, "%s%s", e || j ? "," : "",
				     dxgt_symtab_name(t, (enum dxgt_obj)h->kind,
						      (uint32_t)dxgt__le(el + h->off, 4), nb,
						      sizeof(nb)));
		}
	}
	lput(l, "}");
}

/* A GUID field of the image, by name or as text; NULL outside the image. */
static const char *guid_field(const struct dxgt_field_desc *f, const struct dxgt_record *r,
			      char *buf, size_t len)
{
	if (f->size != 16 || f->off > r->args_len || r->args_len - f->off < 16)
		return NULL;
	return dxgt_guid_text(r->args + f->off, buf, len);
}

static void put_scalar(struct line *l, const struct dxgt_field_desc *f, const struct dxgt_record *r)
{
	uint64_t v = 0;
	if (f->fmt == DXGT_FMT_GUID) {
		char gb[40];
		const char *g = guid_field(f, r, gb, sizeof(gb));
		if (g)
			lput(l, "%s=%s", f->name, g);
		return;
	}
	if (f->fmt == DXGT_FMT_LUID) {
		uint64_t lo = 0, hi = 0;
		if (dxgt_field_read(r->args, r->args_len, f->off, 4, &lo) < 0 ||
		    dxgt_field_read(r->args, r->args_len, f->off + 4, 4, &hi) < 0)
			return;
		lput(l, "%s=0x%08" PRIx64 ":0x%08" PRIx64, f->name, hi, lo);
		return;
	}
	if (dxgt_field_read(r->args, r->args_len, f->off, f->size, &v) < 0)
		return;
	if (f->fmt == DXGT_FMT_HEX)
		lput(l, "%s=0x%" PRIx64, f->name, v);
	else if (f->size == 4)
		lput(l, "%s=%" PRId32, f->name, (int32_t)v);
	else
		lput(l, "%s=%" PRIu64, f->name, v);
}

/* One decoded item of the argument list, ordered by struct offset. */
struct item {
	uint32_t off;
	unsigned kind; /* 0 handle, 1 scalar, 2 buffer */
	unsigned index;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static void put_args(struct line *l, const struct dxgt_call *c, const struct dxgt_symtab *t)
{
	const struct dxgt_call_desc *d = c->desc;
	const struct dxgt_record *e = c->enter, *v = c->leave ? c->leave : c->enter;
	size_t n = (size_t)d->n_handles + d->n_scalars + d->n_bufs, k = 0;
	struct item *items = calloc(n ? n : 1, sizeof(*items));
	char nb[24];
	if (!items) {
		l->oom = true;
		return;
	}
	for (unsigned i = 0; i < d->n_handles; i++)
		items[k++] = (struct item){d->handles[i].off, 0, i};
	for (unsigned i = 0; i < d->n_scalars; i++)
		items[k++] = (struct item){d->scalars[i].off, 1, i};
	for (unsigned i = 0; i < d->n_bufs; i++)
		items[k++] = (struct item){d->bufs[i].ptr_off, 2, i};
	qsort(items, k, sizeof(*items), item_cmp);
	for (size_t i = 0; i < k; i++) {
		if (i)
			lput(l, ", ");
		if (items[i].kind == 0) {
			const struct dxgt_handle_desc *h = &d->handles[items[i].index];
			bool out = h->role == DXGT_ROLE_OUT || h->role == DXGT_ROLE_INOUT;
			const struct dxgt_record *r = out ? v : e;
			uint32_t cnt = dxgt__handle_count(h, r->args, r->args_len);
			lput(l, "%s=%s", h->name, h->count_size ? "[" : "");
			for (uint32_t j = 0; j < cnt; j++) {
				uint64_t hv = 0;
				dxgt_field_read(r->args, r->args_len, h->off + j * h->stride, 4,
						&hv);
				lput(l, "%s%s", j ? "," : "",
				     dxgt_symtab_name(t, (enum dxgt_obj)h->kind, (uint32_t)hv, nb,
						      sizeof(nb)));
			}
			if (h->count_size)
				lput(l, "]");
		} else if (items[i].kind == 1) {
			put_scalar(l, &d->scalars[items[i].index], v);
		} else {
			unsigned bi = items[i].index;
			const struct dxgt_buf_desc *bd = &d->bufs[bi];
			const struct dxgt_rec_buf *bin = find_buf(e, 0, bi, 0, 0);
			const struct dxgt_rec_buf *bout = find_buf(c->leave, 0, bi, 0, 0);
			uint64_t ptr = 0;
			dxgt_field_read(e->args, e->args_len, bd->ptr_off, 8, &ptr);
			if (!bin && !bout) {
				lput(l, "%s=%s", bd->name, ptr ? "0B" : "NULL");
				continue;
			}
			put_buf(l, bd->name, bin, bout);
			put_handles_in_buf(
			    l, bd, bout && bd->role == DXGT_ROLE_OUT ? bout : (bin ? bin : bout),
			    t);
			put_decoded(l, c, bd, c->leave ? bout : NULL);
		}
	}
	/* Second-level buffers, after the first level. */
	for (int side = 0; side < 2; side++) {
		const struct dxgt_record *r = side ? c->leave : e;
		for (uint16_t i = 0; r && i < r->n_bufs; i++) {
			const struct dxgt_rec_buf *b = &r->bufs[i];
			if (b->level != 1 || b->parent >= d->n_bufs || !d->bufs[b->parent].elem)
				continue;
			const struct dxgt_elem_desc *ed = d->bufs[b->parent].elem;
			if (side && find_buf(e, 1, b->desc, b->parent, b->elem))
				continue; /* shown with its input side */
			const struct dxgt_rec_buf *o =
			    side ? NULL : find_buf(c->leave, 1, b->desc, b->parent, b->elem);
			lput(l, ", %s[%" PRIu32 "].", d->bufs[b->parent].name, b->elem);
			put_buf(l, b->desc < ed->n_bufs ? ed->bufs[b->desc].name : "?", b, o);
		}
	}
	free(items);
}

static void put_raw_args(struct line *l, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter;
	if (!e->args_len && c->desc && dxgt_call_args_size(c->desc, args_layer(e)))
		lput(l, "<arguments unreadable>"); /* the recorder could not read the struct */
	else if (e->args_len)
		lput(l, "%" PRIu32 "B#%08" PRIx32, e->args_len,
		     (uint32_t)(dxgt_fnv1a64(e->args, e->args_len) >> 32));
	for (uint16_t i = 0; i < e->n_bufs; i++) {
		lput(l, ", buf%u=", i);
		put_bufval(l, &e->bufs[i]);
	}
}

static void hexdump(FILE *f, const char *title, const uint8_t *p, size_t n)
{
	fprintf(f, "        %s: %zu bytes\n", title, n);
	for (size_t off = 0; off < n; off += 16) {
		fprintf(f, "          %04zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (off + i < n)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = 0; i < 16 && off + i < n; i++) {
			uint8_t ch = p[off + i];
			fputc(ch >= 0x20 && ch < 0x7f ? ch : '.', f);
		}
		fputs("|\n", f);
	}
}

static const char *buf_name(const struct dxgt_call *c, const struct dxgt_rec_buf *b, char *buf,
			    size_t len)
{
	const struct dxgt_call_desc *d = c->desc;
	if (!d || b->desc == DXGT_BUF_NODESC)
		snprintf(buf, len, "buffer");
	else if (b->level == 0 && b->desc < d->n_bufs)
		snprintf(buf, len, "%s", d->bufs[b->desc].name);
	else if (b->level == 1 && b->parent < d->n_bufs && d->bufs[b->parent].elem &&
		 b->desc < d->bufs[b->parent].elem->n_bufs)
		snprintf(buf, len, "%s[%" PRIu32 "].%s", d->bufs[b->parent].name, b->elem,
			 d->bufs[b->parent].elem->bufs[b->desc].name);
	else
		snprintf(buf, len, "buffer%u", b->desc);
	return buf;
}

static void blobs(FILE *f, const struct dxgt_call *c)
{
	char name[96], title[128];
	for (int side = 0; side < 2; side++) {
		const struct dxgt_record *r = side ? c->leave : c->enter;
		if (!r)
			continue;
		snprintf(title, sizeof(title), "%s args", side ? "out" : "in");
		hexdump(f, title, r->args, r->args_len);
		for (uint16_t i = 0; i < r->n_bufs; i++) {
			snprintf(title, sizeof(title), "%s %s", side ? "out" : "in",
				 buf_name(c, &r->bufs[i], name, sizeof(name)));
			hexdump(f, title, r->bufs[i].data, r->bufs[i].len);
		}
	}
}

int dxgt_call_print(FILE *f, const struct dxgt_call *c, const struct dxgt_symtab *t, unsigned flags)
{
	const struct dxgt_record *e = c->enter;
	struct line l = {0};
	char name[64], res[96];
	lput(&l, "%6" PRIu64 " %6" PRIu32 " %-6s %s(", e->seq, e->tid,
	     dxgt_layer_name((enum dxgt_layer)e->layer),
	     dxgt_call_display_name(c, name, sizeof(name)));
	if (e->layer == DXGT_LAYER_IOCTL)
		lput(&l, "fd=%" PRId32 ", ", e->fd);
	if (c->desc && dxgt_call_args_size(c->desc, args_layer(e)) == e->args_len)
		put_args(&l, c, t);
	else
		put_raw_args(&l, c);
	if (!l.oom && l.n >= 2 && strcmp(l.s + l.n - 2, ", ") == 0)
		l.s[l.n -= 2] = 0; /* an ioctl with no argument bytes: just the fd */
	lput(&l, ") = %s", dxgt_call_result(c, res, sizeof(res)));
	if (c->leave && !(flags & DXGT_FMT_NOTIME) && c->leave->time_ns >= e->time_ns)
		lput(&l, " <%.1fus>", (double)(c->leave->time_ns - e->time_ns) / 1000.0);
	if (l.oom) {
		free(l.s);
		return DXGT_E_NOMEM;
	}
	fprintf(f, "%s\n", l.s);
	free(l.s);
	if (flags & DXGT_FMT_BLOBS)
		blobs(f, c);
	return ferror(f) ? DXGT_E_IO : 0;
}

int dxgt_meta_print(FILE *f, const struct dxgt_record *m)
{
	const char *kind = dxgt_meta_kind_name(m->meta_kind);
	if (kind)
		fprintf(f, "%s:", kind);
	else
		fprintf(f, "meta-%u:", m->meta_kind);
	for (uint16_t i = 0; i < m->n_fields; i++) {
		const struct dxgt_meta_field *fl = &m->fields[i];
		fprintf(f, " %s=", fl->key);
		switch (fl->type) {
		case DXGT_VAL_U64:
			fprintf(f, "%" PRIu64, fl->u64);
			break;
		case DXGT_VAL_I64:
			fprintf(f, "%" PRId64, (int64_t)fl->u64);
			break;
		case DXGT_VAL_STR:
			for (uint32_t k = 0; k < fl->len; k++) {
				uint8_t ch = fl->data[k];
				if (ch == 0)
					fputc(' ', f);
				else if (ch < 0x20 || ch == 0x7f)
					fprintf(f, "\\x%02x", ch);
				else
					fputc(ch, f);
			}
			break;
		default:
			for (uint32_t k = 0; k < fl->len; k++)
				fprintf(f, "%02x", fl->data[k]);
			break;
		}
	}
	fputc('\n', f);
	return ferror(f) ? DXGT_E_IO : 0;
}

/* ---- JSON ---- */

static json_t *hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	json_t *j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

/* v in lowercase hex: "0x" and at least `width` digits, or bare when !prefix. */
static json_t *hexnum(uint64_t v, int width, bool prefix)
{
	char b[32];
	snprintf(b, sizeof(b), "%s%0*" PRIx64, prefix ? "0x" : "", width, v);
	return json_string(b);
}

static json_t *bufs_json(const struct dxgt_call *c, const struct dxgt_record *r, unsigned flags)
{
	json_t *a = json_array();
	char name[96];
	for (uint16_t i = 0; a && i < r->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &r->bufs[i];
		json_t *o = json_object();
		json_object_set_new(o, "desc", json_integer(b->desc));
		json_object_set_new(o, "name",
				    c->desc && b->desc != DXGT_BUF_NODESC
					? json_string(buf_name(c, b, name, sizeof(name)))
					: json_null());
		json_object_set_new(o, "level", json_integer(b->level));
		json_object_set_new(o, "elem", json_integer(b->elem));
		json_object_set_new(o, "parent",
				    b->parent == DXGT_BUF_NODESC ? json_null()
								 : json_integer(b->parent));
		json_object_set_new(o, "flags", json_integer(b->flags));
		json_object_set_new(o, "orig_len", json_integer(b->orig_len));
		json_object_set_new(o, "len", json_integer(b->len));
		json_object_set_new(o, "addr", hexnum(b->addr, 0, true));
		json_object_set_new(o, "fnv1a", hexnum(dxgt_fnv1a64(b->data, b->len), 16, false));
		if (flags & DXGT_FMT_BLOBS)
			json_object_set_new(o, "hex", hex(b->data, b->len));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *side_json(const struct dxgt_call *c, const struct dxgt_record *r, unsigned flags)
{
	if (!r)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "args", hex(r->args, r->args_len));
	json_object_set_new(o, "bufs", bufs_json(c, r, flags));
	return o;
}

/* Decoded fields: the text form's items, as strings and numbers. */
static json_t *args_json(const struct dxgt_call *c, const struct dxgt_symtab *t)
{
	json_t *o = json_object();
	const struct dxgt_call_desc *d = c->desc;
	const struct dxgt_record *e = c->enter, *v = c->leave ? c->leave : c->enter;
	char nb[24];
	if (!d || dxgt_call_args_size(d, args_layer(e)) != e->args_len)
		return o;
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		bool out = h->role == DXGT_ROLE_OUT || h->role == DXGT_ROLE_INOUT;
		const struct dxgt_record *r = out ? v : e;
		uint32_t cnt = dxgt__handle_count(h, r->args, r->args_len);
		json_t *a = h->count_size ? json_array() : NULL;
		for (uint32_t j = 0; j < cnt; j++) {
			uint64_t hv = 0;
			dxgt_field_read(r->args, r->args_len, h->off + j * h->stride, 4, &hv);
			json_t *s = json_string(dxgt_symtab_name(t, (enum dxgt_obj)h->kind,
								 (uint32_t)hv, nb, sizeof(nb)));
			if (a)
				json_array_append_new(a, s);
			else
				json_object_set_new(o, h->name, s);
		}
		if (a)
			json_object_set_new(o, h->name, a);
	}
	for (uint16_t i = 0; i < d->n_scalars; i++) {
		const struct dxgt_field_desc *f = &d->scalars[i];
		uint64_t x = 0;
		if (f->fmt == DXGT_FMT_GUID) {
			char gb[40];
			const char *g = guid_field(f, v, gb, sizeof(gb));
			if (g)
				json_object_set_new(o, f->name, json_string(g));
			continue;
		}
		if (dxgt_field_read(v->args, v->args_len, f->off, f->size, &x) < 0)
			continue;
		if (f->fmt == DXGT_FMT_LUID)
			json_object_set_new(o, f->name, hexnum(x, 16, true));
		else if (f->fmt == DXGT_FMT_HEX)
			json_object_set_new(o, f->name, hexnum(x, 0, true));
		else
			json_object_set_new(
			    o, f->name,
			    json_integer(f->size == 4 ? (json_int_t)(int32_t)x : (json_int_t)x));
	}
	return o;
}

static json_t *meta_json(const struct dxgt_record *m)
{
	json_t *o = json_object(), *fields = json_object();
	const char *kind = dxgt_meta_kind_name(m->meta_kind);
	char kb[24];
	if (!kind) {
		snprintf(kb, sizeof(kb), "meta-%u", m->meta_kind);
		kind = kb;
	}
	json_object_set_new(o, "meta", json_string(kind));
	for (uint16_t i = 0; i < m->n_fields; i++) {
		const struct dxgt_meta_field *f = &m->fields[i];
		json_t *val;
		if (f->type == DXGT_VAL_U64 && f->u64 > INT64_MAX) {
			char num[24]; /* beyond a signed 64-bit JSON number: a string */
			snprintf(num, sizeof(num), "%" PRIu64, f->u64);
			val = json_string(num);
		} else if (f->type == DXGT_VAL_U64)
			val = json_integer((json_int_t)f->u64);
		else if (f->type == DXGT_VAL_I64)
			val = json_integer((json_int_t)(int64_t)f->u64);
		else if (f->type == DXGT_VAL_STR)
			val = json_stringn((const char *)f->data, f->len);
		else
			val = hex(f->data, f->len);
		/* A string that is not valid UTF-8 is kept, as hex. */
		json_object_set_new(fields, f->key, val ? val : hex(f->data, f->len));
	}
	json_object_set_new(o, "fields", fields);
	return o;
}

int dxgt_call_print_json(FILE *f, const struct dxgt_call *c, const struct dxgt_symtab *t,
			 unsigned flags)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	json_t *o;
	char name[64];
	if (e->type == DXGT_REC_META) {
		o = meta_json(e);
	} else {
		o = json_object();
		char lay[16];
		const char *ln = dxgt_layer_name((enum dxgt_layer)e->layer);
		if (strcmp(ln, "?") == 0) {
			snprintf(lay, sizeof(lay), "layer-%u", e->layer);
			ln = lay;
		}
		json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
		json_object_set_new(o, "tid", json_integer(e->tid));
		json_object_set_new(o, "layer", json_string(ln));
		json_object_set_new(o, "call_id", json_integer(e->call_id));
		json_object_set_new(o, "name",
				    json_string(dxgt_call_display_name(c, name, sizeof(name))));
		json_object_set_new(o, "parent", json_integer((json_int_t)e->parent_seq));
		json_object_set_new(o, "t_enter_ns", json_integer((json_int_t)e->time_ns));
		json_object_set_new(o, "t_leave_ns",
				    l ? json_integer((json_int_t)l->time_ns) : json_null());
		json_object_set_new(o, "returned", json_boolean(l != NULL));
		json_object_set_new(o, "ret", l ? json_integer(l->ret) : json_null());
		json_object_set_new(o, "errno", l ? json_integer(l->err) : json_null());
		json_object_set_new(o, "status",
				    l && (l->flags & DXGT_LEAVE_STATUS) ? hexnum(l->status, 8, true)
									: json_null());
		if (e->layer == DXGT_LAYER_IOCTL) {
			json_object_set_new(o, "code", hexnum(e->code, 8, true));
			json_object_set_new(o, "fd", json_integer(e->fd));
		}
		json_object_set_new(o, "args", args_json(c, t));
		json_object_set_new(o, "in", side_json(c, e, flags));
		json_object_set_new(o, "out", side_json(c, l, flags));
		json_t *fr = json_array();
		for (uint16_t i = 0; i < e->n_frames; i++)
			json_array_append_new(fr, hexnum(e->frames[i], 0, true));
		json_object_set_new(o, "frames", fr);
	}
	if (!o)
		return DXGT_E_NOMEM;
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return DXGT_E_NOMEM;
	fprintf(f, "%s\n", s);
	free(s);
	return ferror(f) ? DXGT_E_IO : 0;
}
