/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the libdxgt sources: little-endian access, CRC-32.
 * Not installed; other areas use only include/dxgt/.
 */
#ifndef DXGT_TRACE_INTERNAL_H
#define DXGT_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

void dxgt__calls_init(void);
/* Number of descriptor rows found apart from their call's other rows (0). */
int dxgt__calls_selfcheck(void);

static inline uint64_t dxgt__get_le(const void *base, size_t off, unsigned size)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void dxgt__put_le(void *base, size_t off, uint64_t v, unsigned size)
{
	uint8_t *p = (uint8_t *)base + off;
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 (the zlib/IEEE polynomial), so any language can check a chunk. */
uint32_t dxgt__crc32(uint32_t crc, const void *data, size_t len);

#endif /* DXGT_TRACE_INTERNAL_H */
