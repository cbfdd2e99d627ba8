// SPDX-License-Identifier: MIT
/*
 * What a trace says of where it was made: the host's operating system and,
 * for comparing a Windows capture with a WSL2 recording, which PCI device
 * each adapter LUID is (LUIDs differ between host and guest, and from boot
 * to boot; vendor and device ids do not).
 *
 * The ids come from adapter META records and from QueryAdapterInfo type 31
 * (D3DKMT_QUERY_DEVICE_IDS: physical adapter index, then vendor and device
 * id) answers. Those name an adapter handle, which OpenAdapterFromLuid and
 * the EnumAdapters calls tie to a LUID. Only recorded bytes are read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "dxgt/crossos.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"

#define MAX_HANDLES 4096u
#define MAX_IDS 1024u

struct hmap {
	uint32_t handle[MAX_HANDLES];
	uint64_t luid[MAX_HANDLES];
	size_t n;
};

static void tie(struct hmap *m, uint32_t handle, uint64_t luid)
{
	if (!handle || !luid)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->handle[i] == handle) {
			m->luid[i] = luid;
			return;
		}
	if (m->n < MAX_HANDLES) {
		m->handle[m->n] = handle;
		m->luid[m->n++] = luid;
	}
}

static uint64_t luid_of(const struct hmap *m, uint32_t handle)
{
	for (size_t i = m->n; i-- > 0;)
		if (m->handle[i] == handle)
			return m->luid[i];
	return 0;
}

static int set_ids(struct dxgt__trace_host *h, uint64_t luid, uint64_t vendor, uint64_t device)
{
	if (!luid || (!vendor && !device))
		return 0;
	for (size_t i = 0; i < h->n_ids; i++)
		if (h->ids[i].luid == luid) {
			h->ids[i].vendor = (uint16_t)vendor;
			h->ids[i].device = (uint16_t)device;
			return 0;
		}
	if (h->n_ids == MAX_IDS)
		return 0;
	if ((h->n_ids & (h->n_ids - 1)) == 0) {
		size_t cap = h->n_ids ? h->n_ids * 2 : 4;
		struct dxgt__adapter_id *v = realloc(h->ids, cap * sizeof(*v));
		if (!v)
			return DXGT_E_NOMEM;
		h->ids = v;
	}
	h->ids[h->n_ids++] = (struct dxgt__adapter_id){luid, (uint16_t)vendor, (uint16_t)device};
	return 0;
}

static const struct dxgt_meta_field *field(const struct dxgt_record *r, const char *key)
{
	for (uint16_t i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return &r->fields[i];
	return NULL;
}

static bool u64_of(const struct dxgt_record *r, const char *key, uint64_t *v)
{
	const struct dxgt_meta_field *f = field(r, key);
	if (!f || (f->type != DXGT_VAL_U64 && f->type != DXGT_VAL_I64))
		return false;
	*v = f->u64;
	return true;
}

static int from_meta(struct dxgt__trace_host *h, const struct dxgt_record *r)
{
	if (r->meta_kind == DXGT_META_HOST) {
		enum dxgt_os os = dxgt_os_of_meta(r);
		if (os != DXGT_OS_UNKNOWN)
			h->os = (int)os;
		return 0;
	}
	if (r->meta_kind != DXGT_META_ADAPTER)
		return 0;
	uint64_t luid = 0, vendor = 0, device = 0;
	const struct dxgt_meta_field *f = field(r, "luid");
	if (f && f->type == DXGT_VAL_STR) {
		/* "0xHIGH:0xLOW", as dump prints LUIDs. */
		char buf[48], *colon;
		snprintf(buf, sizeof(buf), "%.*s", (int)(f->len < 47 ? f->len : 47),
			 (const char *)f->data);
		if (!(colon = strchr(buf, ':')))
			return 0;
		*colon = '\0';
		luid =
		    strtoull(buf, NULL, 16) << 32 | (strtoull(colon + 1, NULL, 16) & 0xffffffffu);
	} else if (!u64_of(r, "luid", &luid)) {
		return 0;
	}
	if (!u64_of(r, "vendor", &vendor) || !u64_of(r, "device", &device))
		return 0;
	return set_ids(h, luid, vendor, device);
}

static const struct dxgt_rec_buf *buf0(const struct dxgt_record *r, uint16_t desc)
{
	for (uint16_t i = 0; r && i < r->n_bufs; i++)
		if (r->bufs[i].level == 0 && r->bufs[i].desc == desc &&
		    !(r->bufs[i].flags & DXGT_BUF_UNREADABLE))
			return &r->bufs[i];
	return NULL;
}

static int from_call(struct dxgt__trace_host *h, struct hmap *m, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	if (!l || !c->desc || e->layer == DXGT_LAYER_DXCORE)
		return 0;
	bool ok = e->layer == DXGT_LAYER_IOCTL
		      ? l->ret >= 0
		      : (l->flags & DXGT_LEAVE_STATUS ? l->status : (uint32_t)l->ret) == 0;
	if (!ok)
		return 0;
	switch (e->call_id) {
	case 0x01: /* OpenAdapterFromLuid: luid in, handle out */
		if (e->args_len >= 12 && l->args_len >= 12)
			tie(m, (uint32_t)dxgt__le(l->args + 8, 4), dxgt__le(e->args, 8));
		return 0;
	case 0x14:   /* EnumAdapters2 */
	case 0x3e: { /* EnumAdapters3: an array of adapterinfo */
		const struct dxgt_rec_buf *b = buf0(l, 0);
		for (uint32_t off = 0; b && off + 20 <= b->len; off += 20)
			tie(m, (uint32_t)dxgt__le(b->data + off, 4),
			    dxgt__le(b->data + off + 4, 8));
		return 0;
	}
	case 0x102: { /* EnumAdapters: 16 inline adapterinfo after the count */
		uint64_t n = l->args_len >= 4 ? dxgt__le(l->args, 4) : 0;
		for (uint64_t i = 0; i < n && i < 16 && 4 + (i + 1) * 20 <= l->args_len; i++)
			tie(m, (uint32_t)dxgt__le(l->args + 4 + i * 20, 4),
			    dxgt__le(l->args + 8 + i * 20, 8));
		return 0;
	}
	case 0x09: { /* QueryAdapterInfo */
		if (e->args_len < 8 || dxgt__le(e->args + 4, 4) != DXGT_QAI_DEVICEIDS)
			return 0;
		const struct dxgt_rec_buf *b = buf0(l, 0);
		uint64_t luid = luid_of(m, (uint32_t)dxgt__le(e->args, 4));
		if (!b || b->len < 12 || !luid)
			return 0;
		return set_ids(h, luid, dxgt__le(b->data + 4, 4), dxgt__le(b->data + 8, 4));
	}
	default:
		return 0;
	}
}

int dxgt__trace_host_read(const char *path, bool want_ids, struct dxgt__trace_host *h)
{
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct hmap *m = NULL;
	memset(h, 0, sizeof(*h));
	int rc = dxgt_reader_open(&r, path);
	if (rc < 0)
		goto out;
	if ((rc = dxgt_pairer_new(&p, r, 0)) < 0)
		goto out;
	if (want_ids && !(m = calloc(1, sizeof(*m)))) {
		rc = DXGT_E_NOMEM;
		goto out;
	}
	struct dxgt_call c;
	uint64_t calls = 0;
	while ((rc = dxgt_pairer_next(p, &c)) > 0) {
		if (c.enter->type == DXGT_REC_META) {
			if ((rc = from_meta(h, c.enter)) < 0)
				break;
			continue;
		}
		/* Without ids wanted, the host record comes first: stop soon. */
		if (!want_ids) {
			if (h->os || ++calls > 64)
				break;
			continue;
		}
		if ((rc = from_call(h, m, &c)) < 0)
			break;
	}
	if (rc > 0)
		rc = 0;
out:
	free(m);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	if (rc < 0) {
		free(h->ids);
		h->ids = NULL;
		h->n_ids = 0;
	}
	return rc;
}

bool dxgt__trace_host_ids(const struct dxgt__trace_host *h, uint64_t luid, uint16_t *vendor,
			  uint16_t *device)
{
	for (size_t i = 0; i < h->n_ids; i++)
		if (h->ids[i].luid == luid) {
			*vendor = h->ids[i].vendor;
			*device = h->ids[i].device;
			return true;
		}
	return false;
}
