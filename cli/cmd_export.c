// SPDX-License-Identifier: MIT
/*
 * dxgtrace export: a trace as an SQLite database, JSON Lines or a Chrome
 * trace-event timeline (the exporters of dxgt/export.h). The output is
 * written to a temporary file next to OUT and renamed over it once
 * complete, so that OUT is never a half-written file; it is created with
 * mode 0600, as traces are, since it holds the same private driver data.
 */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "dxgt/error.h"
#include "dxgt/export.h"

static const char usage[] =
    "usage: dxgtrace export [--format sqlite|jsonl|perfetto] -o OUT [--blobs] TRACE\n\n"
    "Write a trace in a form other tools read (docs/export.md):\n"
    "  sqlite     an SQLite database: tables calls, buffers, handles, frames and\n"
    "             metadata, views failures and escapes; query it with sqlite3 or\n"
    "             'dxgtrace sql'\n"
    "  jsonl      JSON Lines, as 'dxgtrace dump --json' prints them\n"
    "  perfetto   Chrome trace-event JSON: a per-thread timeline of the calls,\n"
    "             failures marked, for ui.perfetto.dev or chrome://tracing\n\n"
    "  -f, --format F  the format; by default it follows OUT's extension (.db,\n"
    "                  .sqlite, .sqlite3; .jsonl, .ndjson; .json)\n"
    "  -o, --output OUT  the file to write (replaced if it exists); '-' is the\n"
    "                  standard output, for jsonl and perfetto\n"
    "  --blobs         jsonl: buffers in hex too\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 success (a trace cut short is exported up to where it stops,\n"
    "with a warning); 2 unusable input, damage found (what came before it is\n"
    "written) or an output that cannot be written.\n";

enum format { F_NONE, F_SQLITE, F_JSONL, F_PERFETTO };

static enum format format_by_name(const char *s)
{
	if (strcmp(s, "sqlite") == 0)
		return F_SQLITE;
	if (strcmp(s, "jsonl") == 0)
		return F_JSONL;
	if (strcmp(s, "perfetto") == 0)
		return F_PERFETTO;
	return F_NONE;
}

static enum format format_by_extension(const char *out)
{
	static const struct {
		const char *ext;
		enum format f;
	} exts[] = {
	    {".db", F_SQLITE},	 {".sqlite", F_SQLITE}, {".sqlite3", F_SQLITE},
	    {".jsonl", F_JSONL}, {".ndjson", F_JSONL},	{".json", F_PERFETTO},
	};
	const char *dot = strrchr(out, '.');
	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i].ext) == 0)
			return exts[i].f;
	return F_NONE;
}

static void progress(void *ctx, const struct dxgt_reader *r)
{
	cli_progress_update(ctx, r);
}

/* A temporary file next to out: "<out>.XXXXXX". Returns its descriptor
 * (mode 0600) and the name in *tmp (owned, free it), or -1. */
static int temp_beside(const char *out, char **tmp)
{
	size_t n = strlen(out);
	*tmp = malloc(n + 8);
	if (!*tmp)
		return -1;
	memcpy(*tmp, out, n);
	memcpy(*tmp + n, ".XXXXXX", 8);
	int fd = mkstemp(*tmp);
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

static int write_sqlite(const char *tmp, struct dxgt_reader *r, struct dxgt_export_opts *o,
			struct dxgt_export_stats *st)
{
	sqlite3 *db = NULL;
	int rc;
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(o->errbuf, o->errlen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return DXGT_E_IO;
	}
	/* A fresh file renamed into place when done: no journal needed. */
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", NULL, NULL, NULL);
	rc = dxgt_export_sqlite(db, r, o, st);
	if (sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = DXGT_E_IO;
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
	    {"blobs", no_argument, NULL, 'b'},	      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	enum format fmt = F_NONE;
	const char *out = NULL;
	unsigned flags = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = format_by_name(optarg);
			if (fmt == F_NONE) {
				cli_err("export: --format: '%s' is not sqlite, jsonl or perfetto",
					optarg);
				return CLI_ERROR;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'b':
			flags |= DXGT_EXPORT_BLOBS;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("export", argv, c);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1) {
		cli_err("export: expected one trace file; see 'dxgtrace export --help'");
		return CLI_ERROR;
	}
	if (!out) {
		cli_err("export: -o OUT is required; see 'dxgtrace export --help'");
		return CLI_ERROR;
	}
	bool to_stdout = strcmp(out, "-") == 0;
	if (fmt == F_NONE && !to_stdout)
		fmt = format_by_extension(out);
	if (fmt == F_NONE) {
		cli_err("export: %s: give --format sqlite, jsonl or perfetto (the name's extension "
			"does not say)",
			out);
		return CLI_ERROR;
	}
	if (fmt == F_SQLITE && to_stdout) {
		cli_err(
		    "export: an SQLite database cannot go to the standard output; give -o FILE");
		return CLI_ERROR;
	}

	const char *path = argv[optind];
	struct dxgt_reader *r = NULL;
	struct cli_progress prog;
	struct dxgt_export_stats st = {0};
	char errbuf[256] = "";
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, rc;
	int status = cli_open(path, &r);
	if (status != CLI_OK)
		return status;
	if (!to_stdout && (fd = temp_beside(out, &tmp)) < 0) {
		cli_err("export: %s: cannot create: %s", out, strerror(errno));
		status = CLI_ERROR;
		goto out;
	}
	cli_progress_start(&prog, "export", to_stdout);
	struct dxgt_export_opts o = {flags, progress, &prog, path, errbuf, sizeof(errbuf)};
	if (fmt == F_SQLITE) {
		close(fd);
		fd = -1;
		rc = write_sqlite(tmp, r, &o, &st);
	} else {
		f = to_stdout ? stdout : fdopen(fd, "w");
		if (!f) {
			cli_progress_end(&prog);
			cli_err("export: %s: %s", out, strerror(errno));
			status = CLI_ERROR;
			goto out;
		}
		fd = -1;
		rc = fmt == F_JSONL ? dxgt_export_jsonl(f, r, &o, &st)
				    : dxgt_export_perfetto(f, r, &o, &st);
		if (!to_stdout && fclose(f) != 0 && rc == 0)
			rc = DXGT_E_IO;
		f = NULL;
	}
	cli_progress_end(&prog);
	/* Damage in the trace is not an error here: the reader stops there and
	 * cli_finish() reports it, after what came before it is written. */
	if (rc < 0) {
		if (errbuf[0])
			cli_err("export: %s: %s", to_stdout ? "standard output" : out, errbuf);
		else if (rc == DXGT_E_IO)
			cli_err("export: %s: cannot write the output",
				to_stdout ? "standard output" : out);
		else
			cli_err("export: %s: %s", path, dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	if (tmp && rename(tmp, out) != 0) {
		cli_err("export: %s: cannot replace: %s", out, strerror(errno));
		status = CLI_ERROR;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	status = cli_finish(path, r, st.calls);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	dxgt_reader_close(r);
	return status;
}
