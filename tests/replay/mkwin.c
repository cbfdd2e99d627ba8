// SPDX-License-Identifier: MIT
/*
 * mkwin: writes a deterministic Windows capture for the cross-OS replay
 * tests, as `dxgtrace import frida` would: a host record naming Windows
 * x64, D3DKMT calls only, and the answers of a Windows host where the NPU
 * of the field report works:
 *
 *   EnumAdapters3 (count, then the list), OpenAdapterFromLuid with a LUID
 *   no WSL2 guest has, QueryAdapterInfo 31 (8086:7D1D), 15 (the host's
 *   adapter type: compute-only and display, not paravirtualized), 48 (the
 *   driver-store path, a Windows folder, in the 2-byte WCHAR layout),
 *   CreateDevice, escapes of 0, 64 (zeros) and 568 bytes that succeed and
 *   come back unchanged, then the teardown.
 *
 *   mkwin FILE
 *
 * Every byte depends only on this file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/crossos.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"

#define CB_PROG "mkwin"
#include "../lib/callbuild.h"

#define LUID 0x0000000100004567ull
#define A1 0xc0000a40u /* the enumeration's handle */
#define A2 0xc0000a80u /* OpenAdapterFromLuid's */
#define DEV 0xc0000ac0u

static const char store[] = "C:\\Windows\\System32\\DriverStore\\FileRepository\\"
			    "npu.inf_amd64_7d1d\\";

static struct dxgt_writer *w;
static uint64_t seq, clock_ns = 1000000;

static void die(const char *what, int rc)
{
	fprintf(stderr, "mkwin: %s: %s\n", what, dxgt_strerror(rc));
	exit(2);
}

/* The D3DKMT call name: Windows captures hold no bare ioctl. */
static void begin(struct cb_call *c, const char *name)
{
	cb_begin(c, name);
	if (!c->d->kmt_size)
		cb_die("no D3DKMT call %s", name);
}

/* Buffers at Windows-like user addresses. */
static void buf(struct cb_call *c, const char *name, const uint8_t *in, const uint8_t *out,
		uint32_t len)
{
	cb_buf(c, name, in, out, len, 0x000001d2a0010000ull);
}

/* The call at the D3DKMT layer, succeeding. */
static void emit(struct cb_call *c)
{
	struct dxgt_record r = {.type = DXGT_REC_ENTER,
				.seq = ++seq,
				.time_ns = clock_ns += 1000,
				.tid = 4242,
				.layer = DXGT_LAYER_D3DKMT,
				.call_id = c->d->id,
				.fd = -1,
				.args = c->in,
				.args_len = c->d->kmt_size,
				.bufs = c->bin,
				.n_bufs = c->nin};
	int rc = dxgt_writer_add(w, &r);
	r.type = DXGT_REC_LEAVE;
	r.time_ns = clock_ns += 1000;
	r.args = c->out;
	r.bufs = c->bout;
	r.n_bufs = c->nout;
	r.flags = DXGT_LEAVE_STATUS;
	if (rc == 0)
		rc = dxgt_writer_add(w, &r);
	if (rc < 0)
		die("write", rc);
}

static void query(uint32_t type, const uint8_t *out, uint32_t len)
{
	struct cb_call c;
	begin(&c, "QueryAdapterInfo");
	cb_set(&c, "adapter", A2, false);
	cb_set(&c, "type", type, false);
	buf(&c, "private_data", NULL, out, len);
	emit(&c);
}

/* QueryAdapterInfo 48, the driver-store path: room for MAX_PATH WCHARs. */
static void query_store(void)
{
	static uint8_t in[2048], out[2048], val[520];
	size_t n = strlen(store) + 1, len;
	struct dxgt_qr q = {.query_type = DXGT_QR_DRIVERSTORE, .layout = DXGT_OS_WINDOWS};
	q.value = val;
	q.value_len = sizeof(val);
	if (dxgt_qr_encode(&q, DXGT_OS_WINDOWS, in, sizeof(in), &len) < 0)
		die("QUERYREGISTRY", DXGT_E_TOOBIG);
	for (size_t i = 0; i < n; i++)
		cb_put(val, (uint32_t)(2 * i), 2, (uint8_t)store[i]);
	q.value_type = 1; /* REG_SZ */
	q.out_size = (uint32_t)(2 * n);
	if (dxgt_qr_encode(&q, DXGT_OS_WINDOWS, out, sizeof(out), &len) < 0)
		die("QUERYREGISTRY", DXGT_E_TOOBIG);
	struct cb_call c;
	begin(&c, "QueryAdapterInfo");
	cb_set(&c, "adapter", A2, false);
	cb_set(&c, "type", DXGT_QAI_QUERYREGISTRY, false);
	buf(&c, "private_data", in, out, (uint32_t)len);
	emit(&c);
}

static void escape(uint32_t len)
{
	static uint8_t data[1024];
	for (uint32_t i = 0; i < len; i++)
		data[i] = len == 64 ? 0 : (uint8_t)(0x40 + i * 7u); /* never starts 01000000 */
	struct cb_call c;
	begin(&c, "Escape");
	cb_set(&c, "adapter", A2, false);
	cb_set(&c, "device", DEV, false);
	if (len)
		buf(&c, "priv_drv_data", data, data, len);
	emit(&c);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkwin FILE\n");
		return 2;
	}
	struct dxgt_writer_opts o = {.created_unix_ns = 1767225600000000000ull};
	int rc = dxgt_writer_open(&w, argv[1], &o);
	if (rc < 0)
		die(argv[1], rc);
	struct dxgt_meta_field hf[] = {
	    {.key = "os", .type = DXGT_VAL_STR, .data = (const uint8_t *)"windows", .len = 7},
	    {.key = "arch", .type = DXGT_VAL_STR, .data = (const uint8_t *)"x64", .len = 3},
	    {.key = "layout", .type = DXGT_VAL_STR, .data = (const uint8_t *)"win64", .len = 5},
	};
	struct dxgt_record host = {
	    .type = DXGT_REC_META, .meta_kind = DXGT_META_HOST, .fields = hf, .n_fields = 3};
	if ((rc = dxgt_writer_add(w, &host)) < 0)
		die("write", rc);

	struct cb_call c;
	begin(&c, "EnumAdapters3");
	cb_set(&c, "filter", 1, false); /* include compute-only */
	cb_set(&c, "adapter_count", 1, true);
	emit(&c);

	begin(&c, "EnumAdapters3");
	cb_set(&c, "filter", 1, false);
	{
		const struct dxgt_elem_desc *el = c.d->bufs[0].elem;
		uint8_t e[64] = {0};
		cb_put(e, el->handles[0].off, 4, A1);
		for (uint16_t i = 0; i < el->n_scalars; i++)
			if (el->scalars[i].fmt == DXGT_FMT_LUID)
				cb_put(e, el->scalars[i].off, 8, LUID);
		buf(&c, "adapters", NULL, e, c.d->bufs[0].elem_size);
	}
	emit(&c);

	begin(&c, "OpenAdapterFromLuid");
	cb_set(&c, "adapter_luid", LUID, false);
	cb_set(&c, "adapter_handle", A2, true);
	emit(&c);

	uint8_t ids[28] = {0};
	cb_put(ids, 4, 4, 0x8086);
	cb_put(ids, 8, 4, 0x7d1d);
	query(DXGT_QAI_DEVICEIDS, ids, sizeof(ids));

	uint8_t type[4];
	cb_put(type, 0, 4, 0x800 | 0x2); /* compute-only, display; not paravirtualized */
	query(DXGT_QAI_ADAPTERTYPE, type, sizeof(type));

	query_store();

	begin(&c, "CreateDevice");
	cb_set(&c, "adapter", A2, false);
	cb_set(&c, "device", DEV, true);
	emit(&c);

	escape(0);
	escape(64);
	escape(568);

	begin(&c, "DestroyDevice");
	cb_set(&c, "device", DEV, false);
	emit(&c);
	begin(&c, "CloseAdapter");
	cb_set(&c, "adapter_handle", A2, false);
	emit(&c);
	begin(&c, "CloseAdapter");
	cb_set(&c, "adapter_handle", A1, false);
	emit(&c);
	if ((rc = dxgt_writer_close(w)) < 0)
		die("close", rc);
	return 0;
}
