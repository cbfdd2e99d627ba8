/* SPDX-License-Identifier: MIT */
/*
 * The record model and the trace file: writer, streaming reader, and the
 * call pairer that joins each call's enter and leave records.
 *
 * A call is two records: ENTER (inputs, written before the real call) and
 * LEAVE (outputs and result, after it). Both carry the call's global
 * sequence number. META records describe the process, host, adapters,
 * memory maps, capture options and dropped counts. docs/trace-format.md is
 * the normative description of the bytes.
 *
 * Ownership: a struct dxgt_record handed out by the reader or the pairer is
 * a borrowed view, valid until the next call on the same object. Records
 * handed to the writer are copied. Thread safety: a reader, writer or pairer
 * is used by one thread at a time; distinct objects are independent.
 */
#ifndef DXGT_TRACE_H
#define DXGT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgt/calls.h"

#define DXGT_FORMAT_MAJOR 1
#define DXGT_FORMAT_MINOR 0

enum dxgt_rec_type {
	DXGT_REC_ENTER = 1,
	DXGT_REC_LEAVE = 2,
	DXGT_REC_META = 3,
};

#define DXGT_META_KINDS(X)                                                                         \
	X(PROCESS, 1, "process")                                                                   \
	X(HOST, 2, "host")                                                                         \
	X(ADAPTER, 3, "adapter")                                                                   \
	X(MMAP, 4, "mmap")                                                                         \
	X(OPTIONS, 5, "options")                                                                   \
	X(DROPPED, 6, "dropped")                                                                   \
	X(NOTE, 7, "note")

enum dxgt_meta_kind {
#define DXGT__META_ENUM(name, num, text) DXGT_META_##name = (num),
	DXGT_META_KINDS(DXGT__META_ENUM)
#undef DXGT__META_ENUM
};
/* "process", ...; "meta-<n>" style names are not returned: NULL if unknown. */
const char *dxgt_meta_kind_name(unsigned kind);

enum dxgt_value_type {
	DXGT_VAL_U64 = 1,
	DXGT_VAL_STR = 2,
	DXGT_VAL_BYTES = 3,
	DXGT_VAL_I64 = 4,
};

struct dxgt_meta_field {
	const char *key;     /* NUL-terminated */
	uint8_t type;	     /* enum dxgt_value_type */
	uint64_t u64;	     /* U64 and I64 (as two's complement) */
	const uint8_t *data; /* STR (NUL-terminated by the reader) and BYTES */
	uint32_t len;	     /* STR and BYTES: bytes, excluding the terminator */
};

/* Buffer flags. */
#define DXGT_BUF_TRUNCATED 0x1u	 /* stored fewer bytes than the length rule gave */
#define DXGT_BUF_UNREADABLE 0x2u /* the pointer could not be read: nothing stored */

#define DXGT_BUF_NODESC 0xffffu /* a buffer no descriptor names */

/* A nested buffer copied with a record. */
struct dxgt_rec_buf {
	uint16_t desc;	   /* index into the call's bufs (level 0) or the element's (level 1) */
	uint16_t parent;   /* level 1: desc of the level-0 buffer holding the element */
	uint8_t level;	   /* 0 or 1 */
	uint8_t flags;	   /* DXGT_BUF_* */
	uint32_t elem;	   /* level 1: element index in the parent array */
	uint32_t orig_len; /* length by the rule */
	uint32_t len;	   /* bytes stored */
	uint64_t addr;	   /* the pointer as recorded; for display only, never dereferenced */
	const uint8_t *data;
};

/* Leave flags. */
#define DXGT_LEAVE_STATUS 0x1u /* status holds an NTSTATUS */

struct dxgt_record {
	uint16_t type;	/* enum dxgt_rec_type, or an unknown type (see raw) */
	uint16_t flags; /* per type; LEAVE: DXGT_LEAVE_* */

	/* ENTER and LEAVE */
	uint64_t seq;	     /* global call sequence number, from 1 */
	uint64_t time_ns;    /* CLOCK_MONOTONIC */
	uint64_t parent_seq; /* ENTER: the D3DKMT call that caused this one, or 0 */
	uint32_t tid;
	uint8_t layer;	  /* enum dxgt_layer */
	uint16_t call_id; /* descriptor id, or DXGT_CALL_UNKNOWN */
	uint32_t code;	  /* ENTER, ioctl layer: the request; DXCore: the method slot */
	int32_t fd;	  /* ENTER, ioctl layer: the descriptor; else -1 */
	uint64_t object;  /* ENTER, DXCore: the object's address, for display only */
	int64_t ret;	  /* LEAVE: return value (ioctl int, NTSTATUS or HRESULT widened) */
	int32_t err;	  /* LEAVE: errno after the call (0 when it succeeded) */
	uint32_t status;  /* LEAVE: NTSTATUS when flags has DXGT_LEAVE_STATUS */
	const uint8_t *args;
	uint32_t args_len;
	const struct dxgt_rec_buf *bufs;
	uint16_t n_bufs;
	const uint64_t *frames; /* ENTER: return addresses, innermost first */
	uint16_t n_frames;

	/* META */
	uint16_t meta_kind;
	const struct dxgt_meta_field *fields;
	uint16_t n_fields;

	/* Every record: its encoded bytes (header included). */
	const uint8_t *raw;
	uint32_t raw_len;
};

/* Limits a reader enforces and a writer respects. */
#define DXGT_MAX_CHUNK_RAW (64u << 20)
#define DXGT_MAX_RECORD (DXGT_MAX_CHUNK_RAW)
#define DXGT_MAX_BUFS 4096u
#define DXGT_MAX_FRAMES 256u
#define DXGT_MAX_FIELDS 1024u

/* ---- encoding ---- */

/* Encode rec into buf (cap bytes). Stores the encoded size in *needed and
 * returns 0; returns DXGT_E_TOOBIG with *needed set when cap is too small
 * (call again with a larger buffer), DXGT_E_INVAL for an unknown type or
 * counts over the limits. Async-signal-safe; does not allocate. */
int dxgt_record_encode(const struct dxgt_record *rec, uint8_t *buf, size_t cap, size_t *needed);

/* Building an ENTER or LEAVE record in place, for a writer that copies
 * the argument image and the buffers straight to where they belong (the
 * recorder). The layout is dxgt_record_encode's: the header and fixed part
 * (dxgt_record_fixed_size(type) bytes), the argument image, each buffer as
 * a DXGT_RECORD_BUF_HDR-byte header (dxgt_record_put_buf_hdr; its data
 * pointer is not used) followed by its len bytes, then for ENTER 8 bytes
 * per frame, little-endian. dxgt_record_put_fixed writes the header and
 * fixed part from rec's scalar fields (args_len, n_bufs and n_frames
 * included) and the record's total size; it reads no pointer in rec.
 * dxgt_record_fixed_size returns 0 for other types. */
#define DXGT_RECORD_BUF_HDR 32u
size_t dxgt_record_fixed_size(uint16_t type);
void dxgt_record_put_fixed(uint8_t *p, const struct dxgt_record *rec, size_t total);
void dxgt_record_put_buf_hdr(uint8_t *p, const struct dxgt_rec_buf *b);

/* Whether n bytes are well-formed UTF-8 (no overlong forms, surrogates or
 * values past U+10FFFF): the rule for META string values; text that breaks
 * it is written as bytes. */
bool dxgt_utf8_valid(const void *data, size_t n);

/* ---- writer ---- */

struct dxgt_writer;

struct dxgt_writer_opts {
	uint32_t chunk_bytes;	  /* raw bytes per chunk before it is compressed; 0 = 1 MiB */
	int level;		  /* zstd level; 0 = 1 */
	bool no_compress;	  /* store chunks uncompressed */
	bool no_index;		  /* do not write the index and trailer at close */
	uint64_t created_unix_ns; /* header creation time; 0 = now (tests pin it) */
};

/* Create path (mode 0600: traces can hold private driver data), truncating
 * an existing file. opts may be NULL. On success *out owns the writer; free
 * it with dxgt_writer_close(). */
int dxgt_writer_open(struct dxgt_writer **out, const char *path,
		     const struct dxgt_writer_opts *opts);
/* Same on an open descriptor, which the writer owns and closes. */
int dxgt_writer_open_fd(struct dxgt_writer **out, int fd, const struct dxgt_writer_opts *opts);
/* The memory a writer with these options holds while it runs (its chunk
 * buffer, the compressed copy, the zstd context) when no single call of
 * dxgt_writer_add_encoded passes more than piece bytes: what a caller that
 * bounds its own memory must leave for it. */
size_t dxgt_writer_memory(const struct dxgt_writer_opts *opts, size_t piece);
/* Append one record (copied). Call records must carry seq >= 1. */
int dxgt_writer_add(struct dxgt_writer *w, const struct dxgt_record *rec);
/* Append records already encoded with dxgt_record_encode (copied, not
 * re-checked beyond their framing): len bytes holding one or more records. */
int dxgt_writer_add_encoded(struct dxgt_writer *w, const void *bytes, size_t len);
/* Compress and write the current chunk now. */
int dxgt_writer_flush(struct dxgt_writer *w);
/* For a signal handler about to let the process die: write what add() has
 * pending, then len bytes of encoded records, each as one uncompressed
 * chunk, with no allocation and no index entry (the file will end without
 * its trailer, which readers accept as cut off). Async-signal-safe as far as
 * write(2) is. The writer must not be used by another thread meanwhile. */
int dxgt_writer_emergency(struct dxgt_writer *w, const void *bytes, size_t len);
/* Flush, write the index and trailer, close and free. NULL is accepted.
 * Returns the first error met since open, or 0. */
int dxgt_writer_close(struct dxgt_writer *w);
/* The descriptor the writer writes to (owned by the writer). */
int dxgt_writer_fd(const struct dxgt_writer *w);
/* Bytes written to the file so far. */
uint64_t dxgt_writer_bytes(const struct dxgt_writer *w);

/* ---- reader ---- */

struct dxgt_reader;

/* What the reader found, for `dxgtrace info` and for warnings. */
struct dxgt_read_state {
	uint16_t major, minor;
	uint64_t created_unix_ns;
	uint64_t file_size;   /* 0 when unknown (memory readers give the length) */
	uint64_t offset;      /* bytes consumed so far, for progress */
	uint64_t chunks;      /* record chunks delivered */
	uint64_t records;     /* records delivered, unknown types included */
	uint64_t unknown;     /* records of unknown types (skipped by size by callers) */
	uint64_t raw_bytes;   /* decompressed bytes delivered */
	bool has_index;	      /* a valid index and trailer were read */
	bool complete;	      /* the file ended cleanly at its trailer */
	bool ended;	      /* dxgt_reader_next has returned 0 */
	int stop_error;	      /* 0, or why reading stopped early (DXGT_E_TRUNCATED, ...) */
	uint64_t stop_offset; /* file offset where the problem is */
	char stop_reason[160];
};

/* Open a trace. Fails with DXGT_E_EMPTY (zero-length), DXGT_E_TRUNCATED
 * (shorter than a header), DXGT_E_MAGIC, DXGT_E_VERSION (a newer major
 * version), DXGT_E_CHECKSUM (header), DXGT_E_IO or DXGT_E_NOMEM. On success
 * *out owns the reader; free with dxgt_reader_close(). */
int dxgt_reader_open(struct dxgt_reader **out, const char *path);
/* Same over a memory image that must outlive the reader (borrowed). */
int dxgt_reader_open_mem(struct dxgt_reader **out, const void *data, size_t len);
/* The next record, in file order. Returns 1 and sets *rec (borrowed until
 * the next call), or 0 at the end of usable data: see dxgt_reader_state()
 * for whether the file was complete. Never returns a record from a chunk
 * that failed its checks. Returns a negative error only for DXGT_E_NOMEM
 * and DXGT_E_IO. */
int dxgt_reader_next(struct dxgt_reader *r, const struct dxgt_record **rec);
/* The state so far (complete once next has returned 0). Borrowed. */
const struct dxgt_read_state *dxgt_reader_state(const struct dxgt_reader *r);
void dxgt_reader_close(struct dxgt_reader *r);

/* ---- calls: enter and leave joined ---- */

struct dxgt_call {
	const struct dxgt_record *enter;   /* never NULL */
	const struct dxgt_record *leave;   /* NULL: the call never returned */
	const struct dxgt_call_desc *desc; /* NULL for unknown calls */
};

struct dxgt_pairer;

/* Joins the call records of r and hands out calls in sequence order; META
 * records pass through as calls whose enter is the META record and whose
 * desc and leave are NULL. window bounds how many calls may wait for their
 * leave (0 = 65536): past it the oldest waiting call is handed out as
 * unfinished (leave NULL) and a leave that turns up for it later is only
 * counted by dxgt_pairer_orphans(). At the end of the file every call still
 * waiting is handed out unfinished: it never returned. The reader stays
 * owned by the caller and must outlive the pairer. */
int dxgt_pairer_new(struct dxgt_pairer **out, struct dxgt_reader *r, size_t window);
/* Returns 1 and a borrowed call (valid until the next call), 0 at the end,
 * or a negative error (DXGT_E_NOMEM, DXGT_E_IO). */
int dxgt_pairer_next(struct dxgt_pairer *p, struct dxgt_call *call);
/* Leave records whose enter was never seen or was released early. */
uint64_t dxgt_pairer_orphans(const struct dxgt_pairer *p);
void dxgt_pairer_free(struct dxgt_pairer *p);

#endif /* DXGT_TRACE_H */
