/* SPDX-License-Identifier: MIT */
/*
 * Building one call's argument images and nested buffers by field name,
 * from the descriptor list, for the test programs that write traces
 * (tests/diff/mkdiff.c, tests/replay/mkwin.c). Define CB_PROG (the
 * program's name, for messages) before including it.
 *
 * Must never: go past the fixed arrays below; a call or field the
 * descriptor list does not have, or a buffer too large, ends the program
 * with exit status 2 after naming it.
 */
#ifndef DXGT_TESTS_CALLBUILD_H
#define DXGT_TESTS_CALLBUILD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/calls.h"
#include "dxgt/trace.h"

#ifndef CB_PROG
#error "define CB_PROG before including callbuild.h"
#endif

#define CB_BUFS 4u
#define CB_BUF_BYTES 2048u

/* One call being built: argument images on entry and on return, and the
 * buffers of each side. */
struct cb_call {
	const struct dxgt_call_desc *d;
	uint8_t in[512], out[512];
	uint32_t size; /* the argument struct: the D3DKMT one if any, else the ioctl's */
	struct dxgt_rec_buf bin[CB_BUFS], bout[CB_BUFS];
	uint16_t nin, nout;
	uint8_t din[CB_BUFS][CB_BUF_BYTES], dout[CB_BUFS][CB_BUF_BYTES];
};

__attribute__((format(printf, 1, 2), noreturn)) static inline void cb_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", CB_PROG);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* n little-endian bytes of v at p + off. */
static inline void cb_put(uint8_t *p, uint32_t off, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static inline void cb_begin(struct cb_call *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->d = dxgt_call_by_name(name);
	if (!c->d)
		cb_die("no call %s", name);
	c->size = c->d->kmt_size ? c->d->kmt_size : c->d->ioctl_size;
	if (c->size > sizeof(c->in))
		cb_die("%s: argument struct too large", name);
}

/* A scalar or handle by name: given on entry (and so on return), or only
 * returned. */
static inline void cb_set(struct cb_call *c, const char *field, uint64_t v, bool out_only)
{
	const struct dxgt_call_desc *d = c->d;
	uint32_t off = 0;
	unsigned size = 0;
	for (uint16_t i = 0; i < d->n_scalars && !size; i++)
		if (strcmp(d->scalars[i].name, field) == 0) {
			off = d->scalars[i].off;
			size = d->scalars[i].size;
		}
	for (uint16_t i = 0; i < d->n_handles && !size; i++)
		if (strcmp(d->handles[i].name, field) == 0) {
			off = d->handles[i].off;
			size = 4;
		}
	if (!size)
		cb_die("%s has no field %s", d->name, field);
	if (!out_only)
		cb_put(c->in, off, size, v);
	cb_put(c->out, off, size, v);
}

/* A nested buffer by name, recorded at addr_base + 0x10000 per descriptor
 * index: its bytes on entry (NULL: zeros) and on return, len bytes each. */
static inline void cb_buf(struct cb_call *c, const char *name, const uint8_t *in,
			  const uint8_t *out, uint32_t len, uint64_t addr_base)
{
	const struct dxgt_call_desc *d = c->d;
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *b = &d->bufs[i];
		if (strcmp(b->name, name) != 0)
			continue;
		if (len > CB_BUF_BYTES || c->nin >= CB_BUFS || c->nout >= CB_BUFS)
			cb_die("%s: buffer %s too large, or too many buffers", d->name, name);
		uint64_t addr = addr_base + 0x10000u * i;
		uint32_t lv = b->rule == DXGT_LEN_COUNT ? len / b->elem_size : len;
		cb_put(c->in, b->ptr_off, 8, addr);
		cb_put(c->out, b->ptr_off, 8, addr);
		cb_put(c->in, b->len_off, b->len_size, lv);
		cb_put(c->out, b->len_off, b->len_size, lv);
		struct dxgt_rec_buf rb = {.desc = i,
					  .parent = DXGT_BUF_NODESC,
					  .orig_len = len,
					  .len = len,
					  .addr = addr};
		if (b->dir & DXGT_DIR_IN) {
			if (in)
				memcpy(c->din[c->nin], in, len);
			rb.data = c->din[c->nin];
			c->bin[c->nin++] = rb;
		}
		if (b->dir & DXGT_DIR_OUT) {
			memcpy(c->dout[c->nout], out, len);
			rb.data = c->dout[c->nout];
			c->bout[c->nout++] = rb;
		}
		return;
	}
	cb_die("%s has no buffer %s", d->name, name);
}

#endif /* DXGT_TESTS_CALLBUILD_H */
