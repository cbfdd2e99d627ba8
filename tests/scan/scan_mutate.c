// SPDX-License-Identifier: MIT
/*
 * The binary parsers against every cut and every one-byte flip of some
 * files: each prefix of each file, and each file with one byte XORed with
 * 0xFF, is fed to the fuzz target of tests/fuzz/fuzz_binary.c, in this
 * process, so that a sanitizer build checks every read the parsers and the
 * scans make on damaged input. Prints "N inputs ok"; a broken invariant or
 * a memory error aborts.
 *
 *   scan_mutate FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? 2 * cap : 65536;
			uint8_t *n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		size_t k = fread(buf + *len, 1, cap - *len, f);
		*len += k;
		if (k == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		size_t len;
		uint8_t *data = slurp(argv[i], &len);
		if (!data) {
			perror(argv[i]);
			return 2;
		}
		/* Exact-size copies let the address sanitizer see reads past the end. */
		for (size_t cut = 0; cut <= len; cut++, n++) {
			uint8_t *p = malloc(cut ? cut : 1);
			if (!p)
				return 2;
			memcpy(p, data, cut);
			LLVMFuzzerTestOneInput(p, cut);
			free(p);
		}
		uint8_t *p = malloc(len ? len : 1);
		if (!p)
			return 2;
		memcpy(p, data, len);
		for (size_t at = 0; at < len; at++, n++) {
			p[at] ^= 0xff;
			LLVMFuzzerTestOneInput(p, len);
			p[at] ^= 0xff;
		}
		free(p);
		free(data);
	}
	printf("%lu inputs ok\n", n);
	return 0;
}
