// SPDX-License-Identifier: MIT
/*
 * The descriptor tables, generated from calls.def. Rows are expanded into
 * flat arrays in list order together with the index of the call (or element
 * type) that owns them; dxgt_calls_init() then points each call at its
 * contiguous run. Nothing here allocates; after the one-time init the
 * tables never change, so lookups are safe from any thread and from signal
 * handlers. DXGT_CALL rows (D3DKMT and ioctl calls) and DXGT_METHOD rows
 * (DXCore) make one table: every generator below expands both.
 */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "dxgt/calls.h"
#include "dxgt/dxcore.h"
#include "dxgt/error.h"
#include "dxgt/uapi.h"
#include "trace_internal.h"

/* One wrapper struct per call so rows can name fields by call id. */
#define DXGT__ARGS(id, tag)                                                                        \
	struct dxgt__args_##id {                                                                   \
		struct dxgt_##tag a;                                                               \
	};
#define DXGT_CALL(id, num, kmt, ioctl, tag, flags) DXGT__ARGS(id, tag)
#define DXGT_METHOD(id, num, iface, method, slot, tag, flags) DXGT__ARGS(id, tag)
#include "dxgt/calls.def"
#undef DXGT__ARGS

enum {
#define DXGT_CALL(id, num, kmt, ioctl, tag, flags) DXGT__CI_##id,
#define DXGT_METHOD(id, num, iface, method, slot, tag, flags) DXGT__CI_##id,
#include "dxgt/calls.def"
	DXGT__N_CALLS
};

/* A DXCore method's number is its interface's base plus its slot, and
 * slots fit the low nibble: checked for every row at compile time. */
#define DXGT_METHOD(id, num, iface, method, slot, tag, flags)                                      \
	_Static_assert((num) >= DXGT_DXCORE_CREATE_FACTORY && ((num)&0xf) == (slot),               \
		       #id ": id is base + slot");
#include "dxgt/calls.def"

enum {
	DXGT__EI_none = 0,
#define DXGT_ELEM(tag) DXGT__EI_##tag,
#include "dxgt/calls.def"
	DXGT__N_ELEMS
};

#define DXGT__MSIZE(T, f) ((uint32_t)sizeof(((T *)0)->f))
#define DXGT__ROLE(r) DXGT_ROLE_##r
#define DXGT__KIND(k) DXGT_OBJ_##k
#define DXGT__DIR(d) DXGT_DIR_##d

/* Length-rule fields per rule: offset, size, fixed count. */
#define DXGT__LEN_FIELD(T, P, f) offsetof(T, P f), DXGT__MSIZE(T, P f), 0
#define DXGT__LEN_COUNT(T, P, f) offsetof(T, P f), DXGT__MSIZE(T, P f), 0
#define DXGT__LEN_FIXED(T, P, n) 0, 0, (n)

/* P is the member prefix: "a." inside a call's wrapper struct, empty for
 * element types; names are stringified without it. */
#define DXGT__HANDLE_INIT(T, P, field, role, kind)                                                 \
	{                                                                                          \
#field, (uint32_t)offsetof(T, P field), 0, 0, 4, 1, DXGT__ROLE(role),              \
		    DXGT__KIND(kind)                                                               \
	}
#define DXGT__HANDLES_INIT(T, P, field, count, stride, role, kind)                                 \
	{                                                                                          \
#field, (uint32_t)offsetof(T, P field), (uint32_t)offsetof(T, P count),            \
		    DXGT__MSIZE(T, P count), (stride), DXGT__MSIZE(T, P field) / (stride),         \
		    DXGT__ROLE(role), DXGT__KIND(kind)                                             \
	}
#define DXGT__BUF_INIT(T, P, ptr, rule, len, etype, dir, role, kind)                               \
	{                                                                                          \
#ptr, (uint32_t)offsetof(T, P ptr), DXGT_LEN_##rule, DXGT__DIR(dir),               \
		    DXGT__ROLE(role), DXGT__KIND(kind), DXGT__LEN_##rule(T, P, len),               \
		    (uint32_t)sizeof(etype), NULL                                                  \
	}
#define DXGT__VOL_INIT(T, P, field)                                                                \
	{                                                                                          \
#field, (uint32_t)offsetof(T, P field), DXGT__MSIZE(T, P field), 0                 \
	}
#define DXGT__SCALAR_INIT(T, P, field, fmt)                                                        \
	{                                                                                          \
#field, (uint32_t)offsetof(T, P field), DXGT__MSIZE(T, P field), DXGT_FMT_##fmt    \
	}
/* A GUID scalar is 16 bytes; every other one is a plain integer. */
#define DXGT__SCALAR_OK(T, P, field, fmt)                                                          \
	_Static_assert(DXGT_FMT_##fmt == DXGT_FMT_GUID ? DXGT__MSIZE(T, P field) == 16             \
						       : DXGT__MSIZE(T, P field) <= 8,             \
		       #field ": a scalar's size fits its format");

/* Call rows. */
#define DXGT__HAS(lit) (sizeof(lit) > 1)
static struct dxgt_call_desc calls[DXGT__N_CALLS] = {
#define DXGT_CALL(cid, num, kmt, ioctl, tag, cflags)                                               \
	{                                                                                          \
	    .id = (num),                                                                           \
	    .index = DXGT__CI_##cid,                                                               \
	    .name = DXGT__HAS(kmt) ? kmt : ioctl,                                                  \
	    .kmt_name = DXGT__HAS(kmt) ? "D3DKMT" kmt : NULL,                                      \
	    .ioctl_name = DXGT__HAS(ioctl) ? ioctl : NULL,                                         \
	    .struct_name = #tag,                                                                   \
	    .ioctl_code = DXGT__HAS(ioctl)                                                         \
			      ? (uint32_t)_IOC(_IOC_READ | _IOC_WRITE, DXGT_IOCTL_TYPE, (num),     \
					       sizeof(struct dxgt_##tag))                          \
			      : 0u,                                                                \
	    .kmt_size = DXGT__HAS(kmt) ? (uint32_t)sizeof(struct dxgt_##tag) : 0u,                 \
	    .ioctl_size = DXGT__HAS(ioctl) ? (uint32_t)sizeof(struct dxgt_##tag) : 0u,             \
	    .flags = (cflags),                                                                     \
	    .layers = (uint8_t)((DXGT__HAS(kmt) ? DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT) : 0u) |        \
				(DXGT__HAS(ioctl) ? DXGT_LAYER_BIT(DXGT_LAYER_IOCTL) : 0u)),       \
	},
#define DXGT_METHOD(cid, num, iface_, method, slot_, tag, cflags)                                  \
	{                                                                                          \
	    .id = (num),                                                                           \
	    .index = DXGT__CI_##cid,                                                               \
	    .name = DXGT__HAS(iface_) ? iface_ "::" method : method,                               \
	    .iface = DXGT__HAS(iface_) ? iface_ : NULL,                                            \
	    .struct_name = #tag,                                                                   \
	    .dxcore_size = (uint32_t)sizeof(struct dxgt_##tag),                                    \
	    .flags = (cflags),                                                                     \
	    .layers = (uint8_t)DXGT_LAYER_BIT(DXGT_LAYER_DXCORE),                                  \
	    .slot = (slot_),                                                                       \
	},
#define NOHANDLER DXGT_CF_NOHANDLER
#define ESCAPE DXGT_CF_ESCAPE
#define ASYNC DXGT_CF_ASYNC
#define VALUE DXGT_CF_VALUE
#include "dxgt/calls.def"
#undef NOHANDLER
#undef ESCAPE
#undef ASYNC
#undef VALUE
};

static struct dxgt_elem_desc elems[DXGT__N_ELEMS] = {
    {"none", 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0},
#define DXGT_ELEM(tag)                                                                             \
	{#tag, (uint32_t)sizeof(struct dxgt_##tag), NULL, NULL, NULL, NULL, 0, 0, 0, 0},
#include "dxgt/calls.def"
};

/* Row arrays, each with a parallel array naming its owner. */
static const struct dxgt_handle_desc handle_rows[] = {
#define DXGT_HANDLE(id, field, role, kind)                                                         \
	DXGT__HANDLE_INIT(struct dxgt__args_##id, a., field, role, kind),
#define DXGT_HANDLES(id, field, count, stride, role, kind)                                         \
	DXGT__HANDLES_INIT(struct dxgt__args_##id, a., field, count, stride, role, kind),
#include "dxgt/calls.def"
};
static const uint16_t handle_owner[] = {
#define DXGT_HANDLE(id, field, role, kind) DXGT__CI_##id,
#define DXGT_HANDLES(id, field, count, stride, role, kind) DXGT__CI_##id,
#include "dxgt/calls.def"
};

static struct dxgt_buf_desc buf_rows[] = {
#define DXGT_BUF(id, ptr, rule, len, etype, dir, role, kind, elem)                                 \
	DXGT__BUF_INIT(struct dxgt__args_##id, a., ptr, rule, len, etype, dir, role, kind),
#include "dxgt/calls.def"
};
static const uint16_t buf_owner[] = {
#define DXGT_BUF(id, ptr, rule, len, etype, dir, role, kind, elem) DXGT__CI_##id,
#include "dxgt/calls.def"
};
static const uint16_t buf_elem[] = {
#define DXGT_BUF(id, ptr, rule, len, etype, dir, role, kind, elem) DXGT__EI_##elem,
#include "dxgt/calls.def"
};

static const struct dxgt_field_desc vol_rows[] = {
#define DXGT_VOLATILE(id, field) DXGT__VOL_INIT(struct dxgt__args_##id, a., field),
#include "dxgt/calls.def"
};
static const uint16_t vol_owner[] = {
#define DXGT_VOLATILE(id, field) DXGT__CI_##id,
#include "dxgt/calls.def"
};

static const struct dxgt_field_desc scalar_rows[] = {
#define DXGT_SCALAR(id, field, fmt) DXGT__SCALAR_INIT(struct dxgt__args_##id, a., field, fmt),
#include "dxgt/calls.def"
};
static const uint16_t scalar_owner[] = {
#define DXGT_SCALAR(id, field, fmt) DXGT__CI_##id,
#include "dxgt/calls.def"
};
#define DXGT_SCALAR(id, field, fmt) DXGT__SCALAR_OK(struct dxgt__args_##id, a., field, fmt)
#include "dxgt/calls.def"

static const struct dxgt_field_desc escalar_rows[] = {
#define DXGT_ESCALAR(tag, field, fmt) DXGT__SCALAR_INIT(struct dxgt_##tag, , field, fmt),
#include "dxgt/calls.def"
};
static const uint16_t escalar_owner[] = {
#define DXGT_ESCALAR(tag, field, fmt) DXGT__EI_##tag,
#include "dxgt/calls.def"
};

static const struct dxgt_handle_desc ehandle_rows[] = {
#define DXGT_EHANDLE(tag, field, role, kind)                                                       \
	DXGT__HANDLE_INIT(struct dxgt_##tag, , field, role, kind),
#include "dxgt/calls.def"
};
static const uint16_t ehandle_owner[] = {
#define DXGT_EHANDLE(tag, field, role, kind) DXGT__EI_##tag,
#include "dxgt/calls.def"
};

static const struct dxgt_buf_desc ebuf_rows[] = {
#define DXGT_EBUF(tag, ptr, rule, len, etype, dir, role, kind)                                     \
	DXGT__BUF_INIT(struct dxgt_##tag, , ptr, rule, len, etype, dir, role, kind),
#include "dxgt/calls.def"
};
static const uint16_t ebuf_owner[] = {
#define DXGT_EBUF(tag, ptr, rule, len, etype, dir, role, kind) DXGT__EI_##tag,
#include "dxgt/calls.def"
};

static const struct dxgt_field_desc evol_rows[] = {
#define DXGT_EVOLATILE(tag, field) DXGT__VOL_INIT(struct dxgt_##tag, , field),
#include "dxgt/calls.def"
};
static const uint16_t evol_owner[] = {
#define DXGT_EVOLATILE(tag, field) DXGT__EI_##tag,
#include "dxgt/calls.def"
};

#define DXGT__N(a) (sizeof(a) / sizeof((a)[0]))

/* Sparse id -> index map: ids are below 0x240 (DXCore's end at 0x23c). */
#define DXGT__MAX_ID 0x240
static int16_t by_id[DXGT__MAX_ID];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Point each owner at its run of rows. Rows of one owner are contiguous
 * because calls.def keeps them together (the unit test checks it). */
static int scattered; /* rows of one owner found apart: calls.def is out of order */

#define DXGT__ATTACH(rows, owner, table, ptr_field, n_field)                                       \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < DXGT__N(owner); i_++) {                                   \
			if (table[owner[i_]].n_field == 0)                                         \
				table[owner[i_]].ptr_field = &rows[i_];                            \
			else if (owner[i_ - 1] != owner[i_])                                       \
				scattered++;                                                       \
			table[owner[i_]].n_field++;                                                \
		}                                                                                  \
	} while (0)

static void calls_init(void)
{
	for (size_t i = 0; i < DXGT__MAX_ID; i++)
		by_id[i] = -1;
	for (size_t i = 0; i < DXGT__N_CALLS; i++)
		if (calls[i].id < DXGT__MAX_ID)
			by_id[calls[i].id] = (int16_t)i;
	for (size_t i = 0; i < DXGT__N(buf_rows); i++)
		buf_rows[i].elem = buf_elem[i] ? &elems[buf_elem[i]] : NULL;
	DXGT__ATTACH(handle_rows, handle_owner, calls, handles, n_handles);
	DXGT__ATTACH(buf_rows, buf_owner, calls, bufs, n_bufs);
	DXGT__ATTACH(vol_rows, vol_owner, calls, volatiles, n_volatiles);
	DXGT__ATTACH(scalar_rows, scalar_owner, calls, scalars, n_scalars);
	DXGT__ATTACH(ehandle_rows, ehandle_owner, elems, handles, n_handles);
	DXGT__ATTACH(escalar_rows, escalar_owner, elems, scalars, n_scalars);
	DXGT__ATTACH(ebuf_rows, ebuf_owner, elems, bufs, n_bufs);
	DXGT__ATTACH(evol_rows, evol_owner, elems, volatiles, n_volatiles);
}

void dxgt__calls_init(void)
{
	pthread_once(&init_once, calls_init);
}

int dxgt__calls_selfcheck(void)
{
	dxgt__calls_init();
	return scattered;
}

size_t dxgt_call_count(void)
{
	return DXGT__N_CALLS;
}

const struct dxgt_call_desc *dxgt_call_at(size_t i)
{
	dxgt__calls_init();
	return i < DXGT__N_CALLS ? &calls[i] : NULL;
}

const struct dxgt_call_desc *dxgt_call_by_id(unsigned id)
{
	dxgt__calls_init();
	if (id >= DXGT__MAX_ID || by_id[id] < 0)
		return NULL;
	return &calls[by_id[id]];
}

const struct dxgt_call_desc *dxgt_call_by_ioctl(unsigned long request)
{
	if (_IOC_TYPE(request) != DXGT_IOCTL_TYPE || (request >> 32) != 0)
		return NULL;
	const struct dxgt_call_desc *d = dxgt_call_by_id(_IOC_NR(request));
	return d && d->ioctl_name ? d : NULL;
}

const struct dxgt_call_desc *dxgt_call_by_name(const char *name)
{
	if (!name)
		return NULL;
	dxgt__calls_init();
	const char *bare = name;
	if (strncasecmp(bare, "D3DKMT", 6) == 0)
		bare += 6;
	for (size_t i = 0; i < DXGT__N_CALLS; i++) {
		const struct dxgt_call_desc *d = &calls[i];
		if (strcasecmp(name, d->name) == 0 || strcasecmp(bare, d->name) == 0 ||
		    (d->ioctl_name && strcasecmp(name, d->ioctl_name) == 0))
			return d;
	}
	return NULL;
}

uint32_t dxgt_call_args_size(const struct dxgt_call_desc *d, enum dxgt_layer layer)
{
	if (!d)
		return 0;
	switch (layer) {
	case DXGT_LAYER_D3DKMT:
		return d->kmt_size;
	case DXGT_LAYER_DXCORE:
		return d->dxcore_size;
	case DXGT_LAYER_IOCTL:
		return d->ioctl_size;
	default:
		return 0;
	}
}

int dxgt_field_read(const void *img, size_t len, uint32_t off, uint32_t size, uint64_t *out)
{
	if (!img || (size != 1 && size != 2 && size != 4 && size != 8) || off > len ||
	    len - off < size)
		return DXGT_E_INVAL;
	*out = dxgt__get_le(img, off, size);
	return 0;
}

int dxgt_buf_len(const struct dxgt_buf_desc *b, const void *img, size_t len, uint64_t *bytes)
{
	uint64_t n = 0;
	int rc;

	switch (b->rule) {
	case DXGT_LEN_FIELD:
		rc = dxgt_field_read(img, len, b->len_off, b->len_size, &n);
		if (rc < 0)
			return rc;
		/* Some size fields are declared int: a negative one is no buffer. */
		if (b->len_size == 4 && n > INT32_MAX)
			n = 0;
		*bytes = n;
		return 0;
	case DXGT_LEN_COUNT:
		rc = dxgt_field_read(img, len, b->len_off, b->len_size, &n);
		if (rc < 0)
			return rc;
		break;
	case DXGT_LEN_FIXED:
		n = b->fixed;
		break;
	default:
		return DXGT_E_INVAL;
	}
	if (b->elem_size && n > UINT64_MAX / b->elem_size)
		return DXGT_E_TOOBIG;
	*bytes = n * b->elem_size;
	return 0;
}

const char *dxgt_layer_name(enum dxgt_layer l)
{
	switch (l) {
	case DXGT_LAYER_D3DKMT:
		return "d3dkmt";
	case DXGT_LAYER_DXCORE:
		return "dxcore";
	case DXGT_LAYER_IOCTL:
		return "ioctl";
	default:
		return "?";
	}
}

const char *dxgt_dir_name(enum dxgt_dir d)
{
	static const char *const names[] = {"none", "in", "out", "inout"};
	return (unsigned)d < DXGT__N(names) ? names[d] : "?";
}

const char *dxgt_role_name(enum dxgt_role r)
{
	static const char *const names[] = {"none", "in", "out", "inout", "del"};
	return (unsigned)r < DXGT__N(names) ? names[r] : "?";
}

static const char *const obj_letters[] = {
#define DXGT__OBJ_LETTER(name, letter, text) letter,
    DXGT_OBJECT_KINDS(DXGT__OBJ_LETTER)
#undef DXGT__OBJ_LETTER
};
static const char *const obj_names[] = {
#define DXGT__OBJ_NAME(name, letter, text) text,
    DXGT_OBJECT_KINDS(DXGT__OBJ_NAME)
#undef DXGT__OBJ_NAME
};

const char *dxgt_obj_letter(enum dxgt_obj k)
{
	return (unsigned)k < DXGT__N(obj_letters) ? obj_letters[k] : "?";
}

const char *dxgt_obj_name(enum dxgt_obj k)
{
	return (unsigned)k < DXGT__N(obj_names) ? obj_names[k] : "?";
}

/* ---- DXCore GUIDs and HRESULTs ---- */

static const struct {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
	const char *name;
} known_guids[] = {
#define DXGT__GUID_ROW(sym, name, a, b, c, e0, e1, e2, e3, e4, e5, e6, e7)                         \
	{a, b, c, {e0, e1, e2, e3, e4, e5, e6, e7}, name},
    DXGT_DXCORE_GUIDS(DXGT__GUID_ROW)
#undef DXGT__GUID_ROW
};
_Static_assert(DXGT__N(known_guids) == DXGT_GUID_COUNT, "one row per known GUID");

int dxgt_guid_known(const void *g)
{
	if (!g)
		return -1;
	uint32_t d1 = (uint32_t)dxgt__get_le(g, 0, 4);
	uint16_t d2 = (uint16_t)dxgt__get_le(g, 4, 2), d3 = (uint16_t)dxgt__get_le(g, 6, 2);
	const uint8_t *d4 = (const uint8_t *)g + 8;
	for (size_t i = 0; i < DXGT__N(known_guids); i++)
		if (known_guids[i].d1 == d1 && known_guids[i].d2 == d2 && known_guids[i].d3 == d3 &&
		    memcmp(known_guids[i].d4, d4, 8) == 0)
			return (int)i;
	return -1;
}

/* Formatted by hand, not with snprintf, so that every function here stays
 * async-signal-safe. */
const char *dxgt_guid_text(const void *g, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	/* Byte order of the text form: d1, d2, d3 most significant first, then
	 * d4 as stored; a dash before text positions 8, 12, 16 and 20. */
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	int k = dxgt_guid_known(g);
	if (k >= 0)
		return known_guids[k].name;
	char text[37];
	size_t n = 0;
	if (!g) {
		memcpy(text, "NULL", 5);
	} else {
		const uint8_t *b = g;
		for (size_t i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				text[n++] = '-';
			text[n++] = hex[b[order[i]] >> 4];
			text[n++] = hex[b[order[i]] & 15];
		}
		text[n] = '\0';
	}
	if (len) {
		size_t m = strlen(text) < len - 1 ? strlen(text) : len - 1;
		memcpy(buf, text, m);
		buf[m] = '\0';
	}
	return buf;
}

const char *dxgt_hresult_name(uint32_t hr)
{
	switch (hr) {
#define DXGT__HR_CASE(name, value)                                                                 \
	case (value):                                                                              \
		return #name;
		DXGT_DXCORE_HRESULTS(DXGT__HR_CASE)
#undef DXGT__HR_CASE
	default:
		return NULL;
	}
}
