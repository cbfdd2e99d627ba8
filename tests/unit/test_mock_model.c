// SPDX-License-Identifier: MIT
/*
 * The dxgkrnl model against the field reports: the NPU host (compute-only
 * 8086:7D1D enumerates and opens, empty escapes succeed, every non-empty
 * one fails EOVERFLOW / STATUS_BUFFER_TOO_SMALL), a permissive host, a
 * secure VM (known escapes only), and the guest driver's checks (request
 * size, handles, VM bus limit, array capacity, bad pointers), fault
 * injection, the QUERYREGISTRY size probe, and the memory user-mode
 * drivers read and map (fences, locked allocations, GPU mappings). Profiles are built here in C
 * so the model is tested apart from the JSON loader.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <wchar.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/mock.h"
#include "dxgt/uapi.h"

#define NPU_LUID 0x0000000100004d2aull

static const struct dxgt_mock_registry npu_registry[] = {
    {"DriverStorePathForComputeRuntime",
     2,
     1,
     {(const uint8_t *)"/usr/lib/wsl/drivers/npu.inf_amd64_0123", 39},
     true},
};

static const struct dxgt_mock_fault npu_faults[] = {
    {.call_id = 0x09,
     .first = 1,
     .last = 2,
     .arg_name = "type",
     .arg_value = 31,
     .has_arg = true,
     .status = 0xC000000Du},
    {.call_id = 0x04,
     .first = 1,
     .last = UINT64_MAX,
     .after_escape_refused = true,
     .status = 0xC000000Du},
};

static struct dxgt_mock_adapter npu = {
    .luid = NPU_LUID,
    .vendor = 0x8086,
    .device = 0x7d1d,
    .subsys = 0x00008086,
    .revision = 4,
    .description = "Intel(R) AI Boost",
    .compute_only = true,
    .paravirtualized = true,
    .is_hardware = true,
    .registry = npu_registry,
    .n_registry = 1,
    .escape_policy = DXGT_ESCAPE_REJECT_NONEMPTY,
};

static struct dxgt_profile profile = {
    .name = "test",
    .vm_bus_limit = 131072,
    .adapters = &npu,
    .n_adapters = 1,
    .faults = npu_faults,
    .n_faults = 2,
};

#define IOC(name) (dxgt_call_by_name(name)->ioctl_code)

struct session {
	struct dxgt_mock *m;
	uint32_t adapter, device;
};

static void open_npu(struct session *s, unsigned flags)
{
	assert_int_equal(dxgt_mock_new(&s->m, &profile, flags), 0);
	struct dxgt_adapterinfo info[4];
	struct dxgt_enumadapters3 e = {1, 4, 0, (uint64_t)(uintptr_t)info};
	assert_int_equal(dxgt_mock_ioctl(s->m, IOC("EnumAdapters3"), &e), 0);
	assert_int_equal(e.adapter_count, 1);
	assert_int_equal(info[0].adapter_luid.a, (uint32_t)NPU_LUID);
	assert_int_equal(info[0].adapter_luid.b, (uint32_t)(NPU_LUID >> 32));
	struct dxgt_openadapterfromluid o = {{(uint32_t)NPU_LUID, (uint32_t)(NPU_LUID >> 32)}, 0};
	assert_int_equal(dxgt_mock_ioctl(s->m, IOC("OpenAdapterFromLuid"), &o), 0);
	s->adapter = o.adapter_handle;
	assert_true(s->adapter != 0);
	assert_int_equal(s->adapter & 0x3f, 0); /* dxgkrnl's handle shape */
	struct dxgt_createdevice c = {0};
	c.adapter = s->adapter;
	assert_int_equal(dxgt_mock_ioctl(s->m, IOC("CreateDevice"), &c), 0);
	s->device = c.device;
	assert_true(s->device != 0 && s->device != s->adapter);
}

static long escape(struct session *s, void *payload, uint32_t size, uint32_t flags)
{
	struct dxgt_escape e = {s->adapter, s->device, 0, flags, (uint64_t)(uintptr_t)payload,
				size,	    0};
	return dxgt_mock_ioctl(s->m, IOC("Escape"), &e);
}

static void npu_report_reproduces(void **state)
{
	(void)state;
	struct session s;
	open_npu(&s, 0);
	uint8_t payload[568] = {1, 2, 3};
	/* Every non-empty escape fails as reported: the UMD's registration
	 * escapes (as npu-probe sends them), and any size or flags. */
	assert_int_equal(escape(&s, payload, 64, 0), -EOVERFLOW);
	assert_int_equal(escape(&s, payload, 568, 0), -EOVERFLOW);
	assert_int_equal(escape(&s, payload, 24, 0), -EOVERFLOW);
	assert_int_equal(escape(&s, payload, 40, 0), -EOVERFLOW);
	assert_int_equal(escape(&s, payload, 1, 0x40), -EOVERFLOW);
	assert_int_equal(dxgt_mock_ntstatus_from_ioctl(-EOVERFLOW), 0xC0000023u);
	/* The report's check after them: an empty escape succeeds. */
	assert_int_equal(escape(&s, NULL, 0, 0), 0);
	/* Without registration every later primitive fails (the report); the
	 * empty escape that succeeded in between does not register. */
	struct dxgt_createcontextvirtual c = {0};
	c.device = s.device;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreateContextVirtual"), &c), -EINVAL);
	dxgt_mock_free(s.m);
	/* A host that never refused an escape creates the context. */
	open_npu(&s, 0);
	assert_int_equal(escape(&s, NULL, 0, 0), 0);
	c.device = s.device;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreateContextVirtual"), &c), 0);
	assert_true(c.context != 0);
	struct dxgt_destroycontext d = {c.context};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("DestroyContext"), &d), 0);
	/* Destroyed: the handle is no longer valid. */
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("DestroyContext"), &d), -EBADF);
	dxgt_mock_free(s.m);
}

static void escape_policies(void **state)
{
	(void)state;
	static const uint8_t prefix[] = {0xaa, 0xbb};
	static const uint8_t answer[] = {0x11, 0x22, 0x33};
	const struct dxgt_mock_escape_reply reply = {{prefix, 2}, 0, false, {answer, 3}, 0, 0};
	struct session s;
	uint8_t p[64];

	npu.escape_policy = DXGT_ESCAPE_PASS;
	npu.escape_replies = &reply;
	npu.n_escape_replies = 1;
	open_npu(&s, 0);
	memset(p, 7, sizeof(p));
	assert_int_equal(escape(&s, p, 64, 0), 0);
	assert_int_equal(p[0], 7); /* echoed by the vendor model */
	p[0] = 0xaa;
	p[1] = 0xbb;
	assert_int_equal(escape(&s, p, 64, 0), 0);
	assert_memory_equal(p, answer, 3); /* the canned reply */
	/* Over the VM bus limit: refused by the guest before anything is sent. */
	static uint8_t big[131073];
	assert_int_equal(escape(&s, big, sizeof(big), 0), -EINVAL);
	dxgt_mock_free(s.m);

	npu.escape_policy = DXGT_ESCAPE_KNOWN_ONLY;
	open_npu(&s, 0);
	assert_int_equal(escape(&s, p, 64, 0x40), 0);
	assert_int_equal(escape(&s, p, 64, 0), -EOVERFLOW);
	dxgt_mock_free(s.m);

	npu.escape_policy = DXGT_ESCAPE_DISABLED;
	open_npu(&s, 0);
	assert_int_equal(escape(&s, p, 64, 0x40), -EOVERFLOW);
	dxgt_mock_free(s.m);

	npu.escape_policy = DXGT_ESCAPE_REJECT_NONEMPTY;
	npu.escape_replies = NULL;
	npu.n_escape_replies = 0;
}

static void guest_checks(void **state)
{
	(void)state;
	struct session s;
	open_npu(&s, 0);
	struct dxgt_escape e = {s.adapter, s.device, 0, 0, 0, 0, 0};
	unsigned long code = IOC("Escape");
	/* The right number with another encoded size: -ENOTTY. */
	unsigned long wrong =
	    (code & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) | (40ul << _IOC_SIZESHIFT);
	assert_int_equal(dxgt_mock_ioctl(s.m, wrong, &e), -ENOTTY);
	assert_int_equal(dxgt_mock_ioctl(s.m, _IOWR(0x47, 0x4f, struct dxgt_escape), &e), -ENOTTY);
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("LX_DXCREATECONTEXT"), &e), -ENOTTY);
	/* A handle that names nothing: STATUS_INVALID_HANDLE, so -EBADF. */
	e.adapter = 0x40001234;
	assert_int_equal(dxgt_mock_ioctl(s.m, code, &e), -EBADF);
	/* A device handle used as an adapter is the wrong kind. */
	e.adapter = s.device;
	assert_int_equal(dxgt_mock_ioctl(s.m, code, &e), -EBADF);
	/* A bad pointer is -EFAULT, not a crash. */
	e.adapter = s.adapter;
	e.priv_drv_data = 16;
	e.priv_drv_data_size = 8;
	assert_int_equal(dxgt_mock_ioctl(s.m, code, &e), -EOVERFLOW); /* refused before the copy */
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreateDevice"), (void *)16), -EFAULT);
	/* Enumeration: capacity too small, and the count-only query. */
	struct dxgt_enumadapters3 e3 = {1, 0, 0, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("EnumAdapters3"), &e3), 0);
	assert_int_equal(e3.adapter_count, 1);
	struct dxgt_adapterinfo none[1];
	e3 = (struct dxgt_enumadapters3){1, 0, 0, (uint64_t)(uintptr_t)none};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("EnumAdapters3"), &e3), 0);
	assert_int_equal(e3.adapter_count, 1);
	struct dxgt_enumadapters2 e2 = {0, 0, (uint64_t)(uintptr_t)none};
	npu.compute_only = false;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("EnumAdapters2"), &e2), -EOVERFLOW);
	npu.compute_only = true;
	/* Without the compute-only filter the NPU is not listed. */
	e3 = (struct dxgt_enumadapters3){0, 1, 0, (uint64_t)(uintptr_t)none};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("EnumAdapters3"), &e3), 0);
	assert_int_equal(e3.adapter_count, 0);
	dxgt_mock_free(s.m);
}

static void query_adapter_info_and_faults(void **state)
{
	(void)state;
	struct session s;
	open_npu(&s, 0);
	uint32_t type_bits = 0;
	struct dxgt_queryadapterinfo q = {s.adapter, 15, (uint64_t)(uintptr_t)&type_bits, 4, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), 0);
	assert_int_equal(type_bits & 0x800, 0x800); /* compute only */
	assert_int_equal(type_bits & 0x80, 0x80);   /* paravirtualized */
	assert_int_equal(type_bits & 0x1, 0);	    /* no render */
	/* The fault: type 31 fails twice, then answers. */
	uint32_t ids[7] = {0};
	q = (struct dxgt_queryadapterinfo){s.adapter, 31, (uint64_t)(uintptr_t)ids, 28, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), -EINVAL);
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), -EINVAL);
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), 0);
	assert_int_equal(ids[1], 0x8086);
	assert_int_equal(ids[2], 0x7d1d);
	/* An unknown type: STATUS_INVALID_PARAMETER, -EINVAL. */
	q.type = 77;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), -EINVAL);
	/* The driver-store path: a size probe, then the read. */
	static uint8_t reg[1072 + 512];
	memset(reg, 0, sizeof(reg));
	reg[0] = 2; /* DRIVERSTOREPATH */
	q = (struct dxgt_queryadapterinfo){s.adapter, 48, (uint64_t)(uintptr_t)reg, 1072, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), 0);
	uint32_t status, need;
	memcpy(&status, reg + 1060, 4);
	memcpy(&need, reg + 1056, 4);
	assert_int_equal(status, 1); /* BUFFER_OVERFLOW */
	assert_int_equal(need, 40 * sizeof(wchar_t));
	q.private_data_size = 1072 - 8 + need;
	assert_true(q.private_data_size <= sizeof(reg));
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("QueryAdapterInfo"), &q), 0);
	memcpy(&status, reg + 1060, 4);
	assert_int_equal(status, 0);
	wchar_t path[64];
	memcpy(path, reg + 1064, need);
	assert_int_equal(wcscmp(path, L"/usr/lib/wsl/drivers/npu.inf_amd64_0123"), 0);
	dxgt_mock_free(s.m);
}

static void fences_and_allocations(void **state)
{
	(void)state;
	struct session s;
	open_npu(&s, DXGT_MOCK_TRUSTED);
	struct dxgt_createsynchronizationobject2 c = {0};
	c.device = s.device;
	c.info.type = 5; /* monitored fence */
	c.info.u.monitored_fence.initial_fence_value = 42;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreateSynchronizationObject2"), &c), 0);
	const uint64_t *fence =
	    (const uint64_t *)(uintptr_t)c.info.u.monitored_fence.fence_cpu_virtual_address;
	assert_non_null(fence);
	assert_int_equal(*fence, 42);
	uint64_t v = 43;
	struct dxgt_signalsynchronizationobjectfromcpu sig = {
	    s.device, 1, (uint64_t)(uintptr_t)&c.sync_object, (uint64_t)(uintptr_t)&v, 0, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("SignalSynchronizationObjectFromCpu"), &sig), 0);
	assert_int_equal(*fence, 43);

	struct dxgt_allocationinfo2 info[2] = {0};
	struct dxgt_createallocation ca = {0};
	ca.device = s.device;
	ca.alloc_count = 2;
	ca.allocation_info = (uint64_t)(uintptr_t)info;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreateAllocation2"), &ca), 0);
	assert_true(info[0].allocation && info[1].allocation &&
		    info[0].allocation != info[1].allocation);
	struct dxgt_lock2 l = {s.device, info[1].allocation, 0, 0, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("Lock2"), &l), 0);
	memset((void *)(uintptr_t)l.data, 0x5a, 4096); /* real, writable memory */
	struct dxgt_destroyallocation2 da = {s.device, 0, (uint64_t)(uintptr_t)&info[0].allocation,
					     1, 0};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("DestroyAllocation2"), &da), 0);
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("DestroyAllocation2"), &da), -EBADF);
	/* Mapping it: the address, or nothing for a mapping of no pages. */
	struct dxgt_createpagingqueue pq = {0};
	pq.device = s.device;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("CreatePagingQueue"), &pq), 0);
	struct dxgt_mapgpuvirtualaddress map = {0};
	map.paging_queue = pq.paging_queue;
	map.allocation = info[1].allocation;
	map.base_address = l.data;
	map.size_in_pages = 1;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("MapGpuVirtualAddress"), &map), 0);
	assert_true(map.virtual_address == l.data);
	map.size_in_pages = 0;
	map.virtual_address = 0;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("MapGpuVirtualAddress"), &map), -EINVAL);
	assert_true(map.virtual_address == 0);
	/* Destroying the device releases what it owned. */
	struct dxgt_destroydevice dd = {s.device};
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("DestroyDevice"), &dd), 0);
	l.device = 0;
	assert_int_equal(dxgt_mock_ioctl(s.m, IOC("Lock2"), &l), -EBADF);
	assert_int_equal(dxgt_mock_count(s.m, 0x25), 2);
	dxgt_mock_free(s.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(npu_report_reproduces),
	    cmocka_unit_test(escape_policies),
	    cmocka_unit_test(guest_checks),
	    cmocka_unit_test(query_adapter_info_and_faults),
	    cmocka_unit_test(fences_and_allocations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
