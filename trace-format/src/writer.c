// SPDX-License-Identifier: MIT
/*
 * The trace writer. Records are appended to a raw chunk buffer; when it
 * reaches the chunk size it is compressed with zstd and written with its
 * header (sizes, record count, first sequence number, CRC-32s). Writes are
 * append-only, so whatever reached the file before a crash stays readable:
 * each chunk is complete or absent. close() adds the index and the trailer
 * that mark a finished recording. Files are created 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_estimateCCtxSize_usingCParams, in every 1.5 */
#include <zstd.h>

#include "dxgt/error.h"
#include "dxgt/trace.h"
#include "record_internal.h"
#include "trace_internal.h"

struct index_entry {
	uint64_t off, first_seq;
	uint32_t nrec, raw;
};

struct dxgt_writer {
	int fd;
	int err; /* first error, sticky */
	uint64_t off;
	uint8_t *raw;
	size_t raw_len, raw_cap;
	uint32_t nrec;
	uint64_t first_seq;
	uint32_t chunk_bytes;
	int level;
	bool no_compress, no_index;
	ZSTD_CCtx *cctx;
	uint8_t *zbuf;
	size_t zcap;
	struct index_entry *idx;
	size_t nidx, idxcap;
};

static int write_all(struct dxgt_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(w->fd, b, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return DXGT_E_IO;
		}
		b += k;
		n -= (size_t)k;
		w->off += (uint64_t)k;
	}
	return 0;
}

/* stored_only: no compression and no index entry, so nothing allocates
 * (the emergency path of signal handlers). */
static int write_chunk_as(struct dxgt_writer *w, unsigned kind, const uint8_t *raw, size_t raw_len,
			  uint32_t nrec, uint64_t first_seq, bool stored_only)
{
	const uint8_t *payload = raw;
	size_t stored = raw_len;
	unsigned codec = DXGT__CODEC_NONE;

	if (!w->no_compress && !stored_only && raw_len > 0) {
		size_t bound = ZSTD_compressBound(raw_len);
		if (bound > w->zcap) {
			uint8_t *z = realloc(w->zbuf, bound);
			if (!z)
				return DXGT_E_NOMEM;
			w->zbuf = z;
			w->zcap = bound;
		}
		size_t zn = ZSTD_compressCCtx(w->cctx, w->zbuf, w->zcap, raw, raw_len, w->level);
		if (ZSTD_isError(zn))
			return DXGT_E_COMPRESS;
		if (zn < raw_len) {
			payload = w->zbuf;
			stored = zn;
			codec = DXGT__CODEC_ZSTD;
		}
	}

	uint8_t h[DXGT__CHUNK_HDR];
	memset(h, 0, sizeof(h));
	memcpy(h, DXGT__CHUNK_MAGIC, 4);
	h[4] = (uint8_t)kind;
	h[5] = (uint8_t)codec;
	dxgt__put_le(h, 8, stored, 4);
	dxgt__put_le(h, 12, raw_len, 4);
	dxgt__put_le(h, 16, nrec, 4);
	dxgt__put_le(h, 20, dxgt__crc32(0, payload, stored), 4);
	dxgt__put_le(h, 24, first_seq, 8);
	dxgt__put_le(h, 36, dxgt__crc32(0, h, 36), 4);

	if (kind == DXGT__CHUNK_RECORDS && !stored_only) {
		if (w->nidx == w->idxcap) {
			size_t n = w->idxcap ? 2 * w->idxcap : 64;
			struct index_entry *e = realloc(w->idx, n * sizeof(*e));
			if (!e)
				return DXGT_E_NOMEM;
			w->idx = e;
			w->idxcap = n;
		}
		w->idx[w->nidx++] =
		    (struct index_entry){w->off, first_seq, nrec, (uint32_t)raw_len};
	}
	int rc = write_all(w, h, sizeof(h));
	if (rc == 0)
		rc = write_all(w, payload, stored);
	return rc;
}

static int write_chunk(struct dxgt_writer *w, unsigned kind, const uint8_t *raw, size_t raw_len,
		       uint32_t nrec, uint64_t first_seq)
{
	return write_chunk_as(w, kind, raw, raw_len, nrec, first_seq, false);
}

int dxgt_writer_open_fd(struct dxgt_writer **out, int fd, const struct dxgt_writer_opts *opts)
{
	if (!out || fd < 0)
		return DXGT_E_INVAL;
	*out = NULL;
	struct dxgt_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return DXGT_E_NOMEM;
	w->fd = fd;
	w->chunk_bytes = opts && opts->chunk_bytes ? opts->chunk_bytes : (1u << 20);
	if (w->chunk_bytes > DXGT_MAX_CHUNK_RAW)
		w->chunk_bytes = DXGT_MAX_CHUNK_RAW;
	w->level = opts && opts->level ? opts->level : 1;
	w->no_compress = opts && opts->no_compress;
	w->no_index = opts && opts->no_index;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		free(w);
		return DXGT_E_NOMEM;
	}

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint8_t h[DXGT__FILE_HDR];
	memset(h, 0, sizeof(h));
	memcpy(h, DXGT__FILE_MAGIC, 8);
	dxgt__put_le(h, 8, DXGT_FORMAT_MAJOR, 2);
	dxgt__put_le(h, 10, DXGT_FORMAT_MINOR, 2);
	dxgt__put_le(h, 12, DXGT__FILE_HDR, 4);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	dxgt__put_le(h, 16, opts && opts->created_unix_ns ? opts->created_unix_ns : now, 8);
	dxgt__put_le(h, 28, dxgt__crc32(0, h, 28), 4);
	int rc = write_all(w, h, sizeof(h));
	if (rc < 0) {
		ZSTD_freeCCtx(w->cctx);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int dxgt_writer_open(struct dxgt_writer **out, const char *path,
		     const struct dxgt_writer_opts *opts)
{
	if (!out || !path)
		return DXGT_E_INVAL;
	*out = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return DXGT_E_IO;
	int rc = dxgt_writer_open_fd(out, fd, opts);
	if (rc < 0)
		close(fd);
	return rc;
}

int dxgt_writer_flush(struct dxgt_writer *w)
{
	if (!w)
		return DXGT_E_INVAL;
	if (w->err)
		return w->err;
	if (w->raw_len == 0)
		return 0;
	int rc = write_chunk(w, DXGT__CHUNK_RECORDS, w->raw, w->raw_len, w->nrec, w->first_seq);
	w->raw_len = 0;
	w->nrec = 0;
	w->first_seq = 0;
	if (rc < 0)
		w->err = rc;
	return rc;
}

/* Little-endian loads for the scan below, which runs over every record
 * the recorder writes: whole-word loads on little-endian hosts (the
 * generic byte loop costs several times more per record). */
static inline uint64_t scan_le(const uint8_t *p, size_t off, unsigned size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (size == 2) {
		uint16_t v;
		memcpy(&v, p + off, 2);
		return v;
	}
	if (size == 4) {
		uint32_t v;
		memcpy(&v, p + off, 4);
		return v;
	}
	if (size == 8) {
		uint64_t v;
		memcpy(&v, p + off, 8);
		return v;
	}
#endif
	return dxgt__get_le(p, off, size);
}

/* Walk the framing of encoded records; count them and find the least seq. */
static int scan(const uint8_t *p, size_t len, uint32_t *nrec, uint64_t *first_seq)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < DXGT__REC_HDR)
			return DXGT_E_INVAL;
		uint16_t type = (uint16_t)scan_le(p, off, 2);
		uint32_t size = (uint32_t)scan_le(p, off + 4, 4);
		if (size < DXGT__REC_HDR || size > len - off)
			return DXGT_E_INVAL;
		if ((type == DXGT_REC_ENTER || type == DXGT_REC_LEAVE) &&
		    size >= DXGT__REC_HDR + 8) {
			uint64_t seq = scan_le(p, off + DXGT__REC_HDR, 8);
			if (seq && (*first_seq == 0 || seq < *first_seq))
				*first_seq = seq;
		}
		(*nrec)++;
		off += size;
	}
	return 0;
}

int dxgt_writer_add_encoded(struct dxgt_writer *w, const void *bytes, size_t len)
{
	if (!w || (!bytes && len))
		return DXGT_E_INVAL;
	if (w->err)
		return w->err;
	if (len > DXGT_MAX_CHUNK_RAW)
		return DXGT_E_TOOBIG;
	uint32_t nrec = 0;
	uint64_t first = 0;
	int rc = scan(bytes, len, &nrec, &first);
	if (rc < 0)
		return rc;
	if (w->raw_len && w->raw_len + len > w->chunk_bytes) {
		rc = dxgt_writer_flush(w);
		if (rc < 0)
			return rc;
	}
	if (w->raw_len + len > w->raw_cap) {
		/* What is needed, in 64 KiB steps: at most a chunk plus the
		 * largest piece added (dxgt_writer_memory counts on it). */
		size_t n = (w->raw_len + len + 0xffffu) & ~(size_t)0xffffu;
		uint8_t *r = realloc(w->raw, n);
		if (!r)
			return DXGT_E_NOMEM;
		w->raw = r;
		w->raw_cap = n;
	}
	memcpy(w->raw + w->raw_len, bytes, len);
	w->raw_len += len;
	w->nrec += nrec;
	if (first && (w->first_seq == 0 || first < w->first_seq))
		w->first_seq = first;
	if (w->raw_len >= w->chunk_bytes)
		return dxgt_writer_flush(w);
	return 0;
}

int dxgt_writer_add(struct dxgt_writer *w, const struct dxgt_record *rec)
{
	if (!w || !rec)
		return DXGT_E_INVAL;
	if ((rec->type == DXGT_REC_ENTER || rec->type == DXGT_REC_LEAVE) && rec->seq == 0)
		return DXGT_E_INVAL;
	uint8_t small[512];
	size_t need = 0;
	int rc = dxgt_record_encode(rec, small, sizeof(small), &need);
	if (rc == 0)
		return dxgt_writer_add_encoded(w, small, need);
	if (rc != DXGT_E_TOOBIG || need > DXGT_MAX_RECORD)
		return rc;
	uint8_t *big = malloc(need);
	if (!big)
		return DXGT_E_NOMEM;
	rc = dxgt_record_encode(rec, big, need, &need);
	if (rc == 0)
		rc = dxgt_writer_add_encoded(w, big, need);
	free(big);
	return rc;
}

int dxgt_writer_emergency(struct dxgt_writer *w, const void *bytes, size_t len)
{
	if (!w || (!bytes && len))
		return DXGT_E_INVAL;
	if (w->err)
		return w->err;
	int rc = 0;
	if (w->raw_len) {
		rc = write_chunk_as(w, DXGT__CHUNK_RECORDS, w->raw, w->raw_len, w->nrec,
				    w->first_seq, true);
		w->raw_len = 0;
		w->nrec = 0;
		w->first_seq = 0;
	}
	if (rc == 0 && len) {
		if (len > DXGT_MAX_CHUNK_RAW)
			return DXGT_E_TOOBIG;
		uint32_t nrec = 0;
		uint64_t first = 0;
		rc = scan(bytes, len, &nrec, &first);
		if (rc == 0)
			rc = write_chunk_as(w, DXGT__CHUNK_RECORDS, bytes, len, nrec, first, true);
	}
	if (rc < 0)
		w->err = rc;
	return rc;
}

size_t dxgt_writer_memory(const struct dxgt_writer_opts *opts, size_t piece)
{
	size_t chunk = opts && opts->chunk_bytes ? opts->chunk_bytes : (1u << 20);
	if (chunk > DXGT_MAX_CHUNK_RAW)
		chunk = DXGT_MAX_CHUNK_RAW;
	int level = opts && opts->level ? opts->level : 1;
	size_t raw = ((chunk + piece + 0xffffu) & ~(size_t)0xffffu);
	size_t n = raw;
	if (!(opts && opts->no_compress)) {
		n += ZSTD_compressBound(raw);
		n += ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level, raw, 0));
	}
	return n;
}

int dxgt_writer_fd(const struct dxgt_writer *w)
{
	return w ? w->fd : -1;
}

uint64_t dxgt_writer_bytes(const struct dxgt_writer *w)
{
	return w ? w->off : 0;
}

static int write_index(struct dxgt_writer *w)
{
	size_t n = w->nidx * DXGT__INDEX_ENTRY;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return DXGT_E_NOMEM;
	for (size_t i = 0; i < w->nidx; i++) {
		uint8_t *e = buf + i * DXGT__INDEX_ENTRY;
		dxgt__put_le(e, 0, w->idx[i].off, 8);
		dxgt__put_le(e, 8, w->idx[i].first_seq, 8);
		dxgt__put_le(e, 16, w->idx[i].nrec, 4);
		dxgt__put_le(e, 20, w->idx[i].raw, 4);
	}
	uint64_t at = w->off;
	int rc = write_chunk(w, DXGT__CHUNK_INDEX, buf, n, (uint32_t)w->nidx, 0);
	free(buf);
	if (rc < 0)
		return rc;
	uint8_t t[DXGT__TRAILER];
	memcpy(t, DXGT__TRAILER_MAGIC, 8);
	dxgt__put_le(t, 8, at, 8);
	return write_all(w, t, sizeof(t));
}

int dxgt_writer_close(struct dxgt_writer *w)
{
	if (!w)
		return 0;
	int rc = dxgt_writer_flush(w);
	if (rc == 0 && !w->no_index && !w->err)
		rc = write_index(w);
	if (w->err && rc == 0)
		rc = w->err;
	if (close(w->fd) < 0 && rc == 0)
		rc = DXGT_E_IO;
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->zbuf);
	free(w->idx);
	free(w);
	return rc;
}
