// SPDX-License-Identifier: MIT
/*
 * mkdiff: writes deterministic synthetic traces for the diff tests: one
 * base sequence shaped like the NPU probe (enumerate, open, query, create a
 * device, escapes, a context, tear down), and variants of it with one
 * planted divergence each. Every byte depends only on the arguments.
 *
 *   mkdiff [OPTIONS] VARIANT FILE
 *
 * Variants (each changes block 0 only, block --at N, or every --every K-th
 * block):
 *   base      the sequence as it is
 *   status    the 64-byte escape fails: 0xC0000023 / -1 EOVERFLOW
 *   payload   the 64-byte escape's input payload differs at byte 12
 *   argument  the 64-byte escape is sent with type 1 instead of 0
 *   output    the 568-byte escape's reply differs at byte 40
 *   missing   the QueryAdapterInfo type 1 of the block is not made
 *   extra     QueryAdapterInfo type 15 is asked once more
 *   reorder   the two QueryAdapterInfo calls of the block are swapped
 *   noreturn  the 568-byte escape never returns
 * Options:
 *   --layers both|d3dkmt|ioctl  layers recorded (default both: each D3DKMT
 *                               call followed by the ioctl it issues)
 *   --handles BASE   first handle value (default 0x40000000)
 *   --luid N         the adapter's LUID (default 0x123ab)
 *   --repeat N       blocks of queries, escapes and a context (default 1)
 *   --every K        plant the variant in every K-th block, not just block 0
 *   --at N           plant the variant in block N instead of block 0 (for a
 *                    divergence near the end of a long trace: bench/run)
 *   --chunk BYTES    raw bytes per chunk (default the writer's)
 *   --legacy         open with the D3DKMT-only EnumAdapters (its ioctl is
 *                    EnumAdapters2), for views across layers
 *   --os windows|linux
 *                    write a host record naming that system (windows: the
 *                    D3DKMT layer only, as an imported capture) and answer
 *                    as it does: the adapter type (type 15) as the host
 *                    gives it or as the guest rewrites it, and a
 *                    driver-store path query (type 48) in that system's
 *                    QUERYREGISTRY layout and folder
 *   --device ID      the PCI device id type 31 answers (default 0x7D1D)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/crossos.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"

#define CB_PROG "mkdiff"
#include "../lib/callbuild.h"

enum { BOTH, KMT, IOCTL };

static struct dxgt_writer *w;
static uint64_t seq, clock_ns = 1000000;
static int layers = BOTH;
static uint32_t next_handle = 0x40000000;
static uint64_t luid = 0x123ab;
static const char *os_name; /* --os */
static uint32_t device_id = 0x7D1D;

static void die(const char *what, int rc)
{
	fprintf(stderr, "mkdiff: %s: %s\n", what, dxgt_strerror(rc));
	exit(2);
}

static void add(const struct dxgt_record *r)
{
	int rc = dxgt_writer_add(w, r);
	if (rc < 0)
		die("write", rc);
}

/* Buffers at Linux-like user addresses. */
static void buf(struct cb_call *c, const char *name, const uint8_t *in, const uint8_t *out,
		uint32_t len)
{
	cb_buf(c, name, in, out, len, 0x7f0000010000ull);
}

static void record(struct cb_call *c, uint8_t layer, uint64_t s, uint64_t parent, int enter,
		   int64_t ret, int err, uint32_t status)
{
	struct dxgt_record r = {0};
	r.type = enter ? DXGT_REC_ENTER : DXGT_REC_LEAVE;
	r.seq = s;
	r.time_ns = clock_ns += 1000;
	r.parent_seq = enter ? parent : 0;
	r.tid = 300;
	r.layer = layer;
	r.call_id = c->d->id;
	r.code = layer == DXGT_LAYER_IOCTL ? c->d->ioctl_code : 0;
	r.fd = layer == DXGT_LAYER_IOCTL ? 3 : -1;
	r.args = enter ? c->in : c->out;
	r.args_len = c->size;
	r.bufs = enter ? c->bin : c->bout;
	r.n_bufs = enter ? c->nin : c->nout;
	if (!enter) {
		r.ret = ret;
		r.err = err;
		r.status = status;
		r.flags = layer == DXGT_LAYER_D3DKMT ? DXGT_LEAVE_STATUS : 0;
	}
	add(&r);
}

/* Emit the call at the recorded layers: a D3DKMT call and the ioctl it
 * issues (the same struct: every call with an ioctl has one layout), or
 * one of them. status 0 succeeds; else the ioctl fails with err. */
static void emit(struct cb_call *c, uint32_t status, int err, int returns)
{
	int kmt = layers != IOCTL, io = layers != KMT && c->d->ioctl_name;
	uint64_t sk = kmt ? ++seq : 0, si = io ? ++seq : 0;
	if (kmt)
		record(c, DXGT_LAYER_D3DKMT, sk, 0, 1, 0, 0, 0);
	if (io)
		record(c, DXGT_LAYER_IOCTL, si, sk, 1, 0, 0, 0);
	if (!returns)
		return;
	if (io)
		record(c, DXGT_LAYER_IOCTL, si, 0, 0, status ? -1 : 0, status ? err : 0, 0);
	if (kmt)
		record(c, DXGT_LAYER_D3DKMT, sk, 0, 0, (int32_t)status, 0, status);
}

static uint32_t new_handle(void)
{
	return next_handle += 0x40;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u);
}

static void query(uint32_t adapter, uint32_t type, uint32_t len)
{
	struct cb_call c;
	uint8_t in[64] = {0}, out[64];
	fill(out, len, type);
	if (type == 31) { /* the physical adapter's PCI ids: 8086:7D1D */
		cb_put(out, 4, 4, 0x8086);
		cb_put(out, 8, 4, device_id);
	}
	if (type == 15 && os_name) /* render; the host adds display, the guest paravirtualized */
		cb_put(out, 0, 4, strcmp(os_name, "windows") == 0 ? 0x3 : 0x81);
	cb_begin(&c, "QueryAdapterInfo");
	cb_set(&c, "adapter", adapter, 0);
	cb_set(&c, "type", type, 0);
	buf(&c, "private_data", in, out, len);
	emit(&c, 0, 0, 1);
}

/* QueryAdapterInfo type 48, the driver-store path, in the layout and
 * folder of --os. */
static void query_store(uint32_t adapter)
{
	static const char win[] = "C:\\Windows\\System32\\DriverStore\\FileRepository\\"
				  "npu.inf_amd64_4d2c\\";
	static const char lin[] = "/usr/lib/wsl/drivers/npu.inf_amd64_4d2c/";
	bool on_win = strcmp(os_name, "windows") == 0;
	enum dxgt_os os = on_win ? DXGT_OS_WINDOWS : DXGT_OS_LINUX;
	const char *path = on_win ? win : lin;
	size_t unit = on_win ? 2 : 4, n = strlen(path) + 1;
	struct dxgt_qr q = {.query_type = DXGT_QR_DRIVERSTORE, .layout = os};
	static uint8_t in[2048], out[2048], val[512];
	size_t len;
	memset(val, 0, sizeof(val));
	q.value = val; /* the caller's room for the path, empty */
	q.value_len = n * unit;
	if (dxgt_qr_encode(&q, os, in, sizeof(in), &len) < 0)
		die("QUERYREGISTRY", DXGT_E_TOOBIG);
	for (size_t i = 0; i < n; i++)
		cb_put(val, (uint32_t)(i * unit), (unsigned)unit, (uint8_t)path[i]);
	q.value_type = 1; /* REG_SZ */
	q.out_size = (uint32_t)(n * unit);
	if (dxgt_qr_encode(&q, os, out, sizeof(out), &len) < 0)
		die("QUERYREGISTRY", DXGT_E_TOOBIG);
	struct cb_call c;
	cb_begin(&c, "QueryAdapterInfo");
	cb_set(&c, "adapter", adapter, 0);
	cb_set(&c, "type", DXGT_QAI_QUERYREGISTRY, 0);
	buf(&c, "private_data", in, out, (uint32_t)len);
	emit(&c, 0, 0, 1);
}

static void escape(uint32_t adapter, uint32_t device, uint32_t type, uint32_t len, int poke_in,
		   int poke_out, uint32_t status, int returns)
{
	struct cb_call c;
	static uint8_t in[1024], out[1024];
	fill(in, len, len);
	memcpy(out, in, len);
	if (len >= 16)
		fill(out, 16, 77); /* the driver's reply header */
	if (poke_in >= 0)
		in[poke_in] ^= 0xff;
	if (poke_out >= 0)
		out[poke_out] ^= 0x5a;
	cb_begin(&c, "Escape");
	cb_set(&c, "adapter", adapter, 0);
	cb_set(&c, "device", device, 0);
	cb_set(&c, "type", type, 0);
	if (len)
		buf(&c, "priv_drv_data", in, out, len);
	emit(&c, status, status ? 75 : 0, returns);
}

static void sequence(const char *variant, unsigned repeat, unsigned every, unsigned at, int legacy)
{
	struct cb_call c;
	uint32_t a1 = new_handle(), a2 = new_handle(), dev = new_handle();

	if (legacy) {
		cb_begin(&c, "EnumAdapters");
		int kmt = layers != IOCTL, io = layers != KMT;
		uint64_t sk = kmt ? ++seq : 0, si = io ? ++seq : 0;
		struct cb_call c2;
		cb_begin(&c2, "EnumAdapters2");
		if (kmt)
			record(&c, DXGT_LAYER_D3DKMT, sk, 0, 1, 0, 0, 0);
		if (io) {
			record(&c2, DXGT_LAYER_IOCTL, si, sk, 1, 0, 0, 0);
			record(&c2, DXGT_LAYER_IOCTL, si, 0, 0, 0, 0, 0);
		}
		if (kmt)
			record(&c, DXGT_LAYER_D3DKMT, sk, 0, 0, 0, 0, 0);
	}
	cb_begin(&c, "EnumAdapters3");
	cb_set(&c, "filter", 1, 0);
	cb_set(&c, "adapter_count", 1, 0);
	emit(&c, 0, 0, 1);

	cb_begin(&c, "EnumAdapters3");
	cb_set(&c, "filter", 1, 0);
	{
		const struct dxgt_buf_desc *b = &c.d->bufs[0];
		const struct dxgt_elem_desc *el = b->elem;
		uint8_t e[64] = {0};
		cb_put(e, el->handles[0].off, 4, a1);
		for (uint16_t i = 0; i < el->n_scalars; i++)
			if (el->scalars[i].fmt == DXGT_FMT_LUID)
				cb_put(e, el->scalars[i].off, 8, luid);
		buf(&c, "adapters", NULL, e, b->elem_size);
	}
	emit(&c, 0, 0, 1);

	cb_begin(&c, "OpenAdapterFromLuid");
	cb_set(&c, "adapter_luid", luid, 0);
	cb_set(&c, "adapter_handle", a2, 1);
	emit(&c, 0, 0, 1);

	query(a2, 31, 28);

	cb_begin(&c, "CreateDevice");
	cb_set(&c, "adapter", a2, 0);
	cb_set(&c, "device", dev, 1);
	emit(&c, 0, 0, 1);

	for (unsigned r = 0; r < repeat; r++) {
		int here = every ? r % every == 0 : r == at;
#define V(name) (here && strcmp(variant, name) == 0)
		if (V("reorder")) {
			query(a2, 1, 8);
			query(a2, 15, 4);
		} else {
			query(a2, 15, 4);
			if (os_name)
				query_store(a2);
			if (V("extra"))
				query(a2, 15, 4);
			if (!V("missing"))
				query(a2, 1, 8);
		}
		escape(a2, dev, 0, 0, -1, -1, 0, 1);
		escape(a2, dev, V("argument"), 64, V("payload") ? 12 : -1, -1,
		       V("status") ? 0xC0000023u : 0, 1);
		escape(a2, dev, 0, 568, -1, V("output") ? 40 : -1, 0, !V("noreturn"));
#undef V
		uint32_t ctx = new_handle();
		uint8_t priv[16];
		fill(priv, sizeof(priv), 16);
		cb_begin(&c, "CreateContextVirtual");
		cb_set(&c, "device", dev, 0);
		cb_set(&c, "context", ctx, 1);
		buf(&c, "priv_drv_data", priv, priv, sizeof(priv));
		emit(&c, 0, 0, 1);
		cb_begin(&c, "DestroyContext");
		cb_set(&c, "context", ctx, 0);
		emit(&c, 0, 0, 1);
	}

	cb_begin(&c, "DestroyDevice");
	cb_set(&c, "device", dev, 0);
	emit(&c, 0, 0, 1);
	cb_begin(&c, "CloseAdapter");
	cb_set(&c, "adapter_handle", a2, 0);
	emit(&c, 0, 0, 1);
	cb_begin(&c, "CloseAdapter");
	cb_set(&c, "adapter_handle", a1, 0);
	emit(&c, 0, 0, 1);
}

int main(int argc, char **argv)
{
	static const char *const variants[] = {"base",	  "status", "payload", "argument", "output",
					       "missing", "extra",  "reorder", "noreturn"};
	struct dxgt_writer_opts o = {0};
	unsigned repeat = 1, every = 0, at = 0;
	int legacy = 0, i = 1;
	o.created_unix_ns = 1767225600000000000ull;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--legacy") == 0) {
			legacy = 1;
			continue;
		}
		if (!v)
			break;
		if (strcmp(argv[i], "--layers") == 0)
			layers = strcmp(v, "d3dkmt") == 0  ? KMT
				 : strcmp(v, "ioctl") == 0 ? IOCTL
							   : BOTH;
		else if (strcmp(argv[i], "--handles") == 0)
			next_handle = (uint32_t)strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "--luid") == 0)
			luid = strtoull(v, NULL, 0);
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = (unsigned)strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "--chunk") == 0)
			o.chunk_bytes = (uint32_t)strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "--every") == 0)
			every = (unsigned)strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "--at") == 0)
			at = (unsigned)strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "--os") == 0)
			os_name = v;
		else if (strcmp(argv[i], "--device") == 0)
			device_id = (uint32_t)strtoul(v, NULL, 0);
		else
			break;
		i++;
	}
	int known = 0;
	for (size_t k = 0; argc - i == 2 && k < sizeof(variants) / sizeof(variants[0]); k++)
		known |= strcmp(argv[i], variants[k]) == 0;
	if (!known) {
		fprintf(stderr,
			"usage: mkdiff [--layers both|d3dkmt|ioctl] [--handles BASE] "
			"[--luid N] [--repeat N] [--every K] [--at N] [--chunk BYTES] [--legacy] "
			"[--os windows|linux] [--device ID] "
			"VARIANT FILE\n");
		return 2;
	}
	int rc = dxgt_writer_open(&w, argv[i + 1], &o);
	if (rc < 0)
		die(argv[i + 1], rc);
	if (os_name) {
		if (strcmp(os_name, "windows") == 0)
			layers = KMT;
		struct dxgt_meta_field f[] = {{.key = "os",
					       .type = DXGT_VAL_STR,
					       .data = (const uint8_t *)os_name,
					       .len = (uint32_t)strlen(os_name)}};
		struct dxgt_record m = {
		    .type = DXGT_REC_META, .meta_kind = DXGT_META_HOST, .fields = f, .n_fields = 1};
		add(&m);
	}
	sequence(argv[i], repeat, every, at, legacy);
	if ((rc = dxgt_writer_close(w)) < 0)
		die("close", rc);
	return 0;
}
