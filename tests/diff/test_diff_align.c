// SPDX-License-Identifier: MIT
/*
 * The alignment and classification inside analyzer/src/diff.c, compiled in
 * here to reach its static functions: Myers' script is a valid edit script
 * of minimal length (checked against an LCS computed by dynamic
 * programming) on thousands of random sequences; the greedy fallback is
 * valid and taken past the bound; results compare through the NTSTATUS to
 * errno mapping; hunks pair the same call with other inputs, and calls that
 * moved are reported as reordered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../analyzer/src/diff.c"

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static size_t lcs(const struct item *a, size_t n, const struct item *b, size_t m)
{
	size_t *t = calloc((n + 1) * (m + 1), sizeof(*t));
	assert_non_null(t);
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t *c = &t[i * (m + 1) + j];
			if (a[i - 1].key == b[j - 1].key)
				*c = t[(i - 1) * (m + 1) + j - 1] + 1;
			else
				*c = t[(i - 1) * (m + 1) + j] > t[i * (m + 1) + j - 1]
					 ? t[(i - 1) * (m + 1) + j]
					 : t[i * (m + 1) + j - 1];
		}
	size_t r = t[n * (m + 1) + m];
	free(t);
	return r;
}

/* The ops cover both sequences in order, matches pair equal keys; returns
 * the number of one-sided calls. */
static size_t check_script(const struct ops *o, const struct item *a, size_t n,
			   const struct item *b, size_t m)
{
	size_t i = 0, j = 0, edits = 0;
	for (size_t k = 0; k < o->n; k++) {
		const struct op *op = &o->v[k];
		assert_true(op->n > 0);
		assert_int_equal(op->a, i);
		assert_int_equal(op->b, j);
		if (op->type == OP_MATCH) {
			for (uint32_t t = 0; t < op->n; t++)
				assert_true(a[i + t].key == b[j + t].key);
			i += op->n;
			j += op->n;
		} else if (op->type == OP_DEL) {
			i += op->n;
			edits += op->n;
		} else {
			j += op->n;
			edits += op->n;
		}
	}
	assert_int_equal(i, n);
	assert_int_equal(j, m);
	return edits;
}

static struct item *seq_of(size_t n, uint32_t alphabet)
{
	struct item *v = calloc(n ? n : 1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		v[i].key = rnd(alphabet) + 1;
		v[i].call = (uint16_t)(v[i].key % 3);
	}
	return v;
}

static void myers_is_minimal(void **state)
{
	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t n = rnd(40), m = rnd(40);
		struct item *a = seq_of(n, 2 + rnd(6)), *b = seq_of(m, 2 + rnd(6));
		struct cmp c = {a, b, false};
		struct ops o = {0};
		bool fell_back = false;
		assert_int_equal(align(&c, 0, n, 0, m, MYERS_DMAX, &o, &fell_back), 0);
		assert_false(fell_back);
		assert_int_equal(check_script(&o, a, n, b, m), n + m - 2 * lcs(a, n, b, m));
		free(o.v);
		free(a);
		free(b);
	}
}

static void greedy_is_valid(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = rnd(600), m = rnd(600);
		struct item *a = seq_of(n, 2 + rnd(300)), *b = seq_of(m, 2 + rnd(300));
		struct cmp c = {a, b, false};
		struct ops o = {0};
		assert_int_equal(greedy(&c, 0, n, 0, m, &o), 0);
		check_script(&o, a, n, b, m);
		free(o.v);
		free(a);
		free(b);
	}
}

/* A long sequence with a few edits: Myers finds exactly the planted ones;
 * with a bound below them, align falls back to the greedy walk, which
 * finds the same scattered edits. */
static void long_sequences(void **state)
{
	(void)state;
	size_t n = 200000;
	struct item *a = calloc(n, sizeof(*a)), *b = calloc(n + 40, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		a[i].key = i + 1;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 10000 == 5000)
			continue; /* 20 missing in B */
		b[m++] = a[i];
		if (i % 10000 == 7000)
			b[m++].key = 0xE000000 + i; /* 20 extra in B */
	}
	for (int bound = 0; bound < 2; bound++) {
		struct cmp c = {a, b, false};
		struct ops o = {0};
		bool fell_back = false;
		assert_int_equal(align(&c, 0, n, 0, m, bound ? 10 : MYERS_DMAX, &o, &fell_back), 0);
		assert_int_equal(fell_back, bound == 1);
		assert_int_equal(check_script(&o, a, n, b, m), 40);
		free(o.v);
	}
	free(a);
	free(b);
}

static struct item kmt(uint32_t status)
{
	return (struct item){.res = status};
}

static struct item ioctl_res(int err, uint32_t ret)
{
	struct item it = {.flags = IT_IOCTL, .res = err ? (uint32_t)err : ret};
	if (err)
		it.flags |= IT_FAILED;
	return it;
}

static void results_map(void **state)
{
	(void)state;
	struct item a, b;
	a = kmt(0xC0000023), b = ioctl_res(75, 0);
	assert_true(same_result(&a, &b));
	assert_true(same_result(&b, &a));
	a = kmt(0xC0000023), b = ioctl_res(22, 0);
	assert_false(same_result(&a, &b));
	a = kmt(0xC0000001), b = ioctl_res(22, 0); /* unknown failures become EINVAL */
	assert_true(same_result(&a, &b));
	a = kmt(0), b = ioctl_res(0, 0);
	assert_true(same_result(&a, &b));
	a = kmt(0x103), b = ioctl_res(0, 0x103); /* STATUS_PENDING passes through */
	assert_true(same_result(&a, &b));
	a = kmt(0), b = ioctl_res(75, 0);
	assert_false(same_result(&a, &b));
	a = kmt(0xC0000023), b = kmt(0xC000000D);
	assert_false(same_result(&a, &b));
	a = kmt(0), b = kmt(0);
	b.flags |= IT_NORET;
	assert_false(same_result(&a, &b));
	a.flags |= IT_NORET;
	assert_true(same_result(&a, &b));
	char text[80];
	a = kmt(0xC0000023);
	a.flags |= IT_CHILD;
	a.err2 = 75;
	result_text(&a, text, sizeof(text));
	assert_string_equal(text, "0xC0000023 STATUS_BUFFER_TOO_SMALL / -1 EOVERFLOW");
	b = ioctl_res(75, 0);
	result_text(&b, text, sizeof(text));
	assert_string_equal(text, "-1 EOVERFLOW");
}

/* Runs build() over two key lists; key k has call k / 10 and outputs 0. */
static struct dxgt_diff *classify(const uint64_t *ka, size_t n, const uint64_t *kb, size_t m)
{
	struct dxgt_diff *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->all = true;
	const uint64_t *k[2] = {ka, kb};
	size_t len[2] = {n, m};
	for (int s = 0; s < 2; s++) {
		d->s[s].it = calloc(len[s] ? len[s] : 1, sizeof(struct item));
		assert_non_null(d->s[s].it);
		d->s[s].n = len[s];
		for (size_t i = 0; i < len[s]; i++)
			d->s[s].it[i] = (struct item){
			    .seq = i + 1, .key = k[s][i], .call = (uint16_t)(k[s][i] / 10)};
	}
	assert_int_equal(build(d), 0);
	return d;
}

static void classification(void **state)
{
	(void)state;
	struct dxgt_diff_entry e;
	/* Two independent calls swapped: one reordered pair, nothing else. */
	static const uint64_t a1[] = {10, 20, 30, 40, 50}, b1[] = {10, 30, 20, 40, 50};
	struct dxgt_diff *d = classify(a1, 5, b1, 5);
	assert_int_equal(dxgt_diff_count(d), 1);
	dxgt_diff_get(d, 0, &e);
	assert_int_equal(e.kinds, DXGT_DIFF_REORDERED);
	assert_true(e.seq_a && e.seq_b && e.seq_a != e.seq_b);
	dxgt_diff_free(d);
	/* The same call (30s) with other inputs: one input divergence. */
	static const uint64_t a2[] = {10, 20, 31, 40}, b2[] = {10, 20, 32, 40};
	d = classify(a2, 4, b2, 4);
	assert_int_equal(dxgt_diff_count(d), 1);
	dxgt_diff_get(d, 0, &e);
	assert_int_equal(e.kinds, DXGT_DIFF_INPUT);
	assert_int_equal(e.seq_a, 3);
	assert_int_equal(e.seq_b, 3);
	dxgt_diff_free(d);
	/* One more call in B, one fewer later: extra, then missing. */
	static const uint64_t a3[] = {10, 20, 30, 40, 50}, b3[] = {10, 20, 20, 30, 50};
	d = classify(a3, 5, b3, 5);
	assert_int_equal(dxgt_diff_count(d), 2);
	dxgt_diff_get(d, 0, &e);
	assert_int_equal(e.kinds, DXGT_DIFF_EXTRA);
	assert_int_equal(e.after_a, 2);
	dxgt_diff_get(d, 1, &e);
	assert_int_equal(e.kinds, DXGT_DIFF_MISSING);
	assert_int_equal(e.seq_a, 4);
	assert_int_equal(e.after_b, 4);
	dxgt_diff_free(d);
	/* Empty against empty, and against something. */
	d = classify(a1, 0, b1, 0);
	assert_int_equal(dxgt_diff_count(d), 0);
	assert_int_equal(dxgt_diff_first(d), -1);
	dxgt_diff_free(d);
	d = classify(a1, 0, b1, 2);
	assert_int_equal(dxgt_diff_count(d), 2);
	dxgt_diff_get(d, 0, &e);
	assert_int_equal(e.kinds, DXGT_DIFF_EXTRA);
	assert_int_equal(e.after_a, 0);
	dxgt_diff_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(myers_is_minimal), cmocka_unit_test(greedy_is_valid),
	    cmocka_unit_test(long_sequences),	cmocka_unit_test(results_map),
	    cmocka_unit_test(classification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
