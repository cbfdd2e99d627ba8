// SPDX-License-Identifier: MIT
/*
 * The mock's libwsl_compute_helper.so, loaded as Intel's compute runtime
 * loads it (dlopen by path, RTLD_LAZY | RTLD_DEEPBIND but under ASan, the
 * six exports by name): the sizes it reports for the structures NEO 22.43 asks about and
 * for nothing else, the version, conversions that hand a well-formed token
 * stream through unchanged in both directions, and conversions that fail
 * (and leave the destination zeroed) for an unknown structure, a
 * destination too small, or a stream that is not well-formed: a token cut
 * short, a variable-length token whose lengths disagree or overrun, nesting
 * past the limit.
 *
 * Usage: mock_wsl_helper PATH-TO-libwsl_compute_helper.so
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ASan refuses RTLD_DEEPBIND; in that build the library is loaded without
 * it, so that ASan still checks every copy it makes. */
#if defined(__SANITIZE_ADDRESS__)
#define DEEPBIND 0
#else
#define DEEPBIND RTLD_DEEPBIND
#endif

typedef size_t (*size_fn)(uint32_t);
typedef bool (*to_tokens_fn)(uint32_t, void *, size_t, const void *, size_t);
typedef bool (*to_struct_fn)(uint32_t, void *, size_t, const void *, const void *);
typedef void (*destroy_fn)(uint32_t, void *, size_t);
typedef uint64_t (*version_fn)(void);

static int failures;

static void check(bool ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		failures++;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mock_wsl_helper LIBRARY\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_LAZY | DEEPBIND);
	if (!h) {
		printf("not ok - dlopen %s: %s\n", argv[1], dlerror());
		return 1;
	}
	size_fn for_struct = (size_fn)dlsym(h, "getSizeRequiredForStruct");
	size_fn for_tokens = (size_fn)dlsym(h, "getSizeRequiredForTokens");
	to_tokens_fn to_tokens = (to_tokens_fn)dlsym(h, "structToTokens");
	to_struct_fn to_struct = (to_struct_fn)dlsym(h, "tokensToStruct");
	destroy_fn destroy = (destroy_fn)dlsym(h, "destroyStructRepresentation");
	version_fn version = (version_fn)dlsym(h, "getVersion");
	check(for_struct && for_tokens && to_tokens && to_struct && destroy && version,
	      "the six exports NEO looks up are there");
	if (failures)
		return 1;

	/* What NEO 22.43 asks about, and what it needs room for. */
	static const struct {
		uint32_t id;
		size_t at_least;
	} structs[] = {{1, 4096}, {7, 6692}, {33, 84}, {48, 24}, {135, 512}};
	bool sizes = true;
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++)
		sizes = sizes && for_struct(structs[i].id) >= structs[i].at_least &&
			for_tokens(structs[i].id) == for_struct(structs[i].id) &&
			for_struct(structs[i].id) % 4 == 0;
	check(sizes, "sizes for ADAPTER_INFO, GMM resource info, context private data, command "
		     "buffer header and partition: room enough, whole words, the same both ways");
	check(for_struct(2) == 0 && for_tokens(0) == 0 && for_struct(0xffffffffu) == 0,
	      "no size for a structure it does not translate");
	check(version() != 0, "a non-zero version: the partition travels as tokens");

	/* A stream: a dword, a qword, a boolean, and a sub-structure. */
	static const uint32_t stream[] = {
	    0x00010D93, 33,	      /* dword */
	    0x00020DFA, 0,	2,    /* qword */
	    0x01000256,		      /* boolean, true */
	    0x10000DDF, 0,	8, 2, /* variable length, 8 bytes */
	    0x00010D98, 0x9a49, 0, 0, /* nested dword; zero padding after */
	};
	uint8_t rep[256], tok[256];
	memset(rep, 0xee, sizeof(rep));
	check(to_struct(33, rep, sizeof(rep), stream, stream + 14),
	      "tokensToStruct takes a well-formed stream");
	check(memcmp(rep, stream, 48) == 0 && all_zero(rep + 48, sizeof(rep) - 48),
	      "the representation is the stream, zero padded (trailing zero words dropped)");
	memset(tok, 0xee, sizeof(tok));
	check(to_tokens(33, tok, sizeof(tok), rep, sizeof(rep)) &&
		  memcmp(tok, rep, sizeof(tok)) == 0,
	      "structToTokens hands it back unchanged");
	destroy(7, rep, sizeof(rep));

	/* Failures leave the destination zeroed. */
	memset(tok, 0xee, sizeof(tok));
	check(!to_tokens(2, tok, sizeof(tok), stream, sizeof(stream)) && all_zero(tok, sizeof(tok)),
	      "an unknown structure: false");
	memset(tok, 0xee, sizeof(tok));
	check(!to_tokens(1, tok, 40, stream, sizeof(stream)) && all_zero(tok, 40),
	      "a destination smaller than the stream: false");
	static const struct {
		const char *what;
		uint32_t words[8];
		size_t n;
	} bad[] = {
	    {"a dword token cut short", {0x00010D93}, 1},
	    {"a qword token cut short", {0x00020DFA, 0}, 2},
	    {"a variable-length head cut short", {0x10000DDF, 0, 4}, 3},
	    {"a value longer than its padded length", {0x10000DDF, 0, 8, 1, 1, 1}, 6},
	    {"a padded length past the end", {0x10000DDF, 0, 4, 4, 0x01000256}, 5},
	    {"a value length not in words", {0x10000DDF, 0, 3, 1, 0}, 5},
	    {"a nested token cut short", {0x10000DDF, 0, 4, 1, 0x00010D93}, 5},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "not well-formed, %s: false", bad[i].what);
		memset(rep, 0xee, sizeof(rep));
		check(!to_struct(1, rep, sizeof(rep), bad[i].words, bad[i].words + bad[i].n) &&
			  all_zero(rep, sizeof(rep)),
		      what);
	}
	/* Nesting: 16 levels are fine, 17 are refused. */
	for (unsigned depth = 16; depth <= 17; depth++) {
		uint32_t deep[17 * 4];
		for (unsigned k = 0; k < depth; k++) {
			deep[4 * k] = 0x10000DDF;
			deep[4 * k + 1] = 0;
			deep[4 * k + 2] = 16 * (depth - 1 - k);
			deep[4 * k + 3] = 4 * (depth - 1 - k);
		}
		bool ok = to_struct(1, rep, sizeof(rep), deep, deep + 4 * depth);
		check(depth == 16 ? ok : !ok,
		      depth == 16 ? "16 nested levels: true" : "17 nested levels: false");
	}
	check(!to_struct(1, rep, sizeof(rep), stream + 2, stream) && all_zero(rep, sizeof(rep)),
	      "end before begin: false");
	check(!to_struct(1, NULL, 0, stream, stream + 2), "no destination: false");
	dlclose(h);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
