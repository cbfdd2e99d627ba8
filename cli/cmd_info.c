// SPDX-License-Identifier: MIT
/* dxgtrace info: header, metadata, chunks, and whether the file is complete. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "dxgt/analyze.h"
#include "dxgt/error.h"

static const char usage[] =
    "usage: dxgtrace info FILE\n\n"
    "Show the trace's format version and creation time, its metadata (process,\n"
    "host, adapters, memory maps, capture options, dropped records), how many\n"
    "chunks, records and calls it holds per layer, and whether the file is\n"
    "complete or was recovered from a recording that did not finish.\n\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 success (also for a trace cut short: the state line says so);\n"
    "2 unusable input or damage found.\n";

int cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	int done = cli_one_file(argc, argv, "info", usage, &path);
	if (done >= 0)
		return done;
	struct dxgt_reader *r = NULL;
	struct dxgt_pairer *p = NULL;
	struct cli_progress prog;
	uint64_t calls = 0, unfinished = 0, per_layer[4] = {0}, frames = 0;
	int rc, status = cli_open(path, &r);
	if (status != CLI_OK)
		goto out;
	if (dxgt_pairer_new(&p, r, 0) < 0) {
		cli_err("info: out of memory");
		status = CLI_ERROR;
		goto out;
	}
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	time_t created = (time_t)(st->created_unix_ns / 1000000000u);
	struct tm tm;
	char when[32] = "?";
	if (gmtime_r(&created, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("file:      %s\n", path);
	printf("format:    %u.%u\n", st->major, st->minor);
	printf("created:   %s\n", when);
	printf("metadata:\n");
	cli_progress_start(&prog, "info", false);
	struct dxgt_call call;
	while ((rc = dxgt_pairer_next(p, &call)) > 0) {
		cli_progress_update(&prog, r);
		if (call.enter->type == DXGT_REC_META) {
			fputs("  ", stdout);
			dxgt_meta_print(stdout, call.enter);
			continue;
		}
		if (call.enter->type != DXGT_REC_ENTER)
			continue;
		calls++;
		unfinished += call.leave == NULL;
		per_layer[call.enter->layer < 4 ? call.enter->layer : 0]++;
		frames += call.enter->n_frames != 0;
	}
	cli_progress_end(&prog);
	if (rc < 0) {
		cli_err("info: %s: %s", path, dxgt_strerror(rc));
		status = CLI_ERROR;
		goto out;
	}
	printf("size:      %" PRIu64 " bytes, %" PRIu64 " chunks, %" PRIu64 " records (%" PRIu64
	       " bytes uncompressed)\n",
	       st->offset, st->chunks, st->records, st->raw_bytes);
	printf("calls:     %" PRIu64 " (d3dkmt %" PRIu64 ", dxcore %" PRIu64 ", ioctl %" PRIu64
	       "), %" PRIu64 " never returned, %" PRIu64 " with backtraces\n",
	       calls, per_layer[DXGT_LAYER_D3DKMT], per_layer[DXGT_LAYER_DXCORE],
	       per_layer[DXGT_LAYER_IOCTL], unfinished, frames);
	if (st->unknown)
		printf("skipped:   %" PRIu64 " records of types this version does not know\n",
		       st->unknown);
	if (dxgt_pairer_orphans(p))
		printf("orphans:   %" PRIu64 " leave records without their enter\n",
		       dxgt_pairer_orphans(p));
	if (st->complete)
		printf("state:     complete (index and trailer present)\n");
	else
		printf("state:     %s at offset %" PRIu64 ": %s\n",
		       st->stop_error == DXGT_E_TRUNCATED ? "recovered" : "damaged",
		       st->stop_offset, st->stop_reason);
	fflush(stdout);
	status = st->complete || st->stop_error == DXGT_E_TRUNCATED ? CLI_OK : CLI_ERROR;
	if (status != CLI_OK)
		cli_err("%s: %s", path, st->stop_reason);
out:
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	return status;
}
