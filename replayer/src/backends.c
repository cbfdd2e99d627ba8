// SPDX-License-Identifier: MIT
/*
 * The replayer's backends: where the rebuilt calls of a trace are sent.
 *
 *  - mock: an in-process dxgkrnl model of a profile (TRUSTED: the replayer's
 *    nested buffers are its own memory). Both layers: ioctls go to the
 *    model as they are, D3DKMT calls through the mock library's D3DKMT
 *    translation (dxgt_mock_kmt), the one libdxgmock.so uses.
 *  - dxg: ioctls on a real /dev/dxg (or any device path). D3DKMT calls (a
 *    Windows capture has nothing else) become the ioctls libdxcore would
 *    issue, through the same translation as the mock's (dxgt_mock_kmt_with),
 *    and their result the NTSTATUS libdxcore would return. The ioctl layer
 *    is preferred when a trace has both.
 *  - dxcore: the D3DKMT functions of a libdxcore.so, each looked up by name
 *    on first use, so a library that lacks one still replays the others.
 *    The library is never unloaded (RTLD_NODELETE).
 *
 * A backend's call() returns 0 whenever the call was made, whatever it
 * answered; a negative DXGT_E_* only when it could not be made (a layer
 * the backend has not, a struct shorter than the call's, a function the
 * library lacks), with the reason in last_error(). An ioctl result is given
 * as ioctl(2) gives it: -1 and the errno, or the value (0 or a positive
 * NTSTATUS); a D3DKMT result as its NTSTATUS.
 *
 * Must never: dereference anything but the argument struct it is given and
 * the buffers it points to; print; touch errno beyond the call it makes.
 * Each backend is used by one thread at a time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"

#define DXG_DEFAULT_PATH "/dev/dxg"
#define DXCORE_DEFAULT "libdxcore.so"
#define DXCORE_WSL_PATH "/usr/lib/wsl/lib/libdxcore.so"

/* What every backend keeps besides its own state. */
struct common {
	struct dxgt_backend pub; /* first: a struct dxgt_backend * is a struct common * */
	char err[256];		 /* the last call's reason, "" when it had none */
};

static const char *common_last_error(struct dxgt_backend *b)
{
	struct common *c = (struct common *)b;
	return c->err[0] ? c->err : NULL;
}

static int fail(struct dxgt_backend *b, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct dxgt_backend *b, int code, const char *fmt, ...)
{
	struct common *c = (struct common *)b;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return code;
}

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void init_common(struct common *c, const char *name, unsigned layers,
			int (*call)(struct dxgt_backend *, enum dxgt_layer,
				    const struct dxgt_call_desc *, uint32_t, void *, uint32_t,
				    struct dxgt_backend_result *),
			void (*free_fn)(struct dxgt_backend *))
{
	c->pub.name = name;
	c->pub.layers = layers;
	c->pub.call = call;
	c->pub.free = free_fn;
	c->pub.priv = c;
	c->pub.last_error = common_last_error;
	c->err[0] = 0;
}

/* The checks every call() makes first: a layer the backend has, and at the
 * d3dkmt layer a D3DKMT function and a struct at least as large as the
 * call's. */
static int check_call(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		      const void *args, uint32_t args_len, struct dxgt_backend_result *res)
{
	((struct common *)b)->err[0] = 0;
	if (!res || (!args && args_len))
		return fail(b, DXGT_E_INVAL, "%s backend: no argument struct or result", b->name);
	memset(res, 0, sizeof(*res));
	if (!(b->layers & DXGT_LAYER_BIT(layer)))
		return fail(b, DXGT_E_UNSUPPORTED, "the %s backend cannot replay the %s layer",
			    b->name, dxgt_layer_name(layer));
	if (layer != DXGT_LAYER_D3DKMT)
		return 0;
	if (!d || !d->kmt_name)
		return fail(b, DXGT_E_UNSUPPORTED, "%s has no D3DKMT function",
			    d ? d->name : "an unknown call");
	if (!args || args_len < d->kmt_size)
		return fail(b, DXGT_E_INVAL, "%s: %u argument bytes, the struct has %u",
			    d->kmt_name, args_len, d->kmt_size);
	return 0;
}

/* ---- ioctls: the argument struct the request encodes ---- */

/* The kernel reads and writes the size the request encodes, which a
 * recording may hold fewer bytes of (a request nobody knows, a truncated
 * record): then the call gets a zeroed copy of that size, and what it wrote
 * within args_len comes back. *bounce (owned, free()) is NULL when args
 * serves as it is. */
static int ioctl_arg(uint32_t code, void *args, uint32_t args_len, void **use, void **bounce)
{
	size_t need = _IOC_SIZE(code);
	*use = args;
	*bounce = NULL;
	if (need <= args_len)
		return 0;
	*bounce = calloc(1, need);
	if (!*bounce)
		return DXGT_E_NOMEM;
	if (args_len)
		memcpy(*bounce, args, args_len);
	*use = *bounce;
	return 0;
}

static void ioctl_done(void *args, uint32_t args_len, void *bounce)
{
	if (bounce && args_len)
		memcpy(args, bounce, args_len);
	free(bounce);
}

static uint32_t request_of(const struct dxgt_call_desc *d, uint32_t code)
{
	return code ? code : d ? d->ioctl_code : 0;
}

/* ---- mock ---- */

struct mock_backend {
	struct common c;
	struct dxgt_mock *m;
	const struct dxgt_profile *p;
};

static int mock_adapter_ids(struct dxgt_backend *b, uint64_t luid, uint32_t *vendor,
			    uint32_t *device)
{
	const struct mock_backend *mb = (const struct mock_backend *)b;
	for (size_t i = 0; i < mb->p->n_adapters; i++)
		if (mb->p->adapters[i].luid == luid) {
			*vendor = mb->p->adapters[i].vendor;
			*device = mb->p->adapters[i].device;
			return 0;
		}
	return -1;
}

static int mock_call(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		     uint32_t code, void *args, uint32_t args_len, struct dxgt_backend_result *res)
{
	struct mock_backend *mb = (struct mock_backend *)b;
	int rc = check_call(b, layer, d, args, args_len, res);
	if (rc < 0)
		return rc;
	if (layer == DXGT_LAYER_D3DKMT) {
		int32_t st = dxgt_mock_kmt(mb->m, d->id, args);
		res->ret = st;
		res->status = (uint32_t)st;
		res->has_status = true;
		return 0;
	}
	void *use, *bounce;
	uint32_t req = request_of(d, code);
	rc = ioctl_arg(req, args, args_len, &use, &bounce);
	if (rc < 0)
		return fail(b, rc, "request 0x%08x: no memory for its argument struct", req);
	long r = dxgt_mock_ioctl(mb->m, req, use);
	ioctl_done(args, args_len, bounce);
	if (r < 0) {
		res->ret = -1;
		res->err = (int)-r;
	} else {
		res->ret = r;
	}
	return 0;
}

static void mock_free(struct dxgt_backend *b)
{
	struct mock_backend *mb = (struct mock_backend *)b;
	dxgt_mock_free(mb->m);
	free(mb);
}

int dxgt_backend_mock_new(struct dxgt_backend **out, const struct dxgt_profile *p)
{
	if (!out || !p)
		return DXGT_E_INVAL;
	*out = NULL;
	struct mock_backend *mb = calloc(1, sizeof(*mb));
	if (!mb)
		return DXGT_E_NOMEM;
	int rc = dxgt_mock_new(&mb->m, p, DXGT_MOCK_TRUSTED);
	if (rc < 0) {
		free(mb);
		return rc;
	}
	init_common(&mb->c, "mock",
		    DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT) | DXGT_LAYER_BIT(DXGT_LAYER_IOCTL), mock_call,
		    mock_free);
	mb->p = p;
	mb->c.pub.adapter_ids = mock_adapter_ids;
	*out = &mb->c.pub;
	return 0;
}

/* ---- dxg ---- */

struct dxg_backend {
	struct common c;
	int fd;
};

/* One request of a translated D3DKMT call: what dxgt_mock_ioctl() would
 * return (0, a positive NTSTATUS, or -errno). */
static long dxg_issue(void *ctx, unsigned long request, void *arg)
{
	const struct dxg_backend *db = ctx;
	errno = 0;
	int r = ioctl(db->fd, request, arg);
	return r < 0 ? -(long)(errno ? errno : EIO) : r;
}

static int dxg_call(struct dxgt_backend *b, enum dxgt_layer layer, const struct dxgt_call_desc *d,
		    uint32_t code, void *args, uint32_t args_len, struct dxgt_backend_result *res)
{
	struct dxg_backend *db = (struct dxg_backend *)b;
	int rc = check_call(b, layer, d, args, args_len, res);
	if (rc < 0)
		return rc;
	if (layer == DXGT_LAYER_D3DKMT) {
		int saved = errno;
		int32_t st = dxgt_mock_kmt_with(dxg_issue, db, d->id, args);
		errno = saved;
		res->ret = st;
		res->status = (uint32_t)st;
		res->has_status = true;
		return 0;
	}
	void *use, *bounce;
	uint32_t req = request_of(d, code);
	rc = ioctl_arg(req, args, args_len, &use, &bounce);
	if (rc < 0)
		return fail(b, rc, "request 0x%08x: no memory for its argument struct", req);
	int saved = errno;
	errno = 0;
	int r = ioctl(db->fd, req, use);
	int e = errno;
	errno = saved;
	ioctl_done(args, args_len, bounce);
	res->ret = r;
	res->err = r < 0 ? e : 0;
	return 0;
}

static void dxg_free(struct dxgt_backend *b)
{
	struct dxg_backend *db = (struct dxg_backend *)b;
	if (db->fd >= 0)
		close(db->fd);
	free(db);
}

int dxgt_backend_dxg_new(struct dxgt_backend **out, const char *path, char *err, size_t errlen)
{
	if (!out) {
		say(err, errlen, "dxg backend: no place for the backend");
		return DXGT_E_INVAL;
	}
	*out = NULL;
	const char *p = path ? path : DXG_DEFAULT_PATH;
	struct dxg_backend *db = calloc(1, sizeof(*db));
	if (!db) {
		say(err, errlen, "%s: %s", p, dxgt_strerror(DXGT_E_NOMEM));
		return DXGT_E_NOMEM;
	}
	int saved = errno;
	db->fd = open(p, O_RDWR | O_CLOEXEC);
	if (db->fd < 0) {
		int e = errno;
		errno = saved;
		free(db);
		bool absent = e == ENOENT || e == ENODEV || e == ENXIO;
		if (absent && !path)
			say(err, errlen,
			    "%s: %s: this machine has no dxgkrnl device; use --backend mock", p,
			    strerror(e));
		else
			say(err, errlen, "%s: %s", p, strerror(e));
		return absent ? DXGT_E_NOTFOUND : DXGT_E_IO;
	}
	init_common(&db->c, "dxg",
		    DXGT_LAYER_BIT(DXGT_LAYER_IOCTL) | DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT), dxg_call,
		    dxg_free);
	db->c.pub.prefer = DXGT_LAYER_IOCTL;
	*out = &db->c.pub;
	return 0;
}

/* ---- dxcore ---- */

typedef int32_t (*kmt_fn)(void *args);

enum { FN_UNRESOLVED = 0, FN_FOUND, FN_MISSING };

struct dxcore_backend {
	struct common c;
	void *lib;
	char *path;    /* the name it was loaded by, for messages */
	kmt_fn *fns;   /* by descriptor index */
	uint8_t *seen; /* FN_* by descriptor index */
	size_t n;
};

static int dxcore_call(struct dxgt_backend *b, enum dxgt_layer layer,
		       const struct dxgt_call_desc *d, uint32_t code, void *args, uint32_t args_len,
		       struct dxgt_backend_result *res)
{
	(void)code;
	struct dxcore_backend *xb = (struct dxcore_backend *)b;
	int rc = check_call(b, layer, d, args, args_len, res);
	if (rc < 0)
		return rc;
	if (d->index >= xb->n)
		return fail(b, DXGT_E_INVAL, "%s: not a descriptor of this build", d->kmt_name);
	if (xb->seen[d->index] == FN_UNRESOLVED) {
		union {
			void *sym;
			kmt_fn fn;
		} u = {dlsym(xb->lib, d->kmt_name)};
		xb->fns[d->index] = u.fn;
		xb->seen[d->index] = u.sym ? FN_FOUND : FN_MISSING;
	}
	if (xb->seen[d->index] == FN_MISSING)
		return fail(b, DXGT_E_UNSUPPORTED, "%s has no %s", xb->path, d->kmt_name);
	int saved = errno;
	int32_t st = xb->fns[d->index](args);
	errno = saved;
	res->ret = st;
	res->status = (uint32_t)st;
	res->has_status = true;
	return 0;
}

static void dxcore_free(struct dxgt_backend *b)
{
	struct dxcore_backend *xb = (struct dxcore_backend *)b;
	if (!xb)
		return;
	if (xb->lib)
		dlclose(xb->lib);
	free(xb->path);
	free(xb->fns);
	free(xb->seen);
	free(xb);
}

int dxgt_backend_dxcore_new(struct dxgt_backend **out, const char *path, char *err, size_t errlen)
{
	if (!out) {
		say(err, errlen, "dxcore backend: no place for the backend");
		return DXGT_E_INVAL;
	}
	*out = NULL;
	int rc = DXGT_E_NOMEM;
	struct dxcore_backend *xb = calloc(1, sizeof(*xb));
	if (!xb)
		goto nomem;
	init_common(&xb->c, "dxcore", DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT), dxcore_call, dxcore_free);
	xb->n = dxgt_call_count();
	xb->fns = calloc(xb->n ? xb->n : 1, sizeof(*xb->fns));
	xb->seen = calloc(xb->n ? xb->n : 1, sizeof(*xb->seen));
	if (!xb->fns || !xb->seen)
		goto nomem;
	const char *tried[2] = {path ? path : DXCORE_DEFAULT, path ? NULL : DXCORE_WSL_PATH};
	char first_why[192] = "";
	int saved = errno;
	for (size_t i = 0; i < 2 && tried[i] && !xb->lib; i++) {
		/* NODELETE: a libdxcore keeps process-wide state (its /dev/dxg
		 * descriptor, adapters, maybe threads) that must outlive a
		 * dlclose; the handle is still closed with the backend. */
		xb->lib = dlopen(tried[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (xb->lib) {
			xb->path = strdup(tried[i]);
			if (!xb->path)
				goto nomem;
		} else if (i == 0) {
			const char *why = dlerror();
			snprintf(first_why, sizeof(first_why), "%s", why ? why : "cannot load");
		}
	}
	errno = saved;
	if (!xb->lib) {
		if (path)
			say(err, errlen, "%s", first_why);
		else
			say(err, errlen,
			    "%s (nor %s): this machine has no libdxcore.so; use --backend mock",
			    first_why, DXCORE_WSL_PATH);
		rc = DXGT_E_NOTFOUND;
		goto out;
	}
	*out = &xb->c.pub;
	return 0;
nomem:
	say(err, errlen, "dxcore backend: %s", dxgt_strerror(DXGT_E_NOMEM));
out:
	dxcore_free(xb ? &xb->c.pub : NULL);
	return rc;
}

/* ---- all ---- */

void dxgt_backend_free(struct dxgt_backend *b)
{
	if (b && b->free)
		b->free(b);
}
