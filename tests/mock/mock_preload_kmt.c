// SPDX-License-Identifier: MIT
/*
 * The D3DKMT layer under LD_PRELOAD=libdxgmock.so, reached the way
 * user-mode drivers reach libdxcore.so: dlopen of "libdxcore.so" (with
 * RTLD_LOCAL, with RTLD_LAZY|RTLD_DEEPBIND as Intel NEO does, by the WSL
 * path, by a versioned name), then dlsym. Runs the NPU field report's
 * sequence (EnumAdapters3 with the compute-only filter, OpenAdapterFromLuid,
 * CreateDevice, an empty escape that succeeds, a 64-byte escape that fails
 * with 0xC0000023), the D3DKMT-only calls libdxcore translates, and every
 * exported D3DKMT function once with a zeroed struct. Also checks that a
 * bare-name dlopen still follows the caller's RUNPATH with dlopen
 * interposed. With --traced, checks that fake_tracer.so, preloaded ahead of
 * the mock, saw the D3DKMT layer's open of /dev/dxg and its ioctls.
 *
 * Expects DXGMOCK_PROFILE=wsl2-intel-npu.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/uapi.h"
#include "mock_check.h"

typedef int32_t (*kmt_fn)(void *);

static void *h;

static kmt_fn fn(const char *name)
{
	return (kmt_fn)dlsym(h, name);
}

static int32_t call(const char *name, void *args)
{
	kmt_fn f = fn(name);
	return f ? f(args) : (int32_t)0xdeadbeef;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ASan's dlopen interceptor refuses RTLD_DEEPBIND outright, so under ASan
 * the DEEPBIND requests go to the mock's dlopen directly. */
static void *open_dxcore(const char *name, int flags)
{
#if defined(__SANITIZE_ADDRESS__)
	if (flags & RTLD_DEEPBIND) {
		void *self = dlopen("libdxgmock.so", RTLD_NOW | RTLD_NOLOAD);
		void *(*mock_dlopen)(const char *, int) =
		    self ? (void *(*)(const char *, int))dlsym(self, "dlopen") : NULL;
		return mock_dlopen ? mock_dlopen(name, flags) : NULL;
	}
#endif
	return dlopen(name, flags);
}

static void redirects(void)
{
	static const struct {
		const char *name;
		int flags;
	} reqs[] = {
	    {"libdxcore.so", RTLD_NOW | RTLD_LOCAL},
	    {"libdxcore.so", RTLD_LAZY | RTLD_DEEPBIND},
	    {"/usr/lib/wsl/lib/libdxcore.so", RTLD_LAZY | RTLD_DEEPBIND},
	    {"/usr/lib/wsl/lib/libdxcore.so", RTLD_NOW | RTLD_GLOBAL},
	    {"libdxcore.so.1", RTLD_LAZY},
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		void *x = open_dxcore(reqs[i].name, reqs[i].flags);
		void *sym = x ? dlsym(x, "D3DKMTEscape") : NULL;
		Dl_info info = {0};
		CHECK(sym && dladdr(sym, &info) &&
			  strcmp(base(info.dli_fname), "libdxgmock.so") == 0,
		      "dlopen(\"%s\", 0x%x) finds D3DKMTEscape in %s", reqs[i].name, reqs[i].flags,
		      info.dli_fname ? info.dli_fname : "nothing");
		if (!h)
			h = x;
		else if (x)
			dlclose(x);
	}
	CHECK(dlopen("libdxcorex.so", RTLD_NOW) == NULL, "other names are not redirected");
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's own dlopen interceptor makes libasan the caller glibc sees,
	 * which loses the program's RUNPATH with or without the mock. */
	printf("# skipped under ASan: the RUNPATH of a bare-name dlopen\n");
#else
	void *p = dlopen("libdxgmock_rpath_probe.so", RTLD_NOW);
	CHECK(p && dlsym(p, "dxgmock_rpath_probe"),
	      "a bare name still follows the caller's RUNPATH: %s", p ? "found" : dlerror());
#endif
}

static void npu_report(void)
{
	struct dxgt_enumadapters3 e = {1, 0, 0, 0};
	CHECK(call("D3DKMTEnumAdapters3", &e) == 0 && e.adapter_count == 1,
	      "EnumAdapters3 count query: %u adapter(s)", e.adapter_count);
	struct dxgt_adapterinfo info[4] = {0};
	e.adapter_count = 4;
	e.adapters = (uint64_t)(uintptr_t)info;
	CHECK(call("D3DKMTEnumAdapters3", &e) == 0 && e.adapter_count == 1 &&
		  info[0].adapter_handle,
	      "EnumAdapters3 with the compute-only filter finds the NPU (LUID %08x:%08x)",
	      info[0].adapter_luid.b, info[0].adapter_luid.a);
	struct dxgt_enumadapters3 e0 = {0, 4, (uint64_t)(uintptr_t)info, 0};
	CHECK(call("D3DKMTEnumAdapters3", &e0) == 0 && e0.adapter_count == 0,
	      "without the filter the compute-only NPU is not listed");
	struct dxgt_enumadapters v1 = {0};
	CHECK(call("D3DKMTEnumAdapters", &v1) == 0 && v1.num_adapters == 0,
	      "EnumAdapters (v1, through ENUMADAPTERS2) does not list it either");

	struct dxgt_openadapterfromluid o = {info[0].adapter_luid, 0};
	CHECK(call("D3DKMTOpenAdapterFromLuid", &o) == 0 && o.adapter_handle,
	      "OpenAdapterFromLuid: adapter 0x%08x", o.adapter_handle);
	struct dxgt_openadapterfromluid bad = {{0xdead, 0}, 0};
	CHECK(call("D3DKMTOpenAdapterFromLuid", &bad) == (int32_t)0xC000000D,
	      "an unknown LUID is STATUS_INVALID_PARAMETER");
	struct dxgt_queryadapterinfo q = {o.adapter_handle, 15, 0, 4, 0};
	uint32_t type = 0;
	q.private_data = (uint64_t)(uintptr_t)&type;
	CHECK(call("D3DKMTQueryAdapterInfo", &q) == 0 && (type & 0x800),
	      "QueryAdapterInfo(ADAPTERTYPE) says compute-only (0x%x)", type);

	struct dxgt_createdevice cd = {0};
	cd.adapter = o.adapter_handle;
	CHECK(call("D3DKMTCreateDevice", &cd) == 0 && cd.device, "CreateDevice: device 0x%08x",
	      cd.device);
	/* A context made before any escape is refused still works later. */
	struct dxgt_createcontextvirtual cc = {0};
	cc.device = cd.device;
	CHECK(call("D3DKMTCreateContextVirtual", &cc) == 0 && cc.context, "CreateContextVirtual");
	struct dxgt_escape esc = {o.adapter_handle, cd.device, 0, 0, 0, 0, 0};
	CHECK(call("D3DKMTEscape", &esc) == 0, "an empty escape succeeds");
	uint8_t payload[64] = {1, 2, 3};
	esc.priv_drv_data = (uint64_t)(uintptr_t)payload;
	esc.priv_drv_data_size = sizeof(payload);
	int32_t st = call("D3DKMTEscape", &esc);
	CHECK(st == (int32_t)0xC0000023, "a 64-byte escape fails with 0x%08X (want 0xC0000023)",
	      (uint32_t)st);

	/* The D3DKMT-only calls, translated. */
	uint8_t priv[16] = {0};
	struct dxgt_allocationinfo ai[2] = {0};
	for (int i = 0; i < 2; i++) {
		ai[i].priv_drv_data = (uint64_t)(uintptr_t)priv;
		ai[i].priv_drv_data_size = sizeof(priv);
	}
	struct dxgt_createallocation ca = {0};
	ca.device = cd.device;
	ca.alloc_count = 2;
	ca.allocation_info = (uint64_t)(uintptr_t)ai;
	CHECK(call("D3DKMTCreateAllocation", &ca) == 0 && ai[0].allocation && ai[1].allocation &&
		  ai[0].allocation != ai[1].allocation,
	      "CreateAllocation (v1 elements): 0x%08x 0x%08x", ai[0].allocation, ai[1].allocation);
	uint32_t hs[2] = {ai[0].allocation, ai[1].allocation};
	struct dxgt_destroyallocation da = {cd.device, 0, (uint64_t)(uintptr_t)hs, 2, 0};
	CHECK(call("D3DKMTDestroyAllocation", &da) == 0, "DestroyAllocation of both");

	/* After a refused registration escape, a new context fails as the
	 * report says every later primitive does. */
	struct dxgt_createcontextvirtual late = {0};
	late.device = cd.device;
	st = call("D3DKMTCreateContextVirtual", &late);
	CHECK(st == (int32_t)0xC000000D,
	      "CreateContextVirtual after a refused escape fails with 0x%08X (want 0xC000000D)",
	      (uint32_t)st);
	struct dxgt_createsynchronizationobject cs = {0};
	cs.device = cd.device;
	cs.type = 1; /* mutex */
	CHECK(call("D3DKMTCreateSynchronizationObject", &cs) == 0 && cs.sync_object,
	      "CreateSynchronizationObject (v1): 0x%08x", cs.sync_object);
	struct dxgt_signalsynchronizationobject ss = {cc.context, 1, {cs.sync_object}, 0};
	CHECK(call("D3DKMTSignalSynchronizationObject", &ss) == 0,
	      "SignalSynchronizationObject (v1)");
	struct dxgt_waitforsynchronizationobject ws = {cc.context, 1, {cs.sync_object}};
	CHECK(call("D3DKMTWaitForSynchronizationObject", &ws) == 0,
	      "WaitForSynchronizationObject (v1)");
	struct dxgt_waitforsynchronizationobject wbad = {cc.context, 1, {0x7fffffc0}};
	CHECK(call("D3DKMTWaitForSynchronizationObject", &wbad) == (int32_t)0xC0000008,
	      "a bad sync handle is STATUS_INVALID_HANDLE");
	struct dxgt_opensyncobjectfromnthandle on = {0};
	CHECK(call("D3DKMTOpenSyncObjectFromNtHandle", &on) == (int32_t)0xC00000BB,
	      "OpenSyncObjectFromNtHandle is STATUS_NOT_SUPPORTED");
	struct dxgt_registertrimnotification rt = {0};
	rt.device = cd.device;
	CHECK(call("D3DKMTRegisterTrimNotification", &rt) == 0 && rt.handle,
	      "RegisterTrimNotification gives a handle");
	struct dxgt_unregistertrimnotification ut = {rt.handle, 0};
	CHECK(call("D3DKMTUnregisterTrimNotification", &ut) == 0, "UnregisterTrimNotification");

	struct dxgt_destroydevice dd = {cd.device};
	CHECK(call("D3DKMTDestroyDevice", &dd) == 0, "DestroyDevice");
	struct dxgt_closeadapter cl = {o.adapter_handle};
	CHECK(call("D3DKMTCloseAdapter", &cl) == 0, "CloseAdapter");
	CHECK(call("D3DKMTCloseAdapter", &cl) == (int32_t)0xC0000008,
	      "closing it twice is STATUS_INVALID_HANDLE");
	CHECK(call("D3DKMTEscape", NULL) == (int32_t)0xC000000D,
	      "a NULL struct is STATUS_INVALID_PARAMETER");
}

/* Every row with a D3DKMT name is exported, and survives a zeroed struct. */
static void every_export(void)
{
	size_t rows = 0, found = 0;
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		if (!d->kmt_name)
			continue;
		rows++;
		kmt_fn f = fn(d->kmt_name);
		if (!f) {
			printf("# missing %s\n", d->kmt_name);
			continue;
		}
		found++;
		_Alignas(16) uint8_t zero[2048] = {0};
		(void)f(zero);
	}
	CHECK(rows > 0 && found == rows, "%zu of %zu D3DKMT functions exported and callable", found,
	      rows);
}

/* With fake_tracer.so preloaded ahead of the mock, the D3DKMT calls above
 * showed their ioctl layer to it, as libdxcore's do to the recorder. */
static void traced(void)
{
	unsigned *opens = dlsym(RTLD_DEFAULT, "dxgmock_fake_tracer_opens");
	unsigned *ioctls = dlsym(RTLD_DEFAULT, "dxgmock_fake_tracer_ioctls");
	CHECK(opens && ioctls, "the fake tracer is preloaded");
	if (!opens || !ioctls)
		return;
	CHECK(*opens == 1, "it saw the D3DKMT layer open /dev/dxg once (%u)", *opens);
	CHECK(*ioctls >= 20, "it saw the D3DKMT layer's ioctls (%u)", *ioctls);
}

int main(int argc, char **argv)
{
	redirects();
	CHECK(h != NULL, "libdxcore.so handle");
	if (!h)
		DONE();
	npu_report();
	every_export();
	if (argc > 1 && strcmp(argv[1], "--traced") == 0)
		traced();
	DONE();
}
