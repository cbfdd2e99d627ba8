// SPDX-License-Identifier: MIT
/* Shared helpers of the dxgtrace subcommands; see cli.h. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dxgt/error.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("dxgtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("dxgtrace: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_version(void)
{
	printf("dxgtrace %s (trace format %d.%d)\n", DXGT_VERSION, DXGT_FORMAT_MAJOR,
	       DXGT_FORMAT_MINOR);
}

int cli_open(const char *path, struct dxgt_reader **out)
{
	int rc = dxgt_reader_open(out, path);
	if (rc == 0)
		return CLI_OK;
	switch (rc) {
	case DXGT_E_NOTFOUND:
		cli_err("%s: no such file", path);
		break;
	case DXGT_E_IO: {
		struct stat sb;
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			cli_err("%s: is a directory, not a trace", path);
		else
			cli_err("%s: cannot read: %s", path, errno ? strerror(errno) : "I/O error");
		break;
	}
	case DXGT_E_EMPTY:
		cli_err("%s: the file is empty: not a trace", path);
		break;
	case DXGT_E_MAGIC:
		cli_err("%s: not a dxgtrace trace (bad magic)", path);
		break;
	case DXGT_E_VERSION:
		cli_err("%s: written by a newer dxgtrace (unsupported format major version); "
			"this one reads version %d",
			path, DXGT_FORMAT_MAJOR);
		break;
	case DXGT_E_TRUNCATED:
		cli_err("%s: the file is cut short inside its header: no calls to recover", path);
		break;
	case DXGT_E_CHECKSUM:
		cli_err("%s: the file header fails its checksum", path);
		break;
	default:
		cli_err("%s: %s", path, dxgt_strerror(rc));
		break;
	}
	return CLI_ERROR;
}

int cli_finish(const char *path, const struct dxgt_reader *r, uint64_t calls)
{
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	if (!st->stop_error)
		return CLI_OK;
	if (st->stop_error == DXGT_E_TRUNCATED) {
		cli_warn("%s: %s; %" PRIu64 " calls recovered", path, st->stop_reason, calls);
		return CLI_OK;
	}
	cli_err("%s: %s (%" PRIu64 " calls before it were read)", path, st->stop_reason, calls);
	return CLI_ERROR;
}

static int parse_u64(const char *s, const char *end, uint64_t *out)
{
	if (s == end)
		return -1;
	uint64_t v = 0;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

int cli_parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash = strchr(s, '-');
	const char *end = s + strlen(s);
	*lo = 0;
	*hi = UINT64_MAX;
	if (!dash)
		return parse_u64(s, end, lo) == 0 ? (*hi = *lo, 0) : -1;
	if (dash > s && parse_u64(s, dash, lo) < 0)
		return -1;
	if (dash + 1 < end && parse_u64(dash + 1, end, hi) < 0)
		return -1;
	if (dash == s && dash + 1 == end)
		return -1;
	return *lo <= *hi ? 0 : -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_progress_start(struct cli_progress *p, const char *what, bool output_is_stdout)
{
	p->what = what;
	p->last_ns = 0;
	p->on = isatty(STDERR_FILENO) && !(output_is_stdout && isatty(STDOUT_FILENO)) &&
		!getenv("DXGTRACE_NO_PROGRESS");
}

void cli_progress_update(struct cli_progress *p, const struct dxgt_reader *r)
{
	if (!p->on)
		return;
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	cli_progress_bytes(p, st->offset, st->file_size);
}

void cli_progress_bytes(struct cli_progress *p, uint64_t done, uint64_t total)
{
	if (!p->on)
		return;
	uint64_t t = now_ns();
	if (t - p->last_ns < 100000000u)
		return;
	p->last_ns = t;
	if (total)
		fprintf(stderr, "\r%s: %5.1f%% of %.1f MiB", p->what,
			100.0 * (double)done / (double)total, (double)total / 1048576.0);
	else
		fprintf(stderr, "\r%s: %.1f MiB", p->what, (double)done / 1048576.0);
	fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->last_ns)
		fputs("\r\033[K", stderr);
	p->last_ns = 0;
}

void cli_bad_option(const char *verb, char **argv, int c)
{
	/* getopt has stopped on argv[optind - 1]; optopt names a bad short one. */
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		cli_err("%s: option '%s' needs a value; see 'dxgtrace %s --help'", verb, arg, verb);
	else if (optopt && arg[0] == '-' && arg[1] != '-')
		cli_err("%s: unknown option '-%c'; see 'dxgtrace %s --help'", verb, optopt, verb);
	else if (strchr(arg, '='))
		cli_err("%s: option '%s' takes no value; see 'dxgtrace %s --help'", verb, arg,
			verb);
	else
		cli_err("%s: unknown option '%s'; see 'dxgtrace %s --help'", verb, arg, verb);
}

int cli_one_file(int argc, char **argv, const char *verb, const char *usage, const char **path)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (c == 'V') {
			cli_version();
			return CLI_OK;
		}
		cli_bad_option(verb, argv, c);
		return CLI_ERROR;
	}
	if (optind != argc - 1) {
		cli_err("%s: expected one trace file; see 'dxgtrace %s --help'", verb, verb);
		return CLI_ERROR;
	}
	*path = argv[optind];
	return -1;
}
