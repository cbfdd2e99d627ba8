/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of `dxgtrace` share: the command table, error
 * reporting in one style ("dxgtrace: <what>: <why>" on stderr), opening a
 * trace with the exit-status rules of docs/cli.md, --calls ranges, and a
 * progress line that shows on a terminal and stays quiet when piped.
 */
#ifndef DXGT_CLI_H
#define DXGT_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "dxgt/trace.h"

/* Exit statuses. */
#define CLI_OK 0
#define CLI_DIFFERENT 1 /* diff: traces differ; replay --verify: mismatches */
#define CLI_ERROR 2	/* unusable input or a usage error */

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_dump(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_calls(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_import(int argc, char **argv);

__attribute__((format(printf, 1, 2))) void cli_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void cli_warn(const char *fmt, ...);

/* Standard handling of --help and --version for a subcommand; returns true
 * when one was handled (the caller exits 0). */
void cli_version(void);

/* Report the option getopt_long stopped on as one line: c is what it
 * returned (':' for a missing value, with an optstring starting ':'). */
void cli_bad_option(const char *verb, char **argv, int c);

/* Arguments of a command whose only operand is one trace: handles --help
 * and --version. Returns -1 with *path set when the command should run,
 * else the exit status to return. */
int cli_one_file(int argc, char **argv, const char *verb, const char *usage, const char **path);

/* Open a trace, or print why not and return CLI_ERROR. */
int cli_open(const char *path, struct dxgt_reader **out);
/* After reading: report a damaged or cut-off file. Returns CLI_OK for a file
 * that was complete or merely cut off (a warning names what was recovered)
 * and CLI_ERROR for a damaged one (checksum, malformed data). */
int cli_finish(const char *path, const struct dxgt_reader *r, uint64_t calls);

/* "A-B", "A-", "-B" or "A" (sequence numbers). Returns 0 or -1. */
int cli_parse_range(const char *s, uint64_t *lo, uint64_t *hi);

/* A progress line on stderr, shown only when stderr is a terminal and the
 * command's own output is not (or when forced), updated at most 10 times a
 * second. */
struct cli_progress {
	bool on;
	const char *what;
	uint64_t last_ns;
};
void cli_progress_start(struct cli_progress *p, const char *what, bool output_is_stdout);
void cli_progress_update(struct cli_progress *p, const struct dxgt_reader *r);
/* The same from a byte count (total 0: unknown). */
void cli_progress_bytes(struct cli_progress *p, uint64_t done, uint64_t total);
/* Erase the line if it shows; a later update draws it again. */
void cli_progress_end(struct cli_progress *p);

#endif /* DXGT_CLI_H */
