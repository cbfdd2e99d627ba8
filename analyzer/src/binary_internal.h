/* SPDX-License-Identifier: MIT */
/*
 * The binary reader's insides (dxgt/scan.h), shared by binary.c (the
 * object, lookups), binary_elf.c and binary_pe.c (the two parsers), scan.c
 * and symbolize.c (disassembly).
 *
 * The parsers fill a struct dxgt_binary and nothing else; every range they
 * read is checked with dxgt__bin_range() first, and every count they
 * allocate for is bounded by the file's size. The tables keep borrowed
 * pointers into the file image (names checked to end inside their string
 * table) and owned strings in b->strs.
 */
#ifndef DXGT_BINARY_INTERNAL_H
#define DXGT_BINARY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capstone/capstone.h>

#include "dxgt/scan.h"

struct bin_sec {
	struct dxgt_binary_section pub; /* pub.name points at name */
	char name[48];
};

/* Where the loader puts file bytes: ELF PT_LOAD, PE sections. */
struct bin_seg {
	uint64_t va, memsz, offset, filesz;
	bool exec;
};

/* A function: sized (ELF st_size, PE .pdata) or only a start. Ranks order
 * the entries that start at one address: the best name is kept. */
enum bin_rank {
	BIN_RANK_LABEL = 1,  /* ELF STT_NOTYPE symbol in code (assembly) */
	BIN_RANK_LOCAL = 2,  /* ELF local function; PE .pdata range */
	BIN_RANK_GLOBAL = 3, /* ELF global or weak function; PE export; NAME@plt */
};

struct bin_func {
	uint64_t start, size; /* size 0: unknown */
	const char *name;     /* NULL: unnamed (PE .pdata: sub_<rva>) */
	uint8_t rank;	      /* enum bin_rank */
};

struct bin_import {
	uint64_t slot;
	const char *name;
};

/* An ELF R_X86_64_RELATIVE relocation: the slot gets load base + value. */
struct bin_rel {
	uint64_t slot, value;
};

struct dxgt_binary {
	uint8_t *owned; /* the file image when read from a path */
	const uint8_t *data;
	size_t len;

	enum dxgt_binary_format format;
	const char *kind;
	uint64_t image_base;
	bool rel; /* ELF ET_REL: sections placed at their file offsets */

	struct bin_sec *secs; /* allocated once, never moved: names point inside */
	size_t n_secs;
	struct bin_seg *segs;
	size_t n_segs, cap_segs;
	struct bin_func *funcs; /* sorted by start, one entry per start */
	size_t n_funcs, cap_funcs;
	struct bin_import *imps; /* sorted by slot */
	size_t n_imps, cap_imps;
	struct bin_func *objs; /* ELF data objects, as funcs */
	size_t n_objs, cap_objs;
	struct bin_rel *rels; /* in file order */
	size_t n_rels, cap_rels;
	char **strs; /* owned strings the tables point at */
	size_t n_strs, cap_strs;

	bool has_symtab;
	size_t n_symbols; /* functions named by ELF symbols or PE exports */
	const uint8_t *build_id;
	size_t build_id_len;

	char *why; /* while opening: where the reason goes */
	size_t why_len;
};

/* Write the reason for a failed open and return err. */
__attribute__((format(printf, 3, 4))) int dxgt__bin_fail(struct dxgt_binary *b, int err,
							 const char *fmt, ...);

/* [off, off + n) lies inside the file. */
static inline bool dxgt__bin_range(const struct dxgt_binary *b, uint64_t off, uint64_t n)
{
	return off <= b->len && n <= b->len - off;
}

int dxgt__bin_sections(struct dxgt_binary *b, size_t n);
int dxgt__bin_add_seg(struct dxgt_binary *b, uint64_t va, uint64_t memsz, uint64_t offset,
		      uint64_t filesz, bool exec);
int dxgt__bin_add_func(struct dxgt_binary *b, uint64_t start, uint64_t size, const char *name,
		       enum bin_rank rank);
int dxgt__bin_add_import(struct dxgt_binary *b, uint64_t slot, const char *name);
int dxgt__bin_add_object(struct dxgt_binary *b, uint64_t start, uint64_t size, const char *name,
			 enum bin_rank rank);
int dxgt__bin_add_rel(struct dxgt_binary *b, uint64_t slot, uint64_t value);
/* A copy of s (n bytes, NUL added) owned by b, or NULL when out of memory. */
char *dxgt__bin_strdup(struct dxgt_binary *b, const char *s, size_t n);
/* A NUL-terminated string starting at file offset off and ending before
 * end (a table's end), or NULL. */
const char *dxgt__bin_cstr(const struct dxgt_binary *b, uint64_t off, uint64_t end);
/* Sort and merge the tables once the parser is done. */
int dxgt__bin_finish(struct dxgt_binary *b);

/* Copy name into buf (len > 0), bytes outside 0x21..0x7e as \xNN, cut to
 * fit. */
void dxgt__name_copy(char *buf, size_t len, const char *name);

int dxgt__elf_parse(struct dxgt_binary *b);
int dxgt__pe_parse(struct dxgt_binary *b);

/* The import a call or jump to va reaches: va is an ELF PLT stub
 * ([endbr64] [bnd] jmp qword ptr [rip + disp]) whose slot is bound. NULL
 * when it is not. */
const char *dxgt__bin_plt_import(const struct dxgt_binary *b, uint64_t va);

/* ---- disassembly (scan.c) ---- */

/* Two capstone handles for x86-64: one plain for sweeping, one with
 * operand details for the instructions worth a look. */
struct dxgt__disasm {
	csh plain, detail;
	cs_insn *insn; /* owned, for the detail handle */
};
int dxgt__disasm_open(struct dxgt__disasm *d);
void dxgt__disasm_close(struct dxgt__disasm *d);

/* The text of the call instruction that ends at ra (a return address) in
 * b, with its target named where the binary allows ("call 0x1139
 * <escapes>"; functions from names when not NULL, a debug file of b). func is the start of the function holding ra - 1, or 0 if
 * unknown: the function is disassembled from there; without it, or when
 * no instruction of that sweep ends at ra, the bytes just before ra are
 * tried as one call instruction, shortest plausible encodings first.
 * Returns 0 with the text in buf, or DXGT_E_NOTFOUND. */
int dxgt__call_before(struct dxgt__disasm *d, const struct dxgt_binary *b,
		      const struct dxgt_binary *names, uint64_t ra, uint64_t func, char *buf,
		      size_t len);

#endif /* DXGT_BINARY_INTERNAL_H */
