// SPDX-License-Identifier: MIT
/*
 * The dxgkrnl model. dxgt_mock_ioctl() is what the kernel does with a
 * /dev/dxg request, split as the real stack splits it:
 *
 *  - the guest driver's checks: the full request code (number and encoded
 *    size) or -ENOTTY, slots without a handler (-ENOTTY), handles that do
 *    not name a live object of the right kind (STATUS_INVALID_HANDLE, so
 *    -EBADF), escape payloads over the VM bus limit (-EINVAL), array
 *    capacities (-EOVERFLOW), bad user pointers (-EFAULT);
 *  - the host's answer, from the profile: adapters, canned QueryAdapterInfo
 *    and registry answers, the escape policy and canned replies, and fault
 *    injection; every object the calls create lives in one handle table
 *    shaped like dxgkrnl's (instance:6, index:24, unique:2).
 *
 * Generic handling comes from the descriptor list (which handles a call
 * uses, creates and releases); only calls with host-side meaning have a
 * handler of their own. Results are what the ioctl returns: 0, a positive
 * NTSTATUS, or -errno. Objects that user-mode drivers read through CPU
 * addresses (monitored fences, locked allocations) get real memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wchar.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/status.h"
#include "dxgt/uapi.h"

#define STATUS_INVALID_HANDLE 0xC0000008u
#define STATUS_INVALID_PARAMETER 0xC000000Du

/* Query types the model answers from the adapter description. */
enum {
	QAI_DRIVERVERSION = 13,
	QAI_ADAPTERTYPE = 15,
	QAI_PHYSICALADAPTERCOUNT = 30,
	QAI_PHYSICALADAPTERDEVICEIDS = 31,
	QAI_QUERYREGISTRY = 48,
	QAI_ADAPTERTYPE_RENDER = 57,
	QAI_DRIVER_DESCRIPTION = 65,
};

/* Adapter type bits (d3dkmt_adaptertype). */
#define AT_RENDER 0x1u
#define AT_DISPLAY 0x2u
#define AT_SOFTWARE 0x4u
#define AT_HYBRID_INTEGRATED 0x20u
#define AT_PARAVIRTUALIZED 0x80u
#define AT_DETACHABLE 0x400u
#define AT_COMPUTE_ONLY 0x800u

#define ESCAPE_FLAG_DRIVER_KNOWN 0x40u
#define SYNC_MONITORED_FENCE 5u

struct obj {
	uint32_t handle; /* 0: free slot */
	uint8_t kind;	 /* enum dxgt_obj */
	uint32_t parent; /* the device or adapter it belongs to */
	int adapter;	 /* index into the profile's adapters */
	void *mem;	 /* CPU-visible memory: a fence value or an allocation's pages */
	size_t mem_len;
};

struct dxgt_mock {
	pthread_mutex_t lock;
	const struct dxgt_profile *p;
	unsigned flags;
	bool plain_copies; /* process_vm_* unavailable: copy directly */
	struct obj *objs;  /* index 0 unused */
	size_t n_objs, cap_objs;
	uint32_t next_unique;
	uint64_t counts[0x200];
	uint64_t *fault_matches; /* per profile fault: matching invocations so far */
	bool escape_refused;	 /* the host has refused a non-empty escape */
	uint64_t next_gpu_va;
	uint64_t paging_fence;
};

/* ---- user memory ---- */

static int user_copy(struct dxgt_mock *m, void *dst, const void *src, size_t n, bool to_user)
{
	if (!n)
		return 0;
	if (!src || !dst)
		return -EFAULT;
	if (m->flags & DXGT_MOCK_TRUSTED || m->plain_copies) {
		memcpy(dst, src, n);
		return 0;
	}
	/* A copy through the kernel: a bad address is EFAULT, not a crash. */
	struct iovec local = {dst, n}, remote = {(void *)src, n};
	ssize_t k;
	if (to_user) {
		local.iov_base = (void *)src;
		remote.iov_base = dst;
		k = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	} else {
		k = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	}
	if (k == (ssize_t)n)
		return 0;
	if (k < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* Sandboxes can forbid the syscalls: fall back to plain copies. */
		m->plain_copies = true;
		memcpy(dst, src, n);
		return 0;
	}
	return -EFAULT;
}

static int copy_in(struct dxgt_mock *m, void *dst, uint64_t user, size_t n)
{
	return user_copy(m, dst, (const void *)(uintptr_t)user, n, false);
}

static int copy_out(struct dxgt_mock *m, uint64_t user, const void *src, size_t n)
{
	return user_copy(m, (void *)(uintptr_t)user, src, n, true);
}

/* ---- objects ---- */

static uint32_t obj_new(struct dxgt_mock *m, unsigned kind, uint32_t parent, int adapter)
{
	size_t i = 1; /* index 0 is never a handle */
	while (i < m->n_objs && m->objs[i].handle)
		i++;
	if (i >= m->cap_objs) {
		size_t cap = m->cap_objs ? 2 * m->cap_objs : 256;
		if (cap > (1u << 24))
			return 0;
		struct obj *o = realloc(m->objs, cap * sizeof(*o));
		if (!o)
			return 0;
		memset(o + m->cap_objs, 0, (cap - m->cap_objs) * sizeof(*o));
		m->objs = o;
		m->cap_objs = cap;
	}
	if (i >= m->n_objs)
		m->n_objs = i + 1;
	/* dxgkrnl's shape: index in bits 6-29, a 2-bit unique counter on top. */
	m->next_unique = (m->next_unique % 3) + 1;
	struct obj *o = &m->objs[i];
	memset(o, 0, sizeof(*o));
	o->handle = (uint32_t)i << 6 | 0x40000000u;
	o->kind = (uint8_t)kind;
	o->parent = parent;
	o->adapter = adapter;
	return o->handle;
}

static struct obj *obj_get(struct dxgt_mock *m, uint32_t h, unsigned kind)
{
	size_t i = (h >> 6) & 0xffffffu;
	if (!h || i == 0 || i >= m->n_objs || m->objs[i].handle != h)
		return NULL;
	struct obj *o = &m->objs[i];
	if (kind != DXGT_OBJ_ANY && o->kind != kind)
		return NULL;
	return o;
}

static void obj_free(struct dxgt_mock *m, struct obj *o)
{
	if (o->mem)
		munmap(o->mem, o->mem_len);
	(void)m;
	memset(o, 0, sizeof(*o));
}

/* Memory a user-mode driver reads through a returned CPU address. */
static void *obj_mem(struct obj *o, size_t len)
{
	if (!o->mem) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		o->mem = p;
		o->mem_len = len;
	}
	return o->mem;
}

/* ---- helpers over argument images ---- */

static uint32_t get32(const uint8_t *a, uint32_t off)
{
	uint32_t v;
	memcpy(&v, a + off, 4);
	return v;
}

static void put32(uint8_t *a, uint32_t off, uint32_t v)
{
	memcpy(a + off, &v, 4);
}

static long from_status(uint32_t st)
{
	if ((int32_t)st >= 0)
		return (long)st;
	return -(long)dxgt_ntstatus_to_errno(st);
}

static const struct dxgt_mock_adapter *adapter_of(struct dxgt_mock *m, uint32_t h, int *index)
{
	struct obj *o = obj_get(m, h, DXGT_OBJ_ANY);
	if (!o || o->adapter < 0 || (size_t)o->adapter >= m->p->n_adapters)
		return NULL;
	if (index)
		*index = o->adapter;
	return &m->p->adapters[o->adapter];
}

/* ---- the generic path: the descriptor list's handle roles ---- */

static long check_handles(struct dxgt_mock *m, const struct dxgt_call_desc *d, const uint8_t *a)
{
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		if (h->role != DXGT_ROLE_IN && h->role != DXGT_ROLE_DEL &&
		    h->role != DXGT_ROLE_INOUT)
			continue;
		uint32_t n = 1;
		if (h->count_size) {
			uint64_t c = 0;
			dxgt_field_read(a, d->ioctl_size, h->count_off, h->count_size, &c);
			if (c > h->max)
				return -EINVAL;
			n = (uint32_t)c;
		}
		for (uint32_t k = 0; k < n; k++) {
			uint32_t v = get32(a, h->off + k * h->stride);
			/* Zero means "none" for optional handles (an escape's context). */
			if (v && !obj_get(m, v, h->kind))
				return from_status(STATUS_INVALID_HANDLE);
		}
	}
	return 0;
}

/* Objects that outlive their parent would leak handles: release children. */
static void release_children(struct dxgt_mock *m, uint32_t parent)
{
	for (size_t i = 1; i < m->n_objs; i++) {
		if (m->objs[i].handle && m->objs[i].parent == parent) {
			uint32_t h = m->objs[i].handle;
			obj_free(m, &m->objs[i]);
			release_children(m, h);
		}
	}
}

static long generic(struct dxgt_mock *m, const struct dxgt_call_desc *d, uint8_t *a)
{
	uint32_t parent = 0;
	int adapter = -1;
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		if (h->role == DXGT_ROLE_IN && !h->count_size && !parent) {
			struct obj *o = obj_get(m, get32(a, h->off), DXGT_OBJ_ANY);
			if (o) {
				parent = o->handle;
				adapter = o->adapter;
			}
		}
	}
	for (uint16_t i = 0; i < d->n_handles; i++) {
		const struct dxgt_handle_desc *h = &d->handles[i];
		if (h->count_size)
			continue;
		uint32_t v = get32(a, h->off);
		if (h->role == DXGT_ROLE_OUT || (h->role == DXGT_ROLE_INOUT && !v)) {
			/* INOUT resources are created only when asked for. */
			if (h->role == DXGT_ROLE_INOUT)
				continue;
			uint32_t nh = obj_new(m, h->kind, parent, adapter);
			if (!nh)
				return -ENOMEM;
			put32(a, h->off, nh);
		} else if (h->role == DXGT_ROLE_DEL) {
			struct obj *o = obj_get(m, v, h->kind);
			if (o) {
				release_children(m, o->handle);
				obj_free(m, o);
			}
		}
	}
	return 0;
}

/* Handle arrays in nested buffers: check (IN) or release (DEL) each. */
static long handle_arrays(struct dxgt_mock *m, const struct dxgt_call_desc *d, const uint8_t *a,
			  bool release)
{
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *b = &d->bufs[i];
		if (b->kind == DXGT_OBJ_NONE || b->elem_size != 4)
			continue;
		uint64_t len = 0, ptr = 0;
		if (dxgt_buf_len(b, a, d->ioctl_size, &len) < 0 || len > (1u << 20))
			return -EINVAL;
		dxgt_field_read(a, d->ioctl_size, b->ptr_off, 8, &ptr);
		if (!len)
			continue;
		if (!ptr)
			return -EINVAL;
		uint32_t *hs = malloc(len);
		if (!hs)
			return -ENOMEM;
		long rc = copy_in(m, hs, ptr, len);
		for (size_t k = 0; rc == 0 && k < len / 4; k++) {
			struct obj *o = obj_get(m, hs[k], b->kind);
			if (!o && !release)
				rc = from_status(STATUS_INVALID_HANDLE);
			else if (o && release && b->role == DXGT_ROLE_DEL)
				obj_free(m, o);
		}
		free(hs);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- calls with host-side meaning ---- */

static bool listed(const struct dxgt_mock_adapter *ad, bool compute_ok)
{
	return compute_ok || !ad->compute_only;
}

static long enum_adapters(struct dxgt_mock *m, uint8_t *a, bool v3)
{
	struct dxgt_enumadapters3 *e3 = (void *)a;
	struct dxgt_enumadapters2 *e2 = (void *)a;
	bool compute_ok = v3 && (e3->filter & 1u);
	uint32_t cap = v3 ? e3->adapter_count : e2->num_adapters;
	uint64_t ptr = v3 ? e3->adapters : e2->adapters;
	uint32_t n = 0;
	for (size_t i = 0; i < m->p->n_adapters; i++)
		n += listed(&m->p->adapters[i], compute_ok);
	if (!ptr) { /* a count query */
		if (v3)
			e3->adapter_count = n;
		else
			e2->num_adapters = n;
		return 0;
	}
	if (cap < n) {
		/* ENUMADAPTERS3 answers 0 with the count and no entries;
		 * ENUMADAPTERS2 fails with -EOVERFLOW and writes nothing back. */
		if (!v3)
			return -EOVERFLOW;
		e3->adapter_count = n;
		return 0;
	}
	struct dxgt_adapterinfo info[64];
	uint32_t k = 0;
	for (size_t i = 0; i < m->p->n_adapters && k < 64; i++) {
		const struct dxgt_mock_adapter *ad = &m->p->adapters[i];
		if (!listed(ad, compute_ok))
			continue;
		uint32_t h = obj_new(m, DXGT_OBJ_ADAPTER, 0, (int)i);
		if (!h)
			return -ENOMEM;
		info[k] = (struct dxgt_adapterinfo){
		    h, {(uint32_t)ad->luid, (uint32_t)(ad->luid >> 32)}, ad->num_sources, 0};
		k++;
	}
	long rc = copy_out(m, ptr, info, k * sizeof(info[0]));
	if (rc)
		return rc;
	if (v3)
		e3->adapter_count = k;
	else
		e2->num_adapters = k;
	return 0;
}

static long open_adapter(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_openadapterfromluid *o = (void *)a;
	uint64_t luid = (uint64_t)o->adapter_luid.b << 32 | o->adapter_luid.a;
	for (size_t i = 0; i < m->p->n_adapters; i++) {
		if (m->p->adapters[i].luid == luid) {
			o->adapter_handle = obj_new(m, DXGT_OBJ_ADAPTER, 0, (int)i);
			return o->adapter_handle ? 0 : -ENOMEM;
		}
	}
	return -EINVAL;
}

static uint32_t adapter_type(const struct dxgt_mock_adapter *ad)
{
	return (ad->render_supported ? AT_RENDER : 0) | (ad->display_supported ? AT_DISPLAY : 0) |
	       (!ad->is_hardware ? AT_SOFTWARE : 0) |
	       (ad->is_integrated ? AT_HYBRID_INTEGRATED : 0) |
	       (ad->paravirtualized ? AT_PARAVIRTUALIZED : 0) |
	       (ad->is_detachable ? AT_DETACHABLE : 0) | (ad->compute_only ? AT_COMPUTE_ONLY : 0);
}

/* Widen a UTF-8 (ASCII in practice) string into the caller's wchar_t. */
static size_t widen(wchar_t *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < cap; i++)
		dst[k++] = (wchar_t)src[i];
	return k;
}

/* D3DDDI_QUERYREGISTRY_INFO as Linux UMDs see it (4-byte wchar_t). */
#define QR_NAME_OFF 8u
#define QR_NAME_LEN 260u
#define QR_VALUE_TYPE_OFF 1048u
#define QR_ADAPTER_INDEX_OFF 1052u /* PhysicalAdapterIndex, an input */
#define QR_OUT_SIZE_OFF 1056u
#define QR_STATUS_OFF 1060u
#define QR_OUT_OFF 1064u
#define QR_SIZE 1072u
_Static_assert(QR_NAME_OFF + QR_NAME_LEN * sizeof(wchar_t) == QR_VALUE_TYPE_OFF,
	       "QUERYREGISTRY layout assumes a 4-byte wchar_t");

static long query_registry(const struct dxgt_mock_adapter *ad, uint8_t *buf, uint32_t size)
{
	if (size < QR_SIZE)
		return -EINVAL;
	uint32_t qtype = get32(buf, 0);
	wchar_t name[QR_NAME_LEN + 1];
	memcpy(name, buf + QR_NAME_OFF, QR_NAME_LEN * sizeof(wchar_t));
	name[QR_NAME_LEN] = 0;
	/* Entries for this query type first, then those for any type; value
	 * names compare without case, as Windows registry names do. Path
	 * queries (driver store, image path) name no value. */
	const struct dxgt_mock_registry *hit = NULL;
	for (int pass = 0; pass < 2 && !hit; pass++) {
		for (size_t i = 0; i < ad->n_registry && !hit; i++) {
			const struct dxgt_mock_registry *r = &ad->registry[i];
			if (pass == 0 ? r->query_type != (int32_t)qtype : r->query_type >= 0)
				continue;
			if (qtype == 2 || qtype == 3) {
				hit = r;
				continue;
			}
			wchar_t want[QR_NAME_LEN + 1] = {0};
			widen(want, QR_NAME_LEN, (const uint8_t *)r->value_name,
			      strlen(r->value_name));
			if (wcscasecmp(want, name) == 0)
				hit = r;
		}
	}
	if (!hit) {
		put32(buf, QR_STATUS_OFF, 2); /* FAIL */
		return 0;
	}
	size_t room = size - QR_OUT_OFF;
	size_t need = hit->is_string ? (hit->value.len + 1) * sizeof(wchar_t) : hit->value.len;
	put32(buf, QR_VALUE_TYPE_OFF, hit->value_type);
	put32(buf, QR_OUT_SIZE_OFF, (uint32_t)need);
	if (need > room) {
		put32(buf, QR_STATUS_OFF, 1); /* BUFFER_OVERFLOW: size probe answered */
		return 0;
	}
	if (hit->is_string) {
		wchar_t *w = calloc(hit->value.len + 1, sizeof(wchar_t));
		if (!w)
			return -ENOMEM;
		widen(w, hit->value.len, hit->value.data, hit->value.len);
		memcpy(buf + QR_OUT_OFF, w, need);
		free(w);
	} else {
		memcpy(buf + QR_OUT_OFF, hit->value.data, need);
	}
	put32(buf, QR_STATUS_OFF, 0);
	return 0;
}

static long query_adapter_info(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_queryadapterinfo *q = (void *)a;
	const struct dxgt_mock_adapter *ad = adapter_of(m, q->adapter, NULL);
	if (!ad)
		return from_status(STATUS_INVALID_HANDLE);
	if (!q->private_data_size || q->private_data_size > m->p->vm_bus_limit || !q->private_data)
		return -EINVAL;
	uint32_t size = q->private_data_size;
	uint8_t *buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	long rc = copy_in(m, buf, q->private_data, size);
	if (rc)
		goto out;
	const struct dxgt_mock_qai *canned = NULL;
	for (size_t i = 0; i < ad->n_qai; i++)
		if (ad->qai[i].type == q->type)
			canned = &ad->qai[i];
	if (canned) {
		if (canned->status && (int32_t)canned->status < 0) {
			rc = from_status(canned->status);
			goto out;
		}
		memcpy(buf, canned->data.data, canned->data.len < size ? canned->data.len : size);
	} else {
		switch (q->type) {
		case QAI_ADAPTERTYPE:
		case QAI_ADAPTERTYPE_RENDER:
		case QAI_PHYSICALADAPTERCOUNT:
		case QAI_DRIVERVERSION:
			if (size < 4) {
				rc = -EINVAL;
				goto out;
			}
			put32(buf, 0,
			      q->type == QAI_PHYSICALADAPTERCOUNT ? 1
			      : q->type == QAI_DRIVERVERSION	  ? 3100 /* WDDM 3.1 */
								  : adapter_type(ad));
			break;
		case QAI_PHYSICALADAPTERDEVICEIDS:
			if (size < 28) {
				rc = -EINVAL;
				goto out;
			}
			put32(buf, 4, ad->vendor);
			put32(buf, 8, ad->device);
			put32(buf, 12, ad->subsys & 0xffffu);
			put32(buf, 16, ad->subsys >> 16);
			put32(buf, 20, ad->revision);
			put32(buf, 24, 0);
			break;
		case QAI_DRIVER_DESCRIPTION: {
			size_t len = strlen(ad->description);
			widen((wchar_t *)(void *)buf, size / sizeof(wchar_t) - 1,
			      (const uint8_t *)ad->description, len);
			break;
		}
		case QAI_QUERYREGISTRY:
			rc = query_registry(ad, buf, size);
			if (rc)
				goto out;
			break;
		default:
			rc = from_status(STATUS_INVALID_PARAMETER);
			goto out;
		}
	}
	rc = copy_out(m, q->private_data, buf, size);
out:
	free(buf);
	return rc;
}

static bool fnv_match(const struct dxgt_mock_escape_reply *r, const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h == r->fnv1a;
}

static long escape(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_escape *e = (void *)a;
	const struct dxgt_mock_adapter *ad = adapter_of(m, e->adapter, NULL);
	if (!ad)
		return from_status(STATUS_INVALID_HANDLE);
	/* The payload travels inline in one VM bus message. */
	if (e->priv_drv_data_size > m->p->vm_bus_limit)
		return -EINVAL;
	uint32_t size = e->priv_drv_data_size;
	if (size && !e->priv_drv_data)
		return -EINVAL;
	bool accepted;
	switch (ad->escape_policy) {
	case DXGT_ESCAPE_PASS:
		accepted = true;
		break;
	case DXGT_ESCAPE_KNOWN_ONLY:
		accepted = (e->flags & ESCAPE_FLAG_DRIVER_KNOWN) != 0;
		break;
	default: /* REJECT_NONEMPTY and DISABLED: the host refuses the escape */
		accepted = false;
		break;
	}
	if (!accepted) {
		/* A refusal comes back as a reply carrying no private data. The
		 * guest reads no status for an escape: a reply shorter than the
		 * payload is -EOVERFLOW, and an empty escape "succeeds". */
		if (size > ad->escape_reply_size) {
			m->escape_refused = true;
			return -EOVERFLOW;
		}
		return 0;
	}
	if (!size)
		return 0;
	uint8_t *buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	long rc = copy_in(m, buf, e->priv_drv_data, size);
	for (size_t i = 0; rc == 0 && i < ad->n_escape_replies; i++) {
		const struct dxgt_mock_escape_reply *r = &ad->escape_replies[i];
		bool hit = r->has_fnv1a ? fnv_match(r, buf, size)
					: r->prefix.len <= size &&
					      memcmp(buf, r->prefix.data, r->prefix.len) == 0;
		if (!hit)
			continue;
		if (r->err) {
			rc = -r->err;
		} else if ((int32_t)r->status < 0) {
			rc = from_status(r->status);
		} else {
			if (r->out.len) /* a reply without "out" has no bytes at all */
				memcpy(buf, r->out.data, r->out.len < size ? r->out.len : size);
			rc = copy_out(m, e->priv_drv_data, buf, size);
		}
		free(buf);
		return rc;
	}
	/* The vendor model answers everything else by handing the payload back. */
	if (rc == 0)
		rc = copy_out(m, e->priv_drv_data, buf, size);
	free(buf);
	return rc;
}

static long create_allocation(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_createallocation *c = (void *)a;
	struct obj *dev = obj_get(m, c->device, DXGT_OBJ_DEVICE);
	if (!dev)
		return from_status(STATUS_INVALID_HANDLE);
	if (c->alloc_count == 0 || c->alloc_count > 1024 || !c->allocation_info)
		return -EINVAL;
	size_t len = (size_t)c->alloc_count * sizeof(struct dxgt_allocationinfo2);
	struct dxgt_allocationinfo2 *info = malloc(len);
	if (!info)
		return -ENOMEM;
	long rc = copy_in(m, info, c->allocation_info, len);
	if (rc == 0 && (c->flags & 1u) && !c->resource) { /* create_resource */
		c->resource = obj_new(m, DXGT_OBJ_RESOURCE, dev->handle, dev->adapter);
		if (!c->resource)
			rc = -ENOMEM;
	}
	for (uint32_t i = 0; rc == 0 && i < c->alloc_count; i++) {
		info[i].allocation = obj_new(m, DXGT_OBJ_ALLOCATION,
					     c->resource ? c->resource : dev->handle, dev->adapter);
		if (!info[i].allocation)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = copy_out(m, c->allocation_info, info, len);
	free(info);
	return rc;
}

static long sync_object(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_createsynchronizationobject2 *c = (void *)a;
	struct obj *dev = obj_get(m, c->device, DXGT_OBJ_DEVICE);
	if (!dev)
		return from_status(STATUS_INVALID_HANDLE);
	c->sync_object = obj_new(m, DXGT_OBJ_SYNCOBJECT, dev->handle, dev->adapter);
	if (!c->sync_object)
		return -ENOMEM;
	if (c->info.type == SYNC_MONITORED_FENCE) {
		struct obj *o = obj_get(m, c->sync_object, DXGT_OBJ_SYNCOBJECT);
		uint64_t *fence = obj_mem(o, 4096);
		if (!fence)
			return -ENOMEM;
		*fence = c->info.u.monitored_fence.initial_fence_value;
		c->info.u.monitored_fence.fence_cpu_virtual_address = (uint64_t)(uintptr_t)fence;
		c->info.u.monitored_fence.fence_gpu_virtual_address = m->next_gpu_va += 0x10000;
	}
	return 0;
}

static long paging_queue(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_createpagingqueue *c = (void *)a;
	struct obj *dev = obj_get(m, c->device, DXGT_OBJ_DEVICE);
	if (!dev)
		return from_status(STATUS_INVALID_HANDLE);
	c->paging_queue = obj_new(m, DXGT_OBJ_PAGINGQUEUE, dev->handle, dev->adapter);
	c->sync_object = obj_new(m, DXGT_OBJ_SYNCOBJECT, c->paging_queue, dev->adapter);
	struct obj *s = obj_get(m, c->sync_object, DXGT_OBJ_SYNCOBJECT);
	uint64_t *fence = s ? obj_mem(s, 4096) : NULL;
	if (!fence)
		return -ENOMEM;
	c->fence_cpu_virtual_address = (uint64_t)(uintptr_t)fence;
	return 0;
}

static long lock2(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_lock2 *l = (void *)a;
	struct obj *o = obj_get(m, l->allocation, DXGT_OBJ_ALLOCATION);
	if (!o)
		return from_status(STATUS_INVALID_HANDLE);
	/* The allocation's size is in driver-private data the host does not
	 * parse here: back it with a generous lazily-committed mapping. */
	void *p = obj_mem(o, 64u << 20);
	if (!p)
		return -ENOMEM;
	l->data = (uint64_t)(uintptr_t)p;
	return 0;
}

/* Signal from the CPU: each monitored fence takes its new value. */
static long signal_cpu(struct dxgt_mock *m, uint8_t *a)
{
	struct dxgt_signalsynchronizationobjectfromcpu *s = (void *)a;
	if (s->object_count > 1024)
		return -EINVAL;
	size_t n = s->object_count;
	uint32_t *hs = malloc(n * 4 + 1);
	uint64_t *vs = malloc(n * 8 + 1);
	long rc = hs && vs ? 0 : -ENOMEM;
	if (rc == 0)
		rc = copy_in(m, hs, s->objects, n * 4);
	if (rc == 0)
		rc = copy_in(m, vs, s->fence_values, n * 8);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct obj *o = obj_get(m, hs[i], DXGT_OBJ_SYNCOBJECT);
		if (!o)
			rc = from_status(STATUS_INVALID_HANDLE);
		else if (o->mem)
			*(uint64_t *)o->mem = vs[i];
	}
	free(hs);
	free(vs);
	return rc;
}

static long gpu_va(struct dxgt_mock *m, const struct dxgt_call_desc *d, uint8_t *a)
{
	if (d->id == 0x08) {
		struct dxgt_reservegpuvirtualaddress *r = (void *)a;
		if (!adapter_of(m, r->adapter, NULL))
			return from_status(STATUS_INVALID_HANDLE);
		uint64_t size = r->size ? (r->size + 0xffffu) & ~0xffffull : 0x10000u;
		r->virtual_address = r->base_address ? r->base_address : (m->next_gpu_va += size);
		r->paging_fence_value = ++m->paging_fence;
	} else {
		struct dxgt_mapgpuvirtualaddress *p = (void *)a;
		/* A mapping of no pages maps nothing: the host's memory manager
		 * refuses it (an inference; it is what a user-mode driver that
		 * lost its allocation's size would send). */
		if (!p->size_in_pages)
			return from_status(STATUS_INVALID_PARAMETER);
		p->virtual_address =
		    p->base_address ? p->base_address : (m->next_gpu_va += p->size_in_pages << 12);
		p->paging_fence_value = ++m->paging_fence;
	}
	return 0;
}

/* ---- faults ---- */

static bool fault_hits(const struct dxgt_mock_fault *f, const struct dxgt_call_desc *d,
		       const uint8_t *a, bool escape_refused, uint64_t *matched)
{
	if (f->call_id != d->id || (f->after_escape_refused && !escape_refused))
		return false;
	if (f->has_arg) {
		bool ok = false;
		for (uint16_t i = 0; i < d->n_scalars; i++) {
			uint64_t v = 0;
			if (strcmp(d->scalars[i].name, f->arg_name) == 0 &&
			    dxgt_field_read(a, d->ioctl_size, d->scalars[i].off, d->scalars[i].size,
					    &v) == 0)
				ok = v == f->arg_value;
		}
		if (!ok)
			return false;
	}
	uint64_t n = ++*matched;
	return n >= f->first && n <= f->last;
}

/* ---- the entry point ---- */

int dxgt_mock_new(struct dxgt_mock **out, const struct dxgt_profile *p, unsigned flags)
{
	if (!out || !p)
		return DXGT_E_INVAL;
	struct dxgt_mock *m = calloc(1, sizeof(*m));
	if (!m)
		return DXGT_E_NOMEM;
	m->fault_matches = calloc(p->n_faults + 1, sizeof(*m->fault_matches));
	if (!m->fault_matches) {
		free(m);
		return DXGT_E_NOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->p = p;
	m->flags = flags;
	m->next_gpu_va = 0x100000000ull;
	*out = m;
	return 0;
}

void dxgt_mock_free(struct dxgt_mock *m)
{
	if (!m)
		return;
	for (size_t i = 1; i < m->n_objs; i++)
		if (m->objs[i].handle)
			obj_free(m, &m->objs[i]);
	free(m->objs);
	free(m->fault_matches);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

uint64_t dxgt_mock_count(const struct dxgt_mock *m, uint16_t call_id)
{
	return m && call_id < 0x200 ? m->counts[call_id] : 0;
}

static long dispatch(struct dxgt_mock *m, const struct dxgt_call_desc *d, uint8_t *a)
{
	long rc = check_handles(m, d, a);
	if (rc)
		return rc;
	rc = handle_arrays(m, d, a, false);
	if (rc)
		return rc;
	for (size_t i = 0; i < m->p->n_faults; i++) {
		const struct dxgt_mock_fault *f = &m->p->faults[i];
		if (fault_hits(f, d, a, m->escape_refused, &m->fault_matches[i]))
			return f->err ? -(long)f->err : from_status(f->status);
	}
	switch (d->id) {
	case 0x01:
		return open_adapter(m, a);
	case 0x06:
		return create_allocation(m, a);
	case 0x07:
		return paging_queue(m, a);
	case 0x08:
	case 0x0c:
		rc = generic(m, d, a);
		return rc ? rc : gpu_va(m, d, a);
	case 0x09:
		return query_adapter_info(m, a);
	case 0x0d:
		return escape(m, a);
	case 0x10:
		return sync_object(m, a);
	case 0x14:
		return enum_adapters(m, a, false);
	case 0x25:
		return lock2(m, a);
	case 0x31:
		return signal_cpu(m, a);
	case 0x3e:
		return enum_adapters(m, a, true);
	default:
		rc = generic(m, d, a);
		if (rc == 0)
			rc = handle_arrays(m, d, a, true);
		return rc;
	}
}

long dxgt_mock_ioctl(struct dxgt_mock *m, unsigned long request, void *arg)
{
	if (!m)
		return -EBADF;
	const struct dxgt_call_desc *d = dxgt_call_by_ioctl(request);
	/* The driver compares the whole request: number and encoded size. */
	if (!d || d->ioctl_code != (uint32_t)request || (d->flags & DXGT_CF_NOHANDLER))
		return -ENOTTY;
	uint8_t a[1024];
	if (d->ioctl_size > sizeof(a))
		return -ENOTTY;
	pthread_mutex_lock(&m->lock);
	long rc = copy_in(m, a, (uint64_t)(uintptr_t)arg, d->ioctl_size);
	if (rc == 0) {
		m->counts[d->id]++;
		rc = dispatch(m, d, a);
		/* The kernel copies the arguments back even on many failures;
		 * outputs of a failed call are not to be trusted either way. */
		if (rc >= 0 || rc == -EOVERFLOW) {
			long wr = copy_out(m, (uint64_t)(uintptr_t)arg, a, d->ioctl_size);
			if (wr && rc >= 0)
				rc = wr;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

uint32_t dxgt_mock_ntstatus_from_ioctl(long ret)
{
	if (ret >= 0)
		return (uint32_t)ret;
	uint32_t st[8];
	size_t n = dxgt_errno_to_ntstatus((int)-ret, st, 8);
	/* The first status the table lists for this errno is the one the guest
	 * most likely saw; EINVAL's many sources fold into INVALID_PARAMETER. */
	if (-ret == EINVAL || n == 0)
		return STATUS_INVALID_PARAMETER;
	return st[0];
}
