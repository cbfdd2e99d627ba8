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
 * Scratch memory is per thread and grows on demand; nothing here takes a
 * lock except through the append path of rec_core.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <pthread.h>
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

struct scratch {
	uint8_t *data;
	size_t len, cap;
	struct dxgt_rec_buf *bufs;
	size_t n_bufs, cap_bufs;
	size_t *offs; /* data offset of each buffer, resolved to pointers at the end */
};

static REC_TLS struct scratch *sc;

/* A thread's scratch is freed when the thread ends (a key destructor), or
 * a program that keeps starting threads would leak one per thread. A call
 * recorded later in the thread's teardown allocates it again, and the
 * destructor's next round frees that. */
static pthread_key_t sc_key;
static pthread_once_t sc_once = PTHREAD_ONCE_INIT;
static bool sc_key_ok;

static void scratch_free(void *arg)
{
	struct scratch *s = arg;
	if (s == sc)
		sc = NULL;
	free(s->data);
	free(s->bufs);
	free(s->offs);
	free(s);
}

static void scratch_key(void)
{
	sc_key_ok = pthread_key_create(&sc_key, scratch_free) == 0;
}

static struct scratch *scratch(void)
{
	if (!sc) {
		pthread_once(&sc_once, scratch_key);
		sc = calloc(1, sizeof(*sc));
		if (sc && sc_key_ok)
			pthread_setspecific(sc_key, sc);
	}
	return sc;
}

/* Room for n more bytes in the scratch data; returns the offset or -1. */
static long grow(struct scratch *s, size_t n)
{
	if (s->len + n > s->cap) {
		size_t c = s->cap ? s->cap : 4096;
		while (c < s->len + n)
			c *= 2;
		uint8_t *d = realloc(s->data, c);
		if (!d)
			return -1;
		s->data = d;
		s->cap = c;
	}
	long off = (long)s->len;
	s->len += n;
	return off;
}

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
 * Short copies move 8 bytes at a time; from 512 bytes on, rep movsb (fast
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

static int add_buf(struct scratch *s, const struct dxgt_rec_buf *hdr, uint64_t addr, size_t want)
{
	if (s->n_bufs >= DXGT_MAX_BUFS)
		return -1;
	if (s->n_bufs == s->cap_bufs) {
		size_t n = s->cap_bufs ? 2 * s->cap_bufs : 16;
		struct dxgt_rec_buf *b = realloc(s->bufs, n * sizeof(*b));
		if (!b)
			return -1;
		s->bufs = b;
		size_t *o = realloc(s->offs, n * sizeof(*o));
		if (!o)
			return -1;
		s->offs = o;
		s->cap_bufs = n;
	}
	struct dxgt_rec_buf *b = &s->bufs[s->n_bufs];
	*b = *hdr;
	b->addr = addr;
	size_t keep = want;
	uint32_t cap = dxgt__cfg.max_payload ? dxgt__cfg.max_payload : DXGT_MAX_RECORD / 2;
	if (keep > cap) {
		keep = cap;
		b->flags |= DXGT_BUF_TRUNCATED;
	}
	b->orig_len = want > UINT32_MAX ? UINT32_MAX : (uint32_t)want;
	long off = grow(s, keep);
	if (off < 0)
		return -1;
	if (!safe_read(s->data + off, addr, keep)) {
		s->len = (size_t)off;
		keep = 0;
		b->flags = (uint8_t)((b->flags & ~DXGT_BUF_TRUNCATED) | DXGT_BUF_UNREADABLE);
	}
	b->len = (uint32_t)keep;
	s->offs[s->n_bufs++] = (size_t)off;
	return 0;
}

static bool dir_has(uint8_t dir, bool enter)
{
	return enter ? (dir & DXGT_DIR_IN) != 0 : (dir & DXGT_DIR_OUT) != 0;
}

/* The nested buffers of descriptor d for an argument image (at offset
 * img_off of the scratch, img_len bytes). */
static void collect_bufs(struct scratch *s, const struct dxgt_call_desc *d, size_t img_off,
			 size_t img_len, bool enter)
{
	for (uint16_t i = 0; i < d->n_bufs; i++) {
		const struct dxgt_buf_desc *bd = &d->bufs[i];
		uint64_t ptr = 0, bytes = 0;
		const uint8_t *img = s->data + img_off;
		if (dxgt_field_read(img, img_len, bd->ptr_off, 8, &ptr) < 0 || ptr == 0)
			continue;
		bool mine = dir_has(bd->dir, enter);
		bool elems = bd->elem && (bd->elem->n_bufs > 0);
		if (!mine && !elems)
			continue;
		if (dxgt_buf_len(bd, img, img_len, &bytes) < 0 || bytes == 0)
			continue;
		size_t first = s->n_bufs;
		struct dxgt_rec_buf h = {.desc = i, .parent = 0xffff};
		/* The level-0 buffer is copied even when only its elements'
		 * buffers belong to this side: they are found through it. */
		if (add_buf(s, &h, ptr, (size_t)bytes) < 0)
			return;
		if (!elems)
			continue;
		struct dxgt_rec_buf *p = &s->bufs[first];
		if (p->flags & (DXGT_BUF_UNREADABLE | DXGT_BUF_TRUNCATED))
			goto unneeded;
		size_t esz = bd->elem->size ? bd->elem->size : bd->elem_size;
		size_t count = esz ? p->len / esz : 0;
		size_t poff = s->offs[first];
		for (size_t e = 0; e < count; e++) {
			for (uint16_t j = 0; j < bd->elem->n_bufs; j++) {
				const struct dxgt_buf_desc *ed = &bd->elem->bufs[j];
				const uint8_t *eimg = s->data + poff + e * esz;
				uint64_t eptr = 0, elen = 0;
				if (!dir_has(ed->dir, enter) ||
				    dxgt_field_read(eimg, esz, ed->ptr_off, 8, &eptr) < 0 ||
				    !eptr || dxgt_buf_len(ed, eimg, esz, &elen) < 0 || !elen)
					continue;
				struct dxgt_rec_buf eh = {
				    .desc = j, .parent = i, .level = 1, .elem = (uint32_t)e};
				if (add_buf(s, &eh, eptr, (size_t)elen) < 0)
					return;
				/* add_buf may move the data: recompute. */
			}
		}
	unneeded:
		if (!mine && first < s->n_bufs) {
			/* Drop the level-0 copy but keep its elements' buffers. */
			p = &s->bufs[first];
			size_t gone = p->len;
			size_t off = s->offs[first];
			memmove(s->data + off, s->data + off + gone, s->len - off - gone);
			s->len -= gone;
			for (size_t k = first + 1; k < s->n_bufs; k++)
				s->offs[k] -= gone;
			memmove(&s->bufs[first], &s->bufs[first + 1],
				(s->n_bufs - first - 1) * sizeof(s->bufs[0]));
			memmove(&s->offs[first], &s->offs[first + 1],
				(s->n_bufs - first - 1) * sizeof(s->offs[0]));
			s->n_bufs--;
		}
	}
}

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

/* Encode rec with the scratch's buffers into this thread's buffer. */
static int emit(struct dxgt_record *rec, struct scratch *s)
{
	for (size_t i = 0; i < s->n_bufs; i++)
		s->bufs[i].data = s->data + s->offs[i];
	rec->bufs = s->bufs;
	rec->n_bufs = (uint16_t)s->n_bufs;
	/* Straight into the room left in this thread's buffer: one encoding
	 * pass when the record fits, which is nearly always. */
	size_t need = 0, avail = 0;
	uint8_t *p = dxgt__rec_space(&avail);
	int rc = dxgt_record_encode(rec, p, avail, &need);
	if (rc == 0) {
		dxgt__rec_commit(need);
		return 0;
	}
	p = NULL;
	/* A record that cannot be encoded (over a format limit) is counted
	 * with the dropped ones, so that recorded + dropped = made. */
	if (rc == DXGT_E_TOOBIG && need <= DXGT_MAX_RECORD)
		p = dxgt__rec_reserve(need);
	if (!p || dxgt_record_encode(rec, p, need, &need) != 0) {
		dxgt__rec_note_drop(rec->type == DXGT_REC_ENTER);
		return -1;
	}
	dxgt__rec_commit(need);
	return 0;
}

static uint32_t image(struct scratch *s, const void *args, uint32_t args_len, bool *ok)
{
	long off = grow(s, args_len);
	*ok = off >= 0 && safe_read(s->data + off, (uint64_t)(uintptr_t)args, args_len);
	if (!*ok) {
		s->len = 0;
		return 0;
	}
	return args_len;
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
	struct scratch *s = scratch();
	if (!s)
		goto out;
	s->len = 0;
	s->n_bufs = 0;
	bool readable;
	uint32_t alen = image(s, args, args_len, &readable);
	if (readable && d)
		collect_bufs(s, d, 0, alen, true);
	uint64_t frames[DXGT_MAX_FRAMES];
	unsigned nf = 0;
	if (dxgt__cfg.bt == REC_BT_ALL ||
	    (dxgt__cfg.bt == REC_BT_ESCAPES && d && (d->flags & DXGT_CF_ESCAPE)))
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
	    .args = s->data,
	    .args_len = alen,
	    .frames = frames,
	    .n_frames = (uint16_t)nf,
	};
	/* Dropped or failed: no LEAVE either, but the sequence number stays
	 * the parent of what the call does, as for a recorded call. */
	c->dropped = emit(&rec, s) < 0;
	if (layer != DXGT_LAYER_IOCTL)
		dxgt__rec_set_parent(c->seq);
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
	if (c->layer != DXGT_LAYER_IOCTL)
		dxgt__rec_set_parent(c->saved);
	if (c->dropped || dxgt__rec_busy())
		return;
	dxgt__rec_set_busy(true);
	struct scratch *s = scratch();
	if (s && dxgt__rec_active()) {
		s->len = 0;
		s->n_bufs = 0;
		bool readable;
		uint32_t alen = image(s, c->args, c->args_len, &readable);
		if (readable && c->desc)
			collect_bufs(s, c->desc, 0, alen, false);
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
		    .args = s->data,
		    .args_len = alen,
		};
		emit(&rec, s);
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
