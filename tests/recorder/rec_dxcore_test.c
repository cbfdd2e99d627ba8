// SPDX-License-Identifier: MIT
/*
 * The DXCore layer as a user-mode driver reaches it: dlopen("libdxcore.so"),
 * dlsym("DXCoreCreateAdapterFactory"), a factory, a compute adapter list,
 * the properties Intel's runtime reads, every other method once, and every
 * reference released. The answers must be the mock profile
 * wsl2-intel-npu's (one compute-only NPU, "Intel(R) AI Boost", 8086:7d1d,
 * LUID 0x123ab, driver 32.0.100.3104) whether or not the recorder sits in
 * between, errno must come through every method untouched, and each object
 * must keep one address (the same list entry twice, the factory from
 * everywhere, QueryInterface(IUnknown) on itself), also with threads
 * fetching and releasing one adapter at once.
 *
 * Methods are called through raw vtable slot numbers (DOMAIN.md section 8),
 * so a slot out of place in the recorder's proxies or the mock fails here.
 *
 * Usage: rec_dxcore_test [--traced]
 *   LD_PRELOAD=libdxgmock.so (or libdxgtrace.so:libdxgmock.so with
 *   --traced, which also checks that the factory export and every object's
 *   methods are the recorder's proxies), DXGMOCK_PROFILE=wsl2-intel-npu.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_check.h"

struct guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};

static const struct guid iid_unknown = {0, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};
static const struct guid iid_factory = {
    0x78ee5945, 0xc36e, 0x4b13, {0xa6, 0x69, 0x00, 0x5d, 0xd1, 0x1c, 0x0f, 0x06}};
static const struct guid iid_list = {
    0x526c7776, 0x40e9, 0x459b, {0xb7, 0x11, 0xf3, 0x2a, 0xd7, 0x6d, 0xfc, 0x28}};
static const struct guid iid_adapter = {
    0xf0db4c7f, 0xfe5a, 0x42a2, {0xbd, 0x62, 0xf2, 0xa6, 0xcf, 0x6f, 0xc8, 0x3e}};
static const struct guid attr_compute = {
    0x248e2800, 0xa793, 0x4724, {0xab, 0xaa, 0x23, 0xa6, 0xde, 0x1b, 0xe0, 0x90}};
static const struct guid attr_graphics = {
    0x0c9ece4d, 0x2f6e, 0x4f01, {0x8c, 0x96, 0xe8, 0x9e, 0x33, 0x1b, 0x47, 0xb1}};
static const struct guid iid_bogus = {0x12345678, 1, 2, {3, 4, 5, 6, 7, 8, 9, 10}};

/* The profile's NPU. */
#define NPU_LUID_LOW 0x000123abu
#define NPU_LUID_HIGH 0u
#define NPU_VENDOR 0x8086u
#define NPU_DEVICE 0x7d1du
#define NPU_DESCRIPTION "Intel(R) AI Boost"
#define NPU_DRIVER_VERSION (32ull << 48 | 0ull << 32 | 100ull << 16 | 3104ull)

#define S_OK 0
#define E_NOTIMPL ((int32_t)0x80004001u)
#define E_NOINTERFACE ((int32_t)0x80004002u)
#define E_INVALIDARG ((int32_t)0x80070057u)
#define DXGI_ERROR_INVALID_CALL ((int32_t)0x887A0001u)
#define DXGI_ERROR_UNSUPPORTED ((int32_t)0x887A0004u)

/* Property ids. */
enum {
	P_LUID = 0,
	P_DRIVER_VERSION = 1,
	P_DESCRIPTION = 2,
	P_HWID = 3,
	P_HARDWARE = 11,
	P_INTEGRATED = 12
};

/* Slot i of a COM object's vtable. */
static void *slot(void *obj, int i)
{
	void *const *vtbl = *(void *const *const *)obj;
	return vtbl[i];
}

typedef int32_t (*create_fn)(const struct guid *, void **);
typedef int32_t (*qi_fn)(void *, const struct guid *, void **);
typedef uint32_t (*ref_fn)(void *);
typedef int32_t (*create_list_fn)(void *, uint32_t, const struct guid *, const struct guid *,
				  void **);
typedef int32_t (*by_luid_fn)(void *, const uint32_t *, const struct guid *, void **);
typedef bool (*bool_u32_fn)(void *, uint32_t);
typedef int32_t (*register_fn)(void *, void *, uint32_t, void (*)(uint32_t, void *, void *), void *,
			       uint32_t *);
typedef int32_t (*u32_fn)(void *, uint32_t);
typedef int32_t (*get_adapter_fn)(void *, uint32_t, const struct guid *, void **);
typedef uint32_t (*count_fn)(void *);
typedef bool (*bool_fn)(void *);
typedef int32_t (*sort_fn)(void *, uint32_t, const uint32_t *);
typedef bool (*attr_fn)(void *, const struct guid *);
typedef int32_t (*get_prop_fn)(void *, uint32_t, size_t, void *);
typedef int32_t (*prop_size_fn)(void *, uint32_t, size_t *);
typedef int32_t (*state_fn)(void *, uint32_t, size_t, const void *, size_t, void *);
typedef int32_t (*get_factory_fn)(void *, const struct guid *, void **);

static bool traced;

/* errno as the caller left it must survive every call. */
#define ERRNO_MARK 4242
static int errno_changes;

static void mark(void)
{
	errno = ERRNO_MARK;
}

static void unmarked(const char *what)
{
	if (errno != ERRNO_MARK) {
		errno_changes++;
		printf("# errno %d after %s\n", errno, what);
	}
}

/* fn lies in the recorder (with --traced) or in the mock (without). */
static bool served_by_expected(const void *fn)
{
	Dl_info info = {0};
	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return false;
	const char *base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	return strcmp(base, traced ? "libdxgtrace.so" : "libdxgmock.so") == 0;
}

static bool all_slots_expected(void *obj, int n)
{
	for (int i = 0; i < n; i++)
		if (!served_by_expected(slot(obj, i)))
			return false;
	return true;
}

static void notify(uint32_t type, void *object, void *context)
{
	(void)type, (void)object, (void)context;
}

/* ---- threads fetching and releasing one adapter ---- */

struct race {
	void *list;
	void *first;
	int mismatches;
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < 2000; i++) {
		void *ad = NULL;
		if (((get_adapter_fn)slot(r->list, 3))(r->list, 0, &iid_adapter, &ad) != S_OK ||
		    ad != r->first)
			__atomic_add_fetch(&r->mismatches, 1, __ATOMIC_RELAXED);
		if (ad)
			((ref_fn)slot(ad, 2))(ad);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	traced = argc > 1 && strcmp(argv[1], "--traced") == 0;

	void *lib = dlopen("libdxcore.so", RTLD_NOW | RTLD_LOCAL);
	CHECK(lib != NULL, "dlopen(\"libdxcore.so\"): %s", lib ? "ok" : dlerror());
	if (!lib)
		DONE();
	create_fn create = (create_fn)dlsym(lib, "DXCoreCreateAdapterFactory");
	CHECK(create != NULL, "dlsym finds DXCoreCreateAdapterFactory");
	if (!create)
		DONE();
	CHECK(served_by_expected((const void *)create), "the factory export is the %s's",
	      traced ? "recorder" : "mock");

	/* ---- the factory ---- */
	void *factory = NULL;
	mark();
	CHECK(create(&iid_factory, &factory) == S_OK && factory, "factory created");
	unmarked("DXCoreCreateAdapterFactory");
	if (!factory)
		DONE();
	CHECK(all_slots_expected(factory, 8), "the factory's 8 methods are the %s's",
	      traced ? "proxy" : "mock");
	void *again = NULL;
	CHECK(create(&iid_factory, &again) == S_OK && again == factory,
	      "a second create returns the same factory");
	CHECK(((ref_fn)slot(again, 2))(again) == 1, "releasing it leaves one reference");
	void *none = (void *)1;
	CHECK(create(&iid_bogus, &none) == E_NOINTERFACE && none == NULL,
	      "an unknown IID gets E_NOINTERFACE and NULL");
	void *unk = NULL;
	CHECK(((qi_fn)slot(factory, 0))(factory, &iid_unknown, &unk) == S_OK && unk == factory,
	      "the factory's IUnknown is the factory");
	if (unk)
		((ref_fn)slot(unk, 2))(unk);
	CHECK(((ref_fn)slot(factory, 1))(factory) == 2, "AddRef counts");
	CHECK(((ref_fn)slot(factory, 2))(factory) == 1, "Release counts");
	mark();
	CHECK(!((bool_u32_fn)slot(factory, 5))(factory, 0), "no notification type is supported");
	unmarked("IsNotificationTypeSupported");

	/* ---- lists ---- */
	void *list = NULL, *glist = NULL;
	mark();
	CHECK(((create_list_fn)slot(factory, 3))(factory, 1, &attr_compute, &iid_list, &list) ==
		      S_OK &&
		  list,
	      "compute adapter list created");
	unmarked("CreateAdapterList");
	if (!list)
		DONE();
	CHECK(all_slots_expected(list, 9), "the list's 9 methods are the %s's",
	      traced ? "proxy" : "mock");
	mark();
	uint32_t n = ((count_fn)slot(list, 4))(list);
	unmarked("GetAdapterCount");
	CHECK(n == 1, "compute list: %u adapter, want 1", n);
	CHECK(((create_list_fn)slot(factory, 3))(factory, 1, &attr_graphics, &iid_list, &glist) ==
		      S_OK &&
		  glist && ((count_fn)slot(glist, 4))(glist) == 0,
	      "graphics list: no adapter (the NPU is compute-only)");
	if (glist)
		CHECK(((ref_fn)slot(glist, 2))(glist) == 0, "graphics list released");
	void *bad = (void *)1;
	CHECK(((create_list_fn)slot(factory, 3))(factory, 0, NULL, &iid_list, &bad) ==
		      E_INVALIDARG &&
		  bad == NULL,
	      "a list with no attribute is E_INVALIDARG and NULL");
	CHECK(!((bool_fn)slot(list, 5))(list), "the list is not stale");
	unk = NULL;
	CHECK(((qi_fn)slot(list, 0))(list, &iid_unknown, &unk) == S_OK && unk == list,
	      "the list's IUnknown is the list");
	CHECK(((ref_fn)slot(list, 2))(list) == 1, "Release gives back the count");
	static const uint32_t prefs[] = {1};
	mark();
	CHECK(((sort_fn)slot(list, 7))(list, 1, prefs) == S_OK, "Sort");
	unmarked("Sort");
	CHECK(!((bool_u32_fn)slot(list, 8))(list, 1), "no preference is supported");
	void *fac = NULL;
	CHECK(((get_factory_fn)slot(list, 6))(list, &iid_factory, &fac) == S_OK && fac == factory,
	      "the list's GetFactory is the factory");
	if (fac)
		((ref_fn)slot(fac, 2))(fac);

	/* ---- the adapter ---- */
	void *ad = NULL, *ad2 = NULL;
	mark();
	CHECK(((get_adapter_fn)slot(list, 3))(list, 0, &iid_adapter, &ad) == S_OK && ad,
	      "GetAdapter(0)");
	unmarked("GetAdapter");
	if (!ad)
		DONE();
	CHECK(all_slots_expected(ad, 13), "the adapter's 13 methods are the %s's",
	      traced ? "proxy" : "mock");
	CHECK(((get_adapter_fn)slot(list, 3))(list, 0, &iid_adapter, &ad2) == S_OK && ad2 == ad,
	      "GetAdapter(0) again is the same adapter");
	if (ad2)
		CHECK(((ref_fn)slot(ad2, 2))(ad2) == 2, "its second reference released");
	void *past = (void *)1;
	CHECK(((get_adapter_fn)slot(list, 3))(list, n, &iid_adapter, &past) == E_INVALIDARG &&
		  past == NULL,
	      "GetAdapter past the end is E_INVALIDARG");
	mark();
	CHECK(((bool_fn)slot(ad, 3))(ad), "IsValid");
	CHECK(((attr_fn)slot(ad, 4))(ad, &attr_compute), "supports D3D12_CORE_COMPUTE");
	CHECK(!((attr_fn)slot(ad, 4))(ad, &attr_graphics), "does not support D3D12_GRAPHICS");
	unmarked("IsValid, IsAttributeSupported");

	uint32_t luid[2] = {0, 0};
	mark();
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_LUID, sizeof(luid), luid) == S_OK &&
		  luid[0] == NPU_LUID_LOW && luid[1] == NPU_LUID_HIGH,
	      "InstanceLuid %08x:%08x", luid[1], luid[0]);
	unmarked("GetProperty");
	uint32_t hwid[4] = {0};
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_HWID, sizeof(hwid), hwid) == S_OK &&
		  hwid[0] == NPU_VENDOR && hwid[1] == NPU_DEVICE && hwid[2] == 0 && hwid[3] == 0,
	      "HardwareID %04x:%04x subsys %x rev %u", hwid[0], hwid[1], hwid[2], hwid[3]);
	size_t size = 0;
	mark();
	CHECK(((prop_size_fn)slot(ad, 7))(ad, P_DESCRIPTION, &size) == S_OK &&
		  size == sizeof(NPU_DESCRIPTION),
	      "DriverDescription size %zu", size);
	unmarked("GetPropertySize");
	char desc[64] = "";
	CHECK(size <= sizeof(desc) &&
		  ((get_prop_fn)slot(ad, 6))(ad, P_DESCRIPTION, size, desc) == 0 &&
		  strcmp(desc, NPU_DESCRIPTION) == 0,
	      "DriverDescription \"%s\"", desc);
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_DESCRIPTION, size - 1, desc) == E_INVALIDARG,
	      "a short buffer is E_INVALIDARG");
	uint64_t version = 0;
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_DRIVER_VERSION, 8, &version) == S_OK &&
		  version == NPU_DRIVER_VERSION,
	      "DriverVersion %016llx", (unsigned long long)version);
	uint8_t flag = 0xff;
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_HARDWARE, 1, &flag) == S_OK && flag == 1,
	      "IsHardware %u", flag);
	flag = 0xff;
	CHECK(((get_prop_fn)slot(ad, 6))(ad, P_INTEGRATED, 1, &flag) == S_OK && flag == 0,
	      "IsIntegrated %u", flag);
	CHECK(((bool_u32_fn)slot(ad, 5))(ad, P_INTEGRATED), "IsIntegrated is supported");
	CHECK(!((bool_u32_fn)slot(ad, 5))(ad, 5), "ComputePreemptionGranularity is not");
	uint64_t v = 0;
	mark();
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 99, 8, &v) == DXGI_ERROR_INVALID_CALL,
	      "an unknown property is DXGI_ERROR_INVALID_CALL");
	unmarked("GetProperty(99)");
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 5, 8, &v) == DXGI_ERROR_UNSUPPORTED,
	      "an unsupported property is DXGI_ERROR_UNSUPPORTED");
	size = 77;
	CHECK(((prop_size_fn)slot(ad, 7))(ad, 99, &size) == DXGI_ERROR_INVALID_CALL && size == 77,
	      "GetPropertySize of an unknown property leaves the size alone");
	uint32_t in = 1, out = 0;
	CHECK(!((bool_u32_fn)slot(ad, 8))(ad, 1), "no state can be queried");
	CHECK(((state_fn)slot(ad, 9))(ad, 1, sizeof(in), &in, sizeof(out), &out) == E_NOTIMPL,
	      "QueryState is E_NOTIMPL");
	CHECK(!((bool_u32_fn)slot(ad, 10))(ad, 1), "no state can be set");
	CHECK(((state_fn)slot(ad, 11))(ad, 1, sizeof(in), &in, sizeof(out), &out) == E_NOTIMPL,
	      "SetState is E_NOTIMPL");
	fac = NULL;
	CHECK(((get_factory_fn)slot(ad, 12))(ad, &iid_factory, &fac) == S_OK && fac == factory,
	      "the adapter's GetFactory is the factory");
	if (fac)
		((ref_fn)slot(fac, 2))(fac);
	unk = NULL;
	CHECK(((qi_fn)slot(ad, 0))(ad, &iid_unknown, &unk) == S_OK && unk == ad,
	      "the adapter's IUnknown is the adapter");
	if (unk)
		((ref_fn)slot(unk, 2))(unk);
	void *not_a_list = (void *)1;
	CHECK(((qi_fn)slot(ad, 0))(ad, &iid_list, &not_a_list) == E_NOINTERFACE &&
		  not_a_list == NULL,
	      "an adapter is not a list");

	/* ---- by LUID, notifications ---- */
	void *by = NULL;
	mark();
	CHECK(((by_luid_fn)slot(factory, 4))(factory, luid, &iid_adapter, &by) == S_OK && by,
	      "GetAdapterByLuid finds the NPU");
	unmarked("GetAdapterByLuid");
	uint32_t luid2[2] = {0, 0};
	if (by) {
		CHECK(((get_prop_fn)slot(by, 6))(by, P_LUID, sizeof(luid2), luid2) == S_OK &&
			  luid2[0] == luid[0] && luid2[1] == luid[1],
		      "with the same LUID");
		CHECK(((ref_fn)slot(by, 2))(by) == 0, "and is released");
	}
	uint32_t cookie = 99;
	mark();
	CHECK(((register_fn)slot(factory, 6))(factory, list, 0, notify, &cookie, &cookie) ==
		      E_NOTIMPL &&
		  cookie == 99,
	      "RegisterEventNotification is E_NOTIMPL");
	CHECK(((u32_fn)slot(factory, 7))(factory, 1) == E_NOTIMPL,
	      "UnregisterEventNotification is E_NOTIMPL");
	unmarked("RegisterEventNotification, UnregisterEventNotification");

	/* ---- one adapter fetched and released from several threads ---- */
	struct race r = {list, ad, 0};
	pthread_t t[4];
	int started = 0;
	for (int i = 0; i < 4; i++)
		started += pthread_create(&t[i], NULL, race_thread, &r) == 0;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CHECK(started == 4 && r.mismatches == 0,
	      "4 threads x 2000 GetAdapter/Release: always the same adapter (%d mismatches)",
	      r.mismatches);

	/* ---- everything released ---- */
	mark();
	CHECK(((ref_fn)slot(ad, 2))(ad) == 1, "adapter released, the list still holds it");
	CHECK(((ref_fn)slot(list, 2))(list) == 0, "list released");
	CHECK(((ref_fn)slot(factory, 2))(factory) == 0, "factory released");
	unmarked("Release");

	/* A factory made after the last one went works as the first did. */
	void *f2 = NULL, *l2 = NULL;
	CHECK(create(&iid_factory, &f2) == S_OK && f2, "a new factory after the last release");
	if (f2) {
		CHECK(((create_list_fn)slot(f2, 3))(f2, 1, &attr_compute, &iid_list, &l2) == S_OK &&
			  l2 && ((count_fn)slot(l2, 4))(l2) == 1,
		      "its compute list has the NPU");
		if (l2)
			CHECK(((ref_fn)slot(l2, 2))(l2) == 0, "released");
		CHECK(((ref_fn)slot(f2, 2))(f2) == 0, "released");
	}
	CHECK(errno_changes == 0, "errno came through every call untouched (%d changes)",
	      errno_changes);
	DONE();
}
