// SPDX-License-Identifier: MIT
/*
 * rec_buffers: the shapes of record the recorder builds in place, one call
 * each, for run_recorder.py's "buffers" test to find in the trace:
 *   1. an escape whose payload pointer points at a page that cannot be
 *      read (PROT_NONE: kept mapped, so nothing else lands there), whose
 *      buffer must be recorded empty and marked unreadable, the call
 *      still made;
 *   2. an escape of 600 KiB, larger than a recorder thread buffer (the
 *      record must be built again in a buffer reserved for its size, with
 *      every byte);
 *   3. CreateAllocation2 with three allocations, each with its own private
 *      data (a second level of buffers, found through the first);
 *   4. a run of 2,000 64-byte escapes, so that records straddle the
 *      thread buffers' ends;
 *   5. an escape from an atexit handler registered before the first call,
 *      as a runtime's static destructors are (it must be in the trace).
 * Prints one "D3DKMT<name>(what) = 0x%08X" line per call.
 *
 * Needs the mock host (DXGMOCK_PROFILE=wsl2-permissive) for libdxcore.so.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec_common.h"

#define BIG_LEN (600u * 1024u)
#define N_ALLOC 3u
#define N_SMALL 2000u

static struct rec_kmt k;

static void at_exit_escape(void)
{
	if (k.device)
		rec_escape(&k, 32, "EXIT", 5, 0, true);
}

int main(void)
{
	atexit(at_exit_escape);
	if (rec_kmt_load(&k, "libdxcore.so", RTLD_NOW | RTLD_LOCAL) != 0 || rec_kmt_open(&k) != 0)
		return 2;
	void *sym = dlsym(k.lib, "D3DKMTCreateAllocation2");
	if (!sym) {
		fprintf(stderr, "libdxcore.so has no D3DKMTCreateAllocation2\n");
		return 2;
	}
	rec_kmt_fn create_allocation;
	memcpy(&create_allocation, &sym, sizeof(sym));

	/* 1. A page that cannot be read. */
	long page = sysconf(_SC_PAGESIZE);
	void *gone = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED)
		return 2;
	struct dxgt_escape bad = {.adapter = k.adapter,
				  .device = k.device,
				  .priv_drv_data = (uint64_t)(uintptr_t)gone,
				  .priv_drv_data_size = 64};
	rec_kmt_call(&k, k.Escape, "Escape", "unreadable", &bad);

	/* 2. Larger than a thread buffer. */
	uint8_t *big = malloc(BIG_LEN);
	if (!big)
		return 2;
	rec_payload(big, BIG_LEN, "BIGP", 2, 0);
	struct dxgt_escape e = {.adapter = k.adapter,
				.device = k.device,
				.priv_drv_data = (uint64_t)(uintptr_t)big,
				.priv_drv_data_size = BIG_LEN};
	rec_kmt_call(&k, k.Escape, "Escape", "size=614400", &e);
	free(big);

	/* 3. Two levels of buffers. */
	uint8_t priv[N_ALLOC][48];
	struct dxgt_allocationinfo2 info[N_ALLOC];
	memset(info, 0, sizeof(info));
	for (uint32_t i = 0; i < N_ALLOC; i++) {
		rec_payload(priv[i], 16u + 16u * i, "ALOC", 3, i);
		info[i].priv_drv_data = (uint64_t)(uintptr_t)priv[i];
		info[i].priv_drv_data_size = 16u + 16u * i;
	}
	struct dxgt_createallocation ca = {.device = k.device,
					   .alloc_count = N_ALLOC,
					   .allocation_info = (uint64_t)(uintptr_t)info};
	rec_kmt_call(&k, create_allocation, "CreateAllocation2", "count=3", &ca);

	/* 4. Many small records. */
	unsigned failed = 0;
	for (uint32_t i = 0; i < N_SMALL; i++)
		failed += rec_escape(&k, 64, "SMAL", 4, i, false) != 0;
	printf("escapes: %u, failed: %u\n", N_SMALL, failed);
	return 0;
}
