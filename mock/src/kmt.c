// SPDX-License-Identifier: MIT
/*
 * The D3DKMT layer on top of /dev/dxg requests, done the way libdxcore does
 * it; shared by libdxgmock.so (whose exported D3DKMT functions issue the
 * requests through the global ioctl symbol, so a preloaded tracer sees
 * them) and the replayer's mock backend (which sends them to its model).
 *
 * For every call with an ioctl the D3DKMT struct is the ioctl struct byte
 * for byte, so the caller's struct goes to the kernel as it is. The
 * D3DKMT-only calls (ids from 0x100) are translated here into the requests
 * libdxcore would issue, in a table keyed by D3DKMT name; what the kernel
 * hands back is copied into the caller's struct only on success.
 *
 * Must never: touch the caller's struct beyond its D3DKMT size; keep a
 * pointer the caller gave beyond the call; answer for the model (only the
 * trim notification tokens, which no request backs, are made up here).
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/mock.h"
#include "dxgt/uapi.h"

/* NTSTATUS values this layer produces itself. */
#define STATUS_NOT_IMPLEMENTED 0xC0000002u
#define STATUS_INVALID_PARAMETER 0xC000000Du
#define STATUS_NO_MEMORY 0xC0000017u
#define STATUS_NOT_SUPPORTED 0xC00000BBu

/* Where the requests of one D3DKMT call go. */
struct issuer {
	long (*fn)(void *ctx, unsigned long request, void *arg);
	void *ctx;
};

static uint32_t issue(const struct issuer *is, unsigned long request, void *arg)
{
	return dxgt_mock_ntstatus_from_ioctl(is->fn(is->ctx, request, arg));
}

static uint32_t code_of(const char *ioctl_name)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(ioctl_name);
	return d ? d->ioctl_code : 0;
}

/* ---- the D3DKMT-only calls ---- */

/* Elements of 40 bytes become CreateAllocation2's 96-byte elements; the
 * handles the kernel gives come back into the caller's elements. */
static uint32_t create_allocation1(const struct issuer *is, void *args)
{
	struct dxgt_createallocation *c = args;
	struct dxgt_allocationinfo *v1 = (void *)(uintptr_t)c->allocation_info;
	if (c->alloc_count && !v1)
		return STATUS_INVALID_PARAMETER;
	struct dxgt_allocationinfo2 *v2 = calloc(c->alloc_count ? c->alloc_count : 1, sizeof(*v2));
	if (!v2)
		return STATUS_NO_MEMORY;
	for (uint32_t i = 0; i < c->alloc_count; i++) {
		v2[i].sysmem = v1[i].sysmem;
		v2[i].priv_drv_data = v1[i].priv_drv_data;
		v2[i].priv_drv_data_size = v1[i].priv_drv_data_size;
		v2[i].vidpn_source_id = v1[i].vidpn_source_id;
		v2[i].flags = v1[i].flags;
	}
	struct dxgt_createallocation c2 = *c;
	c2.allocation_info = (uint64_t)(uintptr_t)(c->alloc_count ? v2 : NULL);
	uint32_t st = issue(is, code_of("LX_DXCREATEALLOCATION"), &c2);
	if ((int32_t)st >= 0) {
		for (uint32_t i = 0; i < c->alloc_count; i++)
			v1[i].allocation = v2[i].allocation;
		c->resource = c2.resource;
		c->global_share = c2.global_share;
	}
	free(v2);
	return st;
}

static uint32_t destroy_allocation1(const struct issuer *is, void *args)
{
	const struct dxgt_destroyallocation *d = args;
	struct dxgt_destroyallocation2 d2 = {d->device, d->resource, d->allocations, d->alloc_count,
					     0};
	return issue(is, code_of("LX_DXDESTROYALLOCATION2"), &d2);
}

/* EnumAdapters: the 16 inline entries, through ENUMADAPTERS2 (which, like
 * the Windows call, leaves compute-only adapters out). */
static uint32_t enum_adapters1(const struct issuer *is, void *args)
{
	struct dxgt_enumadapters *e = args;
	struct dxgt_enumadapters2 e2 = {16, 0, (uint64_t)(uintptr_t)e->adapters};
	uint32_t st = issue(is, code_of("LX_DXENUMADAPTERS2"), &e2);
	if ((int32_t)st >= 0)
		e->num_adapters = e2.num_adapters;
	return st;
}

static uint32_t create_sync1(const struct issuer *is, void *args)
{
	struct dxgt_createsynchronizationobject *c = args;
	struct dxgt_createsynchronizationobject2 c2 = {0};
	_Static_assert(sizeof(c->info) == sizeof(c2.info.u), "the per-type unions match");
	c2.device = c->device;
	c2.info.type = c->type;
	memcpy(&c2.info.u, c->info, sizeof(c->info));
	uint32_t st = issue(is, code_of("LX_DXCREATESYNCHRONIZATIONOBJECT"), &c2);
	if ((int32_t)st >= 0)
		c->sync_object = c2.sync_object;
	return st;
}

static uint32_t wait_sync1(const struct issuer *is, void *args)
{
	const struct dxgt_waitforsynchronizationobject *w = args;
	struct dxgt_waitforsynchronizationobject2 w2 = {0};
	w2.context = w->context;
	w2.object_count = w->object_count;
	memcpy(w2.object_array, w->object_array, sizeof(w2.object_array));
	return issue(is, code_of("LX_DXWAITFORSYNCHRONIZATIONOBJECT"), &w2);
}

/* The kernel wants at least one broadcast context: the signalling one. */
static uint32_t signal_sync1(const struct issuer *is, void *args)
{
	const struct dxgt_signalsynchronizationobject *s = args;
	struct dxgt_signalsynchronizationobject2 s2 = {0};
	s2.context = s->context;
	s2.object_count = s->object_count;
	memcpy(s2.object_array, s->object_array, sizeof(s2.object_array));
	s2.flags = s->flags;
	s2.context_count = 1;
	s2.contexts[0] = s->context;
	return issue(is, code_of("LX_DXSIGNALSYNCHRONIZATIONOBJECT"), &s2);
}

static uint32_t open_sync_nt1(const struct issuer *is, void *args)
{
	(void)is;
	(void)args;
	return STATUS_NOT_SUPPORTED;
}

/* Trim notifications never fire in a VM; the handle is only a token. */
static uint64_t trim_tokens;

static uint32_t register_trim(const struct issuer *is, void *args)
{
	(void)is;
	struct dxgt_registertrimnotification *r = args;
	r->handle = 0x74726d0000000000ull | __atomic_add_fetch(&trim_tokens, 1, __ATOMIC_RELAXED);
	return 0;
}

static uint32_t unregister_trim(const struct issuer *is, void *args)
{
	(void)is;
	const struct dxgt_unregistertrimnotification *u = args;
	return u->handle ? 0 : STATUS_INVALID_PARAMETER;
}

static const struct {
	const char *kmt_name;
	uint32_t (*fn)(const struct issuer *is, void *args);
} compat[] = {
    {"D3DKMTCreateAllocation", create_allocation1},
    {"D3DKMTDestroyAllocation", destroy_allocation1},
    {"D3DKMTEnumAdapters", enum_adapters1},
    {"D3DKMTCreateSynchronizationObject", create_sync1},
    {"D3DKMTWaitForSynchronizationObject", wait_sync1},
    {"D3DKMTSignalSynchronizationObject", signal_sync1},
    {"D3DKMTOpenSyncObjectFromNtHandle", open_sync_nt1},
    {"D3DKMTRegisterTrimNotification", register_trim},
    {"D3DKMTUnregisterTrimNotification", unregister_trim},
};

/* ---- the entries ---- */

int32_t dxgt_mock_kmt_with(long (*ioctl_fn)(void *ctx, unsigned long request, void *arg), void *ctx,
			   unsigned call_id, void *args)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(call_id);
	if (!d || !d->kmt_name || !ioctl_fn)
		return (int32_t)STATUS_NOT_IMPLEMENTED;
	if (!args)
		return (int32_t)STATUS_INVALID_PARAMETER;
	const struct issuer is = {ioctl_fn, ctx};
	if (d->ioctl_code) {
		assert(d->kmt_size == d->ioctl_size);
		return (int32_t)issue(&is, d->ioctl_code, args);
	}
	for (size_t i = 0; i < sizeof(compat) / sizeof(compat[0]); i++)
		if (strcmp(compat[i].kmt_name, d->kmt_name) == 0)
			return (int32_t)compat[i].fn(&is, args);
	return (int32_t)STATUS_NOT_IMPLEMENTED;
}

static long model_ioctl(void *ctx, unsigned long request, void *arg)
{
	return dxgt_mock_ioctl(ctx, request, arg);
}

int32_t dxgt_mock_kmt(struct dxgt_mock *m, unsigned call_id, void *args)
{
	if (!m)
		return (int32_t)STATUS_INVALID_PARAMETER;
	return dxgt_mock_kmt_with(model_ioctl, m, call_id, args);
}
