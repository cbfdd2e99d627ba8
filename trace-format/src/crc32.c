// SPDX-License-Identifier: MIT
/* CRC-32 with the reflected IEEE polynomial 0xEDB88320 (as zlib's crc32), so
 * that a reader in any language can verify chunks with its standard library.
 *
 * Slicing-by-8 (Intel's "slicing-by-N" method): table[0] is the classic
 * byte-at-a-time table and table[k][n] is the CRC register after byte n
 * followed by k zero bytes, so eight bytes fold into the register with eight
 * independent lookups instead of a chain of eight dependent ones. It is
 * several times faster than the byte loop (payload ingestion spent 22% of its
 * time here, docs/performance.md) and gives the same results: the polynomial
 * and the on-disk checksums do not change.
 *
 * table[0] is a constant expression; the seven other slices (7 KiB) are
 * derived from it once, on first use, under pthread_once: no allocation, so
 * the recorder may call this from its writer thread at any time. Reading the
 * input eight bytes at a time assumes a little-endian host; elsewhere every
 * byte takes the byte loop. */
#include <pthread.h>

#include "trace_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_HOST 1
#else
#define LITTLE_ENDIAN_HOST 0
#endif

#define DXGT__C1(c) (((c)&1u) ? 0xEDB88320u ^ ((c) >> 1) : ((c) >> 1))
#define DXGT__C8(c)                                                                                \
	DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(DXGT__C1(c))))))))
#define DXGT__R4(n) DXGT__C8((n) + 0u), DXGT__C8((n) + 1u), DXGT__C8((n) + 2u), DXGT__C8((n) + 3u)
#define DXGT__R16(n) DXGT__R4(n), DXGT__R4((n) + 4u), DXGT__R4((n) + 8u), DXGT__R4((n) + 12u)
#define DXGT__R64(n) DXGT__R16(n), DXGT__R16((n) + 16u), DXGT__R16((n) + 32u), DXGT__R16((n) + 48u)

#define SLICES 8

static uint32_t table[SLICES][256] = {
    {DXGT__R64(0u), DXGT__R64(64u), DXGT__R64(128u), DXGT__R64(192u)}};
static pthread_once_t slices_once = PTHREAD_ONCE_INIT;

_Static_assert(DXGT__C8(1u) == 0x77073096u, "table[0][1] of the IEEE CRC-32");
_Static_assert(DXGT__C8(255u) == 0x2D02EF8Du, "table[0][255] of the IEEE CRC-32");

static void make_slices(void)
{
	for (unsigned n = 0; n < 256; n++)
		for (unsigned k = 1; k < SLICES; k++) {
			uint32_t c = table[k - 1][n];
			table[k][n] = table[0][c & 0xffu] ^ (c >> 8);
		}
}

uint32_t dxgt__crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	if (LITTLE_ENDIAN_HOST && len >= 16) {
		pthread_once(&slices_once, make_slices);
		const uint32_t(*t)[256] = (const uint32_t(*)[256])table;
		for (; len && ((uintptr_t)p & 7u); len--)
			crc = t[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
		for (; len >= 8; len -= 8, p += 8) {
			uint32_t lo, hi;
			memcpy(&lo, p, 4);
			memcpy(&hi, p + 4, 4);
			lo ^= crc;
			crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^
			      t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^ t[3][hi & 0xffu] ^
			      t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
		}
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}
