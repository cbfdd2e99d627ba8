// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for everything that reads a trace: the streaming reader
 * over a memory image, the call pairer (with a small window, so the
 * early-release path runs too), the symbol table, both call printers, the
 * metadata printer and the statistics. Output goes to /dev/null; only
 * crashes, leaks, sanitizer reports and the invariants checked below count.
 *
 * Each input is read twice: as given, and as a copy whose file header and
 * chunk CRC-32s are recomputed. Random mutations almost never keep a
 * checksum right, so without the second pass the fuzzer would only ever
 * exercise the checksum rejections, never the record decoder behind them.
 *
 * The same file is linked into fuzz_driver (plain main, any compiler), which
 * replays the committed corpus as a ctest. It must never print, and never
 * abort except on a broken invariant of the library.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/analyze.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checked in every build type: the regression driver runs under NDEBUG. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_reader: invariant failed: %s (%s:%d)\n", #cond,      \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A small window: a burst of unfinished calls pushes the oldest out early. */
#define PAIR_WINDOW 64

static FILE *devnull(void)
{
	static FILE *f;
	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

static void check_state(const struct dxgt_read_state *st, size_t size, bool at_end)
{
	CHECK(st != NULL);
	CHECK(st->major == DXGT_FORMAT_MAJOR);
	CHECK(st->file_size == size);
	CHECK(st->offset <= size);
	CHECK(st->unknown <= st->records);
	CHECK(memchr(st->stop_reason, '\0', sizeof(st->stop_reason)) != NULL);
	if (!at_end)
		return;
	CHECK(st->ended);
	/* Complete and stopped early exclude each other; one of them holds. */
	CHECK(st->complete != (st->stop_error != 0));
	CHECK(!st->complete || st->has_index);
	CHECK(!st->stop_error || st->stop_reason[0] != '\0');
	CHECK(!st->stop_error || st->stop_offset <= size);
}

/* CRC-32 as the format defines it (zlib's), bit by bit: speed is no concern. */
static uint32_t crc32_le(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the CRCs of the file header and of every chunk that starts
 * where the previous one ended (docs/trace-format.md: 32-byte header with
 * its CRC at 28; 40-byte chunk headers, stored_size at 8, payload CRC at
 * 20, header CRC at 36). Returns false when nothing changed. */
static bool fix_crcs(uint8_t *b, size_t size)
{
	bool changed = false;
	if (size < 32)
		return false;
	uint32_t crc = crc32_le(b, 28);
	if (get32(b + 28) != crc) {
		put32(b + 28, crc);
		changed = true;
	}
	uint32_t hsize = get32(b + 12);
	size_t off = hsize >= 32 && hsize <= 4096 ? hsize : 32;
	while (off <= size && size - off >= 40 && memcmp(b + off, "DXGC", 4) == 0) {
		uint8_t *h = b + off;
		uint32_t stored = get32(h + 8);
		bool whole = size - off - 40 >= stored;
		if (whole && get32(h + 20) != (crc = crc32_le(h + 40, stored))) {
			put32(h + 20, crc);
			changed = true;
		}
		if (get32(h + 36) != (crc = crc32_le(h, 36))) {
			put32(h + 36, crc);
			changed = true;
		}
		if (!whole)
			break;
		off += 40 + (size_t)stored;
	}
	return changed;
}

static void run_one(const uint8_t *data, size_t size)
{
	FILE *out = devnull();
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct dxgt_symtab *t = NULL;
	struct dxgt_stats *s = NULL;
	uint64_t last_seq = 0;
	int rc;

	if (!out)
		return;
	rc = dxgt_reader_open_mem(&r, data, size);
	if (rc < 0) {
		CHECK(r == NULL);
		CHECK(rc != DXGT_E_EMPTY || size == 0);
		goto out;
	}
	CHECK(r != NULL && size >= 32);
	check_state(dxgt_reader_state(r), size, false);
	if (dxgt_pairer_new(&p, r, PAIR_WINDOW) < 0 || dxgt_symtab_new(&t) < 0 ||
	    dxgt_stats_new(&s) < 0)
		goto out;

	struct dxgt_call c;
	while ((rc = dxgt_pairer_next(p, &c)) > 0) {
		CHECK(c.enter != NULL);
		if (c.enter->type == DXGT_REC_META) {
			CHECK(c.leave == NULL && c.desc == NULL);
			dxgt_meta_print(out, c.enter);
			dxgt_call_print_json(out, &c, t, 0);
			continue;
		}
		CHECK(c.enter->type == DXGT_REC_ENTER);
		CHECK(!c.leave ||
		      (c.leave->type == DXGT_REC_LEAVE && c.leave->seq == c.enter->seq));
		/* Calls come out in sequence order, each once. */
		CHECK(c.enter->seq > last_seq);
		last_seq = c.enter->seq;
		if (dxgt_symtab_observe(t, &c) < 0)
			break;
		char name[64], res[96];
		CHECK(dxgt_call_display_name(&c, name, sizeof(name)) == name);
		CHECK(dxgt_call_result(&c, res, sizeof(res)) == res);
		CHECK(memchr(name, '\0', sizeof(name)) && memchr(res, '\0', sizeof(res)));
		(void)dxgt_call_failed(&c);
		dxgt_call_print(out, &c, t, DXGT_FMT_BLOBS);
		dxgt_call_print(out, &c, t, DXGT_FMT_NOTIME);
		dxgt_call_print_json(out, &c, t, DXGT_FMT_BLOBS);
		if (dxgt_stats_add(s, &c) < 0)
			break;
	}
	/* Only NOMEM and IO may end the loop with an error; a memory image has no IO. */
	CHECK(rc >= 0 || rc == DXGT_E_NOMEM);
	if (rc == 0)
		check_state(dxgt_reader_state(r), size, true);
	(void)dxgt_pairer_orphans(p);
	dxgt_stats_print(out, s);
	fflush(out);
out:
	dxgt_stats_free(s);
	dxgt_symtab_free(t);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_one(data, size);
	uint8_t *fixed = malloc(size ? size : 1);
	if (!fixed)
		return 0;
	if (size)
		memcpy(fixed, data, size);
	if (fix_crcs(fixed, size))
		run_one(fixed, size);
	free(fixed);
	return 0;
}
