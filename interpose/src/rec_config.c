// SPDX-License-Identifier: MIT
/*
 * rec_config: the recorder's configuration, read once from the DXGTRACE_*
 * environment variables by the library constructor, and the two message
 * channels (the debug log and the one-line notices on stderr).
 *
 * Every variable is optional; an empty value counts as unset. A value that
 * does not parse leaves that setting at its default and puts a one-line
 * explanation in dxgt__cfg.bad (the first such value only; later ones go
 * to the debug log), which the core prints once when it starts.
 *
 * It runs before the recorder is initialised, inside the constructor, so it
 * never allocates (getenv, fixed buffers, stack formatting) with one
 * exception: DXGTRACE_ROOT_PID is published with setenv(3), which may. It
 * opens the DXGTRACE_LOG file with a raw syscall because the library
 * interposes open. dxgt__log and dxgt__say format into a stack buffer and
 * write(2) the line, so they may be called from any hook or signal
 * handler; both preserve errno.
 *
 * The root process: the first process the recorder is loaded into records
 * its pid in DXGTRACE_ROOT_PID, which its descendants inherit. A process
 * that finds a different pid there was started by exec in a descendant and
 * records only when DXGTRACE_FOLLOW has exec. (A forked child runs no
 * constructor; the core handles forks.)
 *
 * Must never: print anything itself while loading (the core prints
 * cfg.bad), read anything but the environment, the working directory and
 * /proc/self/exe, or change the process's environment beyond setting
 * DXGTRACE_ROOT_PID.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rec_internal.h"

#define DEFAULT_OUTPUT "%e.%p.dxgt"
#define DEFAULT_DEVICE "/dev/dxg"
#define DEFAULT_BT REC_BT_ESCAPES
#define DEFAULT_BT_DEPTH 16u
#define MAX_BT_DEPTH 256u
#define DEFAULT_MAX_PAYLOAD (4u << 20)
#define FORMAT_MAX_PAYLOAD DXGT_MAX_RECORD /* the format's limit on one record */
#define DEFAULT_BUFFER (64ull << 20)
#define MIN_BUFFER (1ull << 20)
#define DEFAULT_LEVEL 1
#define MAX_LEVEL 19
#define MIN_FAST_LEVEL 50 /* zstd's fast levels: -1 to -50 */
#define ALL_LAYERS                                                                                 \
	((1u << DXGT_LAYER_D3DKMT) | (1u << DXGT_LAYER_DXCORE) | (1u << DXGT_LAYER_IOCTL))

struct rec_config dxgt__cfg = {
    .output = DEFAULT_OUTPUT,
    .bt = DEFAULT_BT,
    .bt_depth = DEFAULT_BT_DEPTH,
    .max_payload = DEFAULT_MAX_PAYLOAD,
    .layers = ALL_LAYERS,
    .device = DEFAULT_DEVICE,
    .log_fd = -1,
    .buffer_cap = DEFAULT_BUFFER,
    .level = DEFAULT_LEVEL,
};

static int loaded;	   /* dxgt__config_load has run (atomic) */
static bool log_is_file;   /* log_fd is the DXGTRACE_LOG file, ours to close */
static char exe_name[256]; /* %e: basename of the executable, found at load */

/* ---- messages ---- */

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* "dxgtrace[<pid>]: <text>\n" into line; returns its length. A text cut
 * short by the buffer ends in "..."; a text that ends in a newline gets no
 * second one. */
__attribute__((format(printf, 3, 0))) static size_t format_line(char *line, size_t size,
								const char *fmt, va_list ap)
{
	int n = snprintf(line, size, "dxgtrace[%ld]: ", (long)getpid());
	if (n < 0)
		n = 0;
	size_t len = (size_t)n;
	size_t room = size - len - 1; /* one byte kept for the newline */
	int k = vsnprintf(line + len, room, fmt, ap);
	if (k < 0)
		k = 0;
	if ((size_t)k >= room) {
		len += room - 1;
		memcpy(line + len - 3, "...", 3);
	} else {
		len += (size_t)k;
	}
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	return len;
}

void dxgt__log(const char *fmt, ...)
{
	int fd = __atomic_load_n(&dxgt__cfg.log_fd, __ATOMIC_RELAXED);
	if (fd < 0)
		return;
	int saved = errno;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_line(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_all(fd, line, len);
	errno = saved;
}

void dxgt__say(const char *fmt, ...)
{
	int saved = errno;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_line(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_all(STDERR_FILENO, line, len);
	/* A log file should tell the whole story, notices included. */
	int fd = __atomic_load_n(&dxgt__cfg.log_fd, __ATOMIC_RELAXED);
	if (fd >= 0 && fd != STDERR_FILENO)
		write_all(fd, line, len);
	errno = saved;
}

/* ---- parsers: each returns 0, or -1 leaving its outputs untouched ---- */

/* The first bad value wins cfg.bad; the rest reach the debug log. */
__attribute__((format(printf, 1, 2))) static void bad(const char *fmt, ...)
{
	char msg[sizeof(dxgt__cfg.bad)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!dxgt__cfg.bad[0])
		memcpy(dxgt__cfg.bad, msg, sizeof(msg));
	else
		dxgt__log("also: %s", msg);
}

/* The variable's value, or NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static int parse_uint(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	if (s == end)
		return -1;
	uint64_t v = 0;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Decimal bytes with an optional K, M or G (powers of 1024; any case,
 * optionally followed by "B" or "iB"). */
static int parse_size(const char *s, uint64_t *out)
{
	const char *end = s;
	while (*end >= '0' && *end <= '9')
		end++;
	unsigned shift = 0;
	const char *suf = end;
	switch (*suf) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift) {
		suf++;
		if (strcmp(suf, "") != 0 && strcasecmp(suf, "B") != 0 && strcasecmp(suf, "iB") != 0)
			return -1;
	}
	uint64_t v;
	if (parse_uint(s, end, UINT64_MAX >> shift, &v) < 0)
		return -1;
	*out = v << shift;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* MODE[:DEPTH], MODE one of off, escapes, all. */
static int parse_backtrace(const char *s, enum rec_bt *mode, unsigned *depth)
{
	static const struct {
		const char *name;
		enum rec_bt bt;
	} modes[] = {{"off", REC_BT_OFF}, {"escapes", REC_BT_ESCAPES}, {"all", REC_BT_ALL}};
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	uint64_t d = DEFAULT_BT_DEPTH;
	if (colon &&
	    (parse_uint(colon + 1, colon + 1 + strlen(colon + 1), MAX_BT_DEPTH, &d) < 0 || d < 1))
		return -1;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strlen(modes[i].name) == n && strncasecmp(s, modes[i].name, n) == 0) {
			*mode = modes[i].bt;
			*depth = (unsigned)d;
			return 0;
		}
	}
	return -1;
}

/* Calls fn for each non-empty comma-separated word of s; stops at the
 * first word it refuses. */
static int each_word(const char *s, int (*fn)(const char *w, size_t n, unsigned *acc),
		     unsigned *acc)
{
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n && fn(s, n, acc) < 0)
			return -1;
		s += n + (e ? 1 : 0);
	}
	return 0;
}

static bool word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

#define FOLLOW_FORKS 1u
#define FOLLOW_EXEC 2u

static int follow_word(const char *w, size_t n, unsigned *acc)
{
	if (word_is(w, n, "none"))
		return 0;
	if (word_is(w, n, "forks") || word_is(w, n, "fork"))
		return *acc |= FOLLOW_FORKS, 0;
	if (word_is(w, n, "exec"))
		return *acc |= FOLLOW_EXEC, 0;
	if (word_is(w, n, "all"))
		return *acc |= FOLLOW_FORKS | FOLLOW_EXEC, 0;
	return -1;
}

static int layer_word(const char *w, size_t n, unsigned *acc)
{
	static const struct {
		const char *name;
		enum dxgt_layer l;
	} names[] = {
	    {"d3dkmt", DXGT_LAYER_D3DKMT},
	    {"dxcore", DXGT_LAYER_DXCORE},
	    {"ioctl", DXGT_LAYER_IOCTL},
	};
	if (word_is(w, n, "all"))
		return *acc |= ALL_LAYERS, 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (word_is(w, n, names[i].name))
			return *acc |= 1u << names[i].l, 0;
	return -1;
}

/* An output pattern uses only the known tokens; *has_pid says whether %p
 * is one of them. */
static int check_pattern(const char *s, bool *has_pid)
{
	bool pid = false;
	for (const char *p = s; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == 'p')
			pid = true;
		else if (*p != 'e' && *p != 't' && *p != '%')
			return -1;
	}
	if (has_pid)
		*has_pid = pid;
	return 0;
}

/* Copy a string into a fixed field; -1 if it does not fit. */
static int set_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* path made absolute against the working directory into out; a path
 * ending in '/' names a directory and gets dir_tail appended. */
static int make_absolute(const char *path, const char *dir_tail, char *out, size_t size)
{
	char cwd[4096] = "";
	const char *sep = "";
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		size_t dlen = strlen(cwd);
		sep = dlen && cwd[dlen - 1] == '/' ? "" : "/";
	}
	size_t plen = strlen(path);
	const char *tail = plen && path[plen - 1] == '/' ? dir_tail : "";
	int n = snprintf(out, size, "%s%s%s%s", cwd, sep, path, tail);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void find_exe_name(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *name = NULL;
	if (n > 0) {
		path[n] = '\0';
		/* A binary replaced while running reads "path (deleted)". */
		static const char del[] = " (deleted)";
		size_t dl = sizeof(del) - 1;
		if ((size_t)n > dl && strcmp(path + n - dl, del) == 0)
			path[n - dl] = '\0';
		const char *slash = strrchr(path, '/');
		name = slash ? slash + 1 : path;
	}
	if (!name || !*name)
		name = program_invocation_short_name;
	if (!name || !*name)
		name = "unknown";
	size_t len = strlen(name) < sizeof(exe_name) ? strlen(name) : sizeof(exe_name) - 1;
	memcpy(exe_name, name, len);
	exe_name[len] = '\0';
}

/* ---- loading ---- */

static void load_output(void)
{
	const char *v = env("DXGTRACE_OUTPUT");
	if (v && check_pattern(v, NULL) < 0) {
		bad("DXGTRACE_OUTPUT: '%.60s' has an unknown %%-token (known: %%p %%e %%t %%%%); "
		    "using %%e.%%p.dxgt",
		    v);
		v = NULL;
	}
	if (v && make_absolute(v, DEFAULT_OUTPUT, dxgt__cfg.output, sizeof(dxgt__cfg.output)) < 0) {
		bad("DXGTRACE_OUTPUT: '%.60s' is too long once made absolute, or the working "
		    "directory is unknown; using %%e.%%p.dxgt",
		    v);
		v = NULL;
	}
	if (!v && make_absolute(DEFAULT_OUTPUT, "", dxgt__cfg.output, sizeof(dxgt__cfg.output)) < 0)
		set_str(dxgt__cfg.output, sizeof(dxgt__cfg.output), DEFAULT_OUTPUT);
}

static void load_log(void)
{
	const char *v = env("DXGTRACE_DEBUG");
	bool on = false;
	if (v && parse_bool(v, &on) < 0)
		bad("DXGTRACE_DEBUG: '%.60s' is not 1 or 0; the debug log stays off", v);
	if (on)
		dxgt__cfg.log_fd = STDERR_FILENO;
	const char *path = env("DXGTRACE_LOG");
	if (!path)
		return;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0600);
	if (fd < 0) {
		bad("DXGTRACE_LOG: cannot open %.120s: %s", path, strerror(errno));
		return;
	}
	/* Keep clear of 0-2: a program that closed its standard streams will
	 * open them again and expect those numbers. */
	if (fd <= STDERR_FILENO) {
		int hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
		syscall(SYS_close, fd);
		if (hi < 0) {
			bad("DXGTRACE_LOG: cannot move the log descriptor: %s", strerror(errno));
			return;
		}
		fd = hi;
	}
	dxgt__cfg.log_fd = fd;
	log_is_file = true;
}

static void load_backtrace(void)
{
	const char *v = env("DXGTRACE_BACKTRACE");
	if (v && parse_backtrace(v, &dxgt__cfg.bt, &dxgt__cfg.bt_depth) < 0)
		bad("DXGTRACE_BACKTRACE: '%.60s' is not off, escapes or all, optionally with "
		    ":DEPTH (1-256); using escapes:16",
		    v);
}

static void load_sizes(void)
{
	const char *v = env("DXGTRACE_MAX_PAYLOAD");
	uint64_t n;
	if (v && parse_size(v, &n) < 0) {
		bad("DXGTRACE_MAX_PAYLOAD: '%.60s' is not a size such as 4096, 64K or 4M; "
		    "using 4M",
		    v);
	} else if (v) {
		/* 0 asks for no cap of ours; the format's still applies. */
		dxgt__cfg.max_payload =
		    (uint32_t)(n == 0 || n > FORMAT_MAX_PAYLOAD ? FORMAT_MAX_PAYLOAD : n);
	}
	v = env("DXGTRACE_BUFFER");
	if (v && parse_size(v, &n) < 0) {
		bad("DXGTRACE_BUFFER: '%.60s' is not a size such as 256M or 1G; using 64M", v);
	} else if (v) {
		if (n < MIN_BUFFER)
			dxgt__log("DXGTRACE_BUFFER=%s is below the minimum; using 1M", v);
		dxgt__cfg.buffer_cap = n < MIN_BUFFER ? MIN_BUFFER : n;
	}
}

static void load_lists(void)
{
	const char *v = env("DXGTRACE_FOLLOW");
	unsigned acc = 0;
	if (v && each_word(v, follow_word, &acc) < 0) {
		bad("DXGTRACE_FOLLOW: '%.60s' is not none, forks, exec or all; following nothing",
		    v);
	} else if (v) {
		dxgt__cfg.follow_forks = acc & FOLLOW_FORKS;
		dxgt__cfg.follow_exec = acc & FOLLOW_EXEC;
	}
	v = env("DXGTRACE_LAYERS");
	acc = 0;
	if (v && (each_word(v, layer_word, &acc) < 0 || !acc))
		bad("DXGTRACE_LAYERS: '%.60s' is not a list of d3dkmt, dxcore, ioctl or all; "
		    "recording all",
		    v);
	else if (v)
		dxgt__cfg.layers = acc;
}

static void load_misc(void)
{
	const char *v = env("DXGTRACE_DEVICE");
	if (v && set_str(dxgt__cfg.device, sizeof(dxgt__cfg.device), v) < 0)
		bad("DXGTRACE_DEVICE: the path is too long; using " DEFAULT_DEVICE);
	v = env("DXGTRACE_ON_FULL");
	if (v && strcasecmp(v, "drop") == 0)
		dxgt__cfg.drop = true;
	else if (v && strcasecmp(v, "wait") != 0)
		bad("DXGTRACE_ON_FULL: '%.60s' is not wait or drop; using wait", v);
	v = env("DXGTRACE_ALWAYS");
	if (v && parse_bool(v, &dxgt__cfg.always) < 0)
		bad("DXGTRACE_ALWAYS: '%.60s' is not 1 or 0; using 0", v);
	v = env("DXGTRACE_DISCARD");
	bool on = false;
	if (v && strcasecmp(v, "writer") == 0)
		dxgt__cfg.discard = REC_DISCARD_WRITER;
	else if (v && parse_bool(v, &on) < 0)
		bad("DXGTRACE_DISCARD: '%.60s' is not 1, 0 or writer; using 0", v);
	else if (on)
		dxgt__cfg.discard = REC_DISCARD_BUILT;
	v = env("DXGTRACE_LEVEL");
	uint64_t lvl;
	bool fast = v && v[0] == '-';
	const char *digits = fast ? v + 1 : v;
	if (v && (parse_uint(digits, digits + strlen(digits), fast ? MIN_FAST_LEVEL : MAX_LEVEL,
			     &lvl) < 0 ||
		  lvl < 1))
		bad("DXGTRACE_LEVEL: '%.60s' is not a zstd level from 1 to 19 or a fast level from "
		    "-1 to -50; using 1",
		    v);
	else if (v)
		dxgt__cfg.level = fast ? -(int)lvl : (int)lvl;
	v = env("DXGTRACE_REPORT");
	if (v && make_absolute(v, "", dxgt__cfg.report, sizeof(dxgt__cfg.report)) < 0) {
		dxgt__cfg.report[0] = '\0';
		bad("DXGTRACE_REPORT: the path is too long once made absolute; no report is "
		    "written");
	}
}

/* DXGTRACE_DISABLE, and whether this process is the root or an exec'd
 * descendant that is not followed. */
static void load_root(void)
{
	const char *v = env("DXGTRACE_DISABLE");
	bool off = false;
	if (v && parse_bool(v, &off) < 0)
		bad("DXGTRACE_DISABLE: '%.60s' is not 1 or 0; recording", v);
	if (off) {
		dxgt__cfg.disabled = true;
		return;
	}
	pid_t self = getpid();
	v = env("DXGTRACE_ROOT_PID");
	uint64_t root;
	if (v && parse_uint(v, v + strlen(v), INT32_MAX, &root) == 0 && root > 0) {
		if ((pid_t)root != self && !dxgt__cfg.follow_exec) {
			dxgt__cfg.disabled = true;
			dxgt__log("not recording: started by exec in a descendant of pid %s "
				  "(DXGTRACE_FOLLOW has no exec)",
				  v);
		}
		return;
	}
	char buf[24];
	snprintf(buf, sizeof(buf), "%ld", (long)self);
	setenv("DXGTRACE_ROOT_PID", buf, 1);
}

void dxgt__config_load(void)
{
	if (__atomic_exchange_n(&loaded, 1, __ATOMIC_ACQ_REL))
		return;
	int saved = errno;
	load_log(); /* first, so the others can log */
	find_exe_name();
	load_output();
	load_backtrace();
	load_sizes();
	load_lists();
	load_misc();
	load_root();
	static const char *const follow[] = {"none", "forks", "exec", "all"};
	dxgt__log("config: output %s, backtrace %s:%u, max payload %u, follow %s, layers 0x%x, "
		  "device %s, buffer %llu, on full %s, always %d, level %d%s",
		  dxgt__cfg.output,
		  dxgt__cfg.bt == REC_BT_OFF   ? "off"
		  : dxgt__cfg.bt == REC_BT_ALL ? "all"
					       : "escapes",
		  dxgt__cfg.bt_depth, (unsigned)dxgt__cfg.max_payload,
		  follow[(dxgt__cfg.follow_forks ? 1 : 0) | (dxgt__cfg.follow_exec ? 2 : 0)],
		  dxgt__cfg.layers, dxgt__cfg.device, (unsigned long long)dxgt__cfg.buffer_cap,
		  dxgt__cfg.drop ? "drop" : "wait", dxgt__cfg.always, dxgt__cfg.level,
		  dxgt__cfg.disabled ? ", disabled" : "");
	errno = saved;
}

/* ---- the output path ---- */

int dxgt__config_output_path(char *out, size_t len, bool child)
{
	if (!out || len == 0)
		return -1;
	size_t o = 0;
	bool has_pid = false;
	char num[24];
	for (const char *p = dxgt__cfg.output; *p; p++) {
		const char *piece = p;
		size_t n = 1;
		if (*p == '%' && p[1]) {
			p++;
			switch (*p) {
			case 'p':
				has_pid = true;
				snprintf(num, sizeof(num), "%ld", (long)getpid());
				piece = num;
				n = strlen(num);
				break;
			case 'e':
				piece = exe_name[0] ? exe_name : "unknown";
				n = strlen(piece);
				break;
			case 't': {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				snprintf(num, sizeof(num), "%lld", (long long)ts.tv_sec);
				piece = num;
				n = strlen(num);
				break;
			}
			default: /* %% (load refused any other token) */
				piece = p;
				break;
			}
		}
		if (o + n >= len)
			return -1;
		memcpy(out + o, piece, n);
		o += n;
	}
	if (child && !has_pid) {
		int k = snprintf(out + o, len - o, ".%ld", (long)getpid());
		if (k < 0 || (size_t)k >= len - o)
			return -1;
		o += (size_t)k;
	}
	out[o] = '\0';
	return 0;
}

/* ---- test-only ---- */
#ifdef DXGT_REC_CONFIG_TEST
/* Forget the loaded configuration (closing a DXGTRACE_LOG file), so that
 * the next dxgt__config_load reads the environment again. Unit tests only;
 * not part of the library. */
void dxgt__config_reset(void);
void dxgt__config_reset(void)
{
	if (log_is_file && dxgt__cfg.log_fd >= 0)
		close(dxgt__cfg.log_fd);
	log_is_file = false;
	memset(&dxgt__cfg, 0, sizeof(dxgt__cfg));
	set_str(dxgt__cfg.output, sizeof(dxgt__cfg.output), DEFAULT_OUTPUT);
	dxgt__cfg.bt = DEFAULT_BT;
	dxgt__cfg.bt_depth = DEFAULT_BT_DEPTH;
	dxgt__cfg.max_payload = DEFAULT_MAX_PAYLOAD;
	dxgt__cfg.layers = ALL_LAYERS;
	set_str(dxgt__cfg.device, sizeof(dxgt__cfg.device), DEFAULT_DEVICE);
	dxgt__cfg.log_fd = -1;
	dxgt__cfg.buffer_cap = DEFAULT_BUFFER;
	dxgt__cfg.level = DEFAULT_LEVEL;
	exe_name[0] = '\0';
	__atomic_store_n(&loaded, 0, __ATOMIC_RELEASE);
}
#endif
