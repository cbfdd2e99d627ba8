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

/* Little-endian fields of any size up to 8. On a little-endian host the
 * common sizes are one unaligned load or store (memcpy, which compilers
 * turn into a single move); the byte loop is the portable fallback. These
 * run several times per recorded call, so they matter for the recorder's
 * cost (docs/performance.md). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DXGT__LE_HOST 1
#else
#define DXGT__LE_HOST 0
#endif

static inline uint64_t dxgt__get_le(const void *base, size_t off, unsigned size)
{
	const uint8_t *p = (const uint8_t *)base + off;
	if (DXGT__LE_HOST) {
		switch (size) {
		case 8: {
			uint64_t v;
			memcpy(&v, p, 8);
			return v;
		}
		case 4: {
			uint32_t v;
			memcpy(&v, p, 4);
			return v;
		}
		case 2: {
			uint16_t v;
			memcpy(&v, p, 2);
			return v;
		}
		case 1:
			return p[0];
		default:
			break;
		}
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void dxgt__put_le(void *base, size_t off, uint64_t v, unsigned size)
{
	uint8_t *p = (uint8_t *)base + off;
	if (DXGT__LE_HOST) {
		switch (size) {
		case 8:
			memcpy(p, &v, 8);
			return;
		case 4: {
			uint32_t w = (uint32_t)v;
			memcpy(p, &w, 4);
			return;
		}
		case 2: {
			uint16_t w = (uint16_t)v;
			memcpy(p, &w, 2);
			return;
		}
		case 1:
			p[0] = (uint8_t)v;
			return;
		default:
			break;
		}
	}
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 (the zlib/IEEE polynomial), so any language can check a chunk. */
uint32_t dxgt__crc32(uint32_t crc, const void *data, size_t len);

#endif /* DXGT_TRACE_INTERNAL_H */
