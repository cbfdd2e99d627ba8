// SPDX-License-Identifier: MIT
/*
 * mktrace: writes deterministic synthetic traces for the tests. Every byte
 * depends only on the arguments, so golden outputs stay stable.
 *
 *   mktrace all FILE      one call per descriptor row at both layers where
 *                         the row has both, nested buffers at both levels,
 *                         handles bound through creation calls, metadata,
 *                         an unknown record type, a call that never returned
 *   mktrace npu FILE      the NPU field report's sequence (D3DKMT + ioctl)
 *   mktrace small FILE    a few calls in several small chunks (truncation
 *                         and bit-flip tests)
 *   mktrace big N FILE    N escape calls (performance and window tests)
 * Options before the mode: --no-index, --no-compress, --chunk BYTES.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "dxgt/uapi.h"

static struct dxgt_writer *w;
static uint64_t seq, clock_ns = 1000000;
static uint32_t next_handle = 0x40000000;
static uint32_t created[16]; /* handles the last call created, by handle row */

static void die(const char *what, int rc)
{
	fprintf(stderr, "mktrace: %s: %s\n", what, dxgt_strerror(rc));
	exit(2);
}

static void add(const struct dxgt_record *r)
{
	int rc = dxgt_writer_add(w, r);
	if (rc < 0)
		die("write", rc);
}

static void put32(void *args, uint32_t off, uint32_t v)
{
	memcpy((uint8_t *)args + off, &v, 4);
}

static void put64(void *args, uint32_t off, uint64_t v)
{
	memcpy((uint8_t *)args + off, &v, 8);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u);
}

struct call_io {
	uint8_t in[1024], out[1024];
	uint32_t size;
	struct dxgt_rec_buf bin[16], bout[16];
	uint16_t nin, nout;
	uint8_t data[16][256];
};

/* Emit one call of descriptor d at layer: ENTER, then LEAVE unless
 * !returns. Handles of role OUT get fresh values; IN handles get a value
 * from the pool of the same kind when there is one. */
static uint64_t emit(const struct dxgt_call_desc *d, uint8_t layer, uint64_t parent, uint32_t tid,
		     int64_t ret, int err, uint32_t status, int has_status, int returns,
		     const uint32_t *pool)
{
	struct call_io io;
	memset(&io, 0, sizeof(io));
	io.size = dxgt_call_args_size(d, layer == DXGT_LAYER_IOCTL ? DXGT_LAYER_IOCTL
								   : DXGT_LAYER_D3DKMT);
	if (io.size > sizeof(io.in))
		io.size = sizeof(io.in);
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		uint32_t n = h->count_size ? (h->max < 2 ? h->max : 2) : 1;
		if (h->count_size)
			put32(io.in, h->count_off, n);
		for (uint32_t k = 0; k < n; k++)
			if (h->role != DXGT_ROLE_OUT && h->kind < DXGT_OBJ_COUNT && pool[h->kind])
				put32(io.in, h->off + k * h->stride, pool[h->kind]);
	}
	for (uint16_t i = 0; i < d->n_bufs && i < 8; i++) {
		const struct dxgt_buf_desc *b = &d->bufs[i];
		uint32_t count = b->elem_size > 64 ? 2 : 3;
		uint32_t bytes = count * b->elem_size;
		if (b->rule == DXGT_LEN_FIELD) {
			bytes = 24 + i;
			put32(io.in, b->len_off, bytes);
		} else if (b->rule == DXGT_LEN_COUNT) {
			put32(io.in, b->len_off, count);
		} else {
			bytes = b->fixed * b->elem_size;
		}
		if (bytes > sizeof(io.data[0]))
			bytes = sizeof(io.data[0]);
		uint64_t addr = 0x7f0000001000ull + 0x1000u * i;
		put64(io.in, b->ptr_off, addr);
		fill(io.data[i], bytes, d->id + i);
		struct dxgt_rec_buf rb = {i,	 DXGT_BUF_NODESC, 0,	0,	   0,
					  bytes, bytes,		  addr, io.data[i]};
		if (b->dir & DXGT_DIR_IN)
			io.bin[io.nin++] = rb;
		if (b->dir & DXGT_DIR_OUT)
			io.bout[io.nout++] = rb;
		/* Second level: one buffer inside element 1 of the array. */
		if (b->elem && b->elem->n_bufs && bytes >= 2 * b->elem_size) {
			const struct dxgt_buf_desc *eb = &b->elem->bufs[0];
			struct dxgt_rec_buf sb = {0,	      i, 1, 0, 1, 16, 16, 0x7f0000100000ull,
						  io.data[15]};
			fill(io.data[15], 16, 99);
			if (eb->dir & DXGT_DIR_IN)
				io.bin[io.nin++] = sb;
			if (eb->dir & DXGT_DIR_OUT)
				io.bout[io.nout++] = sb;
		}
	}
	memcpy(io.out, io.in, io.size);
	/* An ioctl issued by a D3DKMT call creates the handles that call
	 * returns: reuse them, as the real stack does. */
	for (uint16_t i = 0; i < d->n_handles && i < 16; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		if (h->role == DXGT_ROLE_OUT && !h->count_size) {
			if (!parent)
				created[i] = next_handle += 0x40;
			put32(io.out, h->off, created[i]);
		}
	}
	uint64_t s = ++seq;
	static const uint64_t frames[] = {0x555555554a10, 0x7ffff7a01234};
	struct dxgt_record e = {0};
	e.type = DXGT_REC_ENTER;
	e.seq = s;
	e.time_ns = clock_ns += 1500;
	e.parent_seq = parent;
	e.tid = tid;
	e.layer = layer;
	e.call_id = d->id;
	e.code = layer == DXGT_LAYER_IOCTL ? d->ioctl_code : 0;
	e.fd = layer == DXGT_LAYER_IOCTL ? 3 : -1;
	e.args = io.in;
	e.args_len = io.size;
	e.bufs = io.bin;
	e.n_bufs = io.nin;
	e.frames = layer == DXGT_LAYER_D3DKMT ? frames : NULL;
	e.n_frames = layer == DXGT_LAYER_D3DKMT ? 2 : 0;
	add(&e);
	if (!returns)
		return s;
	struct dxgt_record l = {0};
	l.type = DXGT_REC_LEAVE;
	l.flags = has_status ? DXGT_LEAVE_STATUS : 0;
	l.seq = s;
	l.time_ns = clock_ns += 2500;
	l.tid = tid;
	l.layer = layer;
	l.call_id = d->id;
	l.ret = ret;
	l.err = err;
	l.status = status;
	l.args = io.out;
	l.args_len = io.size;
	l.bufs = io.bout;
	l.n_bufs = io.nout;
	add(&l);
	return s;
}

static void meta(uint16_t kind, const struct dxgt_meta_field *f, uint16_t n)
{
	struct dxgt_record r = {0};
	r.type = DXGT_REC_META;
	r.meta_kind = kind;
	r.fields = f;
	r.n_fields = n;
	add(&r);
}

static void std_meta(void)
{
	static const uint8_t bid[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};
	struct dxgt_meta_field proc[] = {
	    {"pid", DXGT_VAL_U64, 4242, NULL, 0},
	    {"exe", DXGT_VAL_STR, 0, (const uint8_t *)"/usr/bin/npu-probe", 18},
	    {"start_unix_ns", DXGT_VAL_I64, (uint64_t)-5, NULL, 0},
	};
	struct dxgt_meta_field host[] = {
	    {"os", DXGT_VAL_STR, 0, (const uint8_t *)"linux", 5},
	    {"kernel", DXGT_VAL_STR, 0, (const uint8_t *)"6.6.87.2-microsoft-standard-WSL2", 32},
	    {"dxcore_build_id", DXGT_VAL_BYTES, 0, bid, sizeof(bid)},
	};
	meta(DXGT_META_PROCESS, proc, 3);
	meta(DXGT_META_HOST, host, 3);
}

static void unknown_record(void)
{
	static const uint8_t body[] = {1, 2, 3, 4, 5};
	struct dxgt_record r = {0};
	r.type = 0x7777;
	r.raw = body;
	r.raw_len = sizeof(body);
	add(&r);
}

static void mode_all(void)
{
	uint32_t pool[DXGT_OBJ_COUNT] = {0};
	std_meta();
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		uint64_t parent = 0;
		if (d->kmt_name)
			parent = emit(d, DXGT_LAYER_D3DKMT, 0, 100, 0, 0, 0, 1, 1, pool);
		if (d->ioctl_name)
			emit(d, DXGT_LAYER_IOCTL, parent, 100, 0, 0, 0, 0, 1, pool);
		for (uint16_t k = 0; k < d->n_handles && k < 16; k++)
			if (d->handles[k].role == DXGT_ROLE_OUT && !d->handles[k].count_size)
				pool[d->handles[k].kind] = created[k];
		if (i == 3)
			unknown_record();
	}
	/* A failing escape at both layers, and one that never returns. */
	const struct dxgt_call_desc *esc = dxgt_call_by_name("Escape");
	uint64_t p =
	    emit(esc, DXGT_LAYER_D3DKMT, 0, 101, (int32_t)0xC0000023, 0, 0xC0000023, 1, 1, pool);
	emit(esc, DXGT_LAYER_IOCTL, p, 101, -1, 75, 0, 0, 1, pool);
	emit(esc, DXGT_LAYER_D3DKMT, 0, 102, 0, 0, 0, 1, 0, pool);
}

static void mode_npu(void)
{
	uint32_t pool[DXGT_OBJ_COUNT] = {0};
	std_meta();
	static const char *const seqn[] = {
	    "EnumAdapters3", "OpenAdapterFromLuid", "CreateDevice", "Escape", "Escape",
	    "Escape",	     "CreateContextVirtual"};
	for (size_t i = 0; i < sizeof(seqn) / sizeof(seqn[0]); i++) {
		const struct dxgt_call_desc *d = dxgt_call_by_name(seqn[i]);
		int fail = i >= 4 && i <= 5;
		uint32_t st = fail ? 0xC0000023 : 0;
		uint64_t p = emit(d, DXGT_LAYER_D3DKMT, 0, 200, (int32_t)st, 0, st, 1, 1, pool);
		emit(d, DXGT_LAYER_IOCTL, p, 200, fail ? -1 : 0, fail ? 75 : 0, 0, 0, 1, pool);
		for (uint16_t k = 0; k < d->n_handles && k < 16; k++)
			if (d->handles[k].role == DXGT_ROLE_OUT && !d->handles[k].count_size)
				pool[d->handles[k].kind] = created[k];
	}
}

static void mode_big(unsigned long n)
{
	uint32_t pool[DXGT_OBJ_COUNT] = {0};
	pool[DXGT_OBJ_ADAPTER] = 0x40000040;
	const struct dxgt_call_desc *esc = dxgt_call_by_name("Escape");
	for (unsigned long i = 0; i < n; i++)
		emit(esc, DXGT_LAYER_IOCTL, 0, 300 + (uint32_t)(i % 4), 0, 0, 0, 0, 1, pool);
}

int main(int argc, char **argv)
{
	struct dxgt_writer_opts o = {0};
	o.created_unix_ns = 1767225600000000000ull; /* 2026-01-01T00:00:00Z */
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--no-index") == 0)
			o.no_index = true;
		else if (strcmp(argv[i], "--no-compress") == 0)
			o.no_compress = true;
		else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
			o.chunk_bytes = (uint32_t)strtoul(argv[++i], NULL, 0);
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: mktrace [--no-index] [--no-compress] [--chunk N] "
				"all|npu|small|big N FILE\n");
		return 2;
	}
	const char *mode = argv[i];
	const char *out = argv[argc - 1];
	if (strcmp(mode, "small") == 0 && !o.chunk_bytes)
		o.chunk_bytes = 600;
	int rc = dxgt_writer_open(&w, out, &o);
	if (rc < 0)
		die(out, rc);
	if (strcmp(mode, "all") == 0)
		mode_all();
	else if (strcmp(mode, "npu") == 0 || strcmp(mode, "small") == 0)
		mode_npu();
	else if (strcmp(mode, "big") == 0 && argc - i == 3)
		mode_big(strtoul(argv[i + 1], NULL, 0));
	else {
		fprintf(stderr, "mktrace: unknown mode %s\n", mode);
		return 2;
	}
	rc = dxgt_writer_close(w);
	if (rc < 0)
		die("close", rc);
	return 0;
}
