// SPDX-License-Identifier: MIT
/*
 * The replay engine (dxgt_replay_run) on traces written here, against a
 * fake backend whose host hands out handles and LUIDs unlike the
 * recording's and remembers what it was sent. Checks what a user relies
 * on: recorded handles reach the host as the live ones (in the struct, in
 * handle arrays, in elements), created ones are bound and destroyed ones
 * released; adapters map by LUID, else by position, and the mapping is
 * logged; nested buffers are the engine's memory (never the recorded
 * pointer), hold the recorded bytes, zeros where the trace had none;
 * --verify reports results, output fields and buffers that differ and
 * masks volatile ones; -o is the same twice but for times; the selection
 * options; and the refusals (newer format, nothing to replay, a layer the
 * backend lacks, a struct of the wrong size).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/replay.h"
#include "dxgt/trace.h"
#include "dxgt/uapi.h"

#define STATUS_INVALID_HANDLE 0xC0000008u
#define STATUS_INVALID_PARAMETER 0xC000000Du
#define STATUS_BUFFER_TOO_SMALL 0xC0000023u
/* A recorded pointer the engine would crash on if it followed it. */
#define BAD_PTR 0x10ull

static char dir[] = "/tmp/dxgt-replay-XXXXXX";

/* ---- writing traces ---- */

static struct dxgt_writer *w;
static uint64_t seq;

static char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;
	char *p = buf[i++ & 3];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void open_trace(const char *name)
{
	struct dxgt_writer_opts o = {.chunk_bytes = 512};
	assert_int_equal(dxgt_writer_open(&w, path_of(name), &o), 0);
	seq = 0;
}

static void close_trace(void)
{
	assert_int_equal(dxgt_writer_close(w), 0);
	w = NULL;
}

static struct dxgt_rec_buf buf0(uint16_t desc, const void *data, uint32_t len)
{
	return (struct dxgt_rec_buf){.desc = desc,
				     .parent = 0xffff,
				     .orig_len = len,
				     .len = len,
				     .addr = BAD_PTR,
				     .data = data};
}

static struct dxgt_rec_buf buf1(uint16_t parent, uint32_t elem, uint16_t desc, const void *data,
				uint32_t len)
{
	return (struct dxgt_rec_buf){.desc = desc,
				     .parent = parent,
				     .level = 1,
				     .elem = elem,
				     .orig_len = len,
				     .len = len,
				     .addr = BAD_PTR,
				     .data = data};
}

struct side {
	const void *args;
	const struct dxgt_rec_buf *bufs;
	uint16_t n_bufs;
};

/* One call: ENTER with in, LEAVE with out (no LEAVE when out.args is NULL).
 * status is the NTSTATUS (d3dkmt) or the errno of a -1 return (ioctl). */
static uint64_t put_call(enum dxgt_layer layer, const char *name, struct side in, struct side out,
			 uint32_t status)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	assert_non_null(d);
	uint32_t len = dxgt_call_args_size(d, layer);
	struct dxgt_record e = {.type = DXGT_REC_ENTER,
				.seq = ++seq,
				.time_ns = seq * 1000,
				.tid = 7,
				.layer = (uint8_t)layer,
				.call_id = d->id,
				.code = layer == DXGT_LAYER_IOCTL ? d->ioctl_code : 0,
				.fd = layer == DXGT_LAYER_IOCTL ? 3 : -1,
				.args = in.args,
				.args_len = len,
				.bufs = in.bufs,
				.n_bufs = in.n_bufs};
	assert_int_equal(dxgt_writer_add(w, &e), 0);
	if (!out.args)
		return seq;
	struct dxgt_record l = {.type = DXGT_REC_LEAVE,
				.seq = seq,
				.time_ns = seq * 1000 + 500,
				.tid = 7,
				.layer = (uint8_t)layer,
				.call_id = d->id,
				.args = out.args,
				.args_len = len,
				.bufs = out.bufs,
				.n_bufs = out.n_bufs};
	if (layer == DXGT_LAYER_D3DKMT) {
		l.flags = DXGT_LEAVE_STATUS;
		l.status = status;
		l.ret = (int32_t)status;
	} else if (status) {
		l.ret = -1;
		l.err = (int32_t)status;
	}
	assert_int_equal(dxgt_writer_add(w, &l), 0);
	return seq;
}

#define SIDE(a) ((struct side){&(a), NULL, 0})
#define SIDEB(a, b) ((struct side){&(a), (b), (uint16_t)(sizeof(b) / sizeof((b)[0]))})
#define NONE ((struct side){NULL, NULL, 0})

/* ---- the fake host ---- */

struct seen {
	uint16_t id;
	enum dxgt_layer layer;
	uint32_t code;
	_Alignas(8) uint8_t args[512];
	uint64_t ptr0;			/* the first buffer's pointer as sent */
	_Alignas(8) uint8_t buf0[1024]; /* and its bytes before the call */
	uint8_t elem_buf[8];		/* CreateAllocation2: element 1's private data */
	uint32_t handles[4];		/* handle arrays as sent */
};

struct fake {
	struct dxgt_backend pub;
	uint32_t next;	   /* next live handle */
	uint32_t live[64]; /* live handles, 0 = free */
	uint64_t luids[4]; /* the host's adapters */
	size_t n_luids;
	uint32_t escape_status; /* what escapes answer */
	uint8_t escape_xor;	/* escapes change the payload's first byte by this */
	uint32_t qai_byte;	/* QueryAdapterInfo writes this byte at offset 0 */
	struct seen seen[32];
	size_t n_seen;
};

static bool is_live(struct fake *f, uint32_t h)
{
	for (size_t i = 0; h && i < 64; i++)
		if (f->live[i] == h)
			return true;
	return false;
}

static uint32_t make(struct fake *f)
{
	uint32_t h = f->next;
	f->next += 0x10;
	for (size_t i = 0; i < 64; i++)
		if (!f->live[i]) {
			f->live[i] = h;
			break;
		}
	return h;
}

static void drop(struct fake *f, uint32_t h)
{
	for (size_t i = 0; i < 64; i++)
		if (f->live[i] == h)
			f->live[i] = 0;
}

static int fake_call(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		     uint32_t code, void *args, uint32_t len, struct dxgt_backend_result *res)
{
	struct fake *f = b->priv;
	assert_true(f->n_seen < 32);
	struct seen *s = &f->seen[f->n_seen++];
	memset(s, 0, sizeof(*s));
	s->layer = layer;
	s->code = code;
	s->id = d ? d->id : DXGT_CALL_UNKNOWN;
	memcpy(s->args, args, len < sizeof(s->args) ? len : sizeof(s->args));
	uint64_t n;
	if (d && d->n_bufs && dxgt_field_read(args, len, d->bufs[0].ptr_off, 8, &s->ptr0) == 0 &&
	    s->ptr0 && dxgt_buf_len(&d->bufs[0], args, len, &n) == 0) {
		assert_int_not_equal(s->ptr0, BAD_PTR);
		memcpy(s->buf0, (void *)(uintptr_t)s->ptr0,
		       n < sizeof(s->buf0) ? n : sizeof(s->buf0));
	}
	uint32_t st = 0;
	switch (s->id) {
	case 0x01: { /* OpenAdapterFromLuid */
		struct dxgt_openadapterfromluid *o = args;
		uint64_t l = (uint64_t)o->adapter_luid.b << 32 | o->adapter_luid.a;
		st = STATUS_INVALID_PARAMETER;
		for (size_t i = 0; i < f->n_luids; i++)
			if (f->luids[i] == l) {
				o->adapter_handle = make(f);
				st = 0;
			}
		break;
	}
	case 0x02: { /* CreateDevice */
		struct dxgt_createdevice *c = args;
		if (!is_live(f, (uint32_t)c->adapter))
			st = STATUS_INVALID_HANDLE;
		else
			c->device = make(f);
		break;
	}
	case 0x06: { /* CreateAllocation2 */
		struct dxgt_createallocation *c = args;
		struct dxgt_allocationinfo2 *info = (void *)(uintptr_t)c->allocation_info;
		assert_int_not_equal(c->allocation_info, BAD_PTR);
		for (uint32_t i = 0; i < c->alloc_count; i++) {
			assert_int_not_equal(info[i].priv_drv_data, BAD_PTR);
			if (i == 1)
				memcpy(s->elem_buf, (void *)(uintptr_t)info[i].priv_drv_data, 8);
			info[i].allocation = make(f);
			info[i].gpu_virtual_address = 0x777000 + i; /* volatile */
		}
		break;
	}
	case 0x07: { /* CreatePagingQueue */
		struct dxgt_createpagingqueue *c = args;
		c->paging_queue = make(f);
		c->sync_object = make(f);
		c->fence_cpu_virtual_address = 0xabcdef; /* volatile */
		c->physical_adapter_index = 3;		 /* not volatile */
		break;
	}
	case 0x09: { /* QueryAdapterInfo */
		struct dxgt_queryadapterinfo *q = args;
		if (q->private_data && q->private_data_size)
			*(uint8_t *)(uintptr_t)q->private_data = (uint8_t)f->qai_byte;
		break;
	}
	case 0x0d: { /* Escape */
		struct dxgt_escape *e = args;
		if ((e->device && !is_live(f, e->device)) ||
		    (e->adapter && !is_live(f, e->adapter))) {
			st = STATUS_INVALID_HANDLE;
			break;
		}
		st = f->escape_status;
		if (e->priv_drv_data_size)
			*(uint8_t *)(uintptr_t)e->priv_drv_data ^= f->escape_xor;
		break;
	}
	case 0x13: { /* DestroyAllocation2 */
		struct dxgt_destroyallocation2 *x = args;
		const uint32_t *a = (const void *)(uintptr_t)x->allocations;
		for (uint32_t i = 0; i < x->alloc_count && i < 4; i++) {
			s->handles[i] = a[i];
			if (!is_live(f, a[i]))
				st = STATUS_INVALID_HANDLE;
			drop(f, a[i]);
		}
		break;
	}
	case 0x14: { /* EnumAdapters2 */
		struct dxgt_enumadapters2 *e = args;
		if (e->adapters) {
			struct dxgt_adapterinfo *a = (void *)(uintptr_t)e->adapters;
			for (size_t i = 0; i < f->n_luids && i < e->num_adapters; i++) {
				a[i].adapter_handle = make(f);
				a[i].adapter_luid.a = (uint32_t)f->luids[i];
				a[i].adapter_luid.b = (uint32_t)(f->luids[i] >> 32);
			}
		}
		e->num_adapters = (uint32_t)f->n_luids;
		break;
	}
	case 0x19: { /* DestroyDevice */
		struct dxgt_destroydevice *x = args;
		if (!is_live(f, x->device))
			st = STATUS_INVALID_HANDLE;
		drop(f, x->device);
		break;
	}
	case 0x48: { /* EnumProcesses: an output-only buffer */
		struct dxgt_enumprocesses *e = args;
		if (e->buffer && e->buffer_count)
			*(uint32_t *)(uintptr_t)e->buffer = 4242;
		break;
	}
	default:
		break;
	}
	if (layer == DXGT_LAYER_D3DKMT) {
		res->has_status = true;
		res->status = st;
		res->ret = (int32_t)st;
	} else {
		res->ret = st ? -1 : 0;
		res->err = st ? EINVAL : 0;
	}
	return 0;
}

static struct fake *fake_new(unsigned layers)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->pub.name = "fake";
	f->pub.layers = layers;
	f->pub.call = fake_call;
	f->pub.priv = f;
	f->next = 0x7000;
	f->luids[0] = 0x123ab;
	f->n_luids = 1;
	return f;
}

#define BOTH (DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT) | DXGT_LAYER_BIT(DXGT_LAYER_IOCTL))

/* Run a replay; the log goes to a memory buffer returned in *log (owned). */
static int run(const char *name, struct fake *f, struct dxgt_replay_opts o,
	       struct dxgt_replay_stats *st, char **log, char *err)
{
	size_t n = 0;
	*log = NULL;
	FILE *l = open_memstream(log, &n);
	assert_non_null(l);
	o.log = l;
	int rc = dxgt_replay_run(path_of(name), &f->pub, &o, st, NULL, err, 256);
	fclose(l);
	return rc;
}

/* ---- the NPU-like sequence at the d3dkmt layer ---- */

static const uint32_t REC_ADAPTER = 0x40000040, REC_DEVICE = 0x40000080;

/* Open, create a device, escape (payload handed back), destroy, escape on
 * the destroyed device (recorded as failing). */
static void write_handles_trace(void)
{
	open_trace("handles.dxgt");
	struct dxgt_openadapterfromluid oi = {.adapter_luid = {0x123ab, 0}}, oo = oi;
	oo.adapter_handle = REC_ADAPTER;
	put_call(DXGT_LAYER_D3DKMT, "OpenAdapterFromLuid", SIDE(oi), SIDE(oo), 0);
	struct dxgt_createdevice ci = {.adapter = REC_ADAPTER}, co = ci;
	co.device = REC_DEVICE;
	put_call(DXGT_LAYER_D3DKMT, "CreateDevice", SIDE(ci), SIDE(co), 0);
	static uint8_t payload[64];
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i + 1);
	struct dxgt_escape ei = {.adapter = REC_ADAPTER,
				 .device = REC_DEVICE,
				 .priv_drv_data = BAD_PTR,
				 .priv_drv_data_size = sizeof(payload)};
	struct dxgt_rec_buf b[] = {buf0(0, payload, sizeof(payload))};
	put_call(DXGT_LAYER_D3DKMT, "Escape", SIDEB(ei, b), SIDEB(ei, b), 0);
	struct dxgt_destroydevice di = {.device = REC_DEVICE};
	put_call(DXGT_LAYER_D3DKMT, "DestroyDevice", SIDE(di), SIDE(di), 0);
	struct dxgt_escape e2 = {.device = REC_DEVICE};
	put_call(DXGT_LAYER_D3DKMT, "Escape", SIDE(e2), SIDE(e2), STATUS_INVALID_HANDLE);
	close_trace();
}

static void handles_are_mapped(void **state)
{
	(void)state;
	write_handles_trace();
	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 5);
	assert_int_equal(st.mismatches, 0);
	/* The destroyed device is no longer bound: sent as recorded, once noted. */
	assert_int_equal(st.unmapped, 1);
	assert_non_null(strstr(log, "device handle 0x40000080 was not created"));
	assert_int_equal(f->n_seen, 5);
	const struct dxgt_createdevice *cd = (const void *)f->seen[1].args;
	assert_int_equal(cd->adapter, 0x7000);
	const struct dxgt_escape *e = (const void *)f->seen[2].args;
	assert_int_equal(e->adapter, 0x7000);
	assert_int_equal(e->device, 0x7010);
	/* The payload is in the engine's memory, as recorded. */
	assert_int_not_equal(f->seen[2].ptr0, BAD_PTR);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(f->seen[2].buf0[i], i + 1);
	const struct dxgt_destroydevice *dd = (const void *)f->seen[3].args;
	assert_int_equal(dd->device, 0x7010);
	e = (const void *)f->seen[4].args;
	assert_int_equal(e->device, REC_DEVICE);
	free(log);
	free(f);
}

static void verify_reports_differences(void **state)
{
	(void)state;
	write_handles_trace();
	struct fake *f = fake_new(BOTH);
	f->escape_status = STATUS_BUFFER_TOO_SMALL;
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.mismatches, 1);
	assert_int_equal(st.first_mismatch_seq, 3);
	assert_non_null(strstr(log, "seq 3: D3DKMTEscape: status 0x00000000 recorded, 0xC0000023 "
				    "replayed\n"));
	free(log);

	/* Same status, a changed payload byte. */
	free(f);
	f = fake_new(BOTH);
	f->escape_xor = 0x80;
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.mismatches, 1);
	assert_non_null(
	    strstr(log, "seq 3: D3DKMTEscape: buffer priv_drv_data differs at byte 0\n"));
	free(log);

	/* Without --verify nothing is compared. */
	free(f);
	f = fake_new(BOTH);
	f->escape_xor = 0x80;
	o.verify = false;
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.mismatches, 0);
	assert_null(strstr(log, "differs"));
	free(log);
	free(f);
}

/* ---- adapters: LUIDs ---- */

static void luids_map_by_position(void **state)
{
	(void)state;
	open_trace("luids.dxgt");
	/* Recorded host: adapters 0xa and 0xb. */
	struct dxgt_adapterinfo rec[2] = {{0x40000040, {0xa, 0}, 0, 0},
					  {0x40000080, {0xb, 0}, 0, 0}};
	struct dxgt_enumadapters2 ei = {.num_adapters = 2, .adapters = BAD_PTR}, eo = ei;
	struct dxgt_rec_buf lb[] = {buf0(0, rec, sizeof(rec))};
	put_call(DXGT_LAYER_D3DKMT, "EnumAdapters2", SIDE(ei), SIDEB(eo, lb), 0);
	struct dxgt_openadapterfromluid oi = {.adapter_luid = {0xb, 0}}, oo = oi;
	oo.adapter_handle = 0x400000c0;
	put_call(DXGT_LAYER_D3DKMT, "OpenAdapterFromLuid", SIDE(oi), SIDE(oo), 0);
	/* A device on the enumerated handle of 0xb. */
	struct dxgt_createdevice ci = {.adapter = 0x40000080}, co = ci;
	co.device = 0x40000100;
	put_call(DXGT_LAYER_D3DKMT, "CreateDevice", SIDE(ci), SIDE(co), 0);
	close_trace();

	/* Live host: 0xc and 0xa. 0xa is there: kept; 0xb maps to 0xc. */
	struct fake *f = fake_new(BOTH);
	f->luids[0] = 0xc;
	f->luids[1] = 0xa;
	f->n_luids = 2;
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("luids.dxgt", f, o, &st, &log, err), 0);
	assert_non_null(strstr(log, "adapter LUID 0x00000000:0x0000000b (recorded) -> "
				    "0x00000000:0x0000000c (live), by position\n"));
	assert_null(strstr(log, "0x0000000a (recorded)"));
	const struct dxgt_openadapterfromluid *oa = (const void *)f->seen[1].args;
	assert_int_equal(oa->adapter_luid.a, 0xc);
	/* 0xb's enumerated handle is the live entry of 0xc: the first made. */
	const struct dxgt_createdevice *cd = (const void *)f->seen[2].args;
	assert_int_equal(cd->adapter, 0x7000);
	/* The enumeration's LUIDs compare through the mapping, but the order
	 * differs (0xa came first, now second): that is reported. */
	assert_int_equal(st.mismatches, 1);
	assert_int_equal(st.first_mismatch_seq, 1);
	free(log);
	free(f);
}

/* ---- buffers ---- */

static void buffers_are_rebuilt(void **state)
{
	(void)state;
	open_trace("bufs.dxgt");
	/* A device to use. */
	struct dxgt_openadapterfromluid oi = {.adapter_luid = {0x123ab, 0}}, oo = oi;
	oo.adapter_handle = REC_ADAPTER;
	put_call(DXGT_LAYER_IOCTL, "OpenAdapterFromLuid", SIDE(oi), SIDE(oo), 0);
	struct dxgt_createdevice ci = {.adapter = REC_ADAPTER}, co = ci;
	co.device = REC_DEVICE;
	put_call(DXGT_LAYER_IOCTL, "CreateDevice", SIDE(ci), SIDE(co), 0);
	/* Two allocations, each with 8 bytes of private data (level 1). */
	struct dxgt_allocationinfo2 info[2];
	memset(info, 0, sizeof(info));
	static uint8_t p0[8] = "private", p1[8] = "second!";
	info[0].priv_drv_data = info[1].priv_drv_data = BAD_PTR;
	info[0].priv_drv_data_size = info[1].priv_drv_data_size = 8;
	struct dxgt_allocationinfo2 out[2];
	memcpy(out, info, sizeof(out));
	out[0].allocation = 0x40000100;
	out[1].allocation = 0x40000140;
	out[0].gpu_virtual_address = 0x1000; /* volatile: masked */
	struct dxgt_createallocation ai = {
	    .device = REC_DEVICE, .alloc_count = 2, .allocation_info = BAD_PTR};
	struct dxgt_rec_buf inb[] = {buf0(2, info, sizeof(info)), buf1(2, 0, 0, p0, 8),
				     buf1(2, 1, 0, p1, 8)};
	struct dxgt_rec_buf outb[] = {buf0(2, out, sizeof(out))};
	put_call(DXGT_LAYER_IOCTL, "CreateAllocation2", SIDEB(ai, inb), SIDEB(ai, outb), 0);
	/* Destroy the second through a handle array. */
	uint32_t gone[1] = {0x40000140};
	struct dxgt_destroyallocation2 di = {
	    .device = REC_DEVICE, .allocations = BAD_PTR, .alloc_count = 1};
	struct dxgt_rec_buf db[] = {buf0(0, gone, sizeof(gone))};
	put_call(DXGT_LAYER_IOCTL, "DestroyAllocation2", SIDEB(di, db), SIDE(di), 0);
	/* An escape whose payload the recorder cut short: 16 of 64 bytes. */
	static uint8_t head[16] = "0123456789abcde";
	struct dxgt_escape ei = {
	    .device = REC_DEVICE, .priv_drv_data = BAD_PTR, .priv_drv_data_size = 64};
	struct dxgt_rec_buf eb[] = {buf0(0, head, 16)};
	eb[0].orig_len = 64;
	eb[0].flags = DXGT_BUF_TRUNCATED;
	put_call(DXGT_LAYER_IOCTL, "Escape", SIDEB(ei, eb), SIDE(ei), 0);
	/* An output-only buffer: no bytes recorded at enter. */
	struct dxgt_enumprocesses pi = {.buffer = BAD_PTR, .buffer_count = 4};
	uint32_t pids[4] = {4242, 0, 0, 0};
	struct dxgt_rec_buf pb[] = {buf0(0, pids, sizeof(pids))};
	put_call(DXGT_LAYER_IOCTL, "EnumProcesses", SIDE(pi), SIDEB(pi, pb), 0);
	/* A NULL pointer stays NULL. */
	struct dxgt_escape en = {.device = REC_DEVICE};
	put_call(DXGT_LAYER_IOCTL, "Escape", SIDE(en), SIDE(en), 0);
	close_trace();

	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("bufs.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 7);
	assert_int_equal(st.mismatches, 0);
	assert_int_equal(st.unmapped, 0);
	/* Level 1: element 1's private data, rebuilt. */
	assert_memory_equal(f->seen[2].elem_buf, "second!", 8);
	/* The allocation handle array reached the host as the live handle of
	 * the second allocation (adapter 0x7000, device 0x7010, then 0x7020
	 * and 0x7030). */
	assert_int_equal(f->seen[3].handles[0], 0x7030);
	/* The cut escape: the 16 recorded bytes, then zeros; noted. */
	assert_memory_equal(f->seen[4].buf0, head, 16);
	for (unsigned i = 16; i < 64; i++)
		assert_int_equal(f->seen[4].buf0[i], 0);
	assert_non_null(strstr(log, "buffer priv_drv_data was cut short in the trace (16 of 64"));
	/* The output-only buffer was zeroed memory of the rule's length. */
	assert_int_equal(f->seen[5].id, 0x48);
	assert_int_not_equal(f->seen[5].ptr0, 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(f->seen[5].buf0[i], 0);
	assert_int_equal(((const struct dxgt_escape *)f->seen[6].args)->priv_drv_data, 0);
	free(log);
	free(f);
}

static void volatile_fields_are_masked(void **state)
{
	(void)state;
	open_trace("volatile.dxgt");
	struct dxgt_openadapterfromluid oi = {.adapter_luid = {0x123ab, 0}}, oo = oi;
	oo.adapter_handle = REC_ADAPTER;
	put_call(DXGT_LAYER_D3DKMT, "OpenAdapterFromLuid", SIDE(oi), SIDE(oo), 0);
	struct dxgt_createdevice ci = {.adapter = REC_ADAPTER}, co = ci;
	co.device = REC_DEVICE;
	put_call(DXGT_LAYER_D3DKMT, "CreateDevice", SIDE(ci), SIDE(co), 0);
	struct dxgt_createpagingqueue pi = {.device = REC_DEVICE}, po = pi;
	po.paging_queue = 0x400000c0;
	po.sync_object = 0x40000100;
	po.fence_cpu_virtual_address = 0x7f0000001000; /* volatile */
	po.physical_adapter_index = 3;
	put_call(DXGT_LAYER_D3DKMT, "CreatePagingQueue", SIDE(pi), SIDE(po), 0);
	po.physical_adapter_index = 1; /* the fake host says 3 */
	put_call(DXGT_LAYER_D3DKMT, "CreatePagingQueue", SIDE(pi), SIDE(po), 0);
	close_trace();

	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("volatile.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.mismatches, 1);
	assert_int_equal(st.first_mismatch_seq, 4);
	assert_non_null(strstr(log, "seq 4: D3DKMTCreatePagingQueue: output field at offset 24 "
				    "differs (0x01 recorded, 0x03 replayed)\n"));
	assert_null(strstr(log, "fence_cpu_virtual_address"));
	free(log);
	free(f);
}

/* ---- the output trace ---- */

static void record_fields(const char *name, FILE *out)
{
	struct dxgt_reader *r;
	assert_int_equal(dxgt_reader_open(&r, path_of(name)), 0);
	const struct dxgt_record *rec;
	while (dxgt_reader_next(r, &rec) > 0) {
		fprintf(out,
			"type=%u seq=%llu tid=%u layer=%u id=%u code=%x fd=%d ret=%lld err=%d "
			"status=%x args=",
			rec->type, (unsigned long long)rec->seq, rec->tid, rec->layer, rec->call_id,
			rec->code, rec->fd, (long long)rec->ret, rec->err, rec->status);
		for (uint32_t i = 0; i < rec->args_len; i++)
			fprintf(out, "%02x", rec->args[i]);
		for (uint16_t i = 0; i < rec->n_bufs; i++) {
			const struct dxgt_rec_buf *b = &rec->bufs[i];
			assert_int_equal(b->addr, 0);
			fprintf(out, " buf%u.%u.%u.%u/%u:", b->level, b->parent, b->elem, b->desc,
				b->orig_len);
			for (uint32_t k = 0; k < b->len; k++)
				fprintf(out, "%02x", b->data[k]);
		}
		fputc('\n', out);
	}
	dxgt_reader_close(r);
}

static void output_is_deterministic(void **state)
{
	(void)state;
	write_handles_trace();
	char *a = NULL, *b = NULL;
	for (int i = 0; i < 2; i++) {
		struct fake *f = fake_new(BOTH);
		struct dxgt_replay_stats st;
		char err[256], *log;
		struct dxgt_replay_opts o = {.verify = true,
					     .output = path_of(i ? "o2.dxgt" : "o1.dxgt")};
		assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
		free(log);
		free(f);
		size_t n;
		FILE *m = open_memstream(i ? &b : &a, &n);
		record_fields(i ? "o2.dxgt" : "o1.dxgt", m);
		fclose(m);
	}
	assert_string_equal(a, b);
	/* Live handles, seq from 1, tid 1, recorded pointer values. */
	assert_non_null(strstr(a, "type=1 seq=1 tid=1 layer=1 id=1"));
	assert_non_null(strstr(a, "type=2 seq=5 tid=1"));
	/* The escape's args: adapter 0x7000, device 0x7010, pointer BAD_PTR. */
	assert_non_null(strstr(a, "args=00700000107000000000000000000000100000000000000040000000"));
	free(a);
	free(b);
	/* The output cannot be the trace itself. */
	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_stats st;
	char err[256], *log = NULL;
	struct dxgt_replay_opts o = {.output = path_of("handles.dxgt")};
	assert_int_equal(
	    dxgt_replay_run(path_of("handles.dxgt"), &f->pub, &o, &st, NULL, err, sizeof(err)),
	    DXGT_E_INVAL);
	assert_non_null(strstr(err, "would overwrite"));
	free(log);
	free(f);
}

/* ---- selection ---- */

static void selection(void **state)
{
	(void)state;
	write_handles_trace();
	struct dxgt_replay_stats st;
	char err[256], *log;
	/* Escapes only: the QueryAdapterInfo-like calls go; creators stay.
	 * This trace has only creators, destroyers and escapes. */
	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_opts o = {.escapes_only = true};
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 5);
	free(log);
	free(f);
	/* --calls 3-3: the escape, after the calls that make its objects. */
	f = fake_new(BOTH);
	o = (struct dxgt_replay_opts){.first = 3, .last = 3, .verify = true};
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 3);
	assert_int_equal(f->seen[2].id, 0x0d);
	assert_int_equal(((const struct dxgt_escape *)f->seen[2].args)->device, 0x7010);
	assert_int_equal(st.mismatches, 0);
	free(log);
	free(f);
	/* --stop-at 2. */
	f = fake_new(BOTH);
	o = (struct dxgt_replay_opts){.stop_at = 2};
	assert_int_equal(run("handles.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 2);
	free(log);
	free(f);
	/* Other layers are skipped and counted. */
	open_trace("mixed.dxgt");
	struct dxgt_escape e = {0};
	put_call(DXGT_LAYER_D3DKMT, "Escape", SIDE(e), SIDE(e), 0);
	put_call(DXGT_LAYER_IOCTL, "Escape", SIDE(e), SIDE(e), 0);
	put_call(DXGT_LAYER_D3DKMT, "Escape", SIDE(e), SIDE(e), 0);
	close_trace();
	f = fake_new(BOTH);
	o = (struct dxgt_replay_opts){0};
	assert_int_equal(run("mixed.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 2);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(f->seen[0].layer, DXGT_LAYER_D3DKMT);
	free(log);
	free(f);
	f = fake_new(DXGT_LAYER_BIT(DXGT_LAYER_IOCTL));
	assert_int_equal(run("mixed.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(f->seen[0].layer, DXGT_LAYER_IOCTL);
	assert_int_equal(f->seen[0].code, dxgt_call_by_name("Escape")->ioctl_code);
	free(log);
	free(f);
}

/* ---- refusals ---- */

static void refusals(void **state)
{
	(void)state;
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {0};
	struct fake *f = fake_new(DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT));

	/* A layer the backend lacks. */
	open_trace("ioctl.dxgt");
	struct dxgt_escape e = {0};
	put_call(DXGT_LAYER_IOCTL, "Escape", SIDE(e), SIDE(e), 0);
	close_trace();
	assert_int_equal(run("ioctl.dxgt", f, o, &st, &log, err), DXGT_E_UNSUPPORTED);
	assert_string_equal(err, "the fake backend cannot replay the ioctl layer");
	free(log);
	/* No calls of the layer asked for. */
	f->pub.layers = BOTH;
	o.layer = DXGT_LAYER_D3DKMT;
	assert_int_equal(run("ioctl.dxgt", f, o, &st, &log, err), DXGT_E_EMPTY);
	assert_non_null(strstr(err, "holds no d3dkmt calls to replay (it holds 1 ioctl calls: try "
				    "--layer ioctl)"));
	free(log);
	o.layer = DXGT_LAYER_NONE;
	/* An empty trace. */
	open_trace("empty.dxgt");
	close_trace();
	assert_int_equal(run("empty.dxgt", f, o, &st, &log, err), DXGT_E_EMPTY);
	assert_non_null(strstr(err, "holds no calls to replay"));
	free(log);
	/* Not there. */
	assert_int_equal(run("missing.dxgt", f, o, &st, &log, err), DXGT_E_NOTFOUND);
	assert_non_null(strstr(err, "no such file"));
	free(log);
	/* A newer major version (the header's CRC fixed up). */
	FILE *in = fopen(path_of("ioctl.dxgt"), "rb");
	uint8_t data[8192];
	size_t n = fread(data, 1, sizeof(data), in);
	fclose(in);
	data[8] = 2;
	uint32_t crc = 0xffffffffu;
	for (int i = 0; i < 28; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	crc = ~crc;
	memcpy(data + 28, &crc, 4);
	FILE *out = fopen(path_of("v2.dxgt"), "wb");
	fwrite(data, 1, n, out);
	fclose(out);
	assert_int_equal(run("v2.dxgt", f, o, &st, &log, err), DXGT_E_VERSION);
	assert_non_null(
	    strstr(err, "trace format version 2 is newer than this dxgtrace reads (1)"));
	assert_int_equal(f->n_seen, 0);
	free(log);
	/* A D3DKMT struct of another size is skipped with a note; an ioctl one
	 * goes raw, by request code. */
	open_trace("size.dxgt");
	uint8_t big[64] = {0};
	struct dxgt_record r = {.type = DXGT_REC_ENTER,
				.seq = 1,
				.layer = DXGT_LAYER_D3DKMT,
				.call_id = dxgt_call_by_name("Escape")->id,
				.fd = -1,
				.args = big,
				.args_len = sizeof(big)};
	assert_int_equal(dxgt_writer_add(w, &r), 0);
	r.seq = 2;
	r.layer = DXGT_LAYER_IOCTL;
	r.code = 0xc0404700u | 0x0d; /* LX_DXESCAPE's number, 64 bytes */
	assert_int_equal(dxgt_writer_add(w, &r), 0);
	close_trace();
	o.layer = DXGT_LAYER_D3DKMT;
	assert_int_equal(run("size.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 0);
	assert_non_null(strstr(log, "argument struct is 64 bytes, not 32: call skipped"));
	free(log);
	o.layer = DXGT_LAYER_IOCTL;
	f->n_seen = 0;
	assert_int_equal(run("size.dxgt", f, o, &st, &log, err), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(f->seen[0].id, DXGT_CALL_UNKNOWN);
	assert_int_equal(f->seen[0].code, 0xc0404700u | 0x0d);
	assert_non_null(strstr(log, "sent raw, by request code"));
	free(log);
	free(f);
}

/* A trace cut off inside a chunk: the calls before the cut are replayed
 * and the cut is noted. */
static void truncated_trace(void **state)
{
	(void)state;
	open_trace("long.dxgt");
	struct dxgt_escape e = {0};
	for (int i = 0; i < 40; i++)
		put_call(DXGT_LAYER_D3DKMT, "Escape", SIDE(e), SIDE(e), 0);
	close_trace();
	FILE *in = fopen(path_of("long.dxgt"), "rb");
	static uint8_t data[1 << 16];
	size_t n = fread(data, 1, sizeof(data), in);
	fclose(in);
	FILE *out = fopen(path_of("cut.dxgt"), "wb");
	fwrite(data, 1, n / 2, out);
	fclose(out);
	struct fake *f = fake_new(BOTH);
	struct dxgt_replay_stats st;
	char err[256], *log;
	struct dxgt_replay_opts o = {.verify = true};
	assert_int_equal(run("cut.dxgt", f, o, &st, &log, err), 0);
	assert_true(st.calls > 0 && st.calls < 40);
	assert_int_equal(st.mismatches, 0);
	assert_non_null(strstr(log, "cut.dxgt: "));
	assert_non_null(strstr(log, "; the calls before it were replayed\n"));
	free(log);
	free(f);
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(handles_are_mapped),
	    cmocka_unit_test(verify_reports_differences),
	    cmocka_unit_test(luids_map_by_position),
	    cmocka_unit_test(buffers_are_rebuilt),
	    cmocka_unit_test(volatile_fields_are_masked),
	    cmocka_unit_test(output_is_deterministic),
	    cmocka_unit_test(selection),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(truncated_trace),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_dir);
}
