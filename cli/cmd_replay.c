// SPDX-License-Identifier: MIT
/*
 * dxgtrace replay: re-issue the calls of a trace against a backend (the
 * mock host with a profile, a real /dev/dxg, the D3DKMT functions of a
 * libdxcore.so) and, with --verify, compare every result with the
 * recording. The engine is libdxgt_replay (dxgt/replay.h); this file turns
 * options into its arguments and its outcome into output and an exit
 * status.
 *
 * Safety: the dxg and dxcore backends reach real hardware. Before any call
 * is sent the trace is scanned for escapes (opaque driver-private
 * payloads); without --yes a trace that holds any is refused, and with it
 * every escape is printed on stderr just before it is sent.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"

static const char usage[] =
    "usage: dxgtrace replay [--backend mock|dxg|dxcore]\n"
    "                       [--profile NAME|PATH|from-trace|from-trace:FILE]\n"
    "                       [--library PATH] [--device PATH] [--layer d3dkmt|ioctl]\n"
    "                       [--calls A-B] [--only escapes] [--stop-at N] [--verify]\n"
    "                       [--host-differences] [-o REPLAY.dxgt] [--yes] TRACE\n\n"
    "Send the calls of TRACE again, in sequence order, with handles mapped to the\n"
    "live objects and nested buffers rebuilt from the recorded bytes, and (with\n"
    "--verify) compare every result with the recording. See docs/replay.md.\n\n"
    "  --backend NAME   mock (default): the mock host, in process, with --profile;\n"
    "                   dxg: ioctls on a real /dev/dxg (--device);\n"
    "                   dxcore: the D3DKMT functions of libdxcore.so (--library)\n"
    "  --profile P      the mock's host profile: a shipped name, a .json file,\n"
    "                   from-trace (a profile made from TRACE's own results), or\n"
    "                   from-trace:FILE (made from another trace's results: with a\n"
    "                   Windows capture, an emulation of that Windows host)\n"
    "  --library PATH   dxcore: the library (default libdxcore.so, then\n"
    "                   /usr/lib/wsl/lib/libdxcore.so)\n"
    "  --device PATH    dxg: the device (default /dev/dxg)\n"
    "  --layer L        d3dkmt or ioctl (default: d3dkmt when the trace has it and\n"
    "                   the backend replays it, else ioctl)\n"
    "  --calls A-B      only calls A to B (A-, -B, N); calls before A that create or\n"
    "                   destroy objects still run, uncompared\n"
    "  --only escapes   only escapes, and the calls that create and destroy objects\n"
    "  --stop-at N      stop after call N\n"
    "  --verify         compare results, outputs and output buffers; one line per\n"
    "                   difference. A Windows capture (dxgtrace import frida)\n"
    "                   replays as a WSL2 guest sends it (QUERYREGISTRY converted\n"
    "                   to the Linux layout and back); answers a WSL2 guest gets\n"
    "                   differently from the Windows host by design (adapter type\n"
    "                   bits, driver-store paths) are noted, not counted\n"
    "  --host-differences  count those by-design differences as mismatches\n"
    "  -o FILE          record the replay itself as a trace\n"
    "  --yes            dxg and dxcore: allow sending escapes to the device\n"
    "  -h, --help       this help;  -V, --version\n\n"
    "Exit status: 0 replayed (and, with --verify, everything matched); 1 --verify\n"
    "found differences; 2 an error (unusable trace or profile, a backend that cannot\n"
    "be opened, escapes refused without --yes).\n";

struct args {
	const char *backend, *profile, *library, *device, *output, *path;
	const char *profile_trace; /* from-trace[:FILE]: the trace the profile is made from */
	struct dxgt_replay_opts o;
	bool yes;
};

/* ---- progress: a line on stderr, erased before each log line ---- */

static struct cli_progress prog;

static void on_progress(uint64_t done, uint64_t total)
{
	cli_progress_bytes(&prog, done, total);
}

static ssize_t log_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	cli_progress_end(&prog);
	return (ssize_t)fwrite(buf, 1, n, stdout);
}

/* ---- the escape guard for backends that reach a device ---- */

struct guard {
	struct dxgt_backend pub;
	struct dxgt_backend *inner;
};

static const char *guard_last_error(struct dxgt_backend *b)
{
	struct guard *g = b->priv;
	return g->inner->last_error ? g->inner->last_error(g->inner) : NULL;
}

/* Print the escape about to be sent: its scalars and its payload's start.
 * args is the engine's rebuilt struct (its pointers are the engine's
 * memory, not the trace's). */
static void show_escape(const struct guard *g, enum dxgt_layer layer,
			const struct dxgt_call_desc *d, const void *args, uint32_t len)
{
	cli_progress_end(&prog);
	fprintf(stderr, "dxgtrace: replay: sending %s to %s:",
		layer == DXGT_LAYER_D3DKMT ? d->kmt_name : d->ioctl_name, g->inner->name);
	for (uint16_t i = 0; i < d->n_scalars; i++) {
		uint64_t v;
		const struct dxgt_field_desc *f = &d->scalars[i];
		if ((f->fmt == DXGT_FMT_DEC || f->fmt == DXGT_FMT_HEX) &&
		    dxgt_field_read(args, len, f->off, f->size, &v) == 0)
			fprintf(stderr, f->fmt == DXGT_FMT_DEC ? " %s=%" PRIu64 : " %s=0x%" PRIx64,
				f->name, v);
	}
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		uint64_t ptr = 0, n = 0;
		const struct dxgt_buf_desc *b = &d->bufs[i];
		if (dxgt_field_read(args, len, b->ptr_off, 8, &ptr) < 0 ||
		    dxgt_buf_len(b, args, len, &n) < 0)
			continue;
		fprintf(stderr, " %s=%" PRIu64 "B", b->name, ptr ? n : 0);
		const uint8_t *p = (const uint8_t *)(uintptr_t)ptr;
		for (uint64_t k = 0; p && k < n && k < 16; k++)
			fprintf(stderr, "%s%02x", k ? "" : " ", p[k]);
		if (p && n > 16)
			fputs("...", stderr);
	}
	fputc('\n', stderr);
}

static int guard_call(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		      uint32_t code, void *args, uint32_t len, struct dxgt_backend_result *res)
{
	struct guard *g = b->priv;
	if (d && (d->flags & DXGT_CF_ESCAPE))
		show_escape(g, layer, d, args, len);
	return g->inner->call(g->inner, layer, d, code, args, len, res);
}

/* Escapes in the part of the trace to be replayed: the most of either
 * layer, since either may be the one replayed. -1 when the trace cannot be
 * read: the engine then says why. */
static long count_escapes(const struct args *a)
{
	struct dxgt_reader *r = NULL;
	if (dxgt_reader_open(&r, a->path) < 0)
		return -1;
	const struct dxgt_record *rec;
	long n[4] = {0};
	uint64_t end = a->o.last ? a->o.last : UINT64_MAX;
	if (a->o.stop_at && a->o.stop_at < end)
		end = a->o.stop_at;
	while (dxgt_reader_next(r, &rec) > 0) {
		if (rec->type != DXGT_REC_ENTER || rec->seq < a->o.first || rec->seq > end)
			continue;
		const struct dxgt_call_desc *d = dxgt_call_by_id(rec->call_id);
		if (d && (d->flags & DXGT_CF_ESCAPE) && rec->layer < 4)
			n[rec->layer]++;
	}
	dxgt_reader_close(r);
	return n[DXGT_LAYER_D3DKMT] > n[DXGT_LAYER_IOCTL] ? n[DXGT_LAYER_D3DKMT]
							  : n[DXGT_LAYER_IOCTL];
}

/* ---- options ---- */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"profile", required_argument, NULL, 'p'},
	    {"library", required_argument, NULL, 'L'},
	    {"device", required_argument, NULL, 'D'},
	    {"layer", required_argument, NULL, 'l'},
	    {"calls", required_argument, NULL, 'c'},
	    {"only", required_argument, NULL, 'O'},
	    {"stop-at", required_argument, NULL, 's'},
	    {"verify", no_argument, NULL, 'v'},
	    {"output", required_argument, NULL, 'o'},
	    {"yes", no_argument, NULL, 'y'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"host-differences", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	a->backend = "mock";
	while ((c = getopt_long(argc, argv, ":o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "mock") && strcmp(optarg, "dxg") &&
			    strcmp(optarg, "dxcore")) {
				cli_err("replay: --backend: '%s' is not mock, dxg or dxcore",
					optarg);
				return CLI_ERROR;
			}
			a->backend = optarg;
			break;
		case 'p':
			a->profile = optarg;
			break;
		case 'L':
			a->library = optarg;
			break;
		case 'D':
			a->device = optarg;
			break;
		case 'l':
			if (!strcmp(optarg, "d3dkmt")) {
				a->o.layer = DXGT_LAYER_D3DKMT;
			} else if (!strcmp(optarg, "ioctl")) {
				a->o.layer = DXGT_LAYER_IOCTL;
			} else {
				cli_err("replay: --layer: '%s' is not d3dkmt or ioctl%s", optarg,
					strcmp(optarg, "dxcore")
					    ? ""
					    : " (DXCore calls are not replayed)");
				return CLI_ERROR;
			}
			break;
		case 'c': {
			uint64_t lo, hi;
			if (cli_parse_range(optarg, &lo, &hi) < 0) {
				cli_err("replay: --calls: '%s' is not a range like 10-20", optarg);
				return CLI_ERROR;
			}
			a->o.first = lo;
			a->o.last = hi == UINT64_MAX ? 0 : hi;
			break;
		}
		case 'O':
			if (strcmp(optarg, "escapes")) {
				cli_err("replay: --only: '%s': only 'escapes' is known", optarg);
				return CLI_ERROR;
			}
			a->o.escapes_only = true;
			break;
		case 's':
			if (parse_u64(optarg, &a->o.stop_at) < 0 || !a->o.stop_at) {
				cli_err("replay: --stop-at: '%s' is not a sequence number", optarg);
				return CLI_ERROR;
			}
			break;
		case 'v':
			a->o.verify = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'y':
			a->yes = true;
			break;
		case 'H':
			a->o.host_differences = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("replay", argv, c);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1) {
		cli_err("replay: expected one trace file; see 'dxgtrace replay --help'");
		return CLI_ERROR;
	}
	a->path = argv[optind];
	bool mock = !strcmp(a->backend, "mock");
	if (mock && !a->profile) {
		cli_err("replay: the mock backend needs --profile (a shipped name such as "
			"wsl2-intel-npu, a .json file, or from-trace)");
		return CLI_ERROR;
	}
	if (!mock && a->profile) {
		cli_err("replay: --profile is for the mock backend, not %s", a->backend);
		return CLI_ERROR;
	}
	if (a->library && strcmp(a->backend, "dxcore")) {
		cli_err("replay: --library is for the dxcore backend");
		return CLI_ERROR;
	}
	if (a->device && strcmp(a->backend, "dxg")) {
		cli_err("replay: --device is for the dxg backend");
		return CLI_ERROR;
	}
	if (mock && !strcmp(a->profile, "from-trace")) {
		a->profile_trace = a->path;
	} else if (mock && !strncmp(a->profile, "from-trace:", 11)) {
		a->profile_trace = a->profile + 11;
		if (!*a->profile_trace) {
			cli_err("replay: --profile from-trace: names no trace (from-trace:FILE)");
			return CLI_ERROR;
		}
	}
	return -1;
}

static int load_profile(struct args *a, struct dxgt_profile **p)
{
	char err[512] = "";
	int rc;
	if (a->profile_trace) {
		/* An unusable trace is reported as every command reports it. */
		struct dxgt_reader *r = NULL;
		if (cli_open(a->profile_trace, &r) != CLI_OK)
			return DXGT_E_INVAL;
		dxgt_reader_close(r);
		char *json = NULL;
		rc = dxgt_profile_from_trace(a->profile_trace, &json, err, sizeof(err));
		if (rc == 0) {
			char origin[512];
			snprintf(origin, sizeof(origin), "from-trace:%s", a->profile_trace);
			rc = dxgt_profile_parse(p, json, strlen(json), origin, err, sizeof(err));
		}
		free(json);
		/* A profile made from a Windows capture answers as that host. */
		a->o.host_os = dxgt_replay_trace_os(a->profile_trace);
	} else {
		rc = dxgt_profile_load(p, a->profile, err, sizeof(err));
	}
	if (rc < 0)
		cli_err("replay: %s", err[0] ? err : dxgt_strerror(rc));
	return rc;
}

static void summary(const struct args *a, const struct dxgt_replay_stats *s)
{
	printf("replay: %" PRIu64 " call%s replayed, %" PRIu64 " skipped", s->calls,
	       s->calls == 1 ? "" : "s", s->skipped);
	if (s->unmapped)
		printf(", %" PRIu64 " handle%s never created", s->unmapped,
		       s->unmapped == 1 ? "" : "s");
	if (a->o.verify) {
		if (s->mismatches)
			printf("; %" PRIu64 " mismatch%s, the first at seq %" PRIu64, s->mismatches,
			       s->mismatches == 1 ? "" : "es", s->first_mismatch_seq);
		else
			printf("; all results match the recording");
		if (s->host_differences)
			printf("; %" PRIu64 " host/guest difference%s by design%s",
			       s->host_differences, s->host_differences == 1 ? "" : "s",
			       a->o.host_differences ? " (counted)" : " (noted, not counted)");
	}
	if (a->output)
		printf("; replay written to %s", a->output);
	putchar('\n');
}

int cmd_replay(int argc, char **argv)
{
	struct args a = {0};
	int status = parse(argc, argv, &a);
	if (status >= 0)
		return status;
	struct dxgt_profile *profile = NULL;
	struct dxgt_backend *b = NULL;
	struct guard g = {0};
	FILE *log = NULL;
	char err[512] = "";
	status = CLI_ERROR;
	int rc = 0;
	if (!strcmp(a.backend, "mock")) {
		if (load_profile(&a, &profile) < 0)
			goto out;
		rc = dxgt_backend_mock_new(&b, profile);
		if (rc < 0)
			snprintf(err, sizeof(err), "mock backend: %s", dxgt_strerror(rc));
	} else if (!strcmp(a.backend, "dxg")) {
		rc = dxgt_backend_dxg_new(&b, a.device, err, sizeof(err));
	} else {
		rc = dxgt_backend_dxcore_new(&b, a.library, err, sizeof(err));
	}
	if (rc < 0) {
		cli_err("replay: %s", err[0] ? err : dxgt_strerror(rc));
		goto out;
	}
	struct dxgt_backend *use = b;
	if (strcmp(a.backend, "mock")) {
		long n = count_escapes(&a);
		if (n > 0 && !a.yes) {
			cli_err("replay: %s holds %ld escape%s that the %s backend would send to a "
				"real device; pass --yes to send them",
				a.path, n, n == 1 ? "" : "s", a.backend);
			goto out;
		}
		g.pub = *b;
		g.pub.call = guard_call;
		g.pub.free = NULL;
		g.pub.priv = &g;
		g.pub.last_error = guard_last_error;
		g.inner = b;
		use = &g.pub;
	}
	cookie_io_functions_t io = {.write = log_write};
	log = fopencookie(NULL, "w", io);
	if (!log) {
		cli_err("replay: out of memory");
		goto out;
	}
	setvbuf(log, NULL, _IOLBF, 0);
	a.o.output = a.output;
	a.o.log = log;
	struct dxgt_replay_stats st = {0};
	cli_progress_start(&prog, "replay", false);
	rc = dxgt_replay_run(a.path, use, &a.o, &st, on_progress, err, sizeof(err));
	fflush(log);
	cli_progress_end(&prog);
	if (rc < 0) {
		if (st.calls)
			summary(&a, &st);
		fflush(stdout);
		cli_err("replay: %s", err[0] ? err : dxgt_strerror(rc));
		goto out;
	}
	summary(&a, &st);
	if (fflush(stdout) != 0) {
		cli_err("replay: cannot write the output");
		goto out;
	}
	status = a.o.verify && st.mismatches ? CLI_DIFFERENT : CLI_OK;
out:
	if (log)
		fclose(log);
	dxgt_backend_free(b);
	dxgt_profile_free(profile);
	return status;
}
