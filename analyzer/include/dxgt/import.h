/* SPDX-License-Identifier: MIT */
/*
 * Importing captures made elsewhere into traces. The one importer so far
 * reads the Frida JSON Lines format of docs/frida.md (a Windows x64 capture
 * of D3DKMT calls) and writes a trace of layer d3dkmt calls with the writer
 * of dxgt/trace.h.
 *
 * The input is read line by line: memory grows with the longest line and
 * with the number of calls whose leave has not been seen yet, never with the
 * file. Every rule of the format is checked; the first violation stops the
 * import and is described by a struct dxgt_import_error (line, the JSON path
 * of the offending value, a sentence). The library never prints.
 *
 * Thread safety: one import uses only its own arguments; distinct imports
 * may run in parallel.
 */
#ifndef DXGT_IMPORT_H
#define DXGT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/trace.h"

/* Longest input line accepted (bytes, without its line ending): enough for
 * a record at the trace format's 64 MiB limit written as hex. */
#define DXGT_IMPORT_MAX_LINE (256u << 20)

/* What an import error is about. */
enum dxgt_import_where {
	DXGT_IMPORT_INPUT = 0,	/* the input: line and field say where */
	DXGT_IMPORT_OUTPUT = 1, /* the output file could not be created or written */
};

struct dxgt_import_error {
	uint8_t where;	/* enum dxgt_import_where */
	uint64_t line;	/* 1-based input line; 0 when no one line is at fault */
	char field[96]; /* JSON path of the value at fault, "bufs[1].data"; "" for the line */
	char msg[256];	/* what is wrong, one sentence without a final period */
};

struct dxgt_import_opts {
	/* Written as the options record's `input`; NULL: not written. */
	const char *input_name;
	/* Called now and then with the input bytes consumed so far; NULL: none. */
	void (*progress)(void *ctx, uint64_t bytes_read);
	void *progress_ctx;
	/* Writer options (chunk size, compression); NULL: defaults. A zero
	 * created_unix_ns is replaced by the header's start_unix_ns when it
	 * has one, so that the same input gives the same bytes. */
	const struct dxgt_writer_opts *writer;
	/* Longest line accepted; 0: DXGT_IMPORT_MAX_LINE. */
	size_t max_line;
	/* dxgt_import_frida_path(): fail with DXGT_E_STATE rather than replace
	 * an existing output file. */
	bool no_replace;
};

struct dxgt_import_stats {
	uint64_t lines;	     /* input lines read, empty ones included */
	uint64_t bytes;	     /* input bytes read */
	uint64_t calls;	     /* enter lines: calls written */
	uint64_t unfinished; /* calls with no leave: they did not return */
	uint64_t modules;    /* mmap records written */
	uint64_t adapters;   /* adapter records written */
};

/* Import the Frida JSON Lines read from in into a trace written to fd.
 * fd is consumed: it is closed on return, success or not (the writer opens
 * on it once the header is read). opts, stats and err may be NULL. Returns 0;
 * DXGT_E_CORRUPT for input that breaks the format (err says where),
 * DXGT_E_VERSION for a header of a newer format version, DXGT_E_TOOBIG for a
 * call over the trace format's limits, DXGT_E_IO for a read or write
 * failure, DXGT_E_NOMEM. On failure the bytes written to fd are not a
 * usable trace. */
int dxgt_import_frida(FILE *in, int fd, const struct dxgt_import_opts *opts,
		      struct dxgt_import_stats *stats, struct dxgt_import_error *err);

/* The same into the file out: written to a temporary file next to it (mode
 * 0600) that is renamed over out on success and removed on any failure, so
 * that out is either the whole trace or untouched. With opts->no_replace an
 * existing out is not replaced: DXGT_E_STATE. */
int dxgt_import_frida_path(FILE *in, const char *out, const struct dxgt_import_opts *opts,
			   struct dxgt_import_stats *stats, struct dxgt_import_error *err);

#endif /* DXGT_IMPORT_H */
