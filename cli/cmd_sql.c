// SPDX-License-Identifier: MIT
/*
 * dxgtrace sql: builds the SQLite export of a trace (dxgt/export.h) in
 * memory, or in a temporary file SQLite deletes on close when the trace is
 * large, runs the query on it and prints the result as an aligned table,
 * CSV or JSON Lines. Nothing is written next to the trace.
 */
#include <getopt.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dxgt/error.h"
#include "dxgt/export.h"

/* Traces above this size build their database in a temporary file. */
#define DISK_THRESHOLD (64u << 20)

static const char usage[] =
    "usage: dxgtrace sql [--csv | --json] [--disk] TRACE 'SELECT ...'\n"
    "       dxgtrace sql --schema\n\n"
    "Run SQL over a trace: the trace is loaded into SQLite with the schema of\n"
    "'dxgtrace export --format sqlite' (docs/export.md), the query runs, and each\n"
    "statement that returns rows prints them as an aligned table, NULL as NULL\n"
    "and BLOBs as x'hex' (cut after 16 bytes).\n\n"
    "  --csv           CSV with a header line (RFC 4180; BLOBs in hex, NULL empty)\n"
    "  --json          JSON Lines, one object per row (BLOBs as hex strings)\n"
    "  --disk          build the database in a temporary file rather than in\n"
    "                  memory (the default for traces over 64 MiB)\n"
    "  --schema        print the schema's SQL and exit\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Example: dxgtrace sql t.dxgt 'select name, count(*) from calls group by name'\n\n"
    "Exit status: 0 success; 2 unusable input, damage found in the trace (the\n"
    "query still runs on what came before it) or an SQL error.\n";

enum mode { M_TABLE, M_CSV, M_JSON };

/* ---- cells ---- */

static char *hex_blob(const unsigned char *p, size_t n, size_t max)
{
	static const char digits[] = "0123456789abcdef";
	size_t k = n < max ? n : max;
	char *s = malloc(2 * k + 48);
	if (!s)
		return NULL;
	size_t o = 0;
	if (max != SIZE_MAX)
		s[o++] = 'x', s[o++] = '\'';
	for (size_t i = 0; i < k; i++) {
		s[o++] = digits[p[i] >> 4];
		s[o++] = digits[p[i] & 15];
	}
	if (max != SIZE_MAX)
		s[o++] = '\'';
	s[o] = '\0';
	if (k < n)
		snprintf(s + o, 48, "... (%zu bytes)", n);
	return s;
}

/* A value as the table shows it: control characters escaped. Owned. */
static char *cell_text(sqlite3_stmt *st, int i)
{
	int type = sqlite3_column_type(st, i);
	if (type == SQLITE_NULL)
		return strdup("NULL");
	if (type == SQLITE_BLOB)
		return hex_blob(sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i),
				16);
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	char *s = malloc(4 * n + 1), *o = s;
	if (!s)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		if (t[k] == '\n')
			o += sprintf(o, "\\n");
		else if (t[k] == '\t')
			o += sprintf(o, "\\t");
		else if (t[k] < 0x20 || t[k] == 0x7f)
			o += sprintf(o, "\\x%02x", t[k]);
		else
			*o++ = (char)t[k];
	}
	*o = '\0';
	return s;
}

/* Display width: UTF-8 code points. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* ---- output modes ---- */

struct table {
	int ncol;
	size_t nrow, cap;
	char **cells;	/* nrow+1 rows of ncol: the header first */
	bool *numeric;	/* per column: every value a number */
	size_t *widths; /* per column */
};

static void table_free(struct table *t)
{
	for (size_t i = 0; t->cells && i < (t->nrow + 1) * (size_t)t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->numeric);
	free(t->widths);
}

static int table_row(struct table *t, sqlite3_stmt *st, bool header)
{
	if (t->nrow + 1 >= t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **c = realloc(t->cells, cap * (size_t)t->ncol * sizeof(*c));
		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	char **row = t->cells + (header ? 0 : (t->nrow + 1) * (size_t)t->ncol);
	for (int i = 0; i < t->ncol; i++) {
		row[i] = header
			     ? strdup(sqlite3_column_name(st, i) ? sqlite3_column_name(st, i) : "?")
			     : cell_text(st, i);
		if (!row[i])
			return -1;
		if (!header) {
			int ty = sqlite3_column_type(st, i);
			if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT && ty != SQLITE_NULL)
				t->numeric[i] = false;
		}
		size_t w = width(row[i]);
		if (w > t->widths[i])
			t->widths[i] = w;
	}
	if (!header)
		t->nrow++;
	return 0;
}

static void table_print(const struct table *t)
{
	for (size_t r = 0; r <= t->nrow; r++) {
		char **row = t->cells + r * (size_t)t->ncol;
		for (int i = 0; i < t->ncol; i++) {
			bool last = i == t->ncol - 1;
			size_t pad = t->widths[i] - width(row[i]);
			if (i)
				fputs("  ", stdout);
			if (t->numeric[i] && r > 0)
				printf("%*s%s", (int)pad, "", row[i]);
			else
				printf("%s%*s", row[i], last ? 0 : (int)pad, "");
		}
		putchar('\n');
		if (r == 0) {
			for (int i = 0; i < t->ncol; i++) {
				if (i)
					fputs("  ", stdout);
				for (size_t k = 0; k < t->widths[i]; k++)
					putchar('-');
			}
			putchar('\n');
		}
	}
}

static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static int csv_row(sqlite3_stmt *st, int ncol, bool header)
{
	for (int i = 0; i < ncol; i++) {
		if (i)
			putchar(',');
		if (header) {
			csv_field(sqlite3_column_name(st, i) ? sqlite3_column_name(st, i) : "");
			continue;
		}
		int ty = sqlite3_column_type(st, i);
		if (ty == SQLITE_NULL)
			continue;
		if (ty == SQLITE_BLOB) {
			char *h = hex_blob(sqlite3_column_blob(st, i),
					   (size_t)sqlite3_column_bytes(st, i), SIZE_MAX);
			if (!h)
				return -1;
			fputs(h, stdout);
			free(h);
			continue;
		}
		csv_field((const char *)sqlite3_column_text(st, i));
	}
	fputs("\r\n", stdout);
	return 0;
}

static int json_row(sqlite3_stmt *st, int ncol)
{
	json_t *o = json_object();
	if (!o)
		return -1;
	for (int i = 0; i < ncol; i++) {
		json_t *v = NULL;
		const char *name = sqlite3_column_name(st, i);
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		case SQLITE_TEXT:
			v = json_stringn((const char *)sqlite3_column_text(st, i),
					 (size_t)sqlite3_column_bytes(st, i));
			if (v)
				break;
			/* not UTF-8: its bytes in hex, as a BLOB */
			/* fall through */
		case SQLITE_BLOB: {
			const void *p = sqlite3_column_type(st, i) == SQLITE_BLOB
					    ? sqlite3_column_blob(st, i)
					    : (const void *)sqlite3_column_text(st, i);
			char *h = hex_blob(p, (size_t)sqlite3_column_bytes(st, i), SIZE_MAX);
			v = h ? json_string(h) : NULL;
			free(h);
			break;
		}
		default:
			v = json_null();
			break;
		}
		json_object_set_new(o, name ? name : "?", v ? v : json_null());
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return -1;
	puts(s);
	free(s);
	return 0;
}

/* Runs every statement of sql, printing those that return rows. */
static int run(sqlite3 *db, const char *sql, enum mode mode)
{
	const char *tail = sql;
	bool printed = false;
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
			fflush(stdout);
			cli_err("sql: %s", sqlite3_errmsg(db));
			return CLI_ERROR;
		}
		if (!st)
			continue; /* blanks or a comment */
		int ncol = sqlite3_column_count(st), rc;
		struct table t = {ncol, 0, 0, NULL, NULL, NULL};
		bool oom = false;
		if (ncol && printed && mode != M_JSON)
			putchar('\n');
		if (ncol && mode == M_TABLE) {
			t.numeric = malloc((size_t)ncol * sizeof(*t.numeric));
			t.widths = calloc((size_t)ncol, sizeof(*t.widths));
			oom = !t.numeric || !t.widths;
			for (int i = 0; !oom && i < ncol; i++)
				t.numeric[i] = true;
			oom = oom || table_row(&t, st, true) < 0;
		} else if (ncol && mode == M_CSV) {
			oom = csv_row(st, ncol, true) < 0;
		}
		while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (mode == M_TABLE)
				oom = table_row(&t, st, false) < 0;
			else if (mode == M_CSV)
				oom = csv_row(st, ncol, false) < 0;
			else
				oom = json_row(st, ncol) < 0;
		}
		if (oom) {
			table_free(&t);
			sqlite3_finalize(st);
			cli_err("sql: out of memory");
			return CLI_ERROR;
		}
		if (rc != SQLITE_DONE) {
			table_free(&t);
			fflush(stdout);
			cli_err("sql: %s", sqlite3_errmsg(db));
			sqlite3_finalize(st);
			return CLI_ERROR;
		}
		if (ncol && mode == M_TABLE)
			table_print(&t);
		printed = printed || ncol;
		table_free(&t);
		sqlite3_finalize(st);
	}
	return CLI_OK;
}

static void progress(void *ctx, const struct dxgt_reader *r)
{
	cli_progress_update(ctx, r);
}

int cmd_sql(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"csv", no_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"disk", no_argument, NULL, 'd'},
	    {"schema", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	enum mode mode = M_TABLE;
	bool disk = false, schema = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'j':
			if (mode != M_TABLE) {
				cli_err("sql: --csv and --json exclude each other");
				return CLI_ERROR;
			}
			mode = c == 'c' ? M_CSV : M_JSON;
			break;
		case 'd':
			disk = true;
			break;
		case 's':
			schema = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("sql", argv, c);
			return CLI_ERROR;
		}
	}
	if (schema) {
		if (optind != argc) {
			cli_err("sql: --schema takes no other argument");
			return CLI_ERROR;
		}
		fputs(dxgt_export_sqlite_schema(), stdout);
		return CLI_OK;
	}
	if (optind != argc - 2) {
		cli_err("sql: expected a trace and a query; see 'dxgtrace sql --help'");
		return CLI_ERROR;
	}
	const char *path = argv[optind], *query = argv[optind + 1];
	struct stat sb;
	if (stat(path, &sb) == 0 && (uint64_t)sb.st_size > DISK_THRESHOLD)
		disk = true;

	struct dxgt_reader *r = NULL;
	sqlite3 *db = NULL;
	struct cli_progress prog;
	struct dxgt_export_stats st = {0};
	char errbuf[256] = "";
	int status = cli_open(path, &r);
	if (status != CLI_OK)
		return status;
	/* "": a private temporary file that SQLite removes when it closes. */
	if (sqlite3_open_v2(disk ? "" : ":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		cli_err("sql: cannot create the database: %s",
			db ? sqlite3_errmsg(db) : "out of memory");
		status = CLI_ERROR;
		goto out;
	}
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", NULL, NULL, NULL);
	cli_progress_start(&prog, "sql: loading", true);
	struct dxgt_export_opts o = {0, progress, &prog, path, errbuf, sizeof(errbuf)};
	int rc = dxgt_export_sqlite(db, r, &o, &st);
	cli_progress_end(&prog);
	if (rc < 0) {
		cli_err("sql: %s: %s", path, errbuf[0] ? errbuf : dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	status = run(db, query, mode);
	if (fflush(stdout) != 0) {
		cli_err("sql: cannot write the output");
		status = CLI_ERROR;
	}
	if (status == CLI_OK)
		status = cli_finish(path, r, st.calls);
	else
		cli_finish(path, r, st.calls);
out:
	sqlite3_close(db);
	dxgt_reader_close(r);
	return status;
}
