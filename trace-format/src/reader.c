// SPDX-License-Identifier: MIT
/*
 * The streaming trace reader. It reads forward only (so pipes work), one
 * chunk at a time: header checks, payload CRC-32, decompression to exactly
 * the announced size, and a full decode of every record, all before the
 * first record of the chunk is handed out. A chunk is therefore delivered
 * whole or not at all, and a truncated or damaged file yields every chunk
 * before the damage, with the offset and the reason of the stop in the
 * state. Every size read from the file is bounded before it is used; no
 * pointer value from the file is ever followed.
 *
 * The checking decode is kept: the ENTER and LEAVE views it builds (the
 * record, its buffer list and its frames, copied out of the decoder's
 * scratch) are what dxgt_reader_next() hands out, so a record is decoded
 * once, not twice (docs/performance.md, "Profiles and fixes"). At most
 * KEEP_MAX records of a chunk are kept that way, so a chunk of tiny records
 * cannot make the views many times larger than the chunk; the rest, and
 * META records (their keys and strings live in the scratch), are decoded
 * again when they are handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "record_internal.h"
#include "trace_internal.h"

/* Decoded views kept per chunk, at most (about 10 MiB with their lists). */
#define KEEP_MAX 65536u

struct dxgt_reader {
	int fd;		    /* -1 for memory readers */
	const uint8_t *mem; /* borrowed */
	size_t mem_len;
	uint64_t off; /* next file offset to read */
	uint8_t *stored;
	size_t stored_cap;
	uint8_t *raw;
	size_t raw_cap;
	size_t raw_len, raw_pos;
	uint64_t index_off; /* offset of the index chunk, once read */
	struct seen {	    /* record chunks read, to check the index */
		uint64_t off, first_seq;
		uint32_t nrec, raw;
	} * chunk_offs;
	size_t n_chunk_offs, chunk_offs_cap;
	ZSTD_DCtx *dctx;
	struct dxgt__scratch scratch;
	struct dxgt_record rec;
	struct dxgt_read_state st;
	/* The current chunk's first n_kept ENTER/LEAVE views (type 0: not
	 * kept, decode again), their buffer lists and frames; pointers into
	 * bufs_arena and frames_arena are set once the chunk is checked. */
	struct dxgt_record *kept;
	size_t n_kept, kept_cap, kept_pos;
	struct dxgt_rec_buf *bufs_arena;
	size_t n_bufs_arena, bufs_arena_cap;
	uint64_t *frames_arena;
	size_t n_frames_arena, frames_arena_cap;
};

/* Read up to n bytes at the current offset; returns bytes read or -1. */
static ssize_t rd(struct dxgt_reader *r, void *buf, size_t n)
{
	if (n == 0) /* an empty payload: buf may not even be allocated */
		return 0;
	if (r->fd < 0) {
		size_t left = r->off < r->mem_len ? r->mem_len - (size_t)r->off : 0;
		size_t k = n < left ? n : left;
		memcpy(buf, r->mem + r->off, k);
		r->off += k;
		r->st.offset = r->off;
		return (ssize_t)k;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(r->fd, (uint8_t *)buf + got, n - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->off += got;
	r->st.offset = r->off;
	return (ssize_t)got;
}

__attribute__((format(printf, 4, 5))) static int stop(struct dxgt_reader *r, int err, uint64_t at,
						      const char *fmt, ...)
{
	if (!r->st.stop_error) {
		r->st.stop_error = err;
		r->st.stop_offset = at;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->st.stop_reason, sizeof(r->st.stop_reason), fmt, ap);
		va_end(ap);
	}
	r->st.ended = true;
	return 0;
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	uint8_t *q = realloc(*p, need ? need : 1);
	if (!q)
		return DXGT_E_NOMEM;
	*p = q;
	*cap = need;
	return 0;
}

static int open_common(struct dxgt_reader *r)
{
	uint8_t h[DXGT__FILE_HDR];
	ssize_t n = rd(r, h, sizeof(h));
	if (n < 0)
		return DXGT_E_IO;
	if (n == 0)
		return DXGT_E_EMPTY;
	if ((size_t)n >= 8 && memcmp(h, DXGT__FILE_MAGIC, 8) != 0)
		return DXGT_E_MAGIC;
	if ((size_t)n < sizeof(h)) {
		/* A prefix of a header: cut short if what is there is our magic. */
		size_t k = (size_t)n < 8 ? (size_t)n : 8;
		return memcmp(h, DXGT__FILE_MAGIC, k) == 0 ? DXGT_E_TRUNCATED : DXGT_E_MAGIC;
	}
	if (dxgt__get_le(h, 28, 4) != dxgt__crc32(0, h, 28))
		return DXGT_E_CHECKSUM;
	r->st.major = (uint16_t)dxgt__get_le(h, 8, 2);
	r->st.minor = (uint16_t)dxgt__get_le(h, 10, 2);
	if (r->st.major != DXGT_FORMAT_MAJOR)
		return DXGT_E_VERSION;
	uint32_t hsize = (uint32_t)dxgt__get_le(h, 12, 4);
	if (hsize < DXGT__FILE_HDR || hsize > 4096)
		return DXGT_E_CORRUPT;
	r->st.created_unix_ns = dxgt__get_le(h, 16, 8);
	/* A newer minor may have a longer header: skip what we do not know. */
	uint8_t skip[256];
	for (uint32_t left = hsize - DXGT__FILE_HDR; left;) {
		size_t k = left < sizeof(skip) ? left : sizeof(skip);
		ssize_t got = rd(r, skip, k);
		if (got < 0)
			return DXGT_E_IO;
		if ((size_t)got < k)
			return DXGT_E_TRUNCATED;
		left -= (uint32_t)k;
	}
	r->dctx = ZSTD_createDCtx();
	return r->dctx ? 0 : DXGT_E_NOMEM;
}

static int finish_open(struct dxgt_reader **out, struct dxgt_reader *r)
{
	int rc = open_common(r);
	if (rc < 0) {
		dxgt_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int dxgt_reader_open(struct dxgt_reader **out, const char *path)
{
	if (!out || !path)
		return DXGT_E_INVAL;
	*out = NULL;
	struct dxgt_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return DXGT_E_NOMEM;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		free(r);
		return errno == ENOENT ? DXGT_E_NOTFOUND : DXGT_E_IO;
	}
	struct stat sb;
	if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		r->st.file_size = (uint64_t)sb.st_size;
	else if (fstat(r->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		dxgt_reader_close(r);
		return DXGT_E_IO;
	}
	return finish_open(out, r);
}

int dxgt_reader_open_mem(struct dxgt_reader **out, const void *data, size_t len)
{
	if (!out || (!data && len))
		return DXGT_E_INVAL;
	*out = NULL;
	struct dxgt_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return DXGT_E_NOMEM;
	r->fd = -1;
	r->mem = data;
	r->mem_len = len;
	r->st.file_size = len;
	return finish_open(out, r);
}

static int grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return DXGT_E_NOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Keep the view of a record just decoded into r->scratch, with its lists
 * copied to the arenas; the list pointers hold arena indexes until
 * fix_kept(). */
static int keep(struct dxgt_reader *r, const struct dxgt_record *rec)
{
	int rc = grow_array((void **)&r->kept, &r->kept_cap, r->n_kept + 1, sizeof(*r->kept));
	if (rc < 0)
		return rc;
	struct dxgt_record *k = &r->kept[r->n_kept++];
	if (rec->type != DXGT_REC_ENTER && rec->type != DXGT_REC_LEAVE) {
		k->type = 0; /* decoded again when handed out */
		k->raw_len = rec->raw_len;
		return 0;
	}
	if ((rc = grow_array((void **)&r->bufs_arena, &r->bufs_arena_cap,
			     r->n_bufs_arena + rec->n_bufs, sizeof(*r->bufs_arena))) < 0 ||
	    (rc = grow_array((void **)&r->frames_arena, &r->frames_arena_cap,
			     r->n_frames_arena + rec->n_frames, sizeof(*r->frames_arena))) < 0)
		return rc;
	*k = *rec;
	if (rec->n_bufs)
		memcpy(r->bufs_arena + r->n_bufs_arena, rec->bufs,
		       rec->n_bufs * sizeof(*rec->bufs));
	if (rec->n_frames)
		memcpy(r->frames_arena + r->n_frames_arena, rec->frames,
		       rec->n_frames * sizeof(*rec->frames));
	k->bufs = (const void *)(uintptr_t)r->n_bufs_arena;
	k->frames = (const void *)(uintptr_t)r->n_frames_arena;
	r->n_bufs_arena += rec->n_bufs;
	r->n_frames_arena += rec->n_frames;
	return 0;
}

static void fix_kept(struct dxgt_reader *r)
{
	for (size_t i = 0; i < r->n_kept; i++) {
		struct dxgt_record *k = &r->kept[i];
		if (!k->type)
			continue;
		k->bufs = k->n_bufs ? r->bufs_arena + (uintptr_t)k->bufs : NULL;
		k->frames = k->n_frames ? r->frames_arena + (uintptr_t)k->frames : NULL;
	}
}

/* Validate a decoded chunk: every record decodes and the count matches. */
static int check_records(struct dxgt_reader *r, uint32_t nrec, uint64_t at)
{
	size_t off = 0;
	uint32_t n = 0;
	r->n_kept = r->kept_pos = r->n_bufs_arena = r->n_frames_arena = 0;
	while (off < r->raw_len) {
		struct dxgt_record rec;
		int rc = dxgt__record_decode(r->raw + off, r->raw_len - off, &rec, &r->scratch);
		if (rc == DXGT_E_NOMEM)
			return rc;
		if (rc < 0) {
			r->n_kept = 0;
			return stop(r, DXGT_E_CORRUPT, at,
				    "chunk %llu at offset %llu: record %u is malformed",
				    (unsigned long long)r->st.chunks + 1, (unsigned long long)at,
				    n + 1);
		}
		if (n < KEEP_MAX && (rc = keep(r, &rec)) < 0)
			return rc;
		off += rec.raw_len;
		n++;
	}
	if (n != nrec) {
		r->n_kept = 0;
		return stop(r, DXGT_E_CORRUPT, at,
			    "chunk %llu at offset %llu: holds %u records, header says %u",
			    (unsigned long long)r->st.chunks + 1, (unsigned long long)at, n, nrec);
	}
	fix_kept(r);
	return 1;
}

static int check_index(struct dxgt_reader *r, uint64_t at)
{
	if (r->raw_len % DXGT__INDEX_ENTRY != 0 ||
	    r->raw_len / DXGT__INDEX_ENTRY != r->n_chunk_offs)
		return stop(r, DXGT_E_CORRUPT, at, "index at offset %llu does not match the chunks",
			    (unsigned long long)at);
	for (size_t i = 0; i < r->n_chunk_offs; i++) {
		const uint8_t *e = r->raw + i * DXGT__INDEX_ENTRY;
		const struct seen *c = &r->chunk_offs[i];
		if (dxgt__get_le(e, 0, 8) != c->off || dxgt__get_le(e, 8, 8) != c->first_seq ||
		    dxgt__get_le(e, 16, 4) != c->nrec || dxgt__get_le(e, 20, 4) != c->raw)
			return stop(r, DXGT_E_CORRUPT, at,
				    "index at offset %llu does not describe chunk %zu",
				    (unsigned long long)at, i + 1);
	}
	r->index_off = at;
	return 1;
}

/* Load the next chunk. Returns 1 when records are ready, 0 at the end (see
 * the state), or a negative error. */
static int load_chunk(struct dxgt_reader *r)
{
	for (;;) {
		uint64_t at = r->off;
		uint8_t h[DXGT__CHUNK_HDR];
		ssize_t n = rd(r, h, sizeof(h));
		if (n < 0)
			return DXGT_E_IO;
		if (r->index_off) {
			/* After the index only the trailer may follow. */
			if (n == DXGT__TRAILER && memcmp(h, DXGT__TRAILER_MAGIC, 8) == 0 &&
			    dxgt__get_le(h, 8, 8) == r->index_off) {
				r->st.has_index = true;
				r->st.complete = true;
				r->st.ended = true;
				return 0;
			}
			return stop(r,
				    n < (ssize_t)DXGT__TRAILER ? DXGT_E_TRUNCATED : DXGT_E_CORRUPT,
				    at, "the end-of-trace trailer at offset %llu is %s",
				    (unsigned long long)at, n < 16 ? "cut short" : "damaged");
		}
		if (n == 0)
			return stop(r, DXGT_E_TRUNCATED, at,
				    "the file ends after %llu chunks without the end-of-trace "
				    "trailer: the recording did not finish",
				    (unsigned long long)r->st.chunks);
		if ((size_t)n < sizeof(h))
			return stop(
			    r, DXGT_E_TRUNCATED, at,
			    "the chunk header at offset %llu is cut short (%zd of %u bytes)",
			    (unsigned long long)at, n, DXGT__CHUNK_HDR);
		if (memcmp(h, DXGT__CHUNK_MAGIC, 4) != 0)
			return stop(r, DXGT_E_CORRUPT, at, "no chunk at offset %llu (bad magic)",
				    (unsigned long long)at);
		if (dxgt__get_le(h, 36, 4) != dxgt__crc32(0, h, 36))
			return stop(r, DXGT_E_CHECKSUM, at,
				    "the chunk header at offset %llu fails its checksum",
				    (unsigned long long)at);
		unsigned kind = h[4], codec = h[5];
		uint32_t stored = (uint32_t)dxgt__get_le(h, 8, 4);
		uint32_t raw = (uint32_t)dxgt__get_le(h, 12, 4);
		uint32_t nrec = (uint32_t)dxgt__get_le(h, 16, 4);
		uint32_t crc = (uint32_t)dxgt__get_le(h, 20, 4);
		if ((kind != DXGT__CHUNK_RECORDS && kind != DXGT__CHUNK_INDEX) ||
		    (codec != DXGT__CODEC_NONE && codec != DXGT__CODEC_ZSTD) ||
		    raw > DXGT_MAX_CHUNK_RAW || stored > ZSTD_compressBound(DXGT_MAX_CHUNK_RAW) ||
		    (codec == DXGT__CODEC_NONE && stored != raw))
			return stop(r, DXGT_E_CORRUPT, at,
				    "the chunk at offset %llu has an impossible header",
				    (unsigned long long)at);
		/* A file size, when known, bounds the payload before we allocate. */
		if (r->st.file_size && stored > r->st.file_size - r->off)
			return stop(r, DXGT_E_TRUNCATED, at,
				    "chunk %llu at offset %llu is cut short (%llu of %u bytes)",
				    (unsigned long long)r->st.chunks + 1, (unsigned long long)at,
				    (unsigned long long)(r->st.file_size - r->off), stored);
		int rc = grow(&r->stored, &r->stored_cap, stored);
		if (rc < 0)
			return rc;
		n = rd(r, r->stored, stored);
		if (n < 0)
			return DXGT_E_IO;
		if ((uint32_t)n < stored)
			return stop(r, DXGT_E_TRUNCATED, at,
				    "chunk %llu at offset %llu is cut short (%zd of %u bytes)",
				    (unsigned long long)r->st.chunks + 1, (unsigned long long)at, n,
				    stored);
		if (dxgt__crc32(0, r->stored, stored) != crc)
			return stop(r, DXGT_E_CHECKSUM, at,
				    "chunk %llu at offset %llu fails its checksum",
				    (unsigned long long)r->st.chunks + 1, (unsigned long long)at);
		rc = grow(&r->raw, &r->raw_cap, raw);
		if (rc < 0)
			return rc;
		if (codec == DXGT__CODEC_ZSTD) {
			/* Exactly one frame, and nothing after it. */
			size_t frame = ZSTD_findFrameCompressedSize(r->stored, stored);
			size_t got = frame == stored ? ZSTD_decompressDCtx(r->dctx, r->raw, raw,
									   r->stored, stored)
						     : (size_t)-1;
			if (ZSTD_isError(got) || got != raw)
				return stop(r, DXGT_E_COMPRESS, at,
					    "chunk %llu at offset %llu does not decompress",
					    (unsigned long long)r->st.chunks + 1,
					    (unsigned long long)at);
		} else if (raw) {
			memcpy(r->raw, r->stored, raw);
		}
		r->raw_len = raw;
		r->raw_pos = 0;
		r->n_kept = r->kept_pos = 0;
		if (kind == DXGT__CHUNK_INDEX) {
			rc = check_index(r, at);
			if (rc <= 0)
				return rc;
			continue;
		}
		rc = check_records(r, nrec, at);
		if (rc <= 0)
			return rc;
		if (r->n_chunk_offs == r->chunk_offs_cap) {
			size_t c = r->chunk_offs_cap ? 2 * r->chunk_offs_cap : 64;
			struct seen *o = realloc(r->chunk_offs, c * sizeof(*o));
			if (!o)
				return DXGT_E_NOMEM;
			r->chunk_offs = o;
			r->chunk_offs_cap = c;
		}
		r->chunk_offs[r->n_chunk_offs++] =
		    (struct seen){at, dxgt__get_le(h, 24, 8), nrec, raw};
		r->st.chunks++;
		r->st.raw_bytes += raw;
		if (raw)
			return 1;
	}
}

int dxgt_reader_next(struct dxgt_reader *r, const struct dxgt_record **rec)
{
	if (!r || !rec)
		return DXGT_E_INVAL;
	*rec = NULL;
	while (r->raw_pos >= r->raw_len) {
		if (r->st.ended)
			return 0;
		int rc = load_chunk(r);
		if (rc <= 0)
			return rc;
	}
	const struct dxgt_record *out;
	if (r->kept_pos < r->n_kept && r->kept[r->kept_pos].type) {
		out = &r->kept[r->kept_pos]; /* checked and decoded by check_records */
	} else {
		int rc = dxgt__record_decode(r->raw + r->raw_pos, r->raw_len - r->raw_pos, &r->rec,
					     &r->scratch);
		if (rc < 0) /* cannot happen after check_records, but never trust it */
			return rc == DXGT_E_NOMEM
				   ? rc
				   : stop(r, DXGT_E_CORRUPT, r->off, "malformed record");
		out = &r->rec;
	}
	r->kept_pos++;
	r->raw_pos += out->raw_len;
	r->st.records++;
	if (out->type != DXGT_REC_ENTER && out->type != DXGT_REC_LEAVE &&
	    out->type != DXGT_REC_META)
		r->st.unknown++;
	*rec = out;
	return 1;
}

const struct dxgt_read_state *dxgt_reader_state(const struct dxgt_reader *r)
{
	return r ? &r->st : NULL;
}

void dxgt_reader_close(struct dxgt_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	dxgt__scratch_free(&r->scratch);
	free(r->stored);
	free(r->raw);
	free(r->chunk_offs);
	free(r->kept);
	free(r->bufs_arena);
	free(r->frames_arena);
	free(r);
}
