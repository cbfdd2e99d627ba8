// SPDX-License-Identifier: MIT
/*
 * rec_fork: processes made while recorded.
 *
 *   rec_fork fork K C P    opens a device, makes K tagged escapes (role 1),
 *                          forks; the child makes C escapes (role 2) and
 *                          leaves with _exit(0); the parent waits for it,
 *                          then makes P more escapes (role 1, indexes
 *                          K..K+P-1)
 *   rec_fork exec PROG...  opens a device, one escape (role 1), then
 *                          fork + execv(PROG, ...) and waits for it
 *
 * Prints "parent PID" and "child PID" so the test knows whose file is
 * whose, and the child's exit status. Exit 0 when the child exited 0.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_common.h"

static int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid) {
		perror("rec_fork: waitpid");
		return 1;
	}
	if (WIFEXITED(status)) {
		printf("child exited %d\n", WEXITSTATUS(status));
		return WEXITSTATUS(status) != 0;
	}
	printf("child died of signal %d\n", WTERMSIG(status));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "exec") != 0) ||
	    (strcmp(argv[1], "fork") == 0 && argc != 5)) {
		fprintf(stderr, "usage: rec_fork fork K C P | rec_fork exec PROG [ARGS...]\n");
		return 2;
	}
	struct rec_kmt k;
	if (rec_kmt_load(&k, "libdxcore.so", RTLD_LAZY | RTLD_LOCAL) < 0 || rec_kmt_open(&k) < 0)
		return 2;
	printf("parent %d\n", (int)getpid());
	if (strcmp(argv[1], "exec") == 0) {
		rec_escape(&k, 32, "RFRK", 1, 0, true);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execv(argv[2], argv + 2);
			perror("rec_fork: execv");
			_exit(127);
		}
		printf("child %d\n", (int)pid);
		return wait_child(pid);
	}
	unsigned n_before = (unsigned)atoi(argv[2]);
	unsigned n_child = (unsigned)atoi(argv[3]);
	unsigned n_after = (unsigned)atoi(argv[4]);
	for (unsigned i = 0; i < n_before; i++)
		rec_escape(&k, 32, "RFRK", 1, i, false);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		for (unsigned i = 0; i < n_child; i++)
			rec_escape(&k, 32, "RFRK", 2, i, false);
		_exit(0);
	}
	printf("child %d\n", (int)pid);
	int rc = wait_child(pid);
	for (unsigned i = 0; i < n_after; i++)
		rec_escape(&k, 32, "RFRK", 1, n_before + i, false);
	return rc;
}
