// SPDX-License-Identifier: MIT
/*
 * dxgtrace import: a capture made by another tool as a trace (dxgt/import.h).
 * The one format so far is the Frida JSON Lines of docs/frida.md. The first
 * error in the input is named as "IN:LINE: FIELD: what" and nothing is
 * written; the output appears only once it is complete (the library writes
 * it beside OUT and renames it), with mode 0600 as every trace.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dxgt/error.h"
#include "dxgt/import.h"

static const char usage[] =
    "usage: dxgtrace import frida [--force] -o OUT IN.jsonl\n\n"
    "Turn a capture made by another tool into a trace that every other command\n"
    "reads (docs/import.md). The format:\n"
    "  frida     the JSON Lines of the Frida agent (docs/frida.md): a Windows x64\n"
    "            process's D3DKMT calls, imported as layer d3dkmt calls\n\n"
    "  -o, --output OUT  the trace to write (mode 0600); it appears only once\n"
    "                  complete, and not at all when the input has an error\n"
    "  -f, --force     replace OUT if it exists\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "IN may be '-', the standard input. The whole input is checked against the\n"
    "format; the first error stops the import and is named as\n"
    "'IN:LINE: FIELD: what is wrong'.\n"
    "Exit status: 0 success; 2 an input that breaks the format, or an input or\n"
    "output that cannot be used.\n";

/* The progress line and the input's size (0: unknown, a pipe). */
struct import_progress {
	struct cli_progress line;
	uint64_t total;
};

static void progress(void *ctx, uint64_t bytes)
{
	struct import_progress *p = ctx;
	cli_progress_bytes(&p->line, bytes, p->total);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	bool force = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("import", argv, c);
			return CLI_ERROR;
		}
	}
	if (optind == argc) {
		cli_err(
		    "import: expected a format and an input file; see 'dxgtrace import --help'");
		return CLI_ERROR;
	}
	if (strcmp(argv[optind], "frida") != 0) {
		cli_err("import: '%s' is not a format this dxgtrace imports (frida); see "
			"'dxgtrace import --help'",
			argv[optind]);
		return CLI_ERROR;
	}
	if (argc - optind != 2) {
		cli_err("import: expected one input file after 'frida'; see 'dxgtrace import "
			"--help'");
		return CLI_ERROR;
	}
	if (!out) {
		cli_err("import: -o OUT is required; see 'dxgtrace import --help'");
		return CLI_ERROR;
	}
	struct stat sb;
	if (!force && lstat(out, &sb) == 0) {
		cli_err("import: %s: exists; give --force to replace it", out);
		return CLI_ERROR;
	}

	const char *path = argv[optind + 1];
	bool from_stdin = strcmp(path, "-") == 0;
	const char *name = from_stdin ? "standard input" : path;
	FILE *in = from_stdin ? stdin : fopen(path, "r");
	if (!in) {
		cli_err("import: %s: cannot open: %s", path, strerror(errno));
		return CLI_ERROR;
	}
	struct import_progress prog;
	cli_progress_start(&prog.line, "import", false);
	prog.total = fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	struct dxgt_import_opts o = {
	    .input_name = name,
	    .progress = progress,
	    .progress_ctx = &prog,
	    .no_replace = !force,
	};
	struct dxgt_import_stats st;
	struct dxgt_import_error e;
	int rc = dxgt_import_frida_path(in, out, &o, &st, &e);
	cli_progress_end(&prog.line);
	if (!from_stdin)
		fclose(in);
	if (rc < 0) {
		if (rc == DXGT_E_NOMEM)
			cli_err("import: out of memory");
		else if (e.where == DXGT_IMPORT_OUTPUT)
			cli_err("import: %s: %s", out, e.msg);
		else if (e.line && e.field[0])
			cli_err("%s:%" PRIu64 ": %s: %s", name, e.line, e.field, e.msg);
		else if (e.line)
			cli_err("%s:%" PRIu64 ": %s", name, e.line, e.msg);
		else
			cli_err("%s: %s", name, e.msg);
		return CLI_ERROR;
	}
	fprintf(stderr, "imported %" PRIu64 " calls (%" PRIu64 " did not return) from %s into %s\n",
		st.calls, st.unfinished, name, out);
	return CLI_OK;
}
