// SPDX-License-Identifier: MIT
/*
 * libdxgmock.so loaded with dlopen, as a program that links nothing of it
 * would load libdxcore.so: DXCoreCreateAdapterFactory, a compute adapter
 * list, and the properties a user-mode driver reads (LUID, HardwareID,
 * DriverDescription, IsHardware), against the profile in DXGMOCK_PROFILE.
 *
 * The methods are called through raw vtable slot numbers taken from
 * DOMAIN.md section 8, not through the library's own structs, so a slot out
 * of place in the library fails here.
 *
 * Usage: mock_dxcore_direct LIB VENDOR:DEVICE DESCRIPTION N_COMPUTE N_GRAPHICS
 */
#include <dlfcn.h>
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

/* Slot i of a COM object's vtable. */
static void *slot(void *obj, int i)
{
	void *const *vtbl = *(void *const *const *)obj;
	return vtbl[i];
}

typedef int32_t (*qi_fn)(void *, const struct guid *, void **);
typedef uint32_t (*ref_fn)(void *);
typedef int32_t (*create_list_fn)(void *, uint32_t, const struct guid *, const struct guid *,
				  void **);
typedef int32_t (*by_luid_fn)(void *, const uint32_t *, const struct guid *, void **);
typedef bool (*bool_u32_fn)(void *, uint32_t);
typedef int32_t (*get_adapter_fn)(void *, uint32_t, const struct guid *, void **);
typedef uint32_t (*count_fn)(void *);
typedef bool (*bool_fn)(void *);
typedef bool (*attr_fn)(void *, const struct guid *);
typedef int32_t (*get_prop_fn)(void *, uint32_t, size_t, void *);
typedef int32_t (*prop_size_fn)(void *, uint32_t, size_t *);
typedef int32_t (*get_factory_fn)(void *, const struct guid *, void **);

#define E_NOINTERFACE 0x80004002u
#define E_INVALIDARG 0x80070057u
#define DXGI_ERROR_INVALID_CALL 0x887A0001u
#define DXGI_ERROR_UNSUPPORTED 0x887A0004u

static void *make_list(void *factory, const struct guid *attr, uint32_t *count)
{
	void *list = NULL;
	int32_t hr = ((create_list_fn)slot(factory, 3))(factory, 1, attr, &iid_list, &list);
	*count = hr == 0 && list ? ((count_fn)slot(list, 4))(list) : 0;
	return hr == 0 ? list : NULL;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s LIB VENDOR:DEVICE DESCRIPTION N_COMPUTE N_GRAPHICS\n",
			argv[0]);
		return 2;
	}
	unsigned vendor = 0, device = 0;
	sscanf(argv[2], "%x:%x", &vendor, &device);
	uint32_t want_compute = (uint32_t)atoi(argv[4]), want_graphics = (uint32_t)atoi(argv[5]);

	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	CHECK(lib != NULL, "dlopen(%s): %s", argv[1], lib ? "ok" : dlerror());
	if (!lib)
		DONE();
	int32_t (*create)(const struct guid *, void **) =
	    (int32_t(*)(const struct guid *, void **))dlsym(lib, "DXCoreCreateAdapterFactory");
	CHECK(create != NULL, "DXCoreCreateAdapterFactory is exported");
	if (!create)
		DONE();

	void *factory = NULL;
	CHECK(create(&iid_factory, &factory) == 0 && factory, "factory created");
	void *again = NULL;
	CHECK(create(&iid_factory, &again) == 0 && again == factory,
	      "a second create returns the same factory");
	((ref_fn)slot(again, 2))(again);
	void *none = (void *)1;
	CHECK(create(&iid_bogus, &none) == (int32_t)E_NOINTERFACE && none == NULL,
	      "an unknown IID gets E_NOINTERFACE and NULL");

	uint32_t n = 0;
	void *list = make_list(factory, &attr_compute, &n);
	CHECK(list && n == want_compute, "compute list: %u adapter(s), want %u", n, want_compute);
	uint32_t ng = 0;
	void *glist = make_list(factory, &attr_graphics, &ng);
	CHECK(glist && ng == want_graphics, "graphics list: %u adapter(s), want %u", ng,
	      want_graphics);
	if (glist)
		CHECK(((ref_fn)slot(glist, 2))(glist) == 0, "graphics list released");
	if (!list || !n)
		DONE();
	CHECK(!((bool_fn)slot(list, 5))(list), "the list is not stale");

	void *unk = NULL;
	CHECK(((qi_fn)slot(list, 0))(list, &iid_unknown, &unk) == 0 && unk == list,
	      "list answers IUnknown");
	CHECK(((ref_fn)slot(list, 2))(list) == 1, "Release gives back the count");

	void *ad = NULL;
	CHECK(((get_adapter_fn)slot(list, 3))(list, 0, &iid_adapter, &ad) == 0 && ad,
	      "GetAdapter(0)");
	void *past = (void *)1;
	CHECK(((get_adapter_fn)slot(list, 3))(list, n, &iid_adapter, &past) ==
		  (int32_t)E_INVALIDARG,
	      "GetAdapter past the end is E_INVALIDARG");
	if (!ad)
		DONE();
	CHECK(((bool_fn)slot(ad, 3))(ad), "IsValid");
	CHECK(((attr_fn)slot(ad, 4))(ad, &attr_compute), "supports D3D12_CORE_COMPUTE");
	CHECK(((attr_fn)slot(ad, 4))(ad, &attr_graphics) == (want_graphics > 0),
	      "D3D12_GRAPHICS support matches the profile");

	uint32_t luid[2] = {0, 0};
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 0, sizeof(luid), luid) == 0, "InstanceLuid %08x:%08x",
	      luid[1], luid[0]);
	CHECK(luid[0] || luid[1], "the LUID is not zero");

	uint32_t hwid[4] = {0};
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 3, sizeof(hwid), hwid) == 0 && hwid[0] == vendor &&
		  hwid[1] == device,
	      "HardwareID %04x:%04x, want %04x:%04x", hwid[0], hwid[1], vendor, device);

	size_t size = 0;
	CHECK(((prop_size_fn)slot(ad, 7))(ad, 2, &size) == 0 && size == strlen(argv[3]) + 1,
	      "DriverDescription size %zu", size);
	char desc[256] = "";
	CHECK(size <= sizeof(desc) && ((get_prop_fn)slot(ad, 6))(ad, 2, size, desc) == 0 &&
		  strcmp(desc, argv[3]) == 0,
	      "DriverDescription \"%s\"", desc);
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 2, size - 1, desc) == (int32_t)E_INVALIDARG,
	      "a short buffer is E_INVALIDARG");

	uint8_t hw = 0xff;
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 11, 1, &hw) == 0 && hw == 1, "IsHardware %u", hw);
	uint64_t v = 0;
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 1, 8, &v) == 0 && v != 0, "DriverVersion %016llx",
	      (unsigned long long)v);
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 9, 8, &v) == 0 && v != 0, "SharedSystemMemory %llu",
	      (unsigned long long)v);
	CHECK(((bool_u32_fn)slot(ad, 5))(ad, 12), "IsIntegrated is supported");
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 99, 8, &v) == (int32_t)DXGI_ERROR_INVALID_CALL,
	      "an unknown property is DXGI_ERROR_INVALID_CALL");
	CHECK(((get_prop_fn)slot(ad, 6))(ad, 5, 8, &v) == (int32_t)DXGI_ERROR_UNSUPPORTED,
	      "an unsupported property is DXGI_ERROR_UNSUPPORTED");

	void *fac = NULL;
	CHECK(((get_factory_fn)slot(ad, 12))(ad, &iid_factory, &fac) == 0 && fac == factory,
	      "adapter GetFactory is the factory");
	((ref_fn)slot(fac, 2))(fac);

	void *by = NULL;
	CHECK(((by_luid_fn)slot(factory, 4))(factory, luid, &iid_adapter, &by) == 0 && by,
	      "GetAdapterByLuid finds it");
	if (by)
		((ref_fn)slot(by, 2))(by);
	CHECK(!((bool_u32_fn)slot(factory, 5))(factory, 0), "no notification type is supported");

	CHECK(((ref_fn)slot(ad, 2))(ad) == 1, "adapter released, the list still holds it");
	CHECK(((ref_fn)slot(list, 2))(list) == 0, "list released");
	CHECK(((ref_fn)slot(factory, 2))(factory) == 0, "factory released");
	DONE();
}
