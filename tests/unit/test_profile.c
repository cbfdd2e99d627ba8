// SPDX-License-Identifier: MIT
/*
 * Host profiles (mock/src/profile.c, docs/profiles.md): the shipped
 * profiles load and say what their field reports say; lookup by name, by
 * path and through DXGMOCK_PROFILE_PATH; every accepted spelling of numbers,
 * statuses, errnos, LUIDs and blobs; blob files resolved against the
 * profile's own directory; and a table of malformed profiles, each rejected
 * with one line naming the file, the key path and what was expected.
 * The ASan build runs this too, so every path here must free what it loads.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/uapi.h"
#include "intel_tokens.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct dxgt_mock_adapter *only_adapter(const struct dxgt_profile *p)
{
	assert_non_null(p);
	assert_int_equal(p->n_adapters, 1);
	return &p->adapters[0];
}

static struct dxgt_profile *load_ok(const char *name)
{
	struct dxgt_profile *p = NULL;
	char err[512];
	int rc = dxgt_profile_load(&p, name, err, sizeof(err));
	if (rc != 0)
		fail_msg("loading %s: %s", name, err);
	assert_non_null(p);
	return p;
}

static struct dxgt_profile *parse_ok(const char *json)
{
	struct dxgt_profile *p = NULL;
	char err[512];
	int rc = dxgt_profile_parse(&p, json, strlen(json), "ok.json", err, sizeof(err));
	if (rc != 0)
		fail_msg("parsing %s: %s", json, err);
	return p;
}

static uint16_t call_id(const char *name)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	assert_non_null(d);
	return d->id;
}

/* ---- the shipped profiles ---- */

/* The value of the first dword token with this id in an adapter info
 * stream (found by its header word), or -1. */
static int64_t token_dword(const struct dxgt_mock_blob *b, uint16_t id)
{
	for (size_t o = 0; o + 8 <= b->len; o += 4) {
		uint32_t w, v;
		memcpy(&w, b->data + o, 4);
		memcpy(&v, b->data + o + 4, 4);
		if (w == (UINT32_C(1) << 16 | id))
			return v;
	}
	return -1;
}

static void npu_profile_matches_the_report(void **state)
{
	(void)state;
	struct dxgt_profile *p = load_ok("wsl2-intel-npu");
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_string_equal(p->name, "wsl2-intel-npu");
	assert_non_null(strstr(p->origin, "/wsl2-intel-npu.json"));
	assert_int_equal(p->vm_bus_limit, 131072);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x7d1d);
	assert_string_equal(a->description, "Intel(R) AI Boost");
	assert_true(a->compute_only);
	assert_true(a->paravirtualized);
	assert_false(a->render_supported);
	assert_false(a->display_supported);
	assert_true(a->is_hardware);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_REJECT_NONEMPTY);
	assert_int_equal(a->escape_reply_size, 0);
	assert_int_equal(a->n_escape_replies, 0);
	assert_int_equal(a->luid, 0x123ab);
	assert_true(a->driver_version == (UINT64_C(32) << 48 | UINT64_C(100) << 16 | 3104));
	/* Every primitive after the refused registration fails (the report). */
	assert_int_equal(p->n_faults, 1);
	assert_int_equal(p->faults[0].call_id, 0x04);
	assert_true(p->faults[0].after_escape_refused);
	assert_int_equal(p->faults[0].status, 0xC000000Du);
	/* The description separates facts from synthetic choices. */
	assert_non_null(strstr(p->description, "8086"));
	assert_non_null(strstr(p->description, "0xC0000023"));
	assert_non_null(strstr(p->description, "Synthetic"));
	assert_non_null(strstr(p->description, "LUID"));
	dxgt_profile_free(p);
}

static void arc_profile_has_the_reported_failures(void **state)
{
	(void)state;
	struct dxgt_profile *p = load_ok("wsl2-intel-arc");
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x7d51);
	assert_true(a->render_supported);
	assert_true(a->paravirtualized);
	assert_true(a->is_integrated);
	assert_false(a->compute_only);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_PASS);
	assert_true(a->driver_version ==
		    (UINT64_C(32) << 48 | UINT64_C(0) << 32 | UINT64_C(101) << 16 | 6554));
	assert_non_null(strstr(p->description, "assumption"));

	/* The driver-store answer Intel NEO reads before anything else. */
	assert_int_equal(a->n_registry, 1);
	assert_int_equal(a->registry[0].query_type, 2);
	assert_true(a->registry[0].is_string);
	assert_int_equal(a->registry[0].value_type, 1);
	assert_string_equal((const char *)a->registry[0].value.data,
			    "/usr/lib/wsl/drivers/iigd_dch.inf_amd64_0000000000000000");

	/* The adapter info NEO 22.43 can take: the report's device in the
	 * Xe-HPG family, under the one product of it 22.43 knows (DG2). */
	assert_int_equal(a->n_qai, 1);
	assert_int_equal(a->qai[0].type, 0);
	assert_int_equal(token_dword(&a->qai[0].data, 3475), 1270);   /* eProductFamily */
	assert_int_equal(token_dword(&a->qai[0].data, 3478), 0x0c07); /* eRenderCoreFamily */
	assert_int_equal(token_dword(&a->qai[0].data, 3480), 0x7d51); /* usDeviceID */

	/* -22 and -2 from query_adapter_info, -75 from reserve_gpu_va. */
	assert_int_equal(p->n_faults, 3);
	int seen_einval = 0, seen_enoent = 0, seen_eoverflow = 0;
	for (size_t i = 0; i < p->n_faults; i++) {
		const struct dxgt_mock_fault *f = &p->faults[i];
		assert_int_equal(f->first, 1);
		/* The queries fail every time; the reservation only the first
		 * time, as the report's kernel log shows it once. */
		if (f->call_id == call_id("ReserveGpuVirtualAddress"))
			assert_true(f->last == 1);
		else
			assert_true(f->last == UINT64_MAX);
		assert_int_equal(f->status, 0);
		if (f->call_id == call_id("QueryAdapterInfo")) {
			assert_true(f->has_arg);
			assert_string_equal(f->arg_name, "type");
			seen_einval += f->err == EINVAL;
			seen_enoent += f->err == ENOENT;
		} else {
			assert_int_equal(f->call_id, call_id("ReserveGpuVirtualAddress"));
			assert_false(f->has_arg);
			seen_eoverflow += f->err == EOVERFLOW;
		}
	}
	assert_int_equal(seen_einval, 1);
	assert_int_equal(seen_enoent, 1);
	assert_int_equal(seen_eoverflow, 1);
	dxgt_profile_free(p);
}

static void policy_profiles_have_their_policies(void **state)
{
	(void)state;
	struct dxgt_profile *p = load_ok("gpupv-secure-vm");
	assert_int_equal(only_adapter(p)->escape_policy, DXGT_ESCAPE_KNOWN_ONLY);
	assert_true(only_adapter(p)->render_supported);
	dxgt_profile_free(p);

	p = load_ok("sandbox-default");
	assert_int_equal(only_adapter(p)->escape_policy, DXGT_ESCAPE_DISABLED);
	assert_non_null(strstr(p->description, "EnableVendorExtensions"));
	dxgt_profile_free(p);

	p = load_ok("wsl2-permissive");
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_PASS);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x7d1d);
	assert_true(a->compute_only);
	assert_int_equal(a->n_escape_replies, 2);
	assert_true(a->escape_replies[0].has_fnv1a);
	assert_true(a->escape_replies[0].fnv1a == UINT64_C(0xb9b23f3a46fd0825));
	assert_false(a->escape_replies[1].has_fnv1a);
	assert_int_equal(a->escape_replies[1].prefix.len, 4);
	assert_memory_equal(a->escape_replies[1].prefix.data, "\x01\x00\x00\x00", 4);
	assert_int_equal(a->escape_replies[1].out.len, 8);
	assert_memory_equal(a->escape_replies[1].out.data, "\x01\0\0\0\x02\0\0\0", 8);
	dxgt_profile_free(p);
}

/* The Tiger Lake GT2 Intel's OpenCL runtime lists: its driver store, and
 * the driver-private adapter info as tokens, product family in the kernel
 * driver's numbering. */
static void gpu_profile_describes_a_tiger_lake(void **state)
{
	(void)state;
	struct dxgt_profile *p = load_ok("wsl2-intel-gpu");
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x9a49);
	assert_non_null(strstr(a->description, "Intel"));
	assert_true(a->render_supported && a->is_integrated && !a->compute_only);
	assert_int_equal(a->n_registry, 1);
	assert_int_equal(a->registry[0].query_type, 2);
	assert_int_equal(p->n_faults, 0);
	assert_int_equal(a->n_qai, 1);
	assert_int_equal(a->qai[0].type, 0);
	assert_int_equal(a->qai[0].status, 0);
	assert_true(a->qai[0].data.len > 256 && a->qai[0].data.len <= 8192);
	assert_int_equal(token_dword(&a->qai[0].data, 3475), 33);     /* eProductFamily */
	assert_int_equal(token_dword(&a->qai[0].data, 3478), 18);     /* eRenderCoreFamily */
	assert_int_equal(token_dword(&a->qai[0].data, 3480), 0x9a49); /* usDeviceID */
	assert_int_equal(token_dword(&a->qai[0].data, 299), 96);      /* EUCount */
	dxgt_profile_free(p);
}

/* A description becomes tokens in the schema's order, whatever the order
 * of its keys: sub-structures as variable-length tokens, array elements
 * by index, flags as true booleans, 64-bit values as qwords. */
static void intel_adapter_info_becomes_tokens(void **state)
{
	(void)state;
	static const char *const forms[] = {
	    "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, \"query_adapter_info\": "
	    "[{\"type\": 0, \"intel_adapter_info\": {\"GfxPlatform\": {\"eProductFamily\": 33, "
	    "\"usDeviceID\": \"0x9a49\"}, \"SkuTable\": [\"FtrPPGTT\"], \"SystemSharedMemory\": "
	    "\"0x200000000\", \"GfxPartition\": {\"Heap32\": [{}, {\"Base\": 1}]}}}]}]}",
	    /* The same, keys in another order, with comments. */
	    "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, \"query_adapter_info\": "
	    "[{\"intel_adapter_info\": {\"comment\": \"x\", \"GfxPartition\": {\"Heap32\": [{}, "
	    "{\"Base\": 1, \"comment\": [\"y\"]}]}, \"SystemSharedMemory\": 8589934592, "
	    "\"SkuTable\": [\"FtrPPGTT\"], \"GfxPlatform\": {\"usDeviceID\": 39497, "
	    "\"eProductFamily\": 33}}, \"type\": 0}]}]}",
	};
	static const uint32_t want[] = {
	    0x10000DDF, 0,	16, 4,	/* GfxPlatform (3551) */
	    0x00010D93, 33,		/* eProductFamily (3475) */
	    0x00010D98, 0x9a49,		/* usDeviceID (3480) */
	    0x10000DE0, 0,	4,  1,	/* SkuTable (3552) */
	    0x01000256,			/* FtrPPGTT (598): true */
	    0x00020DFA, 0,	2,	/* SystemSharedMemory (3578): qword */
	    0x10000E04, 0,	44, 11, /* GfxPartition (3588) */
	    0x10000DD4, 0,	0,  0,	/* Heap32 (3540) [0], empty */
	    0x10000DD4, 1,	12, 3,	/* Heap32 [1] */
	    0x00020DCC, 1,	0,	/* Base (3532) */
	};
	for (size_t i = 0; i < N(forms); i++) {
		struct dxgt_profile *p = parse_ok(forms[i]);
		const struct dxgt_mock_blob *b = &p->adapters[0].qai[0].data;
		assert_int_equal(b->len, sizeof(want));
		for (size_t k = 0; k < N(want); k++) {
			uint32_t w;
			memcpy(&w, b->data + 4 * k, 4);
			if (w != want[k])
				fail_msg("form %zu, word %zu: 0x%08x, want 0x%08x", i, k, w,
					 want[k]);
		}
		dxgt_profile_free(p);
	}
	/* An empty description is an empty stream: every field left zero. */
	struct dxgt_profile *p =
	    parse_ok("{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, "
		     "\"query_adapter_info\": [{\"type\": 0, \"intel_adapter_info\": {}}]}]}");
	assert_int_equal(p->adapters[0].qai[0].data.len, 0);
	dxgt_profile_free(p);
}

/* JSON for group g with every field present and every array full. */
static size_t full_description(char *buf, size_t cap, size_t o, const struct dxgt_itok_group *g,
			       bool flags)
{
	o += (size_t)snprintf(buf + o, cap - o, flags ? "[" : "{");
	for (size_t i = 0; i < g->n_fields && o < cap; i++) {
		const struct dxgt_itok_field *f = &g->fields[i];
		const char *sep = i ? ", " : "";
		if (flags) {
			o += (size_t)snprintf(buf + o, cap - o, "%s\"%s\"", sep, f->name);
			continue;
		}
		o += (size_t)snprintf(buf + o, cap - o, "%s\"%s\": ", sep, f->name);
		switch ((enum dxgt_itok_kind)f->kind) {
		case DXGT_ITOK_BOOL:
			o += (size_t)snprintf(buf + o, cap - o, "true");
			break;
		case DXGT_ITOK_UINT:
		case DXGT_ITOK_QWORD:
			o += (size_t)snprintf(buf + o, cap - o, "1");
			break;
		case DXGT_ITOK_GROUP:
		case DXGT_ITOK_FLAGS:
			o = full_description(buf, cap, o, f->group, f->kind == DXGT_ITOK_FLAGS);
			break;
		case DXGT_ITOK_ARRAY:
			o += (size_t)snprintf(buf + o, cap - o, "[");
			for (uint32_t k = 0; k < f->max && o < cap; k++) {
				o += (size_t)snprintf(buf + o, cap - o, k ? ", " : "");
				o = full_description(buf, cap, o, f->group, false);
			}
			o += (size_t)snprintf(buf + o, cap - o, "]");
			break;
		}
	}
	o += (size_t)snprintf(buf + o, cap - o, flags ? "]" : "}");
	assert_true(o < cap);
	return o;
}

/* Every field at once, every array full, is more than the helper's
 * ADAPTER_INFO size: refused, with the size it would take. */
static void adapter_info_has_a_size_limit(void **state)
{
	(void)state;
	static char json[1 << 18];
	size_t o =
	    (size_t)snprintf(json, sizeof(json),
			     "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, "
			     "\"query_adapter_info\": [{\"type\": 0, \"intel_adapter_info\": ");
	o = full_description(json, sizeof(json), o, &dxgt__itok_adapter_info, false);
	o += (size_t)snprintf(json + o, sizeof(json) - o, "}]}]}");
	struct dxgt_profile *p = NULL;
	char err[512];
	assert_int_equal(dxgt_profile_parse(&p, json, o, "big.json", err, sizeof(err)),
			 DXGT_E_TOOBIG);
	assert_null(p);
	assert_non_null(strstr(err,
			       "big.json: adapters[0].query_adapter_info[0].intel_adapter_info: "
			       "expected an adapter info of at most 8192 bytes as tokens"));
	assert_int_equal(dxgt__itok_struct_size(DXGT_ITOK_S_ADAPTER_INFO), 8192);
}

/* docs/profiles.md names every field and flag an intel_adapter_info may
 * hold: a field as a table row "| `Name` | kind | id |", a flag in its
 * table's list as "`Name` (id)". The page cannot fall behind the schema. */
static bool doc_has_row(const char *doc, const char *name, unsigned id)
{
	char cell[128], tail[32];
	snprintf(cell, sizeof(cell), "| `%s` | ", name);
	snprintf(tail, sizeof(tail), " | %u |\n", id);
	for (const char *at = strstr(doc, cell); at; at = strstr(at + 1, cell)) {
		const char *eol = strchr(at, '\n');
		size_t k = strlen(tail);
		if (eol && (size_t)(eol + 1 - at) >= k && memcmp(eol + 1 - k, tail, k) == 0)
			return true;
	}
	return false;
}

static bool doc_names(const char *doc, const struct dxgt_itok_group *g, bool flags, unsigned depth)
{
	assert_true(depth < 8);
	bool ok = true;
	for (size_t i = 0; i < g->n_fields; i++) {
		const struct dxgt_itok_field *f = &g->fields[i];
		char flag[128];
		snprintf(flag, sizeof(flag), "`%s` (%u)", f->name, f->id);
		if (flags ? !strstr(doc, flag) : !doc_has_row(doc, f->name, f->id)) {
			print_error("docs/profiles.md: no %s (token %u) of %s\n", f->name, f->id,
				    g->name);
			ok = false;
		}
		if (f->group)
			ok = doc_names(doc, f->group, f->kind == DXGT_ITOK_FLAGS, depth + 1) && ok;
	}
	return ok;
}

static void docs_name_every_adapter_info_field(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/../../docs/profiles.md", dxgt_profile_dir());
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char doc[1 << 20];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	assert_true(doc_names(doc, &dxgt__itok_adapter_info, false, 0));
}

/* Every file in corpora/profiles loads, describes itself, and has an
 * adapter; the six named here are there. */
static void every_shipped_profile_loads(void **state)
{
	(void)state;
	static const char *const expected[] = {"gpupv-secure-vm", "sandbox-default",
					       "wsl2-intel-arc",  "wsl2-intel-gpu",
					       "wsl2-intel-npu",  "wsl2-permissive"};
	int found[N(expected)] = {0};
	DIR *d = opendir(dxgt_profile_dir());
	assert_non_null(d);
	struct dirent *e;
	size_t n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dxgt_profile_dir(), e->d_name);
		struct dxgt_profile *p = load_ok(path);
		assert_true(strlen(p->description) > 40);
		assert_true(p->n_adapters >= 1);
		for (size_t i = 0; i < N(expected); i++)
			if (strncmp(e->d_name, expected[i], len - 5) == 0 && !expected[i][len - 5])
				found[i]++;
		dxgt_profile_free(p);
		n++;
	}
	closedir(d);
	assert_true(n >= N(expected));
	for (size_t i = 0; i < N(expected); i++)
		if (found[i] != 1)
			fail_msg("%s.json is not shipped", expected[i]);
}

/* ---- lookup ---- */

static char tmpdir[64];

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dxgt-profile-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	unsetenv("DXGMOCK_PROFILE_PATH");
	return rmdir(tmpdir);
}

static const char minimal[] = "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2}]}";

static void lookup_by_path_and_name(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/wsl2-intel-npu.json", dxgt_profile_dir());
	struct dxgt_profile *p = load_ok(path);
	assert_string_equal(p->origin, path);
	assert_string_equal(p->name, "wsl2-intel-npu");
	dxgt_profile_free(p);

	/* A name ending in .json is a path, here relative to the cwd. */
	char err[1024];
	p = NULL;
	assert_int_equal(dxgt_profile_load(&p, "wsl2-intel-npu.json", err, sizeof(err)),
			 access("wsl2-intel-npu.json", F_OK) == 0 ? 0 : DXGT_E_NOTFOUND);
	dxgt_profile_free(p);

	/* No name field: the file's stem. */
	write_text("unnamed.json", minimal);
	snprintf(path, sizeof(path), "%s/unnamed.json", tmpdir);
	p = load_ok(path);
	assert_string_equal(p->name, "unnamed");
	assert_string_equal(p->description, "");
	assert_int_equal(p->adapters[0].escape_policy, DXGT_ESCAPE_PASS);
	assert_true(p->adapters[0].is_hardware);
	dxgt_profile_free(p);
}

static void unknown_names_list_the_shipped_ones(void **state)
{
	(void)state;
	struct dxgt_profile *p = (struct dxgt_profile *)1;
	char err[2048];
	assert_int_equal(dxgt_profile_load(&p, "wsl2-intel-nup", err, sizeof(err)),
			 DXGT_E_NOTFOUND);
	assert_null(p);
	assert_non_null(strstr(err, "wsl2-intel-nup: unknown profile"));
	assert_non_null(strstr(err, "gpupv-secure-vm"));
	assert_non_null(strstr(err, "sandbox-default"));
	assert_non_null(strstr(err, "wsl2-intel-arc"));
	assert_non_null(strstr(err, "wsl2-permissive"));
	assert_non_null(strstr(err, "did you mean \"wsl2-intel-npu\"?"));
	assert_null(strchr(err, '\n'));

	assert_int_equal(dxgt_profile_load(&p, "/nonexistent/dir/x.json", err, sizeof(err)),
			 DXGT_E_NOTFOUND);
	assert_string_equal(err, "/nonexistent/dir/x.json: cannot open the profile (ENOENT)");
	assert_int_equal(dxgt_profile_load(&p, "", err, sizeof(err)), DXGT_E_INVAL);
	assert_int_equal(dxgt_profile_load(&p, NULL, err, sizeof(err)), DXGT_E_INVAL);
	assert_int_equal(dxgt_profile_load(NULL, "wsl2-intel-npu", NULL, 0), DXGT_E_INVAL);
	/* A directory is not a profile. */
	assert_int_equal(dxgt_profile_load(&p, "/tmp/", err, sizeof(err)), DXGT_E_IO);
}

static void profile_path_is_searched_first(void **state)
{
	(void)state;
	write_text("custom.json", minimal);
	write_text("wsl2-intel-npu.json",
		   "{\"name\": \"override\", \"adapters\": [{\"luid\": 7, \"vendor\": 1, "
		   "\"device\": 2}]}");
	char env[256];
	snprintf(env, sizeof(env), "/nonexistent::%s", tmpdir);
	assert_int_equal(setenv("DXGMOCK_PROFILE_PATH", env, 1), 0);

	struct dxgt_profile *p = load_ok("custom");
	assert_string_equal(p->name, "custom");
	dxgt_profile_free(p);
	p = load_ok("wsl2-intel-npu");
	assert_string_equal(p->name, "override");
	dxgt_profile_free(p);
	/* The shipped ones are still found behind it. */
	p = load_ok("wsl2-intel-arc");
	assert_string_equal(p->name, "wsl2-intel-arc");
	dxgt_profile_free(p);

	char err[2048];
	p = NULL;
	assert_int_equal(dxgt_profile_load(&p, "nothere", err, sizeof(err)), DXGT_E_NOTFOUND);
	assert_non_null(strstr(err, "custom"));
	assert_non_null(strstr(err, "wsl2-intel-arc"));

	assert_int_equal(unsetenv("DXGMOCK_PROFILE_PATH"), 0);
	p = load_ok("wsl2-intel-npu");
	assert_string_equal(p->name, "wsl2-intel-npu");
	dxgt_profile_free(p);
}

/* ---- blobs ---- */

static void blob_files_resolve_against_the_profile(void **state)
{
	(void)state;
	static const uint8_t bin[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
	write_file("answer.bin", bin, sizeof(bin));
	char abs_json[512];
	snprintf(
	    abs_json, sizeof(abs_json),
	    "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, "
	    "\"query_adapter_info\": [{\"type\": 0, \"file\": \"answer.bin\"}, "
	    "{\"type\": 1, \"file\": \"%s/answer.bin\"}, {\"type\": 2, \"hex\": \"0A 0b\\n0c\"}], "
	    "\"registry\": [{\"value\": \"Blob\", \"file\": \"answer.bin\"}]}]}",
	    tmpdir);
	write_text("blobs.json", abs_json);

	char path[256];
	snprintf(path, sizeof(path), "%s/blobs.json", tmpdir);
	struct dxgt_profile *p = load_ok(path);
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_int_equal(a->n_qai, 3);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(a->qai[i].type, i);
		assert_int_equal(a->qai[i].data.len, sizeof(bin));
		assert_memory_equal(a->qai[i].data.data, bin, sizeof(bin));
		assert_int_equal(a->qai[i].status, 0);
	}
	assert_int_equal(a->qai[2].data.len, 3);
	assert_memory_equal(a->qai[2].data.data, "\x0a\x0b\x0c", 3);
	assert_int_equal(a->registry[0].value_type, 3);
	assert_int_equal(a->registry[0].value.len, sizeof(bin));
	assert_false(a->registry[0].is_string);
	dxgt_profile_free(p);

	/* The same text parsed from memory resolves against its origin's
	 * directory too. */
	p = NULL;
	char err[512];
	assert_int_equal(dxgt_profile_parse(&p, abs_json, strlen(abs_json), path, err, sizeof(err)),
			 0);
	assert_int_equal(only_adapter(p)->qai[0].data.len, sizeof(bin));
	dxgt_profile_free(p);

	/* A missing file is named with the path it was looked up at. */
	write_text("missing.json", "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, "
				   "\"query_adapter_info\": [{\"type\": 0, \"file\": "
				   "\"nope.bin\"}]}]}");
	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	p = NULL;
	assert_int_equal(dxgt_profile_load(&p, path, err, sizeof(err)), DXGT_E_NOTFOUND);
	assert_null(p);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s: adapters[0].query_adapter_info[0].file: expected a readable file, got "
		 "\"nope.bin\" (%s/nope.bin: ENOENT)",
		 path, tmpdir);
	assert_string_equal(err, want);

	/* Over the cap: a sparse 17 MiB file, never read. */
	char big[256];
	snprintf(big, sizeof(big), "%s/big.bin", tmpdir);
	FILE *f = fopen(big, "wb");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 17 << 20), 0);
	fclose(f);
	write_text("big.json", "{\"vm_bus_limit\": 16777216, \"adapters\": [{\"luid\": 1, "
			       "\"vendor\": 1, \"device\": 2, \"query_adapter_info\": [{\"type\": "
			       "0, \"file\": \"big.bin\"}]}]}");
	snprintf(path, sizeof(path), "%s/big.json", tmpdir);
	assert_int_equal(dxgt_profile_load(&p, path, err, sizeof(err)), DXGT_E_TOOBIG);
	assert_non_null(strstr(err, "query_adapter_info[0].file: expected a file of at most "
				    "16777216 bytes"));
	assert_non_null(strstr(err, "got 17825792"));
}

/* ---- accepted spellings ---- */

/* value_type: bytes as a host answered them, under the type it reported,
 * which is what the model then answers (a from-trace profile needs it for
 * REG_MULTI_SZ and for a string only the size probe of was recorded). */
static void registry_hex_keeps_the_hosts_value_type(void **state)
{
	(void)state;
	struct dxgt_profile *p =
	    parse_ok("{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, \"registry\": ["
		     " {\"value\": \"Names\", \"query_type\": \"adapterkey\", \"hex\": \"61000000 "
		     "00000000 00000000\", \"value_type\": 7},"
		     " {\"value\": \"Raw\", \"hex\": \"0102\"}]}]}");
	const struct dxgt_mock_adapter *a = only_adapter(p);
	assert_int_equal(a->registry[0].value_type, 7);
	assert_int_equal(a->registry[0].value.len, 12);
	assert_false(a->registry[0].is_string);
	assert_int_equal(a->registry[1].value_type, 3); /* the default: REG_BINARY */

	struct dxgt_mock *m = NULL;
	assert_int_equal(dxgt_mock_new(&m, p, DXGT_MOCK_TRUSTED), 0);
	struct dxgt_openadapterfromluid oa = {{1, 0}, 0};
	assert_int_equal(
	    dxgt_mock_ioctl(m, dxgt_call_by_name("OpenAdapterFromLuid")->ioctl_code, &oa), 0);
	/* D3DDDI_QUERYREGISTRY_INFO with a 4-byte wchar_t: the name at 8, the
	 * value type at 1048, its size at 1056, the status at 1060, the value
	 * at 1064. */
	static uint8_t qr[1064 + 12];
	uint32_t qtype = 1, vtype = 0, vsize = 0, status = 9;
	memcpy(qr, &qtype, 4);
	static const char name[] = "Names";
	for (size_t i = 0; i < sizeof(name) - 1; i++) {
		uint32_t wc = (uint8_t)name[i];
		memcpy(qr + 8 + 4 * i, &wc, 4);
	}
	struct dxgt_queryadapterinfo q = {oa.adapter_handle, 48, (uint64_t)(uintptr_t)qr,
					  sizeof(qr), 0};
	assert_int_equal(dxgt_mock_ioctl(m, dxgt_call_by_name("QueryAdapterInfo")->ioctl_code, &q),
			 0);
	memcpy(&vtype, qr + 1048, 4);
	memcpy(&vsize, qr + 1056, 4);
	memcpy(&status, qr + 1060, 4);
	assert_int_equal(status, 0);
	assert_int_equal(vtype, 7);
	assert_int_equal(vsize, 12);
	assert_int_equal(qr[1064], 'a');
	dxgt_mock_free(m);
	dxgt_profile_free(p);
}

static void numbers_statuses_and_errnos_in_every_form(void **state)
{
	(void)state;
	struct dxgt_profile *p = parse_ok(
	    "{\"name\": \"forms\", \"vm_bus_limit\": 4096, \"comment\": [\"a\", \"b\"],"
	    " \"description\": [\"line 1\", \"line 2\"],"
	    " \"adapters\": ["
	    "  {\"luid\": 5, \"vendor\": 32902, \"device\": \"0X7D1D\", \"subsys\": "
	    "\"0xFFFFFFFF\", \"revision\": 4, \"driver_version\": 12345,"
	    "   \"flags\": [\"software\", \"detachable\", \"display_supported\"], "
	    "\"num_sources\": 2,"
	    "   \"escapes\": {\"policy\": \"known-only\", \"replies\": ["
	    "     {\"prefix\": \"\", \"errno\": -75}, {\"fnv1a\": \"0xFFFFFFFFFFFFFFFF\", "
	    "\"status\": \"C0000023\", \"out\": \"00\"}]}},"
	    "  {\"luid\": \"0x00000001:0x00000002\", \"vendor\": 1, \"device\": 2, "
	    "\"driver_version\": \"0xffff000000000000\","
	    "   \"registry\": [{\"value\": \"A\", \"dword\": \"0x11223344\"}, {\"value\": \"A\", "
	    "\"query_type\": 1, \"qword\": 1},"
	    "     {\"value\": \"Path\", \"query_type\": \"driverimagepath\", \"string\": \"x\"},"
	    "     {\"query_type\": \"driverstore\", \"string\": \"/d\"}],"
	    "   \"escapes\": {\"policy\": \"reject-nonempty\", \"reply_size\": 4096}},"
	    "  {\"luid\": \"0xffffffffffffffff\", \"vendor\": 1, \"device\": 2, "
	    "\"query_adapter_info\": [{\"type\": 31, \"status\": \"STATUS_INVALID_PARAMETER\"}, "
	    "{\"type\": \"0x30\", \"status\": \"pending\", \"hex\": \"\"}]}],"
	    " \"faults\": ["
	    "  {\"call\": \"D3DKMTEscape\", \"status\": \"STATUS_BUFFER_TOO_SMALL\"},"
	    "  {\"call\": \"LX_DXESCAPE\", \"status\": \"buffer_too_small\", \"invocations\": 3},"
	    "  {\"call\": \"escape\", \"status\": \"0xC0000023\", \"invocations\": \"2-4\"},"
	    "  {\"call\": \"Escape\", \"status\": 3221225507, \"invocations\": \"5-\"},"
	    "  {\"call\": \"Escape\", \"status\": \"-1073741789\", \"invocations\": \"7\"},"
	    "  {\"call\": \"Escape\", \"errno\": \"EOVERFLOW\", \"where\": {\"flags\": \"0x8\"}},"
	    "  {\"call\": \"Escape\", \"errno\": \"eoverflow\", \"where\": {}},"
	    "  {\"call\": \"Escape\", \"errno\": 75, \"when\": \"escape-refused\"},"
	    "  {\"call\": \"Escape\", \"errno\": \"-75\", \"when\": \"always\"},"
	    "  {\"call\": \"CreateSynchronizationObject2\", \"errno\": 1, \"where\": "
	    "{\"info.type\": 2}}]}");
	assert_string_equal(p->name, "forms");
	assert_string_equal(p->description, "line 1\nline 2");
	assert_int_equal(p->vm_bus_limit, 4096);
	assert_int_equal(p->n_adapters, 3);

	const struct dxgt_mock_adapter *a = &p->adapters[0];
	assert_int_equal(a->luid, 5);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x7d1d);
	assert_int_equal(a->subsys, 0xffffffffu);
	assert_int_equal(a->revision, 4);
	assert_int_equal(a->driver_version, 12345);
	assert_false(a->is_hardware);
	assert_true(a->is_detachable);
	assert_true(a->display_supported);
	assert_false(a->compute_only);
	assert_int_equal(a->num_sources, 2);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_KNOWN_ONLY);
	assert_int_equal(a->n_escape_replies, 2);
	assert_int_equal(a->escape_replies[0].prefix.len, 0);
	assert_false(a->escape_replies[0].has_fnv1a);
	assert_int_equal(a->escape_replies[0].err, EOVERFLOW);
	assert_true(a->escape_replies[1].fnv1a == UINT64_MAX);
	assert_int_equal(a->escape_replies[1].status, 0xC0000023u);
	assert_int_equal(a->escape_replies[1].out.len, 1);

	a = &p->adapters[1];
	assert_true(a->luid == (UINT64_C(1) << 32 | 2));
	assert_true(a->driver_version == UINT64_C(0xffff000000000000));
	assert_int_equal(a->n_registry, 4);
	assert_int_equal(a->registry[0].query_type, -1);
	assert_int_equal(a->registry[0].value_type, 4);
	assert_int_equal(a->registry[0].value.len, 4);
	assert_memory_equal(a->registry[0].value.data, "\x44\x33\x22\x11", 4);
	assert_int_equal(a->registry[1].query_type, 1);
	assert_int_equal(a->registry[1].value_type, 11);
	assert_int_equal(a->registry[1].value.len, 8);
	assert_int_equal(a->registry[2].query_type, 3);
	assert_int_equal(a->registry[3].query_type, 2);
	assert_string_equal(a->registry[3].value_name, "");
	assert_int_equal(a->registry[3].value.len, 2);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_REJECT_NONEMPTY);
	assert_int_equal(a->escape_reply_size, 4096);

	a = &p->adapters[2];
	assert_true(a->luid == UINT64_MAX);
	assert_int_equal(a->qai[0].status, 0xC000000Du);
	assert_int_equal(a->qai[0].data.len, 0);
	assert_int_equal(a->qai[1].type, 0x30);
	assert_int_equal(a->qai[1].status, 0x103);

	assert_int_equal(p->n_faults, 10);
	uint16_t esc = call_id("Escape");
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(p->faults[i].call_id, esc);
		assert_int_equal(p->faults[i].status, 0xC0000023u);
		assert_int_equal(p->faults[i].err, 0);
	}
	assert_int_equal(p->faults[0].first, 1);
	assert_true(p->faults[0].last == UINT64_MAX);
	assert_int_equal(p->faults[1].first, 3);
	assert_int_equal(p->faults[1].last, 3);
	assert_int_equal(p->faults[2].first, 2);
	assert_int_equal(p->faults[2].last, 4);
	assert_int_equal(p->faults[3].first, 5);
	assert_true(p->faults[3].last == UINT64_MAX);
	assert_int_equal(p->faults[4].first, 7);
	assert_int_equal(p->faults[4].last, 7);
	for (size_t i = 5; i < 9; i++)
		assert_int_equal(p->faults[i].err, EOVERFLOW);
	assert_true(p->faults[5].has_arg);
	assert_string_equal(p->faults[5].arg_name, "flags");
	assert_int_equal(p->faults[5].arg_value, 8);
	assert_false(p->faults[6].has_arg);
	assert_true(p->faults[7].after_escape_refused);
	assert_false(p->faults[8].after_escape_refused);
	assert_false(p->faults[6].after_escape_refused);
	assert_string_equal(p->faults[9].arg_name, "info.type");
	assert_int_equal(p->faults[9].err, EPERM);
	dxgt_profile_free(p);

	/* An empty profile is a host without adapters. */
	p = parse_ok("{}");
	assert_int_equal(p->n_adapters, 0);
	assert_string_equal(p->name, "ok");
	dxgt_profile_free(p);
	dxgt_profile_free(NULL);
}

/* ---- malformed profiles ---- */

#define AD "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, "
#define AD_END "}]}"
#define FAULT(x) "{\"faults\": [" x "]}"
#define INFO(x) "\"query_adapter_info\": [{\"type\": 0, \"intel_adapter_info\": {" x "}}]"

struct bad {
	const char *json;
	int rc;
	const char *want[3]; /* substrings of the message */
};

static const struct bad bad_profiles[] = {
    {AD "\"escapes\": {\"policy\": \"sometimes\"}" AD_END,
     DXGT_E_INVAL,
     {"bad.json: adapters[0].escapes.policy: expected one of pass, reject-nonempty, known-only, "
      "disabled, got \"sometimes\""}},
    {AD "\"escapes\": {\"policy\": \"reject_nonempty\"}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.policy: expected one of", "did you mean \"reject-nonempty\"?"}},
    {"{\"adapters\": [{\"luid\": 1, \"vednor\": 1, \"device\": 2}]}",
     DXGT_E_INVAL,
     {"bad.json: adapters[0].vednor: unknown key; did you mean \"vendor\"?"}},
    {"{\"frobnicate\": 1}",
     DXGT_E_INVAL,
     {"bad.json: frobnicate: unknown key; expected one of name, description, vm_bus_limit, "
      "adapters, faults, comment"}},
    {"{\"adapters\": [}", DXGT_E_CORRUPT, {"bad.json:1:", "unexpected token"}},
    {"", DXGT_E_CORRUPT, {"bad.json:", "expected"}},
    {"[1, 2]", DXGT_E_INVAL, {"bad.json: (top level): expected an object, got an array"}},
    {"{\"a\": 1, \"a\": 2}", DXGT_E_CORRUPT, {"bad.json:1:", "duplicate object key"}},
    {"{\"vm_bus_limit\": 99999999999999999999999}", DXGT_E_CORRUPT, {"bad.json:1:", "too big"}},
    {"{\"vm_bus_limit\": 1e300}",
     DXGT_E_INVAL,
     {"vm_bus_limit: expected an integer from 1024 to 16777216, got 1e+300"}},
    {"{\"vm_bus_limit\": -5}", DXGT_E_INVAL, {"vm_bus_limit: expected an integer", "got -5"}},
    {"{\"adapters\": [{\"luid\": 1, \"vendor\": [1], \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].vendor: expected a number or a hex string \"0x...\" from 0 to 4294967295",
      "got an array"}},
    {"{\"adapters\": [{\"luid\": 1, \"vendor\": -1, \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].vendor: expected a number from 0 to 4294967295 (0xFFFFFFFF), got -1"}},
    {"{\"adapters\": [{\"luid\": 1, \"vendor\": \"8086\", \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].vendor: expected a number or a hex string", "got \"8086\""}},
    {"{\"adapters\": [{\"luid\": 1, \"vendor\": \"0x100000000\", \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].vendor: expected a number from 0 to 4294967295", "got \"0x100000000\""}},
    {"{\"adapters\": [{\"luid\": \"0x1:zz\", \"vendor\": 1, \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].luid: expected a LUID", "got \"0x1:zz\""}},
    {"{\"adapters\": [{\"luid\": \"0x10000000000000000\", \"vendor\": 1, \"device\": 2}]}",
     DXGT_E_INVAL,
     {"adapters[0].luid: expected a number or a hex string"}},
    {"{\"adapters\": [{\"vendor\": 1, \"device\": 2}]}",
     DXGT_E_INVAL,
     {"bad.json: adapters[0]: expected a \"luid\", got none"}},
    {"{\"adapters\": [{\"luid\": 9, \"vendor\": 1, \"device\": 2}, {\"luid\": \"0x9\", "
     "\"vendor\": 1, \"device\": 3}]}",
     DXGT_E_INVAL,
     {"adapters[1].luid: expected a LUID no other adapter has, got 0x0000000000000009 (also "
      "adapters[0])"}},
    {AD "\"num_sources\": -3" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].num_sources: expected an integer from 0 to 64, got -3"}},
    {AD "\"driver_version\": \"1.2.3\"" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].driver_version: expected a version \"A.B.C.D\"", "got \"1.2.3\""}},
    {AD "\"driver_version\": \"1.2.3.65536\"" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].driver_version: expected a version"}},
    {AD "\"flags\": [\"compute-only\"]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].flags[0]: expected one of compute_only,", "did you mean \"compute_only\"?"}},
    {AD "\"flags\": [\"integrated\", \"integrated\"]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].flags[1]: expected each flag once, got \"integrated\" again"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"hex\": \"abc\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0].hex: expected an even number of hex digits (two per "
      "byte), got 3"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"hex\": \"0x12\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0].hex: expected hex digits", "got 'x' at offset 1"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"hex\": \"00\", \"file\": \"x\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0]: expected either hex or file, got both"}},
    {AD "\"query_adapter_info\": [{\"type\": 0}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0]: expected hex, file or intel_adapter_info",
      "got neither"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"hex\": \"00\"}, {\"type\": 0, \"hex\": "
	"\"01\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[1]: expected one answer per type, got type 0 again"}},
    {AD "\"query_adapter_info\": [{\"type\": 1, \"status\": \"STATUS_NO_SUCH_THING\"}]" AD_END,
     DXGT_E_INVAL,
     {"query_adapter_info[0].status: expected an NTSTATUS name", "\"STATUS_NO_SUCH_THING\""}},
    {AD "\"query_adapter_info\": [{\"type\": 1, \"status\": \"BUFER_TOO_SMALL\"}]" AD_END,
     DXGT_E_INVAL,
     {"query_adapter_info[0].status", "did you mean \"STATUS_BUFFER_TOO_SMALL\"?"}},
    {AD "\"registry\": [{\"value\": \"X\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0]: expected the value as one of string, dword, qword, hex or file, "
      "got none"}},
    {AD "\"registry\": [{\"string\": \"x\"}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0].value: expected a registry value name", "got nothing"}},
    {AD "\"registry\": [{\"value\": \"X\", \"string\": \"x\", \"value_type\": 7}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0].value_type: expected no value_type with string (it sets the type "
      "of hex and file values), got one"}},
    {AD "\"registry\": [{\"value\": \"X\", \"hex\": \"00\", \"value_type\": -1}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0].value_type: expected a number from 0 to 4294967295", "got -1"}},
    {AD "\"registry\": [{\"value\": \"X\", \"dword\": 4294967296}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0].dword: expected a number from 0 to 4294967295"}},
    {AD "\"registry\": [{\"value\": \"X\", \"query_type\": \"hive\", \"dword\": 1}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].registry[0].query_type: expected one of servicekey, adapterkey, "
      "driverstore, driverimagepath, any, got \"hive\""}},
    {AD "\"escapes\": {\"policy\": \"pass\", \"reply_size\": 4}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.reply_size: expected no reply_size", "got policy pass"}},
    {AD "\"escapes\": {\"policy\": \"reject-nonempty\", \"reply_size\": 131073}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.reply_size: expected an integer from 0 to 131072, got 131073"}},
    {AD "\"escapes\": {\"policy\": \"disabled\", \"replies\": []}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.replies: expected no replies", "got policy disabled"}},
    {AD "\"escapes\": {\"reply_size\": 0}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes: expected a \"policy\""}},
    {AD "\"escapes\": {\"policy\": \"pass\", \"replies\": [{\"out\": \"00\"}]}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.replies[0]: expected exactly one of prefix or fnv1a", "got neither"}},
    {AD "\"escapes\": {\"policy\": \"pass\", \"replies\": [{\"prefix\": \"01\"}, {\"prefix\": "
	"\"01\"}]}" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].escapes.replies[1]: expected a match not already made by replies[0]"}},
    {AD "\"escapes\": {\"policy\": \"pass\", \"replies\": [{\"prefix\": \"01\", \"status\": 0, "
	"\"errno\": 1}]}" AD_END,
     DXGT_E_INVAL,
     {"replies[0]: expected at most one of status or errno, got both"}},
    {FAULT("{\"call\": \"QueryAdapterInf\", \"errno\": 1}"),
     DXGT_E_INVAL,
     {"bad.json: faults[0].call: expected a call name", "did you mean \"QueryAdapterInfo\"?"}},
    {FAULT("{\"call\": \"Frobnicate\", \"errno\": 1}"),
     DXGT_E_INVAL,
     {"faults[0].call: expected a call name such as \"QueryAdapterInfo\"", "got \"Frobnicate\""}},
    {FAULT("{\"call\": \"EnumAdapters\", \"errno\": 1}"),
     DXGT_E_INVAL,
     {"faults[0].call: expected a call that reaches /dev/dxg", "\"EnumAdapters\""}},
    {FAULT("{\"call\": \"QueryAdapterInfo\", \"where\": {\"private_data_size\": 4}, \"errno\": "
	   "1}"),
     DXGT_E_INVAL,
     {"faults[0].where.private_data_size: expected a scalar field of QueryAdapterInfo (one of "
      "type), got \"private_data_size\""}},
    {FAULT("{\"call\": \"QueryAdapterInfo\", \"where\": {\"typ\": 4}, \"errno\": 1}"),
     DXGT_E_INVAL,
     {"faults[0].where.typ: QueryAdapterInfo has no scalar field \"typ\"; did you mean "
      "\"type\"?"}},
    {FAULT("{\"call\": \"QueryAdapterInfo\", \"where\": {\"type\": 4294967296}, \"errno\": 1}"),
     DXGT_E_INVAL,
     {"faults[0].where.type: expected a number from 0 to 4294967295"}},
    {FAULT("{\"call\": \"Escape\", \"where\": {\"type\": 1, \"flags\": 2}, \"errno\": 1}"),
     DXGT_E_INVAL,
     {"faults[0].where: expected one field", "got 2"}},
    {FAULT("{\"call\": \"Escape\", \"status\": \"STATUS_BOGUS\"}"),
     DXGT_E_INVAL,
     {"faults[0].status: expected an NTSTATUS name", "got \"STATUS_BOGUS\""}},
    {FAULT("{\"call\": \"Escape\", \"status\": \"SUCCESS\"}"),
     DXGT_E_INVAL,
     {"faults[0].status: expected a status other than STATUS_SUCCESS"}},
    {FAULT("{\"call\": \"Escape\", \"errno\": \"EOVERFLOWW\"}"),
     DXGT_E_INVAL,
     {"faults[0].errno: expected an errno name or number", "did you mean \"EOVERFLOW\"?"}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 5000}"),
     DXGT_E_INVAL,
     {"faults[0].errno: expected an errno name (\"EOVERFLOW\") or a number from 1 to 4095",
      "got 5000"}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 1, \"status\": \"0xC0000023\"}"),
     DXGT_E_INVAL,
     {"faults[0]: expected exactly one of status", "got both"}},
    {FAULT("{\"call\": \"Escape\"}"),
     DXGT_E_INVAL,
     {"faults[0]: expected exactly one of status", "got neither"}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 1, \"when\": \"sometimes\"}"),
     DXGT_E_INVAL,
     {"faults[0].when: expected \"always\" or \"escape-refused\"", "got \"sometimes\""}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 1, \"invocations\": \"3-1\"}"),
     DXGT_E_INVAL,
     {"faults[0].invocations: expected \"all\", a count N >= 1", "got \"3-1\""}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 1, \"invocations\": 0}"),
     DXGT_E_INVAL,
     {"faults[0].invocations: expected", "got 0"}},
    {FAULT("{\"call\": \"Escape\", \"errno\": 1, \"invocations\": "
	   "\"99999999999999999999999\"}"),
     DXGT_E_INVAL,
     {"faults[0].invocations: expected"}},
    {"{\"faults\": {}}",
     DXGT_E_INVAL,
     {"bad.json: faults: expected an array of faults, got an object"}},
    {"{\"name\": 7}", DXGT_E_INVAL, {"bad.json: name: expected a string, got 7"}},
    {"{\"description\": [\"a\", 1]}",
     DXGT_E_INVAL,
     {"bad.json: description[1]: expected a string, got 1"}},
    /* Intel's adapter info, described field by field. */
    {AD INFO("\"GfxPlatfrom\": {}") AD_END,
     DXGT_E_INVAL,
     {"bad.json: adapters[0].query_adapter_info[0].intel_adapter_info.GfxPlatfrom: "
      "ADAPTER_INFO has no field \"GfxPlatfrom\"; did you mean \"GfxPlatform\"?"}},
    {AD INFO("\"SystemInfo\": {\"Frobnicate\": 1}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SystemInfo.Frobnicate: GT_SYSTEM_INFO has no field \"Frobnicate\"; "
      "expected one of EUCount, ThreadCount,"}},
    {AD INFO("\"SkuTable\": [\"FtrPPGTT\", \"FtrPPGTTT\"]") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SkuTable[1]: SKU_FEATURE_TABLE has no flag \"FtrPPGTTT\"; did you "
      "mean \"FtrPPGTT\"?"}},
    {AD INFO("\"WaTable\": [\"WaCSRUncachable\", \"WaCSRUncachable\"]") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.WaTable[1]: expected each flag once, got \"WaCSRUncachable\" again "
      "(also [0])"}},
    {AD INFO("\"SkuTable\": [1]") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SkuTable[0]: expected the name of a SKU_FEATURE_TABLE flag, got 1"}},
    {AD INFO("\"SkuTable\": {}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SkuTable: expected an array of flag names, got an object"}},
    {AD INFO("\"GfxPlatform\": {\"usDeviceID\": \"0x10000\"}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.GfxPlatform.usDeviceID: expected a number from 0 to 65535 (0xFFFF), "
      "got \"0x10000\""}},
    {AD INFO("\"IsHTSupported\": 256") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.IsHTSupported: expected a number from 0 to 255 (0xFF), got 256"}},
    {AD INFO("\"SystemInfo\": {\"IsL3HashModeEnabled\": 1}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SystemInfo.IsL3HashModeEnabled: expected true or false, got 1"}},
    {AD INFO("\"GfxPlatform\": 5") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.GfxPlatform: expected an object, got 5"}},
    {AD INFO("\"SystemInfo\": {\"SliceInfo\": [{}, {}, {}, {}, {}, {}, {}, {}, {}]}") AD_END,
     DXGT_E_TOOBIG,
     {"intel_adapter_info.SystemInfo.SliceInfo: expected at most 8 SliceInfo elements "
      "(GT_SLICE_INFO objects), got 9"}},
    {AD INFO("\"SystemInfo\": {\"SliceInfo\": [{\"DSSInfo\": [{\"SubSlice\": [{\"Enabled\": "
	     "\"yes\"}]}]}]}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.SystemInfo.SliceInfo[0].DSSInfo[0].SubSlice[0].Enabled: expected true "
      "or false, got \"yes\""}},
    {AD INFO("\"GfxPartition\": {\"Heap32\": [7]}") AD_END,
     DXGT_E_INVAL,
     {"intel_adapter_info.GfxPartition.Heap32[0]: expected an object, got 7"}},
    {AD "\"query_adapter_info\": [{\"type\": 15, \"intel_adapter_info\": {}}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0].intel_adapter_info: expected it with type 0 "
      "(KMTQAITYPE_UMDRIVERPRIVATE, the driver-private adapter info) only, got type 15"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"hex\": \"00\", \"intel_adapter_info\": "
	"{}}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0]: expected one of hex, file or intel_adapter_info, got "
      "both hex and intel_adapter_info"}},
    {AD "\"query_adapter_info\": [{\"type\": 0, \"status\": \"STATUS_INVALID_PARAMETER\", "
	"\"intel_adapter_info\": {}}]" AD_END,
     DXGT_E_INVAL,
     {"adapters[0].query_adapter_info[0]: expected no hex, file or intel_adapter_info with a "
      "failing status"}},
    /* A key with a newline is quoted, and the message stays one line. */
    {"{\"a\\nb\": 1}", DXGT_E_INVAL, {"bad.json: [\"a\\x0ab\"]: unknown key; expected one of"}},
};

static void malformed_profiles_are_rejected_with_their_key_path(void **state)
{
	(void)state;
	assert_true(N(bad_profiles) >= 15);
	for (size_t i = 0; i < N(bad_profiles); i++) {
		const struct bad *b = &bad_profiles[i];
		struct dxgt_profile *p = (struct dxgt_profile *)1;
		char err[1024];
		int rc =
		    dxgt_profile_parse(&p, b->json, strlen(b->json), "bad.json", err, sizeof(err));
		if (rc != b->rc)
			fail_msg("case %zu: rc %d (%s), want %d; message: %s", i, rc,
				 dxgt_error_name(rc), b->rc, err);
		assert_null(p);
		if (strncmp(err, "bad.json", 8) != 0 || strchr(err, '\n'))
			fail_msg("case %zu: not one line about bad.json: %s", i, err);
		for (size_t k = 0; k < N(b->want) && b->want[k]; k++)
			if (!strstr(err, b->want[k]))
				fail_msg("case %zu: message lacks [%s]: %s", i, b->want[k], err);
	}
}

/* Input no profile would have: deep nesting, too many adapters, a long
 * string in the message, a tiny or missing error buffer. */
static void hostile_input_is_bounded(void **state)
{
	(void)state;
	char err[512];
	struct dxgt_profile *p = NULL;

	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	assert_non_null(deep);
	size_t o = 0;
	o += (size_t)sprintf(deep, "{\"adapters\": ");
	for (size_t i = 0; i < depth; i++)
		deep[o++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[o++] = ']';
	deep[o++] = '}';
	assert_int_equal(dxgt_profile_parse(&p, deep, o, "deep.json", err, sizeof(err)),
			 DXGT_E_CORRUPT);
	assert_non_null(strstr(err, "deep.json:1:"));
	free(deep);

	char many[4096];
	o = (size_t)snprintf(many, sizeof(many), "{\"adapters\": [");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o,
				      "%s{\"luid\": %d, \"vendor\": 1, \"device\": 2}",
				      i ? "," : "", i);
	snprintf(many + o, sizeof(many) - o, "]}");
	assert_int_equal(dxgt_profile_parse(&p, many, strlen(many), "many.json", err, sizeof(err)),
			 DXGT_E_TOOBIG);
	assert_string_equal(err, "many.json: adapters: expected at most 16 adapters, got 17");

	static const char longname[] =
	    "{\"adapters\": [{\"luid\": 1, \"vendor\": 1, \"device\": 2, \"escapes\": {\"policy\": "
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}]}";
	assert_int_equal(
	    dxgt_profile_parse(&p, longname, strlen(longname), "long.json", err, sizeof(err)),
	    DXGT_E_INVAL);
	assert_non_null(strstr(err, "aaaa\"..."));

	/* Blobs over their caps: the VM bus limit, and 16 MiB absolutely. */
	struct {
		uint32_t bus;
		size_t bytes;
		int rc;
		const char *want;
	} caps[] = {
	    {1024, 1024, 0, NULL},
	    {1024, 1025, DXGT_E_TOOBIG,
	     "big.json: adapters[0].query_adapter_info[0].hex: expected at most 1024 bytes "
	     "(vm_bus_limit), got 1025"},
	    {16u << 20, (16u << 20) + 1, DXGT_E_TOOBIG,
	     "big.json: adapters[0].query_adapter_info[0].hex: expected at most 16777216 bytes "
	     "(vm_bus_limit), got 16777217"},
	};
	for (size_t i = 0; i < N(caps); i++) {
		size_t cap = 2 * caps[i].bytes + 256;
		char *big = malloc(cap);
		assert_non_null(big);
		o = (size_t)snprintf(big, cap,
				     "{\"vm_bus_limit\": %u, \"adapters\": [{\"luid\": 1, "
				     "\"vendor\": 1, \"device\": 2, \"query_adapter_info\": "
				     "[{\"type\": 0, \"hex\": \"",
				     caps[i].bus);
		memset(big + o, 'a', 2 * caps[i].bytes);
		o += 2 * caps[i].bytes;
		o += (size_t)snprintf(big + o, cap - o, "\"}]}]}");
		int rc = dxgt_profile_parse(&p, big, o, "big.json", err, sizeof(err));
		free(big);
		assert_int_equal(rc, caps[i].rc);
		if (rc == 0) {
			assert_int_equal(p->adapters[0].qai[0].data.len, caps[i].bytes);
			assert_int_equal(p->adapters[0].qai[0].data.data[0], 0xaa);
			dxgt_profile_free(p);
			p = NULL;
		} else {
			assert_string_equal(err, caps[i].want);
		}
	}

	/* Error buffers: tiny, or none at all. */
	char tiny[8];
	assert_int_equal(dxgt_profile_parse(&p, "[", 1, "t.json", tiny, sizeof(tiny)),
			 DXGT_E_CORRUPT);
	assert_int_equal(strlen(tiny), 7);
	assert_int_equal(dxgt_profile_parse(&p, "[", 1, "t.json", NULL, 0), DXGT_E_CORRUPT);
	assert_int_equal(dxgt_profile_parse(&p, "{\"x\": 1}", 8, NULL, err, sizeof(err)),
			 DXGT_E_INVAL);
	assert_int_equal(dxgt_profile_parse(NULL, "{}", 2, "x", err, sizeof(err)), DXGT_E_INVAL);
	/* Embedded NUL in the text: jansson rejects it. */
	assert_int_equal(dxgt_profile_parse(&p, "{\"a\0\": 1}", 9, "nul.json", err, sizeof(err)),
			 DXGT_E_CORRUPT);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(npu_profile_matches_the_report),
	    cmocka_unit_test(arc_profile_has_the_reported_failures),
	    cmocka_unit_test(policy_profiles_have_their_policies),
	    cmocka_unit_test(gpu_profile_describes_a_tiger_lake),
	    cmocka_unit_test(intel_adapter_info_becomes_tokens),
	    cmocka_unit_test(docs_name_every_adapter_info_field),
	    cmocka_unit_test(adapter_info_has_a_size_limit),
	    cmocka_unit_test(every_shipped_profile_loads),
	    cmocka_unit_test_setup_teardown(lookup_by_path_and_name, make_tmpdir, remove_tmpdir),
	    cmocka_unit_test(unknown_names_list_the_shipped_ones),
	    cmocka_unit_test_setup_teardown(profile_path_is_searched_first, make_tmpdir,
					    remove_tmpdir),
	    cmocka_unit_test_setup_teardown(blob_files_resolve_against_the_profile, make_tmpdir,
					    remove_tmpdir),
	    cmocka_unit_test(numbers_statuses_and_errnos_in_every_form),
	    cmocka_unit_test(registry_hex_keeps_the_hosts_value_type),
	    cmocka_unit_test(malformed_profiles_are_rejected_with_their_key_path),
	    cmocka_unit_test(hostile_input_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
