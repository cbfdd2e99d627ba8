/* SPDX-License-Identifier: MIT */
/* Helpers shared by the analyzer sources. */
#ifndef DXGT_ANALYZE_INTERNAL_H
#define DXGT_ANALYZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgt/calls.h"

static inline uint64_t dxgt__le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* How many handles descriptor h names in an argument image: 1 for a
 * scalar, the count field (capped at the array's capacity) for an array. */
static inline uint32_t dxgt__handle_count(const struct dxgt_handle_desc *h, const uint8_t *args,
					  uint32_t len)
{
	if (!h->count_size)
		return 1;
	uint64_t n = 0;
	if (dxgt_field_read(args, len, h->count_off, h->count_size, &n) < 0)
		return 0;
	return n < h->max ? (uint32_t)n : h->max;
}

/* What a trace says of its host and adapters (adapter_ids.c). */
struct dxgt__adapter_id {
	uint64_t luid;
	uint16_t vendor, device;
};
struct dxgt__trace_host {
	int os;			      /* enum dxgt_os */
	struct dxgt__adapter_id *ids; /* owned, free with free() */
	size_t n_ids;
};
/* Reads path for its host operating system (the host META record) and,
 * with want_ids, the PCI vendor and device id of each adapter LUID: from
 * adapter META records and from QueryAdapterInfo type 31 answers about an
 * adapter handle that OpenAdapterFromLuid or an EnumAdapters call tied to
 * a LUID. Returns 0 or a negative DXGT_E_*; a damaged or cut trace gives
 * what was read before the damage. */
int dxgt__trace_host_read(const char *path, bool want_ids, struct dxgt__trace_host *h);
/* The ids of luid, or false. */
bool dxgt__trace_host_ids(const struct dxgt__trace_host *h, uint64_t luid, uint16_t *vendor,
			  uint16_t *device);

#endif /* DXGT_ANALYZE_INTERNAL_H */
