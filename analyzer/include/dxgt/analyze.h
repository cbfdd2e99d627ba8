/* SPDX-License-Identifier: MIT */
/*
 * The analyzer library: what `dxgtrace dump`, `stats` and later `diff` share.
 * Symbolic handle names (A1 = first adapter, D1 = first device, ...), the
 * one-line text form and the JSON form of a call, and per-call statistics.
 * Everything works from the recorded bytes and the descriptor list; no
 * pointer value read from a trace is ever followed.
 *
 * Ownership is stated per function. Objects are not thread-safe; use one
 * per thread.
 */
#ifndef DXGT_ANALYZE_H
#define DXGT_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/calls.h"
#include "dxgt/trace.h"

/* ---- symbolic handles ---- */

struct dxgt_symtab;

int dxgt_symtab_new(struct dxgt_symtab **out);
void dxgt_symtab_free(struct dxgt_symtab *t);
/* Learn the handles of a call (in sequence order): handles created by the
 * call get the next name of their kind; destroyed ones keep their name
 * until the value is created again. */
int dxgt_symtab_observe(struct dxgt_symtab *t, const struct dxgt_call *c);
/* The name of handle value v of kind k ("A1"; "0" for 0; "0x40000040" if
 * the value was never seen created; for DXGT_OBJ_ANY the name of any kind
 * it is known as). Written to buf (len >= 16), which is returned. */
const char *dxgt_symtab_name(const struct dxgt_symtab *t, enum dxgt_obj k, uint32_t v, char *buf,
			     size_t len);

/* ---- formatting ---- */

/* FNV-1a 64-bit of n bytes: the hash dump prints for buffers. */
uint64_t dxgt_fnv1a64(const void *p, size_t n);

/* The name a call is shown under at its layer: the D3DKMT name without the
 * prefix or the ioctl name, or "ioctl(0x...)" for unknown requests. Written
 * to buf, which is returned. */
const char *dxgt_call_display_name(const struct dxgt_call *c, char *buf, size_t len);

/* The result of a call in words: "0", "-1 EOVERFLOW",
 * "0xc0000023 STATUS_BUFFER_TOO_SMALL", "? <no return>". Into buf. */
const char *dxgt_call_result(const struct dxgt_call *c, char *buf, size_t len);

/* True when the call failed: a negative NTSTATUS or HRESULT, an ioctl
 * returning -1, or no return at all. */
bool dxgt_call_failed(const struct dxgt_call *c);

#define DXGT_FMT_BLOBS 0x1u  /* buffers and argument structs in hex */
#define DXGT_FMT_NOTIME 0x2u /* leave out durations */

/* Print one call as a strace-like line (and, with DXGT_FMT_BLOBS, hex
 * lines under it) to f. t must have observed the call. */
int dxgt_call_print(FILE *f, const struct dxgt_call *c, const struct dxgt_symtab *t,
		    unsigned flags);
/* Print one call, or a META record (c->enter->type == DXGT_REC_META), as a
 * JSON object on one line; the schema is docs/json-output.md. */
int dxgt_call_print_json(FILE *f, const struct dxgt_call *c, const struct dxgt_symtab *t,
			 unsigned flags);
/* Print a META record as "kind: key=value ..." on one line. */
int dxgt_meta_print(FILE *f, const struct dxgt_record *meta);

/* ---- statistics ---- */

struct dxgt_stats;

int dxgt_stats_new(struct dxgt_stats **out);
void dxgt_stats_free(struct dxgt_stats *s);
int dxgt_stats_add(struct dxgt_stats *s, const struct dxgt_call *c);
/* The table: one row per layer and call name, by layer then name. */
int dxgt_stats_print(FILE *f, const struct dxgt_stats *s);

#endif /* DXGT_ANALYZE_H */
