/* SPDX-License-Identifier: MIT */
/*
 * Intel's token format: how Intel's compute runtime (NEO) and the
 * driver-store helper library libwsl_compute_helper.so exchange the
 * kernel-mode driver's private structures on WSL (docs/neo-wsl-path.md
 * section 3). The mock host uses it twice: the profile loader writes the
 * driver-private adapter info (QueryAdapterInfo type 0) as a token stream
 * from a readable description, and the mock's own helper library
 * (mock/driverstore/) checks and passes token streams on.
 *
 * A stream is a sequence of little-endian 32-bit words. Each token starts
 * with a header word: the token id in bits 0-15, a count of value words in
 * bits 16-23, flags in bits 24-31. A scalar carries its value in that many
 * words (0: a boolean in flag bit 0; 1: a dword; 2: a qword, low word
 * first). A variable-length token (flag bit 4) has a count of 0 and three
 * more words, the array element it fills, the length of its value in bytes
 * and that length padded to words; the value, nested tokens describing a
 * sub-structure, follows. A zero word is a boolean token with id 0, which
 * readers skip, so a stream may be padded with zeros.
 *
 * This module holds what both users need: the format's constants, the
 * structures the helper translates and the sizes it reports for them, the
 * schema of ADAPTER_INFO (field names as Intel's headers spell them, token
 * ids as NEO 22.43's demarshaller reads them), a writer, and a checker.
 * Nothing here allocates, prints or keeps state.
 */
#ifndef DXGT_INTEL_TOKENS_H
#define DXGT_INTEL_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header flag bits. */
#define DXGT_ITOK_FLAG_VALUE 0x01u     /* a boolean token's value */
#define DXGT_ITOK_FLAG_MANDATORY 0x08u /* a reader that does not know the id must fail */
#define DXGT_ITOK_FLAG_VARIABLE 0x10u  /* a variable-length token */

/* A variable-length token's head: the header and three words. */
#define DXGT_ITOK_VAR_HEAD 16u
/* How deep variable-length tokens may nest before a stream is refused. */
#define DXGT_ITOK_MAX_DEPTH 16u

/*
 * The structures the helper translates, with the bytes it reports for
 * each (getSizeRequiredForStruct and getSizeRequiredForTokens: the mock's
 * helper uses the token stream itself as the kernel-mode representation,
 * so both are the same). NEO sizes its buffers from these, so each must
 * hold the longest stream that travels: the adapter info the profile
 * loader writes (it refuses longer ones), NEO's own GMM resource info
 * (6,692 bytes from 22.43), its context private data (84 bytes) and its
 * GPU address space partition.
 *
 * DXGT_ITOK_STRUCT(name, id, bytes)
 */
#define DXGT_ITOK_STRUCTS(X)                                                                       \
	X(ADAPTER_INFO, 1, 8192)                                                                   \
	X(GMM_RESOURCE_INFO_WIN_STRUCT, 7, 8192)                                                   \
	X(CREATECONTEXT_PVTDATA, 33, 256)                                                          \
	X(COMMAND_BUFFER_HEADER_REC, 48, 256)                                                      \
	X(GMM_GFX_PARTITIONING, 135, 1024)

enum {
#define DXGT_ITOK_ENUM(name, id, bytes) DXGT_ITOK_S_##name = id,
	DXGT_ITOK_STRUCTS(DXGT_ITOK_ENUM)
#undef DXGT_ITOK_ENUM
};

/* The bytes reported for struct id (0 for an id the helper does not
 * translate). */
size_t dxgt__itok_struct_size(uint32_t id);

/* ---- the ADAPTER_INFO schema ---- */

enum dxgt_itok_kind {
	DXGT_ITOK_BOOL,	 /* a boolean token; JSON true or false */
	DXGT_ITOK_UINT,	 /* a dword token holding at most max; JSON number */
	DXGT_ITOK_QWORD, /* a qword token; JSON number */
	DXGT_ITOK_GROUP, /* a sub-structure: a variable-length token; JSON object */
	DXGT_ITOK_ARRAY, /* up to max sub-structures, one token each, the element
			    index as its array element; JSON array of objects */
	DXGT_ITOK_FLAGS, /* a sub-structure of booleans, the ones set named; JSON
			    array of names */
};

struct dxgt_itok_group;

struct dxgt_itok_field {
	const char *name;		     /* as Intel's headers spell the field */
	uint16_t id;			     /* the token id */
	uint8_t kind;			     /* enum dxgt_itok_kind */
	uint32_t max;			     /* UINT: the largest value; ARRAY: the most elements */
	const struct dxgt_itok_group *group; /* GROUP, ARRAY, FLAGS: its fields */
};

struct dxgt_itok_group {
	const char *name; /* the C structure, for messages */
	const struct dxgt_itok_field *fields;
	size_t n_fields;
};

/* ADAPTER_INFO, the driver-private adapter info (QueryAdapterInfo type 0),
 * as far as the mock describes it. Static, immutable. */
extern const struct dxgt_itok_group dxgt__itok_adapter_info;

/* ---- writing ---- */

/* A token stream built in a caller's buffer. Once a token does not fit,
 * overflow is set and nothing more is written; len keeps counting, so it
 * tells how many bytes the whole stream needs. */
struct dxgt_itok_writer {
	uint8_t *buf; /* borrowed */
	size_t cap;
	size_t len;
	bool overflow;
};

void dxgt__itok_bool(struct dxgt_itok_writer *w, uint16_t id, bool v);
void dxgt__itok_dword(struct dxgt_itok_writer *w, uint16_t id, uint32_t v);
void dxgt__itok_qword(struct dxgt_itok_writer *w, uint16_t id, uint64_t v);
/* Opens a variable-length token; pass what it returns to _close once its
 * nested tokens are written. */
size_t dxgt__itok_open(struct dxgt_itok_writer *w, uint16_t id, uint32_t element);
void dxgt__itok_close(struct dxgt_itok_writer *w, size_t mark);

/* ---- reading ---- */

/* Whether p[0..len) is a well-formed stream: every token whole, every
 * variable-length token's lengths consistent and its value itself a
 * well-formed stream, nesting at most DXGT_ITOK_MAX_DEPTH deep. On success
 * *used (if not NULL) is the length up to the end of the last token that
 * is not a zero word: what is left is padding. */
bool dxgt__itok_check(const uint8_t *p, size_t len, size_t *used);

#endif /* DXGT_INTEL_TOKENS_H */
