// SPDX-License-Identifier: MIT
/*
 * The D3DKMT layer of libdxgmock.so, done the way libdxcore does it: each
 * function issues its ioctl on a process-wide /dev/dxg descriptor and turns
 * the result into an NTSTATUS. The exported functions themselves are
 * generated from the descriptor list (gen_exports.c); every one of them
 * lands in dxgmock__kmt() with its call id.
 *
 * For every call with an ioctl the D3DKMT struct is the ioctl struct byte
 * for byte, so the caller's struct goes to the kernel as it is. The
 * D3DKMT-only calls (ids from 0x100) are translated here into the requests
 * libdxcore would issue, in a table keyed by D3DKMT name.
 *
 * The descriptor is opened and the ioctls issued through the global open
 * and ioctl symbols, so that a tracer preloaded ahead of this library
 * records the ioctl layer under the D3DKMT layer, exactly as with the real
 * libdxcore. When this library was dlopen'ed rather than preloaded, the
 * global symbols are libc's and would miss the emulation: then the calls go
 * to the emulation directly.
 *
 * Must never: touch the caller's struct beyond its D3DKMT size; keep a
 * pointer the caller gave beyond the call; answer for the model.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/status.h"
#include "dxgt/uapi.h"
#include "dxgmock_internal.h"

static int kmt_fd_cache = -1; /* atomic */
static int chained = -1;      /* atomic: -1 unknown, else whether globals reach us */

/* ---- reaching the device ---- */

struct load_order {
	uintptr_t self, libc;
	int i, self_i, libc_i;
};

static bool holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= lo && addr < lo + ph->p_memsz)
			return true;
	}
	return false;
}

static int order_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct load_order *o = data;
	if (o->self_i < 0 && holds(info, o->self))
		o->self_i = o->i;
	if (o->libc_i < 0 && holds(info, o->libc))
		o->libc_i = o->i;
	o->i++;
	return 0;
}

/* Whether a call of the global open/ioctl reaches this library's
 * interposers: only when it was loaded ahead of libc (LD_PRELOAD). A
 * tracer preloaded ahead of us forwards to us with RTLD_NEXT. */
static bool use_globals(void)
{
	int c = __atomic_load_n(&chained, __ATOMIC_ACQUIRE);
	if (c >= 0)
		return c;
	static void *libc_ioctl;
	struct load_order o = {(uintptr_t)&use_globals,
			       (uintptr_t)dxgmock__real(&libc_ioctl, "ioctl"), 0, -1, -1};
	int saved = errno;
	dl_iterate_phdr(order_cb, &o);
	errno = saved;
	c = o.self_i >= 0 && o.libc_i >= 0 && o.self_i < o.libc_i;
	dxgmock__log("D3DKMT calls reach /dev/dxg through %s",
		     c ? "the global open/ioctl" : "the emulation directly");
	__atomic_store_n(&chained, c, __ATOMIC_RELEASE);
	return c;
}

static int kmt_fd(void)
{
	int fd = __atomic_load_n(&kmt_fd_cache, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	bool global = use_globals();
	int nfd = global ? open(DXGMOCK_DEV_PATH, O_RDWR | O_CLOEXEC)
			 : dxgmock__dev_open(O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return -1;
	int expected = -1;
	if (!__atomic_compare_exchange_n(&kmt_fd_cache, &expected, nfd, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (global)
			close(nfd);
		else
			dxgmock__close(nfd);
		return expected;
	}
	return nfd;
}

uint32_t dxgmock__kmt_ioctl(unsigned long request, void *arg)
{
	if (!dxgmock__profile())
		return DXGMOCK_STATUS_DEVICE_REMOVED;
	int fd = kmt_fd();
	if (fd < 0)
		return DXGMOCK_STATUS_DEVICE_REMOVED;
	int r = use_globals() ? ioctl(fd, request, arg) : dxgmock__ioctl(fd, request, arg);
	if (r >= 0)
		return (uint32_t)r;
	return dxgt_mock_ntstatus_from_ioctl(-(long)errno);
}

uint32_t dxgmock__ioctl_code(unsigned id)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(id);
	return d ? d->ioctl_code : 0;
}

static uint32_t code_of(const char *ioctl_name)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(ioctl_name);
	return d ? d->ioctl_code : 0;
}

/* ---- the D3DKMT-only calls ---- */

/* Elements of 40 bytes become CreateAllocation2's 96-byte elements; the
 * handles the kernel gives come back into the caller's elements. */
static uint32_t create_allocation1(void *args)
{
	struct dxgt_createallocation *c = args;
	struct dxgt_allocationinfo *v1 = (void *)(uintptr_t)c->allocation_info;
	if (c->alloc_count && !v1)
		return DXGMOCK_STATUS_INVALID_PARAMETER;
	struct dxgt_allocationinfo2 *v2 = calloc(c->alloc_count ? c->alloc_count : 1, sizeof(*v2));
	if (!v2)
		return DXGMOCK_STATUS_NO_MEMORY;
	for (uint32_t i = 0; i < c->alloc_count; i++) {
		v2[i].sysmem = v1[i].sysmem;
		v2[i].priv_drv_data = v1[i].priv_drv_data;
		v2[i].priv_drv_data_size = v1[i].priv_drv_data_size;
		v2[i].vidpn_source_id = v1[i].vidpn_source_id;
		v2[i].flags = v1[i].flags;
	}
	struct dxgt_createallocation c2 = *c;
	c2.allocation_info = (uint64_t)(uintptr_t)(c->alloc_count ? v2 : NULL);
	uint32_t st = dxgmock__kmt_ioctl(code_of("LX_DXCREATEALLOCATION"), &c2);
	if ((int32_t)st >= 0) {
		for (uint32_t i = 0; i < c->alloc_count; i++)
			v1[i].allocation = v2[i].allocation;
		c->resource = c2.resource;
		c->global_share = c2.global_share;
	}
	free(v2);
	return st;
}

static uint32_t destroy_allocation1(void *args)
{
	const struct dxgt_destroyallocation *d = args;
	struct dxgt_destroyallocation2 d2 = {d->device, d->resource, d->allocations, d->alloc_count,
					     0};
	return dxgmock__kmt_ioctl(code_of("LX_DXDESTROYALLOCATION2"), &d2);
}

/* EnumAdapters: the 16 inline entries, through ENUMADAPTERS2 (which, like
 * the Windows call, leaves compute-only adapters out). */
static uint32_t enum_adapters1(void *args)
{
	struct dxgt_enumadapters *e = args;
	struct dxgt_enumadapters2 e2 = {16, 0, (uint64_t)(uintptr_t)e->adapters};
	uint32_t st = dxgmock__kmt_ioctl(code_of("LX_DXENUMADAPTERS2"), &e2);
	if ((int32_t)st >= 0)
		e->num_adapters = e2.num_adapters;
	return st;
}

static uint32_t create_sync1(void *args)
{
	struct dxgt_createsynchronizationobject *c = args;
	struct dxgt_createsynchronizationobject2 c2 = {0};
	_Static_assert(sizeof(c->info) == sizeof(c2.info.u), "the per-type unions match");
	c2.device = c->device;
	c2.info.type = c->type;
	memcpy(&c2.info.u, c->info, sizeof(c->info));
	uint32_t st = dxgmock__kmt_ioctl(code_of("LX_DXCREATESYNCHRONIZATIONOBJECT"), &c2);
	if ((int32_t)st >= 0)
		c->sync_object = c2.sync_object;
	return st;
}

static uint32_t wait_sync1(void *args)
{
	const struct dxgt_waitforsynchronizationobject *w = args;
	struct dxgt_waitforsynchronizationobject2 w2 = {0};
	w2.context = w->context;
	w2.object_count = w->object_count;
	memcpy(w2.object_array, w->object_array, sizeof(w2.object_array));
	return dxgmock__kmt_ioctl(code_of("LX_DXWAITFORSYNCHRONIZATIONOBJECT"), &w2);
}

/* The kernel wants at least one broadcast context: the signalling one. */
static uint32_t signal_sync1(void *args)
{
	const struct dxgt_signalsynchronizationobject *s = args;
	struct dxgt_signalsynchronizationobject2 s2 = {0};
	s2.context = s->context;
	s2.object_count = s->object_count;
	memcpy(s2.object_array, s->object_array, sizeof(s2.object_array));
	s2.flags = s->flags;
	s2.context_count = 1;
	s2.contexts[0] = s->context;
	return dxgmock__kmt_ioctl(code_of("LX_DXSIGNALSYNCHRONIZATIONOBJECT"), &s2);
}

static uint32_t open_sync_nt1(void *args)
{
	(void)args;
	return DXGMOCK_STATUS_NOT_SUPPORTED;
}

/* Trim notifications never fire in a VM; the handle is only a token. */
static uint64_t trim_tokens;

static uint32_t register_trim(void *args)
{
	struct dxgt_registertrimnotification *r = args;
	r->handle = 0x74726d0000000000ull | __atomic_add_fetch(&trim_tokens, 1, __ATOMIC_RELAXED);
	return 0;
}

static uint32_t unregister_trim(void *args)
{
	const struct dxgt_unregistertrimnotification *u = args;
	return u->handle ? 0 : DXGMOCK_STATUS_INVALID_PARAMETER;
}

static const struct {
	const char *kmt_name;
	uint32_t (*fn)(void *args);
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

/* ---- the common entry ---- */

/* "type=48 flags=0x0" from the row's scalars, for the debug log. */
static void describe(const struct dxgt_call_desc *d, const void *args, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint16_t i = 0; i < d->n_scalars && n < len; i++) {
		const struct dxgt_field_desc *f = &d->scalars[i];
		uint64_t v = 0;
		if (dxgt_field_read(args, d->kmt_size, f->off, f->size, &v) < 0)
			continue;
		const char *sep = n ? " " : "";
		int k;
		if (f->fmt == DXGT_FMT_LUID)
			k = snprintf(buf + n, len - n, "%s%s=%08" PRIx32 ":%08" PRIx32, sep,
				     f->name, (uint32_t)(v >> 32), (uint32_t)v);
		else if (f->fmt == DXGT_FMT_HEX)
			k = snprintf(buf + n, len - n, "%s%s=0x%" PRIx64, sep, f->name, v);
		else
			k = snprintf(buf + n, len - n, "%s%s=%" PRIu64, sep, f->name, v);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	for (uint16_t i = 0; i < d->n_bufs && n < len; i++) {
		uint64_t bytes = 0;
		if (d->bufs[i].rule == DXGT_LEN_FIELD &&
		    dxgt_buf_len(&d->bufs[i], args, d->kmt_size, &bytes) == 0) {
			int k = snprintf(buf + n, len - n, "%s%s_size=%" PRIu64, n ? " " : "",
					 d->bufs[i].name, bytes);
			if (k < 0)
				break;
			n += (size_t)k;
		}
	}
}

int32_t dxgmock__kmt(unsigned id, void *args)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(id);
	char what[256] = "";
	if (d && args && dxgmock__debug())
		describe(d, args, what, sizeof(what));
	uint32_t st;
	if (!d) {
		st = DXGMOCK_STATUS_NOT_IMPLEMENTED;
	} else if (!args) {
		st = DXGMOCK_STATUS_INVALID_PARAMETER;
	} else if (!dxgmock__profile()) {
		st = DXGMOCK_STATUS_DEVICE_REMOVED;
	} else if (d->ioctl_code) {
		st = dxgmock__kmt_ioctl(d->ioctl_code, args);
	} else {
		st = DXGMOCK_STATUS_NOT_IMPLEMENTED;
		for (size_t i = 0; i < sizeof(compat) / sizeof(compat[0]); i++)
			if (strcmp(compat[i].kmt_name, d->kmt_name) == 0)
				st = compat[i].fn(args);
	}
	if (dxgmock__debug()) {
		char name[DXGT_NTSTATUS_NAME_MAX];
		dxgt_ntstatus_format(st, name, sizeof(name));
		dxgmock__log("%s(%s) -> 0x%08" PRIX32 " %s", d ? d->kmt_name : "D3DKMT?", what, st,
			     name);
	}
	return (int32_t)st;
}
