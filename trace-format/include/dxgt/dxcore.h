/* SPDX-License-Identifier: MIT */
/*
 * The DXCore layer as dxgtrace records it: the GUIDs and HRESULTs DXCore
 * callers meet, the call numbers of DXCoreCreateAdapterFactory and of the
 * methods of IDXCoreAdapterFactory, IDXCoreAdapterList and IDXCoreAdapter,
 * and one "argument image" struct per method.
 *
 * DXCore methods take C arguments, not a struct, so the recorder builds an
 * image of them that the descriptor list (calls.def, DXGT_METHOD rows) can
 * describe like any D3DKMT struct: `self` is the real object's address;
 * REFIID and REFGUID arguments are copied inline as 16-byte GUIDs (a NULL
 * one as the zero GUID); a LUID passed by reference is copied inline; a
 * caller's buffer is a u64 pointer with its size or count field beside it,
 * so that a DXGT_BUF row copies it; an out-pointer is kept as its value
 * (ppv, ..._ptr) next to a field the recorder fills when the call returns
 * successfully with what the method stored there (`object` for void **ppv:
 * the real object's address, never our proxy's).
 *
 * These are dxgtrace's own definitions, written from the public facts of
 * DXCore's interface (vtable order, GUID values, property ids); every size
 * and the offsets the rows rely on are pinned with _Static_assert below.
 * Pointers are u64 so the layout does not depend on the compiling process;
 * nothing ever turns one read from a trace back into a pointer.
 */
#ifndef DXGT_DXCORE_H
#define DXGT_DXCORE_H

#include <stddef.h>
#include <stdint.h>

#include "dxgt/uapi.h"

/* A GUID as it lies in memory on the traced (little-endian) machine. */
struct dxgt_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};

/* The GUIDs DXCore callers pass, by name: X(symbol, name, d1, d2, d3, d4...).
 * Interface ids and the adapter attributes of dxcore_interface.h. */
#define DXGT_DXCORE_GUIDS(X)                                                                       \
	X(IUNKNOWN, "IID_IUnknown", 0x00000000, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00,      \
	  0x00, 0x00, 0x46)                                                                        \
	X(FACTORY, "IID_IDXCoreAdapterFactory", 0x78ee5945, 0xc36e, 0x4b13, 0xa6, 0x69, 0x00,      \
	  0x5d, 0xd1, 0x1c, 0x0f, 0x06)                                                            \
	X(LIST, "IID_IDXCoreAdapterList", 0x526c7776, 0x40e9, 0x459b, 0xb7, 0x11, 0xf3, 0x2a,      \
	  0xd7, 0x6d, 0xfc, 0x28)                                                                  \
	X(ADAPTER, "IID_IDXCoreAdapter", 0xf0db4c7f, 0xfe5a, 0x42a2, 0xbd, 0x62, 0xf2, 0xa6, 0xcf, \
	  0x6f, 0xc8, 0x3e)                                                                        \
	X(ATTR_D3D11_GRAPHICS, "DXCORE_ADAPTER_ATTRIBUTE_D3D11_GRAPHICS", 0x8c47866b, 0x7583,      \
	  0x450d, 0xf0, 0xf0, 0x6b, 0xad, 0xa8, 0x95, 0xaf, 0x4b)                                  \
	X(ATTR_D3D12_GRAPHICS, "DXCORE_ADAPTER_ATTRIBUTE_D3D12_GRAPHICS", 0x0c9ece4d, 0x2f6e,      \
	  0x4f01, 0x8c, 0x96, 0xe8, 0x9e, 0x33, 0x1b, 0x47, 0xb1)                                  \
	X(ATTR_D3D12_CORE_COMPUTE, "DXCORE_ADAPTER_ATTRIBUTE_D3D12_CORE_COMPUTE", 0x248e2800,      \
	  0xa793, 0x4724, 0xab, 0xaa, 0x23, 0xa6, 0xde, 0x1b, 0xe0, 0x90)

enum dxgt_dxcore_guid {
#define DXGT__GUID_ENUM(sym, name, ...) DXGT_GUID_##sym,
	DXGT_DXCORE_GUIDS(DXGT__GUID_ENUM)
#undef DXGT__GUID_ENUM
	    DXGT_GUID_COUNT
};

/* The HRESULTs DXCore methods return, by name: X(name, value). */
#define DXGT_DXCORE_HRESULTS(X)                                                                    \
	X(S_OK, 0x00000000u)                                                                       \
	X(S_FALSE, 0x00000001u)                                                                    \
	X(E_NOTIMPL, 0x80004001u)                                                                  \
	X(E_NOINTERFACE, 0x80004002u)                                                              \
	X(E_POINTER, 0x80004003u)                                                                  \
	X(E_FAIL, 0x80004005u)                                                                     \
	X(E_OUTOFMEMORY, 0x8007000Eu)                                                              \
	X(E_INVALIDARG, 0x80070057u)                                                               \
	X(DXGI_ERROR_INVALID_CALL, 0x887A0001u)                                                    \
	X(DXGI_ERROR_NOT_FOUND, 0x887A0002u)                                                       \
	X(DXGI_ERROR_UNSUPPORTED, 0x887A0004u)

/* Which known GUID g (16 bytes as recorded) is: an enum dxgt_dxcore_guid,
 * or -1. Reads nothing but the 16 bytes; thread-safe. */
int dxgt_guid_known(const void *g);
/* The name of g ("IID_IDXCoreAdapter"), or its text form
 * ("f0db4c7f-fe5a-42a2-bd62-f2a6cf6fc83e") written into buf (len >= 37 to
 * hold it whole). Returns a static string or buf; never NULL. */
const char *dxgt_guid_text(const void *g, char *buf, size_t len);
/* "E_INVALIDARG" for a known HRESULT, NULL otherwise. */
const char *dxgt_hresult_name(uint32_t hr);

/* ---- call numbers ---- */

/* The C export, and the first id of each interface's methods: the id of a
 * method is its interface's base plus its vtable slot. Slots 0, 1 and 2
 * are QueryInterface, AddRef and Release in every interface. */
#define DXGT_DXCORE_CREATE_FACTORY 0x200u
#define DXGT_DXCORE_FACTORY_BASE 0x210u
#define DXGT_DXCORE_LIST_BASE 0x220u
#define DXGT_DXCORE_ADAPTER_BASE 0x230u

enum dxgt_dxcore_slot {
	DXGT_DXCORE_QUERYINTERFACE = 0,
	DXGT_DXCORE_ADDREF = 1,
	DXGT_DXCORE_RELEASE = 2,
	/* IDXCoreAdapterFactory */
	DXGT_DXF_CREATEADAPTERLIST = 3,
	DXGT_DXF_GETADAPTERBYLUID = 4,
	DXGT_DXF_ISNOTIFICATIONTYPESUPPORTED = 5,
	DXGT_DXF_REGISTEREVENTNOTIFICATION = 6,
	DXGT_DXF_UNREGISTEREVENTNOTIFICATION = 7,
	DXGT_DXF_SLOTS = 8,
	/* IDXCoreAdapterList */
	DXGT_DXL_GETADAPTER = 3,
	DXGT_DXL_GETADAPTERCOUNT = 4,
	DXGT_DXL_ISSTALE = 5,
	DXGT_DXL_GETFACTORY = 6,
	DXGT_DXL_SORT = 7,
	DXGT_DXL_ISADAPTERPREFERENCESUPPORTED = 8,
	DXGT_DXL_SLOTS = 9,
	/* IDXCoreAdapter */
	DXGT_DXA_ISVALID = 3,
	DXGT_DXA_ISATTRIBUTESUPPORTED = 4,
	DXGT_DXA_ISPROPERTYSUPPORTED = 5,
	DXGT_DXA_GETPROPERTY = 6,
	DXGT_DXA_GETPROPERTYSIZE = 7,
	DXGT_DXA_ISQUERYSTATESUPPORTED = 8,
	DXGT_DXA_QUERYSTATE = 9,
	DXGT_DXA_ISSETSTATESUPPORTED = 10,
	DXGT_DXA_SETSTATE = 11,
	DXGT_DXA_GETFACTORY = 12,
	DXGT_DXA_SLOTS = 13,
};

/* ---- argument images ---- */

/* DXCoreCreateAdapterFactory(REFIID riid, void **ppv) */
struct dxgt_dxcore_createfactory {
	struct dxgt_guid riid;
	uint64_t ppv;
	uint64_t object; /* *ppv on success */
};

/* QueryInterface(REFIID, void **) and GetFactory(REFIID, void **) */
struct dxgt_dxcore_qi {
	uint64_t self;
	struct dxgt_guid riid;
	uint64_t ppv;
	uint64_t object;
};

/* Methods with no argument: AddRef, Release, GetAdapterCount, IsStale,
 * IsValid. */
struct dxgt_dxcore_self {
	uint64_t self;
};

/* IDXCoreAdapterFactory::CreateAdapterList(u32 count, const GUID *filter,
 * REFIID, void **) */
struct dxgt_dxcore_createadapterlist {
	uint64_t self;
	uint32_t num_attributes;
	uint32_t pad;
	uint64_t filter_attributes; /* num_attributes GUIDs */
	struct dxgt_guid riid;
	uint64_t ppv;
	uint64_t object;
};

/* IDXCoreAdapterFactory::GetAdapterByLuid(const LUID &, REFIID, void **) */
struct dxgt_dxcore_getadapterbyluid {
	uint64_t self;
	struct dxgt_luid adapter_luid;
	struct dxgt_guid riid;
	uint64_t ppv;
	uint64_t object;
};

/* IDXCoreAdapterFactory::IsNotificationTypeSupported(u32 type) */
struct dxgt_dxcore_notificationtype {
	uint64_t self;
	uint32_t type;
	uint32_t pad;
};

/* IDXCoreAdapterFactory::RegisterEventNotification(IUnknown *object,
 * u32 type, callback, void *context, u32 *cookie) */
struct dxgt_dxcore_registernotification {
	uint64_t self;
	uint64_t dxcore_object; /* the real object, when the caller passed our proxy */
	uint32_t type;
	uint32_t cookie; /* *cookie_ptr on success */
	uint64_t callback;
	uint64_t context;
	uint64_t cookie_ptr;
};

/* IDXCoreAdapterFactory::UnregisterEventNotification(u32 cookie) */
struct dxgt_dxcore_cookie {
	uint64_t self;
	uint32_t cookie;
	uint32_t pad;
};

/* IDXCoreAdapterList::GetAdapter(u32 index, REFIID, void **) */
struct dxgt_dxcore_getadapter {
	uint64_t self;
	uint32_t index;
	uint32_t pad;
	struct dxgt_guid riid;
	uint64_t ppv;
	uint64_t object;
};

/* IDXCoreAdapterList::Sort(u32 count, const u32 *preferences) */
struct dxgt_dxcore_sort {
	uint64_t self;
	uint32_t num_preferences;
	uint32_t pad;
	uint64_t preferences; /* num_preferences u32 */
};

/* IDXCoreAdapterList::IsAdapterPreferenceSupported(u32 preference) */
struct dxgt_dxcore_preference {
	uint64_t self;
	uint32_t preference;
	uint32_t pad;
};

/* IDXCoreAdapter::IsAttributeSupported(REFGUID attribute) */
struct dxgt_dxcore_attribute {
	uint64_t self;
	struct dxgt_guid attribute;
};

/* IDXCoreAdapter::IsPropertySupported(u32 property) */
struct dxgt_dxcore_property {
	uint64_t self;
	uint32_t property;
	uint32_t pad;
};

/* IDXCoreAdapter::GetProperty(u32 property, size_t size, void *buffer) */
struct dxgt_dxcore_getproperty {
	uint64_t self;
	uint32_t property;
	uint32_t pad;
	uint64_t buffer_size;
	uint64_t buffer; /* buffer_size bytes, written by the call */
};

/* IDXCoreAdapter::GetPropertySize(u32 property, size_t *size) */
struct dxgt_dxcore_getpropertysize {
	uint64_t self;
	uint32_t property;
	uint32_t pad;
	uint64_t buffer_size_ptr;
	uint64_t buffer_size; /* *buffer_size_ptr on success */
};

/* IDXCoreAdapter::IsQueryStateSupported(u32 state) and IsSetStateSupported */
struct dxgt_dxcore_state {
	uint64_t self;
	uint32_t state;
	uint32_t pad;
};

/* IDXCoreAdapter::QueryState(u32 state, size_t input_size, const void *input,
 * size_t output_size, void *output) */
struct dxgt_dxcore_querystate {
	uint64_t self;
	uint32_t state;
	uint32_t pad;
	uint64_t input_size;
	uint64_t input;
	uint64_t output_size;
	uint64_t output;
};

/* IDXCoreAdapter::SetState(u32 state, size_t input_size, const void *input,
 * size_t data_size, const void *data) */
struct dxgt_dxcore_setstate {
	uint64_t self;
	uint32_t state;
	uint32_t pad;
	uint64_t input_size;
	uint64_t input;
	uint64_t data_size;
	uint64_t data;
};

/* The pinned layout. */
#define DXGT_DXCORE_PIN_SIZE(tag, n)                                                               \
	_Static_assert(sizeof(struct dxgt_dxcore_##tag) == (n), "dxcore_" #tag " size")
#define DXGT_DXCORE_PIN_OFF(tag, f, n)                                                             \
	_Static_assert(offsetof(struct dxgt_dxcore_##tag, f) == (n), "dxcore_" #tag "." #f)

_Static_assert(sizeof(struct dxgt_guid) == 16, "GUID size");
_Static_assert(offsetof(struct dxgt_guid, d4) == 8, "GUID.d4 offset");
DXGT_DXCORE_PIN_SIZE(createfactory, 32);
DXGT_DXCORE_PIN_OFF(createfactory, ppv, 16);
DXGT_DXCORE_PIN_OFF(createfactory, object, 24);
DXGT_DXCORE_PIN_SIZE(qi, 40);
DXGT_DXCORE_PIN_OFF(qi, riid, 8);
DXGT_DXCORE_PIN_OFF(qi, object, 32);
DXGT_DXCORE_PIN_SIZE(self, 8);
DXGT_DXCORE_PIN_SIZE(createadapterlist, 56);
DXGT_DXCORE_PIN_OFF(createadapterlist, num_attributes, 8);
DXGT_DXCORE_PIN_OFF(createadapterlist, filter_attributes, 16);
DXGT_DXCORE_PIN_OFF(createadapterlist, riid, 24);
DXGT_DXCORE_PIN_OFF(createadapterlist, object, 48);
DXGT_DXCORE_PIN_SIZE(getadapterbyluid, 48);
DXGT_DXCORE_PIN_OFF(getadapterbyluid, adapter_luid, 8);
DXGT_DXCORE_PIN_OFF(getadapterbyluid, riid, 16);
DXGT_DXCORE_PIN_OFF(getadapterbyluid, object, 40);
DXGT_DXCORE_PIN_SIZE(notificationtype, 16);
DXGT_DXCORE_PIN_SIZE(registernotification, 48);
DXGT_DXCORE_PIN_OFF(registernotification, type, 16);
DXGT_DXCORE_PIN_OFF(registernotification, cookie, 20);
DXGT_DXCORE_PIN_OFF(registernotification, cookie_ptr, 40);
DXGT_DXCORE_PIN_SIZE(cookie, 16);
DXGT_DXCORE_PIN_SIZE(getadapter, 48);
DXGT_DXCORE_PIN_OFF(getadapter, riid, 16);
DXGT_DXCORE_PIN_OFF(getadapter, object, 40);
DXGT_DXCORE_PIN_SIZE(sort, 24);
DXGT_DXCORE_PIN_OFF(sort, preferences, 16);
DXGT_DXCORE_PIN_SIZE(preference, 16);
DXGT_DXCORE_PIN_SIZE(attribute, 24);
DXGT_DXCORE_PIN_OFF(attribute, attribute, 8);
DXGT_DXCORE_PIN_SIZE(property, 16);
DXGT_DXCORE_PIN_SIZE(getproperty, 32);
DXGT_DXCORE_PIN_OFF(getproperty, property, 8);
DXGT_DXCORE_PIN_OFF(getproperty, buffer_size, 16);
DXGT_DXCORE_PIN_OFF(getproperty, buffer, 24);
DXGT_DXCORE_PIN_SIZE(getpropertysize, 32);
DXGT_DXCORE_PIN_OFF(getpropertysize, buffer_size, 24);
DXGT_DXCORE_PIN_SIZE(state, 16);
DXGT_DXCORE_PIN_SIZE(querystate, 48);
DXGT_DXCORE_PIN_OFF(querystate, input, 24);
DXGT_DXCORE_PIN_OFF(querystate, output, 40);
DXGT_DXCORE_PIN_SIZE(setstate, 48);
DXGT_DXCORE_PIN_OFF(setstate, data, 40);

#endif /* DXGT_DXCORE_H */
