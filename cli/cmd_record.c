// SPDX-License-Identifier: MIT
/*
 * dxgtrace record: runs a command with the recorder (libdxgtrace.so, and
 * libdxgmock.so with --mock) preloaded, the options turned into DXGTRACE_*
 * variables, and lists the traces written when the command ends.
 *
 * The recorder tells us what it wrote through DXGTRACE_REPORT, a temporary
 * file (0600, removed at the end) it appends one line to when it creates
 * or finishes a trace (the format is in report_read's comment). The
 * command's exit status becomes ours (128+N for a signal, 127 when it
 * cannot be run), so `dxgtrace record` fits in scripts where the command
 * was.
 *
 * Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the
 * command instead of ending us, so the report is still read and the file
 * removed. A signal the terminal sent already reached the command (it is
 * in our process group) and is not sent twice.
 *
 * Must never: change the command's environment beyond the variables named
 * in the usage, or leave the report file behind on a normal exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "dxgt/mock.h"

/* Where the libraries are in the build tree and, relative to the binary,
 * once installed (cli/CMakeLists.txt passes these). */
#ifndef DXGT_PRELOAD_BUILD
#define DXGT_PRELOAD_BUILD ""
#endif
#ifndef DXGT_MOCK_BUILD
#define DXGT_MOCK_BUILD ""
#endif
#ifndef DXGT_BUILD_DIR
#define DXGT_BUILD_DIR ""
#endif
#ifndef DXGT_INSTALL_LIBDIR
#define DXGT_INSTALL_LIBDIR "lib"
#endif

#define PRELOAD_NAME "libdxgtrace.so"
#define MOCK_NAME "libdxgmock.so"

/* An instrumented recorder needs its sanitizer's runtime loaded first. */
#if defined(__SANITIZE_ADDRESS__)
#define SAN_RUNTIME "libasan.so", "libclang_rt.asan"
#elif defined(__SANITIZE_THREAD__)
#define SAN_RUNTIME "libtsan.so", "libclang_rt.tsan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAN_RUNTIME "libasan.so", "libclang_rt.asan"
#elif __has_feature(thread_sanitizer)
#define SAN_RUNTIME "libtsan.so", "libclang_rt.tsan"
#endif
#endif

static const char usage[] =
    "usage: dxgtrace record [OPTIONS] [--] CMD [ARGS...]\n\n"
    "Run CMD with the recorder (libdxgtrace.so) preloaded, and record every call\n"
    "it makes to the WSL2 GPU/NPU interface: the D3DKMT functions of\n"
    "libdxcore.so, the DXCore adapter factory and the ioctls on /dev/dxg. Each\n"
    "recorded process writes its own trace, created at its first call to the\n"
    "interface; by default <exe>.<pid>.dxgt in the working directory. The traces\n"
    "written are listed on stderr when CMD ends.\n\n"
    "  -o, --output FILE       where traces go: %p pid, %e executable name, %t unix\n"
    "                          time, %% a percent sign; ending in / : a directory\n"
    "      --mock PROFILE      run against the mock host (libdxgmock.so) with this\n"
    "                          profile: a shipped name (wsl2-intel-npu) or a .json\n"
    "      --backtrace MODE[:DEPTH]\n"
    "                          call stacks: off, escapes (default) or all, DEPTH\n"
    "                          frames from 1 to 256 (default 16)\n"
    "      --follow-forks      record forked children too, each in its own trace\n"
    "      --follow-exec       record programs that descendants exec, too\n"
    "  -f, --follow            both\n"
    "      --layers LIST       d3dkmt, dxcore, ioctl, comma-separated, or all (default)\n"
    "      --max-payload SIZE  bytes kept of each nested buffer (default 4M; 0: the\n"
    "                          format's limit, 64M)\n"
    "      --buffer SIZE       memory for records not yet written (default 64M)\n"
    "      --drop              when that memory is full, drop records (the trace\n"
    "                          counts them) instead of making CMD wait\n"
    "      --device PATH       the path to treat as /dev/dxg\n"
    "      --debug             the recorder's debug log, on stderr\n"
    "      --always            write a trace even for a process that makes no call\n"
    "  -h, --help              this help;  -V, --version\n\n"
    "SIZE is a number of bytes with an optional K, M or G (powers of 1024).\n\n"
    "The options set these variables for CMD. Recording without this command is\n"
    "LD_PRELOAD=/path/to/libdxgtrace.so CMD with the variables set by hand\n"
    "(docs/recording.md):\n"
    "  variable              option           default\n"
    "  DXGTRACE_OUTPUT       -o               %e.%p.dxgt (working directory)\n"
    "  DXGTRACE_BACKTRACE    --backtrace      escapes:16\n"
    "  DXGTRACE_FOLLOW       -f, --follow-*   none (or forks, exec, all)\n"
    "  DXGTRACE_LAYERS       --layers         all\n"
    "  DXGTRACE_MAX_PAYLOAD  --max-payload    4M\n"
    "  DXGTRACE_BUFFER       --buffer         64M (1M at least)\n"
    "  DXGTRACE_ON_FULL      --drop           wait (or drop)\n"
    "  DXGTRACE_DEVICE       --device         /dev/dxg\n"
    "  DXGTRACE_DEBUG        --debug          0 (1: debug log on stderr)\n"
    "  DXGTRACE_LOG                           the debug log to this file instead\n"
    "  DXGTRACE_ALWAYS       --always         0\n"
    "  DXGTRACE_LEVEL                         1 (zstd level, 1-19; -1 to -50: fast)\n"
    "  DXGTRACE_DISABLE                       0 (1: record nothing; record clears it)\n"
    "  DXGTRACE_REPORT                        set by record: where the recorder\n"
    "                                         lists the traces it writes\n"
    "  DXGTRACE_ROOT_PID                      set by the recorder: the first\n"
    "                                         recorded process\n"
    "  DXGTRACE_LIB, DXGMOCK_LIB              the libraries record preloads\n"
    "                                         (default: found next to dxgtrace)\n\n"
    "Exit status: CMD's; 128+N when CMD was killed by signal N; 127 when CMD\n"
    "could not be run; 2 for a usage error.\n";

/* ---- checking option values (the recorder's grammar, docs/recording.md) ---- */

/* Digits with an optional K, M or G, optionally followed by B or iB. */
static bool valid_size(const char *s)
{
	const char *p = s;
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (p == s)
		return false;
	if (!*p)
		return true;
	unsigned shift = strchr("kK", *p) ? 10 : strchr("mM", *p) ? 20 : strchr("gG", *p) ? 30 : 0;
	if (!shift || v > (UINT64_MAX >> shift))
		return false;
	p++;
	return !*p || strcasecmp(p, "B") == 0 || strcasecmp(p, "iB") == 0;
}

static bool valid_backtrace(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	if (!((n == 3 && strncasecmp(s, "off", 3) == 0) ||
	      (n == 7 && strncasecmp(s, "escapes", 7) == 0) ||
	      (n == 3 && strncasecmp(s, "all", 3) == 0)))
		return false;
	if (!colon)
		return true;
	const char *d = colon + 1;
	unsigned v = 0;
	if (!*d || strlen(d) > 3)
		return false;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
		v = v * 10 + (unsigned)(*d - '0');
	}
	return v >= 1 && v <= 256;
}

static bool valid_layers(const char *s)
{
	static const char *const names[] = {"d3dkmt", "dxcore", "ioctl", "all"};
	bool any = false;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n) {
			bool known = false;
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				known |= strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0;
			if (!known)
				return false;
			any = true;
		}
		s += n + (s[n] == ',');
	}
	return any;
}

static bool valid_pattern(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '%' && !strchr("pet%", *++p))
			return false;
	return *s != '\0';
}

/* The directory part of an output pattern exists (checked when it has no
 * tokens: one with %p in it is made per process, by nobody). Prints why
 * not. */
static bool output_dir_ok(const char *pattern)
{
	const char *slash = strrchr(pattern, '/');
	if (!slash || slash == pattern || memchr(pattern, '%', (size_t)(slash - pattern)))
		return true;
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pattern), pattern);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return true; /* the recorder will say */
	struct stat sb;
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return true;
	cli_err("record: -o: %s/ is not a directory; create it first", dir);
	return false;
}

/* ---- finding the libraries ---- */

static int exe_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

/* The library file: $envvar when set, else the build tree's copy for a
 * dxgtrace run from the build tree and the installed one (BINDIR/../lib/
 * dxgtrace) otherwise, each trying the other next. out gets a canonical
 * path. Prints why not and returns -1 when there is none. */
static int find_lib(const char *envvar, const char *file, const char *build_path, char *out)
{
	const char *e = getenv(envvar);
	if (e && *e) {
		if (!realpath(e, out)) {
			cli_err("record: %s=%s: %s", envvar, e, strerror(errno));
			return -1;
		}
		return 0;
	}
	char dir[PATH_MAX], inst[2][PATH_MAX + 64];
	const char *cand[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0;
	bool in_build = false;
	if (exe_dir(dir, sizeof(dir)) == 0) {
		size_t bl = strlen(DXGT_BUILD_DIR);
		in_build = bl && strncmp(dir, DXGT_BUILD_DIR, bl) == 0 &&
			   (dir[bl] == '/' || dir[bl] == '\0');
		snprintf(inst[0], sizeof(inst[0]), "%s/../lib/dxgtrace/%s", dir, file);
		snprintf(inst[1], sizeof(inst[1]), "%s/../%s/dxgtrace/%s", dir, DXGT_INSTALL_LIBDIR,
			 file);
	} else {
		inst[0][0] = inst[1][0] = '\0';
	}
	if (in_build && *build_path)
		cand[n++] = build_path;
	cand[n++] = inst[0];
	if (strcmp(inst[0], inst[1]) != 0)
		cand[n++] = inst[1];
	if (!in_build && *build_path)
		cand[n++] = build_path;
	for (size_t i = 0; i < n; i++)
		if (*cand[i] && access(cand[i], R_OK) == 0 && realpath(cand[i], out))
			return 0;
	cli_err("record: cannot find %s (looked in %s%s%s); set %s to its path", file,
		*inst[0] ? inst[0] : "?", *build_path ? " and " : "", build_path, envvar);
	return -1;
}

#ifdef SAN_RUNTIME
static int find_runtime_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	static const char *const names[] = {SAN_RUNTIME};
	const char *name = info->dlpi_name;
	const char *base = name ? strrchr(name, '/') : NULL;
	base = base ? base + 1 : name;
	if (!base || !*base)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strstr(base, names[i])) {
			*(const char **)data = name;
			return 1;
		}
	}
	return 0;
}
#endif

/* The sanitizer runtime this dxgtrace runs with, when it is built with one
 * as a shared library: the preloaded libraries of the same build need it
 * loaded first. NULL otherwise. */
static const char *sanitizer_runtime(void)
{
	const char *path = NULL;
#ifdef SAN_RUNTIME
	dl_iterate_phdr(find_runtime_cb, &path);
	if (!path)
		cli_warn("record: this dxgtrace is built with a sanitizer whose runtime is not "
			 "a shared library; the sanitized recorder may not load into CMD");
#endif
	return path;
}

/* ---- the environment of CMD ---- */

static bool is_named(const char *entry, size_t n, const char *name)
{
	const char *base = entry;
	for (size_t i = 0; i < n; i++)
		if (entry[i] == '/')
			base = entry + i + 1;
	size_t bl = n - (size_t)(base - entry);
	return bl == strlen(name) && strncmp(base, name, bl) == 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* LD_PRELOAD = the runtime, the recorder, the mock, then what was there
 * without other copies of these libraries (by file name; an installed
 * recorder as well as the one chosen). */
static int set_preload(const char *runtime, const char *rec, const char *mock)
{
	const char *old = getenv("LD_PRELOAD");
	size_t cap = strlen(rec) + (runtime ? strlen(runtime) : 0) + (mock ? strlen(mock) : 0) +
		     (old ? strlen(old) : 0) + 8;
	char *v = malloc(cap);
	if (!v)
		return -1;
	const char *mine[] = {runtime, rec, mock};
	const char *names[] = {PRELOAD_NAME, mock ? MOCK_NAME : NULL, NULL, NULL, NULL};
	size_t o = 0, nn = 2;
	for (size_t i = 0; i < 3; i++) {
		if (!mine[i])
			continue;
		o += (size_t)snprintf(v + o, cap - o, "%s%s", o ? ":" : "", mine[i]);
		names[nn++] = base_name(mine[i]);
	}
	for (const char *s = old; s && *s;) {
		size_t n = strcspn(s, ": ");
		bool skip = !n;
		for (size_t i = 0; i < nn && !skip; i++)
			skip = names[i] && is_named(s, n, names[i]);
		if (!skip)
			o += (size_t)snprintf(v + o, cap - o, ":%.*s", (int)n, s);
		s += n + (s[n] != '\0');
	}
	int rc = setenv("LD_PRELOAD", v, 1);
	free(v);
	return rc;
}

/* ---- the report ---- */

struct trace_entry {
	long pid;
	char *path;
	bool closed;
	uint64_t calls, bytes, dropped;
};

/* A process whose recorder stopped, and why. */
struct failure {
	long pid;
	char *why;
};

struct report {
	struct trace_entry *v;
	size_t n;
	struct failure *f;
	size_t nf;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static struct trace_entry *report_find(struct report *r, long pid, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].pid == pid && strcmp(r->v[i].path, path) == 0)
			return &r->v[i];
	struct trace_entry *nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	r->v = nv;
	struct trace_entry *e = &r->v[r->n];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	r->n++;
	return e;
}

/*
 * The report file: one line per event, fields separated by tabs, each line
 * appended with a single write(2) to the file opened with O_APPEND:
 *
 *   created<TAB>PID<TAB>PATH
 *   closed<TAB>PID<TAB>PATH<TAB>CALLS<TAB>BYTES<TAB>DROPPED
 *   failed<TAB>PID<TAB>WHY
 *
 * "created" when a process creates its trace file; "closed" when it has
 * finished it (trailer written), with the calls recorded, the file's size
 * in bytes and the records dropped under DXGTRACE_ON_FULL=drop; "failed"
 * when recording stopped in that process (dxgt__rec_fail), with the text
 * it said on stderr, whether or not a file was created. PATH is absolute;
 * it is found between the fixed leading and trailing fields, so it may
 * hold tabs (a newline in it or in WHY is written as '?'). Lines of other
 * kinds are ignored, so the recorder may add some.
 */
static void report_read(FILE *f, struct report *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* a line still being written when CMD ended */
		line[--len] = '\0';
		char *f1 = strchr(line, '\t');
		if (!f1)
			continue;
		*f1++ = '\0';
		char *path = strchr(f1, '\t');
		if (!path)
			continue;
		*path++ = '\0';
		if (!all_digits(f1))
			continue;
		long pid = strtol(f1, NULL, 10);
		if (strcmp(line, "created") == 0) {
			report_find(r, pid, path);
			continue;
		}
		if (strcmp(line, "failed") == 0) {
			struct failure *nf = realloc(r->f, (r->nf + 1) * sizeof(*nf));
			if (!nf)
				continue;
			r->f = nf;
			r->f[r->nf].pid = pid;
			if ((r->f[r->nf].why = strdup(path)))
				r->nf++;
			continue;
		}
		if (strcmp(line, "closed") != 0)
			continue;
		char *num[3];
		for (int i = 2; i >= 0; i--) {
			char *t = strrchr(path, '\t');
			if (!t)
				goto next;
			*t = '\0';
			num[i] = t + 1;
			if (!all_digits(num[i]))
				goto next;
		}
		struct trace_entry *e = report_find(r, pid, path);
		if (e) {
			e->closed = true;
			e->calls = strtoull(num[0], NULL, 10);
			e->bytes = strtoull(num[1], NULL, 10);
			e->dropped = strtoull(num[2], NULL, 10);
		}
	next:;
	}
	free(line);
}

static void human_size(uint64_t b, char *out, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	if (b < 1024) {
		snprintf(out, len, "%" PRIu64 " B", b);
		return;
	}
	double v = (double)b / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, len, "%.1f %s", v, units[u]);
}

/* path as the user would type it from here: ./name under the working
 * directory, else as it is. */
static const char *shown_path(const char *path, char *buf, size_t len)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return path;
	size_t n = strlen(cwd);
	if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/' && path[n + 1]) {
		snprintf(buf, len, ".%s", path + n);
		return buf;
	}
	return path;
}

static const char *failure_of(const struct report *r, long pid)
{
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].pid == pid)
			return r->f[i].why;
	return NULL;
}

static bool has_trace(const struct report *r, long pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].pid == pid)
			return true;
	return false;
}

static void report_print(const struct report *r, const char *cmd, bool follow_exec)
{
	for (size_t i = 0; i < r->nf; i++)
		if (!has_trace(r, r->f[i].pid))
			cli_err("no trace from pid %ld: recording stopped: %s", r->f[i].pid,
				r->f[i].why);
	if (!r->n && !r->nf) {
		cli_err("no trace: %s made no call to the dxg interface (--always writes one "
			"anyway%s)",
			cmd, follow_exec ? "" : "; --follow-exec records the programs it runs");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct trace_entry *e = &r->v[i];
		char buf[PATH_MAX + 8], size[32], drop[64] = "";
		const char *p = shown_path(e->path, buf, sizeof(buf));
		const char *why = failure_of(r, e->pid);
		if (e->closed) {
			human_size(e->bytes, size, sizeof(size));
			if (e->dropped)
				snprintf(drop, sizeof(drop), "; %" PRIu64 " record%s dropped",
					 e->dropped, e->dropped == 1 ? "" : "s");
			cli_err("trace written to %s (%" PRIu64 " call%s, %s%s%s%s)", p, e->calls,
				e->calls == 1 ? "" : "s", size, drop,
				why ? "; recording stopped early: " : "", why ? why : "");
			continue;
		}
		struct stat sb;
		human_size(stat(e->path, &sb) == 0 ? (uint64_t)sb.st_size : 0, size, sizeof(size));
		if (e->pid > 0 && kill((pid_t)e->pid, 0) == 0)
			cli_err("trace still being written to %s by pid %ld, which outlived the "
				"command (%s so far)",
				p, e->pid, size);
		else
			cli_err("trace cut short: %s (pid %ld ended without finishing it; %s; "
				"every complete chunk is readable)",
				p, e->pid, size);
	}
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	for (size_t i = 0; i < r->nf; i++)
		free(r->f[i].why);
	free(r->f);
}

/* ---- running CMD ---- */

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
static volatile sig_atomic_t child_pid;

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* The terminal signals the whole foreground group, CMD included. */
	if (si && si->si_code == SI_KERNEL)
		return;
	pid_t p = child_pid;
	if (p > 0) {
		int saved = errno;
		kill(p, sig);
		errno = saved;
	}
}

/* Runs argv; returns the exit status for dxgtrace record. *ran tells
 * whether CMD was started (its recorder may have written a report). */
static int run(char **argv, bool *ran)
{
	*ran = false;
	struct sigaction sa, old[N_FORWARDED];
	sigset_t set, oldmask;
	sigemptyset(&set);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		cli_err("record: pipe: %s", strerror(errno));
		return CLI_ERROR;
	}
	fflush(NULL);
	/* Blocked until child_pid is known, so no signal is lost in between. */
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	for (size_t i = 0; i < N_FORWARDED; i++) {
		sigaction(forwarded[i], NULL, &old[i]);
		/* A signal ignored when we started (a background job's SIGINT)
		 * stays ignored, for CMD too. */
		if (old[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &sa, NULL);
	}
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < N_FORWARDED; i++)
			sigaction(forwarded[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		close(pfd[0]);
		execvp(argv[0], argv);
		int e = errno;
		ssize_t w = write(pfd[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	int fork_errno = errno;
	child_pid = pid > 0 ? pid : 0;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	close(pfd[1]);
	int status = CLI_ERROR;
	if (pid < 0) {
		cli_err("record: fork: %s", strerror(fork_errno));
		close(pfd[0]);
		goto out;
	}
	*ran = true;
	int exec_errno = 0;
	ssize_t r;
	while ((r = read(pfd[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	int ws;
	pid_t w;
	while ((w = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (r == (ssize_t)sizeof(exec_errno)) {
		if (exec_errno == ENOENT)
			cli_err("%s: not found", argv[0]);
		else
			cli_err("%s: cannot run: %s", argv[0], strerror(exec_errno));
		status = 127;
		*ran = false;
	} else if (w < 0) {
		cli_err("record: waitpid: %s", strerror(errno));
	} else if (WIFEXITED(ws)) {
		status = WEXITSTATUS(ws);
	} else if (WIFSIGNALED(ws)) {
		status = 128 + WTERMSIG(ws);
		cli_err("%s: killed by signal %d (%s)%s", argv[0], WTERMSIG(ws),
			strsignal(WTERMSIG(ws)), WCOREDUMP(ws) ? ", core dumped" : "");
	}
out:
	child_pid = 0;
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &old[i], NULL);
	return status;
}

struct rec_opts {
	const char *output, *mock, *backtrace, *layers, *max_payload, *buffer, *device;
	bool forks, exec, drop, debug, always;
};

/* The DXGTRACE_* variables for the options; the mock profile checked. */
static int set_env(const struct rec_opts *o)
{
	struct {
		const char *name, *value;
	} vars[] = {
	    {"DXGTRACE_OUTPUT", o->output},
	    {"DXGTRACE_BACKTRACE", o->backtrace},
	    {"DXGTRACE_LAYERS", o->layers},
	    {"DXGTRACE_MAX_PAYLOAD", o->max_payload},
	    {"DXGTRACE_BUFFER", o->buffer},
	    {"DXGTRACE_DEVICE", o->device},
	    {"DXGTRACE_FOLLOW", o->forks && o->exec ? "all"
				: o->forks	    ? "forks"
				: o->exec	    ? "exec"
						    : NULL},
	    {"DXGTRACE_ON_FULL", o->drop ? "drop" : NULL},
	    {"DXGTRACE_DEBUG", o->debug ? "1" : NULL},
	    {"DXGTRACE_ALWAYS", o->always ? "1" : NULL},
	};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (vars[i].value && setenv(vars[i].name, vars[i].value, 1) < 0) {
			cli_err("record: cannot set %s: %s", vars[i].name, strerror(errno));
			return -1;
		}
	}
	/* CMD is the root of this recording, and is recorded. */
	unsetenv("DXGTRACE_ROOT_PID");
	unsetenv("DXGTRACE_DISABLE");
	if (o->mock) {
		char err[512] = "";
		struct dxgt_profile *p = NULL;
		if (dxgt_profile_load(&p, o->mock, err, sizeof(err)) < 0 || !p) {
			cli_err("record: --mock: %s", err[0] ? err : "cannot load the profile");
			return -1;
		}
		dxgt_profile_free(p);
		/* A file is passed by absolute path: CMD may change directory. */
		size_t n = strlen(o->mock);
		char abs[PATH_MAX];
		const char *v = o->mock;
		if ((strchr(v, '/') || (n > 5 && strcmp(v + n - 5, ".json") == 0)) &&
		    realpath(v, abs))
			v = abs;
		if (setenv("DXGMOCK_PROFILE", v, 1) < 0) {
			cli_err("record: cannot set DXGMOCK_PROFILE: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Check one option value; prints the usage error. */
static bool check(bool ok, const char *opt, const char *val, const char *expected)
{
	if (!ok)
		cli_err("record: %s: '%s' is not %s; see 'dxgtrace record --help'", opt, val,
			expected);
	return ok;
}

int cmd_record(int argc, char **argv)
{
	enum {
		O_MOCK = 256,
		O_BT,
		O_FFORKS,
		O_FEXEC,
		O_LAYERS,
		O_MAXP,
		O_BUF,
		O_DROP,
		O_DEV,
		O_DEBUG,
		O_ALWAYS
	};
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"mock", required_argument, NULL, O_MOCK},
	    {"backtrace", required_argument, NULL, O_BT},
	    {"follow-forks", no_argument, NULL, O_FFORKS},
	    {"follow-exec", no_argument, NULL, O_FEXEC},
	    {"follow", no_argument, NULL, 'f'},
	    {"layers", required_argument, NULL, O_LAYERS},
	    {"max-payload", required_argument, NULL, O_MAXP},
	    {"buffer", required_argument, NULL, O_BUF},
	    {"drop", no_argument, NULL, O_DROP},
	    {"device", required_argument, NULL, O_DEV},
	    {"debug", no_argument, NULL, O_DEBUG},
	    {"always", no_argument, NULL, O_ALWAYS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct rec_opts o = {0};
	int c;
	bool ok = true;
	optind = 1;
	opterr = 0;
	/* '+': the first operand is CMD; its options are its own. */
	while (ok && (c = getopt_long(argc, argv, "+:o:fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.output = optarg;
			ok = check(valid_pattern(optarg), "-o", optarg,
				   "a file name (tokens %p, %e, %t, %%)") &&
			     output_dir_ok(optarg);
			break;
		case O_MOCK:
			o.mock = optarg;
			break;
		case O_BT:
			o.backtrace = optarg;
			ok = check(valid_backtrace(optarg), "--backtrace", optarg,
				   "off, escapes or all, optionally :DEPTH (1-256)");
			break;
		case O_FFORKS:
			o.forks = true;
			break;
		case O_FEXEC:
			o.exec = true;
			break;
		case 'f':
			o.forks = o.exec = true;
			break;
		case O_LAYERS:
			o.layers = optarg;
			ok = check(valid_layers(optarg), "--layers", optarg,
				   "a list of d3dkmt, dxcore, ioctl, or all");
			break;
		case O_MAXP:
			o.max_payload = optarg;
			ok = check(valid_size(optarg), "--max-payload", optarg,
				   "a size such as 4096, 64K or 4M");
			break;
		case O_BUF:
			o.buffer = optarg;
			ok = check(valid_size(optarg), "--buffer", optarg,
				   "a size such as 256M or 1G");
			break;
		case O_DROP:
			o.drop = true;
			break;
		case O_DEV:
			o.device = optarg;
			ok = check(*optarg != '\0', "--device", optarg, "a path");
			break;
		case O_DEBUG:
			o.debug = true;
			break;
		case O_ALWAYS:
			o.always = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("record", argv, c);
			return CLI_ERROR;
		}
	}
	if (!ok)
		return CLI_ERROR;
	if (optind >= argc) {
		cli_err("record: no command given; see 'dxgtrace record --help'");
		return CLI_ERROR;
	}
	char **cmd = argv + optind;

	char rec[PATH_MAX], mock[PATH_MAX];
	if (find_lib("DXGTRACE_LIB", PRELOAD_NAME, DXGT_PRELOAD_BUILD, rec) < 0)
		return CLI_ERROR;
	if (o.mock && find_lib("DXGMOCK_LIB", MOCK_NAME, DXGT_MOCK_BUILD, mock) < 0)
		return CLI_ERROR;
	const char *runtime = sanitizer_runtime();
	const char *const lib[] = {rec, o.mock ? mock : "", runtime ? runtime : ""};
	for (size_t i = 0; i < sizeof(lib) / sizeof(lib[0]); i++) {
		if (strpbrk(lib[i], ": ")) {
			cli_err("record: %s: LD_PRELOAD cannot hold a path with ':' or a space",
				lib[i]);
			return CLI_ERROR;
		}
	}

	const char *tmp = getenv("TMPDIR");
	char report_path[PATH_MAX];
	snprintf(report_path, sizeof(report_path), "%s/dxgtrace-record.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	int rfd = mkostemp(report_path, O_CLOEXEC);
	if (rfd < 0) {
		cli_err("record: cannot create a report file in %s: %s", tmp && *tmp ? tmp : "/tmp",
			strerror(errno));
		return CLI_ERROR;
	}
	int status = CLI_ERROR;
	bool ran = false;
	FILE *f = NULL;
	if (set_env(&o) < 0)
		goto out;
	if (setenv("DXGTRACE_REPORT", report_path, 1) < 0 ||
	    set_preload(runtime, rec, o.mock ? mock : NULL) < 0) {
		cli_err("record: cannot set the environment: %s", strerror(errno));
		goto out;
	}
	status = run(cmd, &ran);
	f = ran ? fdopen(rfd, "r") : NULL;
	if (f) {
		rfd = -1; /* the stream owns it */
		struct report rep = {0};
		report_read(f, &rep);
		report_print(&rep, cmd[0], o.exec);
		report_free(&rep);
		fclose(f);
	}
out:
	if (rfd >= 0)
		close(rfd);
	unlink(report_path);
	return status;
}
