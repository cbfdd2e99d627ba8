// SPDX-License-Identifier: MIT
/*
 * rec_check_threads TRACE THREADS CALLS D3DKMT_CALLS [--drop]: checks the
 * trace rec_threads left (THREADS threads x CALLS tagged escapes, and
 * D3DKMT_CALLS D3DKMT calls in all, as it printed) with libdxgt's reader
 * and pairer, without going through dump --json (800,000 calls).
 *
 * Every D3DKMT call under the mock issues exactly one ioctl, so the
 * process made 2 * D3DKMT_CALLS calls. Checked, with the raw reader:
 *   - no sequence number has two ENTER or two LEAVE records;
 *   - every tagged escape is there once at each layer, the ioctl's
 *     parent is the D3DKMT escape with the same tag, on the same thread;
 *   - for each thread, the sequence numbers grow with the thread's own
 *     call index (the tag), and each thread ran on one tid;
 *   - every call has its LEAVE, every LEAVE its ENTER.
 * With the pairer (a window larger than the trace): every call comes out
 * once, in sequence order, with its LEAVE, and no orphans.
 *
 * With --drop (DXGTRACE_ON_FULL=drop), records may be missing, but only as
 * the META "dropped" record counts them: `calls` is the calls whose ENTER
 * was dropped (they are not in the trace at all), `records` those ENTERs
 * plus the LEAVEs dropped of calls that are in it. So
 *   ENTERs found + dropped calls = calls made,
 *   LEAVEs found + dropped records - dropped calls = ENTERs found,
 * and whatever is present still obeys the rules above (at most once, in
 * order); an ioctl whose D3DKMT call was dropped still names it as its
 * parent (a sequence number absent from the trace, never 0). Without
 * --drop there must be no "dropped" record.
 *
 * Prints what it checked and the first problems; exit 0 or 1 (2: usage or
 * an unreadable trace).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/trace.h"

#define MAX_THREADS 64u

struct seqinfo {
	uint64_t parent;
	uint32_t tid;
	uint32_t tag_index;  /* call index of the tag */
	uint16_t tag_thread; /* thread index + 1; 0: untagged */
	uint8_t layer;
	uint8_t enters, leaves, children;
};

static struct seqinfo *info;
static uint64_t info_cap, max_seq;
static unsigned problems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	if (problems++ < 20) {
		va_list ap;
		va_start(ap, fmt);
		printf("FAIL: ");
		vprintf(fmt, ap);
		printf("\n");
		va_end(ap);
	} else if (problems == 21) {
		printf("(further problems not shown)\n");
	}
}

static struct seqinfo *at(uint64_t seq)
{
	if (seq >= info_cap) {
		uint64_t cap = info_cap ? info_cap : 1u << 16;
		while (cap <= seq)
			cap *= 2;
		struct seqinfo *n = realloc(info, cap * sizeof(*n));
		if (!n) {
			fprintf(stderr, "rec_check_threads: out of memory\n");
			exit(2);
		}
		memset(n + info_cap, 0, (cap - info_cap) * sizeof(*n));
		info = n;
		info_cap = cap;
	}
	if (seq > max_seq)
		max_seq = seq;
	return &info[seq];
}

/* The "RTHR" tag of an escape's payload: thread index and call index. */
static bool tag_of(const struct dxgt_record *r, uint32_t *thread, uint32_t *index)
{
	if (r->call_id != 0x0d) /* Escape */
		return false;
	for (uint16_t i = 0; i < r->n_bufs; i++) {
		const struct dxgt_rec_buf *b = &r->bufs[i];
		if (b->level != 0 || b->len < 16 || memcmp(b->data, "RTHR", 4) != 0)
			continue;
		uint32_t v[3];
		memcpy(v, b->data + 4, sizeof(v)); /* little-endian hosts only */
		*thread = v[0];
		*index = v[1];
		return true;
	}
	return false;
}

static uint64_t meta_u64(const struct dxgt_record *r, const char *key)
{
	for (uint16_t i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i].key, key) == 0 && r->fields[i].type == DXGT_VAL_U64)
			return r->fields[i].u64;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--drop") != 0)) {
		fprintf(stderr,
			"usage: rec_check_threads TRACE THREADS CALLS D3DKMT_CALLS [--drop]\n");
		return 2;
	}
	const char *path = argv[1];
	uint32_t n_threads = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t n_calls = (uint32_t)strtoul(argv[3], NULL, 10);
	uint64_t made = 2 * strtoull(argv[4], NULL, 10);
	bool drop = argc == 6;
	if (!n_threads || n_threads > MAX_THREADS || !n_calls || !made) {
		fprintf(stderr, "rec_check_threads: bad counts\n");
		return 2;
	}

	/* ---- pass 1: the raw records ---- */
	struct dxgt_reader *r;
	int rc = dxgt_reader_open(&r, path);
	if (rc < 0) {
		fprintf(stderr, "rec_check_threads: %s: %s\n", path, dxgt_strerror(rc));
		return 2;
	}
	uint64_t enters = 0, leaves = 0, drop_records = 0, drop_calls = 0, drop_metas = 0;
	uint64_t *seqs = calloc((size_t)n_threads * n_calls, sizeof(*seqs)); /* 0: not seen */
	uint32_t tids[MAX_THREADS] = {0};
	if (!seqs)
		return 2;
	const struct dxgt_record *rec;
	while ((rc = dxgt_reader_next(r, &rec)) == 1) {
		if (rec->type == DXGT_REC_META) {
			if (rec->meta_kind == DXGT_META_DROPPED) {
				drop_metas++;
				drop_records += meta_u64(rec, "records");
				drop_calls += meta_u64(rec, "calls");
			}
			continue;
		}
		if (rec->type != DXGT_REC_ENTER && rec->type != DXGT_REC_LEAVE)
			continue;
		if (rec->seq == 0) {
			problem("a call record with sequence number 0");
			continue;
		}
		struct seqinfo *s = at(rec->seq);
		if (rec->type == DXGT_REC_LEAVE) {
			leaves++;
			if (++s->leaves == 2)
				problem("seq %" PRIu64 ": two LEAVE records", rec->seq);
			continue;
		}
		enters++;
		if (++s->enters == 2) {
			problem("seq %" PRIu64 ": two ENTER records", rec->seq);
			continue;
		}
		s->parent = rec->parent_seq;
		s->tid = rec->tid;
		s->layer = rec->layer;
		uint32_t t, i;
		if (!tag_of(rec, &t, &i))
			continue;
		if (t >= n_threads || i >= n_calls) {
			problem("seq %" PRIu64 ": tag thread %u call %u out of range", rec->seq, t,
				i);
			continue;
		}
		s->tag_thread = (uint16_t)(t + 1);
		s->tag_index = i;
		if (!tids[t])
			tids[t] = rec->tid;
		else if (tids[t] != rec->tid)
			problem("thread %u's calls come from tids %u and %u", t, tids[t], rec->tid);
		if (rec->layer == DXGT_LAYER_D3DKMT) {
			uint64_t *slot = &seqs[(size_t)t * n_calls + i];
			if (*slot)
				problem("thread %u call %u recorded twice at the D3DKMT layer (seq "
					"%" PRIu64 " and %" PRIu64 ")",
					t, i, *slot, rec->seq);
			*slot = rec->seq;
		}
	}
	const struct dxgt_read_state *st = dxgt_reader_state(r);
	if (rc < 0 || !st->complete)
		problem("the trace did not read to its end: %s",
			rc < 0 ? dxgt_strerror(rc) : st->stop_reason);
	dxgt_reader_close(r);

	/* Parents, children, pairs. */
	uint64_t tagged[4] = {0}; /* by layer */
	for (uint64_t q = 1; q <= max_seq; q++) {
		struct seqinfo *s = &info[q];
		if (s->leaves && !s->enters && !drop)
			problem("seq %" PRIu64 ": LEAVE without ENTER", q);
		if (s->enters && !s->leaves && !drop)
			problem("seq %" PRIu64 ": never returned", q);
		if (!s->enters || !s->tag_thread)
			continue;
		tagged[s->layer & 3]++;
		if (s->layer != DXGT_LAYER_IOCTL)
			continue;
		struct seqinfo *p = s->parent <= max_seq ? &info[s->parent] : NULL;
		if (!p || !p->enters) {
			if (!drop || s->parent == 0)
				problem("ioctl seq %" PRIu64 ": parent %" PRIu64
					" is not in the trace",
					q, s->parent);
			continue;
		}
		if (p->layer != DXGT_LAYER_D3DKMT || p->tag_thread != s->tag_thread ||
		    p->tag_index != s->tag_index || p->tid != s->tid)
			problem("ioctl seq %" PRIu64 " (thread %u call %u): parent %" PRIu64
				" is another call (layer %u, thread %d call %u, tid %u)",
				q, s->tag_thread - 1, s->tag_index, s->parent, p->layer,
				p->tag_thread - 1, p->tag_index, p->tid);
		else if (++p->children == 2)
			problem("seq %" PRIu64 ": more than one ioctl", s->parent);
	}
	for (uint64_t q = 1; q <= max_seq && !drop; q++)
		if (info[q].enters && info[q].tag_thread && info[q].layer == DXGT_LAYER_D3DKMT &&
		    info[q].children != 1)
			problem("D3DKMT escape seq %" PRIu64 " (thread %u call %u) has no ioctl", q,
				info[q].tag_thread - 1, info[q].tag_index);

	/* Each thread's order. */
	uint64_t missing = 0;
	for (uint32_t t = 0; t < n_threads; t++) {
		uint64_t prev = 0;
		uint32_t prev_i = 0;
		for (uint32_t i = 0; i < n_calls; i++) {
			uint64_t q = seqs[(size_t)t * n_calls + i];
			if (!q) {
				if (!drop && missing < 5)
					problem("thread %u call %u is not in the trace", t, i);
				missing++;
				continue;
			}
			if (prev && q <= prev)
				problem("thread %u: call %u has seq %" PRIu64
					", not after call %u's %" PRIu64,
					t, i, q, prev_i, prev);
			prev = q;
			prev_i = i;
		}
	}
	for (uint32_t t = 0; t < n_threads; t++)
		for (uint32_t u = t + 1; u < n_threads; u++)
			if (tids[t] && tids[t] == tids[u])
				problem("threads %u and %u both recorded as tid %u", t, u, tids[t]);
	uint64_t want = (uint64_t)n_threads * n_calls;
	printf("pass 1: %" PRIu64 " ENTER, %" PRIu64 " LEAVE records, highest seq %" PRIu64
	       ", no duplicates unless listed\n",
	       enters, leaves, max_seq);
	printf("tagged escapes: %" PRIu64 " at the D3DKMT layer, %" PRIu64
	       " at the ioctl layer (made: %" PRIu64 " each), %" PRIu64 " missing\n",
	       tagged[DXGT_LAYER_D3DKMT], tagged[DXGT_LAYER_IOCTL], want, missing);
	printf("dropped: %" PRIu64 " META record(s): %" PRIu64 " records, %" PRIu64 " calls\n",
	       drop_metas, drop_records, drop_calls);
	if (!drop) {
		if (tagged[DXGT_LAYER_D3DKMT] != want || tagged[DXGT_LAYER_IOCTL] != want)
			problem("expected %" PRIu64 " tagged escapes at each layer", want);
		if (drop_metas)
			problem("a \"dropped\" META record although on_full=wait");
	}
	if (drop_metas > 1)
		problem("%" PRIu64 " \"dropped\" META records; expected at most one", drop_metas);
	if (drop_metas && !drop_records)
		problem("a \"dropped\" META record with records=0");
	if (enters + drop_calls != made)
		problem("ENTER records %" PRIu64 " + dropped calls %" PRIu64
			" != calls made %" PRIu64,
			enters, drop_calls, made);
	else
		printf("calls made %" PRIu64 " = ENTER records %" PRIu64 " + dropped calls %" PRIu64
		       "\n",
		       made, enters, drop_calls);
	if (drop_calls > drop_records || leaves + (drop_records - drop_calls) != enters)
		problem("LEAVE records %" PRIu64 " + dropped LEAVEs %" PRIu64
			" != calls recorded %" PRIu64,
			leaves, drop_records - drop_calls, enters);
	else
		printf("calls recorded %" PRIu64 " = LEAVE records %" PRIu64
		       " + dropped LEAVEs (records - calls) %" PRIu64 "\n",
		       enters, leaves, drop_records - drop_calls);

	/* ---- pass 2: the pairer ---- */
	rc = dxgt_reader_open(&r, path);
	if (rc < 0)
		return 2;
	struct dxgt_pairer *p;
	if (dxgt_pairer_new(&p, r, (size_t)1 << 26) < 0)
		return 2;
	struct dxgt_call c;
	uint64_t out = 0, unfinished = 0, last = 0;
	while ((rc = dxgt_pairer_next(p, &c)) == 1) {
		if (c.enter->type != DXGT_REC_ENTER)
			continue;
		out++;
		if (!c.leave)
			unfinished++;
		if (c.enter->seq <= last)
			problem("pairer: seq %" PRIu64 " after %" PRIu64, c.enter->seq, last);
		last = c.enter->seq;
	}
	uint64_t orphans = dxgt_pairer_orphans(p);
	dxgt_pairer_free(p);
	dxgt_reader_close(r);
	printf("pass 2: the pairer gave %" PRIu64 " calls in sequence order, %" PRIu64
	       " without LEAVE, %" PRIu64 " orphans\n",
	       out, unfinished, orphans);
	if (rc < 0)
		problem("pairer: %s", dxgt_strerror(rc));
	if (out != enters)
		problem("pairer: %" PRIu64 " calls, %" PRIu64 " ENTER records", out, enters);
	if (!drop && (unfinished || orphans))
		problem("pairer: calls without LEAVE or orphan LEAVEs");
	free(seqs);
	free(info);
	printf("%s: %u problem(s)\n", problems ? "FAIL" : "PASS", problems);
	return problems ? 1 : 0;
}
