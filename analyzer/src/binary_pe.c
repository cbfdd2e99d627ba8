// SPDX-License-Identifier: MIT
/*
 * A minimal PE32+ reader for x86-64 images (.sys, .dll, .exe): the DOS
 * header's pointer to the PE header, the COFF header, the PE32+ optional
 * header's image base and data directories, the section table, and three
 * directories: exports (function names), imports (import address table
 * slots, by name or ordinal) and exceptions (.pdata: the ranges of every
 * function that has unwind data, named sub_<rva> unless exported).
 *
 * Every field is read with explicit little-endian loads at the offsets of
 * the PE/COFF specification; an RVA is only followed when the bytes it
 * names lie inside one section's raw data (or the headers). A directory
 * that points outside the file refuses the whole file, with the reason; a
 * single bad name or entry is skipped. Delay-load imports, resources,
 * relocations and debug directories are not read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"
#include "binary_internal.h"
#include "dxgt/error.h"

#define DOS_SIZE 64u
#define DOS_LFANEW 0x3cu
#define COFF_SIZE 20u
#define OPT_MIN 112u /* PE32+ optional header up to its data directories */
#define SEC_SIZE 40u
#define EXPORT_DIR_SIZE 40u
#define IMPORT_DESC_SIZE 20u
#define RUNTIME_FUNCTION_SIZE 12u

#define MACHINE_AMD64 0x8664u
#define OPT_MAGIC_PE32 0x10bu
#define OPT_MAGIC_PE32PLUS 0x20bu
#define FILE_DLL 0x2000u
#define SUBSYSTEM_NATIVE 1u
#define SCN_CNT_CODE 0x20u
#define SCN_MEM_EXECUTE 0x20000000u

enum { DIR_EXPORT = 0, DIR_IMPORT = 1, DIR_EXCEPTION = 3, N_DIRS = 16 };

/* Bounds that keep a hostile table from costing more than its bytes. */
#define PE_MAX_IMPORT_DLLS 65536u
#define PE_MAX_THUNKS (1u << 20)

struct pe {
	struct dxgt_binary *b;
	uint64_t headers; /* SizeOfHeaders, cut to the file */
	uint32_t dir_rva[N_DIRS], dir_size[N_DIRS];
};

static uint64_t rd(const struct dxgt_binary *b, uint64_t off, unsigned n)
{
	return dxgt__le(b->data + off, n);
}

/* File offset of the n bytes at rva and the end of the raw data holding
 * them; false when they are not all in one section or the headers. */
static bool rva_off(const struct pe *p, uint64_t rva, uint64_t n, uint64_t *off, uint64_t *end)
{
	const struct dxgt_binary *b = p->b;
	if (n == 0) {
		*off = 0;
		if (end)
			*end = 0;
		return true;
	}
	for (size_t i = 0; i < b->n_secs; i++) {
		const struct dxgt_binary_section *s = &b->secs[i].pub;
		uint64_t srva = s->va - b->image_base;
		if (!s->data || rva < srva || rva - srva >= s->data_len)
			continue;
		if (n > s->data_len - (rva - srva))
			return false;
		*off = s->offset + (rva - srva);
		if (end)
			*end = s->offset + s->data_len;
		return true;
	}
	if (rva < p->headers && n <= p->headers - rva) {
		*off = rva;
		if (end)
			*end = p->headers;
		return true;
	}
	return false;
}

static const char *rva_str(const struct pe *p, uint64_t rva)
{
	uint64_t off, end;
	if (!rva_off(p, rva, 1, &off, &end))
		return NULL;
	return dxgt__bin_cstr(p->b, off, end);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case 0x14c:
		return "i386";
	case 0x1c4:
		return "ARM";
	case 0xaa64:
		return "ARM64";
	default:
		return "unknown";
	}
}

static int read_sections(struct pe *p, uint64_t at, unsigned n)
{
	struct dxgt_binary *b = p->b;
	int rc = dxgt__bin_sections(b, n);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		uint64_t o = at + (uint64_t)i * SEC_SIZE;
		struct bin_sec *bs = &b->secs[i];
		char raw[9] = {0};
		memcpy(raw, b->data + o, 8);
		if (raw[0])
			dxgt__name_copy(bs->name, sizeof(bs->name), raw);
		else
			snprintf(bs->name, sizeof(bs->name), "[%u]", i);
		uint64_t vsize = rd(b, o + 8, 4), rva = rd(b, o + 12, 4);
		uint64_t rawsize = rd(b, o + 16, 4), rawptr = rd(b, o + 20, 4);
		uint64_t chars = rd(b, o + 36, 4);
		if (rawsize && !dxgt__bin_range(b, rawptr, rawsize))
			return dxgt__bin_fail(
			    b, DXGT_E_TRUNCATED,
			    "section %u (%s) runs past the end of the file (offset "
			    "0x%" PRIx64 ", 0x%" PRIx64 " bytes; the file has 0x%zx)",
			    i, bs->name, rawptr, rawsize, b->len);
		uint64_t size = vsize ? vsize : rawsize;
		uint64_t have = vsize && vsize < rawsize ? vsize : rawsize;
		bs->pub.va = b->image_base + rva;
		if (bs->pub.va < b->image_base || bs->pub.va + size < bs->pub.va)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "section %u (%s) wraps around the address space", i,
					      bs->name);
		bs->pub.size = size;
		bs->pub.offset = rawptr;
		bs->pub.data = have ? b->data + rawptr : NULL;
		bs->pub.data_len = have;
		bs->pub.exec = (chars & (SCN_CNT_CODE | SCN_MEM_EXECUTE)) != 0;
		bs->pub.alloc = true;
		if ((rc = dxgt__bin_add_seg(b, bs->pub.va, size, rawptr, have, bs->pub.exec)) < 0)
			return rc;
	}
	return 0;
}

static int read_exports(struct pe *p)
{
	struct dxgt_binary *b = p->b;
	uint64_t drva = p->dir_rva[DIR_EXPORT], dsize = p->dir_size[DIR_EXPORT], d;
	if (!drva || !dsize)
		return 0;
	if (!rva_off(p, drva, EXPORT_DIR_SIZE, &d, NULL))
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "the export directory (rva 0x%" PRIx64
				      ") lies outside the file's sections",
				      drva);
	uint64_t nfunc = rd(b, d + 20, 4), nnames = rd(b, d + 24, 4);
	uint64_t afunc = rd(b, d + 28, 4), anames = rd(b, d + 32, 4), aords = rd(b, d + 36, 4);
	uint64_t ofunc, onames, oords;
	if (!nnames)
		return 0;
	if (!rva_off(p, afunc, 4 * nfunc, &ofunc, NULL) ||
	    !rva_off(p, anames, 4 * nnames, &onames, NULL) ||
	    !rva_off(p, aords, 2 * nnames, &oords, NULL))
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "the export tables (%" PRIu64 " functions, %" PRIu64
				      " names) lie outside the file's sections",
				      nfunc, nnames);
	for (uint64_t i = 0; i < nnames; i++) {
		uint64_t ord = rd(b, oords + 2 * i, 2);
		if (ord >= nfunc)
			continue;
		uint64_t frva = rd(b, ofunc + 4 * ord, 4);
		if (!frva || (frva >= drva && frva - drva < dsize))
			continue; /* none, or a forwarder string */
		const char *name = rva_str(p, rd(b, onames + 4 * i, 4));
		if (!name || !*name)
			continue;
		int rc = dxgt__bin_add_func(b, b->image_base + frva, 0, name, BIN_RANK_GLOBAL);
		if (rc < 0)
			return rc;
		b->n_symbols++;
	}
	return 0;
}

static int read_pdata(struct pe *p)
{
	struct dxgt_binary *b = p->b;
	uint64_t rva = p->dir_rva[DIR_EXCEPTION], n = p->dir_size[DIR_EXCEPTION];
	n /= RUNTIME_FUNCTION_SIZE;
	uint64_t off;
	if (!rva || !n)
		return 0;
	if (!rva_off(p, rva, n * RUNTIME_FUNCTION_SIZE, &off, NULL))
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "the exception directory (rva 0x%" PRIx64 ", %" PRIu64
				      " entries) lies outside the file's sections",
				      rva, n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t begin = rd(b, off + 12 * i, 4), end = rd(b, off + 12 * i + 4, 4);
		if (end <= begin)
			continue;
		int rc =
		    dxgt__bin_add_func(b, b->image_base + begin, end - begin, NULL, BIN_RANK_LOCAL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_imports(struct pe *p)
{
	struct dxgt_binary *b = p->b;
	uint64_t drva = p->dir_rva[DIR_IMPORT], dsize = p->dir_size[DIR_IMPORT];
	if (!drva || !dsize)
		return 0;
	for (uint64_t k = 0; k < PE_MAX_IMPORT_DLLS && (k + 1) * IMPORT_DESC_SIZE <= dsize; k++) {
		uint64_t d;
		if (!rva_off(p, drva + k * IMPORT_DESC_SIZE, IMPORT_DESC_SIZE, &d, NULL))
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "the import directory (rva 0x%" PRIx64
					      ") lies outside the file's sections",
					      drva);
		uint64_t oft = rd(b, d, 4), name_rva = rd(b, d + 12, 4), ft = rd(b, d + 16, 4);
		if (!name_rva && !ft)
			break;
		const char *dll = rva_str(p, name_rva);
		uint64_t lookup = oft ? oft : ft;
		for (uint64_t j = 0; j < PE_MAX_THUNKS; j++) {
			uint64_t t;
			if (!rva_off(p, lookup + 8 * j, 8, &t, NULL))
				break; /* a table cut short: keep what was read */
			uint64_t thunk = rd(b, t, 8);
			if (!thunk)
				break;
			const char *name;
			if (thunk >> 63) {
				char buf[96];
				char dllname[64];
				dxgt__name_copy(dllname, sizeof(dllname), dll ? dll : "?");
				int n = snprintf(buf, sizeof(buf), "%s#%" PRIu64, dllname,
						 thunk & 0xffff);
				name = dxgt__bin_strdup(
				    b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
				if (!name)
					return DXGT_E_NOMEM;
			} else {
				name = rva_str(p, (thunk & 0x7fffffff) + 2);
				if (!name || !*name)
					continue;
			}
			int rc = dxgt__bin_add_import(b, b->image_base + ft + 8 * j, name);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int dxgt__pe_parse(struct dxgt_binary *b)
{
	struct pe p = {.b = b};
	if (b->len < DOS_SIZE)
		return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
				      "cut short inside its DOS header (%zu of 64 bytes)", b->len);
	uint64_t pe = rd(b, DOS_LFANEW, 4);
	if (!dxgt__bin_range(b, pe, 4 + COFF_SIZE)) {
		if (pe >= b->len)
			return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
					      "its PE header (at 0x%" PRIx64
					      ") lies past the end of the file (0x%zx bytes)",
					      pe, b->len);
		return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
				      "cut short inside its PE header (at 0x%" PRIx64 ")", pe);
	}
	if (memcmp(b->data + pe, "PE\0\0", 4) != 0)
		return dxgt__bin_fail(b, DXGT_E_MAGIC,
				      "an MS-DOS program: no PE signature at 0x%" PRIx64, pe);
	unsigned machine = (unsigned)rd(b, pe + 4, 2), nsec = (unsigned)rd(b, pe + 6, 2);
	unsigned optsize = (unsigned)rd(b, pe + 20, 2), chars = (unsigned)rd(b, pe + 22, 2);
	if (machine != MACHINE_AMD64)
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED,
				      "a PE file for machine 0x%04x (%s), not x86-64", machine,
				      machine_name(machine));
	uint64_t opt = pe + 4 + COFF_SIZE;
	if (optsize >= 2 && dxgt__bin_range(b, opt, 2) && rd(b, opt, 2) == OPT_MAGIC_PE32)
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED,
				      "a 32-bit PE32 image: only PE32+ (x86-64) is supported");
	if (optsize < OPT_MIN)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "an optional header of %u bytes is too small for PE32+",
				      optsize);
	if (!dxgt__bin_range(b, opt, optsize))
		return dxgt__bin_fail(b, DXGT_E_TRUNCATED, "cut short inside its optional header");
	if (rd(b, opt, 2) != OPT_MAGIC_PE32PLUS)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "optional header magic 0x%04x is not PE32+ (0x020b)",
				      (unsigned)rd(b, opt, 2));
	b->format = DXGT_BINARY_PE;
	b->image_base = rd(b, opt + 24, 8);
	p.headers = rd(b, opt + 60, 4);
	if (p.headers > b->len)
		p.headers = b->len;
	unsigned subsystem = (unsigned)rd(b, opt + 68, 2);
	uint64_t ndirs = rd(b, opt + 108, 4);
	if (ndirs > N_DIRS)
		ndirs = N_DIRS;
	if (ndirs > (optsize - OPT_MIN) / 8)
		ndirs = (optsize - OPT_MIN) / 8;
	for (unsigned i = 0; i < ndirs; i++) {
		p.dir_rva[i] = (uint32_t)rd(b, opt + OPT_MIN + 8 * i, 4);
		p.dir_size[i] = (uint32_t)rd(b, opt + OPT_MIN + 8 * i + 4, 4);
	}
	if (subsystem == SUBSYSTEM_NATIVE)
		b->kind = "PE32+ driver (native)";
	else if (chars & FILE_DLL)
		b->kind = "PE32+ DLL";
	else
		b->kind = "PE32+ executable";

	uint64_t sec = opt + optsize;
	if (!dxgt__bin_range(b, sec, (uint64_t)nsec * SEC_SIZE))
		return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
				      "the section table (%u entries at 0x%" PRIx64
				      ") runs past the end of the file (0x%zx bytes)",
				      nsec, sec, b->len);
	int rc = read_sections(&p, sec, nsec);
	if (rc == 0)
		rc = read_exports(&p);
	if (rc == 0)
		rc = read_pdata(&p);
	if (rc == 0)
		rc = read_imports(&p);
	return rc;
}
