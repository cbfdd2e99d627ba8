// SPDX-License-Identifier: MIT
/* dxgtrace dump: a trace, one line per call, or JSON Lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"

static const char usage[] =
    "usage: dxgtrace dump [--json] [--calls A-B] [--only NAME,...] [--blobs] [--meta]\n"
    "                     [--no-time] FILE\n\n"
    "Print every call of a trace in sequence order, one line each:\n"
    "  SEQ TID LAYER NAME(ARGS) = RESULT <DURATION>\n"
    "Handles get symbolic names (A1 first adapter, D1 first device, C1 first\n"
    "context, M allocations, R resources, P paging queues, S sync objects,\n"
    "Q hardware queues); nested buffers show as size and hash.\n\n"
    "  --json          JSON Lines, one object per call (docs/json-output.md)\n"
    "  --calls A-B     only calls with sequence numbers A to B (A-, -B, N)\n"
    "  --only NAMES    only these calls, by name (Escape, D3DKMTEscape, LX_DXESCAPE)\n"
    "  --blobs         argument structs and buffers in hex\n"
    "  --meta          print the metadata records too (text form)\n"
    "  --no-time       leave out durations (stable output for comparisons)\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 success (a trace cut short is read up to where it stops, with\n"
    "a warning); 2 unusable input or damage found (calls before it are printed).\n";

struct filter {
	uint64_t lo, hi;
	char **names;
	size_t n;
};

static bool wanted(const struct filter *f, const struct dxgt_call *c)
{
	const struct dxgt_record *e = c->enter;
	if (e->seq < f->lo || e->seq > f->hi)
		return false;
	if (!f->n)
		return true;
	char disp[64];
	dxgt_call_display_name(c, disp, sizeof(disp));
	for (size_t i = 0; i < f->n; i++) {
		if (strcasecmp(f->names[i], disp) == 0)
			return true;
		if (c->desc && c->desc == dxgt_call_by_name(f->names[i]))
			return true;
	}
	return false;
}

static int split_names(char *s, struct filter *f)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (!*tok)
			continue;
		if (!dxgt_call_by_name(tok)) {
			cli_err("dump: --only: no call is named '%s'", tok);
			return -1;
		}
		char **n = realloc(f->names, (f->n + 1) * sizeof(*n));
		if (!n)
			return -1;
		f->names = n;
		f->names[f->n++] = tok;
	}
	return 0;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"calls", required_argument, NULL, 'c'},
	    {"only", required_argument, NULL, 'o'},
	    {"blobs", no_argument, NULL, 'b'},
	    {"meta", no_argument, NULL, 'm'},
	    {"no-time", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct filter f = {0, UINT64_MAX, NULL, 0};
	bool json = false, meta = false;
	unsigned flags = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			if (cli_parse_range(optarg, &f.lo, &f.hi) < 0) {
				cli_err("dump: --calls: '%s' is not a range like 10-20", optarg);
				free(f.names);
				return CLI_ERROR;
			}
			break;
		case 'o':
			if (split_names(optarg, &f) < 0) {
				free(f.names);
				return CLI_ERROR;
			}
			break;
		case 'b':
			flags |= DXGT_FMT_BLOBS;
			break;
		case 'm':
			meta = true;
			break;
		case 't':
			flags |= DXGT_FMT_NOTIME;
			break;
		case 'h':
			fputs(usage, stdout);
			free(f.names);
			return CLI_OK;
		case 'V':
			cli_version();
			free(f.names);
			return CLI_OK;
		default:
			cli_bad_option("dump", argv, c);
			free(f.names);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1) {
		cli_err("dump: expected one trace file; see 'dxgtrace dump --help'");
		free(f.names);
		return CLI_ERROR;
	}
	const char *path = argv[optind];
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct dxgt_symtab *t = NULL;
	struct cli_progress prog;
	uint64_t calls = 0;
	int status = cli_open(path, &r);
	if (status != CLI_OK)
		goto out;
	if (dxgt_pairer_new(&p, r, 0) < 0 || dxgt_symtab_new(&t) < 0) {
		cli_err("dump: out of memory");
		status = CLI_ERROR;
		goto out;
	}
	cli_progress_start(&prog, "dump", true);
	struct dxgt_call call;
	int rc;
	while ((rc = dxgt_pairer_next(p, &call)) > 0) {
		cli_progress_update(&prog, r);
		if (call.enter->type == DXGT_REC_META) {
			if (json && f.lo == 0 && !f.n)
				rc = dxgt_call_print_json(stdout, &call, t, flags);
			else if (meta && !json)
				rc = dxgt_meta_print(stdout, call.enter);
			if (rc < 0)
				break;
			continue;
		}
		if (call.enter->type != DXGT_REC_ENTER)
			continue;
		calls++;
		if ((rc = dxgt_symtab_observe(t, &call)) < 0)
			break;
		if (!wanted(&f, &call))
			continue;
		rc = json ? dxgt_call_print_json(stdout, &call, t, flags)
			  : dxgt_call_print(stdout, &call, t, flags);
		if (rc < 0)
			break;
	}
	cli_progress_end(&prog);
	if (fflush(stdout) != 0 || rc == DXGT_E_IO) {
		cli_err("dump: cannot write the output");
		status = CLI_ERROR;
		goto out;
	}
	if (rc < 0) {
		cli_err("dump: %s: %s", path, dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	status = cli_finish(path, r, calls);
out:
	dxgt_symtab_free(t);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	free(f.names);
	return status;
}
