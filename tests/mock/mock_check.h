/* SPDX-License-Identifier: MIT */
/*
 * The small assertion kit of the libdxgmock.so tests: each CHECK prints
 * "ok" or "not ok" with the expression and the line, like TAP, and a
 * failed one makes the program exit 1 at the end (DONE). The tests are
 * plain programs rather than cmocka ones because they run under LD_PRELOAD
 * and must own their process (fork, fds, dlopen).
 *
 * Must never: stop at the first failure (every check reports), or pass
 * without having run a check.
 */
#ifndef DXGMOCK_MOCK_CHECK_H
#define DXGMOCK_MOCK_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int mock_checks, mock_failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		mock_checks++;                                                                     \
		if (cond) {                                                                        \
			printf("ok - ");                                                           \
		} else {                                                                           \
			mock_failures++;                                                           \
			printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__, #cond);                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

#define DONE()                                                                                     \
	do {                                                                                       \
		printf("%d checks, %d failed\n", mock_checks, mock_failures);                      \
		return mock_failures || !mock_checks ? 1 : 0;                                      \
	} while (0)

#endif /* DXGMOCK_MOCK_CHECK_H */
