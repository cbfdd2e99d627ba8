/* SPDX-License-Identifier: MIT */
/*
 * What the two probe examples share: their options, the synthetic escape
 * payloads, symbolic handle names and the tally that decides the exit
 * status. npu-probe and dxg-probe run the Intel NPU field report's call
 * sequence (the user-mode driver's four registration escapes, then the
 * report's empty escape), one through libdxcore's D3DKMT functions and one
 * straight on /dev/dxg; everything here is the part that does not depend on
 * the layer.
 *
 * igpu-probe, the Intel Arc report's GPU start-up sequence, shares the
 * options (without --known: it sends no escapes), the library loader, the
 * symbolic handles and the tally; its --help describes its own sequence
 * (probe_info.sequence).
 *
 * The probes print handles as symbols (A1, D1, C1: kind letter and order of
 * appearance, as `dxgtrace dump` does) and never their raw values, so that
 * their output is the same from run to run and can be compared with an
 * expected file.
 */
#ifndef DXGT_PROBE_COMMON_H
#define DXGT_PROBE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgt/uapi.h"

/* Exit statuses, the same for both probes. */
#define PROBE_EXIT_OK 0		 /* every call succeeded */
#define PROBE_EXIT_FAILED 1	 /* some call failed (the field report's outcome) */
#define PROBE_EXIT_UNAVAILABLE 2 /* the interface could not be reached, or a bad option */

/* D3DKMT_ENUMADAPTERS_FILTER bit 0: list compute-only adapters as well. */
#define PROBE_FILTER_COMPUTE_ONLY 0x1u
/* Escape type 0: D3DKMT_ESCAPE_DRIVERPRIVATE. */
#define PROBE_ESCAPE_DRIVERPRIVATE 0u
/* Escape flags bit 6: driver_known_escape (what a secure VM lets through). */
#define PROBE_ESCAPE_DRIVER_KNOWN 0x40u

/* The user-mode driver's process registration: the report says the NPU UMD
 * issues four driver-private escapes before its first CreateContextVirtual.
 * These are their payload sizes, in the order sent. 568 bytes is the size of
 * the init escape the reporter captured on Windows; the report gives no
 * other size, so 64, 24 and 40 are made up. The payloads are synthetic
 * (probe_payload()). */
#define PROBE_N_REGISTRATION_ESCAPES 4
extern const uint32_t probe_registration_sizes[PROBE_N_REGISTRATION_ESCAPES];
/* After registration, the report's own check: one escape with an empty
 * payload. On the reporter's host it succeeds while every non-empty escape
 * fails, which shows that the escape channel itself works. */
#define PROBE_CHECK_ESCAPE_SIZE 0u
/* Bytes of private data handed to CreateContextVirtual. */
#define PROBE_CONTEXT_DATA_SIZE 16u
/* Largest payload the probes build: the largest registration escape. */
#define PROBE_PAYLOAD_MAX 568u

struct probe_opts {
	const char *library; /* npu-probe --library; NULL: the default search */
	struct dxgt_luid luid;
	bool have_luid; /* --luid given: open that adapter, not the first listed */
	bool quiet;	/* only the summary line */
	bool known;	/* --known: flag every escape driver_known_escape */
};

/* What one program tells the option parser about itself. */
struct probe_info {
	const char *prog;	/* "npu-probe" */
	const char *what;	/* one sentence for --help */
	bool takes_library;	/* accepts --library PATH */
	const char *extra_help; /* more --help lines, or NULL */
	/* --help's paragraph on the call sequence; NULL: the NPU report's. */
	const char *sequence;
	bool no_escapes; /* makes no escapes: no --known option */
};

/* Parses argv into *o. Returns -1 when the program should go on, else the
 * exit status to end with: 0 after --help or --version, PROBE_EXIT_UNAVAILABLE
 * after a usage error (with a message on stderr). */
int probe_parse_args(struct probe_opts *o, const struct probe_info *info, int argc, char **argv);

/* dlopen()s the D3DKMT library as a user-mode driver does: library when
 * given, else libdxcore.so through the loader's search path and then
 * PROBE_WSL_LIBDXCORE. On failure prints what was tried and why, as
 * "PROG: ...", and returns NULL. The handle is the caller's (dlclose). */
#define PROBE_WSL_LIBDXCORE "/usr/lib/wsl/lib/libdxcore.so"
void *probe_library_open(const struct probe_info *info, const char *library);
/* One function a probe resolves: its symbol, and where in the caller's
 * table of function pointers its address goes. */
struct probe_symbol {
	const char *name;
	size_t off;
};
/* probe_library_open(), then dlsym() of each of the n symbols, storing each
 * address at (char *)table + off (POSIX guarantees that a data pointer from
 * dlsym converts to a function pointer). Returns the handle (the caller's:
 * dlclose), or NULL after a message naming what is missing ("PROG: LIBNAME
 * has no symbol NAME"). */
void *probe_library_load(const struct probe_info *info, const char *library,
			 const struct probe_symbol *syms, size_t n, void *table);
/* "0xC0000023 STATUS_BUFFER_TOO_SMALL" (the value alone when it has no
 * name) into buf; returns buf. */
const char *probe_nt_text(int32_t status, char *buf, size_t len);

/* Fills buf[0..len) with the deterministic synthetic payload for an escape
 * of that size. The bytes are made up: a tag ("DXGTPROBE"), the size, then
 * a counter pattern. They are not Intel's escape protocol, which is
 * undocumented; the report found that the content does not matter. */
void probe_payload(uint8_t *buf, uint32_t len);

/* Symbolic names for handles, "A1", "D1", "C1", in order of appearance. */
struct probe_handles {
	struct {
		uint32_t raw;
		char name[12];
	} e[64];
	size_t n;
	unsigned next[26]; /* per letter: the last number given */
};

/* Names a handle the program has just received (kind letter 'A'..'Z'); a raw
 * value seen before is named again, since the host may reuse a slot.
 * Returns the name, borrowed from t until t goes away; "?" when t is full. */
const char *probe_handle_bind(struct probe_handles *t, char letter, uint32_t raw);
/* The name bound to raw: "0" for 0, "?" for a handle never bound.
 * Borrowed from t. */
const char *probe_handle_name(const struct probe_handles *t, uint32_t raw);

/* Prints "HIGH:LOW" (0x%08x:0x%08x, the high part first, as dxgtrace does)
 * into buf (at least 24 bytes). */
void probe_luid_format(const struct dxgt_luid *l, char *buf, size_t len);

/* Counts calls and failures. */
struct probe_tally {
	unsigned calls;	    /* calls made */
	unsigned failed;    /* failed calls, and failures found between calls */
	char failures[256]; /* the failed calls' labels, for the summary */
};

/* Prints one line (a printf format, no newline) unless quiet. */
void probe_say(const struct probe_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Counts one call; label names it in the summary if it failed. */
void probe_count(struct probe_tally *t, bool ok, const char *label);
/* Counts a failure that is not a call's ("no adapter to open"). */
void probe_fail(struct probe_tally *t, const char *label);
/* Prints the summary line and returns the exit status: 0 if nothing failed,
 * else PROBE_EXIT_FAILED. */
int probe_finish(const struct probe_info *info, const struct probe_tally *t);

/* One D3DKMT call's line, "NAME(ARGS) = STATUS[; OUT]" (OUT only on
 * success), counted; returns whether st is NT_SUCCESS. */
bool probe_report_nt(const struct probe_opts *o, struct probe_tally *t, const char *call,
		     int32_t st, const char *out);

/* The adapters EnumAdapters3 listed. A probe makes the two calls a user-mode
 * driver makes, through its own interface (D3DKMT or the ioctl): the count,
 * then the list; these keep what they found. */
struct probe_adapters {
	struct dxgt_adapterinfo listed[16];
	uint32_t n_listed;
	bool enumerated; /* the enumeration calls succeeded */
};
/* After the count call succeeded: points e at the cleared list, with room
 * for the count (at most 16), and returns that room; 0 when nothing is
 * listed, and the enumeration is then complete. */
uint32_t probe_adapters_room(struct probe_adapters *a, struct dxgt_enumadapters3 *e);
/* After the list call succeeded: keeps what it wrote and prints one line per
 * adapter, naming its handle. A count above the room means the list grew in
 * between and no entries were written: nothing listed is kept then. */
void probe_adapters_listed(struct probe_adapters *a, const struct dxgt_enumadapters3 *e,
			   uint32_t room, struct probe_handles *h, const struct probe_opts *o);
/* The LUID to open: --luid, else the first adapter listed. Without either,
 * says so, counts a failure if the enumeration succeeded (a failed one is
 * counted already) and returns false. */
bool probe_adapters_pick(const struct probe_adapters *a, const struct probe_opts *o,
			 struct probe_tally *t, struct dxgt_luid *luid);

#endif /* DXGT_PROBE_COMMON_H */
