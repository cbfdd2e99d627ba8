// SPDX-License-Identifier: MIT
/* dxgtrace dump: a trace, one line per call, or JSON Lines. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"
#include "dxgt/symbolize.h"

static const char usage[] =
    "usage: dxgtrace dump [--json] [--calls A-B] [--only NAME,...] [--blobs] [--meta]\n"
    "                     [--no-time] [--stacks [--symbol-dir DIR]...] FILE\n\n"
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
    "  --stacks        under each call with a recorded backtrace, one line per\n"
    "                  frame: #N MODULE+FILE-OFFSET FUNCTION+OFFSET (CALL), named\n"
    "                  from local files whose build id matches the recording; an\n"
    "                  ioctl issued inside a D3DKMT call shares that call's stack\n"
    "  --symbol-dir DIR  also look for those files in DIR (repeatable)\n"
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

/* --stacks: the first pass learns every memory map of the trace, since
 * the recorder writes the maps of objects loaded late at the end. */
static int load_maps(const char *path, const char **dirs, size_t n_dirs,
		     struct dxgt_symbolizer **out)
{
	struct dxgt_reader *r = NULL;
	struct dxgt_symbolizer *s = NULL;
	const struct dxgt_record *rec;
	size_t maps = 0;
	int rc = dxgt_symbolizer_new(&s);
	for (size_t i = 0; rc == 0 && i < n_dirs; i++)
		rc = dxgt_symbolizer_add_dir(s, dirs[i]);
	if (rc < 0) {
		cli_err("dump: --stacks: %s", dxgt_strerror(rc));
		goto fail;
	}
	if (cli_open(path, &r) != CLI_OK)
		goto fail;
	while ((rc = dxgt_reader_next(r, &rec)) > 0) {
		if (rec->type != DXGT_REC_META || rec->meta_kind != DXGT_META_MMAP)
			continue;
		if ((rc = dxgt_symbolizer_add_map(s, rec)) == DXGT_E_NOMEM)
			break;
		maps += rc == 0;
	}
	dxgt_reader_close(r);
	if (rc < 0) {
		cli_err("dump: %s: %s", path, dxgt_strerror(rc));
		goto fail;
	}
	if (!maps)
		cli_warn("dump: %s: no memory maps recorded: frames show as addresses", path);
	*out = s;
	return CLI_OK;
fail:
	dxgt_symbolizer_free(s);
	return CLI_ERROR;
}

static int print_stack(struct dxgt_symbolizer *s, const struct dxgt_record *e)
{
	for (uint16_t i = 0; i < e->n_frames; i++) {
		struct dxgt_frame fr;
		char line[512];
		int rc = dxgt_symbolizer_lookup(s, e->frames[i], &fr);
		if (rc < 0)
			return rc;
		printf("        %s\n", dxgt_frame_format(&fr, i, line, sizeof(line)));
	}
	return ferror(stdout) ? DXGT_E_IO : 0;
}

/* The sequence numbers of calls recorded with a stack, as a bit set: an
 * ioctl issued inside one carries none of its own (the recorder does not
 * walk the same stack twice), and dump --stacks points at it. */
struct stacked {
	uint64_t *bits;
	size_t words;
};

#define STACKED_MAX (1ull << 28) /* 32 MiB of bits; past it, no pointers are shown */

static int stacked_add(struct stacked *s, uint64_t seq)
{
	if (seq >= STACKED_MAX)
		return 0;
	size_t w = (size_t)(seq / 64);
	if (w >= s->words) {
		size_t n = s->words ? s->words : 1024;
		while (n <= w)
			n *= 2;
		uint64_t *b = realloc(s->bits, n * sizeof(*b));
		if (!b)
			return DXGT_E_NOMEM;
		memset(b + s->words, 0, (n - s->words) * sizeof(*b));
		s->bits = b;
		s->words = n;
	}
	s->bits[w] |= 1ull << (seq % 64);
	return 0;
}

static bool stacked_has(const struct stacked *s, uint64_t seq)
{
	return seq / 64 < s->words && (s->bits[seq / 64] >> (seq % 64)) & 1;
}

/* Say once per object what kept its frames from being named. */
static void report_unresolved(const struct dxgt_symbolizer *s)
{
	struct dxgt_symbolizer_module m;
	for (size_t i = 0; dxgt_symbolizer_module(s, i, &m) == 0; i++) {
		if (!m.frames || (m.file && m.has_symbols))
			continue;
		char id[2 * 64 + 1] = "none";
		for (size_t k = 0; k < m.build_id_len && k < 64; k++)
			snprintf(id + 2 * k, sizeof(id) - 2 * k, "%02x", m.build_id[k]);
		if (!m.file)
			cli_warn("dump: --stacks: no local file matches %s (build id %s): its "
				 "frames are not named; see --symbol-dir",
				 m.path[0] ? m.path : "an unnamed object", id);
		else
			cli_warn("dump: --stacks: %s has no symbols: its frames are not named",
				 m.file);
	}
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
	    {"stacks", no_argument, NULL, 'S'},
	    {"symbol-dir", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct filter f = {0, UINT64_MAX, NULL, 0};
	bool json = false, meta = false, stacks = false;
	const char **dirs = NULL;
	size_t n_dirs = 0;
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
				free(dirs);
				return CLI_ERROR;
			}
			break;
		case 'o':
			if (split_names(optarg, &f) < 0) {
				free(f.names);
				free(dirs);
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
		case 'S':
			stacks = true;
			break;
		case 'D': {
			const char **d = realloc(dirs, (n_dirs + 1) * sizeof(*d));
			if (!d) {
				cli_err("dump: out of memory");
				free(dirs);
				free(f.names);
				return CLI_ERROR;
			}
			dirs = d;
			dirs[n_dirs++] = optarg;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			free(f.names);
			free(dirs);
			return CLI_OK;
		case 'V':
			cli_version();
			free(f.names);
			free(dirs);
			return CLI_OK;
		default:
			cli_bad_option("dump", argv, c);
			free(f.names);
			free(dirs);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1 || (json && stacks) || (n_dirs && !stacks)) {
		if (optind != argc - 1)
			cli_err("dump: expected one trace file; see 'dxgtrace dump --help'");
		else if (json)
			cli_err("dump: --stacks goes with the text output, not --json (whose "
				"\"frames\" are the recorded addresses)");
		else
			cli_err("dump: --symbol-dir goes with --stacks");
		free(f.names);
		free(dirs);
		return CLI_ERROR;
	}
	const char *path = argv[optind];
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct dxgt_symtab *t = NULL;
	struct dxgt_symbolizer *sym = NULL;
	struct cli_progress prog;
	struct stacked stk = {0};
	uint64_t calls = 0;
	int status = cli_open(path, &r);
	if (status != CLI_OK)
		goto out;
	if (stacks && (status = load_maps(path, dirs, n_dirs, &sym)) != CLI_OK)
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
		if (sym && call.enter->n_frames && (rc = stacked_add(&stk, call.enter->seq)) < 0)
			break;
		if (!wanted(&f, &call))
			continue;
		rc = json ? dxgt_call_print_json(stdout, &call, t, flags)
			  : dxgt_call_print(stdout, &call, t, flags);
		if (rc == 0 && sym && call.enter->n_frames)
			rc = print_stack(sym, call.enter);
		else if (rc == 0 && sym && call.enter->layer == DXGT_LAYER_IOCTL &&
			 call.enter->parent_seq && stacked_has(&stk, call.enter->parent_seq) &&
			 printf("        (the stack of seq %llu, which issued it)\n",
				(unsigned long long)call.enter->parent_seq) < 0)
			rc = DXGT_E_IO;
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
	if (sym)
		report_unresolved(sym);
	status = cli_finish(path, r, calls);
out:
	free(stk.bits);
	dxgt_symbolizer_free(sym);
	free(dirs);
	dxgt_symtab_free(t);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	free(f.names);
	return status;
}
