// SPDX-License-Identifier: MIT
/* dxgtrace stats: per call name, count, failures by status, total and median time. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"

static const char usage[] =
    "usage: dxgtrace stats FILE\n\n"
    "One row per layer and call: how many calls, how many failed (and with what\n"
    "result), how many never returned, and the total and median time from enter\n"
    "to leave in microseconds.\n\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 success (a trace cut short counts what was recovered, with a\n"
    "warning); 2 unusable input or damage found.\n";

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (c == 'V') {
			cli_version();
			return CLI_OK;
		}
		fputs(usage, stderr);
		return CLI_ERROR;
	}
	if (optind != argc - 1) {
		cli_err("stats: expected one trace file; see 'dxgtrace stats --help'");
		return CLI_ERROR;
	}
	const char *path = argv[optind];
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct dxgt_stats *s = NULL;
	struct cli_progress prog;
	uint64_t calls = 0;
	int rc, status = cli_open(path, &r);
	if (status != CLI_OK)
		goto out;
	if (dxgt_pairer_new(&p, r, 0) < 0 || dxgt_stats_new(&s) < 0) {
		cli_err("stats: out of memory");
		status = CLI_ERROR;
		goto out;
	}
	cli_progress_start(&prog, "stats", false);
	struct dxgt_call call;
	while ((rc = dxgt_pairer_next(p, &call)) > 0) {
		cli_progress_update(&prog, r);
		if (call.enter->type != DXGT_REC_ENTER)
			continue;
		calls++;
		if ((rc = dxgt_stats_add(s, &call)) < 0)
			break;
	}
	cli_progress_end(&prog);
	if (rc < 0) {
		cli_err("stats: %s: %s", path, dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	status = cli_finish(path, r, calls);
	if (dxgt_stats_print(stdout, s) < 0 || fflush(stdout) != 0) {
		cli_err("stats: cannot write the output");
		status = CLI_ERROR;
	}
out:
	dxgt_stats_free(s);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	return status;
}
