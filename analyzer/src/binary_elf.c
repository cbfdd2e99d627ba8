// SPDX-License-Identifier: MIT
/*
 * A minimal ELF64 reader for x86-64: the file header, program headers
 * (PT_LOAD for addresses, PT_NOTE for the build id), section headers,
 * function symbols of .symtab and .dynsym, the GOT slots that JUMP_SLOT,
 * GLOB_DAT and 64-bit relocations bind to symbols, and NAME@plt stubs.
 *
 * Every field is read with explicit little-endian loads at the offsets of
 * the ELF64 specification (pinned below against <elf.h>), never by casting
 * the image; every table is checked to lie inside the file before it is
 * read, and every count is bounded by the bytes that hold it. A file that
 * breaks a rule this reader depends on is refused with the reason; a
 * single bad symbol or relocation is skipped.
 */
#include <elf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "binary_internal.h"
#include "dxgt/error.h"

#define EH_SIZE 64u
#define SH_SIZE 64u
#define PH_SIZE 56u
#define SYM_SIZE 24u
#define RELA_SIZE 24u

_Static_assert(sizeof(Elf64_Ehdr) == EH_SIZE, "ELF64 header");
_Static_assert(offsetof(Elf64_Ehdr, e_phoff) == 32 && offsetof(Elf64_Ehdr, e_shoff) == 40,
	       "ELF64 header offsets");
_Static_assert(offsetof(Elf64_Ehdr, e_phentsize) == 54 && offsetof(Elf64_Ehdr, e_shstrndx) == 62,
	       "ELF64 header offsets");
_Static_assert(sizeof(Elf64_Shdr) == SH_SIZE && offsetof(Elf64_Shdr, sh_offset) == 24 &&
		   offsetof(Elf64_Shdr, sh_link) == 40 && offsetof(Elf64_Shdr, sh_entsize) == 56,
	       "ELF64 section header");
_Static_assert(sizeof(Elf64_Phdr) == PH_SIZE && offsetof(Elf64_Phdr, p_offset) == 8 &&
		   offsetof(Elf64_Phdr, p_filesz) == 32 && offsetof(Elf64_Phdr, p_memsz) == 40,
	       "ELF64 program header");
_Static_assert(sizeof(Elf64_Sym) == SYM_SIZE && offsetof(Elf64_Sym, st_shndx) == 6 &&
		   offsetof(Elf64_Sym, st_value) == 8 && offsetof(Elf64_Sym, st_size) == 16,
	       "ELF64 symbol");
_Static_assert(sizeof(Elf64_Rela) == RELA_SIZE && offsetof(Elf64_Rela, r_info) == 8,
	       "ELF64 relocation");

/* Sections this reader looks at, read once. */
struct shdr {
	uint32_t name, type, link;
	uint64_t flags, addr, offset, size, entsize, addralign;
};

struct elf {
	struct dxgt_binary *b;
	struct shdr *sh; /* n_sh entries, owned */
	size_t n_sh;
	uint16_t type;
};

static uint64_t rd(const struct dxgt_binary *b, uint64_t off, unsigned n)
{
	return dxgt__le(b->data + off, n);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_ARM:
		return "ARM";
	case EM_AARCH64:
		return "AArch64";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC64:
		return "POWER";
	default:
		return "unknown";
	}
}

/* The GNU build id in n bytes of notes aligned to align. */
static bool note_build_id(const uint8_t *p, uint64_t n, uint64_t align, const uint8_t **id,
			  size_t *id_len)
{
	uint64_t off = 0;
	while (n - off >= 12) {
		uint64_t namesz = dxgt__le(p + off, 4), descsz = dxgt__le(p + off + 4, 4);
		uint64_t type = dxgt__le(p + off + 8, 4);
		uint64_t desc_at = (12 + namesz + align - 1) & ~(align - 1);
		if (desc_at > n - off || descsz > n - off - desc_at)
			return false;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(p + off + 12, "GNU", 4) == 0 &&
		    descsz > 0) {
			*id = p + off + desc_at;
			*id_len = (size_t)descsz;
			return true;
		}
		uint64_t next = (desc_at + descsz + align - 1) & ~(align - 1);
		if (next > n - off)
			return false;
		off += next;
	}
	return false;
}

static int read_sections(struct elf *e, uint64_t shoff, uint64_t shnum, unsigned shentsize)
{
	struct dxgt_binary *b = e->b;
	e->sh = calloc(shnum ? shnum : 1, sizeof(*e->sh));
	if (!e->sh)
		return DXGT_E_NOMEM;
	e->n_sh = shnum;
	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t o = shoff + i * shentsize;
		struct shdr *s = &e->sh[i];
		s->name = (uint32_t)rd(b, o + 0, 4);
		s->type = (uint32_t)rd(b, o + 4, 4);
		s->flags = rd(b, o + 8, 8);
		s->addr = rd(b, o + 16, 8);
		s->offset = rd(b, o + 24, 8);
		s->size = rd(b, o + 32, 8);
		s->link = (uint32_t)rd(b, o + 40, 4);
		s->addralign = rd(b, o + 48, 8);
		s->entsize = rd(b, o + 56, 8);
	}
	return 0;
}

static bool has_bytes(const struct shdr *s)
{
	return s->type != SHT_NOBITS && s->type != SHT_NULL && s->size;
}

/* Fill b->secs from the section headers; names from shstrndx. */
static int fill_sections(struct elf *e, uint64_t shstrndx)
{
	struct dxgt_binary *b = e->b;
	int rc = dxgt__bin_sections(b, e->n_sh);
	if (rc < 0)
		return rc;
	uint64_t str_off = 0, str_end = 0;
	if (shstrndx < e->n_sh && has_bytes(&e->sh[shstrndx]) &&
	    dxgt__bin_range(b, e->sh[shstrndx].offset, e->sh[shstrndx].size)) {
		str_off = e->sh[shstrndx].offset;
		str_end = str_off + e->sh[shstrndx].size;
	}
	for (size_t i = 0; i < e->n_sh; i++) {
		const struct shdr *s = &e->sh[i];
		struct bin_sec *bs = &b->secs[i];
		const char *name = str_end ? dxgt__bin_cstr(b, str_off + s->name, str_end) : NULL;
		if (name && *name)
			dxgt__name_copy(bs->name, sizeof(bs->name), name);
		else
			snprintf(bs->name, sizeof(bs->name), "[%zu]", i);
		if (has_bytes(s)) {
			if (!dxgt__bin_range(b, s->offset, s->size))
				return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
						      "section %zu (%s) runs past the end of the "
						      "file (offset 0x%" PRIx64 ", 0x%" PRIx64
						      " bytes; the file has 0x%zx)",
						      i, bs->name, s->offset, s->size, b->len);
			bs->pub.data = b->data + s->offset;
			bs->pub.data_len = s->size;
		}
		bs->pub.offset = s->offset;
		bs->pub.size = s->size;
		bs->pub.va = e->type == ET_REL ? s->offset : s->addr;
		if (bs->pub.va + s->size < bs->pub.va)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "section %zu (%s) wraps around the address space", i,
					      bs->name);
		bs->pub.exec = (s->flags & SHF_EXECINSTR) != 0 && s->type == SHT_PROGBITS;
		bs->pub.alloc = (s->flags & SHF_ALLOC) != 0;
		if (e->type == ET_REL && bs->pub.alloc && bs->pub.data) {
			rc = dxgt__bin_add_seg(b, s->offset, s->size, s->offset, s->size,
					       bs->pub.exec);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Symbol table section i and its string table: checks the pairing. */
static int symtab_of(struct elf *e, size_t i, uint64_t *n, uint64_t *str_off, uint64_t *str_end)
{
	struct dxgt_binary *b = e->b;
	const struct shdr *s = &e->sh[i];
	*n = 0;
	/* Separate debug files keep .dynsym and .dynstr as headers only. */
	if (!b->secs[i].pub.data)
		return 0;
	if (s->entsize != SYM_SIZE && s->entsize != 0)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "symbol table %s has entries of %" PRIu64
				      " bytes (24 expected)",
				      b->secs[i].name, s->entsize);
	if (s->link >= e->n_sh || e->sh[s->link].type != SHT_STRTAB)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT,
				      "symbol table %s names no string table (link %" PRIu32 ")",
				      b->secs[i].name, s->link);
	if (!b->secs[s->link].pub.data)
		return 0;
	*n = s->size / SYM_SIZE;
	*str_off = e->sh[s->link].offset;
	*str_end = *str_off + e->sh[s->link].size;
	return 0;
}

static int read_symbols(struct elf *e)
{
	struct dxgt_binary *b = e->b;
	for (size_t i = 0; i < e->n_sh; i++) {
		if (e->sh[i].type != SHT_SYMTAB && e->sh[i].type != SHT_DYNSYM)
			continue;
		uint64_t n = 0, str_off = 0, str_end = 0;
		int rc = symtab_of(e, i, &n, &str_off, &str_end);
		if (rc < 0)
			return rc;
		if (e->sh[i].type == SHT_SYMTAB)
			b->has_symtab = true;
		for (uint64_t j = 1; j < n; j++) {
			uint64_t o = e->sh[i].offset + j * SYM_SIZE;
			uint64_t name_off = rd(b, o, 4);
			unsigned info = b->data[o + 4];
			uint64_t shndx = rd(b, o + 6, 2), value = rd(b, o + 8, 8);
			uint64_t size = rd(b, o + 16, 8);
			unsigned type = ELF64_ST_TYPE(info), bind = ELF64_ST_BIND(info);
			if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || shndx >= e->n_sh)
				continue;
			const struct dxgt_binary_section *sec = &b->secs[shndx].pub;
			enum bin_rank rank = bind == STB_LOCAL ? BIN_RANK_LOCAL : BIN_RANK_GLOBAL;
			bool object = false;
			if (type == STT_OBJECT && size)
				object = true;
			else if (type == STT_NOTYPE && sec->exec)
				rank = BIN_RANK_LABEL;
			else if (type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			const char *name = dxgt__bin_cstr(b, str_off + name_off, str_end);
			if (!name || !*name ||
			    (rank == BIN_RANK_LABEL && (*name == '.' || *name == '$')))
				continue;
			uint64_t start = e->type == ET_REL ? sec->va + value : value;
			rc = object ? dxgt__bin_add_object(b, start, size, name, rank)
				    : dxgt__bin_add_func(b, start, size, name, rank);
			b->n_symbols += !object;
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int read_imports(struct elf *e)
{
	struct dxgt_binary *b = e->b;
	if (e->type == ET_REL)
		return 0; /* an object's relocations patch code, not GOT slots */
	for (size_t i = 0; i < e->n_sh; i++) {
		const struct shdr *s = &e->sh[i];
		if (s->type != SHT_RELA || !b->secs[i].pub.data)
			continue;
		if (s->entsize != RELA_SIZE && s->entsize != 0)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "relocation section %s has entries of %" PRIu64
					      " bytes (24 expected)",
					      b->secs[i].name, s->entsize);
		/* .rela.dyn of a program without dynamic symbols links to none:
		 * its RELATIVE relocations still count. */
		uint64_t nsym = 0, str_off = 0, str_end = 0;
		int rc = 0;
		if (s->link && s->link < e->n_sh &&
		    (e->sh[s->link].type == SHT_DYNSYM || e->sh[s->link].type == SHT_SYMTAB) &&
		    (rc = symtab_of(e, s->link, &nsym, &str_off, &str_end)) < 0)
			return rc;
		for (uint64_t j = 0; j < s->size / RELA_SIZE; j++) {
			uint64_t o = s->offset + j * RELA_SIZE;
			uint64_t slot = rd(b, o, 8), info = rd(b, o + 8, 8);
			uint64_t sym = ELF64_R_SYM(info), type = ELF64_R_TYPE(info);
			if (type == R_X86_64_RELATIVE) {
				if ((rc = dxgt__bin_add_rel(b, slot, rd(b, o + 16, 8))) < 0)
					return rc;
				continue;
			}
			if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT &&
			    type != R_X86_64_64)
				continue;
			if (sym == 0 || sym >= nsym)
				continue;
			uint64_t so = e->sh[s->link].offset + sym * SYM_SIZE;
			const char *name = dxgt__bin_cstr(b, str_off + rd(b, so, 4), str_end);
			if (!name || !*name)
				continue;
			if ((rc = dxgt__bin_add_import(b, slot, name)) < 0)
				return rc;
		}
	}
	return 0;
}

/* NAME@plt for each PLT stub whose slot is bound (imports sorted first). */
static int name_plt_stubs(struct elf *e)
{
	struct dxgt_binary *b = e->b;
	if (!b->n_imps)
		return 0;
	int rc = dxgt__bin_finish(b);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < e->n_sh; i++) {
		const struct dxgt_binary_section *s = &b->secs[i].pub;
		if (!s->exec || !s->data || strncmp(s->name, ".plt", 4) != 0)
			continue;
		uint64_t step =
		    e->sh[i].entsize == 8 || e->sh[i].entsize == 16 ? e->sh[i].entsize : 16;
		for (uint64_t off = 0; off < s->data_len && s->data_len - off >= 6; off += step) {
			const char *imp = dxgt__bin_plt_import(b, s->va + off);
			if (!imp)
				continue;
			size_t n = strlen(imp);
			char *name = dxgt__bin_strdup(b, imp, n + 4);
			if (!name)
				return DXGT_E_NOMEM;
			memcpy(name + n, "@plt", 5);
			if ((rc = dxgt__bin_add_func(b, s->va + off, step, name, BIN_RANK_GLOBAL)) <
			    0)
				return rc;
		}
	}
	return 0;
}

static void find_build_id(struct elf *e, uint64_t phoff, uint64_t phnum, unsigned phentsize)
{
	struct dxgt_binary *b = e->b;
	for (size_t i = 0; i < e->n_sh; i++) {
		const struct shdr *s = &e->sh[i];
		if (s->type != SHT_NOTE || !b->secs[i].pub.data)
			continue;
		if (note_build_id(b->secs[i].pub.data, s->size, s->addralign == 8 ? 8 : 4,
				  &b->build_id, &b->build_id_len))
			return;
	}
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t o = phoff + i * phentsize;
		if (rd(b, o, 4) != PT_NOTE)
			continue;
		uint64_t off = rd(b, o + 8, 8), filesz = rd(b, o + 32, 8);
		if (!dxgt__bin_range(b, off, filesz))
			continue;
		if (note_build_id(b->data + off, filesz, rd(b, o + 48, 8) == 8 ? 8 : 4,
				  &b->build_id, &b->build_id_len))
			return;
	}
}

/* A file without section headers: its executable segments stand in. */
static int sections_from_segments(struct elf *e, uint64_t phoff, uint64_t phnum, unsigned phentsize)
{
	struct dxgt_binary *b = e->b;
	size_t n = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t o = phoff + i * phentsize;
		n += rd(b, o, 4) == PT_LOAD && (rd(b, o + 4, 4) & PF_X);
	}
	int rc = dxgt__bin_sections(b, n);
	if (rc < 0)
		return rc;
	size_t k = 0;
	for (uint64_t i = 0; i < phnum && k < n; i++) {
		uint64_t o = phoff + i * phentsize;
		if (rd(b, o, 4) != PT_LOAD || !(rd(b, o + 4, 4) & PF_X))
			continue;
		struct bin_sec *bs = &b->secs[k];
		snprintf(bs->name, sizeof(bs->name), "[segment %" PRIu64 "]", i);
		bs->pub.offset = rd(b, o + 8, 8);
		bs->pub.va = rd(b, o + 16, 8);
		bs->pub.data_len = rd(b, o + 32, 8);
		bs->pub.size = rd(b, o + 40, 8);
		if (bs->pub.data_len > bs->pub.size)
			bs->pub.data_len = bs->pub.size;
		bs->pub.data = bs->pub.data_len ? b->data + bs->pub.offset : NULL;
		bs->pub.exec = bs->pub.alloc = true;
		k++;
	}
	return 0;
}

static int parse(struct elf *e)
{
	struct dxgt_binary *b = e->b;
	const uint8_t *d = b->data;
	if (b->len < EH_SIZE)
		return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
				      "cut short inside its ELF header (%zu of 64 bytes)", b->len);
	if (d[EI_CLASS] == ELFCLASS32)
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED,
				      "a 32-bit ELF file: only x86-64 (ELF64) is supported");
	if (d[EI_CLASS] != ELFCLASS64)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT, "ELF class %u is neither 32 nor 64 bits",
				      d[EI_CLASS]);
	if (d[EI_DATA] == ELFDATA2MSB)
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED,
				      "a big-endian ELF file: only x86-64 is supported");
	if (d[EI_DATA] != ELFDATA2LSB)
		return dxgt__bin_fail(b, DXGT_E_CORRUPT, "ELF data encoding %u is unknown",
				      d[EI_DATA]);
	unsigned machine = (unsigned)rd(b, 18, 2);
	if (machine != EM_X86_64)
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED,
				      "an ELF file for machine %u (%s), not x86-64", machine,
				      machine_name(machine));
	e->type = (uint16_t)rd(b, 16, 2);
	switch (e->type) {
	case ET_REL:
		b->kind = "ELF relocatable object";
		b->rel = true;
		break;
	case ET_EXEC:
		b->kind = "ELF executable";
		break;
	case ET_DYN:
		b->kind = "ELF shared object";
		break;
	case ET_CORE:
		return dxgt__bin_fail(b, DXGT_E_UNSUPPORTED, "an ELF core dump, not a program");
	default:
		return dxgt__bin_fail(b, DXGT_E_CORRUPT, "ELF file type %u is unknown", e->type);
	}
	b->format = DXGT_BINARY_ELF;

	uint64_t phoff = rd(b, 32, 8), shoff = rd(b, 40, 8);
	unsigned phentsize = (unsigned)rd(b, 54, 2), shentsize = (unsigned)rd(b, 58, 2);
	uint64_t phnum = rd(b, 56, 2), shnum = rd(b, 60, 2), shstrndx = rd(b, 62, 2);

	if (shoff) {
		if (shentsize < SH_SIZE)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "section header entries of %u bytes (64 expected)",
					      shentsize);
		if (!dxgt__bin_range(b, shoff, SH_SIZE))
			return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
					      "the section headers (at 0x%" PRIx64
					      ") lie past the end of the file (0x%zx bytes)",
					      shoff, b->len);
		/* Counts too large for the header live in section 0. */
		if (shnum == 0)
			shnum = rd(b, shoff + 32, 8);
		if (shstrndx == SHN_XINDEX)
			shstrndx = rd(b, shoff + 40, 4);
		if (phnum == PN_XNUM)
			phnum = rd(b, shoff + 44, 4);
		if (shnum > (b->len - shoff) / shentsize)
			return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
					      "the section headers (%" PRIu64
					      " of %u bytes at 0x%" PRIx64
					      ") run past the end of the file (0x%zx bytes)",
					      shnum, shentsize, shoff, b->len);
	} else {
		shnum = 0;
	}
	if (phnum) {
		if (phentsize < PH_SIZE)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "program header entries of %u bytes (56 expected)",
					      phentsize);
		if (phoff > b->len || phnum > (b->len - phoff) / phentsize)
			return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
					      "the program headers (%" PRIu64
					      " of %u bytes at 0x%" PRIx64
					      ") run past the end of the file (0x%zx bytes)",
					      phnum, phentsize, phoff, b->len);
	}
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t o = phoff + i * phentsize;
		uint32_t type = (uint32_t)rd(b, o, 4);
		if (type == PT_INTERP && e->type == ET_DYN)
			b->kind = "ELF position-independent executable";
		if (type != PT_LOAD)
			continue;
		uint64_t off = rd(b, o + 8, 8), va = rd(b, o + 16, 8);
		uint64_t filesz = rd(b, o + 32, 8), memsz = rd(b, o + 40, 8);
		if (!dxgt__bin_range(b, off, filesz))
			return dxgt__bin_fail(b, DXGT_E_TRUNCATED,
					      "segment %" PRIu64 " (offset 0x%" PRIx64
					      ", 0x%" PRIx64
					      " bytes) runs past the end of the file (0x%zx bytes)",
					      i, off, filesz, b->len);
		if (va + memsz < va)
			return dxgt__bin_fail(b, DXGT_E_CORRUPT,
					      "segment %" PRIu64 " wraps around the address space",
					      i);
		int rc =
		    dxgt__bin_add_seg(b, va, memsz, off, filesz, (rd(b, o + 4, 4) & PF_X) != 0);
		if (rc < 0)
			return rc;
	}

	int rc = read_sections(e, shoff, shnum, shentsize);
	if (rc < 0)
		return rc;
	if (shnum)
		rc = fill_sections(e, shstrndx);
	else
		rc = sections_from_segments(e, phoff, phnum, phentsize);
	if (rc < 0)
		return rc;
	if ((rc = read_symbols(e)) < 0 || (rc = read_imports(e)) < 0 ||
	    (rc = name_plt_stubs(e)) < 0)
		return rc;
	find_build_id(e, phoff, phnum, phentsize);
	return 0;
}

int dxgt__elf_parse(struct dxgt_binary *b)
{
	struct elf e = {.b = b};
	int rc = parse(&e);
	free(e.sh);
	return rc;
}
