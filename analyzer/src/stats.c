// SPDX-License-Identifier: MIT
/*
 * Per-call statistics: for each layer and call name, how many calls, how
 * many failed and how, how many never returned, and the total and median
 * time between enter and leave. Durations are kept per row to give an exact
 * median; that is 8 bytes per call.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/analyze.h"
#include "dxgt/error.h"

struct outcome {
	char what[96];
	uint64_t n;
};

struct row {
	uint8_t layer;
	char name[64];
	uint64_t calls, failed, unfinished, total_ns;
	uint64_t *dur;
	size_t ndur, capdur;
	struct outcome *out;
	size_t nout;
};

struct dxgt_stats {
	struct row *rows;
	size_t n, cap;
};

int dxgt_stats_new(struct dxgt_stats **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : DXGT_E_NOMEM;
}

void dxgt_stats_free(struct dxgt_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].dur);
		free(s->rows[i].out);
	}
	free(s->rows);
	free(s);
}

static struct row *row_for(struct dxgt_stats *s, uint8_t layer, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].layer == layer && strcmp(s->rows[i].name, name) == 0)
			return &s->rows[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct row *r = realloc(s->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		s->rows = r;
		s->cap = cap;
	}
	struct row *r = &s->rows[s->n++];
	memset(r, 0, sizeof(*r));
	r->layer = layer;
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

int dxgt_stats_add(struct dxgt_stats *s, const struct dxgt_call *c)
{
	if (!c->enter || c->enter->type != DXGT_REC_ENTER)
		return 0;
	char name[64], res[96];
	struct row *r = row_for(s, c->enter->layer, dxgt_call_display_name(c, name, sizeof(name)));
	if (!r)
		return DXGT_E_NOMEM;
	r->calls++;
	if (!c->leave) {
		r->unfinished++;
		return 0;
	}
	if (c->leave->time_ns >= c->enter->time_ns) {
		uint64_t d = c->leave->time_ns - c->enter->time_ns;
		r->total_ns += d;
		if (r->ndur == r->capdur) {
			size_t cap = r->capdur ? 2 * r->capdur : 16;
			uint64_t *n = realloc(r->dur, cap * sizeof(*n));
			if (!n)
				return DXGT_E_NOMEM;
			r->dur = n;
			r->capdur = cap;
		}
		r->dur[r->ndur++] = d;
	}
	if (!dxgt_call_failed(c))
		return 0;
	r->failed++;
	dxgt_call_result(c, res, sizeof(res));
	for (size_t i = 0; i < r->nout; i++) {
		if (strcmp(r->out[i].what, res) == 0) {
			r->out[i].n++;
			return 0;
		}
	}
	struct outcome *o = realloc(r->out, (r->nout + 1) * sizeof(*o));
	if (!o)
		return DXGT_E_NOMEM;
	r->out = o;
	snprintf(o[r->nout].what, sizeof(o[r->nout].what), "%s", res);
	o[r->nout++].n = 1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->layer != y->layer)
		return x->layer - y->layer;
	return strcmp(x->name, y->name);
}

int dxgt_stats_print(FILE *f, const struct dxgt_stats *s)
{
	uint64_t calls = 0, failed = 0, unfinished = 0;
	if (s->n)
		qsort(s->rows, s->n, sizeof(*s->rows), cmp_row);
	fprintf(f, "%-6s %-40s %8s %7s %8s %12s %11s  %s\n", "layer", "call", "calls", "failed",
		"no-ret", "total_us", "median_us", "failures");
	for (size_t i = 0; i < s->n; i++) {
		struct row *r = &s->rows[i];
		double med = 0;
		if (r->ndur) {
			qsort(r->dur, r->ndur, sizeof(*r->dur), cmp_u64);
			med =
			    r->ndur % 2
				? (double)r->dur[r->ndur / 2]
				: ((double)r->dur[r->ndur / 2 - 1] + (double)r->dur[r->ndur / 2]) /
				      2.0;
		}
		fprintf(f, "%-6s %-40s %8" PRIu64 " %7" PRIu64 " %8" PRIu64 " %12.1f %11.1f",
			dxgt_layer_name((enum dxgt_layer)r->layer), r->name, r->calls, r->failed,
			r->unfinished, (double)r->total_ns / 1000.0, med / 1000.0);
		for (size_t k = 0; k < r->nout; k++)
			fprintf(f, "%s %s x%" PRIu64, k ? "," : " ", r->out[k].what, r->out[k].n);
		fputc('\n', f);
		calls += r->calls;
		failed += r->failed;
		unfinished += r->unfinished;
	}
	fprintf(f, "%-6s %-40s %8" PRIu64 " %7" PRIu64 " %8" PRIu64 "\n", "", "total", calls,
		failed, unfinished);
	return ferror(f) ? DXGT_E_IO : 0;
}
