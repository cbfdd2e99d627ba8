// SPDX-License-Identifier: MIT
/*
 * rep_handles [--hidden]: a program for the replay tests whose objects are
 * created and destroyed interleaved, so that handle values are reused
 * (the host gives a destroyed object's slot to the next one) and a replay
 * must follow every binding and release. Through libdxcore.so (dlopen, as
 * a user-mode driver does) it opens an adapter, makes two devices, paging
 * queues, allocations with per-allocation private data (a second-level
 * buffer), sync objects, a context; uses them through handle arrays in
 * nested buffers (MakeResident, SignalSynchronizationObjectFromCpu); and
 * destroys them in another order than it made them, a device with its
 * children still alive included.
 *
 * --hidden first makes two objects with raw ioctls on /dev/dxg and
 * destroys one: recorded with DXGTRACE_LAYERS=d3dkmt they are not in the
 * trace, so every handle the replay gets differs from the recorded one,
 * and there is a free slot the host reuses.
 *
 * Prints one line per D3DKMT call, "D3DKMTName(what) = 0x%08X"; exit
 * status 0 when every call succeeded, 1 otherwise, 2 on a setup failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/uapi.h"

#define KMT(X)                                                                                     \
	X(EnumAdapters3)                                                                           \
	X(OpenAdapterFromLuid)                                                                     \
	X(CreateDevice)                                                                            \
	X(CreatePagingQueue)                                                                       \
	X(CreateAllocation2)                                                                       \
	X(MakeResident)                                                                            \
	X(CreateSynchronizationObject2)                                                            \
	X(SignalSynchronizationObjectFromCpu)                                                      \
	X(DestroyAllocation2)                                                                      \
	X(CreateContextVirtual)                                                                    \
	X(Escape)                                                                                  \
	X(Lock2)                                                                                   \
	X(Unlock2)                                                                                 \
	X(DestroySynchronizationObject)                                                            \
	X(DestroyContext)                                                                          \
	X(DestroyPagingQueue)                                                                      \
	X(DestroyDevice)                                                                           \
	X(CloseAdapter)

typedef int32_t kmt_fn(void *args);
static struct {
#define FIELD(n) kmt_fn *n;
	KMT(FIELD)
#undef FIELD
} k;

static unsigned failed;

static int32_t call(kmt_fn *fn, const char *name, const char *what, void *args)
{
	int32_t st = fn(args);
	printf("D3DKMT%s(%s) = 0x%08X\n", name, what, (unsigned)st);
	if (st)
		failed++;
	return st;
}
#define CALL(n, what, args) call(k.n, #n, what, args)

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Two objects the trace will not show (raw ioctls), one destroyed again. */
static int hidden(struct dxgt_luid luid)
{
	int fd = open("/dev/dxg", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("rep_handles: /dev/dxg");
		return -1;
	}
	struct dxgt_openadapterfromluid o = {.adapter_luid = luid};
	struct dxgt_createdevice d = {0};
	struct dxgt_destroydevice x = {0};
	int rc = ioctl(fd, dxgt_call_by_name("LX_DXOPENADAPTERFROMLUID")->ioctl_code, &o);
	d.adapter = o.adapter_handle;
	if (rc == 0)
		rc = ioctl(fd, dxgt_call_by_name("LX_DXCREATEDEVICE")->ioctl_code, &d);
	x.device = d.device;
	if (rc == 0)
		rc = ioctl(fd, dxgt_call_by_name("LX_DXCREATEDEVICE")->ioctl_code, &d);
	if (rc == 0)
		rc = ioctl(fd, dxgt_call_by_name("LX_DXDESTROYDEVICE")->ioctl_code, &x);
	/* The descriptor stays open: the adapter and a device stay alive. */
	if (rc != 0)
		perror("rep_handles: hidden objects");
	return rc;
}

/* n allocations on device dev, each with 8 bytes of private data. */
static int32_t allocate(uint32_t dev, uint32_t n, uint32_t *out, const char *what)
{
	struct dxgt_allocationinfo2 info[4];
	uint8_t priv[4][8];
	uint8_t runtime[12] = "rep_handles";
	memset(info, 0, sizeof(info));
	for (uint32_t i = 0; i < n; i++) {
		memset(priv[i], (int)(0xa0 + i), sizeof(priv[i]));
		info[i].priv_drv_data = ptr(priv[i]);
		info[i].priv_drv_data_size = sizeof(priv[i]);
	}
	struct dxgt_createallocation c = {.device = dev,
					  .private_runtime_data = ptr(runtime),
					  .private_runtime_data_size = sizeof(runtime),
					  .alloc_count = n,
					  .allocation_info = ptr(info)};
	int32_t st = CALL(CreateAllocation2, what, &c);
	for (uint32_t i = 0; i < n; i++)
		out[i] = info[i].allocation;
	return st;
}

int main(int argc, char **argv)
{
	int hide = argc > 1 && strcmp(argv[1], "--hidden") == 0;
	void *lib = dlopen("libdxcore.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "rep_handles: %s\n", dlerror());
		return 2;
	}
	void *sym;
#define LOAD(n)                                                                                    \
	if (!(sym = dlsym(lib, "D3DKMT" #n))) {                                                    \
		fprintf(stderr, "rep_handles: no D3DKMT" #n "\n");                                 \
		return 2;                                                                          \
	}                                                                                          \
	memcpy(&k.n, &sym, sizeof(sym));
	KMT(LOAD)
#undef LOAD

	struct dxgt_adapterinfo list[16];
	memset(list, 0, sizeof(list));
	struct dxgt_enumadapters3 en = {.filter = 1, .adapter_count = 16, .adapters = ptr(list)};
	if (CALL(EnumAdapters3, "count=16", &en) || !en.adapter_count)
		return 2;
	if (hide && hidden(list[0].adapter_luid) != 0)
		return 2;
	struct dxgt_openadapterfromluid oa = {.adapter_luid = list[0].adapter_luid};
	if (CALL(OpenAdapterFromLuid, "first", &oa))
		return 2;
	uint32_t adapter = oa.adapter_handle;

	struct dxgt_createdevice d1 = {.adapter = adapter}, d2 = {.adapter = adapter};
	CALL(CreateDevice, "D1", &d1);
	CALL(CreateDevice, "D2", &d2);
	struct dxgt_createpagingqueue p1 = {.device = d1.device};
	CALL(CreatePagingQueue, "D1", &p1);
	uint32_t m[4] = {0};
	allocate(d2.device, 3, m, "D2, 3");
	/* D1 goes with its paging queue still alive: the host frees both. */
	struct dxgt_destroydevice x1 = {.device = d1.device};
	CALL(DestroyDevice, "D1", &x1);
	struct dxgt_createpagingqueue p2 = {.device = d2.device};
	CALL(CreatePagingQueue, "D2", &p2);
	uint32_t resident[2] = {m[0], m[2]}, prio[2] = {1, 2};
	struct dxgt_makeresident mr = {.paging_queue = p2.paging_queue,
				       .alloc_count = 2,
				       .allocation_list = ptr(resident),
				       .priority_list = ptr(prio)};
	CALL(MakeResident, "M1,M3", &mr);
	struct dxgt_createsynchronizationobject2 so = {.device = d2.device};
	so.info.type = 1; /* monitored fence */
	CALL(CreateSynchronizationObject2, "D2", &so);
	uint32_t objs[1] = {so.sync_object};
	uint64_t values[1] = {5};
	struct dxgt_signalsynchronizationobjectfromcpu sig = {.device = d2.device,
							      .object_count = 1,
							      .objects = ptr(objs),
							      .fence_values = ptr(values)};
	CALL(SignalSynchronizationObjectFromCpu, "S", &sig);
	uint32_t gone[1] = {m[1]};
	struct dxgt_destroyallocation2 da = {
	    .device = d2.device, .allocations = ptr(gone), .alloc_count = 1};
	CALL(DestroyAllocation2, "M2", &da);
	uint8_t cpriv[16] = "context private";
	struct dxgt_createcontextvirtual cv = {
	    .device = d2.device, .priv_drv_data = ptr(cpriv), .priv_drv_data_size = sizeof(cpriv)};
	CALL(CreateContextVirtual, "D2", &cv);
	uint8_t payload[32];
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 5 + 1);
	struct dxgt_escape es = {.adapter = adapter,
				 .device = d2.device,
				 .context = cv.context,
				 .priv_drv_data = ptr(payload),
				 .priv_drv_data_size = sizeof(payload)};
	CALL(Escape, "size=32", &es);
	/* The new allocation takes the slot M2 left. */
	allocate(d2.device, 1, &m[3], "D2, 1");
	struct dxgt_lock2 lk = {.device = d2.device, .allocation = m[3]};
	CALL(Lock2, "M4", &lk);
	struct dxgt_unlock2 ul = {.device = d2.device, .allocation = m[3]};
	CALL(Unlock2, "M4", &ul);
	uint32_t rest[3] = {m[0], m[2], m[3]};
	struct dxgt_destroyallocation2 db = {
	    .device = d2.device, .allocations = ptr(rest), .alloc_count = 3};
	CALL(DestroyAllocation2, "M1,M3,M4", &db);
	struct dxgt_destroysynchronizationobject ds = {.sync_object = so.sync_object};
	CALL(DestroySynchronizationObject, "S", &ds);
	struct dxgt_destroycontext dc = {.context = cv.context};
	CALL(DestroyContext, "C1", &dc);
	struct dxgt_destroypagingqueue dp = {.paging_queue = p2.paging_queue};
	CALL(DestroyPagingQueue, "P2", &dp);
	struct dxgt_destroydevice x2 = {.device = d2.device};
	CALL(DestroyDevice, "D2", &x2);
	struct dxgt_closeadapter ca = {.adapter_handle = adapter};
	CALL(CloseAdapter, "opened", &ca);
	struct dxgt_closeadapter ce = {.adapter_handle = list[0].adapter_handle};
	CALL(CloseAdapter, "enumerated", &ce);
	printf("rep_handles: %u failed\n", failed);
	return failed ? 1 : 0;
}
