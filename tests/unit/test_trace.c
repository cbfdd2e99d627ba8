// SPDX-License-Identifier: MIT
/*
 * The trace format end to end through libdxgt: every descriptor row written
 * and read back byte for byte (nested buffers at both levels, frames,
 * metadata, unknown record types), a small trace cut at every byte offset
 * and damaged at every bit, versions and magic, and the pairer's ordering,
 * window and unfinished calls.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "trace_internal.h"

/* ---- an in-memory record list to compare against ---- */

struct saved {
	uint8_t *bytes;
	size_t len;
};

struct list {
	struct saved *v;
	size_t n, cap;
};

static void list_add(struct list *l, const struct dxgt_record *r)
{
	size_t need = 0;
	assert_int_equal(dxgt_record_encode(r, NULL, 0, &need), DXGT_E_TOOBIG);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	struct saved *s = &l->v[l->n++];
	s->bytes = malloc(need);
	s->len = need;
	assert_int_equal(dxgt_record_encode(r, s->bytes, need, &need), 0);
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].bytes);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static uint32_t rng = 12345;
static uint8_t rnd8(void)
{
	rng = rng * 1103515245u + 12345u;
	return (uint8_t)(rng >> 16);
}

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

static char tmpdir[] = "/tmp/dxgt-test-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Build one call of every descriptor row, at each layer it has, into w and
 * the list. Buffers follow the row: level 0 for each buffer, level 1 for
 * the first buffer of each element type. */
static void write_every_row(struct dxgt_writer *w, struct list *l)
{
	uint64_t seq = 0;
	static uint8_t args[2][1024], data[8][300];
	struct dxgt_rec_buf bufs[16];
	static const uint64_t frames[3] = {1, 0x7fff12345678ull, UINT64_MAX};
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		for (int layer = DXGT_LAYER_D3DKMT; layer <= DXGT_LAYER_IOCTL; layer += 2) {
			uint32_t size = dxgt_call_args_size(d, (enum dxgt_layer)layer);
			if (!size)
				continue;
			rnd_fill(args[0], size);
			rnd_fill(args[1], size);
			uint16_t nb = 0;
			for (uint16_t k = 0; k < d->n_bufs && nb < 14; k++) {
				uint32_t len = rnd8() + 1u;
				rnd_fill(data[k % 8], len);
				bufs[nb++] = (struct dxgt_rec_buf){
				    k,	 DXGT_BUF_NODESC,	0,	    0, 0, len + (k & 1),
				    len, 0x7f0000000000ull + k, data[k % 8]};
				if (d->bufs[k].elem && d->bufs[k].elem->n_bufs)
					bufs[nb++] = (struct dxgt_rec_buf){0,
									   k,
									   1,
									   DXGT_BUF_TRUNCATED,
									   3,
									   200,
									   7,
									   0x7f0000100000ull,
									   data[(k + 1) % 8]};
			}
			struct dxgt_record e = {0};
			e.type = DXGT_REC_ENTER;
			e.seq = ++seq;
			e.time_ns = 1000 * seq;
			e.parent_seq = layer == DXGT_LAYER_IOCTL ? seq - 1 : 0;
			e.tid = 7 + (uint32_t)(seq % 3);
			e.layer = (uint8_t)layer;
			e.call_id = d->id;
			e.code = layer == DXGT_LAYER_IOCTL ? d->ioctl_code : 0;
			e.fd = layer == DXGT_LAYER_IOCTL ? 5 : -1;
			e.args = args[0];
			e.args_len = size;
			e.bufs = bufs;
			e.n_bufs = nb;
			e.frames = frames;
			e.n_frames = (uint16_t)(seq % 4);
			assert_int_equal(dxgt_writer_add(w, &e), 0);
			list_add(l, &e);
			struct dxgt_record v = {0};
			v.type = DXGT_REC_LEAVE;
			v.flags = layer == DXGT_LAYER_D3DKMT ? DXGT_LEAVE_STATUS : 0;
			v.seq = seq;
			v.time_ns = 1000 * seq + 500;
			v.tid = e.tid;
			v.layer = (uint8_t)layer;
			v.call_id = d->id;
			v.ret = layer == DXGT_LAYER_D3DKMT ? (int32_t)0xC0000023 : -1;
			v.err = layer == DXGT_LAYER_IOCTL ? 75 : 0;
			v.status = layer == DXGT_LAYER_D3DKMT ? 0xC0000023 : 0;
			v.args = args[1];
			v.args_len = size;
			v.bufs = bufs;
			v.n_bufs = (uint16_t)(nb / 2);
			assert_int_equal(dxgt_writer_add(w, &v), 0);
			list_add(l, &v);
		}
	}
	struct dxgt_meta_field f[4] = {
	    {"pid", DXGT_VAL_U64, 4242, NULL, 0},
	    {"exe", DXGT_VAL_STR, 0, (const uint8_t *)"/bin/x", 6},
	    {"build_id", DXGT_VAL_BYTES, 0, (const uint8_t *)"\x01\x00\x02", 3},
	    {"delta", DXGT_VAL_I64, (uint64_t)-3, NULL, 0},
	};
	struct dxgt_record m = {0};
	m.type = DXGT_REC_META;
	m.meta_kind = DXGT_META_PROCESS;
	m.fields = f;
	m.n_fields = 4;
	assert_int_equal(dxgt_writer_add(w, &m), 0);
	list_add(l, &m);
	struct dxgt_record u = {0};
	u.type = 0x4242;
	u.raw = (const uint8_t *)"future";
	u.raw_len = 6;
	assert_int_equal(dxgt_writer_add(w, &u), 0);
	list_add(l, &u);
}

/* Read path (or memory) and compare every record with the list; returns the
 * number of records read. */
static size_t read_and_compare(struct dxgt_reader *r, const struct list *l)
{
	const struct dxgt_record *rec;
	size_t i = 0;
	int rc;
	while ((rc = dxgt_reader_next(r, &rec)) > 0) {
		assert_true(i < l->n);
		/* The decoded view re-encodes to exactly the bytes written. */
		assert_int_equal(rec->raw_len, l->v[i].len);
		assert_memory_equal(rec->raw, l->v[i].bytes, l->v[i].len);
		if (rec->type == DXGT_REC_ENTER || rec->type == DXGT_REC_LEAVE ||
		    rec->type == DXGT_REC_META) {
			uint8_t *again = malloc(l->v[i].len);
			size_t need = 0;
			assert_int_equal(dxgt_record_encode(rec, again, l->v[i].len, &need), 0);
			assert_int_equal(need, l->v[i].len);
			assert_memory_equal(again, l->v[i].bytes, need);
			free(again);
		}
		i++;
	}
	assert_int_equal(rc, 0);
	return i;
}

static void round_trip(bool compress, uint32_t chunk)
{
	struct list l = {0};
	struct dxgt_writer *w;
	struct dxgt_writer_opts o = {.chunk_bytes = chunk, .no_compress = !compress};
	assert_int_equal(dxgt_writer_open(&w, tmp_path("rt.dxgt"), &o), 0);
	write_every_row(w, &l);
	assert_int_equal(dxgt_writer_close(w), 0);

	struct stat sb;
	assert_int_equal(stat(tmp_path("rt.dxgt"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	struct dxgt_reader *r;
	assert_int_equal(dxgt_reader_open(&r, tmp_path("rt.dxgt")), 0);
	assert_int_equal(read_and_compare(r, &l), l.n);
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	assert_true(st->complete);
	assert_true(st->has_index);
	assert_int_equal(st->stop_error, 0);
	assert_int_equal(st->unknown, 1);
	assert_int_equal(st->records, l.n);
	if (chunk && chunk < 4096)
		assert_true(st->chunks > 10);
	else
		assert_int_equal(st->chunks, 1);
	dxgt_reader_close(r);
	list_free(&l);
}

static void every_row_round_trips(void **state)
{
	(void)state;
	round_trip(true, 0);
	round_trip(false, 0);
	round_trip(true, 1500);
}

/* A small trace of several chunks, its records and chunk boundaries. */
static bool small_stored; /* write small_trace's chunks uncompressed */

static uint8_t *small_trace(struct list *l, size_t *len, bool no_index)
{
	struct dxgt_writer *w;
	struct dxgt_writer_opts o = {
	    .chunk_bytes = 400, .no_index = no_index, .no_compress = small_stored};
	assert_int_equal(dxgt_writer_open(&w, tmp_path("small.dxgt"), &o), 0);
	const struct dxgt_call_desc *d = dxgt_call_by_name("Escape");
	uint8_t args[32] = {0}, payload[64];
	for (uint64_t s = 1; s <= 12; s++) {
		rnd_fill(payload, sizeof(payload));
		struct dxgt_rec_buf b = {0, DXGT_BUF_NODESC, 0, 0, 0, 64, 64, 0x1000, payload};
		struct dxgt_record e = {.type = DXGT_REC_ENTER,
					.seq = s,
					.time_ns = s,
					.tid = 1,
					.layer = DXGT_LAYER_IOCTL,
					.call_id = d->id,
					.code = d->ioctl_code,
					.fd = 3,
					.args = args,
					.args_len = 32,
					.bufs = &b,
					.n_bufs = 1};
		struct dxgt_record v = {.type = DXGT_REC_LEAVE,
					.seq = s,
					.time_ns = s + 1,
					.tid = 1,
					.layer = DXGT_LAYER_IOCTL,
					.call_id = d->id,
					.ret = -1,
					.err = 75,
					.args = args,
					.args_len = 32};
		assert_int_equal(dxgt_writer_add(w, &e), 0);
		list_add(l, &e);
		assert_int_equal(dxgt_writer_add(w, &v), 0);
		list_add(l, &v);
	}
	assert_int_equal(dxgt_writer_close(w), 0);
	return slurp(tmp_path("small.dxgt"), len);
}

/* Chunk boundaries: the file offset after each complete record chunk, and
 * how many records the chunks up to it hold. */
static size_t chunk_ends(const uint8_t *b, size_t len, size_t *ends, size_t *counts, size_t max)
{
	size_t off = 32, n = 0, recs = 0;
	while (off + 40 <= len && memcmp(b + off, "DXGC", 4) == 0 && n < max) {
		uint32_t stored = (uint32_t)dxgt__get_le(b, off + 8, 4);
		if (b[off + 4] != 1)
			break;
		recs += (uint32_t)dxgt__get_le(b, off + 16, 4);
		off += 40 + stored;
		ends[n] = off;
		counts[n++] = recs;
	}
	return n;
}

static void truncation_at_every_offset(void **state)
{
	(void)state;
	struct list l = {0};
	size_t len;
	uint8_t *full = small_trace(&l, &len, false);
	size_t ends[64], counts[64];
	size_t nch = chunk_ends(full, len, ends, counts, 64);
	assert_true(nch >= 4);
	for (size_t cut = 0; cut < len; cut++) {
		struct dxgt_reader *r;
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, full, cut);
		int rc = dxgt_reader_open_mem(&r, copy, cut);
		if (cut == 0) {
			assert_int_equal(rc, DXGT_E_EMPTY);
		} else if (cut < 32) {
			assert_int_equal(rc, DXGT_E_TRUNCATED);
		} else {
			assert_int_equal(rc, 0);
			size_t got = read_and_compare(r, &l);
			size_t expect = 0;
			for (size_t k = 0; k < nch; k++)
				if (ends[k] <= cut)
					expect = counts[k];
			/* Every complete chunk, and nothing of an incomplete one. */
			assert_int_equal(got, expect);
			const struct dxgt_read_state *st = dxgt_reader_state(r);
			assert_false(st->complete);
			assert_int_equal(st->stop_error, DXGT_E_TRUNCATED);
			assert_true(st->stop_reason[0] != '\0');
			dxgt_reader_close(r);
		}
		free(copy);
	}
	list_free(&l);
	free(full);
}

static void every_flipped_bit_is_caught(void **state)
{
	(void)state;
	struct list l = {0};
	size_t len;
	uint8_t *full = small_trace(&l, &len, false);
	for (size_t pos = 0; pos < len; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			full[pos] ^= (uint8_t)(1u << bit);
			struct dxgt_reader *r;
			int rc = dxgt_reader_open_mem(&r, full, len);
			if (pos < 32) {
				/* Magic, version, or the header checksum: refused. */
				assert_true(rc == DXGT_E_MAGIC || rc == DXGT_E_VERSION ||
					    rc == DXGT_E_CHECKSUM);
			} else {
				assert_int_equal(rc, 0);
				/* Never a damaged record: only an exact prefix. */
				size_t got = read_and_compare(r, &l);
				const struct dxgt_read_state *st = dxgt_reader_state(r);
				assert_false(st->complete);
				assert_true(st->stop_error != 0);
				assert_true(got <= l.n);
				dxgt_reader_close(r);
			}
			full[pos] ^= (uint8_t)(1u << bit);
		}
	}
	list_free(&l);
	free(full);
}

static void magic_version_and_empty(void **state)
{
	(void)state;
	struct list l = {0};
	size_t len;
	uint8_t *b = small_trace(&l, &len, false);
	struct dxgt_reader *r;
	assert_int_equal(dxgt_reader_open_mem(&r, b, 0), DXGT_E_EMPTY);
	assert_int_equal(dxgt_reader_open_mem(&r, "hello world, this is not a trace at all", 39),
			 DXGT_E_MAGIC);
	/* A future major version is refused, even with a valid header. */
	uint8_t *v2 = malloc(len);
	memcpy(v2, b, len);
	dxgt__put_le(v2, 8, 2, 2);
	dxgt__put_le(v2, 28, dxgt__crc32(0, v2, 28), 4);
	assert_int_equal(dxgt_reader_open_mem(&r, v2, len), DXGT_E_VERSION);
	/* A newer minor with a longer header is read: its extra bytes skipped. */
	uint8_t *v11 = malloc(len + 16);
	memcpy(v11, b, 32);
	memset(v11 + 32, 0xee, 16);
	memcpy(v11 + 48, b + 32, len - 32);
	dxgt__put_le(v11, 10, 1, 2);
	dxgt__put_le(v11, 12, 48, 4);
	dxgt__put_le(v11, 28, dxgt__crc32(0, v11, 28), 4);
	assert_int_equal(dxgt_reader_open_mem(&r, v11, len + 16), 0);
	assert_int_equal(dxgt_reader_state(r)->minor, 1);
	assert_int_equal(read_and_compare(r, &l), l.n);
	/* The index names chunks by offset: shifted, it no longer matches. */
	assert_false(dxgt_reader_state(r)->complete);
	dxgt_reader_close(r);
	/* A missing file. */
	assert_int_equal(dxgt_reader_open(&r, tmp_path("nope.dxgt")), DXGT_E_NOTFOUND);
	free(v11);
	free(v2);
	free(b);
	list_free(&l);
}

static void no_index_reads_as_unfinished(void **state)
{
	(void)state;
	struct list l = {0};
	size_t len;
	uint8_t *b = small_trace(&l, &len, true);
	struct dxgt_reader *r;
	assert_int_equal(dxgt_reader_open_mem(&r, b, len), 0);
	assert_int_equal(read_and_compare(r, &l), l.n);
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	assert_false(st->complete);
	assert_int_equal(st->stop_error, DXGT_E_TRUNCATED);
	assert_non_null(strstr(st->stop_reason, "did not finish"));
	dxgt_reader_close(r);
	free(b);
	list_free(&l);
}

static void encode_limits(void **state)
{
	(void)state;
	uint8_t small[16];
	size_t need = 0;
	struct dxgt_record e = {
	    .type = DXGT_REC_ENTER, .seq = 1, .args_len = 100, .args = (const uint8_t *)small};
	assert_int_equal(dxgt_record_encode(&e, small, sizeof(small), &need), DXGT_E_TOOBIG);
	assert_int_equal(need, 8 + 56 + 100);
	e.n_frames = DXGT_MAX_FRAMES + 1;
	assert_int_equal(dxgt_record_encode(&e, small, sizeof(small), &need), DXGT_E_INVAL);
	struct dxgt_writer *w;
	assert_int_equal(dxgt_writer_open(&w, tmp_path("x.dxgt"), NULL), 0);
	struct dxgt_record zero = {.type = DXGT_REC_ENTER, .seq = 0};
	assert_int_equal(dxgt_writer_add(w, &zero), DXGT_E_INVAL);
	/* Framing is checked for pre-encoded bytes. */
	assert_int_equal(dxgt_writer_add_encoded(w, "\x01\x00\x00\x00\xff\x00\x00\x00", 8),
			 DXGT_E_INVAL);
	assert_int_equal(dxgt_writer_close(w), 0);
	assert_int_equal(dxgt_writer_close(NULL), 0);
	dxgt_reader_close(NULL);
}

/* ---- the pairer ---- */

static void add_call(struct dxgt_writer *w, uint64_t seq, uint32_t tid, bool leave)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name("Escape");
	uint8_t args[32] = {0};
	args[0] = (uint8_t)seq;
	struct dxgt_record e = {.type = DXGT_REC_ENTER,
				.seq = seq,
				.time_ns = seq * 10,
				.tid = tid,
				.layer = DXGT_LAYER_D3DKMT,
				.call_id = d->id,
				.args = args,
				.args_len = 32};
	assert_int_equal(dxgt_writer_add(w, &e), 0);
	if (leave) {
		struct dxgt_record v = {.type = DXGT_REC_LEAVE,
					.seq = seq,
					.time_ns = seq * 10 + 5,
					.tid = tid,
					.layer = DXGT_LAYER_D3DKMT,
					.call_id = d->id,
					.args = args,
					.args_len = 32};
		assert_int_equal(dxgt_writer_add(w, &v), 0);
	}
}

static void add_leave(struct dxgt_writer *w, uint64_t seq)
{
	uint8_t args[32] = {0};
	struct dxgt_record v = {.type = DXGT_REC_LEAVE,
				.seq = seq,
				.tid = 1,
				.layer = DXGT_LAYER_D3DKMT,
				.call_id = 0x0d,
				.args = args,
				.args_len = 32};
	assert_int_equal(dxgt_writer_add(w, &v), 0);
}

static void pairer_orders_by_sequence(void **state)
{
	(void)state;
	struct dxgt_writer *w;
	assert_int_equal(dxgt_writer_open(&w, tmp_path("p.dxgt"), NULL), 0);
	/* Three threads' batches, written one after the other: sequence numbers
	 * interleave in the file. Call 4 never returns; 9's leave comes late. */
	add_call(w, 1, 10, true);
	add_call(w, 4, 10, false);
	add_call(w, 7, 10, true);
	add_call(w, 2, 20, true);
	add_call(w, 5, 20, true);
	add_call(w, 8, 20, true);
	add_call(w, 3, 30, true);
	add_call(w, 6, 30, true);
	add_call(w, 9, 30, false);
	add_leave(w, 9);
	add_leave(w, 77); /* a leave without an enter */
	assert_int_equal(dxgt_writer_close(w), 0);

	struct dxgt_reader *r;
	struct dxgt_pairer *p;
	struct dxgt_call c;
	assert_int_equal(dxgt_reader_open(&r, tmp_path("p.dxgt")), 0);
	assert_int_equal(dxgt_pairer_new(&p, r, 0), 0);
	for (uint64_t s = 1; s <= 9; s++) {
		assert_int_equal(dxgt_pairer_next(p, &c), 1);
		assert_int_equal(c.enter->seq, s);
		assert_int_equal(c.enter->args[0], s);
		assert_non_null(c.desc);
		if (s == 4) {
			assert_null(c.leave);
		} else {
			assert_non_null(c.leave);
			assert_int_equal(c.leave->seq, s);
		}
	}
	assert_int_equal(dxgt_pairer_next(p, &c), 0);
	assert_int_equal(dxgt_pairer_orphans(p), 1);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);

	/* With a window of 2, call 4 is handed out unfinished before its
	 * (missing) leave could arrive, and order still holds. */
	assert_int_equal(dxgt_reader_open(&r, tmp_path("p.dxgt")), 0);
	assert_int_equal(dxgt_pairer_new(&p, r, 2), 0);
	uint64_t last = 0, n = 0;
	while (dxgt_pairer_next(p, &c) > 0) {
		assert_true(c.enter->seq > last);
		last = c.enter->seq;
		n++;
	}
	assert_true(n >= 7);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
}

/* Write one pre-encoded record (framing only is checked on the way in) and
 * return how the reader judges its chunk. */
static int judge(const uint8_t *rec, size_t len, const struct dxgt_record **out,
		 struct dxgt_reader **rp)
{
	struct dxgt_writer *w;
	assert_int_equal(dxgt_writer_open(&w, tmp_path("j.dxgt"), NULL), 0);
	assert_int_equal(dxgt_writer_add_encoded(w, rec, len), 0);
	assert_int_equal(dxgt_writer_close(w), 0);
	assert_int_equal(dxgt_reader_open(rp, tmp_path("j.dxgt")), 0);
	int rc = dxgt_reader_next(*rp, out);
	return rc == 1 ? 0 : dxgt_reader_state(*rp)->stop_error;
}

static size_t meta_bytes(uint8_t *buf, const char *key, uint8_t type, const char *val)
{
	struct dxgt_meta_field f = {key, type, 7, (const uint8_t *)val, val ? strlen(val) : 0};
	struct dxgt_record m = {.type = DXGT_REC_META, .meta_kind = 1, .fields = &f, .n_fields = 1};
	size_t n = 0;
	assert_int_equal(dxgt_record_encode(&m, buf, 256, &n), 0);
	return n;
}

static void records_are_strictly_formed(void **state)
{
	(void)state;
	uint8_t b[256];
	const struct dxgt_record *rec;
	struct dxgt_reader *r;

	/* Well-formed, then the same record with a padding byte. */
	size_t n = meta_bytes(b, "exe", DXGT_VAL_STR, "/bin/x");
	assert_int_equal(judge(b, n, &rec, &r), 0);
	assert_int_equal(rec->fields[0].type, DXGT_VAL_STR);
	dxgt_reader_close(r);
	b[n] = 0;
	dxgt__put_le(b, 4, n + 1, 4);
	assert_int_equal(judge(b, n + 1, &rec, &r), DXGT_E_CORRUPT);
	dxgt_reader_close(r);

	/* A key that is not printable ASCII. */
	n = meta_bytes(b, "e e", DXGT_VAL_U64, NULL);
	assert_int_equal(judge(b, n, &rec, &r), DXGT_E_CORRUPT);
	dxgt_reader_close(r);

	/* A repeated key. */
	struct dxgt_meta_field two[2] = {{"k", DXGT_VAL_U64, 1, NULL, 0},
					 {"k", DXGT_VAL_U64, 2, NULL, 0}};
	struct dxgt_record m = {
	    .type = DXGT_REC_META, .meta_kind = 1, .fields = two, .n_fields = 2};
	assert_int_equal(dxgt_record_encode(&m, b, sizeof(b), &n), 0);
	assert_int_equal(judge(b, n, &rec, &r), DXGT_E_CORRUPT);
	dxgt_reader_close(r);

	/* A string that is not UTF-8 is read as bytes. */
	n = meta_bytes(b, "path", DXGT_VAL_STR, "/tmp/\xff\xfe");
	assert_int_equal(judge(b, n, &rec, &r), 0);
	assert_int_equal(rec->fields[0].type, DXGT_VAL_BYTES);
	assert_int_equal(rec->fields[0].len, 7);
	dxgt_reader_close(r);

	/* A buffer of level 2. */
	struct dxgt_rec_buf buf = {0, DXGT_BUF_NODESC, 2, 0, 0, 1, 1, 0, (const uint8_t *)"x"};
	struct dxgt_record e = {.type = DXGT_REC_ENTER, .seq = 1, .bufs = &buf, .n_bufs = 1};
	assert_int_equal(dxgt_record_encode(&e, b, sizeof(b), &n), 0);
	assert_int_equal(judge(b, n, &rec, &r), DXGT_E_CORRUPT);
	dxgt_reader_close(r);
}

static void index_and_frames_are_checked(void **state)
{
	(void)state;
	struct list l = {0};
	size_t len;
	small_stored = true;
	uint8_t *b = small_trace(&l, &len, false);
	small_stored = false;
	struct dxgt_reader *r;
	/* Find the (stored) index chunk through the trailer, change its first
	 * entry's first_seq and recompute its checksums: the chunks all read,
	 * but the file is no longer complete. */
	uint64_t at = dxgt__get_le(b, len - 8, 8);
	uint8_t *h = b + at;
	assert_memory_equal(h, "DXGC", 4);
	assert_int_equal(h[5], 0);
	{
		uint8_t *payload = h + 40;
		dxgt__put_le(payload, 8, dxgt__get_le(payload, 8, 8) + 1, 8);
		uint32_t stored = (uint32_t)dxgt__get_le(h, 8, 4);
		dxgt__put_le(h, 20, dxgt__crc32(0, payload, stored), 4);
		dxgt__put_le(h, 36, dxgt__crc32(0, h, 36), 4);
		assert_int_equal(dxgt_reader_open_mem(&r, b, len), 0);
		assert_int_equal(read_and_compare(r, &l), l.n);
		assert_false(dxgt_reader_state(r)->complete);
		assert_int_equal(dxgt_reader_state(r)->stop_error, DXGT_E_CORRUPT);
		dxgt_reader_close(r);
	}
	/* Two zstd frames in one chunk: refused, though both decompress. */
	free(b);
	list_free(&l);
	struct dxgt_writer *w;
	assert_int_equal(dxgt_writer_open(&w, tmp_path("j.dxgt"), NULL), 0);
	assert_int_equal(dxgt_writer_close(w), 0);
	size_t n;
	uint8_t *hdr = slurp(tmp_path("j.dxgt"), &n);
	uint8_t raw[64], z[256];
	size_t rn = meta_bytes(raw, "k", DXGT_VAL_U64, NULL);
	size_t z1 = ZSTD_compress(z, sizeof(z), raw, rn / 2, 1);
	size_t z2 = ZSTD_compress(z + z1, sizeof(z) - z1, raw + rn / 2, rn - rn / 2, 1);
	uint8_t file[512];
	memcpy(file, hdr, 32);
	uint8_t *c = file + 32;
	memset(c, 0, 40);
	memcpy(c, "DXGC", 4);
	c[4] = 1;
	c[5] = 1;
	dxgt__put_le(c, 8, z1 + z2, 4);
	dxgt__put_le(c, 12, rn, 4);
	dxgt__put_le(c, 16, 1, 4);
	memcpy(c + 40, z, z1 + z2);
	dxgt__put_le(c, 20, dxgt__crc32(0, c + 40, z1 + z2), 4);
	dxgt__put_le(c, 36, dxgt__crc32(0, c, 36), 4);
	assert_int_equal(dxgt_reader_open_mem(&r, file, 32 + 40 + z1 + z2), 0);
	const struct dxgt_record *rec;
	assert_int_equal(dxgt_reader_next(r, &rec), 0);
	assert_int_equal(dxgt_reader_state(r)->stop_error, DXGT_E_COMPRESS);
	dxgt_reader_close(r);
	free(hdr);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"rt.dxgt", "small.dxgt", "x.dxgt", "p.dxgt", "j.dxgt"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmp_path(names[i]));
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_row_round_trips),
	    cmocka_unit_test(truncation_at_every_offset),
	    cmocka_unit_test(every_flipped_bit_is_caught),
	    cmocka_unit_test(magic_version_and_empty),
	    cmocka_unit_test(no_index_reads_as_unfinished),
	    cmocka_unit_test(encode_limits),
	    cmocka_unit_test(pairer_orders_by_sequence),
	    cmocka_unit_test(records_are_strictly_formed),
	    cmocka_unit_test(index_and_frames_are_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
