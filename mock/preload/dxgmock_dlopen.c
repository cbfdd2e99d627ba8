// SPDX-License-Identifier: MIT
/*
 * The dlopen redirects of libdxgmock.so.
 *
 * libdxcore.so: a request for it (the bare name, a versioned name, or any
 * path whose last component is one of those, such as
 * /usr/lib/wsl/lib/libdxcore.so) returns a handle to this library,
 * whatever the flags, so that dlsym(handle, "D3DKMTEscape") finds the
 * mock's functions.
 *
 * The driver store: on WSL the host's driver store is mounted in the guest
 * (under /usr/lib/wsl/drivers), and user-mode drivers load libraries from
 * the folder the host names in its QUERYREGISTRY driver-store answer
 * (Intel's compute runtime loads libwsl_compute_helper.so from it). A
 * request for a file directly in a folder that a driver-store answer of the
 * loaded profile names is served from the mock's own driver store: the
 * directory DXGMOCK_DRIVER_STORE names, or DXGMOCK_STORE_DIR next to this
 * library (where the build and the installation put it). A file that
 * directory does not have is requested as asked, and so fails as it would
 * on a host whose store lacks it. Only a profile already loaded is
 * consulted: a dlopen never loads one.
 *
 * Nothing is written anywhere: the redirects are in-process only.
 *
 * Interposing dlopen moves the apparent caller of every other dlopen into
 * this library, and glibc searches a bare name with the caller's
 * DT_RUNPATH/DT_RPATH and $ORIGIN. To keep that behaviour for the
 * application, a bare name is first looked up among the objects already
 * loaded, then in the directories only the real caller's search path has
 * (its dlinfo RTLD_DI_SERINFO list less this library's own, which holds
 * LD_LIBRARY_PATH and the system directories), and only then handed to the
 * real dlopen as is. The one difference left: a name present both in the
 * caller's DT_RUNPATH and in LD_LIBRARY_PATH is taken from the former.
 *
 * Must never: change the answer for any other library; lose the caller's
 * flags; change errno on the way through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dxgmock_internal.h"

#ifndef DXGMOCK_STORE_DIR
#error "DXGMOCK_STORE_DIR must name the driver store next to the library (mock/CMakeLists.txt)"
#endif

static void *real_dlopen;

typedef void *(*dlopen_fn)(const char *, int);

static bool is_dxcore(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return strcmp(base, "libdxcore.so") == 0 || strncmp(base, "libdxcore.so.", 13) == 0;
}

static const char *flag_names(int flags, char *buf, size_t len)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
	    {RTLD_NOW, "RTLD_NOW"},	      {RTLD_GLOBAL, "RTLD_GLOBAL"},
	    {RTLD_NOLOAD, "RTLD_NOLOAD"},     {RTLD_NODELETE, "RTLD_NODELETE"},
	    {RTLD_DEEPBIND, "RTLD_DEEPBIND"},
	};
	size_t n = (size_t)snprintf(buf, len, "%s",
				    (flags & RTLD_BINDING_MASK) == RTLD_LAZY ? "RTLD_LAZY" : "");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n < len; i++)
		if ((flags & names[i].bit) == names[i].bit && names[i].bit)
			n +=
			    (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names[i].name);
	if (n == 0)
		snprintf(buf, len, "RTLD_LOCAL");
	return buf;
}

/* This library's own path, as the loader knows it. */
static const char *self_path(void)
{
	Dl_info info;
	if (dladdr((const void *)&self_path, &info) && info.dli_fname)
		return info.dli_fname;
	return NULL;
}

static void *redirect(dlopen_fn real, const char *file, int flags)
{
	const char *self = self_path();
	if (!self)
		return real(file, flags);
	int mode = flags & RTLD_BINDING_MASK;
	void *h = real(self, (mode ? mode : RTLD_LAZY) | RTLD_NOLOAD |
				 (flags & (RTLD_GLOBAL | RTLD_NODELETE)));
	if (!h)
		h = real(self, flags);
	char fl[96];
	dxgmock__log("dlopen(\"%s\", %s) -> %s (redirected to the mock)", file,
		     flag_names(flags, fl, sizeof(fl)), h ? self : "NULL");
	return h;
}

/* The length of the path s without its trailing slashes ("/" stays). */
static size_t trimmed(const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

/* Whether dir[0..dlen) is a driver-store folder some adapter of profile p
 * names in its QUERYREGISTRY driver-store answer. */
static bool is_store_folder(const struct dxgt_profile *p, const char *dir, size_t dlen)
{
	dlen = trimmed(dir, dlen);
	for (size_t i = 0; i < p->n_adapters; i++) {
		const struct dxgt_mock_adapter *ad = &p->adapters[i];
		for (size_t k = 0; k < ad->n_registry; k++) {
			const struct dxgt_mock_registry *r = &ad->registry[k];
			if (r->query_type != 2 || !r->is_string) /* 2: DRIVERSTOREPATH */
				continue;
			const char *v = (const char *)r->value.data;
			size_t vlen = trimmed(v, r->value.len);
			if (vlen && vlen == dlen && memcmp(v, dir, dlen) == 0)
				return true;
		}
	}
	return false;
}

/* Where the mock keeps its driver store: DXGMOCK_DRIVER_STORE, else
 * DXGMOCK_STORE_DIR in this library's own directory. */
static bool store_dir(char *buf, size_t len)
{
	const char *env = getenv("DXGMOCK_DRIVER_STORE");
	int n;
	if (env && *env) {
		n = snprintf(buf, len, "%s", env);
	} else {
		const char *self = self_path();
		const char *slash = self ? strrchr(self, '/') : NULL;
		if (!self)
			return false;
		n = slash ? snprintf(buf, len, "%.*s/%s", (int)(slash - self), self,
				     DXGMOCK_STORE_DIR)
			  : snprintf(buf, len, "%s", DXGMOCK_STORE_DIR);
	}
	return n > 0 && (size_t)n < len;
}

/* file, if it names a file of the host's driver store, as the mock serves
 * it: its path in the mock's store, written to out. */
static bool served_from_store(const char *file, char *out, size_t len)
{
	const struct dxgt_profile *p = dxgmock__profile_loaded();
	const char *base = strrchr(file, '/');
	if (!p || !base || !base[1] || !is_store_folder(p, file, (size_t)(base - file)))
		return false;
	char dir[4096];
	if (!store_dir(dir, sizeof(dir)))
		return false;
	int n = snprintf(out, len, "%s%s", dir, base);
	if (n <= 0 || (size_t)n >= len)
		return false;
	if (syscall(SYS_faccessat, AT_FDCWD, out, F_OK) != 0) {
		dxgmock__log("dlopen(\"%s\"): the driver store has no %s in %s; not redirected",
			     file, base + 1, dir);
		return false;
	}
	return true;
}

/* The search path of the object holding addr (owned, free()), or NULL. */
static Dl_serinfo *search_path(const void *addr)
{
	Dl_info info;
	struct link_map *lm = NULL;
	Dl_serinfo size;
	if (!addr || !dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm ||
	    dlinfo(lm, RTLD_DI_SERINFOSIZE, &size) != 0)
		return NULL;
	Dl_serinfo *si = malloc(size.dls_size);
	if (!si)
		return NULL;
	memcpy(si, &size, sizeof(size));
	if (dlinfo(lm, RTLD_DI_SERINFO, si) != 0) {
		free(si);
		return NULL;
	}
	return si;
}

static bool listed(const Dl_serinfo *si, const char *dir)
{
	for (unsigned i = 0; si && i < si->dls_cnt; i++)
		if (strcmp(si->dls_serpath[i].dls_name, dir) == 0)
			return true;
	return false;
}

/* A bare name, searched as glibc would search it for the real caller. */
static void *open_as_caller(dlopen_fn real, const char *file, int flags, const void *caller)
{
	void *h = real(file, RTLD_LAZY | RTLD_NOLOAD);
	if (h) { /* already loaded under that name: the caller's search is moot */
		dlclose(h);
		return real(file, flags);
	}
	dlerror();
	Dl_serinfo *theirs = search_path(caller);
	Dl_serinfo *ours = theirs ? search_path((const void *)&open_as_caller) : NULL;
	for (unsigned i = 0; theirs && ours && !h && i < theirs->dls_cnt; i++) {
		const char *dir = theirs->dls_serpath[i].dls_name;
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (listed(ours, dir) || n <= 0 || (size_t)n >= sizeof(path) ||
		    syscall(SYS_faccessat, AT_FDCWD, path, F_OK) != 0)
			continue;
		h = real(path, flags);
		if (!h)
			dlerror();
	}
	free(theirs);
	free(ours);
	return h ? h : real(file, flags);
}

DXGMOCK_EXPORT void *dlopen(const char *file, int flags)
{
	const void *caller = __builtin_return_address(0);
	int saved = errno;
	dlopen_fn real = (dlopen_fn)dxgmock__real(&real_dlopen, "dlopen");
	if (!real) {
		errno = saved;
		return NULL;
	}
	if (file && is_dxcore(file)) {
		void *h = redirect(real, file, flags);
		errno = saved;
		return h;
	}
	char served[4096];
	if (file && served_from_store(file, served, sizeof(served))) {
		void *h = real(served, flags);
		char fl[96];
		dxgmock__log("dlopen(\"%s\", %s) -> %s (the driver store, served from %s)", file,
			     flag_names(flags, fl, sizeof(fl)), h ? "ok" : "NULL", served);
		errno = saved;
		return h;
	}
	/* errno is left as the real dlopen leaves it: */
	errno = saved;
	void *h = file && !strchr(file, '/') ? open_as_caller(real, file, flags, caller)
					     : real(file, flags);
	if (file && dxgmock__debug()) {
		char fl[96];
		dxgmock__log("dlopen(\"%s\", %s) -> %s", file, flag_names(flags, fl, sizeof(fl)),
			     h ? "ok" : "NULL");
	}
	return h;
}
