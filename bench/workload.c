// SPDX-License-Identifier: MIT
/*
 * dxgt-workload: the benchmark's driver. It talks to the WSL2 interface the
 * way a user-mode driver does (libdxcore.so loaded with dlopen, its D3DKMT
 * functions looked up with dlsym), opens the first compute-only adapter and
 * a device, then times a loop of D3DKMTEscape calls on one or more threads
 * and prints one JSON line with what it measured.
 *
 * Only the loop is timed (CLOCK_MONOTONIC), after a warm-up and a barrier
 * that starts every thread together: set-up, the recorder's start-up and
 * the trace's final flush at exit are not in the figure. Run it under the
 * mock host (LD_PRELOAD=libdxgmock.so, DXGMOCK_PROFILE=wsl2-permissive, and
 * DXGMOCK_TRUSTED=1 so that the mock copies payloads with memcpy) alone for
 * the baseline, and with libdxgtrace.so first in LD_PRELOAD for the
 * recorder's cost; bench/run does both.
 *
 * Payloads come from a pool of distinct buffers filled before the loop with
 * a mix of content (zeros, small structured integers, text, random bytes),
 * so that they compress about as well as real driver traffic and no two
 * calls in a row carry the same bytes; the loop stamps the call number into
 * each. --dump-payload writes the same byte stream to a file, so that a
 * compressor can be measured on exactly what the recorder ingests.
 *
 * --stack-depth nests the loop that many calls deep, so a recorder that
 * takes backtraces has real frames to walk.
 *
 * Must never: allocate, print or take a lock inside the timed loop.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dxgt/uapi.h"

#define PROG "dxgt-workload"
#define WSL_LIBDXCORE "/usr/lib/wsl/lib/libdxcore.so"
#define PAYLOAD_MAX 131072u
#define POOL_SIZE 32u /* distinct payload buffers, used in turn */
#define FILTER_COMPUTE_ONLY 0x1u
#define ESCAPE_DRIVERPRIVATE 0u
#define MAX_THREADS 256
#define MAX_STACK_DEPTH 256

#define EXIT_BAD 2 /* bad option or the interface unavailable */

typedef int32_t kmt_fn(void *args);

#define KMT_FUNCTIONS(X)                                                                           \
	X(EnumAdapters3)                                                                           \
	X(OpenAdapterFromLuid)                                                                     \
	X(CreateDevice)                                                                            \
	X(Escape)                                                                                  \
	X(DestroyDevice)                                                                           \
	X(CloseAdapter)

static struct kmt {
	void *lib;
#define KMT_FIELD(name) kmt_fn *name;
	KMT_FUNCTIONS(KMT_FIELD)
#undef KMT_FIELD
} kmt;

enum kind { KIND_ESCAPE, KIND_SMALL };

static struct opts {
	uint64_t calls;
	uint64_t warmup;
	unsigned threads;
	uint32_t payload;
	enum kind kind;
	bool device_per_thread;
	unsigned stack_depth;
	const char *library;
	const char *dump_payload;
	uint64_t dump_bytes;
} opt = {
    .calls = 1000000,
    .warmup = 1000,
    .threads = 1,
    .payload = 64,
    .kind = KIND_ESCAPE,
};

struct worker {
	pthread_t tid;
	unsigned index;
	uint32_t device;
	uint8_t *pool; /* POOL_SIZE buffers of opt.payload bytes, owned */
	uint64_t failed;
	int32_t first_failure;
	struct timespec start, end;
};

static uint32_t adapter, shared_device;
static pthread_barrier_t start_barrier;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [OPTIONS]\n"
		"\n"
		"Times N D3DKMTEscape calls per thread through libdxcore.so (loaded with\n"
		"dlopen) on the first compute-only adapter, and prints one JSON line:\n"
		"  {\"calls\":..,\"threads\":..,\"payload\":..,\"seconds\":..,\"ns_per_call\":..,\n"
		"   \"calls_per_second\":..,...}\n"
		"calls is the total over all threads; seconds the wall time of the timed\n"
		"loops; ns_per_call the mean time of one call as a thread sees it;\n"
		"calls_per_second all threads together.\n"
		"\n"
		"  --calls N          calls per thread (default 1000000)\n"
		"  --threads T        threads, 1 to %d (default 1)\n"
		"  --payload BYTES    escape payload, 0 to %u (default 64)\n"
		"  --warmup N         untimed calls per thread first (default 1000)\n"
		"  --kind KIND        escape: payload-carrying escapes (default);\n"
		"                     small: the cheapest call, an empty escape\n"
		"  --device-per-thread  each thread creates its own device (default:\n"
		"                     all share one)\n"
		"  --stack-depth D    run the loop D nested calls deep (default 0)\n"
		"  --library PATH     dlopen PATH instead of libdxcore.so\n"
		"  --dump-payload FILE  write BYTES of the payload mix to FILE (see\n"
		"                     --dump-bytes) and exit, without calling anything\n"
		"  --dump-bytes N     how much --dump-payload writes (default 64M)\n"
		"  -h, --help         this help\n"
		"\n"
		"Under the mock host:\n"
		"  DXGMOCK_PROFILE=wsl2-permissive DXGMOCK_TRUSTED=1 \\\n"
		"    LD_PRELOAD=build/mock/preload/libdxgmock.so " PROG "\n",
		MAX_THREADS, PAYLOAD_MAX);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static int parse_args(int argc, char **argv)
{
	enum {
		O_CALLS = 256,
		O_THREADS,
		O_PAYLOAD,
		O_WARMUP,
		O_KIND,
		O_DPT,
		O_DEPTH,
		O_LIBRARY,
		O_DUMP,
		O_DUMP_BYTES
	};
	static const struct option longs[] = {
	    {"calls", required_argument, NULL, O_CALLS},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"payload", required_argument, NULL, O_PAYLOAD},
	    {"warmup", required_argument, NULL, O_WARMUP},
	    {"kind", required_argument, NULL, O_KIND},
	    {"device-per-thread", no_argument, NULL, O_DPT},
	    {"stack-depth", required_argument, NULL, O_DEPTH},
	    {"library", required_argument, NULL, O_LIBRARY},
	    {"dump-payload", required_argument, NULL, O_DUMP},
	    {"dump-bytes", required_argument, NULL, O_DUMP_BYTES},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	opt.dump_bytes = 64u << 20;
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case O_CALLS:
			if (!parse_u64(optarg, &opt.calls) || !opt.calls)
				goto bad_value;
			break;
		case O_THREADS:
			if (!parse_u64(optarg, &v) || !v || v > MAX_THREADS)
				goto bad_value;
			opt.threads = (unsigned)v;
			break;
		case O_PAYLOAD:
			if (!parse_u64(optarg, &v) || v > PAYLOAD_MAX)
				goto bad_value;
			opt.payload = (uint32_t)v;
			break;
		case O_WARMUP:
			if (!parse_u64(optarg, &opt.warmup))
				goto bad_value;
			break;
		case O_KIND:
			if (!strcmp(optarg, "escape"))
				opt.kind = KIND_ESCAPE;
			else if (!strcmp(optarg, "small"))
				opt.kind = KIND_SMALL;
			else
				goto bad_value;
			break;
		case O_DPT:
			opt.device_per_thread = true;
			break;
		case O_DEPTH:
			if (!parse_u64(optarg, &v) || v > MAX_STACK_DEPTH)
				goto bad_value;
			opt.stack_depth = (unsigned)v;
			break;
		case O_LIBRARY:
			opt.library = optarg;
			break;
		case O_DUMP:
			opt.dump_payload = optarg;
			break;
		case O_DUMP_BYTES:
			if (!parse_u64(optarg, &opt.dump_bytes))
				goto bad_value;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_BAD;
		}
		continue;
	bad_value:
		fprintf(stderr, PROG ": bad value for %s: %s (see --help)\n", argv[optind - 1],
			optarg);
		return EXIT_BAD;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument %s (see --help)\n", argv[optind]);
		return EXIT_BAD;
	}
	if (opt.kind == KIND_SMALL)
		opt.payload = 0;
	return -1;
}

/* ---- the payload mix ---- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Fills buf with the mix, in 256-byte runs of one kind each: zeros (padding
 * and reserved fields), small structured integers (handles, sizes, counts),
 * text (names, registry paths) and random bytes (hashes, encrypted blobs).
 * The seed selects the buffer, so the pool's buffers all differ. */
static void fill_mix(uint8_t *buf, size_t n, uint64_t seed)
{
	static const char text[] = "DriverStore\\FileRepository\\npu_kmd.inf_amd64 "
				   "Intel(R) AI Boost compute queue context=0x%08x ";
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t off = 0; off < n; off += 256) {
		size_t run = n - off < 256 ? n - off : 256;
		uint8_t *p = buf + off;
		switch (xorshift(&s) % 4) {
		case 0:
			memset(p, 0, run);
			break;
		case 1: {
			uint32_t base = (uint32_t)(xorshift(&s) & 0xffff);
			for (size_t i = 0; i < run; i++)
				p[i] = (uint8_t)(i % 4 == 0   ? base + i / 4
						 : i % 4 == 1 ? i / 8
							      : 0);
			break;
		}
		case 2: {
			size_t at = (size_t)(xorshift(&s) % (sizeof(text) - 1));
			for (size_t i = 0; i < run; i++)
				p[i] = (uint8_t)text[(at + i) % (sizeof(text) - 1)];
			break;
		}
		default:
			for (size_t i = 0; i < run; i += 8) {
				uint64_t r = xorshift(&s);
				memcpy(p + i, &r, run - i < 8 ? run - i : 8);
			}
			break;
		}
	}
}

/* The byte stream the loop sends: pool buffer i % POOL_SIZE, call number
 * stamped into its first 8 bytes. */
static void stamp(uint8_t *buf, uint32_t size, uint64_t call)
{
	memcpy(buf, &call, size < 8 ? size : 8);
}

static int dump_payload(void)
{
	int rc = 0;
	uint32_t size = opt.payload ? opt.payload : 64;
	uint8_t *pool = malloc((size_t)POOL_SIZE * size);
	FILE *f = fopen(opt.dump_payload, "wb");
	if (!pool || !f) {
		fprintf(stderr, PROG ": %s: %s\n", opt.dump_payload, strerror(errno));
		rc = 1;
		goto out;
	}
	for (unsigned i = 0; i < POOL_SIZE; i++)
		fill_mix(pool + (size_t)i * size, size, i);
	for (uint64_t call = 0, done = 0; done < opt.dump_bytes; call++) {
		uint8_t *p = pool + (size_t)(call % POOL_SIZE) * size;
		stamp(p, size, call);
		size_t n = opt.dump_bytes - done < size ? (size_t)(opt.dump_bytes - done) : size;
		if (fwrite(p, 1, n, f) != n) {
			fprintf(stderr, PROG ": %s: %s\n", opt.dump_payload, strerror(errno));
			rc = 1;
			goto out;
		}
		done += n;
	}
out:
	if (f && fclose(f) && !rc) {
		fprintf(stderr, PROG ": %s: %s\n", opt.dump_payload, strerror(errno));
		rc = 1;
	}
	free(pool);
	return rc;
}

/* ---- the interface ---- */

static int kmt_load(void)
{
	static const struct {
		const char *symbol;
		size_t off;
	} symbols[] = {
#define KMT_ROW(name) {"D3DKMT" #name, offsetof(struct kmt, name)},
	    KMT_FUNCTIONS(KMT_ROW)
#undef KMT_ROW
	};
	const char *name = opt.library ? opt.library : "libdxcore.so";
	kmt.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!kmt.lib && !opt.library)
		kmt.lib = dlopen(WSL_LIBDXCORE, RTLD_NOW | RTLD_LOCAL);
	if (!kmt.lib) {
		fprintf(stderr, PROG ": cannot load %s: %s\n", name, dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *sym = dlsym(kmt.lib, symbols[i].symbol);
		if (!sym) {
			fprintf(stderr, PROG ": %s has no symbol %s\n", name, symbols[i].symbol);
			return -1;
		}
		memcpy((char *)&kmt + symbols[i].off, &sym, sizeof(sym));
	}
	return 0;
}

/* The first compute-only adapter, opened; 0 or -1 after a message. */
static int open_adapter(void)
{
	struct dxgt_adapterinfo listed[16];
	struct dxgt_enumadapters3 e = {.filter = FILTER_COMPUTE_ONLY};
	int32_t st = kmt.EnumAdapters3(&e);
	if (st < 0 || e.adapter_count == 0) {
		fprintf(stderr,
			PROG ": no compute-only adapter (EnumAdapters3: 0x%08X, count %u)\n",
			(unsigned)st, (unsigned)e.adapter_count);
		return -1;
	}
	memset(listed, 0, sizeof(listed));
	e.adapter_count = e.adapter_count < 16 ? e.adapter_count : 16;
	e.adapters = (uint64_t)(uintptr_t)listed;
	st = kmt.EnumAdapters3(&e);
	if (st < 0 || e.adapter_count == 0 || e.adapter_count > 16) {
		fprintf(stderr, PROG ": EnumAdapters3 failed: 0x%08X\n", (unsigned)st);
		return -1;
	}
	struct dxgt_openadapterfromluid oa = {.adapter_luid = listed[0].adapter_luid};
	st = kmt.OpenAdapterFromLuid(&oa);
	for (uint32_t i = 0; i < e.adapter_count; i++) {
		struct dxgt_closeadapter ca = {.adapter_handle = listed[i].adapter_handle};
		kmt.CloseAdapter(&ca);
	}
	if (st < 0) {
		fprintf(stderr, PROG ": OpenAdapterFromLuid failed: 0x%08X\n", (unsigned)st);
		return -1;
	}
	adapter = oa.adapter_handle;
	return 0;
}

static int create_device(uint32_t *device)
{
	struct dxgt_createdevice cd = {.adapter = adapter};
	int32_t st = kmt.CreateDevice(&cd);
	if (st < 0) {
		fprintf(stderr, PROG ": CreateDevice failed: 0x%08X\n", (unsigned)st);
		return -1;
	}
	*device = cd.device;
	return 0;
}

static void destroy_device(uint32_t device)
{
	struct dxgt_destroydevice dd = {.device = device};
	kmt.DestroyDevice(&dd);
}

/* ---- the loop ---- */

/* n escapes from the pool; counts failures. Not inlined, so that a
 * recorded stack names it. */
__attribute__((noinline)) static void run_calls(struct worker *w, uint64_t first, uint64_t n)
{
	struct dxgt_escape es = {
	    .adapter = adapter,
	    .device = w->device,
	    .type = ESCAPE_DRIVERPRIVATE,
	    .priv_drv_data_size = opt.payload,
	};
	kmt_fn *escape = kmt.Escape;
	uint32_t size = opt.payload;
	for (uint64_t call = first; call < first + n; call++) {
		if (size) {
			uint8_t *p = w->pool + (size_t)(call % POOL_SIZE) * size;
			stamp(p, size, call);
			es.priv_drv_data = (uint64_t)(uintptr_t)p;
		}
		int32_t st = escape(&es);
		if (st < 0 && !w->failed++)
			w->first_failure = st;
	}
}

/* The timed part, depth nested frames down. */
__attribute__((noinline)) static void nest(struct worker *w, unsigned depth)
{
	if (depth) {
		nest(w, depth - 1);
		/* Keeps the recursive call from being a tail call. */
		__asm__ volatile("" ::: "memory");
		return;
	}
	run_calls(w, 0, opt.warmup);
	pthread_barrier_wait(&start_barrier);
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	run_calls(w, opt.warmup, opt.calls);
	clock_gettime(CLOCK_MONOTONIC, &w->end);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	nest(w, opt.stack_depth);
	return NULL;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);
	if (rc >= 0)
		return rc;
	if (opt.dump_payload)
		return dump_payload();
	if (kmt_load() || open_adapter())
		return EXIT_BAD;
	if (!opt.device_per_thread && create_device(&shared_device))
		return EXIT_BAD;

	static struct worker workers[MAX_THREADS];
	rc = 0;
	pthread_barrier_init(&start_barrier, NULL, opt.threads);
	for (unsigned i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];
		w->index = i;
		w->device = shared_device;
		if (opt.device_per_thread && create_device(&w->device))
			return EXIT_BAD;
		if (opt.payload) {
			w->pool = malloc((size_t)POOL_SIZE * opt.payload);
			if (!w->pool) {
				fprintf(stderr, PROG ": out of memory\n");
				return EXIT_BAD;
			}
			for (unsigned b = 0; b < POOL_SIZE; b++)
				fill_mix(w->pool + (size_t)b * opt.payload, opt.payload,
					 (uint64_t)i * POOL_SIZE + b);
		}
	}
	/* Thread 0 runs on the main thread: with one thread, the loop is in the
	 * process's first thread, as in a simple program. */
	for (unsigned i = 1; i < opt.threads; i++) {
		int e = pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]);
		if (e) {
			fprintf(stderr, PROG ": cannot start thread %u: %s\n", i, strerror(e));
			return EXIT_BAD;
		}
	}
	worker_main(&workers[0]);
	for (unsigned i = 1; i < opt.threads; i++)
		pthread_join(workers[i].tid, NULL);

	struct timespec first = workers[0].start, last = workers[0].end;
	double thread_seconds = 0;
	uint64_t failed = 0;
	int32_t first_failure = 0;
	for (unsigned i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];
		if (seconds_between(&w->start, &first) > 0)
			first = w->start;
		if (seconds_between(&last, &w->end) > 0)
			last = w->end;
		thread_seconds += seconds_between(&w->start, &w->end);
		if (w->failed && !failed)
			first_failure = w->first_failure;
		failed += w->failed;
		if (opt.device_per_thread)
			destroy_device(w->device);
		free(w->pool);
	}
	if (!opt.device_per_thread)
		destroy_device(shared_device);
	struct dxgt_closeadapter ca = {.adapter_handle = adapter};
	kmt.CloseAdapter(&ca);

	uint64_t total = opt.calls * opt.threads;
	double wall = seconds_between(&first, &last);
	double ns_per_call = thread_seconds * 1e9 / (double)total;
	printf("{\"calls\":%" PRIu64 ",\"threads\":%u,\"payload\":%u,\"kind\":\"%s\","
	       "\"seconds\":%.9f,\"ns_per_call\":%.3f,\"calls_per_second\":%.1f,"
	       "\"payload_bytes\":%" PRIu64 ",\"failed\":%" PRIu64
	       ",\"first_failure\":\"0x%08X\"}\n",
	       total, opt.threads, opt.payload, opt.kind == KIND_SMALL ? "small" : "escape", wall,
	       ns_per_call, wall > 0 ? (double)total / wall : 0.0, total * opt.payload, failed,
	       (unsigned)first_failure);
	fflush(stdout);
	if (failed) {
		fprintf(stderr,
			PROG ": %" PRIu64 " of %" PRIu64 " calls failed, first with 0x%08X\n",
			failed, total, (unsigned)first_failure);
		rc = 1;
	}
	pthread_barrier_destroy(&start_barrier);
	/* No dlclose: the recorder may still be writing from its thread. */
	return rc;
}
