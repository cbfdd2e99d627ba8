// SPDX-License-Identifier: MIT
/*
 * The recorder's configuration (interpose/src/rec_config.c, compiled into
 * this test because libdxgtrace.so hides it): the defaults, every
 * DXGTRACE_* variable, values that do not parse (a message in cfg.bad, the
 * default kept), the output pattern and its expansion with the child
 * suffix, the root-process rule, and the log line format. Each test starts
 * from a clean environment and a reset configuration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rec_internal.h"

/* rec_config.c's test-only hook (DXGT_REC_CONFIG_TEST). */
void dxgt__config_reset(void);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ALL_LAYERS                                                                                 \
	((1u << DXGT_LAYER_D3DKMT) | (1u << DXGT_LAYER_DXCORE) | (1u << DXGT_LAYER_IOCTL))

static const char *const vars[] = {
    "DXGTRACE_OUTPUT", "DXGTRACE_BACKTRACE", "DXGTRACE_MAX_PAYLOAD", "DXGTRACE_FOLLOW",
    "DXGTRACE_LAYERS", "DXGTRACE_DEVICE",    "DXGTRACE_DEBUG",	     "DXGTRACE_LOG",
    "DXGTRACE_BUFFER", "DXGTRACE_ON_FULL",   "DXGTRACE_ALWAYS",	     "DXGTRACE_LEVEL",
    "DXGTRACE_REPORT", "DXGTRACE_DISABLE",   "DXGTRACE_ROOT_PID",    "DXGTRACE_DISCARD",
};

static char tmpdir[512];

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(vars); i++)
		unsetenv(vars[i]);
	dxgt__config_reset();
	return 0;
}

/* Reset and read the environment as the constructor would. */
static void load(void)
{
	dxgt__config_reset();
	dxgt__config_load();
}

/* Load with one variable set; the others unset. */
static void load_with(const char *name, const char *value)
{
	setup(NULL);
	setenv(name, value, 1);
	load();
}

/* name=value is refused: cfg.bad names the variable. */
static void expect_bad(const char *name, const char *value)
{
	load_with(name, value);
	if (strncmp(dxgt__cfg.bad, name, strlen(name)) != 0)
		fail_msg("%s=%s: cfg.bad is '%s'", name, value, dxgt__cfg.bad);
}

static void expect_good(const char *name, const char *value)
{
	load_with(name, value);
	if (dxgt__cfg.bad[0])
		fail_msg("%s=%s: unexpected cfg.bad '%s'", name, value, dxgt__cfg.bad);
}

static void cwd_join(char *out, size_t len, const char *name)
{
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(out, len, "%s/%s", cwd, name);
}

static const char *exe_basename(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	assert_true(n > 0);
	path[n] = '\0';
	return strrchr(path, '/') + 1;
}

static void test_defaults(void **state)
{
	(void)state;
	load();
	char want[PATH_MAX + 32];
	cwd_join(want, sizeof(want), "%e.%p.dxgt");
	assert_string_equal(dxgt__cfg.output, want);
	assert_int_equal(dxgt__cfg.bt, REC_BT_ESCAPES);
	assert_int_equal(dxgt__cfg.bt_depth, 16);
	assert_int_equal(dxgt__cfg.max_payload, 4u << 20);
	assert_false(dxgt__cfg.follow_forks);
	assert_false(dxgt__cfg.follow_exec);
	assert_int_equal(dxgt__cfg.layers, ALL_LAYERS);
	assert_true(dxgt__layer_on(DXGT_LAYER_D3DKMT));
	assert_true(dxgt__layer_on(DXGT_LAYER_DXCORE));
	assert_true(dxgt__layer_on(DXGT_LAYER_IOCTL));
	assert_string_equal(dxgt__cfg.device, "/dev/dxg");
	assert_int_equal(dxgt__cfg.log_fd, -1);
	assert_int_equal(dxgt__cfg.buffer_cap, 64ull << 20);
	assert_false(dxgt__cfg.drop);
	assert_false(dxgt__cfg.always);
	assert_int_equal(dxgt__cfg.level, 1);
	assert_string_equal(dxgt__cfg.report, "");
	assert_false(dxgt__cfg.disabled);
	assert_string_equal(dxgt__cfg.bad, "");
}

/* Empty values count as unset: no complaint, the default. */
static void test_empty_is_unset(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(vars); i++)
		setenv(vars[i], "", 1);
	load();
	assert_string_equal(dxgt__cfg.bad, "");
	assert_int_equal(dxgt__cfg.layers, ALL_LAYERS);
	assert_string_equal(dxgt__cfg.device, "/dev/dxg");
	assert_int_equal(dxgt__cfg.max_payload, 4u << 20);
	assert_false(dxgt__cfg.disabled);
}

static void test_loads_once(void **state)
{
	(void)state;
	load();
	setenv("DXGTRACE_LEVEL", "7", 1);
	dxgt__config_load();
	assert_int_equal(dxgt__cfg.level, 1);
	load();
	assert_int_equal(dxgt__cfg.level, 7);
}

static void test_output_pattern(void **state)
{
	(void)state;
	load_with("DXGTRACE_OUTPUT", "/var/tmp/t.%p.dxgt");
	assert_string_equal(dxgt__cfg.output, "/var/tmp/t.%p.dxgt");
	assert_string_equal(dxgt__cfg.bad, "");

	char want[PATH_MAX + 32];
	load_with("DXGTRACE_OUTPUT", "sub/t.dxgt");
	cwd_join(want, sizeof(want), "sub/t.dxgt");
	assert_string_equal(dxgt__cfg.output, want);

	/* A trailing slash names a directory for the default file name. */
	load_with("DXGTRACE_OUTPUT", "/var/tmp/traces/");
	assert_string_equal(dxgt__cfg.output, "/var/tmp/traces/%e.%p.dxgt");

	/* Unknown tokens and a lone % are refused. */
	cwd_join(want, sizeof(want), "%e.%p.dxgt");
	expect_bad("DXGTRACE_OUTPUT", "/tmp/t.%x");
	assert_string_equal(dxgt__cfg.output, want);
	expect_bad("DXGTRACE_OUTPUT", "/tmp/t%");
	assert_string_equal(dxgt__cfg.output, want);

	/* Too long to hold once made absolute. */
	char longp[4200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	expect_bad("DXGTRACE_OUTPUT", longp);
	assert_string_equal(dxgt__cfg.output, want);
}

static void test_output_expansion(void **state)
{
	(void)state;
	load_with("DXGTRACE_OUTPUT", "/tmp/%e/%p-%t-%%p.dxgt");
	char out[4096];
	time_t before = time(NULL);
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), false), 0);
	time_t after = time(NULL);

	char prefix[PATH_MAX];
	snprintf(prefix, sizeof(prefix), "/tmp/%s/%ld-", exe_basename(), (long)getpid());
	assert_int_equal(strncmp(out, prefix, strlen(prefix)), 0);
	char *end = NULL;
	long long t = strtoll(out + strlen(prefix), &end, 10);
	assert_true(t >= (long long)before && t <= (long long)after);
	assert_string_equal(end, "-%p.dxgt");

	/* The pattern has %p: a child needs no suffix. */
	char child[4096];
	assert_int_equal(dxgt__config_output_path(child, sizeof(child), true), 0);
	assert_int_equal(strncmp(child, prefix, strlen(prefix)), 0);
	assert_non_null(strstr(child, "-%p.dxgt"));
	assert_null(strstr(child, "dxgt."));
}

static void test_child_suffix(void **state)
{
	(void)state;
	load_with("DXGTRACE_OUTPUT", "/tmp/trace.dxgt");
	char out[4096], want[64];
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), false), 0);
	assert_string_equal(out, "/tmp/trace.dxgt");
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), true), 0);
	snprintf(want, sizeof(want), "/tmp/trace.dxgt.%ld", (long)getpid());
	assert_string_equal(out, want);

	/* %%p is a literal "%p", not the token: the child still gets one. */
	load_with("DXGTRACE_OUTPUT", "/tmp/%%p");
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), true), 0);
	snprintf(want, sizeof(want), "/tmp/%%p.%ld", (long)getpid());
	assert_string_equal(out, want);
}

static void test_output_path_too_long(void **state)
{
	(void)state;
	load_with("DXGTRACE_OUTPUT", "/tmp/trace.dxgt");
	char out[16];
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), false), 0);
	assert_int_equal(dxgt__config_output_path(out, strlen("/tmp/trace.dxgt"), false), -1);
	/* Fits alone, not with the child's suffix. */
	assert_int_equal(dxgt__config_output_path(out, sizeof(out), true), -1);
	assert_int_equal(dxgt__config_output_path(out, 0, false), -1);
}

static void test_backtrace(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		enum rec_bt bt;
		unsigned depth;
	} good[] = {
	    {"off", REC_BT_OFF, 16},	     {"all", REC_BT_ALL, 16},
	    {"escapes", REC_BT_ESCAPES, 16}, {"all:64", REC_BT_ALL, 64},
	    {"ALL:256", REC_BT_ALL, 256},    {"escapes:1", REC_BT_ESCAPES, 1},
	    {"off:8", REC_BT_OFF, 8},
	};
	for (size_t i = 0; i < N(good); i++) {
		expect_good("DXGTRACE_BACKTRACE", good[i].v);
		assert_int_equal(dxgt__cfg.bt, good[i].bt);
		assert_int_equal(dxgt__cfg.bt_depth, good[i].depth);
	}
	static const char *const bad[] = {"sometimes", "all:0", "all:257", "all:",    "all:x",
					  "all:-1",    ":16",	"escape",  "all:16:1"};
	for (size_t i = 0; i < N(bad); i++) {
		expect_bad("DXGTRACE_BACKTRACE", bad[i]);
		assert_int_equal(dxgt__cfg.bt, REC_BT_ESCAPES);
		assert_int_equal(dxgt__cfg.bt_depth, 16);
	}
}

static void test_max_payload(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		uint32_t want;
	} good[] = {
	    {"100", 100},	{"1K", 1024},	    {"1k", 1024},     {"1KiB", 1024},
	    {"2KB", 2048},	{"4m", 4u << 20},   {"0", 64u << 20}, {"2G", 64u << 20},
	    {"64M", 64u << 20}, {"65M", 64u << 20}, {"1", 1},
	};
	for (size_t i = 0; i < N(good); i++) {
		expect_good("DXGTRACE_MAX_PAYLOAD", good[i].v);
		assert_int_equal(dxgt__cfg.max_payload, good[i].want);
	}
	static const char *const bad[] = {
	    "-1", "4X", "K", "1.5M", " 4M", "4 M", "4MM", "99999999999999999999", "20000000000G"};
	for (size_t i = 0; i < N(bad); i++) {
		expect_bad("DXGTRACE_MAX_PAYLOAD", bad[i]);
		assert_int_equal(dxgt__cfg.max_payload, 4u << 20);
	}
}

static void test_follow(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool forks, exec;
	} good[] = {
	    {"none", false, false}, {"forks", true, false},	{"exec", false, true},
	    {"all", true, true},    {"forks,exec", true, true}, {"exec,forks", true, true},
	    {"Forks", true, false}, {"exec,", false, true},
	};
	for (size_t i = 0; i < N(good); i++) {
		expect_good("DXGTRACE_FOLLOW", good[i].v);
		assert_int_equal(dxgt__cfg.follow_forks, good[i].forks);
		assert_int_equal(dxgt__cfg.follow_exec, good[i].exec);
	}
	static const char *const bad[] = {"yes", "forks,threads", "1"};
	for (size_t i = 0; i < N(bad); i++) {
		expect_bad("DXGTRACE_FOLLOW", bad[i]);
		assert_false(dxgt__cfg.follow_forks);
		assert_false(dxgt__cfg.follow_exec);
	}
}

static void test_layers(void **state)
{
	(void)state;
	expect_good("DXGTRACE_LAYERS", "d3dkmt");
	assert_int_equal(dxgt__cfg.layers, 1u << DXGT_LAYER_D3DKMT);
	assert_true(dxgt__layer_on(DXGT_LAYER_D3DKMT));
	assert_false(dxgt__layer_on(DXGT_LAYER_IOCTL));
	expect_good("DXGTRACE_LAYERS", "ioctl,dxcore");
	assert_int_equal(dxgt__cfg.layers, (1u << DXGT_LAYER_IOCTL) | (1u << DXGT_LAYER_DXCORE));
	assert_false(dxgt__layer_on(DXGT_LAYER_D3DKMT));
	expect_good("DXGTRACE_LAYERS", "all");
	assert_int_equal(dxgt__cfg.layers, ALL_LAYERS);
	expect_good("DXGTRACE_LAYERS", "IOCTL");
	assert_int_equal(dxgt__cfg.layers, 1u << DXGT_LAYER_IOCTL);
	static const char *const bad[] = {"gpu", ",", "d3dkmt,gpu", "none"};
	for (size_t i = 0; i < N(bad); i++) {
		expect_bad("DXGTRACE_LAYERS", bad[i]);
		assert_int_equal(dxgt__cfg.layers, ALL_LAYERS);
	}
}

static void test_device(void **state)
{
	(void)state;
	expect_good("DXGTRACE_DEVICE", "/tmp/fake-dxg");
	assert_string_equal(dxgt__cfg.device, "/tmp/fake-dxg");
	char longp[4200];
	memset(longp, 'd', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	expect_bad("DXGTRACE_DEVICE", longp);
	assert_string_equal(dxgt__cfg.device, "/dev/dxg");
}

static void test_buffer_and_policy(void **state)
{
	(void)state;
	expect_good("DXGTRACE_BUFFER", "256M");
	assert_int_equal(dxgt__cfg.buffer_cap, 256ull << 20);
	expect_good("DXGTRACE_BUFFER", "2G");
	assert_int_equal(dxgt__cfg.buffer_cap, 2ull << 30);
	/* Below the minimum: raised, not refused. */
	expect_good("DXGTRACE_BUFFER", "1");
	assert_int_equal(dxgt__cfg.buffer_cap, 1ull << 20);
	expect_good("DXGTRACE_BUFFER", "0");
	assert_int_equal(dxgt__cfg.buffer_cap, 1ull << 20);
	expect_bad("DXGTRACE_BUFFER", "lots");
	assert_int_equal(dxgt__cfg.buffer_cap, 64ull << 20);

	expect_good("DXGTRACE_ON_FULL", "drop");
	assert_true(dxgt__cfg.drop);
	expect_good("DXGTRACE_ON_FULL", "wait");
	assert_false(dxgt__cfg.drop);
	expect_bad("DXGTRACE_ON_FULL", "block");
	assert_false(dxgt__cfg.drop);
}

static void test_flags_and_level(void **state)
{
	(void)state;
	expect_good("DXGTRACE_ALWAYS", "1");
	assert_true(dxgt__cfg.always);
	expect_good("DXGTRACE_ALWAYS", "0");
	assert_false(dxgt__cfg.always);
	expect_bad("DXGTRACE_ALWAYS", "2");
	assert_false(dxgt__cfg.always);
	expect_good("DXGTRACE_DISCARD", "1");
	assert_int_equal(dxgt__cfg.discard, REC_DISCARD_BUILT);
	expect_good("DXGTRACE_DISCARD", "writer");
	assert_int_equal(dxgt__cfg.discard, REC_DISCARD_WRITER);
	expect_bad("DXGTRACE_DISCARD", "maybe");
	assert_int_equal(dxgt__cfg.discard, REC_DISCARD_NONE);

	expect_good("DXGTRACE_LEVEL", "19");
	assert_int_equal(dxgt__cfg.level, 19);
	expect_good("DXGTRACE_LEVEL", "3");
	assert_int_equal(dxgt__cfg.level, 3);
	expect_good("DXGTRACE_LEVEL", "-1");
	assert_int_equal(dxgt__cfg.level, -1);
	expect_good("DXGTRACE_LEVEL", "-50");
	assert_int_equal(dxgt__cfg.level, -50);
	static const char *const bad[] = {"0", "20", "x", "-0", "-51", "--1", "-", "+3", "3.5"};
	for (size_t i = 0; i < N(bad); i++) {
		expect_bad("DXGTRACE_LEVEL", bad[i]);
		assert_int_equal(dxgt__cfg.level, 1);
	}
}

static void test_report(void **state)
{
	(void)state;
	expect_good("DXGTRACE_REPORT", "/tmp/report.txt");
	assert_string_equal(dxgt__cfg.report, "/tmp/report.txt");
	char want[PATH_MAX + 32];
	expect_good("DXGTRACE_REPORT", "rep.txt");
	cwd_join(want, sizeof(want), "rep.txt");
	assert_string_equal(dxgt__cfg.report, want);
}

static void test_debug_to_stderr(void **state)
{
	(void)state;
	expect_good("DXGTRACE_DEBUG", "1");
	assert_int_equal(dxgt__cfg.log_fd, STDERR_FILENO);
	expect_good("DXGTRACE_DEBUG", "0");
	assert_int_equal(dxgt__cfg.log_fd, -1);
	expect_bad("DXGTRACE_DEBUG", "maybe");
	assert_int_equal(dxgt__cfg.log_fd, -1);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_log_file(void **state)
{
	(void)state;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/log.txt", tmpdir);
	unlink(path);
	expect_good("DXGTRACE_LOG", path);
	int fd = dxgt__cfg.log_fd;
	assert_true(fd > STDERR_FILENO);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_APPEND);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	errno = ENOSPC;
	dxgt__log("hello %d", 5);
	assert_int_equal(errno, ENOSPC);
	dxgt__log("ends in a newline\n");
	char want[128];
	snprintf(want, sizeof(want), "dxgtrace[%ld]: hello 5\ndxgtrace[%ld]: ends in a newline\n",
		 (long)getpid(), (long)getpid());
	/* The load itself logs its summary line first. */
	char *text = slurp(path);
	char *at = strstr(text, "dxgtrace[");
	assert_non_null(at);
	char *nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_non_null(strstr(text, "config: output"));
	assert_string_equal(nl + 1, want);

	/* A file that cannot be opened: refused, and the log stays off. */
	snprintf(path, sizeof(path), "%s/no-such-dir/log.txt", tmpdir);
	expect_bad("DXGTRACE_LOG", path);
	assert_int_equal(dxgt__cfg.log_fd, -1);
	errno = EPERM;
	dxgt__log("nowhere");
	assert_int_equal(errno, EPERM);
}

/* dxgt__say writes to stderr (and to a log file when there is one). */
static void test_say(void **state)
{
	(void)state;
	char path[PATH_MAX + 16], log[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/stderr.txt", tmpdir);
	snprintf(log, sizeof(log), "%s/say-log.txt", tmpdir);
	unlink(log);
	expect_good("DXGTRACE_LOG", log);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	errno = EIO;
	dxgt__say("recording stopped: %s", "why");
	int err = errno;
	/* A long text is cut with "..." and still ends the line. */
	char longt[3000];
	memset(longt, 'x', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	dxgt__say("%s", longt);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(err, EIO);

	char first[128];
	snprintf(first, sizeof(first), "dxgtrace[%ld]: recording stopped: why\n", (long)getpid());
	char *text = slurp(path);
	assert_int_equal(strncmp(text, first, strlen(first)), 0);
	char *second = text + strlen(first);
	size_t len = strlen(second);
	assert_int_equal(len, 1023);
	assert_string_equal(second + len - 4, "...\n");
	assert_non_null(strstr(slurp(log), "recording stopped: why\n"));
}

static void test_disable(void **state)
{
	(void)state;
	expect_good("DXGTRACE_DISABLE", "1");
	assert_true(dxgt__cfg.disabled);
	/* An inert recorder leaves the environment alone. */
	assert_null(getenv("DXGTRACE_ROOT_PID"));
	expect_good("DXGTRACE_DISABLE", "0");
	assert_false(dxgt__cfg.disabled);
	expect_bad("DXGTRACE_DISABLE", "please");
	assert_false(dxgt__cfg.disabled);
}

static void test_root_pid(void **state)
{
	(void)state;
	char self[24], other[24];
	snprintf(self, sizeof(self), "%ld", (long)getpid());
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);

	/* The first recorded process publishes its pid. */
	load();
	assert_non_null(getenv("DXGTRACE_ROOT_PID"));
	assert_string_equal(getenv("DXGTRACE_ROOT_PID"), self);
	assert_false(dxgt__cfg.disabled);

	/* Its own pid again (the root exec'd itself): recorded. */
	load();
	assert_false(dxgt__cfg.disabled);

	/* Started by exec in a descendant: only when following exec. */
	setenv("DXGTRACE_ROOT_PID", other, 1);
	load();
	assert_true(dxgt__cfg.disabled);
	assert_string_equal(getenv("DXGTRACE_ROOT_PID"), other);
	setenv("DXGTRACE_FOLLOW", "forks", 1);
	load();
	assert_true(dxgt__cfg.disabled);
	setenv("DXGTRACE_FOLLOW", "exec", 1);
	load();
	assert_false(dxgt__cfg.disabled);
	assert_string_equal(getenv("DXGTRACE_ROOT_PID"), other);

	/* A value that is not a pid is replaced. */
	unsetenv("DXGTRACE_FOLLOW");
	setenv("DXGTRACE_ROOT_PID", "abc", 1);
	load();
	assert_false(dxgt__cfg.disabled);
	assert_string_equal(getenv("DXGTRACE_ROOT_PID"), self);
}

/* Several bad values: the first is reported, every setting keeps its
 * default, and the good values among them still apply. */
static void test_first_bad_wins(void **state)
{
	(void)state;
	setenv("DXGTRACE_BACKTRACE", "sometimes", 1);
	setenv("DXGTRACE_LEVEL", "99", 1);
	setenv("DXGTRACE_ALWAYS", "1", 1);
	load();
	assert_int_equal(strncmp(dxgt__cfg.bad, "DXGTRACE_BACKTRACE", 18), 0);
	assert_int_equal(dxgt__cfg.level, 1);
	assert_true(dxgt__cfg.always);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_rec_config.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_defaults, setup),
	    cmocka_unit_test_setup(test_empty_is_unset, setup),
	    cmocka_unit_test_setup(test_loads_once, setup),
	    cmocka_unit_test_setup(test_output_pattern, setup),
	    cmocka_unit_test_setup(test_output_expansion, setup),
	    cmocka_unit_test_setup(test_child_suffix, setup),
	    cmocka_unit_test_setup(test_output_path_too_long, setup),
	    cmocka_unit_test_setup(test_backtrace, setup),
	    cmocka_unit_test_setup(test_max_payload, setup),
	    cmocka_unit_test_setup(test_follow, setup),
	    cmocka_unit_test_setup(test_layers, setup),
	    cmocka_unit_test_setup(test_device, setup),
	    cmocka_unit_test_setup(test_buffer_and_policy, setup),
	    cmocka_unit_test_setup(test_flags_and_level, setup),
	    cmocka_unit_test_setup(test_report, setup),
	    cmocka_unit_test_setup(test_debug_to_stderr, setup),
	    cmocka_unit_test_setup(test_log_file, setup),
	    cmocka_unit_test_setup(test_say, setup),
	    cmocka_unit_test_setup(test_disable, setup),
	    cmocka_unit_test_setup(test_root_pid, setup),
	    cmocka_unit_test_setup(test_first_bad_wins, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	dxgt__config_reset();
	static const char *const files[] = {"log.txt", "stderr.txt", "say-log.txt"};
	for (size_t i = 0; i < N(files); i++) {
		char path[PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return rc;
}
