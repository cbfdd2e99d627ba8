// SPDX-License-Identifier: MIT
/*
 * The DXCore adapter factory of libdxgmock.so: DXCoreCreateAdapterFactory
 * and the three COM-style objects behind it (factory, adapter list,
 * adapter), with the vtable slot order, GUIDs and property ids of
 * DXCore on Linux. `this` is every method's first argument; slots 0-2 are
 * QueryInterface, AddRef and Release; objects are reference counted.
 *
 * An adapter list is a snapshot taken the way libdxcore takes it, through
 * the emulated device: ENUMADAPTERS3 with the compute-only filter on the
 * D3DKMT layer's /dev/dxg (so a tracer sees it), CloseAdapter on each
 * handle it returns, and the properties of each LUID from the profile's
 * adapter description. The factory is a process-wide singleton, as
 * DXCore's is.
 *
 * Must never: hand out an object without a reference; write more than the
 * caller's buffer size; write to an out-pointer on a failure other than
 * clearing it; keep the profile's pointers beyond the profile (it lives for
 * the process).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/uapi.h"
#include "dxgmock_internal.h"

/* ---- COM basics ---- */

struct dxc_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};
_Static_assert(sizeof(struct dxc_guid) == 16, "GUID is 16 bytes");

#define GUID_OF(a, b, c, d0, d1_, d2_, d3_, d4_, d5, d6, d7)                                       \
	{                                                                                          \
		a, b, c,                                                                           \
		{                                                                                  \
			d0, d1_, d2_, d3_, d4_, d5, d6, d7                                         \
		}                                                                                  \
	}

static const struct dxc_guid iid_unknown =
    GUID_OF(0x00000000, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
static const struct dxc_guid iid_factory =
    GUID_OF(0x78ee5945, 0xc36e, 0x4b13, 0xa6, 0x69, 0x00, 0x5d, 0xd1, 0x1c, 0x0f, 0x06);
static const struct dxc_guid iid_list =
    GUID_OF(0x526c7776, 0x40e9, 0x459b, 0xb7, 0x11, 0xf3, 0x2a, 0xd7, 0x6d, 0xfc, 0x28);
static const struct dxc_guid iid_adapter =
    GUID_OF(0xf0db4c7f, 0xfe5a, 0x42a2, 0xbd, 0x62, 0xf2, 0xa6, 0xcf, 0x6f, 0xc8, 0x3e);
static const struct dxc_guid attr_core_compute =
    GUID_OF(0x248e2800, 0xa793, 0x4724, 0xab, 0xaa, 0x23, 0xa6, 0xde, 0x1b, 0xe0, 0x90);
static const struct dxc_guid attr_d3d12_graphics =
    GUID_OF(0x0c9ece4d, 0x2f6e, 0x4f01, 0x8c, 0x96, 0xe8, 0x9e, 0x33, 0x1b, 0x47, 0xb1);

#define S_OK_ 0
#define E_NOTIMPL_ ((int32_t)0x80004001u)
#define E_NOINTERFACE_ ((int32_t)0x80004002u)
#define E_POINTER_ ((int32_t)0x80004003u)
#define E_FAIL_ ((int32_t)0x80004005u)
#define E_OUTOFMEMORY_ ((int32_t)0x8007000Eu)
#define E_INVALIDARG_ ((int32_t)0x80070057u)
#define DXGI_ERROR_INVALID_CALL_ ((int32_t)0x887A0001u)
#define DXGI_ERROR_UNSUPPORTED_ ((int32_t)0x887A0004u)

static bool guid_eq(const struct dxc_guid *a, const struct dxc_guid *b)
{
	return a && b && memcmp(a, b, sizeof(*a)) == 0;
}

static const char *guid_name(const struct dxc_guid *g, char *buf, size_t len)
{
	static const struct {
		const struct dxc_guid *g;
		const char *name;
	} known[] = {
	    {&iid_unknown, "IID_IUnknown"},
	    {&iid_factory, "IID_IDXCoreAdapterFactory"},
	    {&iid_list, "IID_IDXCoreAdapterList"},
	    {&iid_adapter, "IID_IDXCoreAdapter"},
	    {&attr_core_compute, "DXCORE_ADAPTER_ATTRIBUTE_D3D12_CORE_COMPUTE"},
	    {&attr_d3d12_graphics, "DXCORE_ADAPTER_ATTRIBUTE_D3D12_GRAPHICS"},
	};
	if (!g)
		return "NULL";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (guid_eq(g, known[i].g))
			return known[i].name;
	snprintf(buf, len, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->d1, g->d2, g->d3,
		 g->d4[0], g->d4[1], g->d4[2], g->d4[3], g->d4[4], g->d4[5], g->d4[6], g->d4[7]);
	return buf;
}

/* ---- the objects ---- */

struct factory;
struct list;
struct adapter;

struct factory_vtbl {
	int32_t (*QueryInterface)(struct factory *, const struct dxc_guid *, void **);
	uint32_t (*AddRef)(struct factory *);
	uint32_t (*Release)(struct factory *);
	int32_t (*CreateAdapterList)(struct factory *, uint32_t, const struct dxc_guid *,
				     const struct dxc_guid *, void **);
	int32_t (*GetAdapterByLuid)(struct factory *, const struct dxgt_luid *,
				    const struct dxc_guid *, void **);
	bool (*IsNotificationTypeSupported)(struct factory *, uint32_t);
	int32_t (*RegisterEventNotification)(struct factory *, void *, uint32_t, void *, void *,
					     uint32_t *);
	int32_t (*UnregisterEventNotification)(struct factory *, uint32_t);
};

struct list_vtbl {
	int32_t (*QueryInterface)(struct list *, const struct dxc_guid *, void **);
	uint32_t (*AddRef)(struct list *);
	uint32_t (*Release)(struct list *);
	int32_t (*GetAdapter)(struct list *, uint32_t, const struct dxc_guid *, void **);
	uint32_t (*GetAdapterCount)(struct list *);
	bool (*IsStale)(struct list *);
	int32_t (*GetFactory)(struct list *, const struct dxc_guid *, void **);
	int32_t (*Sort)(struct list *, uint32_t, const uint32_t *);
	bool (*IsAdapterPreferenceSupported)(struct list *, uint32_t);
};

struct adapter_vtbl {
	int32_t (*QueryInterface)(struct adapter *, const struct dxc_guid *, void **);
	uint32_t (*AddRef)(struct adapter *);
	uint32_t (*Release)(struct adapter *);
	bool (*IsValid)(struct adapter *);
	bool (*IsAttributeSupported)(struct adapter *, const struct dxc_guid *);
	bool (*IsPropertySupported)(struct adapter *, uint32_t);
	int32_t (*GetProperty)(struct adapter *, uint32_t, size_t, void *);
	int32_t (*GetPropertySize)(struct adapter *, uint32_t, size_t *);
	bool (*IsQueryStateSupported)(struct adapter *, uint32_t);
	int32_t (*QueryState)(struct adapter *, uint32_t, size_t, const void *, size_t, void *);
	bool (*IsSetStateSupported)(struct adapter *, uint32_t);
	int32_t (*SetState)(struct adapter *, uint32_t, size_t, const void *, size_t, const void *);
	int32_t (*GetFactory)(struct adapter *, const struct dxc_guid *, void **);
};

/* The ABI: slots in declaration order after the three IUnknown ones. */
#define SLOT(T, m, n) _Static_assert(offsetof(struct T, m) == (n) * sizeof(void *), #T "." #m)
SLOT(factory_vtbl, Release, 2);
SLOT(factory_vtbl, CreateAdapterList, 3);
SLOT(factory_vtbl, GetAdapterByLuid, 4);
SLOT(factory_vtbl, IsNotificationTypeSupported, 5);
SLOT(factory_vtbl, UnregisterEventNotification, 7);
SLOT(list_vtbl, GetAdapter, 3);
SLOT(list_vtbl, GetAdapterCount, 4);
SLOT(list_vtbl, IsStale, 5);
SLOT(list_vtbl, GetFactory, 6);
SLOT(list_vtbl, IsAdapterPreferenceSupported, 8);
SLOT(adapter_vtbl, IsValid, 3);
SLOT(adapter_vtbl, GetProperty, 6);
SLOT(adapter_vtbl, GetPropertySize, 7);
SLOT(adapter_vtbl, SetState, 11);
SLOT(adapter_vtbl, GetFactory, 12);

struct factory {
	const struct factory_vtbl *vtbl; /* first: the object is its vtable pointer */
	uint32_t refs;
};

struct adapter {
	const struct adapter_vtbl *vtbl;
	uint32_t refs;
	uint64_t luid;
	const struct dxgt_mock_adapter *desc; /* the profile's, which lives for the process */
};

struct list {
	const struct list_vtbl *vtbl;
	uint32_t refs;
	uint32_t n;
	struct adapter **adapters; /* each holds a reference */
};

static struct factory the_factory;

static uint32_t ref_up(uint32_t *refs)
{
	return __atomic_add_fetch(refs, 1, __ATOMIC_RELAXED);
}

static uint32_t ref_down(uint32_t *refs)
{
	return __atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL);
}

/* QueryInterface for an object answering IUnknown and iid. */
static int32_t qi(void *self, uint32_t *refs, const struct dxc_guid *own,
		  const struct dxc_guid *riid, void **ppv)
{
	if (!ppv)
		return E_POINTER_;
	if (guid_eq(riid, own) || guid_eq(riid, &iid_unknown)) {
		ref_up(refs);
		*ppv = self;
		return S_OK_;
	}
	*ppv = NULL;
	return E_NOINTERFACE_;
}

/* ---- properties ---- */

enum {
	PROP_INSTANCE_LUID = 0,
	PROP_DRIVER_VERSION = 1,
	PROP_DRIVER_DESCRIPTION = 2,
	PROP_HARDWARE_ID = 3,
	PROP_KMD_MODEL_VERSION = 4,
	PROP_DEDICATED_ADAPTER_MEMORY = 7,
	PROP_DEDICATED_SYSTEM_MEMORY = 8,
	PROP_SHARED_SYSTEM_MEMORY = 9,
	PROP_IS_HARDWARE = 11,
	PROP_IS_INTEGRATED = 12,
	PROP_IS_DETACHABLE = 13,
	PROP_HARDWARE_ID_PARTS = 14,
	PROP_PHYSICAL_ADAPTER_COUNT = 15,
	PROP_LAST_KNOWN = 17, /* AdapterEngineName: ids past it are unknown to DXCore */
};

static uint64_t half_of_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 2 : 8ull << 30;
}

static size_t prop_size(const struct adapter *a, uint32_t prop)
{
	switch (prop) {
	case PROP_INSTANCE_LUID:
	case PROP_DRIVER_VERSION:
	case PROP_DEDICATED_ADAPTER_MEMORY:
	case PROP_DEDICATED_SYSTEM_MEMORY:
	case PROP_SHARED_SYSTEM_MEMORY:
		return 8;
	case PROP_DRIVER_DESCRIPTION:
		return strlen(a->desc->description ? a->desc->description : "") + 1;
	case PROP_HARDWARE_ID:
		return 16;
	case PROP_HARDWARE_ID_PARTS:
		return 20;
	case PROP_KMD_MODEL_VERSION:
	case PROP_PHYSICAL_ADAPTER_COUNT:
		return 4;
	case PROP_IS_HARDWARE:
	case PROP_IS_INTEGRATED:
	case PROP_IS_DETACHABLE:
		return 1;
	default:
		return 0; /* not supported */
	}
}

/* buf holds at least prop_size() bytes, zeroed. */
static void prop_fill(const struct adapter *a, uint32_t prop, uint8_t *buf)
{
	const struct dxgt_mock_adapter *d = a->desc;
	uint64_t u64 = 0;
	uint32_t u32[5] = {0};
	switch (prop) {
	case PROP_INSTANCE_LUID: /* LUID: LowPart then HighPart */
		u64 = a->luid;
		break;
	case PROP_DRIVER_VERSION:
		u64 = d->driver_version;
		break;
	case PROP_DEDICATED_ADAPTER_MEMORY:
		u64 = !d->is_hardware || d->compute_only ? 0
		      : d->is_integrated		 ? 128ull << 20
							 : 8ull << 30;
		break;
	case PROP_DEDICATED_SYSTEM_MEMORY:
		u64 = 0;
		break;
	case PROP_SHARED_SYSTEM_MEMORY:
		u64 = half_of_ram();
		break;
	case PROP_DRIVER_DESCRIPTION: {
		const char *s = d->description ? d->description : "";
		memcpy(buf, s, strlen(s) + 1);
		return;
	}
	case PROP_HARDWARE_ID:
		u32[0] = d->vendor, u32[1] = d->device, u32[2] = d->subsys, u32[3] = d->revision;
		memcpy(buf, u32, 16);
		return;
	case PROP_HARDWARE_ID_PARTS: /* vendor, device, subsystem, subsystem vendor, revision */
		u32[0] = d->vendor, u32[1] = d->device, u32[2] = d->subsys >> 16;
		u32[3] = d->subsys & 0xffffu, u32[4] = d->revision;
		memcpy(buf, u32, 20);
		return;
	case PROP_KMD_MODEL_VERSION:
		u32[0] = 3100; /* WDDM 3.1, what the model's QueryAdapterInfo says */
		memcpy(buf, u32, 4);
		return;
	case PROP_PHYSICAL_ADAPTER_COUNT:
		u32[0] = 1;
		memcpy(buf, u32, 4);
		return;
	case PROP_IS_HARDWARE:
		buf[0] = d->is_hardware;
		return;
	case PROP_IS_INTEGRATED:
		buf[0] = d->is_integrated;
		return;
	case PROP_IS_DETACHABLE:
		buf[0] = d->is_detachable;
		return;
	default:
		return;
	}
	memcpy(buf, &u64, 8);
}

static const char *prop_name(uint32_t prop)
{
	static const char *const names[] = {
	    "InstanceLuid",
	    "DriverVersion",
	    "DriverDescription",
	    "HardwareID",
	    "KmdModelVersion",
	    "ComputePreemptionGranularity",
	    "GraphicsPreemptionGranularity",
	    "DedicatedAdapterMemory",
	    "DedicatedSystemMemory",
	    "SharedSystemMemory",
	    "AcgCompatible",
	    "IsHardware",
	    "IsIntegrated",
	    "IsDetachable",
	    "HardwareIDParts",
	    "PhysicalAdapterCount",
	    "AdapterEngineCount",
	    "AdapterEngineName",
	};
	return prop < sizeof(names) / sizeof(names[0]) ? names[prop] : "unknown";
}

static bool attr_supported(const struct adapter *a, const struct dxc_guid *attr)
{
	if (guid_eq(attr, &attr_core_compute))
		return true;
	if (guid_eq(attr, &attr_d3d12_graphics))
		return a->desc->render_supported;
	return false;
}

/* ---- adapter ---- */

static const struct adapter_vtbl adapter_vtbl;

static int32_t ad_qi(struct adapter *a, const struct dxc_guid *riid, void **ppv)
{
	return qi(a, &a->refs, &iid_adapter, riid, ppv);
}

static uint32_t ad_addref(struct adapter *a)
{
	return ref_up(&a->refs);
}

static uint32_t ad_release(struct adapter *a)
{
	uint32_t n = ref_down(&a->refs);
	if (n == 0) {
		the_factory.vtbl->Release(&the_factory);
		free(a);
	}
	return n;
}

static bool ad_is_valid(struct adapter *a)
{
	(void)a;
	return true;
}

static bool ad_is_attribute_supported(struct adapter *a, const struct dxc_guid *attr)
{
	return attr_supported(a, attr);
}

static bool ad_is_property_supported(struct adapter *a, uint32_t prop)
{
	return prop_size(a, prop) != 0;
}

static int32_t ad_get_property_size(struct adapter *a, uint32_t prop, size_t *size)
{
	int32_t hr;
	size_t need = prop_size(a, prop);
	if (!size)
		hr = E_POINTER_;
	else if (prop > PROP_LAST_KNOWN)
		hr = DXGI_ERROR_INVALID_CALL_;
	else if (!need)
		hr = DXGI_ERROR_UNSUPPORTED_;
	else
		*size = need, hr = S_OK_;
	dxgmock__log("IDXCoreAdapter::GetPropertySize(%s) -> 0x%08X, %zu", prop_name(prop),
		     (uint32_t)hr, hr == S_OK_ ? need : 0);
	return hr;
}

/* As DXCore documents it: an unknown property is an invalid call, a known
 * one this adapter lacks is unsupported, a short buffer an invalid
 * argument; the buffer is zeroed before it is filled. */
static int32_t ad_get_property(struct adapter *a, uint32_t prop, size_t size, void *buf)
{
	int32_t hr;
	size_t need = prop_size(a, prop);
	if (!buf) {
		hr = E_POINTER_;
	} else if (prop > PROP_LAST_KNOWN) {
		hr = DXGI_ERROR_INVALID_CALL_;
	} else if (!need) {
		hr = DXGI_ERROR_UNSUPPORTED_;
	} else if (size < need) {
		hr = E_INVALIDARG_;
	} else {
		memset(buf, 0, size);
		prop_fill(a, prop, buf);
		hr = S_OK_;
	}
	dxgmock__log("IDXCoreAdapter::GetProperty(%s, %zu) -> 0x%08X", prop_name(prop), size,
		     (uint32_t)hr);
	return hr;
}

static bool ad_is_query_state_supported(struct adapter *a, uint32_t state)
{
	(void)a, (void)state;
	return false;
}

static int32_t ad_query_state(struct adapter *a, uint32_t state, size_t in_size, const void *in,
			      size_t out_size, void *out)
{
	(void)a, (void)state, (void)in_size, (void)in, (void)out_size, (void)out;
	return E_NOTIMPL_;
}

static bool ad_is_set_state_supported(struct adapter *a, uint32_t state)
{
	(void)a, (void)state;
	return false;
}

static int32_t ad_set_state(struct adapter *a, uint32_t state, size_t in_size, const void *in,
			    size_t data_size, const void *data)
{
	(void)a, (void)state, (void)in_size, (void)in, (void)data_size, (void)data;
	return E_NOTIMPL_;
}

static int32_t ad_get_factory(struct adapter *a, const struct dxc_guid *riid, void **ppv)
{
	(void)a;
	return the_factory.vtbl->QueryInterface(&the_factory, riid, ppv);
}

static const struct adapter_vtbl adapter_vtbl = {
    ad_qi,
    ad_addref,
    ad_release,
    ad_is_valid,
    ad_is_attribute_supported,
    ad_is_property_supported,
    ad_get_property,
    ad_get_property_size,
    ad_is_query_state_supported,
    ad_query_state,
    ad_is_set_state_supported,
    ad_set_state,
    ad_get_factory,
};

static struct adapter *adapter_new(uint64_t luid, const struct dxgt_mock_adapter *desc)
{
	struct adapter *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->vtbl = &adapter_vtbl;
	a->refs = 1;
	a->luid = luid;
	a->desc = desc;
	ref_up(&the_factory.refs); /* an adapter keeps its factory */
	return a;
}

/* ---- the snapshot, through the device ---- */

struct snap {
	uint64_t luid;
	const struct dxgt_mock_adapter *desc;
};

/* Enumerates as libdxcore does. On success *out (owned, free()) holds *n
 * entries. */
static int32_t snapshot(struct snap **out, uint32_t *n)
{
	*out = NULL;
	*n = 0;
	const struct dxgt_profile *p = dxgmock__profile();
	const struct dxgt_call_desc *ea3 = dxgt_call_by_name("LX_DXENUMADAPTERS3");
	const struct dxgt_call_desc *close = dxgt_call_by_name("LX_DXCLOSEADAPTER");
	if (!p || !ea3 || !close)
		return E_FAIL_;
	struct dxgt_adapterinfo *info = NULL;
	struct snap *s = NULL;
	int32_t hr = S_OK_;
	struct dxgt_enumadapters3 e = {1 /* include compute-only */, 0, 0, 0};
	uint32_t st = dxgmock__kmt_ioctl(ea3->ioctl_code, &e);
	for (int tries = 0; (int32_t)st >= 0 && tries < 4; tries++) {
		uint32_t cap = e.adapter_count;
		free(info);
		info = calloc(cap ? cap : 1, sizeof(*info));
		if (!info) {
			hr = E_OUTOFMEMORY_;
			goto out;
		}
		e.adapter_count = cap;
		e.adapters = (uint64_t)(uintptr_t)info;
		st = dxgmock__kmt_ioctl(ea3->ioctl_code, &e);
		if (e.adapter_count <= cap) /* else: more adapters than room; ask again */
			break;
	}
	if ((int32_t)st < 0 || !info) {
		dxgmock__log("DXCore: ENUMADAPTERS3 failed with 0x%08X", st);
		hr = E_FAIL_;
		goto out;
	}
	s = calloc(e.adapter_count ? e.adapter_count : 1, sizeof(*s));
	if (!s) {
		hr = E_OUTOFMEMORY_;
		goto out;
	}
	for (uint32_t i = 0; i < e.adapter_count; i++) {
		uint64_t luid = (uint64_t)info[i].adapter_luid.b << 32 | info[i].adapter_luid.a;
		for (size_t j = 0; j < p->n_adapters; j++) {
			if (p->adapters[j].luid == luid) {
				s[(*n)++] = (struct snap){luid, &p->adapters[j]};
				break;
			}
		}
		struct dxgt_closeadapter c = {info[i].adapter_handle};
		dxgmock__kmt_ioctl(close->ioctl_code, &c);
	}
	*out = s;
	s = NULL;
out:
	free(s);
	free(info);
	return hr;
}

/* ---- adapter list ---- */

static const struct list_vtbl list_vtbl;

static int32_t ls_qi(struct list *l, const struct dxc_guid *riid, void **ppv)
{
	return qi(l, &l->refs, &iid_list, riid, ppv);
}

static uint32_t ls_addref(struct list *l)
{
	return ref_up(&l->refs);
}

static uint32_t ls_release(struct list *l)
{
	uint32_t n = ref_down(&l->refs);
	if (n == 0) {
		for (uint32_t i = 0; i < l->n; i++)
			l->adapters[i]->vtbl->Release(l->adapters[i]);
		free(l->adapters);
		free(l);
	}
	return n;
}

static int32_t ls_get_adapter(struct list *l, uint32_t index, const struct dxc_guid *riid,
			      void **ppv)
{
	int32_t hr;
	if (!ppv)
		hr = E_POINTER_;
	else if (index >= l->n)
		*ppv = NULL, hr = E_INVALIDARG_;
	else
		hr = ad_qi(l->adapters[index], riid, ppv);
	dxgmock__log("IDXCoreAdapterList::GetAdapter(%u) -> 0x%08X", index, (uint32_t)hr);
	return hr;
}

static uint32_t ls_get_adapter_count(struct list *l)
{
	dxgmock__log("IDXCoreAdapterList::GetAdapterCount() -> %u", l->n);
	return l->n;
}

static bool ls_is_stale(struct list *l)
{
	(void)l;
	return false;
}

static int32_t ls_get_factory(struct list *l, const struct dxc_guid *riid, void **ppv)
{
	(void)l;
	return the_factory.vtbl->QueryInterface(&the_factory, riid, ppv);
}

/* One snapshot of one machine: every order is as good as another. */
static int32_t ls_sort(struct list *l, uint32_t n, const uint32_t *prefs)
{
	(void)l;
	return n && !prefs ? E_POINTER_ : S_OK_;
}

static bool ls_is_preference_supported(struct list *l, uint32_t pref)
{
	(void)l, (void)pref;
	return false;
}

static const struct list_vtbl list_vtbl = {
    ls_qi,
    ls_addref,
    ls_release,
    ls_get_adapter,
    ls_get_adapter_count,
    ls_is_stale,
    ls_get_factory,
    ls_sort,
    ls_is_preference_supported,
};

/* ---- factory ---- */

static int32_t fa_qi(struct factory *f, const struct dxc_guid *riid, void **ppv)
{
	return qi(f, &f->refs, &iid_factory, riid, ppv);
}

static uint32_t fa_addref(struct factory *f)
{
	return ref_up(&f->refs);
}

/* The singleton outlives its last reference: the next create reuses it. */
static uint32_t fa_release(struct factory *f)
{
	return ref_down(&f->refs);
}

static int32_t fa_create_adapter_list(struct factory *f, uint32_t n_attrs,
				      const struct dxc_guid *attrs, const struct dxc_guid *riid,
				      void **ppv)
{
	(void)f;
	char gb[40], ab[40];
	struct snap *s = NULL;
	uint32_t n = 0;
	struct list *l = NULL;
	int32_t hr;
	if (!ppv) {
		hr = E_POINTER_;
		goto out;
	}
	*ppv = NULL;
	if (!n_attrs || !attrs) {
		hr = E_INVALIDARG_;
		goto out;
	}
	if (!guid_eq(riid, &iid_list) && !guid_eq(riid, &iid_unknown)) {
		hr = E_NOINTERFACE_;
		goto out;
	}
	hr = snapshot(&s, &n);
	if (hr != S_OK_)
		goto out;
	l = calloc(1, sizeof(*l));
	if (l)
		l->adapters = calloc(n ? n : 1, sizeof(*l->adapters));
	if (!l || !l->adapters) {
		hr = E_OUTOFMEMORY_;
		goto out;
	}
	l->vtbl = &list_vtbl;
	l->refs = 1;
	for (uint32_t i = 0; i < n; i++) {
		struct adapter probe = {&adapter_vtbl, 0, s[i].luid, s[i].desc};
		bool all = true;
		for (uint32_t k = 0; k < n_attrs; k++)
			all = all && attr_supported(&probe, &attrs[k]);
		if (!all)
			continue;
		struct adapter *a = adapter_new(s[i].luid, s[i].desc);
		if (!a) {
			hr = E_OUTOFMEMORY_;
			goto out;
		}
		l->adapters[l->n++] = a;
	}
	*ppv = l;
	l = NULL;
	hr = S_OK_;
out:
	if (l && l->adapters)
		l->vtbl->Release(l);
	else
		free(l);
	free(s);
	dxgmock__log("IDXCoreAdapterFactory::CreateAdapterList(%u, %s%s, %s) -> 0x%08X, %u "
		     "adapter(s)",
		     n_attrs, attrs && n_attrs ? guid_name(&attrs[0], ab, sizeof(ab)) : "NULL",
		     n_attrs > 1 ? ", ..." : "", guid_name(riid, gb, sizeof(gb)), (uint32_t)hr,
		     hr == S_OK_ ? ((struct list *)*ppv)->n : 0);
	return hr;
}

static int32_t fa_get_adapter_by_luid(struct factory *f, const struct dxgt_luid *luid,
				      const struct dxc_guid *riid, void **ppv)
{
	(void)f;
	if (!ppv)
		return E_POINTER_;
	*ppv = NULL;
	if (!luid)
		return E_INVALIDARG_;
	struct snap *s = NULL;
	uint32_t n = 0;
	int32_t hr = snapshot(&s, &n);
	if (hr != S_OK_)
		return hr;
	uint64_t want = (uint64_t)luid->b << 32 | luid->a;
	hr = E_INVALIDARG_;
	for (uint32_t i = 0; i < n; i++) {
		if (s[i].luid != want)
			continue;
		struct adapter *a = adapter_new(s[i].luid, s[i].desc);
		if (!a) {
			hr = E_OUTOFMEMORY_;
			break;
		}
		hr = ad_qi(a, riid, ppv);
		ad_release(a);
		break;
	}
	free(s);
	dxgmock__log("IDXCoreAdapterFactory::GetAdapterByLuid(%08x:%08x) -> 0x%08X", luid->b,
		     luid->a, (uint32_t)hr);
	return hr;
}

static bool fa_is_notification_type_supported(struct factory *f, uint32_t type)
{
	(void)f, (void)type;
	return false;
}

static int32_t fa_register_event_notification(struct factory *f, void *obj, uint32_t type,
					      void *callback, void *ctx, uint32_t *cookie)
{
	(void)f, (void)obj, (void)type, (void)callback, (void)ctx, (void)cookie;
	return E_NOTIMPL_;
}

static int32_t fa_unregister_event_notification(struct factory *f, uint32_t cookie)
{
	(void)f, (void)cookie;
	return E_NOTIMPL_;
}

static const struct factory_vtbl factory_vtbl = {
    fa_qi,
    fa_addref,
    fa_release,
    fa_create_adapter_list,
    fa_get_adapter_by_luid,
    fa_is_notification_type_supported,
    fa_register_event_notification,
    fa_unregister_event_notification,
};

static struct factory the_factory = {&factory_vtbl, 0};

/* Exported: declared here, as no public header of ours names it. */
DXGMOCK_EXPORT int32_t DXCoreCreateAdapterFactory(const struct dxc_guid *riid, void **ppv);

DXGMOCK_EXPORT int32_t DXCoreCreateAdapterFactory(const struct dxc_guid *riid, void **ppv)
{
	char gb[40];
	int32_t hr;
	if (!ppv)
		hr = E_POINTER_;
	else if (!dxgmock__profile())
		*ppv = NULL, hr = E_FAIL_;
	else
		hr = fa_qi(&the_factory, riid, ppv);
	dxgmock__log("DXCoreCreateAdapterFactory(%s) -> 0x%08X", guid_name(riid, gb, sizeof(gb)),
		     (uint32_t)hr);
	return hr;
}
