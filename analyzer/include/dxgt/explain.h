/* SPDX-License-Identifier: MIT */
/*
 * Explaining a failure: what an NTSTATUS, an errno or a line of dxgkrnl's
 * kernel log means for the WSL2 GPU interface. An explanation names the
 * call (from a log line's kernel function, or given), gives the
 * NTSTATUS-to-errno mapping of the guest driver in both directions with
 * its ambiguity (dxgt/status.h), and adds what is known of that failure on
 * that call from a table of notes (docs/explain.md lists them).
 *
 * Everything works from static tables: nothing here allocates except the
 * printing functions' stdio. Parsing and lookups are thread-safe; an
 * explanation is a plain value the caller owns.
 */
#ifndef DXGT_EXPLAIN_H
#define DXGT_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/calls.h"
#include "dxgt/trace.h"

/* What the explained text was. */
enum dxgt_explain_source {
	DXGT_EXPLAIN_STATUS = 1, /* an NTSTATUS: 0xC0000023, STATUS_BUFFER_TOO_SMALL */
	DXGT_EXPLAIN_ERRNO = 2,	 /* an errno: -75, 75, EOVERFLOW */
	DXGT_EXPLAIN_LOG = 3,	 /* a line of dxgkrnl's kernel log */
	DXGT_EXPLAIN_CALL = 4,	 /* a recorded call (dxgt_explain_call) */
};

/* How a log line was read: which of dxgkrnl's messages it is. */
enum dxgt_log_form {
	DXGT_LOG_NONE = 0,
	DXGT_LOG_FAILED = 1,	/* "<handler>: Ioctl failed: <ret>" (and "ioctl failed <ret>") */
	DXGT_LOG_TRACE = 2,	/* "<handler>: ioctl:err <ret>" (debug builds) */
	DXGT_LOG_RETURNED = 3,	/* "<handler>: Ioctl returned: <ret>" (debug builds) */
	DXGT_LOG_NOHANDLER = 4, /* dxgk_ioctl: "ioctl callback is NULL <nr>": -ENOTTY */
	DXGT_LOG_BADIOCTL = 5,	/* dxgk_ioctl: "bad ioctl <nr> ...": -ENOTTY */
	DXGT_LOG_MISMATCH = 6,	/* dxgk_ioctl: "ioctl mismatch. Code: .. User: .. Kernel: .." */
	DXGT_LOG_WRONGPROC = 7, /* dxgk_ioctl: "Call from a wrong process": -ENOTTY */
	DXGT_LOG_OTHER = 8, /* another message of a known handler, with "failed ... -<n>" or none */
};

struct dxgt_explain {
	enum dxgt_explain_source source;
	/* The call concerned, or NULL when unknown. */
	const struct dxgt_call_desc *call;
	enum dxgt_layer layer; /* the layer of a recorded call; NONE otherwise */
	/* The NTSTATUS, when known (given, or recorded by a D3DKMT call). */
	bool has_status;
	uint32_t status;
	/* The errno (positive), when known: given, logged, recorded by an ioctl,
	 * or the one dxgkrnl makes of the status. 0 when none. */
	int err;
	/* A log line's or an ioctl's return value, when known. */
	bool has_ret;
	int64_t ret;
	/* Log lines. */
	enum dxgt_log_form form;
	char kfunc[64];			 /* the kernel function the line names, or "" */
	uint32_t user_code, kernel_code; /* DXGT_LOG_MISMATCH: the two requests */
	/* Recorded calls: it never returned; a DXCore HRESULT. */
	bool no_return;
	bool has_hresult;
	uint32_t hresult;
};

/*
 * Reads text as an NTSTATUS, an errno or a dxgkrnl log line (the forms are
 * in docs/explain.md) and fills *x. Text with a space or a colon is a log
 * line. A bare decimal number is an errno (1 to 4095, either sign), an
 * "0x" or eight-digit hex number is an NTSTATUS, as is a negative decimal
 * below -4095; names are an NTSTATUS ("STATUS_" optional) or an errno
 * symbol. Returns 0; DXGT_E_INVAL if text is NULL or matches no form;
 * DXGT_E_NOTFOUND for a name of the right shape that no list holds, and
 * for a log line naming no call dxgtrace knows and carrying no result.
 * *x is zeroed first.
 */
int dxgt_explain_parse(const char *text, struct dxgt_explain *x);

/*
 * The explanation of a recorded call's result: status, errno, return value
 * and whether it returned. c is borrowed for the duration of the call.
 * Returns 0, or DXGT_E_INVAL for a META record.
 */
int dxgt_explain_call(const struct dxgt_call *c, struct dxgt_explain *x);

/* The call handled by a dxgkrnl kernel function ("dxgkio_escape"), or
 * NULL if the name is not one of its ioctl handlers. */
const struct dxgt_call_desc *dxgt_explain_kfunc_call(const char *kfunc);
/* The reverse: the handler of call d in dxgkrnl, or NULL if none is
 * known (D3DKMT-only calls, slots without a handler). Static string. */
const char *dxgt_explain_call_kfunc(const struct dxgt_call_desc *d);

/* One row of the notes table. */
struct dxgt_note {
	unsigned id;	   /* stable number, shown as [N] */
	const char *calls; /* the calls it is about, '/'-separated names ("" any) */
	uint32_t cflags;   /* DXGT_CF_ bits the call must have (0: none) */
	int err;	   /* the errno the failure maps to; -1 any failure */
	const char *text;  /* one paragraph, no line breaks */
};

/* The notes that apply to x, in table order: up to cap of them into out
 * (which may be NULL when cap is 0); returns how many apply in all. */
size_t dxgt_explain_notes(const struct dxgt_explain *x, const struct dxgt_note **out, size_t cap);
/* The whole table, for documentation: count and i-th row (NULL past it). */
size_t dxgt_note_count(void);
const struct dxgt_note *dxgt_note_at(size_t i);

/* Printing flags. */
#define DXGT_EXPLAIN_NO_NOTES 0x1u /* leave the notes out (the caller lists them) */

/*
 * Prints the explanation as indented "label: text" lines, wrapped to 80
 * columns, each starting with two spaces; the caller prints what was
 * explained above it. Returns 0, or DXGT_E_IO if writing failed.
 */
int dxgt_explain_print(FILE *f, const struct dxgt_explain *x, unsigned flags);

/*
 * The explanation of a recorded call's result on one line, for listings:
 * "dxgkrnl maps it to EOVERFLOW (75); EOVERFLOW <- STATUS_BUFFER_TOO_SMALL
 * only". Written to buf (len bytes, cut short if needed), which is
 * returned; "" when there is nothing to say.
 */
const char *dxgt_explain_summary(const struct dxgt_explain *x, char *buf, size_t len);

/* Prints text wrapped to 80 columns: the first line after `first` (which
 * is printed as is), the following ones indented by `indent` spaces. */
void dxgt_explain_wrap(FILE *f, const char *first, size_t indent, const char *text);

#endif /* DXGT_EXPLAIN_H */
