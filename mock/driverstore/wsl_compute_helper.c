// SPDX-License-Identifier: MIT
/*
 * libwsl_compute_helper.so for the mock host's driver store.
 *
 * On WSL, Intel's compute runtime (NEO) does not read the kernel-mode
 * driver's private structures itself: it loads this library from the
 * driver store the host names (QUERYREGISTRY, driver-store path) and has
 * it translate each structure between the driver's representation and a
 * token stream (mock/src/intel_tokens.h) in both directions. A real driver
 * store ships a helper that knows the real driver's layouts. The mock
 * writes both ends, the host's answers and this helper, so it chooses the
 * simplest representation that round-trips: a structure's kernel-mode
 * representation is its token stream, padded with zero words to the size
 * this library reports. Every translation is then a checked copy, and the
 * host's adapter info (a token stream the profile loader wrote from the
 * profile's description) reaches NEO unchanged.
 *
 * The six exports are the helper's whole interface (docs/neo-wsl-path.md
 * section 3.1); NEO 22.43 looks up all six and aborts if one is missing.
 * Each conversion returns false, as a real helper would, for a structure
 * it does not translate, a buffer too small, or a stream that is not
 * well-formed, and then leaves the destination zeroed when it can.
 *
 * With DXGMOCK_DEBUG set, each call is logged on stderr in the mock's
 * "dxgmock: " format. Must never: allocate, keep a pointer past a call,
 * read or write outside the sizes it is given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intel_tokens.h"

#define EXPORT __attribute__((visibility("default")))

/* The version the helper reports. NEO 22.43 only distinguishes 0 (the
 * GPU address space partition then travels as its own raw structure) from
 * anything else (it travels as tokens, like every other structure). */
#define HELPER_VERSION 1u

static bool debug_on(void)
{
	static int on = -1;
	int v = __atomic_load_n(&on, __ATOMIC_RELAXED);
	if (v < 0) {
		const char *e = getenv("DXGMOCK_DEBUG");
		v = e && *e && strcmp(e, "0") != 0;
		__atomic_store_n(&on, v, __ATOMIC_RELAXED);
	}
	return v;
}

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	if (!debug_on())
		return;
	int saved = errno;
	char line[256];
	int n = snprintf(line, sizeof(line), "dxgmock: libwsl_compute_helper: ");
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (k > 0 ? (size_t)k : 0);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
	errno = saved;
}

/* Copies the token stream src[0..src_len) into dst[0..dst_len), zero
 * padded. False when it is not well-formed or does not fit; dst is then
 * zeroed. */
static bool copy_stream(void *dst, size_t dst_len, const void *src, size_t src_len, size_t *copied)
{
	size_t used = 0;
	*copied = 0;
	if (!dst)
		return false;
	memset(dst, 0, dst_len);
	if (src_len && !src)
		return false;
	if (!dxgt__itok_check(src, src_len, &used) || used > dst_len)
		return false;
	if (used)
		memcpy(dst, src, used);
	*copied = used;
	return true;
}

EXPORT size_t getSizeRequiredForStruct(uint32_t struct_id);
EXPORT size_t getSizeRequiredForTokens(uint32_t struct_id);
EXPORT bool structToTokens(uint32_t struct_id, void *dst, size_t dst_len, const void *src,
			   size_t src_len);
EXPORT bool tokensToStruct(uint32_t struct_id, void *dst, size_t dst_len, const void *begin,
			   const void *end);
EXPORT void destroyStructRepresentation(uint32_t struct_id, void *src, size_t src_len);
EXPORT uint64_t getVersion(void);

/* Bytes of the kernel-mode representation of struct_id. */
size_t getSizeRequiredForStruct(uint32_t struct_id)
{
	size_t n = dxgt__itok_struct_size(struct_id);
	note("getSizeRequiredForStruct(%u) = %zu", struct_id, n);
	return n;
}

/* Bytes of token buffer that receive struct_id as tokens. */
size_t getSizeRequiredForTokens(uint32_t struct_id)
{
	size_t n = dxgt__itok_struct_size(struct_id);
	note("getSizeRequiredForTokens(%u) = %zu", struct_id, n);
	return n;
}

/* Kernel-mode representation -> tokens. */
bool structToTokens(uint32_t struct_id, void *dst, size_t dst_len, const void *src, size_t src_len)
{
	size_t copied = 0;
	bool ok = false;
	if (dxgt__itok_struct_size(struct_id))
		ok = copy_stream(dst, dst_len, src, src_len, &copied);
	else if (dst)
		memset(dst, 0, dst_len);
	note("structToTokens(%u, %zu bytes <- %zu bytes) = %s, %zu bytes of tokens", struct_id,
	     dst_len, src_len, ok ? "true" : "false", copied);
	return ok;
}

/* Tokens [begin, end) -> kernel-mode representation. */
bool tokensToStruct(uint32_t struct_id, void *dst, size_t dst_len, const void *begin,
		    const void *end)
{
	size_t copied = 0, len = 0;
	bool ok = dxgt__itok_struct_size(struct_id) != 0 && begin && end && end >= begin;
	if (ok) {
		len = (size_t)((const char *)end - (const char *)begin);
		ok = copy_stream(dst, dst_len, begin, len, &copied);
	} else if (dst) {
		memset(dst, 0, dst_len);
	}
	note("tokensToStruct(%u, %zu bytes <- %zu bytes of tokens) = %s", struct_id, dst_len, len,
	     ok ? "true" : "false");
	return ok;
}

/* A representation owns nothing: there is nothing to release. */
void destroyStructRepresentation(uint32_t struct_id, void *src, size_t src_len)
{
	(void)src;
	note("destroyStructRepresentation(%u, %zu bytes)", struct_id, src_len);
}

uint64_t getVersion(void)
{
	note("getVersion() = %u", HELPER_VERSION);
	return HELPER_VERSION;
}
