// SPDX-License-Identifier: MIT
/*
 * The scans of dxgt/scan.h, and the disassembly the symbolizer shares:
 * a linear sweep of every code section with capstone (x86-64, Intel
 * syntax), looking closely (operand details) only at instructions whose
 * bytes or kind can matter, which keeps a sweep of a large driver cheap.
 *
 * A linear sweep can start inside data or lose step after a jump table in
 * code; bytes that do not decode are stepped over one at a time, and
 * compiler output resynchronises within a few instructions. Addresses a
 * scan reports are the binary's own; nothing here runs or maps the code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary_internal.h"
#include "dxgt/error.h"

static const char *const class_names[] = {
#define DXGT__SCAN_CLASS_NAME(name, text, what) text,
    DXGT_SCAN_CLASSES(DXGT__SCAN_CLASS_NAME)
#undef DXGT__SCAN_CLASS_NAME
};

static const char *const kind_names[] = {
#define DXGT__CALLSITE_NAME(name, text, what) text,
    DXGT_CALLSITE_KINDS(DXGT__CALLSITE_NAME)
#undef DXGT__CALLSITE_NAME
};

const char *dxgt_scan_class_name(enum dxgt_scan_class c)
{
	return (unsigned)c < DXGT_SCAN_N_CLASSES ? class_names[c] : NULL;
}

const char *dxgt_callsite_kind_name(enum dxgt_callsite_kind k)
{
	return (unsigned)k < DXGT_CALLSITE_N_KINDS ? kind_names[k] : NULL;
}

/* ---- capstone ---- */

int dxgt__disasm_open(struct dxgt__disasm *d)
{
	memset(d, 0, sizeof(*d));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->plain) != CS_ERR_OK)
		return DXGT_E_UNSUPPORTED;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->detail) != CS_ERR_OK) {
		cs_close(&d->plain);
		return DXGT_E_UNSUPPORTED;
	}
	cs_option(d->detail, CS_OPT_DETAIL, CS_OPT_ON);
	d->insn = cs_malloc(d->detail);
	if (!d->insn) {
		dxgt__disasm_close(d);
		return DXGT_E_NOMEM;
	}
	return 0;
}

void dxgt__disasm_close(struct dxgt__disasm *d)
{
	if (d->insn)
		cs_free(d->insn, 1);
	if (d->detail)
		cs_close(&d->detail);
	if (d->plain)
		cs_close(&d->plain);
	memset(d, 0, sizeof(*d));
}

/* Decode the one instruction at va (n bytes available) with details into
 * d->insn. */
static bool decode(struct dxgt__disasm *d, const uint8_t *code, size_t n, uint64_t va)
{
	return cs_disasm_iter(d->detail, &code, &n, &va, d->insn);
}

/* Append s to the string in buf (len bytes), cut to fit. */
static void cat(char *buf, size_t len, const char *s)
{
	size_t used = strnlen(buf, len), n = strlen(s);
	if (used + 1 >= len)
		return;
	if (n > len - used - 1)
		n = len - used - 1;
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

static void insn_text(const cs_insn *in, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	cat(buf, len, in->mnemonic);
	if (in->op_str[0]) {
		cat(buf, len, " ");
		cat(buf, len, in->op_str);
	}
}

/* The address a memory operand names when it is fixed: rip-relative, or
 * absolute without registers. */
static bool mem_target(const cs_insn *in, const cs_x86_op *op, uint64_t *out)
{
	if (op->type != X86_OP_MEM || op->mem.index != X86_REG_INVALID)
		return false;
	if (op->mem.base == X86_REG_RIP) {
		*out = in->address + in->size + (uint64_t)op->mem.disp;
		return true;
	}
	if (op->mem.base == X86_REG_INVALID && op->mem.segment == X86_REG_INVALID) {
		*out = (uint64_t)op->mem.disp;
		return true;
	}
	return false;
}

static bool is_call(const cs_insn *in)
{
	return in->id == X86_INS_CALL || in->id == X86_INS_LCALL;
}

/* Append " <name>" for what a call, jump or load of in (detailed) reaches:
 * imports from b, functions from names (a separate debug file) or b. */
static void annotate(const struct dxgt_binary *b, const struct dxgt_binary *names,
		     const cs_insn *in, char *buf, size_t len)
{
	const cs_x86 *x = &in->detail->x86;
	if (x->op_count < 1)
		return;
	const cs_x86_op *op = &x->operands[x->op_count - 1];
	char name[DXGT_SCAN_TEXT_MAX];
	size_t used = strlen(buf);
	uint64_t t, start;
	if ((in->id == X86_INS_CALL || in->id == X86_INS_JMP) && op->type == X86_OP_IMM) {
		t = (uint64_t)op->imm;
		const char *imp = dxgt__bin_plt_import(b, t);
		if (imp) {
			char n2[DXGT_SCAN_TEXT_MAX];
			dxgt__name_copy(n2, sizeof(n2), imp);
			snprintf(buf + used, len - used, " <%s@plt>", n2);
		} else if (dxgt_binary_function(names, t, name, sizeof(name), &start) == 0 ||
			   (names != b &&
			    dxgt_binary_function(b, t, name, sizeof(name), &start) == 0)) {
			if (t == start)
				snprintf(buf + used, len - used, " <%s>", name);
			else
				snprintf(buf + used, len - used, " <%s+0x%" PRIx64 ">", name,
					 t - start);
		}
		return;
	}
	if (mem_target(in, op, &t)) {
		const char *imp = dxgt_binary_import(b, t);
		if (!imp)
			return;
		dxgt__name_copy(name, sizeof(name), imp);
		if (b->format == DXGT_BINARY_PE)
			snprintf(buf + used, len - used, " <__imp_%s>", name);
		else
			snprintf(buf + used, len - used, " <%s@got>", name);
	}
}

/* ---- the sweep ---- */

struct str_ref {
	uint64_t va;
	const char *name; /* NUL-terminated, borrowed from the binary */
};

struct scan {
	const struct dxgt_binary *b;
	struct dxgt__disasm d;
	int (*fn)(void *ctx, const struct dxgt_scan_hit *hit);
	void *ctx;
	const struct dxgt_binary_section *sec; /* being swept */
	struct dxgt_scan_hit hit;
	/* status */
	uint32_t status;
	uint8_t pattern[4];
	/* calls */
	const char *prefix;
	size_t prefix_len;
	struct str_ref *strs; /* sorted by va */
	size_t n_strs, cap_strs;
};

static void hit_begin(struct scan *s, const cs_insn *in)
{
	struct dxgt_scan_hit *h = &s->hit;
	memset(h, 0, sizeof(*h));
	h->va = in->address;
	h->offset = s->sec->offset + (in->address - s->sec->va);
	uint64_t start;
	if (dxgt_binary_function(s->b, in->address, h->function, sizeof(h->function), &start) ==
	    0) {
		h->has_function = true;
		h->function_offset = in->address - start;
	}
	insn_text(in, h->insn, sizeof(h->insn));
}

static bool has_pattern(const struct scan *s, const cs_insn *in)
{
	for (unsigned i = 0; i + 4 <= in->size; i++)
		if (memcmp(in->bytes + i, s->pattern, 4) == 0)
			return true;
	return false;
}

static int visit_status(struct scan *s, const cs_insn *plain)
{
	if (plain->size < 4 || !has_pattern(s, plain))
		return 0;
	if (!decode(&s->d, plain->bytes, plain->size, plain->address))
		return 0;
	const cs_insn *in = s->d.insn;
	const cs_x86 *x = &in->detail->x86;
	uint64_t want = s->status, sext = (uint64_t)(int64_t)(int32_t)s->status;
	bool found = false;
	for (unsigned i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type == X86_OP_IMM &&
		    ((uint64_t)op->imm == want || (uint64_t)op->imm == sext))
			found = true;
	}
	if (!found)
		return 0;
	enum dxgt_scan_class cls = DXGT_SCAN_OTHER;
	const cs_x86_op *dst = &x->operands[0];
	if ((in->id == X86_INS_MOV || in->id == X86_INS_MOVABS) && x->op_count == 2) {
		if (dst->type == X86_OP_REG && (dst->reg == X86_REG_EAX || dst->reg == X86_REG_RAX))
			cls = DXGT_SCAN_RETURN;
		else if (dst->type == X86_OP_MEM)
			cls = DXGT_SCAN_STORE;
	} else if (in->id == X86_INS_CMP || in->id == X86_INS_TEST || in->id == X86_INS_SUB) {
		cls = DXGT_SCAN_COMPARE;
	}
	hit_begin(s, in);
	s->hit.cls = cls;
	return s->fn(s->ctx, &s->hit);
}

static const char *string_at(const struct scan *s, uint64_t va)
{
	size_t lo = 0, hi = s->n_strs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->strs[mid].va < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_strs && s->strs[lo].va == va ? s->strs[lo].name : NULL;
}

static bool prefixed(const struct scan *s, const char *name)
{
	return name && strncmp(name, s->prefix, s->prefix_len) == 0;
}

static int report_call(struct scan *s, const cs_insn *in, enum dxgt_callsite_kind kind,
		       const char *target)
{
	hit_begin(s, in);
	annotate(s->b, s->b, in, s->hit.insn, sizeof(s->hit.insn));
	s->hit.kind = kind;
	dxgt__name_copy(s->hit.target, sizeof(s->hit.target), target);
	return s->fn(s->ctx, &s->hit);
}

static int visit_calls(struct scan *s, const cs_insn *plain)
{
	unsigned id = plain->id;
	if (id != X86_INS_CALL && id != X86_INS_JMP && id != X86_INS_MOV && id != X86_INS_LEA)
		return 0;
	/* The PLT's own jumps are how imports are reached, not call sites. */
	if (s->b->format == DXGT_BINARY_ELF && strncmp(s->sec->name, ".plt", 4) == 0)
		return 0;
	if (!decode(&s->d, plain->bytes, plain->size, plain->address))
		return 0;
	const cs_insn *in = s->d.insn;
	const cs_x86 *x = &in->detail->x86;
	uint64_t t;
	const char *name;
	if (id == X86_INS_CALL || id == X86_INS_JMP) {
		if (x->op_count != 1)
			return 0;
		const cs_x86_op *op = &x->operands[0];
		enum dxgt_callsite_kind k =
		    id == X86_INS_CALL ? DXGT_CALLSITE_IMPORT_CALL : DXGT_CALLSITE_IMPORT_JUMP;
		if (op->type == X86_OP_IMM) {
			t = (uint64_t)op->imm;
			if ((name = dxgt__bin_plt_import(s->b, t)))
				return prefixed(s, name) ? report_call(s, in, k, name) : 0;
			char fname[DXGT_SCAN_TEXT_MAX];
			uint64_t start;
			if (dxgt_binary_function(s->b, t, fname, sizeof(fname), &start) == 0 &&
			    start == t && strncmp(fname, s->prefix, s->prefix_len) == 0)
				return report_call(s, in, DXGT_CALLSITE_DIRECT_CALL, fname);
			return 0;
		}
		if (mem_target(in, op, &t) && prefixed(s, name = dxgt_binary_import(s->b, t)))
			return report_call(s, in, k, name);
		return 0;
	}
	if (x->op_count != 2)
		return 0;
	const cs_x86_op *src = &x->operands[1];
	if (id == X86_INS_MOV && mem_target(in, src, &t) &&
	    prefixed(s, name = dxgt_binary_import(s->b, t)))
		return report_call(s, in, DXGT_CALLSITE_IMPORT_ADDRESS, name);
	if (id == X86_INS_MOV && src->type == X86_OP_IMM &&
	    (name = string_at(s, (uint64_t)src->imm)))
		return report_call(s, in, DXGT_CALLSITE_DLSYM_NAME, name);
	if (id == X86_INS_LEA && mem_target(in, src, &t) && (name = string_at(s, t)))
		return report_call(s, in, DXGT_CALLSITE_DLSYM_NAME, name);
	return 0;
}

static int sweep(struct scan *s, int (*visit)(struct scan *, const cs_insn *))
{
	cs_insn *in = cs_malloc(s->d.plain);
	if (!in)
		return DXGT_E_NOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->b->n_secs; i++) {
		const struct dxgt_binary_section *sec = &s->b->secs[i].pub;
		if (!sec->exec || !sec->data)
			continue;
		s->sec = sec;
		const uint8_t *code = sec->data;
		size_t size = (size_t)sec->data_len;
		uint64_t addr = sec->va;
		while (rc == 0 && size) {
			if (!cs_disasm_iter(s->d.plain, &code, &size, &addr, in)) {
				code++, size--, addr++;
				continue;
			}
			rc = visit(s, in);
		}
	}
	cs_free(in, 1);
	return rc;
}

int dxgt_scan_status(const struct dxgt_binary *b, uint32_t status,
		     int (*fn)(void *ctx, const struct dxgt_scan_hit *hit), void *ctx)
{
	if (!b || !fn)
		return DXGT_E_INVAL;
	struct scan s = {.b = b, .fn = fn, .ctx = ctx, .status = status};
	for (int i = 0; i < 4; i++)
		s.pattern[i] = (uint8_t)(status >> (8 * i));
	int rc = dxgt__disasm_open(&s.d);
	if (rc < 0)
		return rc;
	rc = sweep(&s, visit_status);
	dxgt__disasm_close(&s.d);
	return rc;
}

static int cmp_str_ref(const void *a, const void *b)
{
	const struct str_ref *x = a, *y = b;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int add_ref(struct str_ref **v, size_t *n, size_t *cap, uint64_t va, const char *name)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct str_ref *nv = realloc(*v, ncap * sizeof(*nv));
		if (!nv)
			return DXGT_E_NOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = (struct str_ref){va, name};
	return 0;
}

static bool ident_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Every NUL-terminated identifier starting with the prefix in the data
 * sections: the names a program passes to dlsym. */
static int collect_strings(struct scan *s)
{
	for (size_t i = 0; i < s->b->n_secs; i++) {
		const struct dxgt_binary_section *sec = &s->b->secs[i].pub;
		if (sec->exec || !sec->alloc || !sec->data || sec->data_len < s->prefix_len + 1)
			continue;
		const uint8_t *p = sec->data;
		uint64_t n = sec->data_len;
		for (uint64_t at = 0; at + s->prefix_len < n; at++) {
			if (p[at] != (uint8_t)s->prefix[0] ||
			    memcmp(p + at, s->prefix, s->prefix_len) != 0)
				continue;
			uint64_t e = at + s->prefix_len;
			while (e < n && ident_char(p[e]))
				e++;
			if (e == at + s->prefix_len || e >= n || p[e] != 0)
				continue;
			int rc = add_ref(&s->strs, &s->n_strs, &s->cap_strs, sec->va + at,
					 (const char *)p + at);
			if (rc < 0)
				return rc;
			at = e;
		}
	}
	return 0;
}

static int report_pointer(struct scan *s, uint64_t slot, const char *name)
{
	struct dxgt_scan_hit *h = &s->hit;
	const struct dxgt_binary_section *sec = NULL;
	for (size_t i = 0; i < s->b->n_secs && !sec; i++) {
		const struct dxgt_binary_section *c = &s->b->secs[i].pub;
		if (c->alloc && slot >= c->va && slot - c->va < c->size)
			sec = c;
	}
	memset(h, 0, sizeof(*h));
	h->va = slot;
	if (dxgt_binary_va_to_offset(s->b, slot, &h->offset) < 0 && sec)
		h->offset = sec->offset + (slot - sec->va);
	uint64_t start;
	if (dxgt_binary_object(s->b, slot, h->function, sizeof(h->function), &start) == 0) {
		h->has_function = true;
		h->function_offset = slot - start;
	} else if (sec) {
		dxgt__name_copy(h->function, sizeof(h->function), sec->name);
		h->has_function = true;
		h->function_offset = slot - sec->va;
	}
	snprintf(h->insn, sizeof(h->insn), "8-byte pointer in %s", sec ? sec->name : "data");
	h->kind = DXGT_CALLSITE_DLSYM_TABLE;
	dxgt__name_copy(h->target, sizeof(h->target), name);
	return s->fn(s->ctx, h);
}

/* Tables of names in data, as a program that looks up a list of functions
 * keeps them: pointers bound by RELATIVE relocations (position-independent
 * ELF files), or absolute addresses stored as they are (ELF executables,
 * PE images). */
static int scan_tables(struct scan *s)
{
	const struct dxgt_binary *b = s->b;
	struct str_ref *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < b->n_rels; i++) {
		const char *name = string_at(s, b->rels[i].value);
		if (name)
			rc = add_ref(&v, &n, &cap, b->rels[i].slot, name);
	}
	bool absolute = b->format == DXGT_BINARY_PE || (!b->rel && !b->n_rels);
	for (size_t i = 0; rc == 0 && absolute && i < b->n_secs; i++) {
		const struct dxgt_binary_section *sec = &b->secs[i].pub;
		if (sec->exec || !sec->alloc || !sec->data)
			continue;
		for (uint64_t at = (8 - (sec->va & 7)) & 7; rc == 0 && at + 8 <= sec->data_len;
		     at += 8) {
			uint64_t val = 0;
			for (int k = 0; k < 8; k++)
				val |= (uint64_t)sec->data[at + k] << (8 * k);
			const char *name = string_at(s, val);
			if (name)
				rc = add_ref(&v, &n, &cap, sec->va + at, name);
		}
	}
	if (rc == 0 && n)
		qsort(v, n, sizeof(*v), cmp_str_ref);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (i == 0 || v[i].va != v[i - 1].va)
			rc = report_pointer(s, v[i].va, v[i].name);
	free(v);
	return rc;
}

int dxgt_scan_calls(const struct dxgt_binary *b, const char *prefix,
		    int (*fn)(void *ctx, const struct dxgt_scan_hit *hit), void *ctx)
{
	if (!b || !fn || !prefix || !*prefix)
		return DXGT_E_INVAL;
	struct scan s = {.b = b, .fn = fn, .ctx = ctx, .prefix = prefix};
	s.prefix_len = strlen(prefix);
	int rc = collect_strings(&s);
	if (rc == 0) {
		if (s.n_strs)
			qsort(s.strs, s.n_strs, sizeof(*s.strs), cmp_str_ref);
		rc = dxgt__disasm_open(&s.d);
		if (rc == 0) {
			rc = sweep(&s, visit_calls);
			if (rc == 0 && s.n_strs)
				rc = scan_tables(&s);
			dxgt__disasm_close(&s.d);
		}
	}
	free(s.strs);
	return rc;
}

/* ---- the call before a return address ---- */

static int format_call(struct dxgt__disasm *d, const struct dxgt_binary *b,
		       const struct dxgt_binary *names, char *buf, size_t len)
{
	insn_text(d->insn, buf, len);
	annotate(b, names ? names : b, d->insn, buf, len);
	return 0;
}

/* Further back than this from a function's start, the bytes before the
 * return address are tried alone. */
#define CALL_SWEEP_MAX (1u << 20)

int dxgt__call_before(struct dxgt__disasm *d, const struct dxgt_binary *b,
		      const struct dxgt_binary *names, uint64_t ra, uint64_t func, char *buf,
		      size_t len)
{
	const uint8_t *p;
	if (len)
		buf[0] = '\0';
	if (func && func < ra && ra - func <= CALL_SWEEP_MAX &&
	    dxgt_binary_bytes(b, func, ra - func, &p) == 0) {
		const uint8_t *code = p;
		size_t size = (size_t)(ra - func);
		uint64_t addr = func;
		cs_insn *in = cs_malloc(d->plain);
		if (!in)
			return DXGT_E_NOMEM;
		uint64_t last = 0;
		bool ended = false;
		while (size) {
			last = addr;
			if (!cs_disasm_iter(d->plain, &code, &size, &addr, in)) {
				code++, size--, addr++;
				ended = false;
				continue;
			}
			ended = size == 0;
		}
		cs_free(in, 1);
		if (ended) {
			/* An instruction ends exactly at ra: it is the call, or
			 * ra is not a return address. */
			if (decode(d, p + (last - func), (size_t)(ra - last), last) &&
			    is_call(d->insn))
				return format_call(d, b, names, buf, len);
			return DXGT_E_NOTFOUND;
		}
	}
	/* The encodings of call: rel32 (5), [rip + disp32] (6), register (2
	 * or 3), [reg + disp8] (3 or 4), [reg + disp32] (6 or 7), with a SIB
	 * or prefixes up to the 15-byte limit. */
	static const unsigned lens[] = {5, 6, 2, 3, 7, 4, 8, 9, 10, 11, 12, 13, 14, 15};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t n = lens[i];
		if (ra < n || dxgt_binary_bytes(b, ra - n, n, &p) < 0)
			continue;
		if (decode(d, p, (size_t)n, ra - n) && d->insn->size == n && is_call(d->insn))
			return format_call(d, b, names, buf, len);
	}
	return DXGT_E_NOTFOUND;
}
