// SPDX-License-Identifier: MIT
/*
 * A stand-in for libdxgtrace.so, to test `dxgtrace record` on its own: the
 * command's options, environment, exit statuses and report handling, apart
 * from the recorder. Preloaded (DXGTRACE_LIB), its constructor acts in the
 * first process only (DXGTRACE_ROOT_PID unset, then set, as the recorder
 * does):
 *
 *   FAKE_ENV_OUT=FILE   writes the LD_PRELOAD, DXGMOCK_PROFILE and DXGTRACE_*
 *                       variables it was started with to FILE, one per line
 *   FAKE_REC_MODE=...   what it reports in DXGTRACE_REPORT, with the trace
 *                       file DXGTRACE_OUTPUT names (taken literally, made
 *                       absolute), filled with FAKE_REC_BYTES bytes:
 *                       none (default), closed (17 calls), dropped (17 calls,
 *                       3 dropped), cut (created, never closed), junk (lines
 *                       the command must ignore, then closed), failed (the
 *                       recorder stopped: a failed line, no file), stopped
 *                       (created, failed, closed)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void line(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(99);
}

static void dump_env(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		_exit(98);
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "DXGTRACE_", 9) == 0 || strncmp(*e, "LD_PRELOAD=", 11) == 0 ||
		    strncmp(*e, "DXGMOCK_PROFILE=", 16) == 0) {
			line(fd, *e);
			line(fd, "\n");
		}
	}
	close(fd);
}

static void report(const char *mode)
{
	const char *rep = getenv("DXGTRACE_REPORT");
	const char *out = getenv("DXGTRACE_OUTPUT");
	if (!rep || !out)
		_exit(97);
	char path[4096], cwd[2048], buf[8192];
	if (out[0] == '/')
		snprintf(path, sizeof(path), "%s", out);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(path, sizeof(path), "%s/%s", cwd, out);
	else
		_exit(96);
	const char *b = getenv("FAKE_REC_BYTES");
	size_t bytes = b ? strtoul(b, NULL, 10) : 0;
	int t = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = open(rep, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (t < 0 || r < 0)
		_exit(95);
	memset(buf, 'x', sizeof(buf));
	for (size_t left = bytes; left;) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		if (write(t, buf, n) != (ssize_t)n)
			_exit(94);
		left -= n;
	}
	close(t);
	long pid = (long)getpid();
	if (strcmp(mode, "failed") == 0) {
		unlink(path);
		snprintf(buf, sizeof(buf), "failed\t%ld\tcannot create %s: No such file\n", pid,
			 path);
		line(r, buf);
		close(r);
		return;
	}
	if (strcmp(mode, "junk") == 0)
		line(r, "future\tsomething\tnew\nclosed\tnotapid\t/x\t1\t2\t3\ncreated\n");
	snprintf(buf, sizeof(buf), "created\t%ld\t%s\n", pid, path);
	line(r, buf);
	if (strcmp(mode, "stopped") == 0) {
		snprintf(buf, sizeof(buf), "failed\t%ld\tout of memory\n", pid);
		line(r, buf);
	}
	if (strcmp(mode, "cut") != 0) {
		snprintf(buf, sizeof(buf), "closed\t%ld\t%s\t17\t%zu\t%d\n", pid, path, bytes,
			 strcmp(mode, "dropped") == 0 ? 3 : 0);
		line(r, buf);
	}
	close(r);
}

__attribute__((constructor)) static void fake_start(void)
{
	if (getenv("DXGTRACE_ROOT_PID"))
		return;
	char pid[24];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	const char *env_out = getenv("FAKE_ENV_OUT");
	if (env_out)
		dump_env(env_out);
	setenv("DXGTRACE_ROOT_PID", pid, 1);
	const char *mode = getenv("FAKE_REC_MODE");
	if (mode && strcmp(mode, "none") != 0)
		report(mode);
}
