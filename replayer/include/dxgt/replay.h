/* SPDX-License-Identifier: MIT */
/*
 * The replayer: re-issues the calls of a trace, in global sequence order,
 * against a backend, and checks what comes back against the recording.
 *
 * A replay works at one layer (d3dkmt or ioctl). For each recorded call of
 * that layer it rebuilds the argument struct from the ENTER record: the
 * recorded argument bytes, every nested buffer the descriptor list names
 * rebuilt in fresh memory from its recorded input bytes (output-only
 * buffers zeroed at their recorded length) with the struct's pointer
 * fields pointed at the copies, and every handle the call uses replaced by
 * the live handle bound to it. A pointer read from the trace is never
 * dereferenced. Handles a call creates are bound when it returns (by
 * object kind; adapters also by LUID); handles a call destroys are
 * released. The live result is then compared with the LEAVE record
 * (return value, NTSTATUS, errno, output fields and output buffers, with
 * the descriptor list's volatile fields masked and handles compared
 * through the mapping).
 *
 * A Windows capture (host META os=windows, D3DKMT calls only) replays on
 * any backend: QueryAdapterInfo type 48 (QUERYREGISTRY) is sent in the
 * Linux layout and its answer compared in the Windows one (dxgt/crossos.h).
 *
 * Ownership and threads: a replay object is used by one thread; the trace
 * reader it is given stays the caller's. Errors are negative DXGT_E_*.
 */
#ifndef DXGT_REPLAY_H
#define DXGT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/calls.h"
#include "dxgt/crossos.h"
#include "dxgt/trace.h"

/* ---- backends ---- */

/* What a backend call returned. */
struct dxgt_backend_result {
	int64_t ret;	 /* ioctl: its return value; d3dkmt: the NTSTATUS sign-extended */
	int err;	 /* ioctl: errno when ret < 0, else 0 */
	uint32_t status; /* d3dkmt: the NTSTATUS */
	bool has_status;
};

/* A place calls can be sent: the in-process mock model, a real /dev/dxg,
 * or the D3DKMT functions of a libdxcore.so. */
struct dxgt_backend {
	const char *name; /* "mock", "dxg", "dxcore" */
	/* The layers it can replay: bit (1u << enum dxgt_layer). */
	unsigned layers;
	/* The layer chosen when the trace has both and none is asked for:
	 * DXGT_LAYER_NONE (0) means d3dkmt. */
	enum dxgt_layer prefer;
	/* Send one call: d the descriptor (NULL for an unknown request,
	 * which only the ioctl layer can send, by code), args the rebuilt
	 * argument struct (args_len bytes, writable, nested buffers live).
	 * Returns 0 with *res filled, or a negative DXGT_E_* when the call
	 * could not be made at all (not the call failing). */
	int (*call)(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		    uint32_t code, void *args, uint32_t args_len, struct dxgt_backend_result *res);
	/* Free the backend; NULL-safe through dxgt_backend_free. */
	void (*free)(struct dxgt_backend *b);
	void *priv;
	/* Why the last call returned a negative DXGT_E_* (one line, borrowed
	 * until the next call), or NULL when it did not. May itself be NULL. */
	const char *(*last_error)(struct dxgt_backend *b);
	/* The PCI vendor and device id of the live adapter with this LUID,
	 * when the backend knows them without sending anything (the mock
	 * does, from its profile). Returns 0, or -1 when unknown. May be
	 * NULL: adapters whose LUID changed then map by position only. */
	int (*adapter_ids)(struct dxgt_backend *b, uint64_t luid, uint32_t *vendor,
			   uint32_t *device);
};

/* The mock backend: a model of profile p (borrowed; must outlive the
 * backend). Replays both layers: d3dkmt calls are translated to ioctls as
 * libdxcore does (dxgt_mock_kmt). */
struct dxgt_profile;
int dxgt_backend_mock_new(struct dxgt_backend **out, const struct dxgt_profile *p);
/* The dxg backend: ioctls on the device at path (NULL: /dev/dxg). D3DKMT
 * calls go as the ioctls libdxcore would issue (dxgt_mock_kmt_with); the
 * ioctl layer is preferred. */
int dxgt_backend_dxg_new(struct dxgt_backend **out, const char *path, char *err, size_t errlen);
/* The dxcore backend: the D3DKMT functions of the libdxcore.so at path
 * (NULL: libdxcore.so, then /usr/lib/wsl/lib/libdxcore.so). */
int dxgt_backend_dxcore_new(struct dxgt_backend **out, const char *path, char *err, size_t errlen);
void dxgt_backend_free(struct dxgt_backend *b);

/* ---- from-trace profiles ---- */

/* A profile that makes the mock answer as the host of a recording did:
 * its adapters from the enumeration and adapter queries the trace holds,
 * canned answers (QueryAdapterInfo types, registry reads, escape replies
 * matched on their payload) from the LEAVE records, and the recorded
 * failures as faults. Reads the trace at path; on success *json is the
 * profile's JSON text (owned, free()). err gets one line on failure. */
int dxgt_profile_from_trace(const char *path, char **json, char *err, size_t errlen);

/* ---- replay ---- */

struct dxgt_replay_opts {
	enum dxgt_layer layer; /* DXGT_LAYER_NONE: the highest the trace and backend share */
	uint64_t first, last;  /* sequence range of calls to replay; 0 = open */
	bool escapes_only;     /* replay only calls flagged DXGT_CF_ESCAPE (and what they need:
				  the calls that create the handles they use) */
	uint64_t stop_at;      /* stop after the call with this sequence number; 0 = none */
	bool verify;	       /* compare with the recording */
	const char *output;    /* record the replay as a trace here; NULL = none */
	FILE *log;	       /* mismatches and the adapter mapping, one line each; NULL = none */
	unsigned max_reports;  /* mismatch lines at most (0 = 100); all are counted */
	/* The system whose answers the backend gives: DXGT_OS_WINDOWS for a
	 * mock profile synthesised from a Windows capture; anything else (0)
	 * a WSL2 guest, as the mock, /dev/dxg and libdxcore.so are. When it
	 * and the trace's host differ, answers that differ only where the
	 * host and the guest differ by design (dxgt_hostdiff_mask) are noted,
	 * not counted as mismatches. */
	enum dxgt_os host_os;
	bool host_differences; /* count those as mismatches too */
};

struct dxgt_replay_stats {
	uint64_t calls;		     /* calls replayed */
	uint64_t skipped;	     /* calls of the trace not replayed (other layer, range, ...) */
	uint64_t mismatches;	     /* calls whose result differs from the recording */
	uint64_t first_mismatch_seq; /* recorded seq of the first, 0 if none */
	uint64_t unmapped;	     /* handles the trace uses that no replayed call created */
	uint64_t host_differences;   /* calls that differed only by design (host/guest), noted */
	enum dxgt_os trace_os;	     /* the replayed trace's host META os */
};

/* The system the trace at path was made on, from its host META record
 * (DXGT_OS_UNKNOWN when it has none, or the file cannot be read: the
 * replay itself then says why). Reads records up to the first call. */
enum dxgt_os dxgt_replay_trace_os(const char *path);

/* Replay the trace at path against backend b (borrowed). progress, when
 * not NULL, is called now and then with the bytes read so far and the
 * file size. Returns 0 (see stats for mismatches) or a negative DXGT_E_*
 * with one line in err: an unreadable trace, a newer format, a layer the
 * backend cannot replay, a failure to write the output. */
int dxgt_replay_run(const char *path, struct dxgt_backend *b, const struct dxgt_replay_opts *o,
		    struct dxgt_replay_stats *stats,
		    void (*progress)(uint64_t done, uint64_t total), char *err, size_t errlen);

#endif /* DXGT_REPLAY_H */
