// SPDX-License-Identifier: MIT
/*
 * rec_crash MODE [N]: a program that dies while recorded.
 *
 *   segv      open a device, one 64-byte tagged escape, then a write
 *             through a null pointer (SIGSEGV)
 *   abort     the same, then abort() (SIGABRT)
 *   handler   installs its own SIGSEGV handler before any dxg call, then
 *             as segv; the handler prints "handler ran" and _exit(3)s
 *   wait N    open a device, N tagged escapes, print "ready", sleep (the
 *             test SIGKILLs it)
 *
 * Every D3DKMT call prints its line first, so the test knows what reached
 * the recorder before the end. Built without sanitizer instrumentation:
 * the crash must be the program's, not a sanitizer's report.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec_common.h"

static void on_segv(int sig)
{
	(void)sig;
	static const char msg[] = "handler ran\n";
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rec_crash segv|abort|handler|wait N\n");
		return 2;
	}
	const char *mode = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "handler") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_segv;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
	}
	struct rec_kmt k;
	if (rec_kmt_load(&k, "libdxcore.so", RTLD_LAZY | RTLD_LOCAL) < 0 || rec_kmt_open(&k) < 0)
		return 2;
	if (strcmp(mode, "wait") == 0) {
		unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
		for (unsigned i = 0; i < n; i++)
			rec_escape(&k, 64, "RCRS", 4, i, false);
		printf("rec_crash: %u d3dkmt calls\nready\n", k.calls + n);
		for (;;)
			sleep(60);
	}
	rec_escape(&k, 64, "RCRS", 1, 0, true);
	if (strcmp(mode, "abort") == 0) {
		abort();
	} else if (strcmp(mode, "segv") == 0 || strcmp(mode, "handler") == 0) {
		volatile int *volatile p = NULL;
		*p = 1;
	} else {
		fprintf(stderr, "rec_crash: unknown mode %s\n", mode);
		return 2;
	}
	printf("rec_crash: still alive\n");
	return 0;
}
