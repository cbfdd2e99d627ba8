// SPDX-License-Identifier: MIT
/*
 * The dlopen redirect of libdxgmock.so: a request for libdxcore.so (the
 * bare name, a versioned name, or any path whose last component is one of
 * those, such as /usr/lib/wsl/lib/libdxcore.so) returns a handle to this
 * library, whatever the flags, so that dlsym(handle, "D3DKMTEscape") finds
 * the mock's functions. Nothing is written anywhere: the redirect is
 * in-process only.
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
