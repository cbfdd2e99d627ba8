/* SPDX-License-Identifier: MIT */
/*
 * The call descriptor list as tables: what every call's argument struct
 * holds (handles, nested buffers and their length rules, volatile outputs),
 * generated from calls.def. All tables are static and immutable; every
 * function here is thread-safe, allocation-free and async-signal-safe once
 * dxgt_calls_init() has run (the lookups call it themselves).
 */
#ifndef DXGT_CALLS_H
#define DXGT_CALLS_H

#include <stddef.h>
#include <stdint.h>

enum dxgt_layer {
	DXGT_LAYER_NONE = 0,
	DXGT_LAYER_D3DKMT = 1, /* the D3DKMT functions of libdxcore.so */
	DXGT_LAYER_DXCORE = 2, /* the DXCore adapter factory and its objects */
	DXGT_LAYER_IOCTL = 3,  /* ioctls on /dev/dxg */
};
/* The bit of layer l in struct dxgt_call_desc's layers. */
#define DXGT_LAYER_BIT(l) (1u << (unsigned)(l))

enum dxgt_dir {
	DXGT_DIR_NONE = 0,
	DXGT_DIR_IN = 1,
	DXGT_DIR_OUT = 2,
	DXGT_DIR_INOUT = 3,
};

/* What a call does with a handle. */
enum dxgt_role {
	DXGT_ROLE_NONE = 0,
	DXGT_ROLE_IN = 1,    /* uses an existing object */
	DXGT_ROLE_OUT = 2,   /* creates one: the handle is bound when the call returns */
	DXGT_ROLE_INOUT = 3, /* uses one when non-zero on entry, else creates one */
	DXGT_ROLE_DEL = 4,   /* releases one */
};

#define DXGT_OBJECT_KINDS(X)                                                                       \
	X(NONE, "-", "none")                                                                       \
	X(ADAPTER, "A", "adapter")                                                                 \
	X(DEVICE, "D", "device")                                                                   \
	X(CONTEXT, "C", "context")                                                                 \
	X(HWQUEUE, "Q", "hardware queue")                                                          \
	X(ALLOCATION, "M", "allocation")                                                           \
	X(RESOURCE, "R", "resource")                                                               \
	X(PAGINGQUEUE, "P", "paging queue")                                                        \
	X(SYNCOBJECT, "S", "sync object")                                                          \
	X(KEYEDMUTEX, "K", "keyed mutex")                                                          \
	X(ANY, "H", "object")

enum dxgt_obj {
#define DXGT__OBJ_ENUM(name, letter, text) DXGT_OBJ_##name,
	DXGT_OBJECT_KINDS(DXGT__OBJ_ENUM)
#undef DXGT__OBJ_ENUM
	    DXGT_OBJ_COUNT
};

enum dxgt_len_rule {
	DXGT_LEN_FIELD = 1, /* a field holds the size in bytes */
	DXGT_LEN_COUNT = 2, /* a field holds the element count */
	DXGT_LEN_FIXED = 3, /* a fixed element count */
};

/* Call flags. */
#define DXGT_CF_ESCAPE 0x1u    /* a driver escape: what diff looks at first */
#define DXGT_CF_NOHANDLER 0x2u /* some kernels answer -ENOTTY for this slot */
#define DXGT_CF_ASYNC 0x4u     /* asynchronous towards the host */
#define DXGT_CF_VALUE 0x8u     /* DXCore: returns a count or a bool, not an HRESULT */

struct dxgt_handle_desc {
	const char *name;		/* field name, as in calls.def */
	uint32_t off;			/* offset of the (first) 32-bit handle */
	uint32_t count_off, count_size; /* inline array: field holding the count; size 0 = scalar */
	uint32_t stride;		/* inline array: bytes between handles */
	uint32_t max;			/* inline array: capacity */
	uint8_t role;			/* enum dxgt_role */
	uint8_t kind;			/* enum dxgt_obj */
};

enum dxgt_fmt {
	DXGT_FMT_DEC = 1,
	DXGT_FMT_HEX = 2,
	DXGT_FMT_LUID = 3, /* two u32, low part first; printed high:low */
	DXGT_FMT_GUID = 4, /* 16 bytes (struct dxgt_guid); see dxgt_guid_text() */
};

struct dxgt_field_desc {
	const char *name;
	uint32_t off;
	uint32_t size; /* 1, 2, 4 or 8; 16 for a GUID */
	uint8_t fmt;   /* enum dxgt_fmt for scalars; 0 for volatiles */
};

struct dxgt_elem_desc;

struct dxgt_buf_desc {
	const char *name;		   /* pointer field name */
	uint32_t ptr_off;		   /* offset of the 64-bit pointer */
	uint8_t rule;			   /* enum dxgt_len_rule */
	uint8_t dir;			   /* enum dxgt_dir */
	uint8_t role, kind;		   /* for arrays of handles (elem_size 4), else NONE */
	uint32_t len_off;		   /* FIELD and COUNT: offset of the length field */
	uint32_t len_size;		   /* ... and its size (4 or 8) */
	uint32_t fixed;			   /* FIXED: element count */
	uint32_t elem_size;		   /* bytes per element (1 for byte buffers) */
	const struct dxgt_elem_desc *elem; /* second level inside each element, or NULL */
};

struct dxgt_elem_desc {
	const char *name;
	uint32_t size;
	const struct dxgt_handle_desc *handles;
	const struct dxgt_buf_desc *bufs;
	const struct dxgt_field_desc *volatiles;
	const struct dxgt_field_desc *scalars;
	uint16_t n_handles, n_bufs, n_volatiles, n_scalars;
};

struct dxgt_call_desc {
	uint16_t id;		/* stable call number written into traces */
	uint16_t index;		/* position in the table */
	const char *name;	/* "Escape"; the ioctl name for ioctl-only calls;
				   "IDXCoreAdapter::GetProperty" for DXCore */
	const char *kmt_name;	/* "D3DKMTEscape", or NULL */
	const char *ioctl_name; /* "LX_DXESCAPE", or NULL */
	const char *iface;	/* DXCore methods: "IDXCoreAdapter"; else NULL */
	const char *struct_name;
	uint32_t ioctl_code;  /* the request, _IOWR(0x47, id, struct); 0 if none */
	uint32_t kmt_size;    /* argument struct size at the D3DKMT layer; 0 if none */
	uint32_t ioctl_size;  /* ... at the ioctl layer; 0 if none */
	uint32_t dxcore_size; /* ... and of the argument image at the DXCore layer */
	uint32_t flags;	      /* DXGT_CF_* */
	uint8_t layers;	      /* DXGT_LAYER_BIT() of each layer the call exists at */
	uint8_t slot;	      /* DXCore methods: the vtable slot (id & 0xf); else 0 */
	const struct dxgt_handle_desc *handles;
	const struct dxgt_buf_desc *bufs;
	const struct dxgt_field_desc *volatiles;
	const struct dxgt_field_desc *scalars;
	uint16_t n_handles, n_bufs, n_volatiles, n_scalars;
};

#define DXGT_IOCTL_TYPE 0x47u
#define DXGT_CALL_UNKNOWN 0xffffu /* the call id recorded for a request nobody knows */

/* Number of descriptors, and the i-th in table order (NULL past the end). */
size_t dxgt_call_count(void);
const struct dxgt_call_desc *dxgt_call_at(size_t i);
/* The descriptor with this stable id, or NULL. */
const struct dxgt_call_desc *dxgt_call_by_id(unsigned id);
/* The descriptor for an ioctl request: type 0x47 and a known number; the
 * encoded size need not match (callers compare it with ioctl_size). NULL if
 * the request is not a dxg one or the number is unknown. */
const struct dxgt_call_desc *dxgt_call_by_ioctl(unsigned long request);
/* Lookup by "Escape", "D3DKMTEscape", "LX_DXESCAPE" or "escape", or a
 * DXCore name such as "IDXCoreAdapter::GetProperty" (case-insensitive);
 * NULL if none. */
const struct dxgt_call_desc *dxgt_call_by_name(const char *name);
/* The argument struct size of call d at a layer (0 if the call does not
 * exist at that layer): kmt_size, ioctl_size or dxcore_size. */
uint32_t dxgt_call_args_size(const struct dxgt_call_desc *d, enum dxgt_layer layer);

/* Read an unsigned little-endian field of size 1, 2, 4 or 8 at off from an
 * argument image of len bytes. Returns 0 and stores the value, or
 * DXGT_E_INVAL when the field lies outside the image. Never dereferences
 * anything but the image. */
int dxgt_field_read(const void *img, size_t len, uint32_t off, uint32_t size, uint64_t *out);

/* The byte length of nested buffer b described by argument image img:
 * evaluates the length rule with overflow checks. Returns 0 and stores the
 * length, or DXGT_E_INVAL (field outside the image) / DXGT_E_TOOBIG (the
 * product overflows 64 bits). */
int dxgt_buf_len(const struct dxgt_buf_desc *b, const void *img, size_t len, uint64_t *bytes);

/* Names of enums for printing; never NULL. */
const char *dxgt_layer_name(enum dxgt_layer l);
const char *dxgt_dir_name(enum dxgt_dir d);
const char *dxgt_role_name(enum dxgt_role r);
const char *dxgt_obj_letter(enum dxgt_obj k);
const char *dxgt_obj_name(enum dxgt_obj k);

#endif /* DXGT_CALLS_H */
