// SPDX-License-Identifier: MIT
/*
 * ENTER and LEAVE records, built from the descriptor list.
 *
 * The argument struct and every nested buffer the descriptor names are
 * copied from the caller's memory by a memcpy that the recorder's own
 * SIGSEGV/SIGBUS handler can abandon (sanitizer builds, whose memcpy checks
 * its source, use process_vm_readv on our own pid instead), so a bad
 * pointer costs nothing but the copy: the buffer is then recorded as
 * unreadable and the real call gets its chance to fail as it would have. ENTER holds the input side (buffers IN and INOUT), LEAVE the output
 * side (OUT and INOUT) with lengths evaluated on the struct as it is after
 * the call. A buffer longer than DXGTRACE_MAX_PAYLOAD keeps its first bytes
 * and the truncated flag. Element buffers (a second level) are found in
 * the copied first level, never by following the caller's pointers twice.
 *
 * A record is built in place, in the room left in this thread's buffer:
 * the argument image is copied to where it belongs in the record, the
 * buffers' lengths are read from that copy, each buffer goes after it
 * with its header, and the fixed part is written last. Nothing is copied
 * twice. A record that does not fit is measured on the way (the copies
 * stop, the sizes are still added up), and built again in a buffer
 * reserved for its size. Nothing here allocates or takes a lock except
 * through the buffer reservation of rec_core.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dxgt/error.h"
#include "rec_internal.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "frames are copied as stored: the trace format is little-endian"
#endif

/* Copy len bytes at addr of this process; false when any of it is not
 * readable. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define REC_GUARDED_COPY 0 /* the sanitizers' memcpy checks its source first */
#else
#define REC_GUARDED_COPY 1
#endif

#if REC_GUARDED_COPY && defined(__x86_64__)
/* The copy is a small assembly routine that touches no stack and no
 * callee-saved register: a fault on one of its loads is recognised by the
 * faulting instruction's address, and the handler resumes at the routine's
 * failure exit. Nothing to set up per copy (no sigsetjmp, no thread-local
 * state), so a guarded copy costs what a memcpy costs.
 *   bool dxgt__copy_x86(void *dst, const void *src, size_t len)
 * Short copies move 16 bytes at a time (SSE2, part of x86-64), then 8,
 * then single bytes; from 512 bytes on, rep movsb (fast
 * strings) does the bulk. */
bool dxgt__copy_x86(void *dst, const void *src, size_t len);
extern const char dxgt__copy_x86_begin[], dxgt__copy_x86_end[], dxgt__copy_x86_fail[];
__asm__(".text\n"
	".globl dxgt__copy_x86\n"
	".hidden dxgt__copy_x86\n"
	".type dxgt__copy_x86, @function\n"
	".p2align 4\n"
	"dxgt__copy_x86:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	".globl dxgt__copy_x86_begin\n"
	".hidden dxgt__copy_x86_begin\n"
	"dxgt__copy_x86_begin:\n"
	"	cmpq $512, %rdx\n"
	"	jae 3f\n"
	"5:	cmpq $16, %rdx\n"
	"	jb 1f\n"
	"	movdqu (%rsi), %xmm0\n"
	"	movdqu %xmm0, (%rdi)\n"
	"	addq $16, %rsi\n"
	"	addq $16, %rdi\n"
	"	subq $16, %rdx\n"
	"	jmp 5b\n"
	"1:	cmpq $8, %rdx\n"
	"	jb 2f\n"
	"	movq (%rsi), %rax\n"
	"	movq %rax, (%rdi)\n"
	"	addq $8, %rsi\n"
	"	addq $8, %rdi\n"
	"	subq $8, %rdx\n"
	"	jmp 1b\n"
	"2:	testq %rdx, %rdx\n"
	"	jz 4f\n"
	"	movb (%rsi), %al\n"
	"	movb %al, (%rdi)\n"
	"	incq %rsi\n"
	"	incq %rdi\n"
	"	decq %rdx\n"
	"	jmp 2b\n"
	"3:	movq %rdx, %rcx\n"
	"	rep movsb\n"
	"4:	movl $1, %eax\n"
	"	ret\n"
	".globl dxgt__copy_x86_fail\n"
	".hidden dxgt__copy_x86_fail\n"
	"dxgt__copy_x86_fail:\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".globl dxgt__copy_x86_end\n"
	".hidden dxgt__copy_x86_end\n"
	"dxgt__copy_x86_end:\n"
	"	.cfi_endproc\n"
	".size dxgt__copy_x86, .-dxgt__copy_x86\n");

bool dxgt__copy_fault(const siginfo_t *si, void *ucontext)
{
	ucontext_t *uc = ucontext;
	if (!uc || !si || si->si_code <= 0) /* sent, not a fault */
		return false;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (pc < (uintptr_t)dxgt__copy_x86_begin || pc >= (uintptr_t)dxgt__copy_x86_fail)
		return false;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)dxgt__copy_x86_fail;
	return true;
}

static bool guarded_copy(void *dst, uint64_t addr, size_t len)
{
	return dxgt__copy_x86(dst, (const void *)(uintptr_t)addr, len);
}
#elif REC_GUARDED_COPY
/* The copy in flight on this thread, for dxgt__copy_fault. */
static REC_TLS sigjmp_buf *volatile guard;

bool dxgt__copy_fault(const siginfo_t *si, void *ucontext)
{
	(void)si;
	(void)ucontext;
	sigjmp_buf *g = guard;
	if (g) {
		guard = NULL;
		siglongjmp(*g, 1);
	}
	return false;
}

/* A plain memcpy under the recorder's SIGSEGV/SIGBUS handler (installed
 * when recording starts, and kept first by the sigaction hook): a bad
 * pointer faults into the handler, which jumps back here. No system call
 * on the way, unlike process_vm_readv. */
static bool guarded_copy(void *dst, uint64_t addr, size_t len)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0))
		return false;
	guard = &jb;
	memcpy(dst, (const void *)(uintptr_t)addr, len);
	guard = NULL;
	return true;
}
#else
bool dxgt__copy_fault(const siginfo_t *si, void *ucontext)
{
	(void)si;
	(void)ucontext;
	return false;
}
#endif

/* Copy len bytes at addr of this process; false when any of it is not
 * readable. */
static bool safe_read(void *dst, uint64_t addr, size_t len)
{
	if (len == 0)
		return true;
	if (addr < 4096 || addr + len < addr)
		return false;
#if REC_GUARDED_COPY
	return guarded_copy(dst, addr, len);
#else
	static atomic_int pvr_state; /* 0 untested, 1 works, 2 unavailable: plain copies */
	int st = atomic_load_explicit(&pvr_state, memory_order_relaxed);
	if (st != 2) {
		struct iovec l = {dst, len}, r = {(void *)(uintptr_t)addr, len};
		ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		if (n == (ssize_t)len) {
			if (st == 0)
				atomic_store(&pvr_state, 1);
			return true;
		}
		if (n >= 0 || errno == EFAULT || st == 1)
			return false;
		/* ENOSYS or EPERM (a seccomp filter): fall back, once said. */
		atomic_store(&pvr_state, 2);
		dxgt__log("process_vm_readv unavailable (%s): pointers are trusted",
			  strerror(errno));
	}
	memcpy(dst, (const void *)(uintptr_t)addr, len);
	return true;
#endif
}

/* A record being built at base (cap bytes). len counts every byte the
 * record needs so far, also past cap: once full, nothing more is copied,
 * and len is the size to reserve for building it again. */
struct build {
	uint8_t *base;
	size_t cap, len;
	uint16_t n_bufs;
	bool full;
	bool stop; /* DXGT_MAX_BUFS reached: no more buffers */
};

/* Room for n more bytes, or NULL once the record no longer fits. */
static uint8_t *room(struct build *w, size_t n)
{
	size_t at = w->len;
	w->len += n;
	if (w->full || w->len > w->cap) {
		w->full = true;
		return NULL;
	}
	return w->base + at;
}

/* One buffer of want bytes at addr: its header and the bytes kept.
 * Returns the copied bytes in the record, or NULL when they were not
 * copied (the record is full, or the memory is unreadable: then the
 * buffer is recorded empty with DXGT_BUF_UNREADABLE). */
static const uint8_t *add_buf(struct build *w, struct dxgt_rec_buf *b, uint64_t addr, size_t want)
{
	if (w->n_bufs >= DXGT_MAX_BUFS) {
		w->stop = true;
		return NULL;
	}
	b->addr = addr;
	size_t keep = want;
	uint32_t cap = dxgt__cfg.max_payload ? dxgt__cfg.max_payload : DXGT_MAX_RECORD / 2;
	if (keep > cap) {
		keep = cap;
		b->flags |= DXGT_BUF_TRUNCATED;
	}
	b->orig_len = want > UINT32_MAX ? UINT32_MAX : (uint32_t)want;
	w->n_bufs++;
	uint8_t *h = room(w, DXGT_RECORD_BUF_HDR + keep);
	if (!h)
		return NULL;
	uint8_t *data = h + DXGT_RECORD_BUF_HDR;
	if (!safe_read(data, addr, keep)) {
		w->len -= keep;
		keep = 0;
		data = NULL;
		b->flags = (uint8_t)((b->flags & ~DXGT_BUF_TRUNCATED) | DXGT_BUF_UNREADABLE);
	}
	b->len = (uint32_t)keep;
	dxgt_record_put_buf_hdr(h, b);
	return data;
}

static bool dir_has(uint8_t dir, bool enter)
{
	return enter ? (dir & DXGT_DIR_IN) != 0 : (dir & DXGT_DIR_OUT) != 0;
}

/* The elements' buffers of level-0 buffer i (bd), whose copy is p (len
 * bytes). */
static void add_elems(struct build *w, const struct dxgt_buf_desc *bd, uint16_t i, const uint8_t *p,
		      size_t len, bool enter)
{
	size_t esz = bd->elem->size ? bd->elem->size : bd->elem_size;
	size_t count = esz ? len / esz : 0;
	for (size_t e = 0; e < count && !w->stop; e++) {
		const uint8_t *eimg = p + e * esz;
		for (uint16_t j = 0; j < bd->elem->n_bufs && !w->stop; j++) {
			const struct dxgt_buf_desc *ed = &bd->elem->bufs[j];
			uint64_t eptr = 0, elen = 0;
			if (!dir_has(ed->dir, enter) ||
			    dxgt_field_read(eimg, esz, ed->ptr_off, 8, &eptr) < 0 || !eptr ||
			    dxgt_buf_len(ed, eimg, esz, &elen) < 0 || !elen)
				continue;
			struct dxgt_rec_buf eh = {
			    .desc = j, .parent = i, .level = 1, .elem = (uint32_t)e};
			add_buf(w, &eh, eptr, (size_t)elen);
		}
	}
}

/* The nested buffers of descriptor d for the argument image img (img_len
 * bytes, already in the record). */
static void collect_bufs(struct build *w, const struct dxgt_call_desc *d, const uint8_t *img,
			 size_t img_len, bool enter)
{
	for (uint16_t i = 0; i < d->n_bufs && !w->stop; i++) {
		const struct dxgt_buf_desc *bd = &d->bufs[i];
		uint64_t ptr = 0, bytes = 0;
		if (dxgt_field_read(img, img_len, bd->ptr_off, 8, &ptr) < 0 || ptr == 0)
			continue;
		bool mine = dir_has(bd->dir, enter);
		bool elems = bd->elem && (bd->elem->n_bufs > 0);
		if (!mine && !elems)
			continue;
		if (dxgt_buf_len(bd, img, img_len, &bytes) < 0 || bytes == 0)
			continue;
		/* The level-0 buffer is copied even when only its elements'
		 * buffers belong to this side: they are found through it. */
		size_t at = w->len;
		struct dxgt_rec_buf h = {.desc = i, .parent = 0xffff};
		const uint8_t *p = add_buf(w, &h, ptr, (size_t)bytes);
		if (!elems || w->stop)
			continue;
		if (p && !(h.flags & DXGT_BUF_TRUNCATED))
			add_elems(w, bd, i, p, h.len, enter);
		if (!mine && !w->full) {
			/* Drop the level-0 copy but keep its elements' buffers. */
			size_t gone = DXGT_RECORD_BUF_HDR + h.len;
			memmove(w->base + at, w->base + at + gone, w->len - at - gone);
			w->len -= gone;
			w->n_bufs--;
		}
	}
}

/* Whether the call this thread is inside (dxgt__rec_parent()) was
 * recorded with a stack: the ioctl it issues then gets none of its own. */
static REC_TLS bool stack_above;

/* The address range of this library's code, for skipping our frames. */
static uintptr_t self_lo, self_hi;

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t me = (uintptr_t)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (me >= lo && me < hi) {
			self_lo = lo;
			self_hi = hi;
			return 1;
		}
	}
	return 0;
}

static unsigned backtrace_into(uint64_t *frames, unsigned depth)
{
	if (!self_hi)
		dl_iterate_phdr(find_self, (void *)(uintptr_t)&backtrace_into);
	void *pcs[DXGT_MAX_FRAMES + 8];
	int n = unw_backtrace(pcs, (int)(depth + 8));
	unsigned k = 0;
	int i = 0;
	/* The first frames are the recorder's own (this function, the hook):
	 * the stack starts at the hook's caller. */
	while (i < n && (uintptr_t)pcs[i] >= self_lo && (uintptr_t)pcs[i] < self_hi)
		i++;
	for (; i < n && k < depth; i++)
		frames[k++] = (uint64_t)(uintptr_t)pcs[i];
	return k;
}

/* Build rec (its scalar fields) with the argument image at args and the
 * buffers d names into w. */
static void build(struct build *w, struct dxgt_record *rec, const struct dxgt_call_desc *d,
		  const void *args, uint32_t args_len)
{
	bool enter = rec->type == DXGT_REC_ENTER;
	w->len = 0;
	w->n_bufs = 0;
	w->full = w->stop = false;
	uint8_t *p = room(w, dxgt_record_fixed_size(rec->type));
	uint8_t *img = room(w, args_len);
	if (img && !safe_read(img, (uint64_t)(uintptr_t)args, args_len)) {
		w->len -= args_len;
		args_len = 0;
	}
	if (img && d && args_len)
		collect_bufs(w, d, img, args_len, enter);
	uint8_t *f = room(w, 8u * rec->n_frames);
	for (uint16_t i = 0; f && i < rec->n_frames; i++)
		memcpy(f + 8u * i, &rec->frames[i], 8); /* little-endian, as the format */
	if (w->full)
		return;
	rec->args_len = args_len;
	rec->n_bufs = w->n_bufs;
	dxgt_record_put_fixed(p, rec, w->len);
}

/* Build the record in this thread's buffer and commit it. Returns 0, or -1
 * when it was dropped (counted with the dropped ones, so that recorded +
 * dropped = made). */
static int emit(struct dxgt_record *rec, const struct dxgt_call_desc *d, const void *args,
		uint32_t args_len)
{
	size_t avail = 0;
	uint8_t *p = dxgt__rec_space(&avail);
	struct build w = {.base = p, .cap = p ? avail : 0};
	build(&w, rec, d, args, args_len);
	/* Not enough room: a buffer of the measured size (nearly always one
	 * more round; the caller's memory may change under us, so a few). */
	for (int round = 0; w.full && round < 4 && w.len <= DXGT_MAX_RECORD; round++) {
		p = dxgt__rec_reserve(w.len);
		if (!p)
			break;
		w = (struct build){.base = p, .cap = w.len};
		build(&w, rec, d, args, args_len);
	}
	if (w.full || w.len > DXGT_MAX_RECORD) {
		dxgt__rec_note_drop(rec->type == DXGT_REC_ENTER);
		return -1;
	}
	if (dxgt__cfg.discard != REC_DISCARD_BUILT) /* DXGTRACE_DISCARD=1: built, then forgotten */
		dxgt__rec_commit(w.len);
	return 0;
}

bool dxgt__rec_enter(struct rec_call *c, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		     uint16_t call_id, uint32_t code, int fd, uint64_t object, const void *args,
		     uint32_t args_len)
{
	c->seq = 0;
	c->dropped = false;
	if (dxgt__rec_busy() || !dxgt__layer_on(layer) || !dxgt__rec_active())
		return false;
	int saved = errno;
	c->saved_errno = saved;
	dxgt__rec_set_busy(true);
	bool ok = false;
	if (!dxgt__rec_start())
		goto out;
	uint64_t frames[DXGT_MAX_FRAMES];
	unsigned nf = 0;
	/* An ioctl issued inside a D3DKMT call recorded with a stack has that
	 * stack, with the runtime's own frames on top: it is not walked and
	 * stored a second time. */
	bool nested = layer == DXGT_LAYER_IOCTL && stack_above && dxgt__rec_parent() != 0;
	if (!nested && (dxgt__cfg.bt == REC_BT_ALL ||
			(dxgt__cfg.bt == REC_BT_ESCAPES && d && (d->flags & DXGT_CF_ESCAPE))))
		nf = backtrace_into(frames, dxgt__cfg.bt_depth);
	c->seq = dxgt__rec_next_seq();
	c->saved = dxgt__rec_parent();
	c->desc = d;
	c->layer = (uint8_t)layer;
	c->call_id = call_id;
	c->args = args;
	c->args_len = args_len;
	struct dxgt_record rec = {
	    .type = DXGT_REC_ENTER,
	    .seq = c->seq,
	    .time_ns = dxgt__now_ns(),
	    .parent_seq = c->saved,
	    .tid = dxgt__gettid(),
	    .layer = (uint8_t)layer,
	    .call_id = call_id,
	    .code = code,
	    .fd = fd,
	    .object = object,
	    .frames = frames,
	    .n_frames = (uint16_t)nf,
	};
	/* Dropped or failed: no LEAVE either, but the sequence number stays
	 * the parent of what the call does, as for a recorded call. */
	c->dropped = emit(&rec, d, args, args_len) < 0;
	if (layer != DXGT_LAYER_IOCTL) {
		dxgt__rec_set_parent(c->seq);
		c->saved_stack = stack_above;
		stack_above = nf > 0;
	}
	ok = true;
out:
	dxgt__rec_set_busy(false);
	errno = saved;
	return ok;
}

void dxgt__rec_leave(struct rec_call *c, int64_t ret, int err, bool has_status, uint32_t status)
{
	int saved = errno;
	if (!c->seq)
		return;
	if (c->layer != DXGT_LAYER_IOCTL) {
		dxgt__rec_set_parent(c->saved);
		stack_above = c->saved_stack;
	}
	if (c->dropped || dxgt__rec_busy())
		return;
	dxgt__rec_set_busy(true);
	if (dxgt__rec_active()) {
		struct dxgt_record rec = {
		    .type = DXGT_REC_LEAVE,
		    .flags = has_status ? DXGT_LEAVE_STATUS : 0,
		    .seq = c->seq,
		    .time_ns = dxgt__now_ns(),
		    .tid = dxgt__gettid(),
		    .layer = c->layer,
		    .call_id = c->call_id,
		    .ret = ret,
		    .err = err,
		    .status = status,
		};
		emit(&rec, c->desc, c->args, c->args_len);
	}
	dxgt__rec_set_busy(false);
	errno = saved;
}

int dxgt__rec_meta(enum dxgt_meta_kind kind, const struct dxgt_meta_field *fields, unsigned n)
{
	if (!dxgt__rec_active() || n > DXGT_MAX_FIELDS)
		return -1;
	struct dxgt_record rec = {
	    .type = DXGT_REC_META,
	    .meta_kind = (uint16_t)kind,
	    .fields = fields,
	    .n_fields = (uint16_t)n,
	};
	if (dxgt__cfg.discard == REC_DISCARD_WRITER)
		return dxgt__rec_write_direct(&rec);
	size_t need = 0;
	int rc = dxgt_record_encode(&rec, NULL, 0, &need);
	if ((rc != 0 && rc != DXGT_E_TOOBIG) || need > DXGT_MAX_RECORD)
		return -1;
	uint8_t *p = dxgt__rec_reserve(need);
	if (!p || dxgt_record_encode(&rec, p, need, &need) != 0)
		return -1;
	dxgt__rec_commit(need);
	return 0;
}
