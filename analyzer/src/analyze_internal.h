/* SPDX-License-Identifier: MIT */
/* Helpers shared by the analyzer sources. */
#ifndef DXGT_ANALYZE_INTERNAL_H
#define DXGT_ANALYZE_INTERNAL_H

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

#endif /* DXGT_ANALYZE_INTERNAL_H */
