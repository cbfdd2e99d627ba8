// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the Frida JSON Lines importer (dxgt/import.h): the
 * input is the JSON Lines text, read through fmemopen, and the trace goes
 * to /dev/null. Whatever the input, the import must end with 0 or a
 * DXGT_E_* code, fill the error struct consistently, and close the
 * descriptor it was given; only those invariants, crashes, leaks and
 * sanitizer reports count.
 *
 * The same file is linked into fuzz_driver_import (plain main, any
 * compiler), which replays corpus/import as a ctest. It never prints except
 * when an invariant breaks.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dxgt/error.h"
#include "dxgt/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_import: invariant failed: %s (%s:%d)\n", #cond,      \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fmemopen refuses a zero-length buffer on some C libraries. */
	static const uint8_t none[1];
	FILE *in = fmemopen((void *)(size ? data : none), size, "r");
	if (!in)
		return 0;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fclose(in);
		return 0;
	}
	/* Small lines and chunks: the limits and the chunking run too. */
	struct dxgt_writer_opts wo = {.chunk_bytes = 4096, .no_compress = true};
	struct dxgt_import_opts o = {.input_name = "fuzz", .writer = &wo, .max_line = 1 << 20};
	struct dxgt_import_stats st;
	struct dxgt_import_error e;
	int rc = dxgt_import_frida(in, fd, &o, &st, &e);
	fclose(in);
	CHECK(rc <= 0);
	CHECK(rc < 0 || st.bytes == size);
	CHECK(st.unfinished <= st.calls);
	if (rc < 0) {
		CHECK(e.msg[0] != '\0');
		CHECK(memchr(e.field, '\0', sizeof(e.field)) != NULL);
		CHECK(e.where == DXGT_IMPORT_INPUT || e.where == DXGT_IMPORT_OUTPUT);
		CHECK(e.line <= st.lines + 1);
	}
	CHECK(fcntl(fd, F_GETFD) == -1); /* consumed */
	return 0;
}
