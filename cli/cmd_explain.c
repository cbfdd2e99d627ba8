// SPDX-License-Identifier: MIT
/*
 * dxgtrace explain: what an NTSTATUS, an errno or a dxgkrnl log line means
 * (the call, the status mapping both ways, the known notes), or every
 * failed call of a trace with its explanation. The knowledge lives in the
 * analyzer's tables (dxgt/explain.h); this file only reads arguments and
 * lays out the listing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"
#include "dxgt/explain.h"
#include "dxgt/status.h"

static const char usage[] =
    "usage: dxgtrace explain [--call NAME] VALUE...\n"
    "       dxgtrace explain --trace FILE\n"
    "       dxgtrace explain --notes [--markdown]\n\n"
    "Say what a failure means on the WSL2 GPU interface. VALUE is\n"
    "  an NTSTATUS      0xC0000023, C0000023, STATUS_BUFFER_TOO_SMALL, BUFFER_TOO_SMALL\n"
    "  an errno         -75, 75, EOVERFLOW\n"
    "  a kernel log line of dxgkrnl (quote it):\n"
    "                   'misc dxg: dxgk: dxgkio_escape: Ioctl failed: -75'\n"
    "For each, it names the call (a log line names the kernel's handler), gives\n"
    "the NTSTATUS-to-errno mapping of the guest driver in both directions and\n"
    "whether it is ambiguous, and adds what is known of that failure on that\n"
    "call (docs/explain.md).\n\n"
    "  --call NAME     the values after it are results of this call (Escape,\n"
    "                  D3DKMTEscape, LX_DXESCAPE, dxgkio_escape)\n"
    "  --trace FILE    list every failed call of a trace with its explanation,\n"
    "                  then the notes they refer to\n"
    "  --notes         print the table of notes (--markdown: as a Markdown table)\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 every value explained; 2 a value that is none of the forms\n"
    "above (the others are still explained), or an unusable trace.\n";

/* Why a value could not be read, in the one-line error style. */
static void unknown(const char *v, int rc)
{
	if (rc == DXGT_E_NOTFOUND && strchr(v, ':'))
		cli_err("explain: '%s': the log line names no call dxgtrace knows and "
			"carries no result",
			v);
	else if (v[strspn(v, "-+0123456789")] == '\0')
		cli_err("explain: '%s': not an errno (1 to 4095, either sign); write an NTSTATUS "
			"in hex, as 0x%s",
			v, v[0] == '-' || v[0] == '+' ? v + 1 : v);
	else if (rc == DXGT_E_NOTFOUND)
		cli_err("explain: '%s': no NTSTATUS or errno dxgtrace knows has this name", v);
	else
		cli_err("explain: '%s': not an NTSTATUS (0xC0000023, STATUS_BUFFER_TOO_SMALL), "
			"an errno (-75, 75, EOVERFLOW) or a dxgkrnl log line",
			v);
}

/* A VALUE with the --call given before it, if any. */
struct value {
	const char *text;
	const struct dxgt_call_desc *call;
};

static int explain_values(const struct value *vals, int n)
{
	int status = CLI_OK;
	bool first = true;
	for (int i = 0; i < n; i++) {
		struct dxgt_explain x;
		int rc = dxgt_explain_parse(vals[i].text, &x);
		if (rc < 0) {
			fflush(stdout);
			unknown(vals[i].text, rc);
			status = CLI_ERROR;
			continue;
		}
		if (vals[i].call && !x.call)
			x.call = vals[i].call;
		if (!first)
			putchar('\n');
		first = false;
		printf("%s\n", vals[i].text);
		if (dxgt_explain_print(stdout, &x, 0) < 0)
			return CLI_ERROR;
	}
	return status;
}

/* What a note is about: "Escape, EOVERFLOW", "any call, ENOTTY". */
static void note_about(const struct dxgt_note *nt, char *buf, size_t len)
{
	const char *calls = nt->calls[0]		   ? nt->calls
			    : (nt->cflags & DXGT_CF_ASYNC) ? "asynchronous calls"
							   : "any call";
	const char *err = nt->err < 0 ? "any failure" : dxgt_errno_name(nt->err);
	snprintf(buf, len, "%s, %s", calls, err ? err : "?");
}

static int print_notes(bool markdown)
{
	char about[128], first[160];
	if (markdown)
		printf("| note | about | what is known |\n|---|---|---|\n");
	for (size_t i = 0; i < dxgt_note_count(); i++) {
		const struct dxgt_note *nt = dxgt_note_at(i);
		note_about(nt, about, sizeof(about));
		if (markdown) {
			printf("| [%u] | %s | %s |\n", nt->id, about, nt->text);
			continue;
		}
		snprintf(first, sizeof(first), "[%u] %s: ", nt->id, about);
		dxgt_explain_wrap(stdout, first, 4, nt->text);
	}
	return CLI_OK;
}

/* The notes the failed calls referred to, by id; a note is listed once. */
struct seen {
	bool used[256];
	unsigned count;
};

static int explain_trace(const char *path)
{
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct cli_progress prog;
	struct seen seen = {{0}, 0};
	uint64_t calls = 0, failed = 0;
	int status = cli_open(path, &r);
	if (status != CLI_OK)
		return status;
	if (dxgt_pairer_new(&p, r, 0) < 0) {
		cli_err("explain: out of memory");
		status = CLI_ERROR;
		goto out;
	}
	cli_progress_start(&prog, "explain", true);
	struct dxgt_call call;
	int rc;
	while ((rc = dxgt_pairer_next(p, &call)) > 0) {
		cli_progress_update(&prog, r);
		if (call.enter->type != DXGT_REC_ENTER)
			continue;
		calls++;
		if (!dxgt_call_failed(&call))
			continue;
		failed++;
		struct dxgt_explain x;
		char name[64], res[96], sum[512];
		if (dxgt_explain_call(&call, &x) < 0)
			continue;
		const struct dxgt_record *e = call.enter;
		printf("%6" PRIu64 " %6" PRIu32 " %-6s %s = %s", e->seq, e->tid,
		       dxgt_layer_name((enum dxgt_layer)e->layer),
		       dxgt_call_display_name(&call, name, sizeof(name)),
		       dxgt_call_result(&call, res, sizeof(res)));
		if (e->parent_seq)
			printf(" (from seq %" PRIu64 ")", e->parent_seq);
		putchar('\n');
		dxgt_explain_summary(&x, sum, sizeof(sum));
		const struct dxgt_note *nt[32];
		size_t n = dxgt_explain_notes(&x, nt, sizeof(nt) / sizeof(nt[0]));
		size_t k = strlen(sum);
		for (size_t i = 0; i < n && i < 32 && k + 16 < sizeof(sum); i++) {
			k += (size_t)snprintf(sum + k, sizeof(sum) - k, "%s[%u]",
					      i ? " " : (k ? "; notes " : "notes "), nt[i]->id);
			if (nt[i]->id < 256 && !seen.used[nt[i]->id]) {
				seen.used[nt[i]->id] = true;
				seen.count++;
			}
		}
		dxgt_explain_wrap(stdout, "       ", 7, sum);
	}
	cli_progress_end(&prog);
	if (rc < 0) {
		cli_err("explain: %s: %s", path, dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	if (failed)
		printf("\n%" PRIu64 " of %" PRIu64 " calls failed\n", failed, calls);
	else
		printf("no call failed (%" PRIu64 " calls)\n", calls);
	if (seen.count) {
		printf("\nnotes:\n");
		for (size_t i = 0; i < dxgt_note_count(); i++) {
			const struct dxgt_note *nt = dxgt_note_at(i);
			if (nt->id >= 256 || !seen.used[nt->id])
				continue;
			char about[128], first[160];
			note_about(nt, about, sizeof(about));
			snprintf(first, sizeof(first), "[%u] %s: ", nt->id, about);
			dxgt_explain_wrap(stdout, first, 4, nt->text);
		}
	}
	if (fflush(stdout) != 0) {
		cli_err("explain: cannot write the output");
		status = CLI_ERROR;
		goto out;
	}
	status = cli_finish(path, r, calls);
out:
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	return status;
}

/* Whether s reads as a negative number ("-75"), which is a value. */
static bool is_number(const char *s)
{
	return s[0] == '-' && s[1] >= '0' && s[1] <= '9';
}

int cmd_explain(int argc, char **argv)
{
	const char *trace = NULL;
	const struct dxgt_call_desc *call = NULL;
	bool notes = false, markdown = false;
	struct value *vals = calloc((size_t)argc, sizeof(*vals));
	int n = 0, status = CLI_OK;
	if (!vals) {
		cli_err("explain: out of memory");
		return CLI_ERROR;
	}
	/* Options by hand: getopt would read "-75" as options 7 and 5. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				vals[n++] = (struct value){argv[i], call};
			break;
		}
		if (a[0] != '-' || is_number(a)) {
			vals[n++] = (struct value){argv[i], call};
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			goto out;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			cli_version();
			goto out;
		}
		if (strcmp(a, "--notes") == 0) {
			notes = true;
			continue;
		}
		if (strcmp(a, "--markdown") == 0) {
			markdown = true;
			continue;
		}
		const char *opt = NULL;
		if (strncmp(a, "--call", 6) == 0 && (a[6] == '\0' || a[6] == '='))
			opt = "--call";
		else if (strncmp(a, "--trace", 7) == 0 && (a[7] == '\0' || a[7] == '='))
			opt = "--trace";
		if (!opt) {
			cli_err("explain: unknown option '%s'; see 'dxgtrace explain --help'", a);
			status = CLI_ERROR;
			goto out;
		}
		val = strchr(a, '=') ? strchr(a, '=') + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!val) {
			cli_err("explain: option '%s' needs a value; see 'dxgtrace explain --help'",
				a);
			status = CLI_ERROR;
			goto out;
		}
		if (strcmp(opt, "--trace") == 0) {
			trace = val;
			continue;
		}
		call = dxgt_explain_kfunc_call(val);
		if (!call)
			call = dxgt_call_by_name(val);
		if (!call) {
			cli_err("explain: --call: no call is named '%s'", val);
			status = CLI_ERROR;
			goto out;
		}
	}
	if (notes) {
		if (trace || n || call) {
			cli_err("explain: --notes takes no other argument but --markdown");
			status = CLI_ERROR;
		} else {
			status = print_notes(markdown);
		}
	} else if (markdown) {
		cli_err("explain: --markdown goes with --notes");
		status = CLI_ERROR;
	} else if (trace) {
		if (n || call) {
			cli_err("explain: --trace takes no VALUE or --call; see 'dxgtrace explain "
				"--help'");
			status = CLI_ERROR;
		} else {
			status = explain_trace(trace);
		}
	} else if (!n) {
		cli_err("explain: expected a VALUE or --trace FILE; see 'dxgtrace explain --help'");
		status = CLI_ERROR;
	} else {
		status = explain_values(vals, n);
	}
out:
	free(vals);
	return status;
}
