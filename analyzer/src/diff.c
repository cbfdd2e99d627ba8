// SPDX-License-Identifier: MIT
/*
 * Trace comparison (dxgt/diff.h): the engine behind `dxgtrace diff`.
 *
 * Pass 1 reads both traces at once (trace A on a second thread) and turns
 * every call of each view into a 40-byte item: the call, a hash of its
 * normalised inputs (the alignment key), its result, and a hash of what it
 * changed (its outputs). Normalising means: handles become their symbolic
 * names (dxgt_symtab, so A1 in one trace equals A1 in the other), adapter
 * LUIDs their order of appearance, pointer fields only say NULL or not, and
 * the descriptor list's volatile fields are zeroed. Outputs are hashed as
 * the words the call changed (leave image against enter image), so two
 * calls with other inputs can still be said to have answered alike.
 *
 * The item sequences are aligned on their keys: common prefix and suffix
 * first, then Myers' greedy shortest-edit-script algorithm bounded to
 * MYERS_DMAX edits and MYERS_WORK steps (memory about DMAX^2/2 int32 for
 * the traceback), and past that bound a windowed greedy alignment that
 * resynchronises on the nearest common key within WINDOW calls of each
 * side (linear time). Between two runs of matches, a hunk of calls only in
 * A and calls only in B is aligned again on the call alone: those pairs
 * are the same call with other inputs. Calls left on one side are paired
 * across the whole trace by key when they moved (reordered).
 *
 * Pass 2 reads each trace again only up to the headline divergence and
 * keeps that one call in full, to show which bytes differ.
 *
 * Invariants: items of a side are in sequence order; a recorded pointer is
 * never followed; pass 2 normalises exactly the calls pass 1 did, so the
 * symbolic names agree. Never prints except through the dxgt_diff_print*
 * functions, never exits.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze_internal.h"
#include "dxgt/analyze.h"
#include "dxgt/crossos.h"
#include "dxgt/diff.h"
#include "dxgt/error.h"
#include "dxgt/status.h"

#define MYERS_DMAX 2048u       /* edits Myers may find before giving up */
#define MYERS_WORK (64u << 20) /* ... and comparisons */
#define HUNK_DMAX 256u	       /* the same for pairing calls inside a hunk */
#define WINDOW 256u	       /* greedy: calls looked ahead on each side */
#define MAX_LUIDS 1024u	       /* LUIDs given symbolic numbers per trace */
#define MAX_MOVES (1u << 20)   /* one-sided calls considered for reordering */
#define MAX_PARTS 8u	       /* differing parts shown for the headline */
#define TEXT_MAX 50u
#define DOC_MAX 1000u
#define CHILD_RING 16u /* recent D3DKMT-only calls whose ioctls may follow */

/* ---- hashing: a word-at-a-time mix; keys never leave the process ---- */

#define K1 0x9E3779B97F4A7C15ull
#define K2 0xC2B2AE3D27D4EB4Full
#define K3 0x165667B19E3779F9ull

static inline uint64_t hmix(uint64_t h, uint64_t v)
{
	v *= K2;
	v = (v << 31) | (v >> 33);
	v *= K1;
	h ^= v;
	return ((h << 27) | (h >> 37)) * K1 + K3;
}

static uint64_t hbytes(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = hmix(h, w);
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, p + i, n - i);
		h = hmix(h, w);
	}
	return hmix(h, n);
}

/* What a call changed from in to out (n bytes each): every differing word
 * with its offset. Equal inputs make equal deltas mean equal outputs. */
static uint64_t hdelta(uint64_t h, const uint8_t *in, const uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t a = 0, b = 0;
		size_t k = n - i < 8 ? n - i : 8;
		memcpy(&a, in + i, k);
		memcpy(&b, out + i, k);
		if (a != b)
			h = hmix(hmix(h, i), b);
	}
	return hmix(h, n);
}

/* ---- items ---- */

enum {
	IT_IOCTL = 0x01,    /* an ioctl's result (ret, errno), not an NTSTATUS */
	IT_FAILED = 0x02,   /* ioctl: returned -1; res holds errno */
	IT_NORET = 0x04,    /* never returned */
	IT_ESCAPE = 0x08,   /* DXGT_CF_ESCAPE */
	IT_CHILD = 0x10,    /* D3DKMT: an ioctl it issued failed with errno err2 */
	IT_ALT = 0x20,	    /* an ioctl issued by a D3DKMT-only call */
	IT_HASALT = 0x40,   /* a D3DKMT-only call with IT_ALT ioctls: they stand in
			     for it against a trace without D3DKMT calls */
	IT_HOSTDIFF = 0x80, /* cross-OS: part of its output was blanked as a
			       host/guest difference by design */
};

struct item {
	uint64_t seq;
	uint64_t key; /* call and normalised inputs */
	uint64_t out; /* normalised changes */
	uint32_t res; /* NTSTATUS; ioctl: errno when IT_FAILED, else the return value */
	uint32_t in_len, out_len;
	uint16_t call;
	uint8_t flags;
	uint8_t err2;
};
_Static_assert(sizeof(struct item) == 40, "items are what a 1M-call diff holds");

static const char *item_name(const struct item *it)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(it->call);
	if (!d)
		return it->flags & IT_IOCTL ? "ioctl(unknown)" : "unknown";
	if (it->flags & IT_IOCTL)
		return d->ioctl_name ? d->ioctl_name : d->name;
	return d->kmt_name ? d->kmt_name : d->name;
}

static void result_text(const struct item *it, char *buf, size_t len)
{
	if (it->flags & IT_NORET) {
		snprintf(buf, len, "? <no return>");
		return;
	}
	if (it->flags & IT_IOCTL) {
		if (it->flags & IT_FAILED) {
			const char *n = dxgt_errno_name((int)it->res);
			if (n)
				snprintf(buf, len, "-1 %s", n);
			else
				snprintf(buf, len, "-1 errno %" PRIu32, it->res);
		} else if (it->res) {
			const char *n = dxgt_ntstatus_name(it->res);
			snprintf(buf, len, "%" PRIu32 "%s%s", it->res, n ? " " : "", n ? n : "");
		} else {
			snprintf(buf, len, "0");
		}
		return;
	}
	const char *n = dxgt_ntstatus_name(it->res);
	int k;
	if (it->res == 0)
		k = snprintf(buf, len, "0%s%s", n ? " " : "", n ? n : "");
	else
		k = snprintf(buf, len, "0x%08" PRIX32 "%s%s", it->res, n ? " " : "", n ? n : "");
	if (k > 0 && (size_t)k < len && (it->flags & IT_CHILD)) {
		const char *en = dxgt_errno_name(it->err2);
		if (en)
			snprintf(buf + k, len - (size_t)k, " / -1 %s", en);
		else
			snprintf(buf + k, len - (size_t)k, " / -1 errno %u", it->err2);
	}
}

/* Whether two results say the same. An NTSTATUS against an ioctl's result
 * goes through dxgkrnl's mapping (dxgt/status.h): a failing status equals
 * the errno it becomes; other statuses pass through unchanged. */
static bool same_result(const struct item *a, const struct item *b)
{
	if ((a->flags | b->flags) & IT_NORET)
		return (a->flags & IT_NORET) == (b->flags & IT_NORET);
	if ((a->flags & IT_IOCTL) == (b->flags & IT_IOCTL))
		return (a->flags & IT_FAILED) == (b->flags & IT_FAILED) && a->res == b->res;
	const struct item *k = a->flags & IT_IOCTL ? b : a, *i = a->flags & IT_IOCTL ? a : b;
	if (i->flags & IT_FAILED)
		return (int32_t)k->res < 0 && (uint32_t)dxgt_ntstatus_to_errno(k->res) == i->res;
	return k->res == i->res;
}

/* ---- normalisation ---- */

/* The parts of a call or element descriptor that describe one image. */
struct shape {
	const struct dxgt_handle_desc *handles;
	const struct dxgt_buf_desc *bufs;
	const struct dxgt_field_desc *volatiles, *scalars;
	uint16_t n_handles, n_bufs, n_volatiles, n_scalars;
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

static void put_le(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One recorded buffer, normalised: a copy in the arena, or (off
 * SIZE_MAX) the recorded bytes themselves when nothing in it is rewritten. */
struct nbuf {
	const struct dxgt_rec_buf *rb;
	size_t off;
	uint32_t len, orig; /* as normalised: a converted layout changes them */
};

/* Handle names looked up lately: dxgt_symtab_name formats text, and most
 * calls name the same few objects. Valid until a call creates objects. */
struct sym_cache {
	uint32_t v, code;
	uint8_t kind;
	bool ok;
};

struct norm {
	struct dxgt_symtab *t;
	uint64_t luids[MAX_LUIDS];
	size_t n_luids;
	uint8_t *arena; /* images of the call being normalised */
	size_t used, cap;
	struct nbuf in[DXGT_MAX_BUFS], out[DXGT_MAX_BUFS];
	size_t n_in, n_out;
	struct sym_cache cache[64];
	/* Cross-OS (a Windows capture against a WSL2 recording). */
	bool cross;    /* LUIDs by PCI ids, QUERYREGISTRY in the Windows layout */
	bool hostdiff; /* ... and the host/guest differences by design blanked */
	int os;	       /* this trace's enum dxgt_os */
	const struct dxgt__trace_host *host;
	unsigned rule;	/* DXGT_HOSTDIFF_ bits the call being normalised got */
	uint64_t raw_h; /* ... and a hash of its output before blanking */
};

static const uint8_t *nb_data(const struct norm *z, const struct nbuf *nb)
{
	return nb->off == SIZE_MAX ? nb->rb->data : z->arena + nb->off;
}

/* Whether observing a call of d may give a handle value a new name. */
static bool names_objects(const struct dxgt_call_desc *d)
{
	for (uint16_t i = 0; i < d->n_handles; i++)
		if (d->handles[i].role == DXGT_ROLE_OUT || d->handles[i].role == DXGT_ROLE_INOUT)
			return true;
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *b = &d->bufs[i];
		if (b->role == DXGT_ROLE_OUT || b->role == DXGT_ROLE_INOUT)
			return true;
		for (uint16_t j = 0; b->elem && j < b->elem->n_handles; j++)
			if (b->elem->handles[j].role == DXGT_ROLE_OUT)
				return true;
	}
	return false;
}

static int arena_copy(struct norm *z, const void *src, size_t n, size_t *off)
{
	if (z->used + n + 8 > z->cap) {
		size_t cap = z->cap ? z->cap : 4096;
		while (cap < z->used + n + 8)
			cap *= 2;
		uint8_t *a = realloc(z->arena, cap);
		if (!a)
			return DXGT_E_NOMEM;
		z->arena = a;
		z->cap = cap;
	}
	*off = z->used;
	if (n && src)
		memcpy(z->arena + z->used, src, n);
	else if (n)
		memset(z->arena + z->used, 0, n);
	z->used += (n + 7) & ~(size_t)7;
	return 0;
}

/* The symbolic form of handle v: 0x80000000 | kind << 24 | number for a
 * handle a call of the trace created, v itself for one never seen. */
static uint32_t sym_handle(struct norm *z, unsigned kind, uint32_t v)
{
	char b[24];
	if (!v)
		return 0;
	struct sym_cache *ce = &z->cache[(v * 0x9E3779B1u + kind) >> 26];
	if (ce->ok && ce->v == v && ce->kind == kind)
		return ce->code;
	const char *s = dxgt_symtab_name(z->t, (enum dxgt_obj)kind, v, b, sizeof(b));
	if (s[0] < 'A' || s[0] > 'Z')
		return v;
	unsigned k = 0;
	for (unsigned i = 1; i < DXGT_OBJ_COUNT; i++)
		if (dxgt_obj_letter((enum dxgt_obj)i)[0] == s[0])
			k = i;
	uint32_t code =
	    0x80000000u | (k & 0x7fu) << 24 | ((uint32_t)strtoul(s + 1, NULL, 10) & 0xffffffu);
	*ce = (struct sym_cache){v, code, (uint8_t)kind, true};
	return code;
}

/* Adapter LUIDs change from boot to boot: the n-th distinct one is "n". */
static uint64_t sym_luid(struct norm *z, uint64_t v)
{
	if (!v)
		return 0;
	size_t pos = SIZE_MAX;
	for (size_t i = 0; i < z->n_luids && pos == SIZE_MAX; i++)
		if (z->luids[i] == v)
			pos = i;
	if (pos == SIZE_MAX) {
		if (z->n_luids == MAX_LUIDS)
			return v;
		pos = z->n_luids;
		z->luids[z->n_luids++] = v;
	}
	if (!z->cross)
		return 0x4C55494400000000ull | (pos + 1);
	/* Cross-OS: host and guest LUIDs never match; the PCI vendor and
	 * device id (and which of several alike) name the adapter instead. */
	uint16_t ven, dev, v2, d2;
	bool known = dxgt__trace_host_ids(z->host, v, &ven, &dev);
	uint64_t k = 0;
	for (size_t i = 0; i < pos; i++) {
		bool kn = dxgt__trace_host_ids(z->host, z->luids[i], &v2, &d2);
		if (known ? kn && v2 == ven && d2 == dev : !kn)
			k++;
	}
	if (known)
		return 0x5043490000000000ull | k << 32 | (uint64_t)ven << 16 | dev;
	return 0x4C55494400000000ull | (k + 1);
}

/* Normalise an image in place: volatiles zeroed, pointers 0 or 1, handles
 * symbolic (on the input side, handles the call creates are zeroed: they
 * are whatever the caller left there), LUIDs symbolic. */
static void norm_image(struct norm *z, const struct shape *s, uint8_t *img, size_t len, bool out)
{
	for (uint16_t i = 0; i < s->n_volatiles; i++) {
		const struct dxgt_field_desc *f = &s->volatiles[i];
		if ((uint64_t)f->off + f->size <= len)
			memset(img + f->off, 0, f->size);
	}
	for (uint16_t i = 0; i < s->n_bufs; i++) {
		uint32_t off = s->bufs[i].ptr_off;
		if ((uint64_t)off + 8 <= len)
			put_le(img + off, 8, dxgt__le(img + off, 8) != 0);
	}
	for (uint16_t i = 0; i < s->n_handles; i++) {
		const struct dxgt_handle_desc *h = &s->handles[i];
		uint32_t n = dxgt__handle_count(h, img, (uint32_t)len);
		for (uint32_t k = 0; k < n; k++) {
			uint64_t off = h->off + (uint64_t)k * h->stride;
			if (off + 4 > len)
				break;
			uint32_t v = (uint32_t)dxgt__le(img + off, 4);
			put_le(img + off, 4,
			       !out && h->role == DXGT_ROLE_OUT ? 0 : sym_handle(z, h->kind, v));
		}
	}
	for (uint16_t i = 0; i < s->n_scalars; i++) {
		const struct dxgt_field_desc *f = &s->scalars[i];
		if (f->fmt == DXGT_FMT_LUID && (uint64_t)f->off + 8 <= len)
			put_le(img + f->off, 8, sym_luid(z, dxgt__le(img + f->off, 8)));
	}
}

static const struct dxgt_buf_desc *buf_desc(const struct dxgt_call_desc *d,
					    const struct dxgt_rec_buf *b)
{
	if (!d || b->desc == DXGT_BUF_NODESC)
		return NULL;
	if (b->level == 0)
		return b->desc < d->n_bufs ? &d->bufs[b->desc] : NULL;
	if (b->parent < d->n_bufs && d->bufs[b->parent].elem &&
	    b->desc < d->bufs[b->parent].elem->n_bufs)
		return &d->bufs[b->parent].elem->bufs[b->desc];
	return NULL;
}

static void norm_buf(struct norm *z, const struct dxgt_buf_desc *bd, uint8_t *p, size_t len,
		     bool out)
{
	if (!bd)
		return;
	if (bd->kind != DXGT_OBJ_NONE && bd->elem_size == 4) {
		for (size_t off = 0; off + 4 <= len; off += 4) {
			uint32_t v = (uint32_t)dxgt__le(p + off, 4);
			put_le(p + off, 4,
			       !out && bd->role == DXGT_ROLE_OUT ? 0 : sym_handle(z, bd->kind, v));
		}
		return;
	}
	if (bd->elem) {
		size_t esz = elem_size(bd);
		struct shape s = elem_shape(bd->elem);
		for (size_t e = 0; esz && (e + 1) * esz <= len; e++)
			norm_image(z, &s, p + e * esz, esz, out);
	}
}

/* Normalise recorded buffer b into *nb, copying it only when something in
 * it is rewritten (handles, element fields). */
static int norm_rec_buf(struct norm *z, const struct dxgt_buf_desc *bd,
			const struct dxgt_rec_buf *b, bool out, struct nbuf *nb)
{
	nb->rb = b;
	nb->off = SIZE_MAX;
	nb->len = b->len;
	nb->orig = b->orig_len;
	if (!bd || !((bd->kind != DXGT_OBJ_NONE && bd->elem_size == 4) || bd->elem))
		return 0;
	int rc = arena_copy(z, b->data, b->len, &nb->off);
	if (rc == 0)
		norm_buf(z, bd, z->arena + nb->off, b->len, out);
	return rc;
}

/* Cross-OS: the private data of a QueryAdapterInfo of this type, copied
 * into *nb in the Windows layout (QUERYREGISTRY's WCHAR width differs),
 * with what the guest answers differently by design blanked unless the
 * differences are asked for. Notes the rule and the unblanked hash. */
static int norm_qai(struct norm *z, uint32_t type, const struct dxgt_rec_buf *b, bool out,
		    struct nbuf *nb)
{
	size_t off, n = b->len;
	enum dxgt_os layout = z->os == DXGT_OS_WINDOWS ? DXGT_OS_WINDOWS : DXGT_OS_LINUX;
	struct dxgt_qr q;
	bool convert = type == DXGT_QAI_QUERYREGISTRY && layout == DXGT_OS_LINUX &&
		       dxgt_qr_decode(b->data, b->len, DXGT_OS_LINUX, &q) == 0;
	int rc;
	nb->rb = b;
	if (convert) {
		n = dxgt_qr_encoded_len(&q, DXGT_OS_WINDOWS);
		if ((rc = arena_copy(z, NULL, n, &off)) < 0)
			return rc;
		if ((rc = dxgt_qr_encode(&q, DXGT_OS_WINDOWS, z->arena + off, n, &n)) < 0)
			return rc;
		layout = DXGT_OS_WINDOWS;
		nb->orig =
		    b->orig_len >= b->len ? (uint32_t)(b->orig_len - b->len + n) : (uint32_t)n;
	} else {
		if ((rc = arena_copy(z, b->data, b->len, &off)) < 0)
			return rc;
		nb->orig = b->orig_len;
	}
	nb->off = off;
	nb->len = (uint32_t)n;
	if (!z->hostdiff)
		return 0;
	uint64_t raw = hbytes(0x72617768ull, z->arena + off, n);
	unsigned rule = dxgt_hostdiff_mask(type, z->arena + off, n, layout);
	if (rule == DXGT_HOSTDIFF_DRIVERSTORE) {
		/* The caller sizes the buffer for the path: its length differs
		 * with the path, by design too. */
		nb->len = nb->orig = (uint32_t)dxgt_qr_size(layout);
	}
	if (rule && out) {
		z->rule |= rule;
		z->raw_h = hmix(z->raw_h, raw);
	}
	return 0;
}

static uint64_t buf_ident(const struct dxgt_rec_buf *b)
{
	return (uint64_t)b->level << 48 | (uint64_t)b->desc << 32 | (uint64_t)b->parent << 16 |
	       (b->flags & DXGT_BUF_UNREADABLE);
}

static bool same_buf(const struct dxgt_rec_buf *x, const struct dxgt_rec_buf *y)
{
	return x->level == y->level && x->desc == y->desc && x->parent == y->parent &&
	       x->elem == y->elem;
}

/* ---- the headline call, kept whole ---- */

struct dbuf {
	struct dxgt_rec_buf rb; /* data points at raw (owned) */
	bool out;
	uint8_t *raw, *norm;
	char name[96];
};

struct dside {
	bool have, returned, shaped;
	const struct dxgt_call_desc *d;
	char *line; /* the call as dump prints it, without seq and tid */
	uint8_t *in_raw, *in_norm, *out_raw, *out_norm;
	uint32_t in_len, out_len;
	struct dbuf *bufs;
	size_t n_bufs;
};

static void dside_clear(struct dside *s)
{
	free(s->line);
	free(s->in_raw);
	free(s->in_norm);
	free(s->out_raw);
	free(s->out_norm);
	for (size_t i = 0; i < s->n_bufs; i++) {
		free(s->bufs[i].raw);
		free(s->bufs[i].norm);
	}
	free(s->bufs);
	memset(s, 0, sizeof(*s));
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

static void buf_name(const struct dxgt_call_desc *d, const struct dxgt_rec_buf *b, char *out,
		     size_t len)
{
	if (!d || b->desc == DXGT_BUF_NODESC)
		snprintf(out, len, "buffer");
	else if (b->level == 0 && b->desc < d->n_bufs)
		snprintf(out, len, "%s", d->bufs[b->desc].name);
	else if (b->level == 1 && b->parent < d->n_bufs && d->bufs[b->parent].elem &&
		 b->desc < d->bufs[b->parent].elem->n_bufs)
		snprintf(out, len, "%s[%" PRIu32 "].%s", d->bufs[b->parent].name, b->elem,
			 d->bufs[b->parent].elem->bufs[b->desc].name);
	else
		snprintf(out, len, "buffer%u", b->desc);
}

static char *call_line(const struct dxgt_call *c, const struct dxgt_symtab *t)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		return NULL;
	int rc = dxgt_call_print(f, c, t, DXGT_FMT_NOTIME);
	if (fclose(f) != 0 || rc < 0 || !s) {
		free(s);
		return NULL;
	}
	/* Drop the sequence number and thread id columns: the diff names the
	 * sequence numbers itself, and thread ids differ from run to run. */
	char *p = s;
	for (int col = 0; col < 2; col++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	while (*p == ' ')
		p++;
	memmove(s, p, strlen(p) + 1);
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static int dbuf_add(struct dside *s, const struct dxgt_call_desc *d, const struct nbuf *nb,
		    const uint8_t *norm, bool out)
{
	const struct dxgt_rec_buf *b = nb->rb;
	/* A buffer in a converted layout shows as converted. */
	bool conv = nb->len != b->len || nb->orig != b->orig_len;
	struct dbuf *v = realloc(s->bufs, (s->n_bufs + 1) * sizeof(*v));
	if (!v)
		return DXGT_E_NOMEM;
	s->bufs = v;
	struct dbuf *x = &v[s->n_bufs];
	memset(x, 0, sizeof(*x));
	x->rb = *b;
	x->rb.len = nb->len;
	x->rb.orig_len = nb->orig;
	x->out = out;
	x->raw = dup_bytes(conv ? norm : b->data, nb->len);
	x->norm = dup_bytes(norm, nb->len);
	x->rb.data = x->raw;
	buf_name(d, b, x->name, sizeof(x->name));
	s->n_bufs++;
	return x->raw && x->norm ? 0 : DXGT_E_NOMEM;
}

/* Normalise call c into *it; with det, also keep it whole. */
static int norm_call(struct norm *z, const struct dxgt_call *c, struct item *it, struct dside *det)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	const struct dxgt_call_desc *d = c->desc;
	enum dxgt_layer lay = e->layer == DXGT_LAYER_IOCTL ? DXGT_LAYER_IOCTL : DXGT_LAYER_D3DKMT;
	bool shaped = d && e->args_len == dxgt_call_args_size(d, lay);
	struct shape s = {0};
	size_t ei, li = 0;
	uint64_t in_len = 0, out_len = 0;
	int rc;
	if (shaped)
		s = call_shape(d);
	z->used = 0;
	z->n_in = z->n_out = 0;
	z->rule = 0;
	z->raw_h = 0;
	/* Cross-OS: a QueryAdapterInfo's private data is compared in one
	 * layout, with the host/guest differences by design blanked. */
	uint32_t qai = UINT32_MAX;
	if (z->cross && shaped && d->id == 0x09 && e->args_len >= 24)
		qai = (uint32_t)dxgt__le(e->args + 4, 4);

	if ((rc = arena_copy(z, e->args, e->args_len, &ei)) < 0)
		return rc;
	norm_image(z, &s, z->arena + ei, e->args_len, false);
	if (qai == DXGT_QAI_QUERYREGISTRY)
		put_le(z->arena + ei + 16, 4, 0); /* the size is the buffer's length */
	uint64_t key = hmix(0x64787467646966ull, e->call_id);
	if (!d)
		key = hmix(key, e->code);
	key = hbytes(key, z->arena + ei, e->args_len);
	for (uint16_t i = 0; i < e->n_bufs && z->n_in < DXGT_MAX_BUFS; i++) {
		const struct dxgt_rec_buf *b = &e->bufs[i];
		struct nbuf *nb = &z->in[z->n_in++];
		if (qai != UINT32_MAX && b->level == 0 && b->desc == 0)
			rc = norm_qai(z, qai, b, false, nb);
		else
			rc = norm_rec_buf(z, shaped ? buf_desc(d, b) : NULL, b, false, nb);
		if (rc < 0)
			return rc;
		key = hmix(hmix(hmix(key, buf_ident(b)), b->elem), nb->orig);
		key = hbytes(key, nb_data(z, nb), nb->len);
		in_len += nb->orig;
	}
	it->key = key;

	it->flags &= (uint8_t) ~(IT_IOCTL | IT_FAILED | IT_NORET | IT_HOSTDIFF);
	if (lay == DXGT_LAYER_IOCTL)
		it->flags |= IT_IOCTL;
	if (!l) {
		it->flags |= IT_NORET;
		it->res = 0;
	} else if (lay == DXGT_LAYER_IOCTL) {
		if (l->ret < 0) {
			it->flags |= IT_FAILED;
			it->res = (uint32_t)l->err;
		} else {
			it->res = (uint32_t)l->ret;
		}
	} else {
		it->res = l->flags & DXGT_LEAVE_STATUS ? l->status : (uint32_t)l->ret;
	}

	uint64_t out = 0x6f7574707574ull;
	if (l) {
		if ((rc = arena_copy(z, l->args, l->args_len, &li)) < 0)
			return rc;
		norm_image(z, &s, z->arena + li, l->args_len, true);
		if (qai == DXGT_QAI_QUERYREGISTRY && l->args_len >= 24)
			put_le(z->arena + li + 16, 4, 0);
		if (l->args_len == e->args_len)
			out = hdelta(out, z->arena + ei, z->arena + li, l->args_len);
		else
			out = hbytes(out, z->arena + li, l->args_len);
		for (uint16_t i = 0; i < l->n_bufs; i++) {
			const struct dxgt_rec_buf *b = &l->bufs[i];
			assert(z->n_out < DXGT_MAX_BUFS);
			struct nbuf *nb = &z->out[z->n_out++];
			if (qai != UINT32_MAX && b->level == 0 && b->desc == 0)
				rc = norm_qai(z, qai, b, true, nb);
			else
				rc = norm_rec_buf(z, shaped ? buf_desc(d, b) : NULL, b, true, nb);
			if (rc < 0)
				return rc;
			out = hmix(hmix(hmix(out, buf_ident(b)), b->elem), nb->orig);
			const struct nbuf *in = NULL;
			for (size_t k = 0; k < z->n_in && !in; k++)
				if (same_buf(z->in[k].rb, b) && z->in[k].len == nb->len)
					in = &z->in[k];
			if (in)
				out = hdelta(out, nb_data(z, in), nb_data(z, nb), nb->len);
			else
				out = hbytes(out, nb_data(z, nb), nb->len);
			out_len += nb->orig;
		}
	}
	it->out = out;
	if (z->rule)
		it->flags |= IT_HOSTDIFF;
	it->in_len = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
	it->out_len = out_len > UINT32_MAX ? UINT32_MAX : (uint32_t)out_len;
	if (!det)
		return 0;

	/* The headline call: raw and normalised images, owned. */
	det->have = true;
	det->returned = l != NULL;
	det->shaped = shaped;
	det->d = d;
	det->line = call_line(c, z->t);
	det->in_len = e->args_len;
	det->in_raw = dup_bytes(e->args, e->args_len);
	det->in_norm = dup_bytes(z->arena + ei, e->args_len);
	if (!det->line || !det->in_raw || !det->in_norm)
		return DXGT_E_NOMEM;
	for (size_t k = 0; k < z->n_in; k++)
		if ((rc = dbuf_add(det, d, &z->in[k], nb_data(z, &z->in[k]), false)) < 0)
			return rc;
	if (l) {
		det->out_len = l->args_len;
		det->out_raw = dup_bytes(l->args, l->args_len);
		det->out_norm = dup_bytes(z->arena + li, l->args_len);
		if (!det->out_raw || !det->out_norm)
			return DXGT_E_NOMEM;
		for (size_t k = 0; k < z->n_out; k++)
			if ((rc = dbuf_add(det, d, &z->out[k], nb_data(z, &z->out[k]), true)) < 0)
				return rc;
	}
	return 0;
}

/* ---- reading one trace ---- */

struct side {
	char *path;
	enum dxgt_layer force;
	int pass; /* 1: items; 2: the call with seq want, whole */
	uint64_t want;
	struct dside det;
	struct item *it;
	size_t n, cap;
	uint64_t n_kmt;		      /* items at the D3DKMT layer */
	uint64_t n_alt;		      /* IT_ALT items kept */
	struct dxgt_read_state st;    /* how pass 1 ended */
	struct dxgt__trace_host host; /* its operating system and adapter ids */
	bool cross, hostdiff;	      /* see struct norm */
	struct hd {
		uint64_t seq, raw; /* an IT_HOSTDIFF item's unblanked output hash */
		unsigned rule;
	} * hd;
	size_t n_hd, cap_hd;
	int rc;
	char err[256];
	_Atomic uint64_t done, total;
	atomic_bool finished;
};

struct dxgt_diff;
static void report(struct dxgt_diff *D);

/* The index of the item with this seq, or SIZE_MAX. */
static size_t item_by_seq(const struct side *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->it[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->it[lo].seq == seq ? lo : SIZE_MAX;
}

static int read_side(struct side *s, struct dxgt_diff *D)
{
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct norm *z = calloc(1, sizeof(*z));
	uint64_t ring[CHILD_RING] = {0};
	unsigned ring_n = 0;
	uint64_t k = 0;
	int rc;
	if (s->pass == 2 && !s->want) {
		free(z);
		return 0; /* the headline call is not in this trace */
	}
	rc = z ? dxgt_reader_open(&r, s->path) : DXGT_E_NOMEM;
	if (rc < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->path, dxgt_strerror(rc));
		goto out;
	}
	if ((rc = dxgt_pairer_new(&p, r, 0)) < 0 || (rc = dxgt_symtab_new(&z->t)) < 0)
		goto out;
	z->cross = s->cross;
	z->hostdiff = s->hostdiff;
	z->os = s->host.os;
	z->host = &s->host;
	atomic_store(&s->total, dxgt_reader_state(r)->file_size);
	struct dxgt_call c;
	while ((rc = dxgt_pairer_next(p, &c)) > 0) {
		if ((++k & 1023) == 0) {
			atomic_store(&s->done, dxgt_reader_state(r)->offset);
			if (D)
				report(D);
		}
		const struct dxgt_record *e = c.enter;
		if (e->type != DXGT_REC_ENTER)
			continue;
		if ((rc = dxgt_symtab_observe(z->t, &c)) < 0)
			break;
		if (c.desc && names_objects(c.desc))
			memset(z->cache, 0, sizeof(z->cache));
		unsigned lay = e->layer;
		if (lay != DXGT_LAYER_D3DKMT && lay != DXGT_LAYER_IOCTL)
			continue;
		uint8_t flags = 0;
		bool take = false;
		if (s->force == DXGT_LAYER_NONE) {
			if (lay == DXGT_LAYER_D3DKMT) {
				take = true;
				if (c.desc && !(c.desc->layers & DXGT_LAYER_BIT(DXGT_LAYER_IOCTL)))
					ring[ring_n++ % CHILD_RING] = e->seq;
			} else if (!e->parent_seq) {
				take = true;
			} else {
				for (unsigned i = 0; i < CHILD_RING && !take; i++)
					take = ring[i] == e->parent_seq;
				if (take) {
					flags |= IT_ALT;
					size_t pi =
					    s->pass == 1 ? item_by_seq(s, e->parent_seq) : SIZE_MAX;
					if (pi != SIZE_MAX)
						s->it[pi].flags |= IT_HASALT;
				}
			}
		} else {
			take = lay == (unsigned)s->force;
		}
		if (!take) {
			/* An ioctl a D3DKMT call issued: its errno goes with the call. */
			if (s->pass == 1 && lay == DXGT_LAYER_IOCTL && e->parent_seq && c.leave &&
			    c.leave->ret < 0) {
				size_t pi = item_by_seq(s, e->parent_seq);
				struct item *par = pi == SIZE_MAX ? NULL : &s->it[pi];
				if (par && !(par->flags & (IT_IOCTL | IT_CHILD))) {
					par->flags |= IT_CHILD;
					par->err2 = c.leave->err > 0 && c.leave->err < 256
							? (uint8_t)c.leave->err
							: 255;
				}
			}
			continue;
		}
		if (s->pass == 2) {
			struct item tmp = {0};
			bool target = e->seq == s->want;
			if ((rc = norm_call(z, &c, &tmp, target ? &s->det : NULL)) < 0 || target)
				break;
			continue;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 4096;
			struct item *v = realloc(s->it, cap * sizeof(*v));
			if (!v) {
				rc = DXGT_E_NOMEM;
				break;
			}
			s->it = v;
			s->cap = cap;
		}
		struct item *it = &s->it[s->n];
		memset(it, 0, sizeof(*it));
		it->seq = e->seq;
		it->call = e->call_id;
		it->flags = flags;
		if (c.desc && (c.desc->flags & DXGT_CF_ESCAPE))
			it->flags |= IT_ESCAPE;
		if ((rc = norm_call(z, &c, it, NULL)) < 0)
			break;
		if (z->rule) {
			if (s->n_hd == s->cap_hd) {
				size_t cap = s->cap_hd ? s->cap_hd * 2 : 16;
				struct hd *v = realloc(s->hd, cap * sizeof(*v));
				if (!v) {
					rc = DXGT_E_NOMEM;
					break;
				}
				s->hd = v;
				s->cap_hd = cap;
			}
			s->hd[s->n_hd++] = (struct hd){it->seq, z->raw_h, z->rule};
		}
		s->n++;
	}
	if (rc > 0)
		rc = 0;
	if (rc < 0 && !s->err[0])
		snprintf(s->err, sizeof(s->err), "%s: %s", s->path, dxgt_strerror(rc));
	if (r && s->pass == 1)
		s->st = *dxgt_reader_state(r);
	if (r)
		atomic_store(&s->done, dxgt_reader_state(r)->offset);
out:
	if (z) {
		dxgt_symtab_free(z->t);
		free(z->arena);
		free(z);
	}
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	return rc;
}

static void *side_thread(void *arg)
{
	struct side *s = arg;
	s->rc = read_side(s, NULL);
	atomic_store(&s->finished, true);
	return NULL;
}

/* Drop the items the other trace's view makes redundant: a D3DKMT-only
 * call's ioctls, unless the other trace has no D3DKMT calls to compare the
 * call with; then the call itself. */
static void resolve_view(struct side *s, bool keep_alt)
{
	size_t w = 0;
	uint8_t drop = keep_alt ? IT_HASALT : IT_ALT;
	s->n_kmt = s->n_alt = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->it[i].flags & drop)
			continue;
		if (!(s->it[i].flags & IT_IOCTL))
			s->n_kmt++;
		if (s->it[i].flags & IT_ALT)
			s->n_alt++;
		s->it[w++] = s->it[i];
	}
	s->n = w;
}

/* ---- alignment ---- */

enum { OP_MATCH, OP_DEL, OP_INS };

/* MATCH: a[a..a+n) with b[b..b+n). DEL: a[a..a+n), at position b of B.
 * INS: b[b..b+n), at position a of A. */
struct op {
	uint32_t a, b, n;
	uint8_t type;
};

struct ops {
	struct op *v;
	size_t n, cap;
};

static int op_add(struct ops *o, uint8_t type, size_t a, size_t b, size_t n)
{
	if (!n)
		return 0;
	if (o->n) {
		struct op *l = &o->v[o->n - 1];
		if (l->type == type &&
		    ((type == OP_MATCH && l->a + l->n == a && l->b + l->n == b) ||
		     (type == OP_DEL && l->a + l->n == a && l->b == b) ||
		     (type == OP_INS && l->b + l->n == b && l->a == a))) {
			l->n += (uint32_t)n;
			return 0;
		}
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct op *v = realloc(o->v, cap * sizeof(*v));
		if (!v)
			return DXGT_E_NOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = (struct op){(uint32_t)a, (uint32_t)b, (uint32_t)n, type};
	return 0;
}

struct cmp {
	const struct item *a, *b;
	bool by_call; /* compare the call only (pairing inside a hunk) */
};

static inline uint64_t ckey(const struct cmp *c, const struct item *it)
{
	return c->by_call ? it->call : it->key;
}

static inline bool same(const struct cmp *c, size_t i, size_t j)
{
	return ckey(c, &c->a[i]) == ckey(c, &c->b[j]);
}

/* The furthest x on diagonal k after d edits, from the row of d-1 edits;
 * -1 if no point inside the n x m grid is reachable. Ties go down (an
 * insertion), as in Myers' paper. */
static long myers_pick(const int32_t *prev, long d, long k, long n, long m, bool *down)
{
	long xd = -1, xr = -1;
	if (d == 0) {
		*down = false;
		return 0;
	}
	if (k + 1 <= d - 1) {
		long p = prev[(k + 1 + d - 1) / 2];
		if (p >= 0 && p - k <= m)
			xd = p;
	}
	if (k - 1 >= -(d - 1)) {
		long p = prev[(k - 1 + d - 1) / 2];
		if (p >= 0 && p + 1 <= n)
			xr = p + 1;
	}
	if (xd < 0 && xr < 0)
		return -1;
	*down = xd >= xr;
	return *down ? xd : xr;
}

/* Myers' O((n+m)D) shortest edit script, bounded: returns 1 with the ops
 * added, 0 when more than dmax edits or MYERS_WORK steps would be needed,
 * or DXGT_E_NOMEM. Keeps every row for the traceback: D^2/2 int32. */
static int myers(const struct cmp *c, size_t a0, size_t n, size_t b0, size_t m, unsigned dmax,
		 struct ops *o)
{
	if (n > INT32_MAX / 4 || m > INT32_MAX / 4)
		return 0;
	size_t D = n + m < dmax ? n + m : dmax;
	int32_t **v = calloc(D + 1, sizeof(*v));
	long found = -1, fk = 0;
	uint64_t work = 0;
	int rc = 0;
	if (!v)
		return DXGT_E_NOMEM;
	for (size_t d = 0; d <= D && found < 0 && work <= MYERS_WORK; d++) {
		int32_t *cur = malloc((d + 1) * sizeof(*cur));
		if (!cur) {
			rc = DXGT_E_NOMEM;
			goto out;
		}
		v[d] = cur;
		for (long k = -(long)d; k <= (long)d; k += 2) {
			bool down;
			long x =
			    myers_pick(d ? v[d - 1] : NULL, (long)d, k, (long)n, (long)m, &down);
			long idx = (k + (long)d) / 2;
			if (x < 0) {
				cur[idx] = -1;
				continue;
			}
			long y = x - k, x0 = x;
			while (x < (long)n && y < (long)m &&
			       same(c, a0 + (size_t)x, b0 + (size_t)y)) {
				x++;
				y++;
			}
			work += (uint64_t)(x - x0) + 1;
			cur[idx] = (int32_t)x;
			if (x == (long)n && y == (long)m) {
				found = (long)d;
				fk = k;
				break;
			}
		}
	}
	if (found < 0)
		goto out;
	struct piece {
		uint8_t type;
		long a, b, n;
	} *pc = malloc((2 * (size_t)found + 2) * sizeof(*pc));
	if (!pc) {
		rc = DXGT_E_NOMEM;
		goto out;
	}
	size_t np = 0;
	long x = (long)n, y = (long)m, k = fk;
	for (long d = found; d > 0; d--) {
		bool down;
		long xs = myers_pick(v[d - 1], d, k, (long)n, (long)m, &down);
		long ys = xs - k;
		assert(xs >= 0 && x >= xs);
		if (x > xs)
			pc[np++] = (struct piece){OP_MATCH, xs, ys, x - xs};
		if (down) {
			pc[np++] = (struct piece){OP_INS, xs, ys - 1, 1};
			k++;
			x = xs;
			y = ys - 1;
		} else {
			pc[np++] = (struct piece){OP_DEL, xs - 1, ys, 1};
			k--;
			x = xs - 1;
			y = ys;
		}
	}
	assert(x == y);
	(void)y;
	if (x > 0)
		pc[np++] = (struct piece){OP_MATCH, 0, 0, x};
	rc = 1;
	for (size_t i = np; i-- > 0 && rc == 1;)
		if (op_add(o, pc[i].type, a0 + (size_t)pc[i].a, b0 + (size_t)pc[i].b,
			   (size_t)pc[i].n) < 0)
			rc = DXGT_E_NOMEM;
	free(pc);
out:
	for (size_t d = 0; d <= D; d++)
		free(v[d]);
	free(v);
	return rc;
}

/* Linear-time fallback: match while equal; at a difference, resynchronise
 * on the pair (i, j) of nearest equal calls, i + j smallest, within WINDOW
 * calls of each side; with none, both windows are one-sided. */
static int greedy(const struct cmp *c, size_t a0, size_t n, size_t b0, size_t m, struct ops *o)
{
	enum { SLOTS = 2 * WINDOW };
	struct slot {
		uint64_t key;
		uint32_t j, gen;
	} *tab = calloc(SLOTS, sizeof(*tab));
	uint32_t gen = 0;
	size_t i = 0, j = 0;
	int rc = 0;
	if (!tab)
		return DXGT_E_NOMEM;
	while (i < n && j < m && rc == 0) {
		if (same(c, a0 + i, b0 + j)) {
			size_t r = 0;
			while (i + r < n && j + r < m && same(c, a0 + i + r, b0 + j + r))
				r++;
			rc = op_add(o, OP_MATCH, a0 + i, b0 + j, r);
			i += r;
			j += r;
			continue;
		}
		size_t wa = n - i < WINDOW ? n - i : WINDOW, wb = m - j < WINDOW ? m - j : WINDOW;
		if (++gen == 0) {
			memset(tab, 0, SLOTS * sizeof(*tab));
			gen = 1;
		}
		for (size_t q = 0; q < wb; q++) {
			uint64_t key = ckey(c, &c->b[b0 + j + q]);
			size_t h = (size_t)((key * K1) >> 40) & (SLOTS - 1);
			while (tab[h].gen == gen && tab[h].key != key)
				h = (h + 1) & (SLOTS - 1);
			if (tab[h].gen != gen)
				tab[h] = (struct slot){key, (uint32_t)q, gen};
		}
		size_t best = SIZE_MAX, bi = 0, bj = 0;
		for (size_t q = 0; q < wa && q < best; q++) {
			uint64_t key = ckey(c, &c->a[a0 + i + q]);
			size_t h = (size_t)((key * K1) >> 40) & (SLOTS - 1);
			while (tab[h].gen == gen && tab[h].key != key)
				h = (h + 1) & (SLOTS - 1);
			if (tab[h].gen == gen && q + tab[h].j < best) {
				best = q + tab[h].j;
				bi = q;
				bj = tab[h].j;
			}
		}
		if (best == SIZE_MAX) {
			bi = wa;
			bj = wb;
		}
		rc = op_add(o, OP_DEL, a0 + i, b0 + j, bi);
		if (rc == 0)
			rc = op_add(o, OP_INS, a0 + i + bi, b0 + j, bj);
		i += bi;
		j += bj;
	}
	if (rc == 0)
		rc = op_add(o, OP_DEL, a0 + i, b0 + j, n - i);
	if (rc == 0)
		rc = op_add(o, OP_INS, a0 + n, b0 + j, m - j);
	free(tab);
	return rc;
}

/* Align a[a0..a0+n) with b[b0..b0+m): common prefix and suffix, then Myers
 * within dmax edits, else the greedy walk (*fell_back set). */
static int align(const struct cmp *c, size_t a0, size_t n, size_t b0, size_t m, unsigned dmax,
		 struct ops *o, bool *fell_back)
{
	size_t p = 0, s = 0;
	int rc;
	while (p < n && p < m && same(c, a0 + p, b0 + p))
		p++;
	while (s < n - p && s < m - p && same(c, a0 + n - 1 - s, b0 + m - 1 - s))
		s++;
	if ((rc = op_add(o, OP_MATCH, a0, b0, p)) < 0)
		return rc;
	size_t mn = n - p - s, mm = m - p - s;
	if (mn && mm) {
		rc = myers(c, a0 + p, mn, b0 + p, mm, dmax, o);
		if (rc == 0) {
			*fell_back = true;
			rc = greedy(c, a0 + p, mn, b0 + p, mm, o);
		}
	} else {
		rc = op_add(o, OP_DEL, a0 + p, b0 + p, mn);
		if (rc == 0)
			rc = op_add(o, OP_INS, a0 + p + mn, b0 + p, mm);
	}
	if (rc < 0)
		return rc;
	return op_add(o, OP_MATCH, a0 + n - s, b0 + m - s, s);
}

/* ---- divergences ---- */

/* a and b index the items; MISSING: b is the position in B it would take;
 * EXTRA: a the position in A. kinds 0: dropped. */
struct div {
	uint32_t a, b;
	uint8_t kinds;
};

/* The headline divergence, with the bytes that differ. */
struct part {
	char name[112];
	char field[64]; /* argument structs: the field at the first difference */
	bool pa, pb;
	uint32_t la, lb, oa, ob; /* stored and by-rule lengths */
	size_t first;		 /* first differing offset */
	size_t lo, hi;		 /* the window shown */
	uint8_t *wa, *wb, *mark; /* window bytes of A and B, and which differ */
};

struct dxgt_diff {
	struct side s[2];
	struct div *divs;
	size_t n_divs, cap_divs;
	long first;
	bool first_fallback; /* escapes were asked for and none differs */
	uint64_t counts[8];  /* by kind bit */
	uint64_t compared;   /* pairs of calls compared */
	bool greedy, moves_skipped, mixed;
	unsigned context;
	bool all;
	enum dxgt_layer force;
	const struct dxgt_diff_opts *o; /* during dxgt_diff_run only */
	char *line[2];
	struct part *parts;
	size_t n_parts;
	size_t more_parts;
	bool cross; /* one trace from a Windows host, the other not */
	/* Pairs whose outputs differ only where host and guest differ by
	 * design (cross-OS, unless asked to count them). */
	struct hdpair {
		uint64_t seq_a, seq_b;
		unsigned rule;
	} * hdp;
	size_t n_hdp, cap_hdp;
};

static void report(struct dxgt_diff *D)
{
	if (!D->o || !D->o->progress)
		return;
	uint64_t done = atomic_load(&D->s[0].done) + atomic_load(&D->s[1].done);
	uint64_t total = atomic_load(&D->s[0].total) + atomic_load(&D->s[1].total);
	D->o->progress(D->o->progress_ctx, done, total);
}

const char *dxgt_diff_kind_name(unsigned kind)
{
	switch (kind) {
#define DXGT__DIFF_NAME(name, bit, text)                                                           \
	case bit:                                                                                  \
		return text;
		DXGT_DIFF_KINDS(DXGT__DIFF_NAME)
#undef DXGT__DIFF_NAME
	default:
		return NULL;
	}
}

static int div_add(struct dxgt_diff *D, size_t a, size_t b, unsigned kinds)
{
	if (D->n_divs == D->cap_divs) {
		size_t cap = D->cap_divs ? D->cap_divs * 2 : 64;
		struct div *v = realloc(D->divs, cap * sizeof(*v));
		if (!v)
			return DXGT_E_NOMEM;
		D->divs = v;
		D->cap_divs = cap;
	}
	D->divs[D->n_divs++] = (struct div){(uint32_t)a, (uint32_t)b, (uint8_t)kinds};
	return 0;
}

static const struct hd *hd_of(const struct side *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n_hd;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->hd[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_hd && s->hd[lo].seq == seq ? &s->hd[lo] : NULL;
}

/* Cross-OS: outputs equal once blanked, but not before: a host/guest
 * difference by design, noted rather than counted. */
static void note_hostdiff(struct dxgt_diff *D, const struct item *a, const struct item *b)
{
	const struct hd *x = hd_of(&D->s[0], a->seq), *y = hd_of(&D->s[1], b->seq);
	if (!x || !y || x->raw == y->raw)
		return;
	if (D->n_hdp == D->cap_hdp) {
		size_t cap = D->cap_hdp ? D->cap_hdp * 2 : 8;
		struct hdpair *v = realloc(D->hdp, cap * sizeof(*v));
		if (!v)
			return; /* only a note */
		D->hdp = v;
		D->cap_hdp = cap;
	}
	D->hdp[D->n_hdp++] = (struct hdpair){a->seq, b->seq, x->rule | y->rule};
}

static unsigned compare(struct dxgt_diff *D, size_t i, size_t j, unsigned kinds)
{
	const struct item *a = &D->s[0].it[i], *b = &D->s[1].it[j];
	D->compared++;
	if (!same_result(a, b))
		kinds |= DXGT_DIFF_STATUS;
	if (!((a->flags | b->flags) & IT_NORET) && a->out != b->out)
		kinds |= DXGT_DIFF_OUTPUT;
	else if (a->flags & b->flags & IT_HOSTDIFF && !((a->flags | b->flags) & IT_NORET))
		note_hostdiff(D, a, b);
	return kinds;
}

static int pair(struct dxgt_diff *D, size_t i, size_t j, unsigned kinds)
{
	kinds = compare(D, i, j, kinds);
	return kinds ? div_add(D, i, j, kinds) : 0;
}

/* A hunk: a[ha..ha+na) only in A, b[hb..hb+nb) only in B. Calls of the
 * same kind in both are one call with other inputs. */
static int hunk(struct dxgt_diff *D, size_t ha, size_t na, size_t hb, size_t nb)
{
	struct ops sub = {0};
	struct cmp c = {D->s[0].it, D->s[1].it, true};
	bool fell_back = false;
	int rc = 0;
	if (na && nb)
		rc = align(&c, ha, na, hb, nb, HUNK_DMAX, &sub, &fell_back);
	else if (na)
		rc = op_add(&sub, OP_DEL, ha, hb, na);
	else
		rc = op_add(&sub, OP_INS, ha, hb, nb);
	for (size_t i = 0; rc == 0 && i < sub.n; i++) {
		const struct op *op = &sub.v[i];
		for (uint32_t t = 0; rc == 0 && t < op->n; t++) {
			if (op->type == OP_MATCH)
				rc = pair(D, op->a + t, op->b + t, DXGT_DIFF_INPUT);
			else if (op->type == OP_DEL)
				rc = div_add(D, op->a + t, op->b, DXGT_DIFF_MISSING);
			else
				rc = div_add(D, op->a, op->b + t, DXGT_DIFF_EXTRA);
		}
	}
	free(sub.v);
	return rc;
}

struct extra_ref {
	uint64_t key;
	size_t div;
};

static int extra_cmp(const void *x, const void *y)
{
	const struct extra_ref *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->div < b->div ? -1 : a->div > b->div;
}

/* Calls only in A and calls only in B with the same inputs: the same call
 * at another place. Each call in A takes the first unpaired one in B. */
static int moves(struct dxgt_diff *D)
{
	size_t nx = 0, nm = 0;
	for (size_t i = 0; i < D->n_divs; i++) {
		nx += (D->divs[i].kinds & DXGT_DIFF_EXTRA) != 0;
		nm += (D->divs[i].kinds & DXGT_DIFF_MISSING) != 0;
	}
	if (!nx || !nm)
		return 0;
	if (nx > MAX_MOVES || nm > MAX_MOVES) {
		D->moves_skipped = true;
		return 0;
	}
	struct extra_ref *x = malloc(nx * sizeof(*x));
	size_t *cursor = malloc(nx * sizeof(*cursor));
	if (!x || !cursor) {
		free(x);
		free(cursor);
		return DXGT_E_NOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < D->n_divs; i++)
		if (D->divs[i].kinds & DXGT_DIFF_EXTRA)
			x[k++] = (struct extra_ref){D->s[1].it[D->divs[i].b].key, i};
	qsort(x, nx, sizeof(*x), extra_cmp);
	/* cursor[g]: the next unpaired entry of the group starting at g. */
	for (size_t i = 0; i < nx; i++)
		cursor[i] = i;
	for (size_t i = 0; i < D->n_divs; i++) {
		struct div *dv = &D->divs[i];
		if (!(dv->kinds & DXGT_DIFF_MISSING))
			continue;
		uint64_t key = D->s[0].it[dv->a].key;
		size_t lo = 0, hi = nx;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (x[mid].key < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nx || x[lo].key != key)
			continue;
		size_t at = cursor[lo];
		if (at >= nx || x[at].key != key)
			continue;
		cursor[lo] = at + 1;
		struct div *ex = &D->divs[x[at].div];
		dv->b = ex->b;
		dv->kinds = (uint8_t)compare(D, dv->a, dv->b, DXGT_DIFF_REORDERED);
		ex->kinds = 0;
	}
	free(x);
	free(cursor);
	size_t w = 0;
	for (size_t i = 0; i < D->n_divs; i++)
		if (D->divs[i].kinds)
			D->divs[w++] = D->divs[i];
	D->n_divs = w;
	return 0;
}

static int build(struct dxgt_diff *D)
{
	struct ops o = {0};
	struct cmp c = {D->s[0].it, D->s[1].it, false};
	int rc = align(&c, 0, D->s[0].n, 0, D->s[1].n, MYERS_DMAX, &o, &D->greedy);
	size_t ha = 0, hb = 0, na = 0, nb = 0;
	for (size_t i = 0; rc == 0 && i <= o.n; i++) {
		const struct op *op = i < o.n ? &o.v[i] : NULL;
		if (op && op->type != OP_MATCH) {
			if (!na && !nb) {
				ha = op->a;
				hb = op->b;
			}
			if (op->type == OP_DEL)
				na += op->n;
			else
				nb += op->n;
			continue;
		}
		if (na || nb)
			rc = hunk(D, ha, na, hb, nb);
		na = nb = 0;
		for (uint32_t t = 0; op && rc == 0 && t < op->n; t++)
			rc = pair(D, op->a + t, op->b + t, 0);
	}
	free(o.v);
	if (rc == 0)
		rc = moves(D);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < D->n_divs; i++)
		for (unsigned b = 0; b < 8; b++)
			if (D->divs[i].kinds & (1u << b))
				D->counts[b]++;
	D->first = -1;
	for (size_t i = 0; i < D->n_divs && D->first < 0; i++) {
		struct dxgt_diff_entry e;
		dxgt_diff_get(D, i, &e);
		if (D->all || e.escape)
			D->first = (long)i;
	}
	if (D->first < 0 && D->n_divs) {
		D->first = 0;
		D->first_fallback = true;
	}
	return 0;
}

/* ---- the headline's parts ---- */

static void field_at(const struct dxgt_call_desc *d, size_t off, char *buf, size_t len)
{
	for (uint16_t i = 0; d && i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		uint64_t span = h->count_size ? (uint64_t)h->max * h->stride : 4;
		if (off >= h->off && off < h->off + span) {
			if (h->count_size)
				snprintf(buf, len, "%s[%" PRIu64 "]", h->name,
					 (uint64_t)(off - h->off) / (h->stride ? h->stride : 4));
			else
				snprintf(buf, len, "%s", h->name);
			return;
		}
	}
	for (uint16_t i = 0; d && i < d->n_scalars; i++) {
		const struct dxgt_field_desc *f = &d->scalars[i];
		if (off >= f->off && off < (uint64_t)f->off + f->size) {
			snprintf(buf, len, "%s", f->name);
			return;
		}
	}
	for (uint16_t i = 0; d && i < d->n_volatiles; i++) {
		const struct dxgt_field_desc *f = &d->volatiles[i];
		if (off >= f->off && off < (uint64_t)f->off + f->size) {
			snprintf(buf, len, "%s", f->name);
			return;
		}
	}
	for (uint16_t i = 0; d && i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *b = &d->bufs[i];
		if (off >= b->ptr_off && off < (uint64_t)b->ptr_off + 8) {
			snprintf(buf, len, "%s (pointer)", b->name);
			return;
		}
		if (b->rule != DXGT_LEN_FIXED && off >= b->len_off &&
		    off < (uint64_t)b->len_off + b->len_size) {
			snprintf(buf, len, "%s %s", b->name,
				 b->rule == DXGT_LEN_COUNT ? "(count)" : "(size)");
			return;
		}
	}
	snprintf(buf, len, "offset %zu", off);
}

struct img {
	bool present;
	const uint8_t *raw, *norm;
	uint32_t len, orig;
	const uint8_t *in; /* output images: the normalised input counterpart, or NULL */
	uint32_t in_len;
};

/* Whether byte o differs: beyond one side's end, or normalised bytes that
 * differ where (for outputs) the inputs agreed. */
static bool differs(const struct img *a, const struct img *b, size_t o)
{
	if (o >= a->len || o >= b->len)
		return true;
	if (a->norm[o] == b->norm[o])
		return false;
	if (a->in && b->in && o < a->in_len && o < b->in_len && a->in[o] != b->in[o])
		return false;
	return true;
}

static int add_part(struct dxgt_diff *D, const char *name, const struct dxgt_call_desc *d,
		    bool args, const struct img *a, const struct img *b)
{
	if (!a->present && !b->present)
		return 0;
	size_t first = SIZE_MAX, max = a->len > b->len ? a->len : b->len;
	if (a->present && b->present) {
		for (size_t o = 0; o < max && first == SIZE_MAX; o++)
			if (differs(a, b, o))
				first = o;
		if (first == SIZE_MAX && a->orig == b->orig)
			return 0;
	}
	if (D->n_parts == MAX_PARTS) {
		D->more_parts++;
		return 0;
	}
	struct part *v = realloc(D->parts, (D->n_parts + 1) * sizeof(*v));
	if (!v)
		return DXGT_E_NOMEM;
	D->parts = v;
	struct part *p = &v[D->n_parts++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pa = a->present;
	p->pb = b->present;
	p->la = a->len;
	p->lb = b->len;
	p->oa = a->orig;
	p->ob = b->orig;
	p->first = first;
	if (first == SIZE_MAX || !a->present || !b->present)
		return 0;
	if (args && d)
		field_at(d, first, p->field, sizeof(p->field));
	size_t ctx = D->context;
	size_t lo = first > ctx ? first - ctx : 0, hi = first + ctx + 1;
	lo &= ~(size_t)15;
	hi = (hi + 15) & ~(size_t)15;
	if (hi > ((max + 15) & ~(size_t)15))
		hi = (max + 15) & ~(size_t)15;
	p->lo = lo;
	p->hi = hi;
	p->wa = calloc(hi - lo, 1);
	p->wb = calloc(hi - lo, 1);
	p->mark = calloc(hi - lo, 1);
	if (!p->wa || !p->wb || !p->mark)
		return DXGT_E_NOMEM;
	for (size_t o = lo; o < hi; o++) {
		if (o < a->len)
			p->wa[o - lo] = a->raw[o];
		if (o < b->len)
			p->wb[o - lo] = b->raw[o];
		p->mark[o - lo] = o < max && (o < a->len || o < b->len) && differs(a, b, o);
	}
	return 0;
}

static const struct dbuf *find_dbuf(const struct dside *s, const struct dxgt_rec_buf *b, bool out)
{
	for (size_t i = 0; s && i < s->n_bufs; i++)
		if (s->bufs[i].out == out && same_buf(&s->bufs[i].rb, b))
			return &s->bufs[i];
	return NULL;
}

static struct img buf_img(const struct dside *s, const struct dbuf *x)
{
	struct img m = {0};
	if (!x)
		return m;
	m.present = true;
	m.raw = x->raw;
	m.norm = x->norm;
	m.len = x->rb.len;
	m.orig = x->rb.orig_len;
	if (x->out) {
		const struct dbuf *in = find_dbuf(s, &x->rb, false);
		if (in) {
			m.in = in->norm;
			m.in_len = in->rb.len;
		}
	}
	return m;
}

static int parts(struct dxgt_diff *D, const struct dside *a, const struct dside *b)
{
	const struct dxgt_call_desc *d = a->d ? a->d : b->d;
	int rc;
	char name[128];
	if (!a->have || !b->have)
		return 0; /* a call on one side only: nothing to compare it with */
	struct img ia = {a->have, a->in_raw, a->in_norm, a->in_len, a->in_len, NULL, 0};
	struct img ib = {b->have, b->in_raw, b->in_norm, b->in_len, b->in_len, NULL, 0};
	if ((rc = add_part(D, "input arguments", a->shaped ? d : NULL, true, &ia, &ib)) < 0)
		return rc;
	for (int out = 0; out < 2; out++) {
		if (out) {
			struct img oa = {a->returned, a->out_raw, a->out_norm, a->out_len,
					 a->out_len,  a->in_norm, a->in_len};
			struct img ob = {b->returned, b->out_raw, b->out_norm, b->out_len,
					 b->out_len,  b->in_norm, b->in_len};
			if (a->returned && b->returned &&
			    (rc = add_part(D, "output arguments", a->shaped ? d : NULL, true, &oa,
					   &ob)) < 0)
				return rc;
			if (!a->returned || !b->returned)
				break;
		}
		/* Every buffer of A, then those only B has. */
		for (int side = 0; side < 2; side++) {
			const struct dside *s = side ? b : a, *t = side ? a : b;
			for (size_t i = 0; i < s->n_bufs; i++) {
				const struct dbuf *x = &s->bufs[i];
				if (x->out != (bool)out)
					continue;
				const struct dbuf *y = find_dbuf(t, &x->rb, out);
				if (side && y)
					continue;
				struct img mx = buf_img(s, x), my = buf_img(t, y);
				snprintf(name, sizeof(name), "%s %s", out ? "output" : "input",
					 x->name);
				rc = add_part(D, name, NULL, false, side ? &my : &mx,
					      side ? &mx : &my);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- running ---- */

static int run_sides(struct dxgt_diff *D)
{
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, side_thread, &D->s[0]) == 0;
	if (!threaded)
		side_thread(&D->s[0]);
	D->s[1].rc = read_side(&D->s[1], D);
	while (!atomic_load(&D->s[0].finished)) {
		report(D);
		nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
	if (threaded)
		pthread_join(th, NULL);
	report(D);
	return D->s[0].rc < 0 ? D->s[0].rc : D->s[1].rc;
}

int dxgt_diff_run(struct dxgt_diff **out, const char *path_a, const char *path_b,
		  const struct dxgt_diff_opts *o, char *err, size_t errlen)
{
	static const struct dxgt_diff_opts none = {0};
	struct dxgt_diff *D = calloc(1, sizeof(*D));
	int rc = DXGT_E_NOMEM;
	if (err && errlen)
		err[0] = '\0';
	if (!o)
		o = &none;
	if (!D)
		goto fail;
	D->o = o;
	D->all = o->all;
	D->force = o->layer;
	D->context = o->context;
	D->first = -1;
	const char *paths[2] = {path_a, path_b};
	for (int i = 0; i < 2; i++) {
		D->s[i].path = strdup(paths[i]);
		D->s[i].force = o->layer;
		D->s[i].pass = 1;
		if (!D->s[i].path)
			goto fail;
	}
	(void)dxgt_call_by_id(0); /* the descriptor tables, before the threads */
	/* Cross-OS: a Windows capture against a recording made elsewhere. */
	for (int i = 0; i < 2; i++) {
		if ((rc = dxgt__trace_host_read(paths[i], false, &D->s[i].host)) < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", paths[i], dxgt_strerror(rc));
			goto fail;
		}
	}
	D->cross = (D->s[0].host.os == DXGT_OS_WINDOWS) != (D->s[1].host.os == DXGT_OS_WINDOWS);
	for (int i = 0; D->cross && i < 2; i++) {
		if ((rc = dxgt__trace_host_read(paths[i], true, &D->s[i].host)) < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", paths[i], dxgt_strerror(rc));
			goto fail;
		}
		D->s[i].cross = true;
		D->s[i].hostdiff = !o->host_differences;
	}
	if ((rc = run_sides(D)) < 0) {
		const char *why = D->s[0].rc < 0 ? D->s[0].err : D->s[1].err;
		if (err && errlen)
			snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		if (o->layer != DXGT_LAYER_NONE && D->s[i].n == 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: no call at the %s layer", D->s[i].path,
					 dxgt_layer_name(o->layer));
			rc = DXGT_E_INVAL;
			goto fail;
		}
	}
	if (o->layer == DXGT_LAYER_NONE) {
		bool ka = false, kb = false;
		for (size_t i = 0; i < D->s[0].n && !ka; i++)
			ka = !(D->s[0].it[i].flags & IT_IOCTL);
		for (size_t i = 0; i < D->s[1].n && !kb; i++)
			kb = !(D->s[1].it[i].flags & IT_IOCTL);
		D->mixed = ka != kb;
		resolve_view(&D->s[0], D->mixed && ka);
		resolve_view(&D->s[1], D->mixed && kb);
	} else {
		resolve_view(&D->s[0], false);
		resolve_view(&D->s[1], false);
	}
	if ((rc = build(D)) < 0)
		goto fail;

	if (D->first >= 0) {
		const struct div *dv = &D->divs[D->first];
		for (int i = 0; i < 2; i++) {
			struct side *s = &D->s[i];
			bool absent = dv->kinds & (i ? DXGT_DIFF_MISSING : DXGT_DIFF_EXTRA);
			s->pass = 2;
			s->want = absent ? 0 : s->it[i ? dv->b : dv->a].seq;
			atomic_store(&s->finished, false);
			atomic_store(&s->done, 0);
		}
		if ((rc = run_sides(D)) < 0) {
			const char *why = D->s[0].rc < 0 ? D->s[0].err : D->s[1].err;
			if (err && errlen)
				snprintf(err, errlen, "%s", why);
			goto fail;
		}
		if ((rc = parts(D, &D->s[0].det, &D->s[1].det)) < 0)
			goto fail;
		for (int i = 0; i < 2; i++) {
			D->line[i] = D->s[i].det.line;
			D->s[i].det.line = NULL;
			dside_clear(&D->s[i].det);
		}
	}
	D->o = NULL;
	*out = D;
	return 0;
fail:
	if (D)
		D->o = NULL;
	if (rc == DXGT_E_NOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "out of memory");
	dxgt_diff_free(D);
	return rc;
}

void dxgt_diff_free(struct dxgt_diff *D)
{
	if (!D)
		return;
	for (int i = 0; i < 2; i++) {
		free(D->s[i].path);
		free(D->s[i].it);
		free(D->s[i].hd);
		free(D->s[i].host.ids);
		dside_clear(&D->s[i].det);
		free(D->line[i]);
	}
	for (size_t i = 0; i < D->n_parts; i++) {
		free(D->parts[i].wa);
		free(D->parts[i].wb);
		free(D->parts[i].mark);
	}
	free(D->parts);
	free(D->divs);
	free(D->hdp);
	free(D);
}

/* ---- accessors ---- */

const struct dxgt_read_state *dxgt_diff_read_state(const struct dxgt_diff *d, int side)
{
	return &d->s[side ? 1 : 0].st;
}

uint64_t dxgt_diff_calls(const struct dxgt_diff *d, int side)
{
	return d->s[side ? 1 : 0].n;
}

bool dxgt_diff_divergent(const struct dxgt_diff *d)
{
	return d->n_divs > 0;
}

bool dxgt_diff_cross_os(const struct dxgt_diff *d)
{
	return d->cross;
}

int dxgt_diff_os(const struct dxgt_diff *d, int side)
{
	return d->s[side ? 1 : 0].host.os;
}

size_t dxgt_diff_hostdiff_count(const struct dxgt_diff *d)
{
	return d->n_hdp;
}

int dxgt_diff_hostdiff_get(const struct dxgt_diff *d, size_t i, uint64_t *seq_a, uint64_t *seq_b,
			   unsigned *rule)
{
	if (i >= d->n_hdp)
		return DXGT_E_INVAL;
	*seq_a = d->hdp[i].seq_a;
	*seq_b = d->hdp[i].seq_b;
	*rule = d->hdp[i].rule;
	return 0;
}

size_t dxgt_diff_count(const struct dxgt_diff *d)
{
	return d->n_divs;
}

long dxgt_diff_first(const struct dxgt_diff *d)
{
	return d->first;
}

int dxgt_diff_get(const struct dxgt_diff *d, size_t i, struct dxgt_diff_entry *e)
{
	if (i >= d->n_divs)
		return DXGT_E_INVAL;
	const struct div *v = &d->divs[i];
	const struct side *A = &d->s[0], *B = &d->s[1];
	const struct item *a = v->kinds & DXGT_DIFF_EXTRA ? NULL : &A->it[v->a];
	const struct item *b = v->kinds & DXGT_DIFF_MISSING ? NULL : &B->it[v->b];
	memset(e, 0, sizeof(*e));
	e->kinds = v->kinds;
	if (a) {
		e->seq_a = a->seq;
		e->in_a = a->in_len;
		e->out_a = a->out_len;
		result_text(a, e->result_a, sizeof(e->result_a));
	} else {
		e->after_a = v->a ? A->it[v->a - 1].seq : 0;
	}
	if (b) {
		e->seq_b = b->seq;
		e->in_b = b->in_len;
		e->out_b = b->out_len;
		result_text(b, e->result_b, sizeof(e->result_b));
	} else {
		e->after_b = v->b ? B->it[v->b - 1].seq : 0;
	}
	const struct item *x = a ? a : b;
	e->call_id = x->call;
	e->escape = (a && (a->flags & IT_ESCAPE)) || (b && (b->flags & IT_ESCAPE));
	e->name = item_name(x);
	return 0;
}

/* ---- text ---- */

static const char *view_name(const struct dxgt_diff *d, int i)
{
	const struct side *s = &d->s[i];
	if (d->force == DXGT_LAYER_IOCTL)
		return "the ioctl layer";
	if (d->force == DXGT_LAYER_D3DKMT)
		return "the d3dkmt layer";
	if (s->n_kmt == 0 && s->n)
		return d->mixed ? "the ioctl layer, decoded in D3DKMT terms" : "the ioctl layer";
	if (s->n_alt)
		return "the d3dkmt layer, with D3DKMT-only calls as the ioctls they issued";
	if (s->n_kmt < s->n)
		return "the d3dkmt layer, with the ioctls no D3DKMT call issued";
	return "the d3dkmt layer";
}

/* What differs, in one line. */
static void what_text(const struct dxgt_diff_entry *e, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define PUT(...)                                                                                   \
	do {                                                                                       \
		if (n < len) {                                                                     \
			int k_ = snprintf(buf + n, len - n, __VA_ARGS__);                          \
			n += k_ > 0 ? (size_t)k_ : 0;                                              \
		}                                                                                  \
	} while (0)
#define SEP() PUT("%s", n ? "; " : "")
	if (e->kinds & DXGT_DIFF_MISSING) {
		SEP();
		if (e->after_b)
			PUT("missing in B (after B's seq %" PRIu64 ")", e->after_b);
		else
			PUT("missing in B (before B's first call)");
	}
	if (e->kinds & DXGT_DIFF_EXTRA) {
		SEP();
		if (e->after_a)
			PUT("extra in B (after A's seq %" PRIu64 ")", e->after_a);
		else
			PUT("extra in B (before A's first call)");
	}
	if (e->kinds & DXGT_DIFF_REORDERED) {
		SEP();
		PUT("reordered: seq %" PRIu64 " in A is seq %" PRIu64 " in B", e->seq_a, e->seq_b);
	}
	if (e->kinds & DXGT_DIFF_STATUS) {
		SEP();
		PUT("status: %s in A, %s in B", e->result_a, e->result_b);
	}
	if (e->kinds & DXGT_DIFF_INPUT) {
		SEP();
		if (e->in_a != e->in_b)
			PUT("input differs (payload %" PRIu32 " bytes in A, %" PRIu32 " in B)",
			    e->in_a, e->in_b);
		else
			PUT("input differs");
	}
	if (e->kinds & DXGT_DIFF_OUTPUT) {
		SEP();
		if (e->out_a != e->out_b)
			PUT("output differs (payload %" PRIu32 " bytes in A, %" PRIu32 " in B)",
			    e->out_a, e->out_b);
		else
			PUT("output differs");
	}
#undef SEP
#undef PUT
}

static void counts_text(const struct dxgt_diff *d, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < 8 && n < len; b++) {
		const char *name = dxgt_diff_kind_name(1u << b);
		if (!name || !d->counts[b])
			continue;
		int k = snprintf(buf + n, len - n, "%s%" PRIu64 " %s", n ? ", " : "", d->counts[b],
				 name);
		n += k > 0 ? (size_t)k : 0;
	}
}

static void hexrow(FILE *f, const char *who, size_t off, const uint8_t *p, size_t have)
{
	fprintf(f, "      %s %04zx ", who, off);
	for (size_t i = 0; i < 16; i++) {
		if (i < have)
			fprintf(f, " %02x", p[i]);
		else
			fputs("   ", f);
	}
	fputs("  |", f);
	for (size_t i = 0; i < have; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
	fputs("|\n", f);
}

static void len_text(bool present, uint32_t len, uint32_t orig, char *buf, size_t n)
{
	if (!present)
		snprintf(buf, n, "none");
	else if (len < orig)
		snprintf(buf, n, "%" PRIu32 " bytes (%" PRIu32 " kept)", orig, len);
	else
		snprintf(buf, n, "%" PRIu32 " bytes", len);
}

static void print_part(FILE *f, const struct part *p)
{
	char la[48], lb[48];
	len_text(p->pa, p->la, p->oa, la, sizeof(la));
	len_text(p->pb, p->lb, p->ob, lb, sizeof(lb));
	fprintf(f, "  %s: %s in A, %s in B", p->name, la, lb);
	if (p->first == SIZE_MAX || !p->pa || !p->pb) {
		fputc('\n', f);
		return;
	}
	fprintf(f, "; first difference at byte %zu (0x%zx%s%s)\n", p->first, p->first,
		p->field[0] ? ", field " : "", p->field);
	for (size_t o = p->lo; o < p->hi; o += 16) {
		size_t ha = o < p->la ? (p->la - o < 16 ? p->la - o : 16) : 0;
		size_t hb = o < p->lb ? (p->lb - o < 16 ? p->lb - o : 16) : 0;
		hexrow(f, "A", o, p->wa + (o - p->lo), ha);
		hexrow(f, "B", o, p->wb + (o - p->lo), hb);
		bool any = false;
		for (size_t i = 0; i < 16; i++)
			any |= p->mark[o - p->lo + i] != 0;
		if (!any)
			continue;
		fputs("             ", f);
		size_t last = 0;
		for (size_t i = 0; i < 16; i++)
			if (p->mark[o - p->lo + i])
				last = i + 1;
		for (size_t i = 0; i < last; i++)
			fputs(p->mark[o - p->lo + i] ? " ^^" : "   ", f);
		fputc('\n', f);
	}
}

/* The failing results of the headline as `dxgtrace explain` reads them,
 * so that the reader knows where to ask what they mean. */
static void print_explain_hint(FILE *f, const struct dxgt_diff *d, const struct dxgt_diff_entry *e)
{
	const struct div *v = &d->divs[d->first];
	const struct item *its[2] = {&d->s[1].it[v->b], &d->s[0].it[v->a]};
	const struct dxgt_call_desc *desc = dxgt_call_by_id(e->call_id);
	char vals[96] = "";
	size_t n = 0;
	for (int i = 0; i < 2; i++) {
		const struct item *it = its[i];
		int k = 0;
		if (it->flags & IT_NORET)
			continue;
		if ((it->flags & IT_IOCTL) && (it->flags & IT_FAILED))
			k = snprintf(vals + n, sizeof(vals) - n, " -%" PRIu32, it->res);
		else if (!(it->flags & IT_IOCTL) && (int32_t)it->res < 0 && (it->flags & IT_CHILD))
			k = snprintf(vals + n, sizeof(vals) - n, " 0x%08" PRIX32 " -%u", it->res,
				     it->err2);
		else if (!(it->flags & IT_IOCTL) && (int32_t)it->res < 0)
			k = snprintf(vals + n, sizeof(vals) - n, " 0x%08" PRIX32, it->res);
		if (k > 0 && n + (size_t)k < sizeof(vals))
			n += (size_t)k;
	}
	if (n)
		fprintf(f, "  what it means: dxgtrace explain%s%s%s\n", desc ? " --call " : "",
			desc ? desc->name : "", vals);
}

/* The headline divergence in full. */
static void print_first(FILE *f, const struct dxgt_diff *d)
{
	struct dxgt_diff_entry e;
	char what[512];
	dxgt_diff_get(d, (size_t)d->first, &e);
	if (d->first_fallback)
		fprintf(f, "no escape differs; first divergent call: ");
	else
		fprintf(f, "first divergent %s: ", d->all ? "call" : "escape");
	if (e.seq_a)
		fprintf(f, "seq %" PRIu64 " in A, ", e.seq_a);
	else
		fprintf(f, "none in A, ");
	if (e.seq_b)
		fprintf(f, "seq %" PRIu64 " in B: %s\n", e.seq_b, e.name);
	else
		fprintf(f, "none in B: %s\n", e.name);
	if (d->line[0])
		fprintf(f, "  A: %s\n", d->line[0]);
	if (d->line[1])
		fprintf(f, "  B: %s\n", d->line[1]);
	what_text(&e, what, sizeof(what));
	/* Input and output differences are spelled out by the parts below. */
	for (char *p = what, *q; p && *p; p = q) {
		q = strstr(p, "; ");
		if (q) {
			*q = '\0';
			q += 2;
		}
		bool io =
		    strncmp(p, "input differs", 13) == 0 || strncmp(p, "output differs", 14) == 0;
		if (!io || !d->n_parts)
			fprintf(f, "  %s%s\n", p,
				io && strncmp(p, "output", 6) == 0 && (e.kinds & DXGT_DIFF_INPUT)
				    ? ", where the inputs differ too"
				    : "");
	}
	for (size_t i = 0; i < d->n_parts; i++)
		print_part(f, &d->parts[i]);
	if (d->more_parts)
		fprintf(f, "  ... and %zu more differing parts\n", d->more_parts);
	if (e.kinds & DXGT_DIFF_STATUS)
		print_explain_hint(f, d, &e);
}

/* The host/guest differences by design that were noted, not counted. */
static void print_hostdiffs(FILE *f, const struct dxgt_diff *d)
{
	if (!d->n_hdp)
		return;
	fprintf(f,
		"%zu host/guest difference%s by design, not counted (--host-differences "
		"counts them):\n",
		d->n_hdp, d->n_hdp == 1 ? "" : "s");
	for (size_t i = 0; i < d->n_hdp && i < 8; i++) {
		unsigned r = d->hdp[i].rule;
		fprintf(f, "  seq %" PRIu64 " in A, seq %" PRIu64 " in B: QueryAdapterInfo: %s\n",
			d->hdp[i].seq_a, d->hdp[i].seq_b,
			dxgt_hostdiff_text(r & DXGT_HOSTDIFF_ADAPTERTYPE ? DXGT_HOSTDIFF_ADAPTERTYPE
									 : r));
	}
	if (d->n_hdp > 8)
		fprintf(f, "  ... and %zu more\n", d->n_hdp - 8);
}

int dxgt_diff_print(FILE *f, const struct dxgt_diff *d, size_t max)
{
	char what[512], cnt[256];
	if (!max)
		max = TEXT_MAX;
	for (int i = 0; i < 2; i++)
		fprintf(f, "%s: %s: %zu calls at %s\n", i ? "B" : "A", d->s[i].path, d->s[i].n,
			view_name(d, i));
	if (d->greedy)
		fprintf(f,
			"note: the traces differ too much for an exact alignment; calls were "
			"aligned greedily, %u at a time\n",
			WINDOW);
	if (d->moves_skipped)
		fprintf(f, "note: too many one-sided calls to look for reordered ones\n");
	if (d->cross)
		fprintf(f,
			"cross-OS: A was recorded on %s, B on %s: adapters are matched by PCI "
			"vendor and device id\n",
			dxgt_os_name((enum dxgt_os)d->s[0].host.os),
			dxgt_os_name((enum dxgt_os)d->s[1].host.os));
	print_hostdiffs(f, d);
	if (!d->n_divs) {
		fprintf(f, "no divergence: %" PRIu64 " calls compared\nverdict: equivalent\n",
			d->compared);
		return ferror(f) ? DXGT_E_IO : 0;
	}
	fputc('\n', f);
	print_first(f, d);
	counts_text(d, cnt, sizeof(cnt));
	fprintf(f, "\n%zu divergence%s (by kind: %s); %" PRIu64 " calls compared\n", d->n_divs,
		d->n_divs == 1 ? "" : "s", cnt, d->compared);
	fprintf(f, "%8s %8s  %-30s %s\n", "A", "B", "call", "what");
	for (size_t i = 0; i < d->n_divs && i < max; i++) {
		struct dxgt_diff_entry e;
		char sa[24] = "-", sb[24] = "-";
		dxgt_diff_get(d, i, &e);
		if (e.seq_a)
			snprintf(sa, sizeof(sa), "%" PRIu64, e.seq_a);
		if (e.seq_b)
			snprintf(sb, sizeof(sb), "%" PRIu64, e.seq_b);
		what_text(&e, what, sizeof(what));
		fprintf(f, "%8s %8s  %-30s %s\n", sa, sb, e.name, what);
	}
	if (d->n_divs > max)
		fprintf(f, "... and %zu more (--json lists up to %u)\n", d->n_divs - max, DOC_MAX);
	fprintf(f, "verdict: divergent\n");
	return ferror(f) ? DXGT_E_IO : 0;
}

/* ---- JSON ---- */

static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("?");
}

static json_t *jhex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	json_t *j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

static json_t *kinds_json(unsigned kinds)
{
	json_t *a = json_array();
	for (unsigned b = 0; b < 8; b++)
		if ((kinds & (1u << b)) && dxgt_diff_kind_name(1u << b))
			json_array_append_new(a, json_string(dxgt_diff_kind_name(1u << b)));
	return a;
}

static json_t *call_json(const struct dxgt_diff *d, const struct dxgt_diff_entry *e, int side)
{
	uint64_t seq = side ? e->seq_b : e->seq_a;
	size_t at = seq ? item_by_seq(&d->s[side], seq) : SIZE_MAX;
	if (at == SIZE_MAX)
		return json_null();
	const struct item *it = &d->s[side].it[at];
	json_t *o = json_object();
	char b[16];
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "name", json_string(item_name(it)));
	json_object_set_new(o, "layer", json_string(it->flags & IT_IOCTL ? "ioctl" : "d3dkmt"));
	json_object_set_new(o, "result", jstr(side ? e->result_b : e->result_a));
	bool noret = it->flags & IT_NORET, ioctl = it->flags & IT_IOCTL;
	json_object_set_new(o, "returned", json_boolean(!noret));
	snprintf(b, sizeof(b), "0x%08" PRIx32, it->res);
	json_object_set_new(o, "status", !noret && !ioctl ? json_string(b) : json_null());
	json_int_t ret = it->flags & IT_FAILED ? -1 : (json_int_t)it->res;
	json_object_set_new(o, "ret", !noret && ioctl ? json_integer(ret) : json_null());
	json_int_t en = -1;
	if (!noret && ioctl)
		en = it->flags & IT_FAILED ? (json_int_t)it->res : 0;
	else if (!noret && (it->flags & IT_CHILD))
		en = it->err2;
	json_object_set_new(o, "errno", en >= 0 ? json_integer(en) : json_null());
	json_object_set_new(o, "in_bytes", json_integer(side ? e->in_b : e->in_a));
	json_object_set_new(o, "out_bytes", json_integer(side ? e->out_b : e->out_a));
	return o;
}

static json_t *entry_json(const struct dxgt_diff *d, size_t i)
{
	struct dxgt_diff_entry e;
	char what[512];
	dxgt_diff_get(d, i, &e);
	what_text(&e, what, sizeof(what));
	json_t *o = json_object();
	json_object_set_new(o, "kinds", kinds_json(e.kinds));
	json_object_set_new(o, "call", json_string(e.name));
	json_object_set_new(o, "escape", json_boolean(e.escape));
	json_object_set_new(o, "a", call_json(d, &e, 0));
	json_object_set_new(o, "b", call_json(d, &e, 1));
	if (e.kinds & DXGT_DIFF_MISSING)
		json_object_set_new(o, "b_after", json_integer((json_int_t)e.after_b));
	if (e.kinds & DXGT_DIFF_EXTRA)
		json_object_set_new(o, "a_after", json_integer((json_int_t)e.after_a));
	json_object_set_new(o, "what", jstr(what));
	return o;
}

static json_t *side_json(const struct dxgt_diff *d, int i)
{
	const struct side *s = &d->s[i];
	json_t *o = json_object();
	json_object_set_new(o, "path", jstr(s->path));
	json_object_set_new(o, "calls", json_integer((json_int_t)s->n));
	const char *layer =
	    d->force == DXGT_LAYER_IOCTL || (d->force == DXGT_LAYER_NONE && !s->n_kmt) ? "ioctl"
										       : "d3dkmt";
	json_object_set_new(o, "layer", json_string(layer));
	json_object_set_new(o, "view", json_string(view_name(d, i) + 4));
	json_object_set_new(o, "complete", json_boolean(s->st.complete));
	return o;
}

int dxgt_diff_print_json(FILE *f, const struct dxgt_diff *d, size_t max)
{
	if (!max)
		max = DOC_MAX;
	json_t *o = json_object(), *counts = json_object(), *list = json_array();
	if (!o || !counts || !list) {
		json_decref(o);
		json_decref(counts);
		json_decref(list);
		return DXGT_E_NOMEM;
	}
	json_object_set_new(o, "verdict", json_string(d->n_divs ? "divergent" : "equivalent"));
	json_object_set_new(o, "a", side_json(d, 0));
	json_object_set_new(o, "b", side_json(d, 1));
	json_object_set_new(o, "scope", json_string(d->all ? "all" : "escapes"));
	json_object_set_new(o, "alignment", json_string(d->greedy ? "greedy" : "exact"));
	json_object_set_new(o, "compared", json_integer((json_int_t)d->compared));
	if (d->cross) {
		json_t *x = json_object(), *hl = json_array();
		json_object_set_new(x, "os_a",
				    json_string(dxgt_os_name((enum dxgt_os)d->s[0].host.os)));
		json_object_set_new(x, "os_b",
				    json_string(dxgt_os_name((enum dxgt_os)d->s[1].host.os)));
		for (size_t i = 0; i < d->n_hdp; i++) {
			json_t *h = json_object();
			unsigned r = d->hdp[i].rule;
			json_object_set_new(h, "seq_a", json_integer((json_int_t)d->hdp[i].seq_a));
			json_object_set_new(h, "seq_b", json_integer((json_int_t)d->hdp[i].seq_b));
			json_object_set_new(h, "rule",
					    json_string(r & DXGT_HOSTDIFF_ADAPTERTYPE
							    ? "adapter_type"
							    : "driver_store_path"));
			json_object_set_new(h, "why",
					    jstr(dxgt_hostdiff_text(r & DXGT_HOSTDIFF_ADAPTERTYPE
									? DXGT_HOSTDIFF_ADAPTERTYPE
									: r)));
			json_array_append_new(hl, h);
		}
		json_object_set_new(x, "host_differences", hl);
		json_object_set_new(o, "cross_os", x);
	}
	json_object_set_new(counts, "divergences", json_integer((json_int_t)d->n_divs));
	for (unsigned b = 0; b < 8; b++)
		if (dxgt_diff_kind_name(1u << b))
			json_object_set_new(counts, dxgt_diff_kind_name(1u << b),
					    json_integer((json_int_t)d->counts[b]));
	json_object_set_new(o, "counts", counts);
	json_t *first = json_null();
	if (d->first >= 0) {
		first = entry_json(d, (size_t)d->first);
		json_object_set_new(first, "index", json_integer(d->first));
		json_object_set_new(first, "escape_found", json_boolean(!d->first_fallback));
		json_object_set_new(first, "line_a", d->line[0] ? jstr(d->line[0]) : json_null());
		json_object_set_new(first, "line_b", d->line[1] ? jstr(d->line[1]) : json_null());
		json_t *pa = json_array();
		for (size_t i = 0; i < d->n_parts; i++) {
			const struct part *p = &d->parts[i];
			json_t *j = json_object();
			json_object_set_new(j, "part", jstr(p->name));
			json_object_set_new(j, "size_a", p->pa ? json_integer(p->oa) : json_null());
			json_object_set_new(j, "size_b", p->pb ? json_integer(p->ob) : json_null());
			bool bytes = p->first != SIZE_MAX && p->pa && p->pb;
			json_object_set_new(
			    j, "offset", bytes ? json_integer((json_int_t)p->first) : json_null());
			json_object_set_new(j, "field", p->field[0] ? jstr(p->field) : json_null());
			if (bytes) {
				size_t ea = p->la > p->lo ? p->la - p->lo : 0;
				size_t eb = p->lb > p->lo ? p->lb - p->lo : 0;
				if (ea > p->hi - p->lo)
					ea = p->hi - p->lo;
				if (eb > p->hi - p->lo)
					eb = p->hi - p->lo;
				json_object_set_new(j, "window", json_integer((json_int_t)p->lo));
				json_object_set_new(j, "hex_a", jhex(p->wa, ea));
				json_object_set_new(j, "hex_b", jhex(p->wb, eb));
			}
			json_array_append_new(pa, j);
		}
		json_object_set_new(first, "parts", pa);
	}
	json_object_set_new(o, "first", first);
	for (size_t i = 0; i < d->n_divs && i < max; i++)
		json_array_append_new(list, entry_json(d, i));
	json_object_set_new(o, "divergences", list);
	json_object_set_new(o, "listed",
			    json_integer((json_int_t)(d->n_divs < max ? d->n_divs : max)));
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return DXGT_E_NOMEM;
	fprintf(f, "%s\n", s);
	free(s);
	return ferror(f) ? DXGT_E_IO : 0;
}

/* ---- JUnit XML ---- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

int dxgt_diff_print_junit(FILE *f, const struct dxgt_diff *d, size_t max)
{
	if (!max)
		max = DOC_MAX;
	size_t listed = d->n_divs < max ? d->n_divs : max;
	size_t tests = d->n_divs ? listed + (d->n_divs > max) : 1;
	size_t failures = d->n_divs ? tests : 0;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<testsuites name=\"dxgtrace diff\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		tests, failures);
	fprintf(f, "  <testsuite name=\"dxgtrace diff ");
	xml_text(f, d->s[0].path);
	fputc(' ', f);
	xml_text(f, d->s[1].path);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", tests,
		failures);
	fprintf(f, "    <properties>\n");
	for (int i = 0; i < 2; i++) {
		fprintf(f, "      <property name=\"%s\" value=\"", i ? "b" : "a");
		xml_text(f, d->s[i].path);
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "      <property name=\"verdict\" value=\"%s\"/>\n",
		d->n_divs ? "divergent" : "equivalent");
	fprintf(f, "    </properties>\n");
	if (!d->n_divs) {
		fprintf(f,
			"    <testcase classname=\"dxgtrace.diff\" name=\"%" PRIu64
			" calls compared: equivalent\"/>\n",
			d->compared);
	}
	for (size_t i = 0; i < listed; i++) {
		struct dxgt_diff_entry e;
		char what[512], name[128], kinds[96] = "";
		dxgt_diff_get(d, i, &e);
		what_text(&e, what, sizeof(what));
		for (unsigned b = 0; b < 8; b++)
			if ((e.kinds & (1u << b)) && dxgt_diff_kind_name(1u << b))
				snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds),
					 "%s%s", kinds[0] ? "," : "", dxgt_diff_kind_name(1u << b));
		char sa[24] = "-", sb[24] = "-";
		if (e.seq_a)
			snprintf(sa, sizeof(sa), "%" PRIu64, e.seq_a);
		if (e.seq_b)
			snprintf(sb, sizeof(sb), "%" PRIu64, e.seq_b);
		snprintf(name, sizeof(name), "A %s / B %s: %s", sa, sb, e.name);
		fprintf(f, "    <testcase classname=\"dxgtrace.diff\" name=\"");
		xml_text(f, name);
		fprintf(f, "\">\n      <failure type=\"%s\" message=\"", kinds);
		xml_text(f, what);
		fprintf(f, "\">");
		if ((long)i == d->first) {
			char *body = NULL;
			size_t n = 0;
			FILE *m = open_memstream(&body, &n);
			if (m) {
				print_first(m, d);
				if (fclose(m) == 0 && body)
					xml_text(f, body);
				free(body);
			}
		} else {
			xml_text(f, what);
		}
		fprintf(f, "</failure>\n    </testcase>\n");
	}
	if (d->n_divs > max)
		fprintf(f,
			"    <testcase classname=\"dxgtrace.diff\" name=\"%zu more divergences\">\n"
			"      <failure type=\"more\" message=\"%zu divergences not listed\"/>\n"
			"    </testcase>\n",
			d->n_divs - max, d->n_divs - max);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? DXGT_E_IO : 0;
}
