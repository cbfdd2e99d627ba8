// SPDX-License-Identifier: MIT
/*
 * The recorder's lifecycle and its path to the file.
 *
 * Nothing happens at load but reading the configuration: the trace file,
 * the writer thread and the fatal-signal handlers come at the first
 * recorded call (dxgt__rec_start), so a program that never touches dxg is
 * left alone and gets no file (unless DXGTRACE_ALWAYS asks for one).
 *
 * Records go to per-thread buffers (struct tbuf): the owner appends past
 * `committed` and publishes with a release store; nobody else writes a
 * buffer. The writer thread, woken when a buffer fills and every 100 ms,
 * takes the full buffers and the committed-but-untaken part of every
 * thread's current buffer (under `lock`), then writes them (under `io`,
 * outside `lock`) and recycles the full ones. Memory is bounded by
 * DXGTRACE_BUFFER: an appender that needs a new buffer waits for the writer
 * (or, with DXGTRACE_ON_FULL=drop, drops the record and counts it). Thread
 * states are never freed, only reused, so a signal handler can walk them.
 *
 * Lock order: io before lock, never the other way. Fatal signals take both
 * with bounded spins and write stored chunks without allocating. Fork
 * holds both across the fork; the child starts over with its own file (or
 * stops recording when forks are not followed). exec and _exit finish the
 * file first. An internal failure stops recording (dxgt__rec_fail) and
 * leaves every hook a pass-through.
 *
 * Must never: lose a record it accepted while the process lives on; write
 * the parent's file from a child; change errno or a result the application
 * sees; block the application except when the memory cap says so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dxgt/error.h"
#include "rec_internal.h"

#define TBUF_SIZE (256u << 10)
/* Buffers the writer gave back that wait before the calling threads get
 * them again, memory allowing (see recycle()). */
#define POOL_REST 8u
#define FLUSH_NS (250u * 1000000u) /* a chunk reaches the file at least this often */

struct tbuf {
	struct tbuf *next;
	uint8_t *data;
	size_t cap;
	_Atomic size_t committed; /* written by the owner only */
	size_t taken;		  /* bytes handed to the file; under `lock` */
};

struct tstate {
	struct tstate *next;
	struct tbuf *_Atomic cur;
	atomic_bool in_use;
};

enum state { ST_IDLE, ST_RECORDING, ST_STOPPED, ST_DISABLED };

static struct {
	pthread_mutex_t lock; /* queue, pool, registry, memory count */
	pthread_cond_t room;  /* memory was freed */
	pthread_cond_t work;  /* the writer has something to do */
	pthread_mutex_t io;   /* the writer object */
	pthread_mutex_t start;
	struct dxgt_writer *w;
	struct tbuf *full, **full_tail;
	struct tbuf *pool, **pool_tail; /* see recycle() */
	unsigned pool_n;
	uint64_t mem;
	uint64_t budget; /* for thread buffers: the cap less the writer's own memory */
	struct tstate *_Atomic threads;
	pthread_t writer;
	bool writer_up, stop;
	uint64_t last_flush;
	char path[4096];
	pid_t pid;
	unsigned generation; /* files this process created (exec that failed) */
	bool handlers, atfork;
	pthread_key_t key;
	bool key_ok;
} G = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .io = PTHREAD_MUTEX_INITIALIZER,
    .start = PTHREAD_MUTEX_INITIALIZER,
};

static _Atomic int state = ST_IDLE;
static _Atomic uint64_t next_seq = 1;
static _Atomic uint64_t n_calls, drop_records, drop_calls;
static atomic_bool failed_said, crashing;

static REC_TLS struct tstate *my;
static REC_TLS bool busy;
static REC_TLS uint64_t parent;
static REC_TLS uint32_t my_tid;

static const int fatal_signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE};
static struct sigaction old_act[NSIG];

/* ---- small things ---- */

uint64_t dxgt__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t dxgt__gettid(void)
{
	if (!my_tid)
		my_tid = (uint32_t)syscall(SYS_gettid);
	return my_tid;
}

bool dxgt__rec_busy(void)
{
	return busy;
}

void dxgt__rec_set_busy(bool on)
{
	busy = on;
}

bool dxgt__rec_active(void)
{
	int s = atomic_load_explicit(&state, memory_order_acquire);
	return s == ST_RECORDING || s == ST_IDLE;
}

uint64_t dxgt__rec_calls(void)
{
	return atomic_load(&n_calls);
}

/* One line for `dxgtrace record` (DXGTRACE_REPORT), appended atomically:
 *   created <pid> <path>
 *   closed  <pid> <path> <calls> <bytes> <dropped records>
 *   failed  <pid> <why>
 * fields separated by tabs; a newline in a path or reason becomes '?'. */
static void report(const char *what, const char *why, uint64_t bytes)
{
	if (!dxgt__cfg.report[0])
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s", why ? why : G.path);
	for (char *p = path; *p; p++)
		if (*p == '\n')
			*p = '?';
	char line[4400];
	int n;
	if (strcmp(what, "closed") == 0)
		n = snprintf(line, sizeof(line), "closed\t%d\t%s\t%llu\t%llu\t%llu\n", (int)G.pid,
			     path, (unsigned long long)atomic_load(&n_calls),
			     (unsigned long long)bytes,
			     (unsigned long long)atomic_load(&drop_records));
	else
		n = snprintf(line, sizeof(line), "%s\t%d\t%s\n", what, (int)G.pid, path);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, dxgt__cfg.report,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)n);
	syscall(SYS_close, fd);
}

void dxgt__rec_fail(const char *fmt, ...)
{
	int saved = errno;
	atomic_store(&state, ST_STOPPED);
	if (!atomic_exchange(&failed_said, true)) {
		char msg[512];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		dxgt__say("recording stopped: %s", msg);
		report("failed", msg, 0);
	}
	pthread_mutex_lock(&G.lock);
	pthread_cond_broadcast(&G.room);
	pthread_mutex_unlock(&G.lock);
	errno = saved;
}

/* ---- thread states and buffers ---- */

static void thread_gone(void *arg);

static struct tstate *thread_state(void)
{
	if (my)
		return my;
	struct tstate *t;
	for (t = atomic_load(&G.threads); t; t = t->next) {
		bool f = false;
		if (atomic_compare_exchange_strong(&t->in_use, &f, true))
			break;
	}
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		atomic_store(&t->in_use, true);
		struct tstate *head = atomic_load(&G.threads);
		do
			t->next = head;
		while (!atomic_compare_exchange_weak(&G.threads, &head, t));
	}
	my = t;
	if (G.key_ok)
		pthread_setspecific(G.key, t);
	return t;
}

/* Under G.lock: a buffer the writer never saw (still warm in the calling
 * thread's cache) goes to the front of the pool. */
static void pool_push_front(struct tbuf *b)
{
	b->next = G.pool;
	if (!G.pool)
		G.pool_tail = &b->next;
	G.pool = b;
	G.pool_n++;
}

/* Under G.lock: the pool's first buffer, taken out. */
static struct tbuf *pool_pop(void)
{
	struct tbuf *b = G.pool;
	G.pool = b->next;
	if (!G.pool)
		G.pool_tail = NULL;
	G.pool_n--;
	b->next = NULL;
	return b;
}

/* Under G.lock. */
static void queue_full(struct tbuf *b)
{
	b->next = NULL;
	if (!G.full)
		G.full_tail = &G.full;
	*G.full_tail = b;
	G.full_tail = &b->next;
	pthread_cond_signal(&G.work);
}

/* Under G.lock: a buffer of at least need bytes, or NULL. */
static struct tbuf *get_buffer(size_t need)
{
	for (;;) {
		if (atomic_load(&state) != ST_RECORDING)
			return NULL;
		size_t size = need > TBUF_SIZE ? need : TBUF_SIZE;
		if (size == TBUF_SIZE && G.pool &&
		    (G.pool_n >= POOL_REST || G.mem + size > G.budget))
			return pool_pop();
		/* Waiting helps only if the writer has something to free. */
		if (G.mem + size <= G.budget || (!G.full && !G.pool) || !G.writer_up) {
			struct tbuf *b = calloc(1, sizeof(*b));
			uint8_t *d = b ? malloc(size) : NULL;
			if (!d) {
				free(b);
				return NULL;
			}
			b->data = d;
			b->cap = size;
			G.mem += size;
			return b;
		}
		if (G.pool) { /* a pooled buffer too small for this record: make room */
			struct tbuf *p = pool_pop();
			G.mem -= p->cap;
			free(p->data);
			free(p);
			continue;
		}
		if (dxgt__cfg.drop)
			return NULL;
		pthread_cond_signal(&G.work);
		pthread_cond_wait(&G.room, &G.lock);
	}
}

static struct tbuf *room_for(struct tstate *t, size_t need)
{
	struct tbuf *b = atomic_load_explicit(&t->cur, memory_order_relaxed);
	if (b && b->cap - atomic_load_explicit(&b->committed, memory_order_relaxed) >= need)
		return b;
	pthread_mutex_lock(&G.lock);
	if (b) {
		/* A used buffer goes back through the writer even when it has
		 * taken everything: it may still be copying the last piece out
		 * of it, outside the lock. Only the writer recycles. */
		atomic_store(&t->cur, NULL);
		if (atomic_load(&b->committed) > 0) {
			queue_full(b);
		} else {
			pool_push_front(b);
		}
	}
	b = get_buffer(need);
	if (b) {
		atomic_store(&b->committed, 0);
		b->taken = 0;
		atomic_store(&t->cur, b);
	}
	pthread_mutex_unlock(&G.lock);
	return b;
}

void dxgt__rec_note_drop(bool enter)
{
	if (atomic_load(&state) != ST_RECORDING)
		return;
	atomic_fetch_add(&drop_records, 1);
	if (enter)
		atomic_fetch_add(&drop_calls, 1);
}

uint8_t *dxgt__rec_reserve(size_t len)
{
	if (atomic_load_explicit(&state, memory_order_relaxed) != ST_RECORDING)
		return NULL;
	struct tstate *t = thread_state();
	if (!t)
		return NULL;
	struct tbuf *b = room_for(t, len);
	if (!b)
		return NULL;
	return b->data + atomic_load_explicit(&b->committed, memory_order_relaxed);
}

uint8_t *dxgt__rec_space(size_t *avail)
{
	*avail = 0;
	struct tstate *t = my;
	if (!t || atomic_load_explicit(&state, memory_order_relaxed) != ST_RECORDING)
		return NULL;
	struct tbuf *b = atomic_load_explicit(&t->cur, memory_order_relaxed);
	if (!b)
		return NULL;
	size_t c = atomic_load_explicit(&b->committed, memory_order_relaxed);
	*avail = b->cap - c;
	return b->data + c;
}

void dxgt__rec_commit(size_t len)
{
	struct tbuf *b = my ? atomic_load_explicit(&my->cur, memory_order_relaxed) : NULL;
	if (!b)
		return;
	size_t c = atomic_load_explicit(&b->committed, memory_order_relaxed);
	atomic_store_explicit(&b->committed, c + len, memory_order_release);
}

int dxgt__rec_write_direct(const struct dxgt_record *rec)
{
	if (atomic_load(&state) != ST_RECORDING || !G.w)
		return -1;
	pthread_mutex_lock(&G.io);
	int rc = dxgt_writer_add(G.w, rec);
	pthread_mutex_unlock(&G.io);
	return rc < 0 ? -1 : 0;
}

/* ---- draining to the file ---- */

struct piece {
	struct tbuf *b;
	size_t from, to;
	bool recycle;
	uint64_t first; /* sequence number of its first record (0: metadata) */
};

struct drain {
	struct piece *p;
	size_t n, cap;
};

static int drain_add(struct drain *d, struct tbuf *b, size_t from, size_t to, bool recycle)
{
	if (d->n == d->cap) {
		size_t n = d->cap ? 2 * d->cap : 64;
		struct piece *p = realloc(d->p, n * sizeof(*p));
		if (!p)
			return -1;
		d->p = p;
		d->cap = n;
	}
	/* Every record starts with an 8-byte header (type, flags, size);
	 * ENTER and LEAVE continue with their u64 sequence number. */
	uint64_t first = 0;
	const uint8_t *r = b->data + from;
	uint16_t type = (uint16_t)(r[0] | r[1] << 8);
	if (to - from >= 16 && (type == DXGT_REC_ENTER || type == DXGT_REC_LEAVE))
		for (int i = 7; i >= 0; i--)
			first = first << 8 | r[8 + i];
	d->p[d->n++] = (struct piece){b, from, to, recycle, first};
	return 0;
}

static int by_first(const void *a, const void *b)
{
	uint64_t x = ((const struct piece *)a)->first, y = ((const struct piece *)b)->first;
	return x < y ? -1 : x > y;
}

/* Under G.lock: everything committed and not yet taken. */
static int collect(struct drain *d)
{
	d->n = 0;
	while (G.full) {
		struct tbuf *b = G.full;
		size_t to = atomic_load_explicit(&b->committed, memory_order_acquire);
		if (drain_add(d, b, b->taken, to, true) < 0)
			return -1;
		b->taken = to;
		G.full = b->next;
	}
	for (struct tstate *t = atomic_load(&G.threads); t; t = t->next) {
		struct tbuf *b = atomic_load(&t->cur);
		if (!b)
			continue;
		size_t to = atomic_load_explicit(&b->committed, memory_order_acquire);
		if (to > b->taken) {
			if (drain_add(d, b, b->taken, to, false) < 0)
				return -1;
			b->taken = to;
		}
	}
	return 0;
}

/* Under G.io. */
static int write_pieces(const struct drain *d)
{
	if (dxgt__cfg.discard == REC_DISCARD_WRITER)
		return 0; /* dropped unread (the metadata went straight to the file) */
	for (size_t i = 0; i < d->n; i++) {
		const struct piece *p = &d->p[i];
		if (p->to > p->from) {
			int rc =
			    dxgt_writer_add_encoded(G.w, p->b->data + p->from, p->to - p->from);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Under G.lock. */
static void recycle(const struct drain *d)
{
	bool freed = false;
	for (size_t i = 0; i < d->n; i++) {
		struct tbuf *b = d->p[i].b;
		if (!d->p[i].recycle)
			continue;
		freed = true;
		if (b->cap == TBUF_SIZE && G.mem <= G.budget) {
			/* At the back of the pool, and the pool is drawn from
			 * only once POOL_REST buffers wait in it (memory
			 * allowing): a buffer reaches a calling thread again
			 * after the writer has read some 2 MiB more, when its
			 * lines have left the writer core's cache, so that the
			 * thread's stores do not each pull a line back from
			 * there (about 15% less time per recorded call on a 2-core
			 * VM, docs/performance.md). */
			atomic_store(&b->committed, 0);
			b->taken = 0;
			b->next = NULL;
			if (G.pool_tail)
				*G.pool_tail = b;
			else
				G.pool = b;
			G.pool_tail = &b->next;
			G.pool_n++;
		} else {
			G.mem -= b->cap;
			free(b->data);
			free(b);
		}
	}
	if (freed)
		pthread_cond_broadcast(&G.room);
}

/* One pass: collect, write, maybe flush, recycle. */
static int drain_once(struct drain *d, bool flush)
{
	pthread_mutex_lock(&G.io);
	pthread_mutex_lock(&G.lock);
	int rc = collect(d);
	pthread_mutex_unlock(&G.lock);
	/* Oldest calls first: a thread whose buffer is still filling may hold
	 * calls older than other threads' full buffers (the setup before the
	 * workers start), and a file cut short should keep those. */
	if (rc == 0 && d->n > 1)
		qsort(d->p, d->n, sizeof(d->p[0]), by_first);
	if (rc == 0)
		rc = write_pieces(d);
	uint64_t now = dxgt__now_ns();
	if (rc == 0 && (flush || now - G.last_flush >= FLUSH_NS)) {
		rc = dxgt_writer_flush(G.w);
		G.last_flush = now;
	}
	pthread_mutex_unlock(&G.io);
	pthread_mutex_lock(&G.lock);
	recycle(d);
	pthread_mutex_unlock(&G.lock);
	return rc;
}

static void *writer_main(void *arg)
{
	(void)arg;
	busy = true;
	struct drain d = {0};
	pthread_mutex_lock(&G.lock);
	while (!G.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!G.full)
			pthread_cond_timedwait(&G.work, &G.lock, &ts);
		if (G.stop)
			break;
		pthread_mutex_unlock(&G.lock);
		int rc = drain_once(&d, false);
		if (rc < 0)
			dxgt__rec_fail("writing %s: %s", G.path, dxgt_strerror(rc));
		pthread_mutex_lock(&G.lock);
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&G.lock);
	free(d.p);
	return NULL;
}

static void thread_gone(void *arg)
{
	struct tstate *t = arg;
	pthread_mutex_lock(&G.lock);
	struct tbuf *b = atomic_load(&t->cur);
	atomic_store(&t->cur, NULL);
	if (b) {
		if (atomic_load(&b->committed) > 0) /* see room_for */
			queue_full(b);
		else {
			pool_push_front(b);
		}
	}
	pthread_mutex_unlock(&G.lock);
	my = NULL; /* a later call in this thread's teardown takes a state again */
	atomic_store(&t->in_use, false);
}

/* ---- fatal signals ---- */

static bool spin_lock(pthread_mutex_t *m)
{
	for (int i = 0; i < 2000; i++) {
		if (pthread_mutex_trylock(m) == 0)
			return true;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Everything captured so far into the file, from a signal handler. */
static void emergency_flush(void)
{
	if (atomic_load(&state) != ST_RECORDING || atomic_exchange(&crashing, true))
		return;
	if ((pid_t)syscall(SYS_getpid) != G.pid)
		return;
	busy = true;
	if (!spin_lock(&G.io))
		return;
	bool locked = spin_lock(&G.lock);
	if (G.w) {
		/* The pieces are written one by one; no allocation. */
		if (locked)
			for (struct tbuf *b = G.full; b; b = b->next) {
				size_t to = atomic_load(&b->committed);
				if (to > b->taken)
					dxgt_writer_emergency(G.w, b->data + b->taken,
							      to - b->taken);
				b->taken = to;
			}
		for (struct tstate *t = atomic_load(&G.threads); t; t = t->next) {
			struct tbuf *b = atomic_load(&t->cur);
			if (!b || (!locked && t != my))
				continue;
			size_t to = atomic_load(&b->committed);
			if (to > b->taken)
				dxgt_writer_emergency(G.w, b->data + b->taken, to - b->taken);
			b->taken = to;
		}
		dxgt_writer_emergency(G.w, NULL, 0);
	}
	atomic_store(&state, ST_STOPPED);
	/* The locks stay held: the process is about to die, and nothing
	 * else may touch the file now. */
}

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/* sigaction and signal are called by sanitizer runtimes while they start,
 * before instrumented code may run: this path is left uninstrumented, and
 * caches the real functions in plain volatile pointers (every thread
 * resolves the same value, so the race is benign). */
#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined", "thread")))

NO_SANITIZE static void *next_symbol(void *volatile *slot, const char *name)
{
	void *fn = *slot;
	if (!fn) {
		void *(*dl)(void *, const char *) =
		    (void *(*)(void *, const char *))dxgt__real_dlsym();
		fn = dl ? dl(RTLD_NEXT, name) : NULL;
		*slot = fn;
	}
	return fn;
}

NO_SANITIZE static int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static void *volatile slot;
	sigaction_fn fn = (sigaction_fn)next_symbol(&slot, "sigaction");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(sig, act, old);
}

NO_SANITIZE static bool is_fatal(int sig)
{
	return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	/* A fault inside a guarded copy of the caller's memory (rec_emit.c)
	 * is a bad pointer, not a crash: back to the copy, which says so. */
	if ((sig == SIGSEGV || sig == SIGBUS) && dxgt__copy_fault(si, uc))
		return;
	int saved = errno;
	emergency_flush();
	struct sigaction *o = &old_act[sig];
	if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
		o->sa_sigaction(sig, si, uc);
	} else if (!(o->sa_flags & SA_SIGINFO) && o->sa_handler != SIG_DFL &&
		   o->sa_handler != SIG_IGN) {
		o->sa_handler(sig);
	} else {
		/* Back to the original disposition; a fault comes again when
		 * the instruction re-runs, a sent signal is raised again. */
		G.handlers = false;
		real_sigaction(sig, o, NULL);
		if (si->si_code <= 0 || sig == SIGABRT)
			raise(sig);
	}
	errno = saved;
}

static void install_handlers(void)
{
	if (G.handlers)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	/* SA_NODEFER: a guarded copy may leave the handler by siglongjmp
	 * (architectures without the copy routine), which must not leave the
	 * signal blocked. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		real_sigaction(fatal_signals[i], &sa, &old_act[fatal_signals[i]]);
	G.handlers = true;
}

/* While our handlers are in place, an application that sets one of the
 * fatal signals' dispositions sets the one we chain to: ours stays first,
 * so the trace is flushed before its handler runs (or the default
 * action), and guarded copies keep working. It reads back what it set. */
NO_SANITIZE REC_EXPORT int sigaction(int sig, const struct sigaction *restrict act,
				     struct sigaction *restrict old)
{
	if (!G.handlers || busy || !is_fatal(sig))
		return real_sigaction(sig, act, old);
	struct sigaction prev = old_act[sig];
	if (act)
		old_act[sig] = *act;
	if (old)
		*old = prev;
	return 0;
}

NO_SANITIZE REC_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	if (!G.handlers || busy || !is_fatal(sig)) {
		static void *volatile slot;
		sighandler_t (*fn)(int, sighandler_t) =
		    (sighandler_t(*)(int, sighandler_t))next_symbol(&slot, "signal");
		return fn ? fn(sig, handler) : SIG_ERR;
	}
	struct sigaction prev = old_act[sig];
	memset(&old_act[sig], 0, sizeof(old_act[sig]));
	old_act[sig].sa_handler = handler;
	old_act[sig].sa_flags = SA_RESTART;
	return (prev.sa_flags & SA_SIGINFO) ? (sighandler_t)(void (*)(void))prev.sa_sigaction
					    : prev.sa_handler;
}

/* ---- fork ---- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&G.start);
	pthread_mutex_lock(&G.io);
	pthread_mutex_lock(&G.lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&G.lock);
	pthread_mutex_unlock(&G.io);
	pthread_mutex_unlock(&G.start);
}

static void fork_child(void)
{
	pthread_mutex_init(&G.lock, NULL);
	pthread_mutex_init(&G.io, NULL);
	pthread_mutex_init(&G.start, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&G.work, &ca);
	pthread_cond_init(&G.room, NULL);
	pthread_condattr_destroy(&ca);
	my_tid = 0;
	parent = 0;
	int s = atomic_load(&state);
	/* The parent's file is the parent's: drop our copy of what it had. */
	if (G.w)
		syscall(SYS_close, dxgt_writer_fd(G.w));
	G.w = NULL; /* the struct is the parent's too: left alone */
	G.writer_up = false;
	G.stop = false;
	G.full = NULL;
	for (struct tstate *t = atomic_load(&G.threads); t; t = t->next) {
		struct tbuf *b = atomic_load(&t->cur);
		if (b) {
			atomic_store(&b->committed, 0);
			b->taken = 0;
		}
		if (t != my) {
			atomic_store(&t->cur, NULL);
			if (b) {
				pool_push_front(b);
			}
			atomic_store(&t->in_use, false);
		}
	}
	atomic_store(&next_seq, 1);
	atomic_store(&n_calls, 0);
	atomic_store(&drop_records, 0);
	atomic_store(&drop_calls, 0);
	G.generation = 0;
	G.pid = (pid_t)syscall(SYS_getpid);
	if (s == ST_RECORDING || s == ST_IDLE)
		atomic_store(&state, dxgt__cfg.follow_forks ? ST_IDLE : ST_DISABLED);
}

/* ---- start and finish ---- */

static void options_meta(void)
{
	static const char *bt[] = {"off", "escapes", "all"};
	char layers[64] = "";
	static const char *ln[] = {"", "d3dkmt", "dxcore", "ioctl"};
	for (unsigned l = 1; l <= 3; l++)
		if (dxgt__layer_on((enum dxgt_layer)l)) {
			if (layers[0])
				strcat(layers, ",");
			strcat(layers, ln[l]);
		}
	const char *follow = dxgt__cfg.follow_forks && dxgt__cfg.follow_exec ? "all"
			     : dxgt__cfg.follow_forks			     ? "forks"
			     : dxgt__cfg.follow_exec			     ? "exec"
									     : "none";
#define STR(k, v)                                                                                  \
	{                                                                                          \
		k, DXGT_VAL_STR, 0, (const uint8_t *)(v), (uint32_t)strlen(v)                      \
	}
#define U64(k, v)                                                                                  \
	{                                                                                          \
		k, DXGT_VAL_U64, (uint64_t)(v), NULL, 0                                            \
	}
	struct dxgt_meta_field f[] = {
	    STR("recorder", "libdxgtrace " DXGT_VERSION),
	    STR("backtrace", bt[dxgt__cfg.bt]),
	    U64("backtrace_depth", dxgt__cfg.bt_depth),
	    U64("max_payload", dxgt__cfg.max_payload),
	    STR("follow", follow),
	    STR("layers", layers),
	    STR("device", dxgt__cfg.device),
	    U64("buffer", dxgt__cfg.buffer_cap),
	    STR("on_full", dxgt__cfg.drop ? "drop" : "wait"),
	    {"level", dxgt__cfg.level < 0 ? DXGT_VAL_I64 : DXGT_VAL_U64,
	     (uint64_t)(int64_t)dxgt__cfg.level, NULL, 0},
	    STR("discard", dxgt__cfg.discard == REC_DISCARD_WRITER ? "writer" : "built"),
	    /* last: written only when records are discarded */
	};
#undef STR
#undef U64
	dxgt__rec_meta(DXGT_META_OPTIONS, f,
		       sizeof(f) / sizeof(f[0]) - (dxgt__cfg.discard ? 0 : 1));
}

static int open_trace(void)
{
	bool child =
	    G.pid != (pid_t)atoi(getenv("DXGTRACE_ROOT_PID") ? getenv("DXGTRACE_ROOT_PID") : "0");
	if (dxgt__config_output_path(G.path, sizeof(G.path), child) < 0)
		return DXGT_E_INVAL;
	/* The image before an exec (same pid, same name) keeps its file. */
	const char *prev = getenv("DXGTRACE_PREV_PATH");
	if (G.generation || (prev && strcmp(prev, G.path) == 0)) {
		size_t n = strlen(G.path);
		unsigned g = G.generation ? G.generation : 1;
		for (;; g++) {
			snprintf(G.path + n, sizeof(G.path) - n, ".%u", g);
			struct stat st;
			if (stat(G.path, &st) != 0 || g > 1000)
				break;
			G.path[n] = 0;
		}
	}
	int fd = (int)syscall(SYS_openat, AT_FDCWD, G.path,
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return DXGT_E_IO;
	fchmod(fd, 0600); /* an existing file keeps its mode under O_TRUNC */
	/* DXGTRACE_BUFFER bounds all the memory records take until they are
	 * written: the thread buffers get what the writer (its chunk, the
	 * compressed copy, the zstd context) leaves. Chunks are an eighth of
	 * the cap, from 256 KiB to 1 MiB: a small cap leaves room for
	 * buffers, a larger chunk compresses better (zstd finds a payload
	 * repeated at entry and return, and at both layers, only within a
	 * chunk). */
	struct dxgt_writer_opts o = {.level = dxgt__cfg.level};
	uint64_t chunk = dxgt__cfg.buffer_cap / 8;
	o.chunk_bytes = chunk < TBUF_SIZE    ? TBUF_SIZE
			: chunk > (1u << 20) ? (1u << 20)
					     : (uint32_t)chunk;
	uint64_t fixed = dxgt_writer_memory(&o, TBUF_SIZE);
	G.budget =
	    dxgt__cfg.buffer_cap > fixed + TBUF_SIZE ? dxgt__cfg.buffer_cap - fixed : TBUF_SIZE;
	int rc = dxgt_writer_open_fd(&G.w, fd, &o);
	if (rc < 0)
		syscall(SYS_close, fd);
	return rc;
}

bool dxgt__rec_start(void)
{
	int s = atomic_load_explicit(&state, memory_order_acquire);
	if (s == ST_RECORDING)
		return true;
	if (s != ST_IDLE)
		return false;
	int saved = errno;
	bool was_busy = busy;
	busy = true;
	pthread_mutex_lock(&G.start);
	if (atomic_load(&state) != ST_IDLE)
		goto out;
	if (dxgt__cfg.disabled) {
		atomic_store(&state, ST_DISABLED);
		goto out;
	}
	if (dxgt__cfg.bad[0])
		dxgt__say("%s", dxgt__cfg.bad);
	G.pid = (pid_t)syscall(SYS_getpid);
	int rc = open_trace();
	if (rc < 0) {
		pthread_mutex_unlock(&G.start);
		dxgt__rec_fail("cannot create %s: %s", G.path,
			       rc == DXGT_E_IO ? strerror(errno) : dxgt_strerror(rc));
		busy = was_busy;
		errno = saved;
		return false;
	}
	G.generation++;
	G.last_flush = dxgt__now_ns();
	if (!G.key_ok)
		G.key_ok = pthread_key_create(&G.key, thread_gone) == 0;
	if (!G.atfork) {
		G.atfork = true;
		pthread_atfork(fork_prepare, fork_parent, fork_child);
		/* No atexit(finish) here: handlers registered before the
		 * first call (a runtime's static destructors) would run
		 * after it, and their calls would be lost. exit() finishes
		 * the trace through rec_fini, after every handler. */
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&G.work, &ca);
	pthread_cond_init(&G.room, NULL);
	pthread_condattr_destroy(&ca);
	G.stop = false;
	sigset_t all, prev;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	G.writer_up = pthread_create(&G.writer, NULL, writer_main, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	atomic_store_explicit(&state, ST_RECORDING, memory_order_release);
	install_handlers();
	options_meta();
	dxgt__meta_start();
	report("created", NULL, 0);
	dxgt__log("recording to %s", G.path);
out:
	pthread_mutex_unlock(&G.start);
	busy = was_busy;
	errno = saved;
	return atomic_load(&state) == ST_RECORDING;
}

/* Write everything and close the file; afterwards calls pass through.
 * again: whether a later call may start a new file (an exec that failed). */
static void finish_as(bool again)
{
	if (atomic_load(&state) != ST_RECORDING)
		return;
	if ((pid_t)syscall(SYS_getpid) != G.pid)
		return; /* a vfork child: the memory and the file are the parent's */
	int saved = errno;
	bool was_busy = busy;
	busy = true;
	pthread_mutex_lock(&G.start);
	if (atomic_load(&state) != ST_RECORDING)
		goto out;
	dxgt__meta_maps();
	uint64_t dr = atomic_load(&drop_records);
	if (dr) {
		struct dxgt_meta_field f[] = {
		    {"records", DXGT_VAL_U64, dr, NULL, 0},
		    {"calls", DXGT_VAL_U64, atomic_load(&drop_calls), NULL, 0},
		};
		/* This one must not be dropped: it goes straight to the file. */
		uint8_t buf[256];
		size_t need = 0;
		struct dxgt_record r = {.type = DXGT_REC_META,
					.meta_kind = DXGT_META_DROPPED,
					.fields = f,
					.n_fields = 2};
		if (dxgt_record_encode(&r, buf, sizeof(buf), &need) == 0) {
			pthread_mutex_lock(&G.io);
			dxgt_writer_add_encoded(G.w, buf, need);
			pthread_mutex_unlock(&G.io);
		}
	}
	pthread_mutex_lock(&G.lock);
	G.stop = true;
	pthread_cond_broadcast(&G.work);
	pthread_mutex_unlock(&G.lock);
	if (G.writer_up) {
		pthread_join(G.writer, NULL);
		G.writer_up = false;
	}
	struct drain d = {0};
	int rc = drain_once(&d, true);
	free(d.p);
	atomic_store(&state, ST_STOPPED);
	pthread_mutex_lock(&G.lock);
	pthread_cond_broadcast(&G.room);
	pthread_mutex_unlock(&G.lock);
	pthread_mutex_lock(&G.io);
	int rc2 = dxgt_writer_close(G.w);
	G.w = NULL;
	pthread_mutex_unlock(&G.io);
	struct stat st;
	report("closed", NULL, stat(G.path, &st) == 0 ? (uint64_t)st.st_size : 0);
	if (rc < 0 || rc2 < 0)
		dxgt__say("writing %s: %s", G.path, dxgt_strerror(rc < 0 ? rc : rc2));
	else
		dxgt__log("trace %s finished: %llu calls", G.path,
			  (unsigned long long)atomic_load(&n_calls));
	if (again) {
		atomic_store(&state, ST_IDLE);
		setenv("DXGTRACE_PREV_PATH", G.path, 1);
	}
out:
	pthread_mutex_unlock(&G.start);
	busy = was_busy;
	errno = saved;
}

void dxgt__rec_before_exec(void)
{
	finish_as(true);
}

void dxgt__rec_before_exit(void)
{
	finish_as(false);
}

__attribute__((constructor)) static void rec_init(void)
{
	dxgt__config_load();
	G.pid = (pid_t)syscall(SYS_getpid);
	if (dxgt__cfg.disabled) {
		atomic_store(&state, ST_DISABLED);
		return;
	}
	if (dxgt__cfg.always)
		dxgt__rec_start();
}

static void finish_late(void *arg)
{
	(void)arg;
	finish_as(false);
}

/* The C++ ABI's registration, with no DSO: atexit() from a shared library
 * ties the handler to the library, and __cxa_finalize runs it with the
 * library's own destructors, too early. */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);

/* At exit this runs inside _dl_fini (glibc's last exit handler), and
 * before the destructors of the libraries loaded after this one: a
 * runtime the program dlopened, whose teardown still makes calls (Intel's
 * OpenCL runtime destroys its contexts, allocations and device there). An
 * exit handler registered now runs once _dl_fini has returned, after all
 * of them (glibc starts its handler loop over for a handler registered
 * while it runs), so the trace is finished there; the library is linked
 * nodelete, so its code is still mapped then. Where the registration is
 * refused (exit handling already over), the trace is finished now. */
__attribute__((destructor)) static void rec_fini(void)
{
	static bool deferred;
	if (!deferred && atomic_load(&state) == ST_RECORDING &&
	    __cxa_atexit(finish_late, NULL, NULL) == 0) {
		deferred = true;
		return;
	}
	finish_as(false);
}

/* ---- calls ---- */

uint64_t dxgt__rec_next_seq(void)
{
	atomic_fetch_add_explicit(&n_calls, 1, memory_order_relaxed);
	return atomic_fetch_add_explicit(&next_seq, 1, memory_order_relaxed);
}

uint64_t dxgt__rec_parent(void)
{
	return parent;
}

void dxgt__rec_set_parent(uint64_t seq)
{
	parent = seq;
}
