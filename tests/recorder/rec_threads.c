// SPDX-License-Identifier: MIT
/*
 * rec_threads THREADS CALLS: opens an adapter and a device through
 * libdxcore.so (the mock under test), then starts THREADS threads that
 * each make CALLS D3DKMTEscape calls at once (they wait on a barrier), each
 * with a 16-byte tagged payload "RTHR", thread index, call index, so that
 * rec_check_threads can find every call in the trace and check the order
 * in which each thread made them.
 *
 * Prints "rec_threads: N d3dkmt calls" (every D3DKMT call made, setup
 * included) for the checker; exit status 0 when every escape returned the
 * same status as the first one, 1 otherwise, 2 on a setup failure.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "rec_common.h"

static struct rec_kmt k;
static unsigned n_calls;
static pthread_barrier_t start;
static int32_t first_status;
static atomic_uint odd_status;

static void *worker(void *arg)
{
	uint32_t index = (uint32_t)(uintptr_t)arg;
	pthread_barrier_wait(&start);
	for (unsigned i = 0; i < n_calls; i++)
		if (rec_escape(&k, REC_TAG_SIZE, "RTHR", index, i, false) != first_status)
			atomic_fetch_add(&odd_status, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rec_threads THREADS CALLS\n");
		return 2;
	}
	unsigned n_threads = (unsigned)strtoul(argv[1], NULL, 10);
	n_calls = (unsigned)strtoul(argv[2], NULL, 10);
	if (n_threads == 0 || n_threads > 64) {
		fprintf(stderr, "rec_threads: 1 to 64 threads\n");
		return 2;
	}
	if (rec_kmt_load(&k, "libdxcore.so", RTLD_LAZY | RTLD_LOCAL) < 0 || rec_kmt_open(&k) < 0)
		return 2;
	/* The status every threaded escape must return too. */
	first_status = rec_escape(&k, REC_TAG_SIZE, "RTHS", 0, 0, true);
	fflush(stdout);
	pthread_t t[64];
	pthread_barrier_init(&start, NULL, n_threads);
	for (unsigned i = 0; i < n_threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) != 0) {
			fprintf(stderr, "rec_threads: pthread_create failed\n");
			return 2;
		}
	for (unsigned i = 0; i < n_threads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	unsigned total = k.calls + n_threads * n_calls;
	printf("rec_threads: %u threads x %u escapes, %u with another status\n", n_threads, n_calls,
	       atomic_load(&odd_status));
	printf("rec_threads: %u d3dkmt calls\n", total);
	return atomic_load(&odd_status) ? 1 : 0;
}
