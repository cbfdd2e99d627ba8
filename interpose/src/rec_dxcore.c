// SPDX-License-Identifier: MIT
/*
 * The DXCore layer: DXCoreCreateAdapterFactory through the real one, and
 * proxies for the COM-style objects it hands out (factory, adapter list,
 * adapter), so that every method a caller invokes is recorded.
 *
 * A proxy is a small object whose first word is our vtable for its kind;
 * each slot records the call (layer dxcore, call id = the interface's base
 * + the slot, code = the slot, object = the real object's address, the
 * argument image of dxgt/dxcore.h), calls the real method with the real
 * `this`, and wraps any object the method hands back. The kind of a
 * returned object comes from the IID the caller asked for; IID_IUnknown
 * gets the kind the method returns by nature (CreateAdapterList a list,
 * GetAdapter an adapter, ...), and any other IID is handed back unwrapped,
 * since its vtable may be longer than ours. An object the caller passes in
 * (RegisterEventNotification) is unwrapped before the real call sees it.
 *
 * Invariants: one proxy per real object at a time (a table keyed by the
 * real address, under one mutex never held across a real call), so the
 * caller sees one pointer per object as it would without us. A proxy
 * counts the references the caller holds through it: each object handed
 * out and each AddRef adds one, each Release takes one; at zero it leaves
 * the table before the real Release runs and is freed after, so no other
 * thread can be handed a proxy that is going away. When the real Release
 * answers 0 the object is gone and its address may come back as another
 * object, so its proxy leaves the table then whatever its count.
 *
 * Must never: change a result, an out-value other than the object pointer
 * (our proxy for the real one) or errno; hand a real method one of our
 * proxies; dereference an out-pointer the real method did not write (they
 * are read only after a call that succeeded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/dxcore.h"
#include "rec_internal.h"

#define E_NOTIMPL_ ((int32_t)0x80004001u)

typedef void (*notify_fn)(uint32_t type, void *object, void *context);

/* ---- the vtables, in DXCore's slot order ---- */

struct factory_vtbl {
	int32_t (*QueryInterface)(void *, const void *, void **);
	uint32_t (*AddRef)(void *);
	uint32_t (*Release)(void *);
	int32_t (*CreateAdapterList)(void *, uint32_t, const void *, const void *, void **);
	int32_t (*GetAdapterByLuid)(void *, const void *, const void *, void **);
	bool (*IsNotificationTypeSupported)(void *, uint32_t);
	int32_t (*RegisterEventNotification)(void *, void *, uint32_t, notify_fn, void *,
					     uint32_t *);
	int32_t (*UnregisterEventNotification)(void *, uint32_t);
};

struct list_vtbl {
	int32_t (*QueryInterface)(void *, const void *, void **);
	uint32_t (*AddRef)(void *);
	uint32_t (*Release)(void *);
	int32_t (*GetAdapter)(void *, uint32_t, const void *, void **);
	uint32_t (*GetAdapterCount)(void *);
	bool (*IsStale)(void *);
	int32_t (*GetFactory)(void *, const void *, void **);
	int32_t (*Sort)(void *, uint32_t, const uint32_t *);
	bool (*IsAdapterPreferenceSupported)(void *, uint32_t);
};

struct adapter_vtbl {
	int32_t (*QueryInterface)(void *, const void *, void **);
	uint32_t (*AddRef)(void *);
	uint32_t (*Release)(void *);
	bool (*IsValid)(void *);
	bool (*IsAttributeSupported)(void *, const void *);
	bool (*IsPropertySupported)(void *, uint32_t);
	int32_t (*GetProperty)(void *, uint32_t, size_t, void *);
	int32_t (*GetPropertySize)(void *, uint32_t, size_t *);
	bool (*IsQueryStateSupported)(void *, uint32_t);
	int32_t (*QueryState)(void *, uint32_t, size_t, const void *, size_t, void *);
	bool (*IsSetStateSupported)(void *, uint32_t);
	int32_t (*SetState)(void *, uint32_t, size_t, const void *, size_t, const void *);
	int32_t (*GetFactory)(void *, const void *, void **);
};

/* What every COM vtable starts with. */
struct unknown_vtbl {
	int32_t (*QueryInterface)(void *, const void *, void **);
	uint32_t (*AddRef)(void *);
	uint32_t (*Release)(void *);
};

#define SLOT_AT(T, m, n)                                                                           \
	_Static_assert(offsetof(struct T, m) == (n) * sizeof(void *), #T "." #m " slot")
SLOT_AT(unknown_vtbl, Release, DXGT_DXCORE_RELEASE);
SLOT_AT(factory_vtbl, Release, DXGT_DXCORE_RELEASE);
SLOT_AT(factory_vtbl, CreateAdapterList, DXGT_DXF_CREATEADAPTERLIST);
SLOT_AT(factory_vtbl, GetAdapterByLuid, DXGT_DXF_GETADAPTERBYLUID);
SLOT_AT(factory_vtbl, IsNotificationTypeSupported, DXGT_DXF_ISNOTIFICATIONTYPESUPPORTED);
SLOT_AT(factory_vtbl, RegisterEventNotification, DXGT_DXF_REGISTEREVENTNOTIFICATION);
SLOT_AT(factory_vtbl, UnregisterEventNotification, DXGT_DXF_UNREGISTEREVENTNOTIFICATION);
_Static_assert(sizeof(struct factory_vtbl) == DXGT_DXF_SLOTS * sizeof(void *), "factory slots");
SLOT_AT(list_vtbl, Release, DXGT_DXCORE_RELEASE);
SLOT_AT(list_vtbl, GetAdapter, DXGT_DXL_GETADAPTER);
SLOT_AT(list_vtbl, GetAdapterCount, DXGT_DXL_GETADAPTERCOUNT);
SLOT_AT(list_vtbl, IsStale, DXGT_DXL_ISSTALE);
SLOT_AT(list_vtbl, GetFactory, DXGT_DXL_GETFACTORY);
SLOT_AT(list_vtbl, Sort, DXGT_DXL_SORT);
SLOT_AT(list_vtbl, IsAdapterPreferenceSupported, DXGT_DXL_ISADAPTERPREFERENCESUPPORTED);
_Static_assert(sizeof(struct list_vtbl) == DXGT_DXL_SLOTS * sizeof(void *), "list slots");
SLOT_AT(adapter_vtbl, Release, DXGT_DXCORE_RELEASE);
SLOT_AT(adapter_vtbl, IsValid, DXGT_DXA_ISVALID);
SLOT_AT(adapter_vtbl, IsAttributeSupported, DXGT_DXA_ISATTRIBUTESUPPORTED);
SLOT_AT(adapter_vtbl, IsPropertySupported, DXGT_DXA_ISPROPERTYSUPPORTED);
SLOT_AT(adapter_vtbl, GetProperty, DXGT_DXA_GETPROPERTY);
SLOT_AT(adapter_vtbl, GetPropertySize, DXGT_DXA_GETPROPERTYSIZE);
SLOT_AT(adapter_vtbl, IsQueryStateSupported, DXGT_DXA_ISQUERYSTATESUPPORTED);
SLOT_AT(adapter_vtbl, QueryState, DXGT_DXA_QUERYSTATE);
SLOT_AT(adapter_vtbl, IsSetStateSupported, DXGT_DXA_ISSETSTATESUPPORTED);
SLOT_AT(adapter_vtbl, SetState, DXGT_DXA_SETSTATE);
SLOT_AT(adapter_vtbl, GetFactory, DXGT_DXA_GETFACTORY);
_Static_assert(sizeof(struct adapter_vtbl) == DXGT_DXA_SLOTS * sizeof(void *), "adapter slots");

/* The images of the (self, u32) and (self) methods share one layout, so
 * one helper records them all. */
#define SAME_U32_IMAGE(tag, f)                                                                     \
	_Static_assert(sizeof(struct dxgt_dxcore_##tag) == sizeof(struct dxgt_dxcore_state) &&     \
			   offsetof(struct dxgt_dxcore_##tag, f) ==                                \
			       offsetof(struct dxgt_dxcore_state, state),                          \
		       #tag " is laid out as state")
SAME_U32_IMAGE(notificationtype, type);
SAME_U32_IMAGE(cookie, cookie);
SAME_U32_IMAGE(preference, preference);
SAME_U32_IMAGE(property, property);

/* ---- proxies ---- */

enum kind { K_FACTORY, K_LIST, K_ADAPTER, K_NONE };

static const unsigned kind_base[] = {DXGT_DXCORE_FACTORY_BASE, DXGT_DXCORE_LIST_BASE,
				     DXGT_DXCORE_ADAPTER_BASE};

struct proxy {
	const void *vtbl; /* first: a COM object is a pointer to its vtable */
	void *real;	  /* the real object; fixed for the proxy's life */
	uint8_t kind;	  /* enum kind; fixed */
	uint32_t refs;	  /* references the caller holds through us; under lock */
	struct proxy *next;
};

#define N_BUCKETS 64u
static struct proxy *table[N_BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A fork while another thread holds the lock must not leave the child
 * with it held. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void fork_after(void)
{
	pthread_mutex_unlock(&lock);
}

static void atfork_init(void)
{
	pthread_atfork(fork_prepare, fork_after, fork_after);
}

static unsigned bucket(const void *real)
{
	uintptr_t x = (uintptr_t)real;
	return (unsigned)((x >> 4) ^ (x >> 12)) % N_BUCKETS;
}

static struct proxy *find_locked(const void *real)
{
	for (struct proxy *p = table[bucket(real)]; p; p = p->next)
		if (p->real == real)
			return p;
	return NULL;
}

static void unlink_locked(struct proxy *p)
{
	for (struct proxy **pp = &table[bucket(p->real)]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			return;
		}
	}
}

static const struct factory_vtbl factory_proxy_vtbl;
static const struct list_vtbl list_proxy_vtbl;
static const struct adapter_vtbl adapter_proxy_vtbl;

static const void *const proxy_vtbl[] = {&factory_proxy_vtbl, &list_proxy_vtbl,
					 &adapter_proxy_vtbl};

/* New proxies are made only while this layer is being recorded. */
static bool wrapping(void)
{
	return dxgt__layer_on(DXGT_LAYER_DXCORE) && dxgt__rec_active();
}

/* The kind of object a method returned for riid: the IID's, the method's
 * own for IID_IUnknown (only slots 0-2 will be used), else none. */
static enum kind kind_for(const void *riid, enum kind natural)
{
	switch (dxgt_guid_known(riid)) {
	case DXGT_GUID_FACTORY:
		return K_FACTORY;
	case DXGT_GUID_LIST:
		return K_LIST;
	case DXGT_GUID_ADAPTER:
		return K_ADAPTER;
	case DXGT_GUID_IUNKNOWN:
		return natural;
	default:
		return K_NONE;
	}
}

/* What the caller gets for real object obj, which a real method handed
 * out with a reference: the object's proxy (one more reference through
 * it), or obj itself when it is not wrapped. An object that has a proxy
 * keeps it after recording stops, so the caller always sees one pointer
 * per object; only new proxies wait for recording. */
static void *wrap(void *obj, const void *riid, enum kind natural)
{
	if (!obj)
		return obj;
	enum kind k = kind_for(riid, natural);
	if (k == K_NONE)
		return obj;
	pthread_once(&atfork_once, atfork_init);
	pthread_mutex_lock(&lock);
	struct proxy *p = find_locked(obj);
	if (p) {
		/* The same address as another kind cannot be a DXCore object we
		 * know: leave it alone. */
		if (p->kind == k)
			p->refs++;
		else
			p = NULL;
		pthread_mutex_unlock(&lock);
		return p ? (void *)p : obj;
	}
	bool oom = false;
	if (wrapping()) {
		p = malloc(sizeof(*p));
		oom = !p;
	}
	if (p) {
		*p = (struct proxy){proxy_vtbl[k], obj, (uint8_t)k, 1, NULL};
		unsigned b = bucket(obj);
		p->next = table[b];
		table[b] = p;
	}
	pthread_mutex_unlock(&lock);
	if (oom)
		dxgt__rec_fail("no memory for a DXCore object proxy");
	return p ? (void *)p : obj;
}

/* The real object behind obj when obj is one of our proxies, else obj. */
static void *unwrap(void *obj)
{
	if (!obj)
		return obj;
	void *real = obj;
	pthread_mutex_lock(&lock);
	for (unsigned b = 0; b < N_BUCKETS && real == obj; b++)
		for (struct proxy *p = table[b]; p; p = p->next)
			if ((void *)p == obj) {
				real = p->real;
				break;
			}
	pthread_mutex_unlock(&lock);
	return real;
}

/* ---- recording ---- */

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* A REFIID or REFGUID argument, inline: a NULL one is the zero GUID. */
static void guid_in(struct dxgt_guid *dst, const void *src)
{
	if (src)
		memcpy(dst, src, sizeof(*dst));
	else
		memset(dst, 0, sizeof(*dst));
}

static bool begin_id(struct rec_call *c, unsigned id, uint32_t slot, const void *real,
		     const void *img, uint32_t len)
{
	return dxgt__rec_enter(c, DXGT_LAYER_DXCORE, dxgt_call_by_id(id), (uint16_t)id, slot, -1,
			       addr(real), img, len);
}

static bool begin(struct rec_call *c, const struct proxy *p, uint32_t slot, const void *img,
		  uint32_t len)
{
	return begin_id(c, kind_base[p->kind] + slot, slot, p->real, img, len);
}

/* errno must be what the real method left. */
static void end(struct rec_call *c, bool rec, int64_t ret, bool failed)
{
	if (rec)
		dxgt__rec_leave(c, ret, failed ? errno : 0, false, 0);
}

/* After a method that returns an object through ppv: note the real object
 * in the image and hand the caller its proxy. Only a call that succeeded
 * wrote *ppv. */
static void hand_out(int32_t hr, const void *riid, void **ppv, enum kind natural, uint64_t *object)
{
	if (hr < 0 || !ppv || !*ppv)
		return;
	*object = addr(*ppv);
	*ppv = wrap(*ppv, riid, natural);
}

#define VT(p, T) ((const struct T *)*(void *const *)(p)->real)

/* ---- IUnknown, and the methods that return an object by IID ---- */

static int32_t get_object(struct proxy *p, uint32_t slot, const void *riid, void **ppv,
			  enum kind natural)
{
	struct dxgt_dxcore_qi a = {.self = addr(p->real), .ppv = addr(ppv)};
	guid_in(&a.riid, riid);
	struct rec_call c;
	bool rec = begin(&c, p, slot, &a, sizeof(a));
	int32_t (*fn)(void *, const void *, void **) =
	    slot == DXGT_DXCORE_QUERYINTERFACE ? VT(p, unknown_vtbl)->QueryInterface
	    : p->kind == K_LIST		       ? VT(p, list_vtbl)->GetFactory
					       : VT(p, adapter_vtbl)->GetFactory;
	int32_t hr = fn(p->real, riid, ppv);
	int e = errno;
	hand_out(hr, riid, ppv, natural, &a.object);
	errno = e;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static int32_t px_query_interface(void *self, const void *riid, void **ppv)
{
	struct proxy *p = self;
	return get_object(p, DXGT_DXCORE_QUERYINTERFACE, riid, ppv, (enum kind)p->kind);
}

static uint32_t px_add_ref(void *self)
{
	struct proxy *p = self;
	struct dxgt_dxcore_self a = {addr(p->real)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXCORE_ADDREF, &a, sizeof(a));
	uint32_t n = VT(p, unknown_vtbl)->AddRef(p->real);
	int e = errno;
	pthread_mutex_lock(&lock);
	p->refs++;
	pthread_mutex_unlock(&lock);
	errno = e;
	end(&c, rec, n, false);
	return n;
}

static uint32_t px_release(void *self)
{
	struct proxy *p = self;
	void *real = p->real;
	struct dxgt_dxcore_self a = {addr(real)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXCORE_RELEASE, &a, sizeof(a));
	/* Our last reference: out of the table before the real object can go,
	 * so nobody else is handed this proxy. */
	pthread_mutex_lock(&lock);
	bool last = p->refs <= 1;
	if (p->refs)
		p->refs--;
	if (last)
		unlink_locked(p);
	pthread_mutex_unlock(&lock);
	uint32_t n = VT(p, unknown_vtbl)->Release(real);
	int e = errno;
	if (n == 0 && !last) {
		/* The caller released more than it held through us: the object
		 * is gone, but the proxy may still be used; keep it, unlisted. */
		pthread_mutex_lock(&lock);
		if (find_locked(real) == p)
			unlink_locked(p);
		pthread_mutex_unlock(&lock);
	}
	if (last)
		free(p);
	errno = e;
	end(&c, rec, n, false);
	return n;
}

/* ---- methods of one u32 argument, or none, that answer a value ---- */

static bool bool_u32(struct proxy *p, uint32_t slot, bool (*fn)(void *, uint32_t), uint32_t v)
{
	struct dxgt_dxcore_state a = {addr(p->real), v, 0};
	struct rec_call c;
	bool rec = begin(&c, p, slot, &a, sizeof(a));
	bool r = fn(p->real, v);
	end(&c, rec, r, false);
	return r;
}

static uint32_t value_of(struct proxy *p, uint32_t slot, uint32_t (*count)(void *),
			 bool (*test)(void *))
{
	struct dxgt_dxcore_self a = {addr(p->real)};
	struct rec_call c;
	bool rec = begin(&c, p, slot, &a, sizeof(a));
	uint32_t r = count ? count(p->real) : (uint32_t)test(p->real);
	end(&c, rec, r, false);
	return r;
}

/* ---- IDXCoreAdapterFactory ---- */

static int32_t fa_create_adapter_list(void *self, uint32_t n, const void *attrs, const void *riid,
				      void **ppv)
{
	struct proxy *p = self;
	struct dxgt_dxcore_createadapterlist a = {.self = addr(p->real),
						  .num_attributes = n,
						  .filter_attributes = addr(attrs),
						  .ppv = addr(ppv)};
	guid_in(&a.riid, riid);
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXF_CREATEADAPTERLIST, &a, sizeof(a));
	int32_t hr = VT(p, factory_vtbl)->CreateAdapterList(p->real, n, attrs, riid, ppv);
	int e = errno;
	hand_out(hr, riid, ppv, K_LIST, &a.object);
	errno = e;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static int32_t fa_get_adapter_by_luid(void *self, const void *luid, const void *riid, void **ppv)
{
	struct proxy *p = self;
	struct dxgt_dxcore_getadapterbyluid a = {.self = addr(p->real), .ppv = addr(ppv)};
	if (luid)
		memcpy(&a.adapter_luid, luid, sizeof(a.adapter_luid));
	guid_in(&a.riid, riid);
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXF_GETADAPTERBYLUID, &a, sizeof(a));
	int32_t hr = VT(p, factory_vtbl)->GetAdapterByLuid(p->real, luid, riid, ppv);
	int e = errno;
	hand_out(hr, riid, ppv, K_ADAPTER, &a.object);
	errno = e;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static bool fa_is_notification_type_supported(void *self, uint32_t type)
{
	struct proxy *p = self;
	return bool_u32(p, DXGT_DXF_ISNOTIFICATIONTYPESUPPORTED,
			VT(p, factory_vtbl)->IsNotificationTypeSupported, type);
}

static int32_t fa_register_event_notification(void *self, void *object, uint32_t type,
					      notify_fn callback, void *context, uint32_t *cookie)
{
	struct proxy *p = self;
	void *real_object = unwrap(object);
	struct dxgt_dxcore_registernotification a = {
	    .self = addr(p->real),
	    .dxcore_object = addr(real_object),
	    .type = type,
	    .callback = (uint64_t)(uintptr_t)callback,
	    .context = addr(context),
	    .cookie_ptr = addr(cookie),
	};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXF_REGISTEREVENTNOTIFICATION, &a, sizeof(a));
	int32_t hr =
	    VT(p, factory_vtbl)
		->RegisterEventNotification(p->real, real_object, type, callback, context, cookie);
	if (hr >= 0 && cookie)
		a.cookie = *cookie;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static int32_t fa_unregister_event_notification(void *self, uint32_t cookie)
{
	struct proxy *p = self;
	struct dxgt_dxcore_cookie a = {addr(p->real), cookie, 0};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXF_UNREGISTEREVENTNOTIFICATION, &a, sizeof(a));
	int32_t hr = VT(p, factory_vtbl)->UnregisterEventNotification(p->real, cookie);
	end(&c, rec, hr, hr < 0);
	return hr;
}

static const struct factory_vtbl factory_proxy_vtbl = {
    px_query_interface,
    px_add_ref,
    px_release,
    fa_create_adapter_list,
    fa_get_adapter_by_luid,
    fa_is_notification_type_supported,
    fa_register_event_notification,
    fa_unregister_event_notification,
};

/* ---- IDXCoreAdapterList ---- */

static int32_t ls_get_adapter(void *self, uint32_t index, const void *riid, void **ppv)
{
	struct proxy *p = self;
	struct dxgt_dxcore_getadapter a = {.self = addr(p->real), .index = index, .ppv = addr(ppv)};
	guid_in(&a.riid, riid);
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXL_GETADAPTER, &a, sizeof(a));
	int32_t hr = VT(p, list_vtbl)->GetAdapter(p->real, index, riid, ppv);
	int e = errno;
	hand_out(hr, riid, ppv, K_ADAPTER, &a.object);
	errno = e;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static uint32_t ls_get_adapter_count(void *self)
{
	struct proxy *p = self;
	return value_of(p, DXGT_DXL_GETADAPTERCOUNT, VT(p, list_vtbl)->GetAdapterCount, NULL);
}

static bool ls_is_stale(void *self)
{
	struct proxy *p = self;
	return value_of(p, DXGT_DXL_ISSTALE, NULL, VT(p, list_vtbl)->IsStale) != 0;
}

static int32_t ls_get_factory(void *self, const void *riid, void **ppv)
{
	return get_object(self, DXGT_DXL_GETFACTORY, riid, ppv, K_FACTORY);
}

static int32_t ls_sort(void *self, uint32_t n, const uint32_t *prefs)
{
	struct proxy *p = self;
	struct dxgt_dxcore_sort a = {addr(p->real), n, 0, addr(prefs)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXL_SORT, &a, sizeof(a));
	int32_t hr = VT(p, list_vtbl)->Sort(p->real, n, prefs);
	end(&c, rec, hr, hr < 0);
	return hr;
}

static bool ls_is_adapter_preference_supported(void *self, uint32_t pref)
{
	struct proxy *p = self;
	return bool_u32(p, DXGT_DXL_ISADAPTERPREFERENCESUPPORTED,
			VT(p, list_vtbl)->IsAdapterPreferenceSupported, pref);
}

static const struct list_vtbl list_proxy_vtbl = {
    px_query_interface,
    px_add_ref,
    px_release,
    ls_get_adapter,
    ls_get_adapter_count,
    ls_is_stale,
    ls_get_factory,
    ls_sort,
    ls_is_adapter_preference_supported,
};

/* ---- IDXCoreAdapter ---- */

static bool ad_is_valid(void *self)
{
	struct proxy *p = self;
	return value_of(p, DXGT_DXA_ISVALID, NULL, VT(p, adapter_vtbl)->IsValid) != 0;
}

static bool ad_is_attribute_supported(void *self, const void *attribute)
{
	struct proxy *p = self;
	struct dxgt_dxcore_attribute a = {.self = addr(p->real)};
	guid_in(&a.attribute, attribute);
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXA_ISATTRIBUTESUPPORTED, &a, sizeof(a));
	bool r = VT(p, adapter_vtbl)->IsAttributeSupported(p->real, attribute);
	end(&c, rec, r, false);
	return r;
}

static bool ad_is_property_supported(void *self, uint32_t property)
{
	struct proxy *p = self;
	return bool_u32(p, DXGT_DXA_ISPROPERTYSUPPORTED, VT(p, adapter_vtbl)->IsPropertySupported,
			property);
}

static int32_t ad_get_property(void *self, uint32_t property, size_t size, void *buffer)
{
	struct proxy *p = self;
	struct dxgt_dxcore_getproperty a = {addr(p->real), property, 0, size, addr(buffer)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXA_GETPROPERTY, &a, sizeof(a));
	int32_t hr = VT(p, adapter_vtbl)->GetProperty(p->real, property, size, buffer);
	end(&c, rec, hr, hr < 0);
	return hr;
}

static int32_t ad_get_property_size(void *self, uint32_t property, size_t *size)
{
	struct proxy *p = self;
	struct dxgt_dxcore_getpropertysize a = {addr(p->real), property, 0, addr(size), 0};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXA_GETPROPERTYSIZE, &a, sizeof(a));
	int32_t hr = VT(p, adapter_vtbl)->GetPropertySize(p->real, property, size);
	if (hr >= 0 && size)
		a.buffer_size = *size;
	end(&c, rec, hr, hr < 0);
	return hr;
}

static bool ad_is_query_state_supported(void *self, uint32_t state)
{
	struct proxy *p = self;
	return bool_u32(p, DXGT_DXA_ISQUERYSTATESUPPORTED,
			VT(p, adapter_vtbl)->IsQueryStateSupported, state);
}

static int32_t ad_query_state(void *self, uint32_t state, size_t in_size, const void *in,
			      size_t out_size, void *out)
{
	struct proxy *p = self;
	struct dxgt_dxcore_querystate a = {addr(p->real), state,    0,	      in_size,
					   addr(in),	  out_size, addr(out)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXA_QUERYSTATE, &a, sizeof(a));
	int32_t hr = VT(p, adapter_vtbl)->QueryState(p->real, state, in_size, in, out_size, out);
	end(&c, rec, hr, hr < 0);
	return hr;
}

static bool ad_is_set_state_supported(void *self, uint32_t state)
{
	struct proxy *p = self;
	return bool_u32(p, DXGT_DXA_ISSETSTATESUPPORTED, VT(p, adapter_vtbl)->IsSetStateSupported,
			state);
}

static int32_t ad_set_state(void *self, uint32_t state, size_t in_size, const void *in,
			    size_t data_size, const void *data)
{
	struct proxy *p = self;
	struct dxgt_dxcore_setstate a = {addr(p->real), state,	   0,	      in_size,
					 addr(in),	data_size, addr(data)};
	struct rec_call c;
	bool rec = begin(&c, p, DXGT_DXA_SETSTATE, &a, sizeof(a));
	int32_t hr = VT(p, adapter_vtbl)->SetState(p->real, state, in_size, in, data_size, data);
	end(&c, rec, hr, hr < 0);
	return hr;
}

static int32_t ad_get_factory(void *self, const void *riid, void **ppv)
{
	return get_object(self, DXGT_DXA_GETFACTORY, riid, ppv, K_FACTORY);
}

static const struct adapter_vtbl adapter_proxy_vtbl = {
    px_query_interface,
    px_add_ref,
    px_release,
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

/* ---- the export ---- */

int32_t dxgt__dxcore_create_factory(void *real, const void *riid, void **ppv)
{
	int32_t (*create)(const void *, void **) = (int32_t(*)(const void *, void **))real;
	if (!create) {
		if (ppv)
			*ppv = NULL;
		return E_NOTIMPL_;
	}
	struct dxgt_dxcore_createfactory a = {.ppv = addr(ppv)};
	guid_in(&a.riid, riid);
	struct rec_call c;
	bool rec = begin_id(&c, DXGT_DXCORE_CREATE_FACTORY, 0, NULL, &a, sizeof(a));
	int32_t hr = create(riid, ppv);
	int e = errno;
	hand_out(hr, riid, ppv, K_FACTORY, &a.object);
	errno = e;
	end(&c, rec, hr, hr < 0);
	return hr;
}
