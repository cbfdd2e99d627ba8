// SPDX-License-Identifier: MIT
/*
 * dxgtrace diff: compare two traces and name where they part ways. The
 * comparison is libdxgt_analyze's (dxgt/diff.h); this file turns options
 * into its arguments and its outcome into text, JSON, a JUnit file and an
 * exit status: 0 equivalent, 1 divergent, 2 an error (one line on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dxgt/diff.h"
#include "dxgt/error.h"

static const char usage[] =
    "usage: dxgtrace diff [--json] [--junit FILE] [--layer d3dkmt|ioctl]\n"
    "                     [--only escapes|all] [--context N] [--host-differences] A B\n\n"
    "Compare two traces call by call and say where they part ways: first the\n"
    "first divergent escape (with --only all, the first divergent call) with both\n"
    "sequence numbers, what differs (status or errno, payload size, the bytes\n"
    "around the first difference, or a call missing on one side), then every\n"
    "divergence. Handles compare by symbolic name, volatile fields are ignored,\n"
    "and extra or missing calls on either side are aligned around. A Windows\n"
    "capture (dxgtrace import frida) compares with a WSL2 recording: adapters\n"
    "match by PCI ids and by-design host/guest differences are set aside. See\n"
    "docs/diff.md.\n\n"
    "  --json          one JSON document instead of text (docs/diff.md)\n"
    "  --junit FILE    also write a JUnit XML report, one test case per divergence\n"
    "  --layer L       compare this layer of both traces: d3dkmt or ioctl (default:\n"
    "                  each trace's D3DKMT calls where it has them, else its ioctls)\n"
    "  --only WHAT     escapes (default): the headline is the first divergent\n"
    "                  escape; all: the first divergent call. Every divergence is\n"
    "                  counted and listed either way\n"
    "  --context N     bytes shown either side of the first differing byte (16)\n"
    "  --host-differences\n"
    "                  a Windows capture against a WSL2 recording: count the answers\n"
    "                  the guest rewrites by design (adapter type, driver-store\n"
    "                  paths) as divergences; by default they are only noted\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 the traces are equivalent; 1 they differ; 2 an error (a missing,\n"
    "unusable or damaged trace, a usage error).\n";

static struct cli_progress prog;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	cli_progress_bytes(&prog, done, total);
}

/* As cli_finish, from the state the comparison kept: a trace cut short is
 * compared up to where it stops, with a warning; a damaged one is an error
 * once the comparison is out. */
static int finish(const char *path, const struct dxgt_read_state *st, uint64_t calls)
{
	if (!st->stop_error)
		return CLI_OK;
	if (st->stop_error == DXGT_E_TRUNCATED) {
		cli_warn("%s: %s; %" PRIu64 " calls compared", path, st->stop_reason, calls);
		return CLI_OK;
	}
	cli_err("%s: %s (%" PRIu64 " calls before it were compared)", path, st->stop_reason, calls);
	return CLI_ERROR;
}

static int write_junit(const char *path, const struct dxgt_diff *d)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		cli_err("diff: --junit: %s: %s", path, strerror(errno));
		return CLI_ERROR;
	}
	int rc = dxgt_diff_print_junit(f, d, 0);
	if (fclose(f) != 0 || rc < 0) {
		cli_err("diff: --junit: %s: cannot write the report", path);
		return CLI_ERROR;
	}
	return CLI_OK;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"junit", required_argument, NULL, 'u'},
	    {"layer", required_argument, NULL, 'l'},
	    {"only", required_argument, NULL, 'o'},
	    {"context", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"host-differences", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	struct dxgt_diff_opts o = {.context = 16};
	const char *junit = NULL;
	bool json = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'u':
			junit = optarg;
			break;
		case 'H':
			o.host_differences = true;
			break;
		case 'l':
			if (strcmp(optarg, "d3dkmt") == 0) {
				o.layer = DXGT_LAYER_D3DKMT;
			} else if (strcmp(optarg, "ioctl") == 0) {
				o.layer = DXGT_LAYER_IOCTL;
			} else {
				cli_err("diff: --layer: '%s' is not d3dkmt or ioctl", optarg);
				return CLI_ERROR;
			}
			break;
		case 'o':
			if (strcmp(optarg, "escapes") == 0) {
				o.all = false;
			} else if (strcmp(optarg, "all") == 0) {
				o.all = true;
			} else {
				cli_err("diff: --only: '%s' is not escapes or all", optarg);
				return CLI_ERROR;
			}
			break;
		case 'c': {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || optarg[0] == '-' || n > (1u << 20)) {
				cli_err("diff: --context: '%s' is not a byte count (0 to 1048576)",
					optarg);
				return CLI_ERROR;
			}
			o.context = (unsigned)n;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("diff", argv, c);
			return CLI_ERROR;
		}
	}
	if (argc - optind != 2) {
		cli_err("diff: expected two trace files; see 'dxgtrace diff --help'");
		return CLI_ERROR;
	}
	const char *pa = argv[optind], *pb = argv[optind + 1];
	/* Open both first, for the common messages on an unusable file. */
	for (int i = 0; i < 2; i++) {
		struct dxgt_reader *r = NULL;
		if (cli_open(i ? pb : pa, &r) != CLI_OK)
			return CLI_ERROR;
		dxgt_reader_close(r);
	}

	struct dxgt_diff *d = NULL;
	char err[320];
	cli_progress_start(&prog, "diff", false);
	o.progress = on_progress;
	int rc = dxgt_diff_run(&d, pa, pb, &o, err, sizeof(err));
	cli_progress_end(&prog);
	if (rc < 0) {
		cli_err("diff: %s", err[0] ? err : dxgt_strerror(rc));
		return CLI_ERROR;
	}
	int status = dxgt_diff_divergent(d) ? CLI_DIFFERENT : CLI_OK;
	rc = json ? dxgt_diff_print_json(stdout, d, 0) : dxgt_diff_print(stdout, d, 0);
	if (rc < 0 || fflush(stdout) != 0) {
		cli_err("diff: cannot write the output");
		status = CLI_ERROR;
		goto out;
	}
	if (junit && write_junit(junit, d) != CLI_OK) {
		status = CLI_ERROR;
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (finish(i ? pb : pa, dxgt_diff_read_state(d, i), dxgt_diff_calls(d, i)) !=
		    CLI_OK)
			status = CLI_ERROR;
out:
	dxgt_diff_free(d);
	return status;
}
