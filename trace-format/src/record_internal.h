/* SPDX-License-Identifier: MIT */
/* Record layout constants (docs/trace-format.md) and the decoder's scratch. */
#ifndef DXGT_RECORD_INTERNAL_H
#define DXGT_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dxgt/trace.h"

#define DXGT__REC_HDR 8u
#define DXGT__ENTER_FIXED 56u
#define DXGT__LEAVE_FIXED 48u
#define DXGT__META_FIXED 8u
#define DXGT__BUF_HDR DXGT_RECORD_BUF_HDR
#define DXGT__FIELD_HDR 8u

#define DXGT__FILE_MAGIC "DXGTRACE"
#define DXGT__FILE_HDR 32u
#define DXGT__CHUNK_MAGIC "DXGC"
#define DXGT__CHUNK_HDR 40u
#define DXGT__TRAILER_MAGIC "DXGTEND1"
#define DXGT__TRAILER 16u
#define DXGT__INDEX_ENTRY 24u

enum { DXGT__CHUNK_RECORDS = 1, DXGT__CHUNK_INDEX = 2 };
enum { DXGT__CODEC_NONE = 0, DXGT__CODEC_ZSTD = 1 };

/* Growable arrays a decoded record points into; owned by its decoder. */
struct dxgt__scratch {
	struct dxgt_rec_buf *bufs;
	size_t bufs_cap;
	uint64_t *frames;
	size_t frames_cap;
	struct dxgt_meta_field *fields;
	size_t fields_cap;
	char *strings;
	size_t strings_cap;
};

/* Decode one record from p (len bytes available). The view points into p
 * and s. Returns 0, DXGT_E_CORRUPT or DXGT_E_NOMEM. */
int dxgt__record_decode(const uint8_t *p, size_t len, struct dxgt_record *rec,
			struct dxgt__scratch *s);
void dxgt__scratch_free(struct dxgt__scratch *s);

#endif /* DXGT_RECORD_INTERNAL_H */
