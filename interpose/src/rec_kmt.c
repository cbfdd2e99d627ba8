// SPDX-License-Identifier: MIT
/*
 * The D3DKMT layer: the exported D3DKMT functions (generated from the
 * descriptor list into rec_kmt_exports.c, each calling dxgt__kmt_call) and
 * the dlsym router that hands them out.
 *
 * An application that links libdxcore.so calls our exports, which are
 * preloaded ahead of it; the real function is the next definition. One
 * that dlopens libdxcore.so (RTLD_LOCAL, RTLD_DEEPBIND) and resolves with
 * dlsym(handle, "D3DKMT...") reaches dlsym, which this library defines:
 * for a D3DKMT or DXCore name the router asks the real dlsym, keeps the
 * function it found as the real one, patches the defining object's GOT
 * (see rec_fd.c) and returns our export instead. Every other lookup goes
 * to the real dlsym by a tail jump from a small assembly entry point, so
 * the real dlsym sees the application's return address: RTLD_NEXT and the
 * caller's scope keep working exactly as without us. On architectures
 * without that entry point dlsym is not interposed and only linked
 * callers are recorded at this layer.
 *
 * A lookup that would find our own export where no real definition exists
 * (dlsym(RTLD_DEFAULT, "D3DKMTEscape") in a process without libdxcore)
 * answers NULL, as it would without us.
 *
 * Must never: return a wrapper for a name the real lookup does not find;
 * resolve anything through the global dlsym symbol (that is us).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "dxgt/status.h"
#include "rec_internal.h"

#define STATUS_NOT_IMPLEMENTED 0xC0000002u
/* The dlsym entry runs before a sanitizer runtime is ready for us (its own
 * dlsym calls come through here): no instrumentation on that path. */
#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined", "thread")))

typedef void *(*dlsym_fn)(void *, const char *);
typedef int32_t (*kmt_fn)(void *);

static void *_Atomic real_dlsym;
static void *real_fn[1024]; /* by descriptor index; the real D3DKMT functions */
static void *real_factory;

/* ---- the real dlsym ---- */

NO_SANITIZE void *dxgt__real_dlsym(void)
{
	void *p = atomic_load_explicit(&real_dlsym, memory_order_acquire);
	if (p)
		return p;
	int saved = errno;
	static const char *const versions[] = {"GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17"};
	for (size_t i = 0; !p && i < sizeof(versions) / sizeof(versions[0]); i++)
		p = dlvsym(RTLD_NEXT, "dlsym", versions[i]);
	atomic_store_explicit(&real_dlsym, p, memory_order_release);
	errno = saved;
	return p;
}

/* ---- the router ---- */

NO_SANITIZE static bool wrapped_name(const char *name)
{
	return name &&
	       (strncmp(name, "D3DKMT", 6) == 0 || strcmp(name, "DXCoreCreateAdapterFactory") == 0);
}

static void *self_handle(void)
{
	static void *_Atomic h;
	void *p = atomic_load(&h);
	if (p)
		return p;
	Dl_info info;
	if (dladdr((const void *)&self_handle, &info) && info.dli_fname)
		p = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	atomic_store(&h, p);
	return p;
}

/* Our export of that name, or NULL. */
static void *own(const char *name)
{
	dlsym_fn real = (dlsym_fn)dxgt__real_dlsym();
	void *self = self_handle();
	return real && self ? real(self, name) : NULL;
}

void *dxgt__kmt_wrap(const char *name, void *fn)
{
	void *mine = own(name);
	if (!mine || mine == fn)
		return fn;
	void **slot = NULL;
	if (strcmp(name, "DXCoreCreateAdapterFactory") == 0) {
		slot = &real_factory;
	} else {
		const struct dxgt_call_desc *d = dxgt_call_by_name(name);
		if (!d || !d->kmt_name || strcmp(d->kmt_name, name) != 0 || d->index >= 1024)
			return fn;
		slot = &real_fn[d->index];
	}
	void *expected = NULL;
	if (!__atomic_compare_exchange_n(slot, &expected, fn, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) &&
	    expected != fn) {
		dxgt__log("a second %s (%p, first %p): not recorded", name, fn, expected);
		return fn;
	}
	return mine;
}

/* What dlsym answers for a D3DKMT or DXCore name. */
static void *dlsym_wrapped(void *handle, const char *name)
{
	dlsym_fn real = (dlsym_fn)dxgt__real_dlsym();
	void *fn = real(handle, name);
	if (!fn)
		return NULL;
	int saved = errno;
	void *mine = own(name);
	if (fn == mine) {
		/* The lookup found us first: answer only if a real one exists. */
		void *next = real(RTLD_NEXT, name);
		errno = saved;
		return next ? fn : NULL;
	}
	dxgt__patch_object_of(fn);
	void *w = dxgt__kmt_wrap(name, fn);
	if (w != fn)
		dxgt__log("dlsym(%s) -> recorded", name);
	errno = saved;
	return w;
}

/* Called by the assembly entry point: the function to jump to. */
__attribute__((used)) void *dxgt__dlsym_route(void *handle, const char *name);
NO_SANITIZE __attribute__((used)) void *dxgt__dlsym_route(void *handle, const char *name)
{
	void *real = dxgt__real_dlsym();
	if (handle != RTLD_NEXT && wrapped_name(name) && !dxgt__rec_busy() && real)
		return (void *)dlsym_wrapped;
	return real;
}

#if defined(__x86_64__)
__asm__(".text\n"
	".globl dlsym\n"
	".type dlsym, @function\n"
	".p2align 4\n"
	"dlsym:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	pushq %rdi\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	pushq %rsi\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	subq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call dxgt__dlsym_route\n"
	"	addq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	popq %rsi\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	popq %rdi\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	testq %rax, %rax\n"
	"	jz 1f\n"
	"	jmp *%rax\n"
	"1:	ret\n"
	"	.cfi_endproc\n"
	".size dlsym, .-dlsym\n");
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl dlsym\n"
	".type dlsym, %function\n"
	".p2align 2\n"
	"dlsym:\n"
	"	.cfi_startproc\n"
	"	hint #34\n" /* bti c */
	"	stp x29, x30, [sp, #-32]!\n"
	"	.cfi_def_cfa_offset 32\n"
	"	.cfi_offset 29, -32\n"
	"	.cfi_offset 30, -24\n"
	"	mov x29, sp\n"
	"	stp x0, x1, [sp, #16]\n"
	"	bl dxgt__dlsym_route\n"
	"	mov x16, x0\n"
	"	ldp x0, x1, [sp, #16]\n"
	"	ldp x29, x30, [sp], #32\n"
	"	.cfi_def_cfa_offset 0\n"
	"	cbz x16, 1f\n"
	"	br x16\n"
	"1:	mov x0, #0\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size dlsym, .-dlsym\n");
#endif

/* ---- the calls ---- */

int32_t dxgt__kmt_call(unsigned id, void *args)
{
	const struct dxgt_call_desc *d = dxgt_call_by_id(id);
	if (!d)
		return (int32_t)STATUS_NOT_IMPLEMENTED;
	void **slot = &real_fn[d->index];
	kmt_fn fn = (kmt_fn)__atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!fn) {
		static void *unused;
		(void)unused;
		dlsym_fn real = (dlsym_fn)dxgt__real_dlsym();
		int saved = errno;
		fn = real ? (kmt_fn)real(RTLD_NEXT, d->kmt_name) : NULL;
		errno = saved;
		if (!fn) {
			dxgt__log("%s called with no real definition after this library",
				  d->kmt_name);
			return (int32_t)STATUS_NOT_IMPLEMENTED;
		}
		void *expected = NULL;
		__atomic_compare_exchange_n(slot, &expected, (void *)fn, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	}
	struct rec_call c;
	bool rec = dxgt__rec_enter(&c, DXGT_LAYER_D3DKMT, d, d->id, 0, -1, 0, args, d->kmt_size);
	int32_t st = fn(args);
	if (rec) {
		int e = errno;
		dxgt__rec_leave(&c, st, st ? e : 0, true, (uint32_t)st);
		errno = e;
	}
	return st;
}

REC_EXPORT int32_t DXCoreCreateAdapterFactory(const void *riid, void **ppv);
REC_EXPORT int32_t DXCoreCreateAdapterFactory(const void *riid, void **ppv)
{
	void *fn = __atomic_load_n(&real_factory, __ATOMIC_ACQUIRE);
	if (!fn) {
		dlsym_fn real = (dlsym_fn)dxgt__real_dlsym();
		int saved = errno;
		fn = real ? real(RTLD_NEXT, "DXCoreCreateAdapterFactory") : NULL;
		errno = saved;
		if (!fn) {
			if (ppv)
				*ppv = NULL;
			return (int32_t)0x80004001u; /* E_NOTIMPL */
		}
		void *expected = NULL;
		__atomic_compare_exchange_n(&real_factory, &expected, fn, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	}
	return dxgt__dxcore_create_factory(fn, riid, ppv);
}
