/* SPDX-License-Identifier: MIT */
/*
 * Trace comparison: what `dxgtrace diff` computes. Two traces are read into
 * one view each (the D3DKMT layer where recorded, ioctls decoded in D3DKMT
 * terms otherwise), every call reduced to a compact item: its call, a hash
 * of its normalised inputs (handles by symbolic name, adapter LUIDs by
 * order of appearance, volatile and pointer fields masked), its result and
 * a hash of what it changed. The two item sequences are aligned (Myers'
 * O(ND) shortest edit script within a bound, a windowed greedy alignment
 * past it), then aligned calls are compared and the differences classified
 * (docs/diff.md). Only the first divergence is read again in full, to show
 * which bytes differ.
 *
 * Memory: 40 bytes per call of each view, plus the divergence list. No
 * recorded pointer is ever followed.
 *
 * Ownership: a struct dxgt_diff is owned by the caller of dxgt_diff_run()
 * and freed with dxgt_diff_free(); strings and entries it hands out are
 * borrowed from it. Thread safety: dxgt_diff_run() reads the two traces on
 * two threads internally; a finished struct dxgt_diff may be read from
 * several threads at once, never modified.
 */
#ifndef DXGT_DIFF_H
#define DXGT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/calls.h"
#include "dxgt/trace.h"

/* What can differ between two aligned calls, or about one call. A
 * divergence has one or more of these bits. */
#define DXGT_DIFF_KINDS(X)                                                                         \
	X(STATUS, 0x01, "status")	/* the result (NTSTATUS, errno, return value) */           \
	X(INPUT, 0x02, "input")		/* the same call with other arguments or payload */        \
	X(OUTPUT, 0x04, "output")	/* what the call wrote back (fields, buffers) */           \
	X(MISSING, 0x08, "missing")	/* in A, not in B */                                       \
	X(EXTRA, 0x10, "extra")		/* in B, not in A */                                       \
	X(REORDERED, 0x20, "reordered") /* in both, at another place in the sequence */

enum dxgt_diff_kind {
#define DXGT__DIFF_ENUM(name, bit, text) DXGT_DIFF_##name = (bit),
	DXGT_DIFF_KINDS(DXGT__DIFF_ENUM)
#undef DXGT__DIFF_ENUM
};

/* "status", ...; NULL for anything but one known bit. */
const char *dxgt_diff_kind_name(unsigned kind);

struct dxgt_diff_opts {
	/* DXGT_LAYER_NONE: each trace's D3DKMT calls where it has them (with
	 * the ioctls no D3DKMT call issued), else its ioctls. DXGT_LAYER_D3DKMT
	 * or DXGT_LAYER_IOCTL: that layer of both traces (an error if one has
	 * no call there). */
	enum dxgt_layer layer;
	/* false: the headline divergence is the first divergent escape, when
	 * one is; true: the first divergent call. Either way every divergence
	 * is counted and listed. */
	bool all;
	/* Bytes shown either side of the first differing byte, in whole rows
	 * of 16 (0: the row holding it; the CLI's default is 16). */
	unsigned context;
	/* Called now and then from the calling thread with the bytes read so
	 * far of both traces and their total size; may be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* Comparing a Windows capture with a trace recorded elsewhere (the
	 * host META records say), the answers the WSL2 guest rewrites by design
	 * (dxgt/crossos.h) are blanked and only noted; true counts them as
	 * divergences. */
	bool host_differences;
};

struct dxgt_diff;

/* Compare the traces at path_a and path_b. On success returns 0 and *out
 * (owned, free with dxgt_diff_free()); a trace cut short or damaged part
 * way is compared up to where it stops (see dxgt_diff_read_state()).
 * Errors: a reader's open error (DXGT_E_NOTFOUND, DXGT_E_MAGIC, ...; err
 * names the file), DXGT_E_INVAL with err set when a forced layer has no
 * call in a trace, DXGT_E_NOMEM, DXGT_E_IO. err gets one line (errlen
 * bytes) on failure. */
int dxgt_diff_run(struct dxgt_diff **out, const char *path_a, const char *path_b,
		  const struct dxgt_diff_opts *o, char *err, size_t errlen);
void dxgt_diff_free(struct dxgt_diff *d);

/* How reading trace `side` (0 A, 1 B) ended: complete, cut short or
 * damaged (stop_error). Borrowed from d. */
const struct dxgt_read_state *dxgt_diff_read_state(const struct dxgt_diff *d, int side);
/* Calls in the view of trace `side`. */
uint64_t dxgt_diff_calls(const struct dxgt_diff *d, int side);

/* Whether anything differs. */
bool dxgt_diff_divergent(const struct dxgt_diff *d);

/* One divergence, as listed. */
struct dxgt_diff_entry {
	unsigned kinds;	       /* DXGT_DIFF_* bits */
	uint64_t seq_a, seq_b; /* the call in each trace; 0 where it has none */
	uint64_t after_a;      /* EXTRA: the seq in A it would follow (0: the start) */
	uint64_t after_b;      /* MISSING: the seq in B it would follow (0: the start) */
	uint16_t call_id;      /* A's call, else B's */
	bool escape;	       /* a call flagged DXGT_CF_ESCAPE */
	const char *name;      /* "D3DKMTEscape", "LX_DXESCAPE": static */
	char result_a[80];     /* "0 STATUS_SUCCESS", "0xC0000023 STATUS_BUFFER_TOO_SMALL /
				    -1 EOVERFLOW", "-1 EOVERFLOW"; "" with no call */
	char result_b[80];
	uint32_t in_a, in_b;   /* input payload bytes (nested buffers, by their length rule) */
	uint32_t out_a, out_b; /* output payload bytes */
};

/* Number of divergences (all of them; none is dropped). */
/* Whether one trace is a Windows capture and the other is not; then
 * adapters are matched by PCI ids and QUERYREGISTRY compared in one layout
 * (docs/cross-os.md). The operating system of side 0 (A) or 1 (B), as an
 * enum dxgt_os. */
bool dxgt_diff_cross_os(const struct dxgt_diff *d);
int dxgt_diff_os(const struct dxgt_diff *d, int side);
/* Pairs of calls whose outputs differed only where host and guest differ
 * by design, and were not counted: the i-th, with its DXGT_HOSTDIFF_ bits.
 * Returns DXGT_E_INVAL past the end. */
size_t dxgt_diff_hostdiff_count(const struct dxgt_diff *d);
int dxgt_diff_hostdiff_get(const struct dxgt_diff *d, size_t i, uint64_t *seq_a, uint64_t *seq_b,
			   unsigned *rule);

size_t dxgt_diff_count(const struct dxgt_diff *d);
/* Divergence i (in alignment order) into *e; DXGT_E_INVAL past the end. */
int dxgt_diff_get(const struct dxgt_diff *d, size_t i, struct dxgt_diff_entry *e);
/* The index of the headline divergence (see opts.all), or -1 if none. */
long dxgt_diff_first(const struct dxgt_diff *d);

/* Output. Each returns 0 or DXGT_E_IO / DXGT_E_NOMEM. max caps the list
 * (0: 50 for text, 1000 for JSON and JUnit); the counts always cover
 * everything. The formats are docs/diff.md's. */
int dxgt_diff_print(FILE *f, const struct dxgt_diff *d, size_t max);
int dxgt_diff_print_json(FILE *f, const struct dxgt_diff *d, size_t max);
int dxgt_diff_print_junit(FILE *f, const struct dxgt_diff *d, size_t max);

#endif /* DXGT_DIFF_H */
