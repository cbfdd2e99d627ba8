// SPDX-License-Identifier: MIT
/* CRC-32 with the reflected IEEE polynomial 0xEDB88320 (as zlib's crc32), so
 * that a reader in any language can verify chunks with its standard library.
 * The table is computed at compile time by a constant expression generator. */
#include "trace_internal.h"

#define DXGT__C1(c) (((c)&1u) ? 0xEDB88320u ^ ((c) >> 1) : ((c) >> 1))
#define DXGT__C8(c)                                                                                \
	DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(c))))))))
#define DXGT__R4(n) DXGT__C8((n) + 0u), DXGT__C8((n) + 1u), DXGT__C8((n) + 2u), DXGT__C8((n) + 3u)
#define DXGT__R16(n) DXGT__R4(n), DXGT__R4((n) + 4u), DXGT__R4((n) + 8u), DXGT__R4((n) + 12u)
#define DXGT__R64(n) DXGT__R16(n), DXGT__R16((n) + 16u), DXGT__R16((n) + 32u), DXGT__R16((n) + 48u)

static const uint32_t table[256] = {DXGT__R64(0u), DXGT__R64(64u), DXGT__R64(128u),
				    DXGT__R64(192u)};

uint32_t dxgt__crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}
