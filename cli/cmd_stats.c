// SPDX-License-Identifier: MIT
/* dxgtrace stats: per call name, count, failures by status, total and median time. */
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
	const char *path = NULL;
	int done = cli_one_file(argc, argv, "stats", usage, &path);
	if (done >= 0)
		return done;
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
