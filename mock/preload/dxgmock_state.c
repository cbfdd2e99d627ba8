// SPDX-License-Identifier: MIT
/*
 * The process-wide state of libdxgmock.so: the host profile named by
 * DXGMOCK_PROFILE, the one dxgkrnl model every /dev/dxg fd shares, and the
 * stderr messages.
 *
 * DXGMOCK_TRUSTED=1 creates the model TRUSTED: nested buffers are copied
 * with memcpy rather than through process_vm_readv/writev, so a bad pointer
 * crashes instead of giving EFAULT. It is for benchmarks (bench/), where the
 * two syscalls per copy would dwarf what is measured.
 *
 * The profile is loaded on first need (the first open or stat of /dev/dxg,
 * the first D3DKMT or DXCore call), never in a constructor, so a process
 * that never touches the interface pays nothing and hears nothing. When it
 * cannot be loaded the library says so in exactly one line and from then on
 * acts as a machine without /dev/dxg. The model is created with the first
 * open of the device and lives until the process ends.
 *
 * Fork: every model request runs under model_lock, which a pthread_atfork
 * handler takes before fork, so no thread is ever inside the model (and so
 * holding the model's own mutex) when the address space is copied; the
 * child inherits a consistent model and keeps working.
 *
 * Must never: print anything but the one profile line, warnings and
 * DXGMOCK_DEBUG lines; allocate or take a lock while logging; call back
 * into the application with a lock held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dxgmock_internal.h"

enum { STATE_UNTRIED = 0, STATE_READY = 1, STATE_NONE = -1 };

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;
static int state; /* STATE_*, atomic */
static struct dxgt_profile *profile;
static struct dxgt_mock *model; /* atomic once published */
static int debug_flag = -1;	/* -1: DXGMOCK_DEBUG not read yet */

static void vsay(const char *fmt, va_list ap)
{
	int saved = errno;
	char line[1024];
	int n = snprintf(line, sizeof(line), "dxgmock: ");
	int k = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (k < 0)
		k = 0;
	size_t len = (size_t)n + (size_t)k;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);
		if (w <= 0 && errno != EINTR)
			break;
		if (w > 0)
			off += (size_t)w;
	}
	errno = saved;
}

void dxgmock__say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

bool dxgmock__debug(void)
{
	int d = __atomic_load_n(&debug_flag, __ATOMIC_RELAXED);
	if (d < 0) {
		const char *e = getenv("DXGMOCK_DEBUG");
		d = e && *e && strcmp(e, "0") != 0;
		__atomic_store_n(&debug_flag, d, __ATOMIC_RELAXED);
	}
	return d;
}

void dxgmock__log(const char *fmt, ...)
{
	if (!dxgmock__debug())
		return;
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Called with init_lock held. */
static void load_profile_locked(void)
{
	const char *name = getenv("DXGMOCK_PROFILE");
	if (!name || !*name) {
		dxgmock__say("DXGMOCK_PROFILE is not set: acting as a machine without /dev/dxg "
			     "(set it to a shipped profile name such as wsl2-intel-npu, or to a "
			     "profile file)");
		__atomic_store_n(&state, STATE_NONE, __ATOMIC_RELEASE);
		return;
	}
	char err[512] = "";
	struct dxgt_profile *p = NULL;
	int rc = dxgt_profile_load(&p, name, err, sizeof(err));
	if (rc < 0 || !p) {
		dxgmock__say("%s",
			     err[0] ? err : "cannot load the profile named by DXGMOCK_PROFILE");
		__atomic_store_n(&state, STATE_NONE, __ATOMIC_RELEASE);
		return;
	}
	profile = p;
	dxgmock__log("profile %s loaded from %s: %zu adapter(s)", p->name ? p->name : "?",
		     p->origin ? p->origin : name, p->n_adapters);
	__atomic_store_n(&state, STATE_READY, __ATOMIC_RELEASE);
}

const struct dxgt_profile *dxgmock__profile(void)
{
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	if (s == STATE_UNTRIED) {
		int saved = errno;
		pthread_mutex_lock(&init_lock);
		if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == STATE_UNTRIED)
			load_profile_locked();
		pthread_mutex_unlock(&init_lock);
		errno = saved;
		s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	}
	return s == STATE_READY ? profile : NULL;
}

const struct dxgt_profile *dxgmock__profile_loaded(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == STATE_READY ? profile : NULL;
}

struct dxgt_mock *dxgmock__model(void)
{
	struct dxgt_mock *m = __atomic_load_n(&model, __ATOMIC_ACQUIRE);
	if (m)
		return m;
	const struct dxgt_profile *p = dxgmock__profile();
	if (!p)
		return NULL;
	int saved = errno;
	pthread_mutex_lock(&init_lock);
	m = __atomic_load_n(&model, __ATOMIC_ACQUIRE);
	if (!m) {
		const char *t = getenv("DXGMOCK_TRUSTED");
		unsigned flags = t && *t && strcmp(t, "0") != 0 ? DXGT_MOCK_TRUSTED : 0;
		int rc = dxgt_mock_new(&m, p, flags);
		if (rc < 0) {
			dxgmock__say("cannot create the host model (error %d): acting as a machine "
				     "without /dev/dxg",
				     rc);
			__atomic_store_n(&state, STATE_NONE, __ATOMIC_RELEASE);
			m = NULL;
		} else {
			__atomic_store_n(&model, m, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&init_lock);
	errno = saved;
	return m;
}

long dxgmock__model_ioctl(unsigned long request, void *arg)
{
	struct dxgt_mock *m = dxgmock__model();
	if (!m)
		return -ENODEV;
	pthread_mutex_lock(&model_lock);
	long rc = dxgt_mock_ioctl(m, request, arg);
	pthread_mutex_unlock(&model_lock);
	return rc;
}

static void fork_prepare(void)
{
	pthread_mutex_lock(&init_lock);
	pthread_mutex_lock(&model_lock);
}

static void fork_release(void)
{
	pthread_mutex_unlock(&model_lock);
	pthread_mutex_unlock(&init_lock);
}

__attribute__((constructor)) static void dxgmock_state_init(void)
{
	pthread_atfork(fork_prepare, fork_release, fork_release);
}
