// SPDX-License-Identifier: MIT
/*
 * From-trace profiles: a host profile synthesised from what a recording's
 * LEAVE records say the host answered, so that the mock model answers a
 * replay of the recording (with verify) as that host did. A Windows
 * capture, which holds only the D3DKMT layer, becomes an emulator.
 *
 * One pass over the trace collects observations; the profile is decided
 * after it, when every call's result is known (a D3DKMT call's errno comes
 * from the ioctl it issued, which follows it in the trace):
 *
 *  - adapters: LUIDs and num_sources from the enumerations (EnumAdapters,
 *    EnumAdapters2/3) and OpenAdapterFromLuid; compute-only from which
 *    enumeration listed them; ids, flags and the description from
 *    QueryAdapterInfo answers (31, 15, 65), DXCore property reads and META
 *    adapter records;
 *  - canned QueryAdapterInfo answers: every recorded type's output bytes
 *    (a type that always failed: its status); QUERYREGISTRY (48) answers
 *    become registry entries by value name, sized so that the model
 *    reproduces a size probe's BUFFER_OVERFLOW;
 *  - escapes: policy pass, and a canned reply per distinct payload
 *    (FNV-1a 64 of the whole payload, a prefix when the recording kept
 *    only its start) with the recorded output or failure; a payload
 *    handed back unchanged needs nothing;
 *  - faults: every other recorded non-zero result, by call and invocation
 *    number, counted as the model counts them when the trace is replayed
 *    at its highest layer (d3dkmt when it has one).
 *
 * What the model cannot be made to say (outputs it computes itself, such
 * as GPU virtual addresses; an NTSTATUS the guest cannot carry through an
 * errno; answers that differ for equal inputs) is counted and listed in
 * the profile's description rather than guessed.
 *
 * Never: dereference a pointer read from the trace (everything comes from
 * recorded bytes); print; exit. The limits below mirror the loader's
 * (mock/src/profile.c), and the result is checked with dxgt_profile_parse()
 * before it is handed out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "dxgt/calls.h"
#include "dxgt/dxcore.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"
#include "dxgt/status.h"
#include "dxgt/trace.h"
#include "dxgt/uapi.h"

#define STATUS_INVALID_HANDLE 0xC0000008u

/* The loader's limits (docs/profiles.md). */
#define MAX_ADAPTERS 16u
#define MAX_QAI 256u
#define MAX_REGISTRY 256u
#define MAX_REPLIES 1024u
#define MAX_FAULTS 256u
#define MAX_SOURCES 64u
#define NAME_MAX_LEN 255u
#define REG_STRING_MAX 32767u
#define BUS_DEFAULT 131072u
#define BUS_MAX (16u << 20)
#define BLOB_BUDGET (60u << 20) /* under the loader's 64 MiB for all blobs */

/* KMTQAITYPE values read here. */
enum {
	QAI_ADAPTERTYPE = 15,
	QAI_DEVICEIDS = 31,
	QAI_QUERYREGISTRY = 48,
	QAI_DRIVER_DESCRIPTION = 65,
};

/* D3DKMT_ADAPTERTYPE bits, as the model answers type 15. */
#define AT_RENDER 0x1u
#define AT_DISPLAY 0x2u
#define AT_SOFTWARE 0x4u
#define AT_INTEGRATED 0x20u
#define AT_PARAVIRTUALIZED 0x80u
#define AT_DETACHABLE 0x400u
#define AT_COMPUTE_ONLY 0x800u

/* DXCoreAdapterProperty ids read here. */
enum {
	PROP_INSTANCE_LUID = 0,
	PROP_DRIVER_VERSION = 1,
	PROP_DRIVER_DESCRIPTION = 2,
	PROP_HARDWARE_ID = 3,
	PROP_IS_HARDWARE = 11,
	PROP_IS_INTEGRATED = 12,
	PROP_IS_DETACHABLE = 13,
	PROP_HARDWARE_ID_PARTS = 14,
};

/* D3DDDI_QUERYREGISTRY_INFO: as Linux UMDs see it (4-byte wchar_t, what
 * the model reads) and as Windows callers do (2-byte WCHAR). */
struct qr_layout {
	uint32_t wchar, name_off, name_len, type_off, size_off, status_off, out_off, size;
};
static const struct qr_layout qr_linux = {4, 8, 260, 1048, 1056, 1060, 1064, 1072};
static const struct qr_layout qr_windows = {2, 8, 260, 528, 536, 540, 544, 552};
_Static_assert(8 + 260 * 4 == 1048 && 8 + 260 * 2 == 528,
	       "the value type follows the 260-character name in both layouts");
enum { QR_SUCCESS = 0, QR_BUFFER_OVERFLOW = 1, QR_FAIL = 2 };

/* ---- state ---- */

struct blob {
	uint8_t *p; /* owned */
	uint32_t n;
};

struct reg {
	int32_t qtype;
	char *name; /* UTF-8, owned */
	uint32_t value_type;
	struct blob value;
	bool have_value; /* a successful read gave the bytes */
	bool wide2;	 /* read with the Windows layout */
	uint32_t need;	 /* OutputValueSize of a BUFFER_OVERFLOW answer */
	bool have_need;
	uint64_t seq;
	unsigned reads;
};

struct qai {
	uint32_t type;
	struct blob out; /* the longest successful answer */
	bool have_ok;
	bool failing; /* always failed alike: answered with status */
	uint32_t status;
	uint64_t seq;
};

struct adapter {
	uint64_t luid;
	bool enumerated, listed_plain; /* listed; by an enumeration without compute-only */
	bool opened;		       /* by OpenAdapterFromLuid */
	uint32_t order;		       /* position in the longest list, + 1; 0: not in it */
	uint32_t num_sources;
	bool have_ids;
	uint32_t vendor, device, subsys, revision;
	const char *ids_from;
	char *description; /* owned */
	const char *desc_from;
	uint64_t driver_version;
	bool have_version;
	uint32_t type_bits;
	bool have_type;
	int is_hardware, is_integrated, is_detachable; /* -1 unknown (DXCore) */
	uint32_t meta_bits;
	bool have_meta_bits;
	struct qai *qai;
	size_t n_qai, cap_qai;
	struct reg *reg;
	size_t n_reg, cap_reg;
};

enum { K_OTHER, K_ESC, K_QAI };

/* A call whose result matters: it failed, or it is an escape or a query
 * whose answer is synthesised. */
struct call {
	uint64_t seq;
	uint16_t id;  /* descriptor id */
	uint16_t fid; /* the ioctl id the model counts it under; 0: none */
	uint8_t layer;
	uint8_t kind;
	bool failed;   /* a non-zero result */
	bool returned; /* has a LEAVE */
	bool has_status, has_err;
	uint32_t status;
	int err;
	uint64_t n; /* invocation number of fid at its layer; 0: not counted */
	int adapter;
	uint32_t ref;	/* K_ESC: group; K_QAI: index in the adapter's qai */
	bool conflict;	/* an answer other than the synthesised one */
	bool covered;	/* reproduced by a canned answer: no fault */
	bool unmatched; /* K_ESC: the payload cannot be matched */
};

struct esc_group {
	int adapter;
	bool by_prefix; /* the recording kept only the start of the payload */
	uint64_t fnv;
	uint32_t len;	 /* payload length */
	struct blob in;	 /* the payload (by_prefix: its stored start) */
	struct blob out; /* the first successful answer */
	bool have_ok, echo;
	uint64_t seq;
	unsigned calls;
	/* decided after the pass */
	bool reply;
	bool use_err;
	int err;
	uint32_t status;
};

struct hmap {
	uint64_t key;
	int adapter;
	uint64_t luid;
};

struct dxprop {
	uint64_t self;
	uint32_t prop;
	struct blob val;
};

struct synth {
	const char *path;
	struct adapter *ad;
	size_t n_ad, cap_ad;
	struct call *calls;
	size_t n_calls, cap_calls;
	struct esc_group *esc;
	size_t n_esc, cap_esc;
	size_t *esc_hash; /* open addressing: index + 1, 0 empty */
	size_t esc_hash_cap;
	struct hmap *handles, *devices, *selves;
	size_t n_handles, cap_handles, n_devices, cap_devices, n_selves, cap_selves;
	struct dxprop *props;
	size_t n_props, cap_props;
	uint64_t count[2][256]; /* invocations per ioctl id: [0] d3dkmt, [1] ioctl */
	uint64_t total_calls, layer_calls[4];
	bool had_plain_list, plain_zero, had_list;
	uint64_t longest_list; /* seq of the enumeration that listed the most adapters */
	uint32_t longest_n;
	bool windows;
	char os[32], exe[128];
	uint32_t bus_need;  /* the largest message the recorded host took */
	uint32_t bus_limit; /* the profile's vm_bus_limit, from bus_need */
	uint8_t layer;	    /* the counting layer */
	/* what could not be reproduced */
	unsigned unattributed, esc_conflicts, qai_conflicts, reg_windows, reg_other;
	unsigned esc_unmatched, inexact, dropped_faults, dropped_replies, dropped_blobs;
	unsigned dropped_qai, dropped_reg, dropped_adapters, bad_handle, unfinished, no_ioctl;
	unsigned unlisted;
	uint32_t inexact_status[4];
	unsigned n_inexact_status;
	size_t blob_total;
	bool cut_short;
	char cut_reason[160];
};

/* ---- small helpers ---- */

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, nc * size);
	if (!q)
		return DXGT_E_NOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

#define PUSH(s, arr, n, cap) grow((void **)&(s)->arr, &(s)->cap, (s)->n, sizeof(*(s)->arr))

static int blob_set(struct blob *b, const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (!q)
		return DXGT_E_NOMEM;
	if (n)
		memcpy(q, p, n);
	free(b->p);
	b->p = q;
	b->n = (uint32_t)n;
	return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static bool field(const struct dxgt_record *r, size_t off, unsigned size, uint64_t *v)
{
	*v = 0;
	return r && dxgt_field_read(r->args, r->args_len, (uint32_t)off, size, v) == 0;
}

static uint64_t field_or0(const struct dxgt_record *r, size_t off, unsigned size)
{
	uint64_t v;
	field(r, off, size, &v);
	return v;
}

/* The stored bytes of the level-0 buffer named name, or NULL. */
static const struct dxgt_rec_buf *rec_buf(const struct dxgt_record *r,
					  const struct dxgt_call_desc *d, const char *name)
{
	if (!r)
		return NULL;
	for (uint16_t k = 0; k < d->n_bufs; k++) {
		if (strcmp(d->bufs[k].name, name) != 0)
			continue;
		for (uint16_t i = 0; i < r->n_bufs; i++)
			if (r->bufs[i].level == 0 && r->bufs[i].desc == k &&
			    !(r->bufs[i].flags & DXGT_BUF_UNREADABLE))
				return &r->bufs[i];
	}
	return NULL;
}

/* Valid UTF-8 of at most max bytes, cut at a character boundary; other
 * bytes become '?'. Owned, free(). */
static char *clean_text(const uint8_t *p, size_t n, size_t max)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	if (dxgt_utf8_valid(p, n)) {
		memcpy(s, p, n);
	} else {
		for (size_t i = 0; i < n; i++)
			s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	}
	s[n] = '\0';
	if (n > max) {
		size_t k = max;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		s[k] = '\0';
	}
	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = '?';
	return s;
}

/* A wide string of units of w bytes (2 or 4) as UTF-8 text: ASCII only,
 * to the first NUL. NULL when it holds anything else. Owned, free(). */
static char *wide_ascii(const uint8_t *p, size_t n, unsigned w, size_t *units)
{
	size_t k = n / w;
	char *s = malloc(k + 1);
	if (!s)
		return NULL;
	size_t i = 0;
	for (; i < k; i++) {
		uint32_t c = w == 4 ? get32(p + 4 * i) : (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);
		if (c == 0)
			break;
		if (c >= 0x80 || c < 0x20) {
			free(s);
			return NULL;
		}
		s[i] = (char)c;
	}
	s[i] = '\0';
	if (units)
		*units = i;
	return s;
}

/* ---- adapters and handles ---- */

static int adapter_of_luid(struct synth *s, uint64_t luid, int *out)
{
	for (size_t i = 0; i < s->n_ad; i++)
		if (s->ad[i].luid == luid) {
			*out = (int)i;
			return 0;
		}
	if (s->n_ad >= MAX_ADAPTERS) {
		s->dropped_adapters++;
		*out = -1;
		return 0;
	}
	int rc = PUSH(s, ad, n_ad, cap_ad);
	if (rc)
		return rc;
	struct adapter *a = &s->ad[s->n_ad];
	memset(a, 0, sizeof(*a));
	a->luid = luid;
	a->is_hardware = a->is_integrated = a->is_detachable = -1;
	*out = (int)s->n_ad++;
	return 0;
}

static int map_set(struct hmap **m, size_t *n, size_t *cap, uint64_t key, int adapter,
		   uint64_t luid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*m)[i].key == key) {
			(*m)[i].adapter = adapter;
			(*m)[i].luid = luid;
			return 0;
		}
	int rc = grow((void **)m, cap, *n, sizeof(**m));
	if (rc)
		return rc;
	(*m)[(*n)++] = (struct hmap){key, adapter, luid};
	return 0;
}

static const struct hmap *map_get(const struct hmap *m, size_t n, uint64_t key)
{
	for (size_t i = n; i-- > 0;)
		if (m[i].key == key)
			return &m[i];
	return NULL;
}

static void map_del(struct hmap *m, size_t *n, uint64_t key)
{
	for (size_t i = 0; i < *n; i++)
		if (m[i].key == key) {
			m[i] = m[--*n];
			return;
		}
}

/* The adapter a call names by its adapter handle, or by its device's; the
 * only adapter when there is one. -1 if unknown. */
static int adapter_for(const struct synth *s, uint32_t adapter, uint32_t device)
{
	const struct hmap *h = adapter ? map_get(s->handles, s->n_handles, adapter) : NULL;
	if (!h && device)
		h = map_get(s->devices, s->n_devices, device);
	if (h)
		return h->adapter;
	return s->n_ad == 1 ? 0 : -1;
}

static void set_ids(struct adapter *a, const char *from, uint32_t vendor, uint32_t device,
		    uint32_t subsys, uint32_t revision)
{
	if (a->have_ids)
		return;
	a->have_ids = true;
	a->ids_from = from;
	a->vendor = vendor;
	a->device = device;
	a->subsys = subsys;
	a->revision = revision;
}

static int set_description(struct adapter *a, const char *from, char *text)
{
	if (!text)
		return DXGT_E_NOMEM;
	if (a->description || !text[0]) {
		free(text);
		return 0;
	}
	a->description = text;
	a->desc_from = from;
	return 0;
}

/* ---- results ---- */

struct result {
	bool returned, failed, ok; /* ok: outputs are the host's answer */
	bool has_status, has_err;
	uint32_t status;
	int err;
};

static struct result result_of(const struct dxgt_call *c)
{
	struct result r = {0};
	const struct dxgt_record *l = c->leave;
	if (!l)
		return r;
	r.returned = true;
	if (c->enter->layer == DXGT_LAYER_D3DKMT) {
		r.status = l->flags & DXGT_LEAVE_STATUS ? l->status : (uint32_t)l->ret;
		r.has_status = true;
		r.failed = r.status != 0;
		r.ok = (int32_t)r.status >= 0;
		/* errno after a D3DKMT call is the ioctl's only when it agrees. */
		if (r.failed && l->err && dxgt_ntstatus_to_errno(r.status) == l->err) {
			r.err = l->err;
			r.has_err = true;
		}
	} else if (c->enter->layer == DXGT_LAYER_IOCTL) {
		if (l->ret < 0) {
			r.failed = true;
			r.err = l->err ? l->err : EINVAL;
			r.has_err = true;
		} else if (l->ret > 0) {
			r.failed = true;
			r.ok = true;
			r.status = (uint32_t)l->ret;
			r.has_status = true;
		} else {
			r.ok = true;
		}
	} else {
		r.ok = l->ret == 0; /* DXCore: S_OK */
		r.failed = !r.ok;
	}
	return r;
}

/* The ioctl the model counts a call under: its own at the ioctl layer and
 * for D3DKMT functions with an ioctl; for the D3DKMT-only functions, the
 * request libdxcore (and libdxgmock) turns them into. */
static uint16_t fault_id(const struct dxgt_call_desc *d, uint8_t layer)
{
	static const char *const compat[][2] = {
	    {"D3DKMTEnumAdapters", "LX_DXENUMADAPTERS2"},
	    {"D3DKMTCreateAllocation", "LX_DXCREATEALLOCATION"},
	    {"D3DKMTDestroyAllocation", "LX_DXDESTROYALLOCATION2"},
	    {"D3DKMTCreateSynchronizationObject", "LX_DXCREATESYNCHRONIZATIONOBJECT"},
	    {"D3DKMTWaitForSynchronizationObject", "LX_DXWAITFORSYNCHRONIZATIONOBJECT"},
	    {"D3DKMTSignalSynchronizationObject", "LX_DXSIGNALSYNCHRONIZATIONOBJECT"},
	};
	if (!d)
		return 0;
	if (d->ioctl_code)
		return d->id < 256 ? d->id : 0;
	if (layer != DXGT_LAYER_D3DKMT || !d->kmt_name)
		return 0;
	for (size_t i = 0; i < sizeof(compat) / sizeof(compat[0]); i++)
		if (strcmp(compat[i][0], d->kmt_name) == 0) {
			const struct dxgt_call_desc *t = dxgt_call_by_name(compat[i][1]);
			return t && t->id < 256 ? t->id : 0;
		}
	return 0;
}

static struct call *find_call(struct synth *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n_calls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->calls[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_calls && s->calls[lo].seq == seq ? &s->calls[lo] : NULL;
}

/* ---- enumeration and opening ---- */

/* Entry pos of a list of n, from the enumeration at seq: the model lists
 * adapters in profile order, so the longest list recorded gives it. */
static int listed(struct synth *s, uint64_t seq, uint32_t pos, uint32_t n, uint32_t handle,
		  uint32_t lo, uint32_t hi, uint32_t sources, bool plain)
{
	int a;
	int rc = adapter_of_luid(s, (uint64_t)hi << 32 | lo, &a);
	if (rc || a < 0)
		return rc;
	struct adapter *ad = &s->ad[a];
	ad->enumerated = true;
	ad->listed_plain |= plain;
	ad->num_sources = sources;
	s->had_list = true;
	if (n > s->longest_n || s->longest_list == seq) {
		if (s->longest_list != seq)
			for (size_t i = 0; i < s->n_ad; i++)
				s->ad[i].order = 0;
		s->longest_n = n;
		s->longest_list = seq;
		ad->order = pos + 1;
	}
	return map_set(&s->handles, &s->n_handles, &s->cap_handles, handle, a, ad->luid);
}

static int on_enum(struct synth *s, const struct dxgt_call *c, const struct result *r)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	const struct dxgt_call_desc *d = c->desc;
	if (!r->ok || !l)
		return 0;
	if (d->kmt_name && strcmp(d->kmt_name, "D3DKMTEnumAdapters") == 0 && !d->ioctl_code) {
		uint64_t n = field_or0(l, 0, 4);
		s->had_plain_list = true;
		if (n == 0)
			s->plain_zero = true;
		for (uint64_t i = 0; i < n && i < 16; i++) {
			size_t off = 4 + 20 * (size_t)i;
			uint64_t h, lo, hi, src;
			if (!field(l, off, 4, &h) || !field(l, off + 4, 4, &lo) ||
			    !field(l, off + 8, 4, &hi) || !field(l, off + 12, 4, &src))
				break;
			int rc =
			    listed(s, e->seq, (uint32_t)i, (uint32_t)(n < 16 ? n : 16), (uint32_t)h,
				   (uint32_t)lo, (uint32_t)hi, (uint32_t)src, true);
			if (rc)
				return rc;
		}
		return 0;
	}
	bool v3 = d->id == 0x3e;
	uint64_t filter = v3 ? field_or0(e, offsetof(struct dxgt_enumadapters3, filter), 8) : 0;
	size_t count_off = v3 ? offsetof(struct dxgt_enumadapters3, adapter_count)
			      : offsetof(struct dxgt_enumadapters2, num_adapters);
	size_t ptr_off = v3 ? offsetof(struct dxgt_enumadapters3, adapters)
			    : offsetof(struct dxgt_enumadapters2, adapters);
	bool plain = !(filter & 1u);
	uint64_t cap = field_or0(e, count_off, 4), n = field_or0(l, count_off, 4);
	if (!field_or0(e, ptr_off, 8)) { /* a count query */
		if (plain && n == 0)
			s->plain_zero = true;
		return 0;
	}
	if (n > cap) /* too small: no entries were written */
		return 0;
	if (plain)
		s->had_plain_list = true;
	const struct dxgt_rec_buf *b = rec_buf(l, d, "adapters");
	if (!b)
		return 0;
	uint32_t stored = (uint32_t)(n < b->len / 20 ? n : b->len / 20);
	for (uint32_t i = 0; i < stored; i++) {
		const uint8_t *p = b->data + 20 * i;
		int rc = listed(s, e->seq, i, stored, get32(p), get32(p + 4), get32(p + 8),
				get32(p + 12), plain);
		if (rc)
			return rc;
	}
	return 0;
}

static int on_handles(struct synth *s, const struct dxgt_call *c, const struct result *r)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	const char *name = c->desc->name;
	if (!r->ok || !l)
		return 0;
	if (strcmp(name, "OpenAdapterFromLuid") == 0) {
		uint64_t lo = field_or0(e, 0, 4), hi = field_or0(e, 4, 4);
		uint64_t h =
		    field_or0(l, offsetof(struct dxgt_openadapterfromluid, adapter_handle), 4);
		int a;
		int rc = adapter_of_luid(s, hi << 32 | lo, &a);
		if (rc || a < 0)
			return rc;
		s->ad[a].opened = true;
		return map_set(&s->handles, &s->n_handles, &s->cap_handles, h, a, s->ad[a].luid);
	}
	if (strcmp(name, "CloseAdapter") == 0) {
		map_del(s->handles, &s->n_handles, field_or0(e, 0, 4));
	} else if (strcmp(name, "CreateDevice") == 0) {
		uint64_t h = field_or0(l, offsetof(struct dxgt_createdevice, device), 4);
		const struct hmap *m = map_get(s->handles, s->n_handles, field_or0(e, 0, 4));
		if (m)
			return map_set(&s->devices, &s->n_devices, &s->cap_devices, h, m->adapter,
				       m->luid);
	} else if (strcmp(name, "DestroyDevice") == 0) {
		map_del(s->devices, &s->n_devices, field_or0(e, 0, 4));
	}
	return 0;
}

/* ---- QueryAdapterInfo ---- */

static int on_registry(struct synth *s, struct adapter *a, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	uint64_t size = field_or0(e, offsetof(struct dxgt_queryadapterinfo, private_data_size), 4);
	const struct dxgt_rec_buf *bi = rec_buf(e, c->desc, "private_data");
	const struct dxgt_rec_buf *bo = rec_buf(l, c->desc, "private_data");
	/* A Windows caller's layout, or the Linux one; a trace that does not
	 * say which host it is from is told by the size. */
	const struct qr_layout *L = s->windows		    ? &qr_windows
				    : size >= qr_linux.size ? &qr_linux
				    : !s->os[0]		    ? &qr_windows
							    : NULL;
	if (!L || !bi || !bo || bi->len < L->size || bo->len < L->size) {
		s->reg_other++;
		return 0;
	}
	if (L == &qr_windows)
		s->reg_windows++;
	int32_t qtype = (int32_t)get32(bi->data);
	if (qtype < 0) { /* not a D3DDDI_QUERYREGISTRY_TYPE a profile can name */
		s->reg_other++;
		return 0;
	}
	uint32_t vtype = get32(bo->data + L->type_off), vsize = get32(bo->data + L->size_off);
	uint32_t status = get32(bo->data + L->status_off);
	if (status == QR_FAIL)
		return 0; /* the model's answer for a value it has no entry for */
	if (status != QR_SUCCESS && status != QR_BUFFER_OVERFLOW) {
		s->reg_other++;
		return 0;
	}
	bool path = qtype == 2 || qtype == 3;
	char *name = NULL;
	if (!path) {
		size_t units = 0;
		name = wide_ascii(bi->data + L->name_off, (size_t)L->name_len * L->wchar, L->wchar,
				  &units);
		if (!name || !units) { /* not a name the model can compare */
			free(name);
			s->reg_other++;
			return 0;
		}
	}
	struct reg *g = NULL;
	for (size_t i = 0; i < a->n_reg && !g; i++)
		if (a->reg[i].qtype == qtype &&
		    (path || strcasecmp(a->reg[i].name ? a->reg[i].name : "", name) == 0))
			g = &a->reg[i];
	if (!g) {
		if (a->n_reg >= MAX_REGISTRY) {
			free(name);
			s->dropped_reg++;
			return 0;
		}
		int rc = grow((void **)&a->reg, &a->cap_reg, a->n_reg, sizeof(*a->reg));
		if (rc) {
			free(name);
			return rc;
		}
		g = &a->reg[a->n_reg++];
		memset(g, 0, sizeof(*g));
		g->qtype = qtype;
		g->name = name;
		g->seq = e->seq;
		g->wide2 = L == &qr_windows;
		name = NULL;
	}
	free(name);
	if (g->reads++ && g->value_type != vtype)
		s->reg_other++; /* the model reports one type for a value */
	if (status == QR_SUCCESS || !g->have_value)
		g->value_type = vtype;
	if (status == QR_BUFFER_OVERFLOW) {
		if (size - L->out_off >= vsize) /* the model overflows only when it must */
			s->reg_other++;
		g->need = vsize;
		g->have_need = true;
		return 0;
	}
	if (g->have_value)
		return 0;
	uint32_t room = (uint32_t)size - L->out_off;
	if (vsize > room || L->out_off + vsize > bo->len) {
		s->reg_other++;
		return 0;
	}
	g->have_value = true;
	return blob_set(&g->value, bo->data + L->out_off, vsize);
}

static int on_qai(struct synth *s, const struct dxgt_call *c, const struct result *r,
		  struct call *k)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	uint32_t type = (uint32_t)field_or0(e, offsetof(struct dxgt_queryadapterinfo, type), 4);
	int ai = adapter_for(s, (uint32_t)field_or0(e, 0, 4), 0);
	k->adapter = ai;
	if (ai < 0) {
		s->unattributed++;
		return 0;
	}
	struct adapter *a = &s->ad[ai];
	if (type == QAI_QUERYREGISTRY) {
		k->kind = K_OTHER; /* its failures are faults; its answers registry entries */
		return r->ok && l ? on_registry(s, a, c) : 0;
	}
	uint64_t size = field_or0(e, offsetof(struct dxgt_queryadapterinfo, private_data_size), 4);
	const struct dxgt_rec_buf *bo = rec_buf(l, c->desc, "private_data");
	if (r->ok && bo && size > s->bus_need)
		s->bus_need = (uint32_t)(size < BUS_MAX ? size : BUS_MAX);
	struct qai *q = NULL;
	for (size_t i = 0; i < a->n_qai && !q; i++)
		if (a->qai[i].type == type)
			q = &a->qai[i];
	if (!q) {
		if (a->n_qai >= MAX_QAI) {
			s->dropped_qai++;
			k->adapter = -1;
			return 0;
		}
		int rc = grow((void **)&a->qai, &a->cap_qai, a->n_qai, sizeof(*a->qai));
		if (rc)
			return rc;
		q = &a->qai[a->n_qai++];
		memset(q, 0, sizeof(*q));
		q->type = type;
		q->seq = e->seq;
	}
	k->ref = (uint32_t)(q - a->qai);
	if (!r->ok || !bo)
		return 0;
	const uint8_t *p = bo->data;
	if (type == QAI_DEVICEIDS && bo->len >= 24)
		set_ids(a, "QueryAdapterInfo type 31", get32(p + 4), get32(p + 8),
			get32(p + 16) << 16 | (get32(p + 12) & 0xffffu), get32(p + 20));
	if (type == QAI_ADAPTERTYPE && bo->len >= 4 && !a->have_type) {
		a->type_bits = get32(p);
		a->have_type = true;
	}
	if (type == QAI_DRIVER_DESCRIPTION && bo->len >= 4 && !a->description) {
		/* wchar_t: 4 bytes on Linux; Windows captures hold UTF-16. */
		unsigned w = s->windows || p[2] || p[3] ? 2 : 4;
		char *t = wide_ascii(p, bo->len, w, NULL);
		if (t) {
			int rc = set_description(a, "QueryAdapterInfo type 65", t);
			if (rc)
				return rc;
		}
	}
	if (!q->have_ok) {
		q->have_ok = true;
		return blob_set(&q->out, p, bo->len);
	}
	size_t common = q->out.n < bo->len ? q->out.n : bo->len;
	if (memcmp(q->out.p, p, common) != 0) {
		k->conflict = true;
		return 0;
	}
	return bo->len > q->out.n ? blob_set(&q->out, p, bo->len) : 0;
}

/* ---- escapes ---- */

static void esc_hash_insert(struct synth *s, size_t idx);

static uint64_t esc_key(int adapter, bool by_prefix, uint64_t fnv)
{
	return fnv ^ ((uint64_t)(unsigned)(adapter + 1) * 0x9e3779b97f4a7c15ull) ^ by_prefix;
}

static int esc_hash_grow(struct synth *s)
{
	size_t cap = s->esc_hash_cap ? s->esc_hash_cap * 2 : 1024;
	size_t *t = calloc(cap, sizeof(*t));
	if (!t)
		return DXGT_E_NOMEM;
	free(s->esc_hash);
	s->esc_hash = t;
	s->esc_hash_cap = cap;
	for (size_t i = 0; i < s->n_esc; i++)
		esc_hash_insert(s, i);
	return 0;
}

static void esc_hash_insert(struct synth *s, size_t idx)
{
	const struct esc_group *g = &s->esc[idx];
	size_t m = s->esc_hash_cap - 1;
	size_t h = (size_t)esc_key(g->adapter, g->by_prefix, g->fnv) & m;
	while (s->esc_hash[h])
		h = (h + 1) & m;
	s->esc_hash[h] = idx + 1;
}

static struct esc_group *esc_find(struct synth *s, int adapter, bool by_prefix, uint64_t fnv,
				  const uint8_t *in, uint32_t in_len)
{
	if (!s->esc_hash_cap)
		return NULL;
	size_t m = s->esc_hash_cap - 1;
	for (size_t h = (size_t)esc_key(adapter, by_prefix, fnv) & m; s->esc_hash[h];
	     h = (h + 1) & m) {
		struct esc_group *g = &s->esc[s->esc_hash[h] - 1];
		if (g->adapter == adapter && g->by_prefix == by_prefix && g->fnv == fnv &&
		    (!by_prefix || (g->in.n == in_len && memcmp(g->in.p, in, in_len) == 0)))
			return g;
	}
	return NULL;
}

static int on_escape(struct synth *s, const struct dxgt_call *c, const struct result *r,
		     struct call *k)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	uint32_t size = (uint32_t)field_or0(e, offsetof(struct dxgt_escape, priv_drv_data_size), 4);
	int ai = adapter_for(s, (uint32_t)field_or0(e, offsetof(struct dxgt_escape, adapter), 4),
			     (uint32_t)field_or0(e, offsetof(struct dxgt_escape, device), 4));
	k->adapter = ai;
	if (ai < 0) {
		s->unattributed++;
		return 0;
	}
	const struct dxgt_rec_buf *bi = size ? rec_buf(e, c->desc, "priv_drv_data") : NULL;
	const struct dxgt_rec_buf *bo = size ? rec_buf(l, c->desc, "priv_drv_data") : NULL;
	if (!size || !bi || !bi->len) {
		/* Nothing to match on: the model hands such a payload back, and
		 * an empty one succeeds. */
		k->unmatched = true;
		if (r->ok && size && bo &&
		    (!bi || bo->len != bi->len || memcmp(bo->data, bi->data, bi->len) != 0))
			k->conflict = true;
		return 0;
	}
	if (r->ok && size > s->bus_need)
		s->bus_need = size < BUS_MAX ? size : BUS_MAX;
	bool by_prefix = bi->len < size;
	uint64_t h = fnv1a(bi->data, bi->len);
	struct esc_group *g = esc_find(s, ai, by_prefix, h, bi->data, bi->len);
	if (!g) {
		int rc = PUSH(s, esc, n_esc, cap_esc);
		if (rc)
			return rc;
		if ((s->n_esc + 1) * 2 > s->esc_hash_cap && (rc = esc_hash_grow(s)))
			return rc;
		g = &s->esc[s->n_esc];
		memset(g, 0, sizeof(*g));
		g->adapter = ai;
		g->by_prefix = by_prefix;
		g->fnv = h;
		g->len = size;
		g->seq = e->seq;
		if ((rc = blob_set(&g->in, bi->data, bi->len)))
			return rc;
		esc_hash_insert(s, s->n_esc++);
	}
	g->calls++;
	k->ref = (uint32_t)(g - s->esc);
	if (!r->ok || r->failed)
		return 0;
	const uint8_t *out = bo ? bo->data : bi->data;
	uint32_t out_len = bo ? bo->len : bi->len;
	if (!g->have_ok) {
		g->have_ok = true;
		g->echo = out_len == bi->len && memcmp(out, bi->data, out_len) == 0;
		return blob_set(&g->out, out, out_len);
	}
	if (out_len != g->out.n || memcmp(out, g->out.p, out_len) != 0)
		k->conflict = true;
	return 0;
}

/* ---- DXCore and metadata ---- */

static int on_dxcore(struct synth *s, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter, *l = c->leave;
	struct result r = result_of(c);
	if (!r.ok || !l)
		return 0;
	if (c->desc->id == DXGT_DXCORE_FACTORY_BASE + DXGT_DXF_GETADAPTERBYLUID) {
		uint64_t lo =
		    field_or0(e, offsetof(struct dxgt_dxcore_getadapterbyluid, adapter_luid), 4);
		uint64_t hi = field_or0(
		    e, offsetof(struct dxgt_dxcore_getadapterbyluid, adapter_luid) + 4, 4);
		uint64_t obj =
		    field_or0(l, offsetof(struct dxgt_dxcore_getadapterbyluid, object), 8);
		int a;
		int rc = adapter_of_luid(s, hi << 32 | lo, &a);
		if (rc || a < 0 || !obj)
			return rc;
		return map_set(&s->selves, &s->n_selves, &s->cap_selves, obj, a, s->ad[a].luid);
	}
	if (c->desc->id != DXGT_DXCORE_ADAPTER_BASE + DXGT_DXA_GETPROPERTY)
		return 0;
	const struct dxgt_rec_buf *b = rec_buf(l, c->desc, "buffer");
	if (!b)
		return 0;
	uint64_t self = field_or0(e, 0, 8);
	uint32_t prop =
	    (uint32_t)field_or0(e, offsetof(struct dxgt_dxcore_getproperty, property), 4);
	if (prop == PROP_INSTANCE_LUID && b->len >= 8) {
		int a;
		uint64_t luid = (uint64_t)get32(b->data + 4) << 32 | get32(b->data);
		int rc = adapter_of_luid(s, luid, &a);
		if (rc || a < 0)
			return rc;
		return map_set(&s->selves, &s->n_selves, &s->cap_selves, self, a, luid);
	}
	int rc = PUSH(s, props, n_props, cap_props);
	if (rc)
		return rc;
	struct dxprop *p = &s->props[s->n_props];
	memset(p, 0, sizeof(*p));
	p->self = self;
	p->prop = prop;
	if ((rc = blob_set(&p->val, b->data, b->len)))
		return rc;
	s->n_props++;
	return 0;
}

/* Properties once every object is known: by the adapter it was read on. */
static int apply_dxcore(struct synth *s)
{
	for (size_t i = 0; i < s->n_props; i++) {
		const struct dxprop *p = &s->props[i];
		const struct hmap *m = map_get(s->selves, s->n_selves, p->self);
		int ai = m ? m->adapter : s->n_ad == 1 ? 0 : -1;
		if (ai < 0)
			continue;
		struct adapter *a = &s->ad[ai];
		const uint8_t *v = p->val.p;
		switch (p->prop) {
		case PROP_DRIVER_DESCRIPTION: {
			size_t n = strnlen((const char *)v, p->val.n);
			int rc = set_description(a, "DXCore DriverDescription",
						 clean_text(v, n, NAME_MAX_LEN));
			if (rc)
				return rc;
			break;
		}
		case PROP_HARDWARE_ID:
			if (p->val.n >= 16)
				set_ids(a, "DXCore HardwareID", get32(v), get32(v + 4),
					get32(v + 8), get32(v + 12));
			break;
		case PROP_HARDWARE_ID_PARTS:
			if (p->val.n >= 20)
				set_ids(a, "DXCore HardwareIDParts", get32(v), get32(v + 4),
					get32(v + 8) << 16 | (get32(v + 12) & 0xffffu),
					get32(v + 16));
			break;
		case PROP_DRIVER_VERSION:
			if (p->val.n >= 8 && !a->have_version) {
				memcpy(&a->driver_version, v, 8);
				a->have_version = true;
			}
			break;
		case PROP_IS_HARDWARE:
		case PROP_IS_INTEGRATED:
		case PROP_IS_DETACHABLE: {
			int *f = p->prop == PROP_IS_HARDWARE	 ? &a->is_hardware
				 : p->prop == PROP_IS_INTEGRATED ? &a->is_integrated
								 : &a->is_detachable;
			if (p->val.n >= 1 && *f < 0)
				*f = v[0] != 0;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static const struct dxgt_meta_field *meta_get(const struct dxgt_record *r, const char *key)
{
	for (uint16_t i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return &r->fields[i];
	return NULL;
}

static bool meta_u64(const struct dxgt_record *r, const char *key, uint64_t *v)
{
	const struct dxgt_meta_field *f = meta_get(r, key);
	if (!f)
		return false;
	if (f->type == DXGT_VAL_U64 || f->type == DXGT_VAL_I64) {
		*v = f->u64;
		return true;
	}
	if (f->type == DXGT_VAL_STR && f->len > 2 && f->len < 40) {
		char buf[40], *end;
		memcpy(buf, f->data, f->len);
		buf[f->len] = '\0';
		*v = strtoull(buf, &end, 0);
		return *end == '\0';
	}
	return false;
}

static const char *const flag_names[] = {"compute_only",      "paravirtualized", "render_supported",
					 "display_supported", "integrated",	 "detachable",
					 "software"};
static const uint32_t flag_bits[] = {AT_COMPUTE_ONLY, AT_PARAVIRTUALIZED, AT_RENDER,  AT_DISPLAY,
				     AT_INTEGRATED,   AT_DETACHABLE,	  AT_SOFTWARE};

static int on_meta(struct synth *s, const struct dxgt_record *r)
{
	if (r->meta_kind == DXGT_META_HOST) {
		const struct dxgt_meta_field *os = meta_get(r, "os");
		if (os && os->type == DXGT_VAL_STR) {
			snprintf(s->os, sizeof(s->os), "%.*s", (int)os->len,
				 (const char *)os->data);
			s->windows = strcmp(s->os, "windows") == 0;
		}
		return 0;
	}
	if (r->meta_kind == DXGT_META_PROCESS) {
		const struct dxgt_meta_field *exe = meta_get(r, "exe");
		if (exe && exe->type == DXGT_VAL_STR) {
			const char *b = memrchr(exe->data, '/', exe->len);
			size_t off = b ? (size_t)(b - (const char *)exe->data) + 1 : 0;
			snprintf(s->exe, sizeof(s->exe), "%.*s", (int)(exe->len - off),
				 (const char *)exe->data + off);
		}
		return 0;
	}
	if (r->meta_kind != DXGT_META_ADAPTER)
		return 0;
	uint64_t luid, x;
	const struct dxgt_meta_field *f = meta_get(r, "luid");
	if (f && f->type == DXGT_VAL_STR && memchr(f->data, ':', f->len)) {
		unsigned long long hi = 0, lo = 0;
		char buf[48];
		snprintf(buf, sizeof(buf), "%.*s", (int)(f->len < 47 ? f->len : 47),
			 (const char *)f->data);
		if (sscanf(buf, "%llx:%llx", &hi, &lo) != 2)
			return 0;
		luid = (uint64_t)hi << 32 | (lo & 0xffffffffu);
	} else if (!meta_u64(r, "luid", &luid)) {
		return 0;
	}
	int ai;
	int rc = adapter_of_luid(s, luid, &ai);
	if (rc || ai < 0)
		return rc;
	struct adapter *a = &s->ad[ai];
	uint64_t v = 0, d = 0, sub = 0, rev = 0;
	if (meta_u64(r, "vendor", &v) && meta_u64(r, "device", &d)) {
		meta_u64(r, "subsys", &sub);
		meta_u64(r, "revision", &rev);
		set_ids(a, "the adapter metadata", (uint32_t)v, (uint32_t)d, (uint32_t)sub,
			(uint32_t)rev);
	}
	f = meta_get(r, "description");
	if (f && (f->type == DXGT_VAL_STR || f->type == DXGT_VAL_BYTES)) {
		size_t n = strnlen((const char *)f->data, f->len);
		if ((rc = set_description(a, "the adapter metadata",
					  clean_text(f->data, n, NAME_MAX_LEN))))
			return rc;
	}
	f = meta_get(r, "flags");
	if (f && f->type == DXGT_VAL_STR) {
		/* Flag names as profiles spell them, separated by anything. */
		a->have_meta_bits = true;
		for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
			size_t k = strlen(flag_names[i]);
			for (size_t j = 0; j + k <= f->len; j++)
				if (memcmp(f->data + j, flag_names[i], k) == 0)
					a->meta_bits |= flag_bits[i];
		}
	} else if (meta_u64(r, "flags", &x)) {
		a->meta_bits = (uint32_t)x; /* D3DKMT_ADAPTERTYPE bits */
		a->have_meta_bits = true;
	}
	return 0;
}

/* ---- the pass over the trace ---- */

static int on_call(struct synth *s, const struct dxgt_call *c)
{
	const struct dxgt_call_desc *d = c->desc;
	const struct dxgt_record *e = c->enter;
	uint8_t layer = e->layer;
	s->total_calls++;
	if (layer < 4)
		s->layer_calls[layer]++;
	if (!c->leave)
		s->unfinished++;
	if (layer == DXGT_LAYER_DXCORE)
		return on_dxcore(s, c);
	if (layer != DXGT_LAYER_D3DKMT && layer != DXGT_LAYER_IOCTL)
		return 0;
	struct result r = result_of(c);
	uint16_t fid = fault_id(d, layer);
	int li = layer == DXGT_LAYER_D3DKMT ? 0 : 1;

	/* The ioctl a D3DKMT call issued is that call seen one layer down:
	 * its errno is the call's; its answer was already taken. */
	bool dup = false;
	if (layer == DXGT_LAYER_IOCTL && e->parent_seq) {
		struct call *p = find_call(s, e->parent_seq);
		if (p && p->layer == DXGT_LAYER_D3DKMT && p->fid == d->id) {
			dup = true;
			if (r.failed && r.has_err && p->failed) {
				p->err = r.err;
				p->has_err = true;
			}
		}
	}
	uint8_t kind = d->id == 0x0d ? K_ESC : d->id == 0x09 ? K_QAI : K_OTHER;
	bool bad_handle = r.failed && ((r.has_status && r.status == STATUS_INVALID_HANDLE) ||
				       (r.has_err && r.err == EBADF));
	uint64_t n = 0;
	if (fid && !bad_handle)
		n = ++s->count[li][fid];
	if (bad_handle)
		s->bad_handle += layer == DXGT_LAYER_D3DKMT || !dup;

	int rc = 0;
	if (d->id == 0x3e || d->id == 0x14 ||
	    (d->kmt_name && strcmp(d->kmt_name, "D3DKMTEnumAdapters") == 0 && !d->ioctl_code))
		rc = on_enum(s, c, &r);
	else
		rc = on_handles(s, c, &r);
	if (rc)
		return rc;

	if (dup || (!r.failed && kind == K_OTHER) || bad_handle)
		return 0;
	if ((rc = PUSH(s, calls, n_calls, cap_calls)))
		return rc;
	struct call *k = &s->calls[s->n_calls];
	memset(k, 0, sizeof(*k));
	k->seq = e->seq;
	k->id = d->id;
	k->fid = fid;
	k->layer = layer;
	k->kind = kind;
	k->failed = r.failed;
	k->returned = r.returned;
	k->has_status = r.has_status;
	k->status = r.status;
	k->has_err = r.has_err;
	k->err = r.err;
	k->n = n;
	k->adapter = -1;
	s->n_calls++;
	if (kind == K_ESC)
		rc = on_escape(s, c, &r, k);
	else if (kind == K_QAI)
		rc = on_qai(s, c, &r, k);
	return rc;
}

static int read_trace(struct synth *s, char *err, size_t errlen)
{
	struct dxgt_reader *rd = NULL;
	struct dxgt_pairer *pr = NULL;
	int rc = dxgt_reader_open(&rd, s->path);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", s->path, dxgt_strerror(rc));
		goto out;
	}
	if ((rc = dxgt_pairer_new(&pr, rd, 0)) < 0) {
		snprintf(err, errlen, "%s: %s", s->path, dxgt_strerror(rc));
		goto out;
	}
	struct dxgt_call c;
	int k;
	while ((k = dxgt_pairer_next(pr, &c)) > 0) {
		if (!c.desc) {
			if (c.enter->type == DXGT_REC_META)
				rc = on_meta(s, c.enter);
		} else {
			rc = on_call(s, &c);
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", s->path, dxgt_strerror(rc));
			goto out;
		}
	}
	if (k < 0) {
		rc = k;
		snprintf(err, errlen, "%s: %s", s->path, dxgt_strerror(rc));
		goto out;
	}
	const struct dxgt_read_state *st = dxgt_reader_state(rd);
	if (st->stop_error) {
		s->cut_short = true;
		snprintf(s->cut_reason, sizeof(s->cut_reason), "%s", st->stop_reason);
	}
	rc = 0;
out:
	dxgt_pairer_free(pr);
	dxgt_reader_close(rd);
	return rc;
}

/* ---- deciding ---- */

/* How the model is told to give a call's result: the errno when one was
 * recorded, since that is what the guest saw (on Linux a D3DKMT status is
 * libdxcore's guess from it, and an escape carries no status at all);
 * else the NTSTATUS, which in a Windows capture is the host's own. */
struct answer {
	bool use_err;
	int err;
	uint32_t status;
};

static struct answer answer_of(const struct call *k)
{
	struct answer a = {0};
	if (k->has_err) {
		a.use_err = true;
		a.err = k->err;
	} else if (k->has_status) {
		a.status = k->status;
	} else {
		a.use_err = true;
		a.err = EINVAL;
	}
	return a;
}

static bool answer_eq(struct answer a, struct answer b)
{
	return a.use_err == b.use_err && (a.use_err ? a.err == b.err : a.status == b.status);
}

/* Whether the D3DKMT status the mock backend reports for this answer is
 * the recorded one; notes it when not. */
static void check_exact(struct synth *s, const struct call *k, struct answer a)
{
	if (k->layer != DXGT_LAYER_D3DKMT || !k->has_status)
		return;
	long ret = a.use_err		   ? -(long)a.err
		   : (int32_t)a.status < 0 ? -(long)dxgt_ntstatus_to_errno(a.status)
					   : (long)a.status;
	if (dxgt_mock_ntstatus_from_ioctl(ret) == k->status)
		return;
	s->inexact++;
	for (unsigned i = 0; i < s->n_inexact_status; i++)
		if (s->inexact_status[i] == k->status)
			return;
	if (s->n_inexact_status < 4)
		s->inexact_status[s->n_inexact_status++] = k->status;
}

static int blob_budget(struct synth *s, size_t n)
{
	if (n > s->bus_limit || s->blob_total + n > BLOB_BUDGET) {
		s->dropped_blobs++;
		return -1;
	}
	s->blob_total += n;
	return 0;
}

/* Escape groups: a reply for every payload whose answer is not the
 * model's own (handing the payload back); calls the reply does not
 * reproduce are left for faults. */
static void decide_escapes(struct synth *s)
{
	/* The first call of each group decides its answer. */
	for (size_t i = 0; i < s->n_calls; i++) {
		struct call *k = &s->calls[i];
		if (k->kind != K_ESC || k->adapter < 0)
			continue;
		if (k->unmatched) {
			k->covered = !k->failed;
			if (k->conflict)
				s->esc_unmatched++;
			continue;
		}
		struct esc_group *g = &s->esc[k->ref];
		if (g->have_ok) {
			g->reply = !g->echo;
			k->covered = !k->failed && !k->conflict;
			if (k->conflict)
				s->esc_conflicts++;
			continue;
		}
		struct answer a = answer_of(k);
		if (!g->reply && k->returned) {
			g->reply = true;
			g->use_err = a.use_err;
			g->err = a.err;
			g->status = a.status;
		}
		struct answer ga = {g->use_err, g->err, g->status};
		k->covered = !k->returned || answer_eq(a, ga);
		if (k->covered && k->returned)
			check_exact(s, k, a);
	}
}

/* QueryAdapterInfo types that always failed the same way get a canned
 * status; the others a canned answer and faults for their failures. */
static void decide_qai(struct synth *s)
{
	for (size_t ai = 0; ai < s->n_ad; ai++) {
		struct adapter *a = &s->ad[ai];
		for (size_t qi = 0; qi < a->n_qai; qi++) {
			struct qai *q = &a->qai[qi];
			const struct call *first = NULL;
			bool same = true;
			for (size_t i = 0; i < s->n_calls; i++) {
				struct call *k = &s->calls[i];
				if (k->kind != K_QAI || k->adapter != (int)ai || k->ref != qi)
					continue;
				if (q->have_ok) {
					k->covered = !k->failed && !k->conflict;
					s->qai_conflicts += k->conflict;
					continue;
				}
				if (!k->returned) {
					k->covered = true;
					continue;
				}
				if (!first)
					first = k;
				else if (!answer_eq(answer_of(k), answer_of(first)))
					same = false;
			}
			if (q->have_ok || !first)
				continue;
			/* A canned status answers every call of the type on this
			 * adapter: usable when they all failed alike, with a
			 * failing status the model maps back to the errno. */
			struct answer fa = answer_of(first);
			uint32_t st =
			    fa.use_err ? dxgt_mock_ntstatus_from_ioctl(-(long)fa.err) : fa.status;
			if (!same || (int32_t)st >= 0 ||
			    (fa.use_err && dxgt_ntstatus_to_errno(st) != fa.err))
				continue;
			q->failing = true;
			q->status = st;
			q->seq = first->seq;
			for (size_t i = 0; i < s->n_calls; i++) {
				struct call *k = &s->calls[i];
				if (k->kind == K_QAI && k->adapter == (int)ai && k->ref == qi) {
					k->covered = true;
					if (k->returned)
						check_exact(s, k, (struct answer){false, 0, st});
				}
			}
		}
	}
}

struct fault {
	uint16_t fid;
	uint64_t first, last; /* invocations of fid, as recorded */
	struct answer a;
	uint64_t seq, seq_last;
};

static int cmp_fault(const void *x, const void *y)
{
	const struct fault *a = x, *b = y;
	if (a->fid != b->fid)
		return a->fid < b->fid ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* The faults for every recorded result nothing else reproduces, merged
 * into runs, in call and invocation order. Owned, free(). */
static int collect_faults(struct synth *s, struct fault **out, size_t *n_out)
{
	struct fault *f = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < s->n_calls; i++) {
		struct call *k = &s->calls[i];
		if (!k->failed || k->covered || !k->returned)
			continue;
		if (k->layer != s->layer || !k->n) {
			/* Calls that never reach the model (D3DKMT functions
			 * libdxcore answers itself) keep the D3DKMT layer's answer. */
			if (k->layer == s->layer && k->fid)
				s->dropped_faults++;
			else if (k->layer == s->layer)
				s->no_ioctl++;
			continue;
		}
		struct answer a = answer_of(k);
		check_exact(s, k, a);
		int rc = grow((void **)&f, &cap, n, sizeof(*f));
		if (rc) {
			free(f);
			return rc;
		}
		f[n++] = (struct fault){k->fid, k->n, k->n, a, k->seq, k->seq};
	}
	if (n)
		qsort(f, n, sizeof(*f), cmp_fault);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && f[m - 1].fid == f[i].fid && f[m - 1].last + 1 == f[i].first &&
		    answer_eq(f[m - 1].a, f[i].a)) {
			f[m - 1].last = f[i].last;
			f[m - 1].seq_last = f[i].seq;
			continue;
		}
		f[m++] = f[i];
	}
	if (m > MAX_FAULTS) {
		s->dropped_faults += (unsigned)(m - MAX_FAULTS);
		m = MAX_FAULTS;
	}
	*out = f;
	*n_out = m;
	return 0;
}

/* ---- JSON ---- */

static json_t *jstr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *jstr(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* File names and cut text need not be UTF-8, which JSON strings are. */
	if (!dxgt_utf8_valid(buf, strlen(buf)))
		for (char *c = buf; *c; c++)
			if ((unsigned char)*c >= 0x80)
				*c = '?';
	return json_string(buf);
}

/* Hex digits in groups of four bytes. */
static json_t *jhex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *t = malloc(n * 2 + n / 4 + 1);
	if (!t)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && i % 4 == 0)
			t[o++] = ' ';
		t[o++] = digits[p[i] >> 4];
		t[o++] = digits[p[i] & 15];
	}
	json_t *j = json_stringn(t, o);
	free(t);
	return j;
}

static void status_text(uint32_t st, char *buf, size_t len)
{
	const char *name = dxgt_ntstatus_name(st);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "0x%08" PRIX32, st);
}

static json_t *answer_text(struct answer a)
{
	char buf[64];
	if (a.use_err) {
		const char *name = dxgt_errno_name(a.err);
		return name ? json_string(name) : json_integer(a.err);
	}
	status_text(a.status, buf, sizeof(buf));
	return json_string(buf);
}

/* Sets key to v, which may be NULL only after an allocation failed. */
static int set(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return DXGT_E_NOMEM;
	return json_object_set_new(o, key, v) == 0 ? 0 : DXGT_E_NOMEM;
}

static int append(json_t *arr, json_t *v)
{
	if (!v)
		return DXGT_E_NOMEM;
	return json_array_append_new(arr, v) == 0 ? 0 : DXGT_E_NOMEM;
}

static int emit_flags(const struct synth *s, const struct adapter *a, json_t *o, bool *compute)
{
	uint32_t bits = a->have_type	    ? a->type_bits
			: a->have_meta_bits ? a->meta_bits
					    : AT_PARAVIRTUALIZED;
	/* Enumeration is what a replay sees: it decides compute-only. */
	if (a->listed_plain)
		bits &= ~AT_COMPUTE_ONLY;
	else if (s->had_plain_list || s->plain_zero)
		bits |= AT_COMPUTE_ONLY;
	if (a->is_hardware >= 0)
		bits = a->is_hardware ? bits & ~AT_SOFTWARE : bits | AT_SOFTWARE;
	if (a->is_integrated >= 0)
		bits = a->is_integrated ? bits | AT_INTEGRATED : bits & ~AT_INTEGRATED;
	if (a->is_detachable >= 0)
		bits = a->is_detachable ? bits | AT_DETACHABLE : bits & ~AT_DETACHABLE;
	*compute = bits & AT_COMPUTE_ONLY;
	json_t *fl = json_array();
	int rc = fl ? 0 : DXGT_E_NOMEM;
	for (size_t i = 0; rc == 0 && i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (bits & flag_bits[i])
			rc = append(fl, json_string(flag_names[i]));
	if (rc) {
		json_decref(fl);
		return rc;
	}
	return set(o, "flags", fl);
}

static int emit_registry(struct synth *s, const struct adapter *a, json_t *arr)
{
	static const char *const qnames[] = {"servicekey", "adapterkey", "driverstore",
					     "driverimagepath"};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < a->n_reg; i++) {
		const struct reg *g = &a->reg[i];
		json_t *o = json_object();
		if (!o)
			return DXGT_E_NOMEM;
		char what[160];
		snprintf(what, sizeof(what), "seq %" PRIu64 ": %u read%s%s%s", g->seq, g->reads,
			 g->reads == 1 ? "" : "s", g->have_need ? ", a size probe" : "",
			 g->wide2 ? ", Windows layout (2-byte WCHAR)" : "");
		rc = set(o, "comment", json_null()); /* first; its text comes last */
		if (rc == 0 && g->name)
			rc = set(o, "value", json_string(g->name));
		if (rc == 0)
			rc = set(o, "query_type",
				 g->qtype >= 0 && g->qtype <= 3 ? json_string(qnames[g->qtype])
								: json_integer(g->qtype));
		const uint8_t *v = g->value.p;
		uint32_t n = g->value.n;
		char *str = NULL;
		size_t units = 0;
		bool keep = true; /* false: over the blob budget, left out */
		/* A driver-store or driver-image path is text whatever its
		 * value type says (Windows hosts may leave it 0). */
		bool text = g->value_type == 1 || g->qtype == 2 || g->qtype == 3;
		if (g->have_value && text && n % (g->wide2 ? 2 : 4) == 0) {
			str = wide_ascii(v, n, g->wide2 ? 2 : 4, &units);
			/* Exactly what the model widens back: the characters and
			 * a NUL, nothing after it. */
			if (str && !g->wide2 && (units + 1) * 4 != n) {
				free(str);
				str = NULL;
			}
			if (str && g->have_need && !g->wide2 && g->need != n) {
				free(str);
				str = NULL;
			}
		}
		if (rc) {
			/* fall through to the cleanup below */
		} else if (str && units <= REG_STRING_MAX) {
			rc = set(o, "string", json_string(str));
		} else if (g->have_value && g->value_type == 4 && n == 4) {
			rc = set(o, "dword", jstr("0x%08" PRIx32, get32(v)));
		} else if (g->have_value && g->value_type == 11 && n == 8) {
			uint64_t q;
			memcpy(&q, v, 8);
			rc = set(o, "qword", jstr("0x%016" PRIx64, q));
		} else {
			/* The bytes as recorded, or as many zero bytes as the size
			 * probe said (the value itself was never read). */
			uint32_t len = g->have_value ? n : g->need;
			uint8_t *zero = g->have_value ? NULL : calloc(1, len ? len : 1);
			if (!g->have_value && !zero)
				rc = DXGT_E_NOMEM;
			else if (blob_budget(s, len) < 0)
				keep = false;
			else
				rc = set(o, "hex", jhex(g->have_value ? v : zero, len));
			free(zero);
			if (rc == 0 && g->value_type != 3)
				rc = set(o, "value_type", json_integer(g->value_type));
			if (rc == 0 && !g->have_value)
				snprintf(
				    what + strlen(what), sizeof(what) - strlen(what),
				    "; only the size was read: the content is unknown (zeros)");
		}
		free(str);
		if (rc == 0)
			rc = set(o, "comment", json_string(what));
		if (rc == 0 && keep)
			rc = append(arr, o);
		else
			json_decref(o);
	}
	return rc;
}

static int emit_qai(struct synth *s, const struct adapter *a, json_t *arr)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < a->n_qai; i++) {
		const struct qai *q = &a->qai[i];
		if (!q->have_ok && !q->failing)
			continue;
		json_t *o = json_object();
		if (!o)
			return DXGT_E_NOMEM;
		rc = set(o, "comment", jstr("as answered at seq %" PRIu64, q->seq));
		if (rc == 0)
			rc = set(o, "type", json_integer(q->type));
		if (rc == 0 && q->failing) {
			char st[64];
			status_text(q->status, st, sizeof(st));
			rc = set(o, "status", json_string(st));
		} else if (rc == 0) {
			if (blob_budget(s, q->out.n) < 0) {
				json_decref(o);
				continue;
			}
			rc = set(o, "hex", jhex(q->out.p, q->out.n));
		}
		if (rc == 0)
			rc = append(arr, o);
		else
			json_decref(o);
	}
	return rc;
}

/* The bytes a prefix reply matches: the recorded start of the payload, cut
 * to what a profile blob may hold. */
static uint32_t prefix_len(const struct synth *s, const struct esc_group *g)
{
	return g->in.n < s->bus_limit ? g->in.n : s->bus_limit;
}

static int cmp_prefix_len(const void *x, const void *y)
{
	const struct esc_group *a = *(const struct esc_group *const *)x;
	const struct esc_group *b = *(const struct esc_group *const *)y;
	return a->in.n > b->in.n ? -1 : a->in.n < b->in.n;
}

static bool prefix_catches(const struct synth *s, const struct esc_group *p,
			   const struct esc_group *g)
{
	uint32_t n = prefix_len(s, p);
	return p->reply && p->by_prefix && p->adapter == g->adapter && n <= g->in.n &&
	       memcmp(p->in.p, g->in.p, n) == 0;
}

static int emit_reply(struct synth *s, const struct esc_group *g, json_t *arr, size_t *count)
{
	if (*count >= MAX_REPLIES) {
		s->dropped_replies++;
		return 0;
	}
	json_t *o = json_object();
	if (!o)
		return DXGT_E_NOMEM;
	int rc = set(o, "comment", json_null()); /* first; its text comes last */
	char what[200];
	if (rc) {
		/* reported below */
	} else if (g->by_prefix) {
		if (blob_budget(s, prefix_len(s, g)) < 0) {
			json_decref(o);
			return 0;
		}
		rc = set(o, "prefix", jhex(g->in.p, prefix_len(s, g)));
	} else {
		rc = set(o, "fnv1a", jstr("0x%016" PRIx64, g->fnv));
	}
	int k = snprintf(what, sizeof(what), "seq %" PRIu64 ": %" PRIu32 " bytes%s, %u call%s",
			 g->seq, g->len, g->by_prefix ? " (only the start was recorded)" : "",
			 g->calls, g->calls == 1 ? "" : "s");
	if (rc == 0 && g->have_ok && !g->echo) {
		/* The model writes out over the payload: only up to the last
		 * byte the host changed. */
		uint32_t n = g->out.n;
		while (n > 0 && n <= g->in.n && g->out.p[n - 1] == g->in.p[n - 1])
			n--;
		if (blob_budget(s, n) < 0) {
			json_decref(o);
			return 0;
		}
		rc = set(o, "out", jhex(g->out.p, n));
	} else if (rc == 0 && !g->have_ok) {
		struct answer a = {g->use_err, g->err, g->status};
		rc = set(o, a.use_err ? "errno" : "status", answer_text(a));
		if (a.use_err && k > 0 && (size_t)k < sizeof(what)) {
			char st[64];
			status_text(dxgt_mock_ntstatus_from_ioctl(-(long)a.err), st, sizeof(st));
			snprintf(what + k, sizeof(what) - (size_t)k, "; %s at D3DKMT", st);
		}
	} else if (rc == 0 && g->echo && k > 0 && (size_t)k < sizeof(what)) {
		snprintf(what + k, sizeof(what) - (size_t)k, "; handed back unchanged");
	}
	if (rc == 0)
		rc = set(o, "comment", json_string(what));
	if (rc == 0) {
		rc = append(arr, o);
		(*count)++;
	} else {
		json_decref(o);
	}
	return rc;
}

static int emit_escapes(struct synth *s, int ai, json_t *o)
{
	json_t *esc = json_object(), *arr = json_array();
	int rc = esc && arr ? 0 : DXGT_E_NOMEM;
	size_t count = 0, n_prefix = 0;
	struct esc_group **prefix = rc == 0 ? malloc((s->n_esc + 1) * sizeof(*prefix)) : NULL;
	if (rc == 0 && !prefix)
		rc = DXGT_E_NOMEM;
	for (size_t i = 0; rc == 0 && i < s->n_esc; i++)
		if (s->esc[i].adapter == ai && s->esc[i].by_prefix && s->esc[i].reply)
			prefix[n_prefix++] = &s->esc[i];
	/* Exact payloads first; a payload handed back needs a reply only if
	 * a prefix would catch it otherwise. */
	for (size_t i = 0; rc == 0 && i < s->n_esc; i++) {
		const struct esc_group *g = &s->esc[i];
		if (g->adapter != ai || g->by_prefix)
			continue;
		bool caught = false;
		for (size_t j = 0; j < n_prefix && !caught; j++)
			caught = prefix_catches(s, prefix[j], g);
		if (g->reply || caught)
			rc = emit_reply(s, g, arr, &count);
	}
	/* Then prefixes, the longest first, so none hides a longer one. */
	if (rc == 0 && n_prefix)
		qsort(prefix, n_prefix, sizeof(*prefix), cmp_prefix_len);
	for (size_t j = 0; rc == 0 && j < n_prefix; j++) {
		/* Cut to the bus limit, two prefixes can become one match. */
		bool seen = false;
		for (size_t i = 0; i < j && !seen; i++)
			seen =
			    prefix_len(s, prefix[i]) == prefix_len(s, prefix[j]) &&
			    memcmp(prefix[i]->in.p, prefix[j]->in.p, prefix_len(s, prefix[j])) == 0;
		if (seen)
			s->dropped_replies++;
		else
			rc = emit_reply(s, prefix[j], arr, &count);
	}
	free(prefix);
	if (rc == 0)
		rc = set(esc, "policy", json_string("pass"));
	if (rc == 0)
		rc = set(esc, "comment",
			 json_string("Escapes reach the vendor model: a recorded payload gets "
				     "its recorded answer, any other is handed back."));
	if (rc == 0 && count) {
		rc = set(esc, "replies", arr);
		arr = NULL;
	}
	json_decref(arr);
	if (rc == 0) {
		rc = set(o, "escapes", esc);
		esc = NULL;
	}
	json_decref(esc);
	return rc;
}

static int emit_adapter(struct synth *s, int ai, json_t *arr)
{
	const struct adapter *a = &s->ad[ai];
	json_t *o = json_object();
	if (!o)
		return DXGT_E_NOMEM;
	const char *seen = !a->enumerated    ? "opened or named by LUID, never enumerated"
			   : a->listed_plain ? "enumerated"
					     : "enumerated with the compute-only filter only";
	char cm[512];
	snprintf(cm, sizeof(cm), "%s; ids from %s; description from %s.", seen,
		 a->have_ids ? a->ids_from : "nowhere (unknown: 0)",
		 a->description ? a->desc_from : "nowhere (unknown)");
	int rc = set(o, "comment", json_string(cm));
	if (rc == 0)
		rc = set(o, "luid", jstr("0x%016" PRIx64, a->luid));
	if (rc == 0)
		rc = set(o, "vendor", jstr("0x%04" PRIx32, a->vendor));
	if (rc == 0)
		rc = set(o, "device", jstr("0x%04" PRIx32, a->device));
	if (rc == 0 && a->subsys)
		rc = set(o, "subsys", jstr("0x%08" PRIx32, a->subsys));
	if (rc == 0 && a->revision)
		rc = set(o, "revision", json_integer(a->revision));
	if (rc == 0 && a->description)
		rc = set(o, "description", json_string(a->description));
	if (rc == 0 && a->have_version)
		rc = set(o, "driver_version",
			 jstr("%u.%u.%u.%u", (unsigned)(a->driver_version >> 48),
			      (unsigned)(a->driver_version >> 32 & 0xffff),
			      (unsigned)(a->driver_version >> 16 & 0xffff),
			      (unsigned)(a->driver_version & 0xffff)));
	bool compute = false;
	if (rc == 0)
		rc = emit_flags(s, a, o, &compute);
	if (rc == 0 && a->num_sources)
		rc = set(o, "num_sources",
			 json_integer(a->num_sources < MAX_SOURCES ? a->num_sources : MAX_SOURCES));
	json_t *qa = rc == 0 ? json_array() : NULL;
	if (rc == 0 && !qa)
		rc = DXGT_E_NOMEM;
	if (rc == 0)
		rc = emit_qai(s, a, qa);
	if (rc == 0 && json_array_size(qa)) {
		rc = set(o, "query_adapter_info", qa);
		qa = NULL;
	}
	json_decref(qa);
	json_t *ra = rc == 0 ? json_array() : NULL;
	if (rc == 0 && !ra)
		rc = DXGT_E_NOMEM;
	if (rc == 0)
		rc = emit_registry(s, a, ra);
	if (rc == 0 && json_array_size(ra)) {
		rc = set(o, "registry", ra);
		ra = NULL;
	}
	json_decref(ra);
	if (rc == 0)
		rc = emit_escapes(s, ai, o);
	if (rc == 0)
		return append(arr, o);
	json_decref(o);
	return rc;
}

static int emit_faults(json_t *arr, const struct fault *f, size_t n)
{
	int rc = 0;
	uint64_t hits = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i == 0 || f[i].fid != f[i - 1].fid)
			hits = 0;
		const struct dxgt_call_desc *d = dxgt_call_by_id(f[i].fid);
		json_t *o = json_object();
		if (!o || !d) {
			json_decref(o);
			return DXGT_E_NOMEM;
		}
		/* The model stops at the first fault that fires, so a fault
		 * does not count the calls an earlier one of the same call
		 * failed. */
		uint64_t first = f[i].first - hits, last = f[i].last - hits;
		hits += f[i].last - f[i].first + 1;
		char when[80];
		if (f[i].first == f[i].last)
			snprintf(when, sizeof(when), "seq %" PRIu64, f[i].seq);
		else
			snprintf(when, sizeof(when), "seq %" PRIu64 " to %" PRIu64, f[i].seq,
				 f[i].seq_last);
		if (f[i].first == f[i].last)
			rc = set(o, "comment",
				 jstr("%s: call %" PRIu64 " of %s, as recorded", when, f[i].first,
				      d->name));
		else
			rc = set(o, "comment",
				 jstr("%s: calls %" PRIu64 "-%" PRIu64 " of %s, as recorded", when,
				      f[i].first, f[i].last, d->name));
		if (rc == 0)
			rc = set(o, "call", json_string(d->name));
		if (rc == 0)
			rc = set(o, "invocations",
				 first == last ? json_integer((json_int_t)first)
					       : jstr("%" PRIu64 "-%" PRIu64, first, last));
		if (rc == 0)
			rc = set(o, f[i].a.use_err ? "errno" : "status", answer_text(f[i].a));
		if (rc == 0)
			rc = append(arr, o);
		else
			json_decref(o);
	}
	return rc;
}

/* The description: where the profile came from, what was assumed, what
 * it cannot reproduce. */
static int emit_description(struct synth *s, json_t *root, size_t n_faults)
{
	json_t *d = json_array();
	if (!d)
		return DXGT_E_NOMEM;
	const char *base = strrchr(s->path, '/');
	base = base ? base + 1 : s->path;
	char line[1024];
	int rc = append(d, jstr("Synthesised by dxgtrace from the trace %.200s (%" PRIu64
				" calls: d3dkmt %" PRIu64 ", dxcore %" PRIu64 ", ioctl %" PRIu64
				"%s%s%s%s%s) so that the mock answers as the host of the recording "
				"did.",
				base, s->total_calls, s->layer_calls[1], s->layer_calls[2],
				s->layer_calls[3], s->exe[0] ? "; recorded from " : "", s->exe,
				s->os[0] ? " on " : "", s->os, s->cut_short ? "; cut short" : ""));
	if (rc == 0)
		rc = append(
		    d, jstr("From the trace: adapters from enumeration, OpenAdapterFromLuid, "
			    "QueryAdapterInfo, DXCore properties and metadata; canned "
			    "QueryAdapterInfo answers and registry values as answered; escape "
			    "replies matched on the payload; %zu fault%s for the other recorded "
			    "failures, counting %s calls as a replay at that layer issues them.",
			    n_faults, n_faults == 1 ? "" : "s", dxgt_layer_name(s->layer)));
	if (rc == 0)
		rc =
		    append(d, json_string(
				  "Assumed where the trace is silent: ids 0 and no description for "
				  "adapters whose ids were never read; paravirtualized when the "
				  "adapter type was never queried; compute-only only when an "
				  "enumeration without the filter left the adapter out; escapes "
				  "nobody recorded are handed back (policy pass)."));
	char inexact[160];
	int k = snprintf(inexact, sizeof(inexact),
			 "failures whose NTSTATUS the guest's errno does not carry back");
	for (unsigned i = 0; i < s->n_inexact_status && k > 0 && (size_t)k < sizeof(inexact); i++) {
		char st[64];
		status_text(s->inexact_status[i], st, sizeof(st));
		k += snprintf(inexact + k, sizeof(inexact) - (size_t)k, "%s%s%s", i ? ", " : " (",
			      st, i + 1 == s->n_inexact_status ? ")" : "");
	}
	struct {
		unsigned n;
		const char *what;
	} gaps[] = {
	    {s->esc_conflicts, "escapes answered differently for the same payload"},
	    {s->esc_unmatched, "escapes whose payload was not recorded but was changed"},
	    {s->qai_conflicts, "QueryAdapterInfo answers that differ for the same type"},
	    {s->windows ? 0 : s->reg_windows,
	     "registry reads in the Windows layout in a trace that does not say it is from "
	     "Windows (the model reads the Linux one)"},
	    {s->reg_other, "registry answers the model cannot give"},
	    {s->inexact, inexact},
	    {s->dropped_faults, "failures left without a fault"},
	    {s->no_ioctl, "failures of D3DKMT functions that issue no ioctl (the mock's D3DKMT "
			  "layer answers them)"},
	    {s->unattributed, "queries and escapes on adapters the trace never identified"},
	    {s->unlisted, "adapters known from DXCore or metadata that no recorded enumeration "
			  "listed (left out)"},
	    {s->bad_handle, "invalid-handle failures (left to the replay's handle mapping)"},
	    {s->unfinished, "calls that never returned (no answer to give)"},
	    {s->dropped_replies + s->dropped_blobs + s->dropped_qai + s->dropped_reg +
		 s->dropped_adapters,
	     "answers over the profile's limits"},
	};
	k = snprintf(line, sizeof(line),
		     "Not reproduced: outputs the model computes itself (handles aside: GPU "
		     "virtual addresses, fence addresses, video memory figures)");
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
		if (gaps[i].n && k > 0 && (size_t)k < sizeof(line))
			k += snprintf(line + k, sizeof(line) - (size_t)k, "; %u %s", gaps[i].n,
				      gaps[i].what);
	if (rc == 0)
		rc = append(d, jstr("%s.", line));
	if (rc == 0 && s->windows)
		rc = append(
		    d, jstr("A Windows capture: the answers are the Windows host's (adapter type "
			    "bits, driver-store paths), which a WSL2 guest gets differently by "
			    "design. Registry reads in the Windows layout (2-byte WCHAR): %u, "
			    "answered by the model in the Linux layout, to which dxgtrace replay "
			    "converts a Windows capture's queries.",
			    s->reg_windows));
	if (rc == 0 && s->cut_short)
		rc = append(d, jstr("The trace ends early: %s.", s->cut_reason));
	if (rc == 0)
		return set(root, "description", d);
	json_decref(d);
	return rc;
}

static int build(struct synth *s, json_t **out)
{
	json_t *root = json_object(), *ads = json_array(), *fa = json_array();
	struct fault *f = NULL;
	size_t nf = 0;
	int rc = root && ads && fa ? 0 : DXGT_E_NOMEM;
	if (rc == 0)
		rc = apply_dxcore(s);
	if (rc == 0) {
		decide_escapes(s);
		decide_qai(s);
		rc = collect_faults(s, &f, &nf);
	}
	const char *base = strrchr(s->path, '/');
	base = base ? base + 1 : s->path;
	char *name = clean_text((const uint8_t *)base, strlen(base), NAME_MAX_LEN - 11);
	if (rc == 0 && !name)
		rc = DXGT_E_NOMEM;
	if (rc == 0)
		rc = set(root, "name", jstr("from-trace:%s", name));
	if (rc == 0) /* second, written last: emitting the rest counts what it left out */
		rc = set(root, "description", json_null());
	s->bus_limit = s->bus_need > BUS_DEFAULT ? s->bus_need : BUS_DEFAULT;
	if (rc == 0 && s->bus_limit != BUS_DEFAULT)
		rc = set(root, "vm_bus_limit", json_integer(s->bus_limit));
	/* The longest recorded list first, in its order; then the adapters
	 * only opened by LUID. One that the D3DKMT calls never saw (known from
	 * DXCore or metadata alone) would show up in replayed enumerations
	 * that did not list it: it is left out when any list was recorded. */
	for (uint32_t pos = 1; rc == 0 && pos <= s->longest_n; pos++)
		for (size_t i = 0; rc == 0 && i < s->n_ad; i++)
			if (s->ad[i].order == pos)
				rc = emit_adapter(s, (int)i, ads);
	for (size_t i = 0; rc == 0 && i < s->n_ad; i++) {
		const struct adapter *a = &s->ad[i];
		if (a->order)
			continue;
		if (!a->enumerated && !a->opened && s->had_list)
			s->unlisted++;
		else
			rc = emit_adapter(s, (int)i, ads);
	}
	if (rc == 0)
		rc = set(root, "adapters", ads);
	else
		json_decref(ads);
	if (rc == 0)
		rc = emit_faults(fa, f, nf);
	if (rc == 0 && nf)
		rc = set(root, "faults", fa);
	else
		json_decref(fa);
	if (rc == 0)
		rc = emit_description(s, root, nf);
	free(f);
	free(name);
	if (rc) {
		json_decref(root);
		return rc;
	}
	*out = root;
	return 0;
}

static void synth_free(struct synth *s)
{
	for (size_t i = 0; i < s->n_ad; i++) {
		struct adapter *a = &s->ad[i];
		free(a->description);
		for (size_t k = 0; k < a->n_qai; k++)
			free(a->qai[k].out.p);
		for (size_t k = 0; k < a->n_reg; k++) {
			free(a->reg[k].name);
			free(a->reg[k].value.p);
		}
		free(a->qai);
		free(a->reg);
	}
	for (size_t i = 0; i < s->n_esc; i++) {
		free(s->esc[i].in.p);
		free(s->esc[i].out.p);
	}
	for (size_t i = 0; i < s->n_props; i++)
		free(s->props[i].val.p);
	free(s->ad);
	free(s->calls);
	free(s->esc);
	free(s->esc_hash);
	free(s->handles);
	free(s->devices);
	free(s->selves);
	free(s->props);
}

int dxgt_profile_from_trace(const char *path, char **json, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (json)
		*json = NULL;
	if (!path || !json) {
		snprintf(err, errlen, "from-trace: invalid argument");
		return DXGT_E_INVAL;
	}
	struct synth s = {.path = path};
	json_t *root = NULL;
	char *text = NULL;
	int rc = read_trace(&s, err, errlen);
	if (rc < 0)
		goto out;
	s.layer = s.layer_calls[DXGT_LAYER_D3DKMT] ? DXGT_LAYER_D3DKMT : DXGT_LAYER_IOCTL;
	if ((rc = build(&s, &root)) < 0 ||
	    !(text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII))) {
		if (rc == 0)
			rc = DXGT_E_NOMEM;
		snprintf(err, errlen, "%s: %s", path, dxgt_strerror(rc));
		goto out;
	}
	/* What we hand out must load: the loader is the schema. */
	struct dxgt_profile *p = NULL;
	char perr[512];
	rc = dxgt_profile_parse(&p, text, strlen(text), "from-trace", perr, sizeof(perr));
	dxgt_profile_free(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: the synthesised profile does not load: %s", path, perr);
		free(text);
		text = NULL;
		goto out;
	}
	*json = text;
	text = NULL;
out:
	json_decref(root);
	synth_free(&s);
	return rc < 0 ? rc : 0;
}
