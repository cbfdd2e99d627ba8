/* SPDX-License-Identifier: MIT */
/*
 * Binary scanning: what `dxgtrace scan` is made of. A minimal reader for
 * x86-64 ELF64 files (executables, shared objects, relocatable objects such
 * as kernel modules) and PE32+ images (.sys, .dll, .exe), and two scans over
 * their code with the capstone disassembler: every instruction that uses an
 * NTSTATUS as an immediate, classified, and every call site of a family of
 * imported functions (D3DKMT*), directly through the PLT/GOT/IAT or by name
 * for dlsym/GetProcAddress.
 *
 * The reader trusts nothing in the file: every offset, size and count is
 * checked against the file before it is used, and a file that does not
 * hold together is refused with a one-line reason. It never executes or
 * maps the file; the image is read into memory once.
 *
 * Ownership is stated per function. A struct dxgt_binary is immutable after
 * it is opened, and may be shared by threads for reading; the scans open
 * their own disassembler handles.
 */
#ifndef DXGT_SCAN_H
#define DXGT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the binary reader ---- */

enum dxgt_binary_format {
	DXGT_BINARY_ELF = 1,
	DXGT_BINARY_PE = 2,
};

struct dxgt_binary;

/* Room for the reason an open fails, with its NUL. */
#define DXGT_BINARY_WHY_MAX 192

/* Read and parse the file at path (a regular file: devices and FIFOs are
 * refused without being read). On success *out owns the binary; free it
 * with dxgt_binary_close(). On failure *out is NULL and why (why_len bytes;
 * may be NULL) holds one line saying what is wrong, without the path.
 * Errors: DXGT_E_NOTFOUND (no such file), DXGT_E_IO (cannot be read, not a
 * regular file), DXGT_E_EMPTY, DXGT_E_MAGIC (neither ELF nor PE),
 * DXGT_E_UNSUPPORTED (ELF32, big-endian, PE32, another machine, a core
 * dump), DXGT_E_TRUNCATED (a header or table runs past the end of the
 * file), DXGT_E_CORRUPT (an offset, size or count that cannot be right),
 * DXGT_E_TOOBIG (over 2 GiB), DXGT_E_NOMEM. */
int dxgt_binary_open(struct dxgt_binary **out, const char *path, char *why, size_t why_len);
/* The same over len bytes of memory, which must outlive the binary
 * (borrowed, never written). */
int dxgt_binary_open_mem(struct dxgt_binary **out, const void *data, size_t len, char *why,
			 size_t why_len);
void dxgt_binary_close(struct dxgt_binary *b);

struct dxgt_binary_info {
	enum dxgt_binary_format format;
	const char *kind;    /* "ELF shared object", "PE32+ DLL", ... (static) */
	uint64_t image_base; /* PE: ImageBase; ELF: 0 */
	size_t n_sections;
	size_t n_functions; /* named or sized function entries */
	size_t n_imports;   /* GOT/IAT slots bound to a symbol */
	size_t n_symbols;   /* functions named by ELF symbols or PE exports */
	bool has_symtab;    /* ELF: a .symtab (not only .dynsym); PE: never */
	/* ELF: the GNU build id, borrowed from the binary; NULL if none. */
	const uint8_t *build_id;
	size_t build_id_len;
};
void dxgt_binary_info(const struct dxgt_binary *b, struct dxgt_binary_info *out);

/* Addresses are virtual addresses as the file places them: for PE the
 * image base plus the RVA. A relocatable ELF object (ET_REL) has no
 * addresses; its sections are placed at their file offsets instead. */
struct dxgt_binary_section {
	const char *name;    /* borrowed from the binary; printable */
	uint64_t va;	     /* where the section starts */
	uint64_t size;	     /* its size in memory */
	uint64_t offset;     /* file offset of its bytes */
	const uint8_t *data; /* its bytes in the file, borrowed; NULL when none (.bss) */
	uint64_t data_len;   /* bytes present in the file (at most size) */
	bool exec;	     /* holds code */
	bool alloc;	     /* loaded into memory */
};
/* Section i (0 <= i < n_sections). Returns 0, or DXGT_E_INVAL past the end. */
int dxgt_binary_section(const struct dxgt_binary *b, size_t i, struct dxgt_binary_section *out);

/* The function holding va, from ELF symbols (.symtab, .dynsym, and
 * NAME@plt stubs) or PE exports and .pdata ranges (an unnamed range is
 * "sub_<rva>"). Writes its name into buf (len bytes; bytes that are not
 * printable ASCII are written as \xNN) and its start to *start (may be
 * NULL). Returns 0, or DXGT_E_NOTFOUND when no function is known there
 * (buf then holds ""). */
int dxgt_binary_function(const struct dxgt_binary *b, uint64_t va, char *buf, size_t len,
			 uint64_t *start);

/* The same for data: the ELF data object (STT_OBJECT symbol) holding va. */
int dxgt_binary_object(const struct dxgt_binary *b, uint64_t va, char *buf, size_t len,
		       uint64_t *start);

/* The n bytes at va as present in the file: *p borrowed from the binary.
 * Returns 0, or DXGT_E_NOTFOUND when they are not all in one section's
 * file bytes. */
int dxgt_binary_bytes(const struct dxgt_binary *b, uint64_t va, uint64_t n, const uint8_t **p);

/* Between virtual addresses and file offsets through the loadable
 * segments (ELF PT_LOAD; PE sections). Return 0 or DXGT_E_NOTFOUND. */
int dxgt_binary_va_to_offset(const struct dxgt_binary *b, uint64_t va, uint64_t *offset);
int dxgt_binary_offset_to_va(const struct dxgt_binary *b, uint64_t offset, uint64_t *va);

/* The address delta bytes into the executable segment that a recorder
 * saw at file offset seg_offset with seg_size bytes in memory (an mmap
 * record: offset, end - start). The segment is matched by offset and size,
 * else by size alone: separate debug files keep the segments' addresses
 * and sizes but not their offsets. Returns 0, or DXGT_E_NOTFOUND. */
int dxgt_binary_segment_va(const struct dxgt_binary *b, uint64_t seg_offset, uint64_t seg_size,
			   uint64_t delta, uint64_t *va);

/* The symbol bound to the pointer slot at va (an ELF GOT entry through a
 * JUMP_SLOT, GLOB_DAT or 64-bit relocation; a PE import address table
 * entry), or NULL. Borrowed from the binary; may hold unprintable bytes. */
const char *dxgt_binary_import(const struct dxgt_binary *b, uint64_t va);

/* ---- scans ---- */

#define DXGT_SCAN_CLASSES(X)                                                                       \
	X(RETURN, "return", "loaded into the return register (mov eax/rax, imm)")                  \
	X(COMPARE, "compare", "compared (cmp, test or sub against the immediate)")                 \
	X(STORE, "store", "stored to memory (mov [mem], imm)")                                     \
	X(OTHER, "other", "any other use")

enum dxgt_scan_class {
#define DXGT__SCAN_CLASS_ENUM(name, text, what) DXGT_SCAN_##name,
	DXGT_SCAN_CLASSES(DXGT__SCAN_CLASS_ENUM)
#undef DXGT__SCAN_CLASS_ENUM
	    DXGT_SCAN_N_CLASSES
};

#define DXGT_CALLSITE_KINDS(X)                                                                     \
	X(IMPORT_CALL, "import call", "a call through the PLT, the GOT or the IAT")                \
	X(IMPORT_JUMP, "import tail call", "a jump through the PLT, the GOT or the IAT")           \
	X(IMPORT_ADDRESS, "import address", "the import's address loaded from its GOT/IAT slot")   \
	X(DIRECT_CALL, "direct call", "a call or jump to a function of the binary itself")         \
	X(DLSYM_NAME, "dlsym name reference", "the address of the name's string taken")            \
	X(DLSYM_TABLE, "dlsym name table", "a pointer to the name's string in data")

enum dxgt_callsite_kind {
#define DXGT__CALLSITE_ENUM(name, text, what) DXGT_CALLSITE_##name,
	DXGT_CALLSITE_KINDS(DXGT__CALLSITE_ENUM)
#undef DXGT__CALLSITE_ENUM
	    DXGT_CALLSITE_N_KINDS
};

/* "return", ...; "import call", ...: static strings, NULL when out of range. */
const char *dxgt_scan_class_name(enum dxgt_scan_class c);
const char *dxgt_callsite_kind_name(enum dxgt_callsite_kind k);

#define DXGT_SCAN_TEXT_MAX 160

/* One instruction found by a scan. Every string is printable ASCII. */
struct dxgt_scan_hit {
	uint64_t va;	 /* the instruction's address */
	uint64_t offset; /* its file offset */
	bool has_function;
	char function[DXGT_SCAN_TEXT_MAX]; /* the enclosing function, "" if unknown */
	uint64_t function_offset;	   /* va minus the function's start */
	char insn[DXGT_SCAN_TEXT_MAX];	   /* "mov eax, 0xc0000023", Intel syntax */
	/* dxgt_scan_status */
	enum dxgt_scan_class cls;
	/* dxgt_scan_calls */
	enum dxgt_callsite_kind kind;
	char target[DXGT_SCAN_TEXT_MAX]; /* the function called or named */
};

/* The scans call fn(ctx, hit) once per hit, in address order within each
 * code section and sections in file order; hit is borrowed for the call. A
 * non-zero return from fn stops the scan, which returns that value.
 *
 * dxgt_scan_status: every instruction of the code sections that has status
 * as an immediate:
 * as a 32-bit value, sign-extended in a 64-bit operation
 * (0xFFFFFFFFC0000023), or zero-extended in a 64-bit one. The code is
 * swept linearly; bytes that do not decode are stepped over one at a time.
 * Returns 0, the callback's non-zero value, or DXGT_E_NOMEM /
 * DXGT_E_UNSUPPORTED (the disassembler could not start). */
int dxgt_scan_status(const struct dxgt_binary *b, uint32_t status,
		     int (*fn)(void *ctx, const struct dxgt_scan_hit *hit), void *ctx);

/* dxgt_scan_calls: every call site of a function whose name starts with prefix ("D3DKMT"):
 * calls and jumps through an import's PLT stub or GOT/IAT slot, loads of
 * the slot, direct calls to a function of the binary of that name, and
 * instructions that take the address of a string naming one (lea
 * rip-relative, or an absolute immediate), as a program that looks it up
 * with dlsym or GetProcAddress does. Returns as dxgt_scan_status does. */
int dxgt_scan_calls(const struct dxgt_binary *b, const char *prefix,
		    int (*fn)(void *ctx, const struct dxgt_scan_hit *hit), void *ctx);

#endif /* DXGT_SCAN_H */
