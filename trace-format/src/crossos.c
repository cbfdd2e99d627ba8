// SPDX-License-Identifier: MIT
/*
 * Host/guest differences by design: the QUERYREGISTRY layouts of the two
 * operating systems and the answers the guest driver rewrites. See
 * dxgt/crossos.h and docs/cross-os.md.
 */
#include <string.h>

#include "dxgt/crossos.h"
#include "dxgt/error.h"

enum dxgt_os dxgt_os_of_meta(const struct dxgt_record *r)
{
	if (!r || r->type != DXGT_REC_META || r->meta_kind != DXGT_META_HOST)
		return DXGT_OS_UNKNOWN;
	for (uint16_t i = 0; i < r->n_fields; i++) {
		const struct dxgt_meta_field *f = &r->fields[i];
		if (strcmp(f->key, "os") != 0 || f->type != DXGT_VAL_STR)
			continue;
		if (f->len == 5 && memcmp(f->data, "linux", 5) == 0)
			return DXGT_OS_LINUX;
		if (f->len == 7 && memcmp(f->data, "windows", 7) == 0)
			return DXGT_OS_WINDOWS;
	}
	return DXGT_OS_UNKNOWN;
}

const char *dxgt_os_name(enum dxgt_os os)
{
	switch (os) {
	case DXGT_OS_LINUX:
		return "linux";
	case DXGT_OS_WINDOWS:
		return "windows";
	default:
		return "unknown";
	}
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Bytes per name character in a layout. */
static size_t unit(enum dxgt_os os)
{
	return os == DXGT_OS_WINDOWS ? 2 : 4;
}

size_t dxgt_qr_size(enum dxgt_os os)
{
	/* type, flags, name, value type, adapter index, out size, status,
	 * then an 8-byte union where the value starts. */
	return 8 + DXGT_QR_NAME_LEN * unit(os) + 16 + 8;
}

static size_t value_off(enum dxgt_os os)
{
	return dxgt_qr_size(os) - 8;
}

int dxgt_qr_decode(const uint8_t *p, size_t len, enum dxgt_os os, struct dxgt_qr *q)
{
	size_t u = unit(os), base = 8 + DXGT_QR_NAME_LEN * u;
	if (!p || !q || len < dxgt_qr_size(os))
		return DXGT_E_INVAL;
	memset(q, 0, sizeof(*q));
	q->query_type = rd32(p);
	q->query_flags = rd32(p + 4);
	for (size_t i = 0; i < DXGT_QR_NAME_LEN; i++)
		q->name[i] = u == 2 ? (uint32_t)p[8 + 2 * i] | (uint32_t)p[9 + 2 * i] << 8
				    : rd32(p + 8 + 4 * i);
	q->value_type = rd32(p + base);
	q->adapter_index = rd32(p + base + 4);
	q->out_size = rd32(p + base + 8);
	q->status = rd32(p + base + 12);
	q->value = p + value_off(os);
	q->value_len = len - value_off(os);
	q->layout = os == DXGT_OS_WINDOWS ? DXGT_OS_WINDOWS : DXGT_OS_LINUX;
	return 0;
}

/* Whether q's value is text: a string value type, or a driver-store or
 * driver-image path, which is a string whatever ValueType says (callers
 * leave it 0 and the host need not fill it in). */
static int is_string(const struct dxgt_qr *q)
{
	return q->value_type == 1 || q->value_type == 2 || q->value_type == 7 ||
	       q->query_type == DXGT_QR_DRIVERSTORE || q->query_type == DXGT_QR_DRIVERIMAGE;
}

/* Whether q's value changes width in os's layout. */
static int converts(const struct dxgt_qr *q, enum dxgt_os os)
{
	return is_string(q) && unit(q->layout) != unit(os);
}

size_t dxgt_qr_encoded_len(const struct dxgt_qr *q, enum dxgt_os os)
{
	size_t v = q->value ? q->value_len : 0; /* no bytes: no value */
	if (converts(q, os))
		v = v / unit(q->layout) * unit(os);
	return value_off(os) + v < dxgt_qr_size(os) ? dxgt_qr_size(os) : value_off(os) + v;
}

int dxgt_qr_encode(const struct dxgt_qr *q, enum dxgt_os os, uint8_t *dst, size_t cap, size_t *len)
{
	if (!q || !dst || !len)
		return DXGT_E_INVAL;
	size_t u = unit(os), base = 8 + DXGT_QR_NAME_LEN * u;
	size_t n = dxgt_qr_encoded_len(q, os);
	if (n > cap)
		return DXGT_E_TOOBIG;
	memset(dst, 0, n);
	wr32(dst, q->query_type);
	wr32(dst + 4, q->query_flags);
	for (size_t i = 0; i < DXGT_QR_NAME_LEN; i++) {
		if (u == 2) {
			dst[8 + 2 * i] = (uint8_t)q->name[i];
			dst[9 + 2 * i] = (uint8_t)(q->name[i] >> 8);
		} else {
			wr32(dst + 8 + 4 * i, q->name[i]);
		}
	}
	wr32(dst + base, q->value_type);
	wr32(dst + base + 4, q->adapter_index);
	uint32_t out_size = q->out_size;
	uint8_t *v = dst + value_off(os);
	size_t room = n - value_off(os);
	if (!q->value) {
		/* nothing to copy: the value stays zeros */
	} else if (converts(q, os)) {
		size_t from = unit(q->layout);
		for (size_t i = 0; (i + 1) * from <= q->value_len && (i + 1) * u <= room; i++) {
			uint32_t c = from == 2 ? (uint32_t)q->value[2 * i] |
						     (uint32_t)q->value[2 * i + 1] << 8
					       : rd32(q->value + 4 * i);
			if (u == 2) {
				v[2 * i] = (uint8_t)c;
				v[2 * i + 1] = (uint8_t)(c >> 8);
			} else {
				wr32(v + 4 * i, c);
			}
		}
	} else if (q->value_len) {
		memcpy(v, q->value, q->value_len < room ? q->value_len : room);
	}
	if (converts(q, os)) /* the size in bytes, of the same characters */
		out_size = (uint32_t)((uint64_t)out_size / unit(q->layout) * u);
	wr32(dst + base + 8, out_size);
	wr32(dst + base + 12, q->status);
	*len = n;
	return 0;
}

unsigned dxgt_hostdiff_mask(uint32_t qai_type, uint8_t *p, size_t len, enum dxgt_os os)
{
	if (!p)
		return 0;
	if (qai_type == DXGT_QAI_ADAPTERTYPE || qai_type == DXGT_QAI_ADAPTERTYPE_RENDER) {
		if (len < 4)
			return 0;
		uint32_t v = rd32(p);
		wr32(p, v & ~(DXGT_ADAPTERTYPE_GUEST_SET | DXGT_ADAPTERTYPE_GUEST_CLEARED));
		return DXGT_HOSTDIFF_ADAPTERTYPE;
	}
	if (qai_type == DXGT_QAI_QUERYREGISTRY) {
		struct dxgt_qr q;
		if (dxgt_qr_decode(p, len, os, &q) < 0)
			return 0;
		if (q.query_type != DXGT_QR_DRIVERSTORE && q.query_type != DXGT_QR_DRIVERIMAGE)
			return 0;
		size_t base = 8 + DXGT_QR_NAME_LEN * unit(os);
		wr32(p + base + 8, 0); /* the path's size */
		memset(p + value_off(os), 0, len - value_off(os));
		return DXGT_HOSTDIFF_DRIVERSTORE;
	}
	return 0;
}

const char *dxgt_hostdiff_text(unsigned rule)
{
	switch (rule) {
	case DXGT_HOSTDIFF_ADAPTERTYPE:
		return "the guest driver rewrites the adapter type (sets paravirtualized, clears "
		       "display, POST, indirect display, ACG and VidPN timing support)";
	case DXGT_HOSTDIFF_DRIVERSTORE:
		return "the driver-store and driver-image paths name a Windows folder on the host "
		       "and /usr/lib/wsl/drivers in the guest";
	default:
		return "no known host/guest difference";
	}
}
