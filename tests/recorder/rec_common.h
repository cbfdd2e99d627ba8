/* SPDX-License-Identifier: MIT */
/*
 * What the recorder's test programs share: loading the D3DKMT functions
 * with dlopen and dlsym as a user-mode driver does, opening an adapter and
 * a device the way the NPU report's sequence does, and the tagged escape
 * payloads the checkers look for in the trace.
 *
 * A tagged payload starts with a 4-byte magic, then three little-endian
 * u32 (role, index, length) and continues with byte i = (i * 13 + 5) & 0xff,
 * so a checker can tell who sent an escape and that the recorded bytes are
 * exactly the bytes sent (run_recorder.py's tagged_payload() builds the same
 * bytes). Each program prints one line per D3DKMT call it makes,
 * "D3DKMTName(what) = 0x%08X", which the checkers compare with the trace.
 *
 * Must never: depend on the recorder (these programs run with and without
 * it, and their output must not differ).
 */
#ifndef DXGT_REC_COMMON_H
#define DXGT_REC_COMMON_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dxgt/uapi.h"

typedef int32_t (*rec_kmt_fn)(void *args);

#define REC_KMT_FUNCTIONS(X)                                                                       \
	X(EnumAdapters3)                                                                           \
	X(OpenAdapterFromLuid)                                                                     \
	X(CreateDevice)                                                                            \
	X(Escape)                                                                                  \
	X(DestroyDevice)                                                                           \
	X(CloseAdapter)

struct rec_kmt {
	void *lib;
#define REC_KMT_FIELD(name) rec_kmt_fn name;
	REC_KMT_FUNCTIONS(REC_KMT_FIELD)
#undef REC_KMT_FIELD
	uint32_t adapter, device;
	unsigned calls; /* D3DKMT calls made */
};

/* dlopen(lib, flags) and dlsym every function; 0, or -1 after a message. */
static inline int rec_kmt_load(struct rec_kmt *k, const char *lib, int flags)
{
	memset(k, 0, sizeof(*k));
	k->lib = dlopen(lib, flags);
	if (!k->lib) {
		fprintf(stderr, "cannot load %s: %s\n", lib, dlerror());
		return -1;
	}
	void *sym;
#define REC_KMT_SYM(name)                                                                          \
	sym = dlsym(k->lib, "D3DKMT" #name);                                                       \
	if (!sym) {                                                                                \
		fprintf(stderr, "%s has no D3DKMT" #name "\n", lib);                               \
		return -1;                                                                         \
	}                                                                                          \
	memcpy(&k->name, &sym, sizeof(sym));
	REC_KMT_FUNCTIONS(REC_KMT_SYM)
#undef REC_KMT_SYM
	return 0;
}

/* Calls fn and prints "D3DKMT<name>(what) = 0x%08X". */
static inline int32_t rec_kmt_call(struct rec_kmt *k, rec_kmt_fn fn, const char *name,
				   const char *what, void *args)
{
	int32_t st = fn(args);
	k->calls++;
	printf("D3DKMT%s(%s) = 0x%08X\n", name, what, (unsigned)st);
	return st;
}

/* EnumAdapters3 (compute-only filter), OpenAdapterFromLuid of the first
 * adapter listed, CreateDevice. 0 when all succeeded. */
static inline int rec_kmt_open(struct rec_kmt *k)
{
	struct dxgt_adapterinfo list[16];
	memset(list, 0, sizeof(list));
	struct dxgt_enumadapters3 e = {
	    .filter = 1, .adapter_count = 16, .adapters = (uint64_t)(uintptr_t)list};
	if (rec_kmt_call(k, k->EnumAdapters3, "EnumAdapters3", "count=16", &e) != 0 ||
	    e.adapter_count == 0)
		return -1;
	struct dxgt_openadapterfromluid o = {.adapter_luid = list[0].adapter_luid};
	if (rec_kmt_call(k, k->OpenAdapterFromLuid, "OpenAdapterFromLuid", "first", &o) != 0)
		return -1;
	k->adapter = o.adapter_handle;
	struct dxgt_createdevice d = {.adapter = o.adapter_handle};
	if (rec_kmt_call(k, k->CreateDevice, "CreateDevice", "adapter", &d) != 0)
		return -1;
	k->device = d.device;
	return 0;
}

#define REC_TAG_SIZE 16u

/* The tagged payload: magic (4 bytes), role, index, len, then the pattern. */
static inline void rec_payload(uint8_t *buf, uint32_t len, const char magic[4], uint32_t role,
			       uint32_t index)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 13u + 5u);
	uint8_t head[REC_TAG_SIZE];
	memcpy(head, magic, 4);
	for (unsigned b = 0; b < 4; b++) {
		head[4 + b] = (uint8_t)(role >> (8 * b));
		head[8 + b] = (uint8_t)(index >> (8 * b));
		head[12 + b] = (uint8_t)(len >> (8 * b));
	}
	memcpy(buf, head, len < REC_TAG_SIZE ? len : REC_TAG_SIZE);
}

/* An escape on the open device with len payload bytes (at most 4096). */
static inline int32_t rec_escape(struct rec_kmt *k, uint32_t len, const char magic[4],
				 uint32_t role, uint32_t index, bool print)
{
	uint8_t payload[4096];
	if (len > sizeof(payload))
		len = sizeof(payload);
	rec_payload(payload, len, magic, role, index);
	struct dxgt_escape e = {.adapter = k->adapter,
				.device = k->device,
				.priv_drv_data = len ? (uint64_t)(uintptr_t)payload : 0,
				.priv_drv_data_size = len};
	if (!print) /* from threads: the caller counts */
		return k->Escape(&e);
	char what[32];
	snprintf(what, sizeof(what), "size=%u", (unsigned)len);
	return rec_kmt_call(k, k->Escape, "Escape", what, &e);
}

#endif /* DXGT_REC_COMMON_H */
