/* SPDX-License-Identifier: MIT */
/*
 * Exporting a trace for the tools people already use: an SQLite database
 * (tables calls, buffers, handles, frames, metadata; docs/export.md), JSON
 * Lines (what `dxgtrace dump --json` prints) and a Chrome trace-event JSON
 * timeline that ui.perfetto.dev and chrome://tracing open. Every exporter
 * reads calls through the pairer, in sequence order, with the symbolic
 * handle names of dump.
 *
 * Ownership: readers, files and database connections are borrowed; the
 * exporters write through them and never close them. An exporter object is
 * not kept: each call is one pass over a reader positioned at its start.
 * Thread safety: one export per reader at a time.
 */
#ifndef DXGT_EXPORT_H
#define DXGT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dxgt/trace.h"

struct sqlite3; /* <sqlite3.h>'s connection */

/* The version of the SQLite schema, stored as PRAGMA user_version. */
#define DXGT_EXPORT_SCHEMA_VERSION 1

#define DXGT_EXPORT_BLOBS 0x1u /* jsonl: buffers in hex, as dump --json --blobs */

struct dxgt_export_opts {
	unsigned flags; /* DXGT_EXPORT_* */
	/* Called after each record read, for a progress line; may be NULL. */
	void (*progress)(void *ctx, const struct dxgt_reader *r);
	void *ctx;
	/* The trace's name, stored in the metadata table (kind 'trace'); may be NULL. */
	const char *source;
	/* On an SQLite error: its message, written here when non-NULL. */
	char *errbuf;
	size_t errlen;
};

/* What an export read. */
struct dxgt_export_stats {
	uint64_t calls;	     /* calls exported (enter records) */
	uint64_t failed;     /* of which failed (dxgt_call_failed) */
	uint64_t unfinished; /* of which never returned */
	uint64_t meta;	     /* metadata records */
};

/*
 * Creates the schema in db (an open connection to an empty database,
 * borrowed) and fills it with every call and metadata record of r. opts and
 * stats may be NULL. Returns 0; DXGT_E_NOMEM; DXGT_E_IO when SQLite fails
 * (its message in opts->errbuf), or the reader's error. The database holds
 * what was read before an error.
 */
int dxgt_export_sqlite(struct sqlite3 *db, struct dxgt_reader *r,
		       const struct dxgt_export_opts *opts, struct dxgt_export_stats *stats);

/* The schema's SQL (CREATE TABLE, INDEX and VIEW statements), a static string. */
const char *dxgt_export_sqlite_schema(void);

/*
 * Writes every call and metadata record of r to f as JSON Lines, the
 * objects of docs/json-output.md in dump --json's order. Returns 0,
 * DXGT_E_NOMEM, DXGT_E_IO (writing f) or the reader's error.
 */
int dxgt_export_jsonl(FILE *f, struct dxgt_reader *r, const struct dxgt_export_opts *opts,
		      struct dxgt_export_stats *stats);

/*
 * Writes r to f as Chrome trace-event JSON: one complete event ("ph":"X")
 * per call on its thread's track, with ts and dur in microseconds, the
 * decoded arguments and the result in args; failed calls also carry the
 * category "failed", the colour "terrible" and an instant event at their
 * end. docs/export.md describes the events. Returns as dxgt_export_jsonl.
 */
int dxgt_export_perfetto(FILE *f, struct dxgt_reader *r, const struct dxgt_export_opts *opts,
			 struct dxgt_export_stats *stats);

#endif /* DXGT_EXPORT_H */
