// SPDX-License-Identifier: MIT
/*
 * The D3DKMT layer of libdxgmock.so, done the way libdxcore does it: each
 * function issues its ioctl on a process-wide /dev/dxg descriptor and turns
 * the result into an NTSTATUS. The exported functions themselves are
 * generated from the descriptor list (gen_exports.c); every one of them
 * lands in dxgmock__kmt() with its call id.
 *
 * The translation from D3DKMT calls to requests is the mock library's
 * (dxgt_mock_kmt_with, mock/src/kmt.c), shared with the replayer; this file
 * gives it the way to issue a request in this process.
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
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/status.h"
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

/* The "issue an ioctl" of the shared D3DKMT layer (dxgt_mock_kmt_with):
 * 0, a positive NTSTATUS or -errno. No profile or no descriptor is a
 * removed device, as libdxcore reports a machine without /dev/dxg. */
static long kmt_issue(void *ctx, unsigned long request, void *arg)
{
	(void)ctx;
	if (!dxgmock__profile())
		return DXGMOCK_STATUS_DEVICE_REMOVED;
	int fd = kmt_fd();
	if (fd < 0)
		return DXGMOCK_STATUS_DEVICE_REMOVED;
	int r = use_globals() ? ioctl(fd, request, arg) : dxgmock__ioctl(fd, request, arg);
	return r >= 0 ? r : -(long)errno;
}

uint32_t dxgmock__kmt_ioctl(unsigned long request, void *arg)
{
	return dxgt_mock_ntstatus_from_ioctl(kmt_issue(NULL, request, arg));
}

uint32_t dxgmock__ioctl_code(unsigned id)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(id);
	return d ? d->ioctl_code : 0;
}

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
	} else {
		st = (uint32_t)dxgt_mock_kmt_with(kmt_issue, NULL, id, args);
	}
	if (dxgmock__debug()) {
		char name[DXGT_NTSTATUS_NAME_MAX];
		dxgt_ntstatus_format(st, name, sizeof(name));
		dxgmock__log("%s(%s) -> 0x%08" PRIX32 " %s", d ? d->kmt_name : "D3DKMT?", what, st,
			     name);
	}
	return (int32_t)st;
}
