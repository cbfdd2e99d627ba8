// SPDX-License-Identifier: MIT
/*
 * dxgtrace: the command. One table maps each subcommand to its cmd_<verb>.c;
 * each subcommand parses its own options and knows --help and --version.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
    {"record", cmd_record, "run a command and record its calls to the interface"},
    {"replay", cmd_replay, "re-issue a trace's calls against a backend and compare the results"},
    {"diff", cmd_diff, "compare two traces and name the first divergent escape or call"},
    {"dump", cmd_dump, "print a trace, one line per call (or JSON Lines)"},
    {"stats", cmd_stats, "count calls, failures and time per call"},
    {"info", cmd_info, "show a trace's header, metadata and completeness"},
    {"calls", cmd_calls, "list the calls dxgtrace understands (the descriptor list)"},
    {"explain", cmd_explain, "say what an NTSTATUS, errno or dxgkrnl log line means"},
    {"export", cmd_export, "write a trace as SQLite, JSON Lines or a Perfetto timeline"},
    {"sql", cmd_sql, "run an SQL query over a trace"},
    {"scan", cmd_scan, "find where a binary uses an NTSTATUS or calls D3DKMT functions"},
    {"import", cmd_import, "turn a Windows capture (Frida JSON Lines) into a trace"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: dxgtrace [--help] [--version] COMMAND [ARGS...]\n\n"
		   "Record, replay and compare what a process asks of the WSL2 GPU/NPU\n"
		   "interface (D3DKMT, DXCore, /dev/dxg).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'dxgtrace COMMAND --help' describes one command.\n"
		   "Exit status: 0 success, 1 a difference was found (diff, replay --verify),\n"
		   "2 an error or unusable input.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		if (strcmp(verb, "help") == 0 && argc > 2) {
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
				if (strcmp(argv[2], commands[i].name) == 0) {
					char *args[] = {argv[2], "--help", NULL};
					return commands[i].run(2, args);
				}
			}
		}
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "-V") == 0) {
		cli_version();
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(verb, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_err("'%s' is not a command; see 'dxgtrace --help'", verb);
	return CLI_ERROR;
}
