/* SPDX-License-Identifier: MIT */
/*
 * Internals of libdxgtrace.so, the LD_PRELOAD recorder.
 *
 * The pieces:
 *   rec_config.c  the configuration, read once from DXGTRACE_* variables
 *   rec_core.c    lifecycle: lazy start (the trace file is created at the
 *                 first recorded call), per-thread buffers, the background
 *                 writer, fork, exec, exit, fatal signals, fail-stop
 *   rec_emit.c    ENTER and LEAVE records from the descriptor list: the
 *                 argument struct and its nested buffers copied with
 *                 process_vm_readv (a bad pointer is recorded as unreadable,
 *                 never followed), backtraces with libunwind
 *   rec_meta.c    META records: process, host, memory maps with build ids
 *   rec_fd.c      the libc interposers: open family, dup family, fcntl,
 *                 close, ioctl; GOT patching of objects loaded with
 *                 RTLD_DEEPBIND so that their ioctls reach the hook
 *   rec_kmt.c     the exported D3DKMT functions (generated) and the dlsym
 *                 router that hands wrappers to dlsym(handle, "D3DKMT...")
 *   rec_dxcore.c  DXCoreCreateAdapterFactory and the proxies that wrap the
 *                 vtables of the objects it hands out
 *
 * Rules for everything here: a hook preserves errno as the real function
 * leaves it; nothing recorded changes what the caller sees; an internal
 * failure calls dxgt__rec_fail() (one line on stderr, recording stops, the
 * application carries on); hidden visibility except the interposed symbols.
 */
#ifndef DXGT_REC_INTERNAL_H
#define DXGT_REC_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgt/calls.h"
#include "dxgt/trace.h"

#define REC_EXPORT __attribute__((visibility("default")))
#define REC_TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- configuration (rec_config.c) ---- */

enum rec_bt { REC_BT_OFF = 0, REC_BT_ESCAPES = 1, REC_BT_ALL = 2 };

struct rec_config {
	char output[4096];    /* DXGTRACE_OUTPUT pattern, made absolute at load */
	enum rec_bt bt;	      /* DXGTRACE_BACKTRACE mode */
	unsigned bt_depth;    /* ... and depth, 1..256 */
	uint32_t max_payload; /* DXGTRACE_MAX_PAYLOAD: bytes kept per nested buffer */
	bool follow_forks;    /* DXGTRACE_FOLLOW has forks */
	bool follow_exec;     /* DXGTRACE_FOLLOW has exec */
	unsigned layers;      /* DXGTRACE_LAYERS: bit (1u << enum dxgt_layer) per layer */
	char device[4096];    /* DXGTRACE_DEVICE: the path treated as /dev/dxg */
	int log_fd;	      /* debug log: -1 off, else the descriptor (DXGTRACE_DEBUG/LOG) */
	uint64_t buffer_cap;  /* DXGTRACE_BUFFER: bytes of records held in memory */
	bool drop;	      /* DXGTRACE_ON_FULL=drop */
	bool always;	      /* DXGTRACE_ALWAYS: create the file even with no dxg call */
	int discard;	      /* DXGTRACE_DISCARD (measurement): REC_DISCARD_* */
	int level;	      /* DXGTRACE_LEVEL: zstd level */
	char report[4096];    /* DXGTRACE_REPORT: file the recorder appends its outputs to */
	bool disabled;	      /* DXGTRACE_DISABLE, or this process is not followed */
	char bad[256];	      /* a configuration error, reported once at start */
};

/* Read the environment into the configuration once (the library's
 * constructor calls it; later calls do nothing). Never allocates. */
void dxgt__config_load(void);
extern struct rec_config dxgt__cfg;
/* Expand the output pattern for this process: %p pid, %e executable
 * basename, %t start time (unix seconds), %% a percent sign. A process
 * that is not the first recorded one (a followed child) gets ".<pid>"
 * appended when the pattern has no %p. Returns 0 or -1 (too long). */
int dxgt__config_output_path(char *out, size_t len, bool child);
/* Layer l is recorded. */
static inline bool dxgt__layer_on(enum dxgt_layer l)
{
	return (dxgt__cfg.layers >> (unsigned)l) & 1u;
}

/* ---- debug log and failure ---- */

/* One line "dxgtrace[<pid>]: <text>" to the debug log when it is on.
 * Async-signal-safe (formats into a stack buffer); preserves errno. */
void dxgt__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr whatever the debug setting. Preserves errno. */
void dxgt__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An internal failure: says "dxgtrace: recording stopped: <why>" once on
 * stderr, stops recording (every hook passes through from now on) and
 * keeps what was captured. Preserves errno. */
void dxgt__rec_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- calls (rec_core.c, rec_emit.c) ---- */

/* One call in flight on this thread, on the caller's stack. */
/* DXGTRACE_DISCARD, for measuring where the recorder's time goes. */
enum {
	REC_DISCARD_NONE,
	REC_DISCARD_BUILT,  /* 1: each record is built, then dropped at once */
	REC_DISCARD_WRITER, /* writer: handed to the writer thread, which drops it unread */
};

struct rec_call {
	uint64_t seq;			   /* 0: not recorded; the hook just calls through */
	uint64_t saved;			   /* the thread's parent before this call */
	bool saved_stack;		   /* whether that parent had a stack */
	const struct dxgt_call_desc *desc; /* NULL for unknown requests */
	uint8_t layer;			   /* enum dxgt_layer */
	uint16_t call_id;		   /* the descriptor id, or DXGT_CALL_UNKNOWN */
	const void *args;		   /* the argument struct in the caller's memory */
	uint32_t args_len;		   /* its size */
	int saved_errno;
	bool dropped; /* ENTER dropped (drop policy): LEAVE only restores the parent */
};

/* Start recording a call: allocates its sequence number, writes ENTER
 * (the argument struct, the input side of its nested buffers as the
 * descriptor list says, a backtrace when configured) and makes the call
 * the parent of calls this thread makes until dxgt__rec_leave. Returns
 * false when the call is not recorded (recording off or failed, the
 * layer not selected, this thread already inside the recorder); the
 * caller then only calls through. code, fd and object are the ENTER
 * fields of the same names. args may be any pointer: it is read with
 * process_vm_readv and an unreadable struct is recorded as such.
 * Preserves errno. */
bool dxgt__rec_enter(struct rec_call *c, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		     uint16_t call_id, uint32_t code, int fd, uint64_t object, const void *args,
		     uint32_t args_len);
/* (A call whose ENTER the drop policy dropped still counts as begun: its
 * sequence number stays the parent of the calls it makes, so that their
 * records do not look like calls the application made directly, and
 * dxgt__rec_leave only restores the parent.) */
/* Finish a call begun by a successful dxgt__rec_enter: writes LEAVE with
 * the argument struct and the output side of the nested buffers as they
 * are now, ret, err (errno after the call, 0 when it succeeded) and the
 * NTSTATUS when has_status. Restores the thread's parent. Sets errno back
 * to the value it had on entry to this function. */
void dxgt__rec_leave(struct rec_call *c, int64_t ret, int err, bool has_status, uint32_t status);

/* A META record now. fields borrowed for the call. Returns 0 or -1 (not
 * recording). */
int dxgt__rec_meta(enum dxgt_meta_kind kind, const struct dxgt_meta_field *fields, unsigned n);

/* A pointer to room for len bytes in this thread's buffer, to build a
 * record in place, or NULL (recording stopped, or no memory under the drop
 * policy: the caller counts the record dropped). Commit it with
 * dxgt__rec_commit(len_used). */
uint8_t *dxgt__rec_reserve(size_t len);
/* Write rec to the file now, under the writer's lock, bypassing the thread
 * buffers (DXGTRACE_DISCARD=writer keeps its metadata this way). 0 or -1. */
int dxgt__rec_write_direct(const struct dxgt_record *rec);
void dxgt__rec_commit(size_t len);
/* The free room of this thread's current buffer (*avail bytes at the
 * pointer returned), to encode a record in place without knowing its size
 * first; NULL and 0 when there is no current buffer or recording is not
 * on. Commit what was used with dxgt__rec_commit. */
uint8_t *dxgt__rec_space(size_t *avail);

/* Recording is on for this process and has not failed. Cheap. */
bool dxgt__rec_active(void);
/* Make sure recording has started (the trace file exists): called by the
 * hooks on the first dxg activity. Returns false when it cannot. */
bool dxgt__rec_start(void);
/* The thread's recursion guard: true while the recorder itself runs on
 * this thread (its own opens, mallocs and writes are not recorded). */
bool dxgt__rec_busy(void);
void dxgt__rec_set_busy(bool on);

/* Calls recorded so far (ENTER records written). */
uint64_t dxgt__rec_calls(void);
/* The next sequence number (counted as a call). */
uint64_t dxgt__rec_next_seq(void);
/* The innermost D3DKMT or DXCore call in flight on this thread, or 0. */
uint64_t dxgt__rec_parent(void);
void dxgt__rec_set_parent(uint64_t seq);
/* A record was dropped under the drop policy (enter: it was an ENTER). */
void dxgt__rec_note_drop(bool enter);
/* Finish the trace file before the process image is replaced; if the exec
 * fails, the next call starts a new file. */
void dxgt__rec_before_exec(void);
/* Finish the trace file before _exit. */
void dxgt__rec_before_exit(void);

/* ---- metadata (rec_meta.c) ---- */

/* The process, host and memory-map META records, written when the trace
 * is created. */
void dxgt__meta_start(void);
/* Memory maps not yet written to the current file (at the start every
 * object; at the end of recording the libraries loaded since). */
void dxgt__meta_maps(void);
/* Forget what was written: the next dxgt__meta_maps lists every object
 * again (a new file, such as a followed child's). */
void dxgt__meta_forget_maps(void);
/* Path and GNU build id of the libdxcore.so loaded in this process, if
 * any: fills path (len bytes) and id (up to 20 bytes, *id_len set).
 * Returns 0 or -1. */
int dxgt__meta_dxcore(char *path, size_t len, uint8_t *id, size_t *id_len);

/* ---- the ioctl layer (rec_fd.c) ---- */

/* The next definition of a libc function after this library, resolved
 * once into *slot (dlsym RTLD_NEXT). NULL if none. Preserves errno. */
void *dxgt__real(void **slot, const char *name);
/* fd is a /dev/dxg descriptor we know of (marked or classified now). */
bool dxgt__fd_is_dxg(int fd);
/* Point the GOT entries of the object holding addr for the libc functions
 * this library hooks (ioctl, open family, close, dup family, fcntl) at the
 * hooks, when they bypass them (an object loaded with RTLD_DEEPBIND binds
 * to libc directly). Each object is patched once. */
void dxgt__patch_object_of(const void *addr);

/* ---- the D3DKMT and DXCore layers (rec_kmt.c, rec_dxcore.c) ---- */

/* Every exported D3DKMT function of this library (generated): call id of
 * the descriptor list, args the caller's struct. Records the call and calls
 * the real function; returns its NTSTATUS. */
int32_t dxgt__kmt_call(unsigned id, void *args);
/* The wrapper for a D3DKMT or DXCore export name, given the real function
 * dlsym found; NULL when name is not one we wrap. */
void *dxgt__kmt_wrap(const char *name, void *real);
/* DXCoreCreateAdapterFactory through the real one (real): records the call
 * and hands back a proxy of the object, whose methods are recorded. */
int32_t dxgt__dxcore_create_factory(void *real, const void *riid, void **ppv);
/* The real dlsym (not interposed), resolved once. */
void *dxgt__real_dlsym(void);

/* From the SIGSEGV/SIGBUS handler, with its siginfo and ucontext: if this
 * thread faulted inside a guarded copy of the caller's memory (rec_emit.c),
 * abandon the copy: either the context is pointed at the copy's failure
 * exit and true is returned (the handler then returns at once), or (where
 * there is no such routine) it does not return. Otherwise returns false. */
bool dxgt__copy_fault(const siginfo_t *si, void *ucontext);

/* ---- time ---- */
uint64_t dxgt__now_ns(void);
uint32_t dxgt__gettid(void);

#endif /* DXGT_REC_INTERNAL_H */
