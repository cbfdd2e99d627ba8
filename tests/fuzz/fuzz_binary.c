// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the binary reader of `dxgtrace scan` (dxgt/scan.h):
 * the ELF64 and PE32+ parsers over a memory image, every lookup at the
 * edges of every section, and both scans. Only crashes, leaks, sanitizer
 * reports and the invariants checked below count.
 *
 * The invariants: a failed open leaves no object and one line of reason; a
 * section's bytes lie inside the input; a scan's hits carry printable,
 * terminated strings, and an instruction's address is inside a code
 * section; a lookup's name is terminated and printable.
 *
 * Linked into fuzz_driver_binary (plain main, any compiler) to replay the
 * committed corpus as a ctest, and into scan_mutate (tests/scan), which
 * feeds it every cut and every one-byte flip of the seeds. It must never
 * print, and never abort except on a broken invariant of the library.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/error.h"
#include "dxgt/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_binary: invariant failed: %s (%s:%d)\n", #cond,      \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_text(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);
	CHECK(end != NULL);
	for (const char *p = s; p < end; p++)
		CHECK(*p >= 0x20 && *p <= 0x7e);
}

struct ctx {
	const struct dxgt_binary *b;
	unsigned long hits;
};

static bool in_section(const struct dxgt_binary *b, uint64_t va)
{
	struct dxgt_binary_info in;
	dxgt_binary_info(b, &in);
	for (size_t i = 0; i < in.n_sections; i++) {
		struct dxgt_binary_section s;
		CHECK(dxgt_binary_section(b, i, &s) == 0);
		if (s.exec && va >= s.va && va - s.va < s.size)
			return true;
	}
	return false;
}

static int on_hit(void *arg, const struct dxgt_scan_hit *h)
{
	struct ctx *c = arg;
	check_text(h->function, sizeof(h->function));
	check_text(h->insn, sizeof(h->insn));
	check_text(h->target, sizeof(h->target));
	CHECK(h->has_function || h->function[0] == '\0');
	/* A table entry's address comes from a relocation, which may point
	 * anywhere; an instruction is always inside the code swept. */
	CHECK(h->kind == DXGT_CALLSITE_DLSYM_TABLE || in_section(c->b, h->va));
	/* Enough to cover every path; a hostile file can plant millions. */
	return ++c->hits >= 4096 ? 1 : 0;
}

static void probe(const struct dxgt_binary *b, uint64_t va)
{
	char name[64];
	uint64_t start, off, back;
	const uint8_t *p;
	if (dxgt_binary_function(b, va, name, sizeof(name), &start) == 0) {
		CHECK(start <= va);
		check_text(name, sizeof(name));
	} else {
		CHECK(name[0] == '\0');
	}
	if (dxgt_binary_object(b, va, name, sizeof(name), &start) == 0)
		check_text(name, sizeof(name));
	(void)dxgt_binary_bytes(b, va, 16, &p);
	(void)dxgt_binary_import(b, va);
	if (dxgt_binary_va_to_offset(b, va, &off) == 0)
		(void)dxgt_binary_offset_to_va(b, off, &back);
	(void)dxgt_binary_segment_va(b, va, 0x1000, 0x10, &back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[DXGT_BINARY_WHY_MAX];
	struct dxgt_binary *b = NULL;
	int rc = dxgt_binary_open_mem(&b, data, size, why, sizeof(why));
	check_text(why, sizeof(why));
	if (rc < 0) {
		CHECK(b == NULL);
		CHECK(why[0] != '\0');
		CHECK(rc == DXGT_E_EMPTY || rc == DXGT_E_MAGIC || rc == DXGT_E_UNSUPPORTED ||
		      rc == DXGT_E_TRUNCATED || rc == DXGT_E_CORRUPT || rc == DXGT_E_NOMEM);
		return 0;
	}
	CHECK(b != NULL);
	struct dxgt_binary_info in;
	dxgt_binary_info(b, &in);
	CHECK(in.kind != NULL);
	CHECK(!in.build_id || (in.build_id >= data && in.build_id_len <= size &&
			       (size_t)(in.build_id - data) <= size - in.build_id_len));
	for (size_t i = 0; i < in.n_sections; i++) {
		struct dxgt_binary_section s;
		CHECK(dxgt_binary_section(b, i, &s) == 0);
		check_text(s.name, strlen(s.name) + 1);
		if (s.data) {
			CHECK(s.data >= data && s.data_len <= size &&
			      (size_t)(s.data - data) <= size - s.data_len);
			CHECK(s.data_len <= s.size || s.size == 0);
		}
		probe(b, s.va);
		probe(b, s.va + s.size / 2);
		probe(b, s.va + s.size);
		probe(b, s.va - 1);
	}
	struct dxgt_binary_section none;
	CHECK(dxgt_binary_section(b, in.n_sections, &none) == DXGT_E_INVAL);
	struct ctx c = {b, 0};
	rc = dxgt_scan_status(b, 0xC0000023u, on_hit, &c);
	CHECK(rc == 0 || rc == 1 || rc == DXGT_E_NOMEM);
	c.hits = 0;
	rc = dxgt_scan_calls(b, "D3DKMT", on_hit, &c);
	CHECK(rc == 0 || rc == 1 || rc == DXGT_E_NOMEM);
	dxgt_binary_close(b);
	return 0;
}
