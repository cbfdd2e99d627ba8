/* SPDX-License-Identifier: MIT */
/*
 * Offline symbolisation of recorded backtraces: what `dxgtrace dump
 * --stacks` prints under each call. A trace's mmap META records say where
 * each executable segment of each loaded object sat (start, end, file
 * offset, path, GNU build id); a frame's return address is placed in its
 * segment, the object is looked for on this machine by build id, and its
 * ELF symbols name the function while capstone shows the call instruction
 * that ends at the return address.
 *
 * Only local files are read, and only regular files: no address from a
 * trace is ever dereferenced. A local file is used only when its build id
 * equals the recorded one (or, when the recording has none, the recorded
 * path itself when it has none either). Candidates, in order: the recorded
 * path, DEBUG_ROOT/.build-id/xx/yyyy.debug (DEBUG_ROOT is /usr/lib/debug
 * unless set), then each search directory's file of the same name, its
 * .build-id tree, and every other ELF file in it. A stripped match is
 * completed by a later match with a .symtab (a separate debug file).
 *
 * Ownership is stated per function. Not thread-safe; use one per thread.
 */
#ifndef DXGT_SYMBOLIZE_H
#define DXGT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgt/trace.h"

struct dxgt_symbolizer;

/* On success *out owns a symbolizer with no maps; free it with
 * dxgt_symbolizer_free(). Errors: DXGT_E_NOMEM, DXGT_E_UNSUPPORTED (the
 * disassembler cannot start). */
int dxgt_symbolizer_new(struct dxgt_symbolizer **out);
void dxgt_symbolizer_free(struct dxgt_symbolizer *s);

/* Where separate debug files live (default "/usr/lib/debug"); NULL or ""
 * turns that lookup off. Copied. Set before the first lookup. */
int dxgt_symbolizer_set_debug_root(struct dxgt_symbolizer *s, const char *dir);
/* Add a directory searched after the recorded path and the debug root
 * (`--symbol-dir`), in the order added. Copied. */
int dxgt_symbolizer_add_dir(struct dxgt_symbolizer *s, const char *dir);

/* Learn one mmap META record (rec->meta_kind == DXGT_META_MMAP); other
 * records are ignored. Returns 0, DXGT_E_NOMEM, or DXGT_E_CORRUPT for a
 * record without start and end or with end <= start (skipped). When two
 * records overlap, the first learned wins. */
int dxgt_symbolizer_add_map(struct dxgt_symbolizer *s, const struct dxgt_record *rec);

#define DXGT_FRAME_TEXT_MAX 160

/* One frame, symbolised. Every string is printable. */
struct dxgt_frame {
	uint64_t addr;	    /* the recorded return address */
	bool mapped;	    /* an mmap record holds it */
	const char *module; /* the recorded object's file name ("npu-probe"), or NULL */
	const char *path;   /* its recorded path, or NULL */
	uint64_t offset;    /* file offset of addr in the object */
	const char *file;   /* the local file whose symbols were used, or NULL */
	bool has_function;
	char function[DXGT_FRAME_TEXT_MAX]; /* "escapes" */
	uint64_t function_offset;	    /* addr minus the function's start */
	bool has_insn;
	char insn[DXGT_FRAME_TEXT_MAX]; /* the call that ends at addr */
};

/* Symbolise one return address. Fills *out, whose strings are borrowed
 * until the symbolizer is freed. Returns 0 (out->mapped and the other
 * flags say how far it got) or DXGT_E_NOMEM. Opens each object's local
 * file once, at its first frame. */
int dxgt_symbolizer_lookup(struct dxgt_symbolizer *s, uint64_t addr, struct dxgt_frame *out);

/* The frame as one line, without indentation:
 *   "#0 npu-probe+0x1234 send_escape+0x42 (call qword ptr [rax + 0x28])"
 * module+offset is the file offset; an address no record holds is shown
 * as "#3 0x7f0011223344". Written to buf, which is returned. */
const char *dxgt_frame_format(const struct dxgt_frame *f, unsigned index, char *buf, size_t len);

/* The objects frames were looked up in, for a report of what could not be
 * resolved: call with i = 0, 1, ... until it returns DXGT_E_INVAL. */
struct dxgt_symbolizer_module {
	const char *path;	 /* as recorded; borrowed */
	const uint8_t *build_id; /* as recorded, NULL if none; borrowed */
	size_t build_id_len;
	const char *file; /* the local file used, NULL if none matched */
	bool has_symbols; /* that file (or its debug file) names functions */
	uint64_t frames;  /* frames looked up in it */
};
int dxgt_symbolizer_module(const struct dxgt_symbolizer *s, size_t i,
			   struct dxgt_symbolizer_module *out);

#endif /* DXGT_SYMBOLIZE_H */
