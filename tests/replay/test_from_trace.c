// SPDX-License-Identifier: MIT
/*
 * dxgt_profile_from_trace: a recording becomes a host profile that answers
 * as the recorded host did.
 *
 *  - npu-probe recorded under the NPU profile (libdxgtrace.so ahead of
 *    libdxgmock.so): the synthesised profile, run in a model, answers the
 *    probe's calls as recorded (8086:7D1D, the four registration escapes
 *    of 64, 568, 24 and 40 bytes -EOVERFLOW, the empty escape after them 0,
 *    CreateContextVirtual -EINVAL once);
 *  - npu-probe and dxg-probe recorded under each shipped profile replay
 *    against their synthesised profiles with verify and no mismatch, at
 *    every layer the trace has; and against another host's profile they
 *    do mismatch, so the check can fail;
 *  - a Windows-style capture (D3DKMT and DXCore only) and a Linux one
 *    (both layers), written here with the trace writer, cover adapter
 *    order and compute-only membership, ids from QueryAdapterInfo and from
 *    DXCore, canned answers and statuses, every kind of registry answer
 *    (size probes included), escape replies by hash and by prefix, and
 *    faults by invocation; both replay with no mismatch;
 *  - what the model cannot say is listed in the description, and only
 *    those calls mismatch;
 *  - unusable input gives one line naming the file.
 *
 * Paths of the recorder, the mock and the probes come from CMake.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/dxcore.h"
#include "dxgt/error.h"
#include "dxgt/mock.h"
#include "dxgt/replay.h"
#include "dxgt/status.h"
#include "dxgt/trace.h"
#include "dxgt/uapi.h"

#ifndef REC_PRELOAD
#error "REC_PRELOAD (the recorder and the mock, for LD_PRELOAD) comes from CMake"
#endif

#define STATUS_INVALID_PARAMETER 0xC000000Du
#define STATUS_NO_MEMORY 0xC0000017u
#define STATUS_BUFFER_TOO_SMALL 0xC0000023u
#define STATUS_NOT_SUPPORTED 0xC00000BBu

static char dir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/dxgt-from-trace-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* ---- helpers ---- */

/* Runs prog under the recorder and the mock host with profile; the trace
 * goes to out. Returns the program's exit status. */
static int record(const char *prog, const char *profile, const char *out)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		setenv("LD_PRELOAD", REC_PRELOAD, 1);
		setenv("DXGMOCK_PROFILE", profile, 1);
		setenv("DXGTRACE_OUTPUT", out, 1);
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The profile synthesised from the trace at path; *json gets its text
 * when json is not NULL. */
static struct dxgt_profile *synth(const char *path, char **json)
{
	char err[512] = "";
	char *text = NULL;
	int rc = dxgt_profile_from_trace(path, &text, err, sizeof(err));
	if (rc)
		fail_msg("from-trace %s: %d %s", path, rc, err);
	assert_non_null(text);
	struct dxgt_profile *p = NULL;
	rc = dxgt_profile_parse(&p, text, strlen(text), "synth", err, sizeof(err));
	if (rc)
		fail_msg("parse: %s\n%s", err, text);
	if (json)
		*json = text;
	else
		free(text);
	return p;
}

static struct dxgt_replay_stats replay(const char *path, const struct dxgt_profile *p,
				       enum dxgt_layer layer)
{
	struct dxgt_backend *b = NULL;
	assert_int_equal(dxgt_backend_mock_new(&b, p), 0);
	struct dxgt_replay_opts o = {.layer = layer, .verify = true, .log = stdout};
	struct dxgt_replay_stats st = {0};
	char err[256] = "";
	int rc = dxgt_replay_run(path, b, &o, &st, NULL, err, sizeof(err));
	if (rc)
		fail_msg("replay %s: %d %s", path, rc, err);
	dxgt_backend_free(b);
	return st;
}

static uint32_t ioc(const char *name)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	assert_non_null(d);
	return d->ioctl_code;
}

static uint16_t id_of(const char *name)
{
	return dxgt_call_by_name(name)->id;
}

static struct dxgt_mock *model(const struct dxgt_profile *p)
{
	struct dxgt_mock *m = NULL;
	assert_int_equal(dxgt_mock_new(&m, p, DXGT_MOCK_TRUSTED), 0);
	return m;
}

/* Opens the adapter with this LUID in model m. */
static uint32_t open_luid(struct dxgt_mock *m, uint64_t luid)
{
	struct dxgt_openadapterfromluid o = {{(uint32_t)luid, (uint32_t)(luid >> 32)}, 0};
	assert_int_equal(dxgt_mock_ioctl(m, ioc("OpenAdapterFromLuid"), &o), 0);
	return o.adapter_handle;
}

static long escape(struct dxgt_mock *m, uint32_t adapter, void *payload, uint32_t size)
{
	struct dxgt_escape e = {.adapter = adapter,
				.priv_drv_data = (uint64_t)(uintptr_t)payload,
				.priv_drv_data_size = size};
	return dxgt_mock_ioctl(m, ioc("Escape"), &e);
}

static long query(struct dxgt_mock *m, uint32_t adapter, uint32_t type, void *buf, uint32_t size)
{
	struct dxgt_queryadapterinfo q = {adapter, type, (uint64_t)(uintptr_t)buf, size, 0};
	return dxgt_mock_ioctl(m, ioc("QueryAdapterInfo"), &q);
}

static const struct dxgt_mock_fault *fault_of(const struct dxgt_profile *p, const char *call,
					      size_t nth)
{
	for (size_t i = 0; i < p->n_faults; i++)
		if (p->faults[i].call_id == id_of(call) && nth-- == 0)
			return &p->faults[i];
	return NULL;
}

/* ---- the NPU probe, recorded ---- */

/* The escape payloads a trace recorded, in order (at most MAX_ESCAPES). */
#define MAX_ESCAPES 6
static size_t recorded_payloads(const char *path, uint8_t payload[][1024], uint32_t *size)
{
	struct dxgt_reader *r = NULL;
	assert_int_equal(dxgt_reader_open(&r, path), 0);
	const struct dxgt_record *rec;
	size_t n = 0;
	while (dxgt_reader_next(r, &rec) > 0 && n < MAX_ESCAPES) {
		if (rec->type != DXGT_REC_ENTER || rec->layer != DXGT_LAYER_IOCTL ||
		    rec->call_id != id_of("Escape"))
			continue;
		size[n] = 0;
		for (uint16_t i = 0; i < rec->n_bufs; i++)
			if (rec->bufs[i].len <= 1024) {
				memcpy(payload[n], rec->bufs[i].data, rec->bufs[i].len);
				size[n] = rec->bufs[i].len;
			}
		n++;
	}
	dxgt_reader_close(r);
	return n;
}

static void npu_probe_answers_as_recorded(void **state)
{
	(void)state;
	char trace[128];
	path_in(trace, sizeof(trace), "npu.dxgt");
	assert_int_equal(record(NPU_PROBE, "wsl2-intel-npu", trace), 1); /* the report's outcome */
	char *json = NULL;
	struct dxgt_profile *p = synth(trace, &json);

	assert_string_equal(p->name, "from-trace:npu.dxgt");
	assert_non_null(strstr(p->description, "Synthesised by dxgtrace from the trace npu.dxgt"));
	assert_int_equal(p->n_adapters, 1);
	const struct dxgt_mock_adapter *a = &p->adapters[0];
	assert_true(a->luid == 0x123ab);
	assert_int_equal(a->vendor, 0x8086);
	assert_int_equal(a->device, 0x7d1d);
	assert_int_equal(a->escape_policy, DXGT_ESCAPE_PASS);
	assert_int_equal(a->n_escape_replies, 4); /* the empty escape needs none */
	assert_int_equal(p->n_faults, 1);
	assert_int_equal(p->faults[0].call_id, id_of("CreateContextVirtual"));
	assert_true(p->faults[0].first == 1 && p->faults[0].last == 1);
	assert_int_equal(p->faults[0].err, EINVAL); /* the errno is what the guest saw */

	/* The four registration escapes, then the empty one. */
	uint8_t payload[MAX_ESCAPES][1024];
	uint32_t size[MAX_ESCAPES];
	static const uint32_t want_size[] = {64, 568, 24, 40, 0};
	assert_int_equal(recorded_payloads(trace, payload, size), 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(size[i], want_size[i]);

	struct dxgt_mock *m = model(p);
	struct dxgt_adapterinfo list[4];
	struct dxgt_enumadapters3 e = {1, 4, 0, (uint64_t)(uintptr_t)list};
	assert_int_equal(dxgt_mock_ioctl(m, ioc("EnumAdapters3"), &e), 0);
	assert_int_equal(e.adapter_count, 1);
	assert_int_equal(list[0].adapter_luid.a, 0x123ab);
	uint32_t ad = open_luid(m, 0x123ab);

	uint32_t ids[7] = {0};
	assert_int_equal(query(m, ad, 31, ids, sizeof(ids)), 0);
	assert_int_equal(ids[1], 0x8086);
	assert_int_equal(ids[2], 0x7d1d);

	struct dxgt_createdevice cd = {.adapter = ad};
	assert_int_equal(dxgt_mock_ioctl(m, ioc("CreateDevice"), &cd), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(escape(m, ad, payload[i], size[i]), -EOVERFLOW);
	assert_int_equal(escape(m, ad, NULL, 0), 0);
	assert_int_equal(dxgt_mock_ntstatus_from_ioctl(-EOVERFLOW), STATUS_BUFFER_TOO_SMALL);
	/* A payload nobody recorded reaches the vendor model and comes back. */
	payload[0][0] ^= 0xff;
	assert_int_equal(escape(m, ad, payload[0], 64), 0);

	uint8_t data[16] = {0};
	struct dxgt_createcontextvirtual cc = {.device = cd.device,
					       .priv_drv_data = (uint64_t)(uintptr_t)data,
					       .priv_drv_data_size = sizeof(data)};
	assert_int_equal(dxgt_mock_ioctl(m, ioc("CreateContextVirtual"), &cc), -EINVAL);
	/* Exactly there: the recording made one. */
	cc.context = 0;
	assert_int_equal(dxgt_mock_ioctl(m, ioc("CreateContextVirtual"), &cc), 0);
	assert_int_not_equal(cc.context, 0);

	dxgt_mock_free(m);
	dxgt_profile_free(p);
	free(json);
}

static void probes_replay_under_every_shipped_profile(void **state)
{
	(void)state;
	static const char *const profiles[] = {"wsl2-intel-npu", "wsl2-intel-arc",
					       "gpupv-secure-vm", "sandbox-default",
					       "wsl2-permissive"};
	static const char *const probes[] = {NPU_PROBE, DXG_PROBE};
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			char trace[128], name[64];
			snprintf(name, sizeof(name), "%s.%zu.dxgt", profiles[i], k);
			path_in(trace, sizeof(trace), name);
			int rc = record(probes[k], profiles[i], trace);
			assert_true(rc == 0 || rc == 1);
			struct dxgt_profile *p = synth(trace, NULL);
			/* npu-probe's trace has both layers; dxg-probe's only ioctls. */
			enum dxgt_layer layers[] = {DXGT_LAYER_NONE, DXGT_LAYER_IOCTL};
			for (size_t l = 0; l < 2; l++) {
				struct dxgt_replay_stats st = replay(trace, p, layers[l]);
				printf("%s %s layer %d: %llu calls, %llu mismatches\n", profiles[i],
				       k ? "dxg-probe" : "npu-probe", (int)layers[l],
				       (unsigned long long)st.calls,
				       (unsigned long long)st.mismatches);
				assert_true(st.calls >= 13);
				assert_int_equal(st.mismatches, 0);
				assert_int_equal(st.unmapped, 0);
			}
			dxgt_profile_free(p);
		}
	}
	/* The check can fail: the NPU host's recording against the profile
	 * synthesised from the permissive host's differs at the four
	 * registration escapes and at the context. */
	char npu[128], permissive[128];
	path_in(npu, sizeof(npu), "wsl2-intel-npu.0.dxgt");
	path_in(permissive, sizeof(permissive), "wsl2-permissive.0.dxgt");
	struct dxgt_profile *p = synth(permissive, NULL);
	struct dxgt_replay_stats st = replay(npu, p, DXGT_LAYER_NONE);
	assert_int_equal(st.mismatches, 5);
	dxgt_profile_free(p);
}

/* ---- writing traces ---- */

struct tw {
	struct dxgt_writer *w;
	uint64_t seq;
};

/* A nested buffer: desc index, bytes stored, length by the rule (0: the
 * same), flags. */
struct tb {
	uint16_t desc;
	const void *data;
	uint32_t len, orig;
	uint8_t flags;
};

#define BUF_ADDR 0x7f0000001000ull

static void tw_open(struct tw *t, const char *path, const char *os)
{
	memset(t, 0, sizeof(*t));
	struct dxgt_writer_opts o = {.created_unix_ns = 1};
	assert_int_equal(dxgt_writer_open(&t->w, path, &o), 0);
	struct dxgt_meta_field f[] = {
	    {"os", DXGT_VAL_STR, 0, (const uint8_t *)os, (uint32_t)strlen(os)}};
	struct dxgt_record r = {
	    .type = DXGT_REC_META, .meta_kind = DXGT_META_HOST, .fields = f, .n_fields = 1};
	assert_int_equal(dxgt_writer_add(t->w, &r), 0);
}

static void tw_close(struct tw *t)
{
	assert_int_equal(dxgt_writer_close(t->w), 0);
}

static void to_rec_bufs(struct dxgt_rec_buf *out, const struct tb *b, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		out[i] = (struct dxgt_rec_buf){.desc = b[i].desc,
					       .parent = 0xffff,
					       .flags = b[i].flags,
					       .orig_len = b[i].orig ? b[i].orig : b[i].len,
					       .len = b[i].len,
					       .addr = BUF_ADDR + 0x1000u * b[i].desc,
					       .data = b[i].data};
}

/* One call: ENTER with in and its buffers, LEAVE with out and its
 * buffers and the result (ioctl: ret and errno; D3DKMT: the status; DXCore:
 * the HRESULT in ret). Returns its seq. */
static uint64_t tcall(struct tw *t, enum dxgt_layer layer, uint64_t parent, const char *name,
		      const void *in, const void *out, uint32_t len, const struct tb *bi,
		      uint16_t nbi, const struct tb *bo, uint16_t nbo, int64_t ret, int err)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	assert_non_null(d);
	struct dxgt_rec_buf ib[4], ob[4];
	assert_true(nbi <= 4 && nbo <= 4);
	to_rec_bufs(ib, bi, nbi);
	to_rec_bufs(ob, bo, nbo);
	uint64_t s = ++t->seq;
	struct dxgt_record e = {.type = DXGT_REC_ENTER,
				.seq = s,
				.time_ns = 1000 * s,
				.parent_seq = parent,
				.tid = 7,
				.layer = (uint8_t)layer,
				.call_id = d->id,
				.code = layer == DXGT_LAYER_IOCTL    ? d->ioctl_code
					: layer == DXGT_LAYER_DXCORE ? d->slot
								     : 0,
				.fd = layer == DXGT_LAYER_IOCTL ? 3 : -1,
				.args = in,
				.args_len = len,
				.bufs = ib,
				.n_bufs = nbi};
	assert_int_equal(dxgt_writer_add(t->w, &e), 0);
	struct dxgt_record l = {.type = DXGT_REC_LEAVE,
				.flags = layer == DXGT_LAYER_D3DKMT ? DXGT_LEAVE_STATUS : 0,
				.seq = s,
				.time_ns = 1000 * s + 500,
				.tid = 7,
				.layer = (uint8_t)layer,
				.call_id = d->id,
				.ret = ret,
				.err = err,
				.status = layer == DXGT_LAYER_D3DKMT ? (uint32_t)ret : 0,
				.args = out,
				.args_len = len,
				.bufs = ob,
				.n_bufs = nbo};
	assert_int_equal(dxgt_writer_add(t->w, &l), 0);
	return s;
}

/* A D3DKMT call with the given status. */
static uint64_t kmt(struct tw *t, const char *name, const void *in, const void *out, uint32_t len,
		    const struct tb *bi, uint16_t nbi, const struct tb *bo, uint16_t nbo,
		    uint32_t status)
{
	return tcall(t, DXGT_LAYER_D3DKMT, 0, name, in, out, len, bi, nbi, bo, nbo, (int32_t)status,
		     0);
}

/* A D3DKMT call and the ioctl it issued, as libdxcore does on Linux:
 * err 0 is success, else the ioctl's errno and the status libdxcore
 * reports for it. */
static void both(struct tw *t, const char *name, const void *in, const void *out, uint32_t len,
		 const struct tb *bi, uint16_t nbi, const struct tb *bo, uint16_t nbo, int err)
{
	uint32_t st = err ? dxgt_mock_ntstatus_from_ioctl(-(long)err) : 0;
	uint64_t p =
	    tcall(t, DXGT_LAYER_D3DKMT, 0, name, in, out, len, bi, nbi, bo, nbo, (int32_t)st, err);
	tcall(t, DXGT_LAYER_IOCTL, p, name, in, out, len, bi, nbi, bo, nbo, err ? -1 : 0, err);
}

/* ---- a Windows capture ---- */

#define LUID_NPU 0x0000000000002000ull
#define LUID_GPU 0x0000000200001000ull
#define DXC_NPU 0x55550000a000ull /* DXCore adapter object of the NPU */

static uint32_t utf16(uint8_t *out, const char *s)
{
	uint32_t n = 0;
	for (; *s; s++, n += 2) {
		out[n] = (uint8_t)*s;
		out[n + 1] = 0;
	}
	out[n] = out[n + 1] = 0;
	return n + 2;
}

/* An escape with payload in (size bytes) answered with out and status. */
static void win_escape(struct tw *t, uint32_t adapter, uint32_t device, const uint8_t *in,
		       const uint8_t *out, uint32_t size, uint32_t status)
{
	struct dxgt_escape e = {adapter, device, 0, 0, BUF_ADDR, size, 0};
	struct tb bi = {0, in, size, 0, 0}, bo = {0, out, size, 0, 0};
	kmt(t, "Escape", &e, &e, sizeof(e), &bi, 1, &bo, 1, status);
}

static void write_windows(const char *path)
{
	struct tw t;
	tw_open(&t, path, "windows");
	/* EnumAdapters2 lists the GPU only; EnumAdapters3 with the
	 * compute-only filter lists the NPU first, then the GPU. */
	struct dxgt_enumadapters2 e2 = {0}, e2o = {1, 0, 0};
	kmt(&t, "EnumAdapters2", &e2, &e2o, sizeof(e2), NULL, 0, NULL, 0, 0);
	struct dxgt_adapterinfo gpu = {0x40000040, {0x1000, 2}, 1, 0};
	e2 = (struct dxgt_enumadapters2){1, 0, BUF_ADDR};
	struct tb b = {0, &gpu, sizeof(gpu), 0, 0};
	kmt(&t, "EnumAdapters2", &e2, &e2, sizeof(e2), NULL, 0, &b, 1, 0);
	struct dxgt_enumadapters3 e3 = {1, 0, 0, 0}, e3o = {1, 2, 0, 0};
	kmt(&t, "EnumAdapters3", &e3, &e3o, sizeof(e3), NULL, 0, NULL, 0, 0);
	struct dxgt_adapterinfo both_ads[2] = {{0x40000080, {0x2000, 0}, 0, 0},
					       {0x400000c0, {0x1000, 2}, 1, 0}};
	e3 = (struct dxgt_enumadapters3){1, 2, 0, BUF_ADDR};
	b = (struct tb){0, both_ads, sizeof(both_ads), 0, 0};
	kmt(&t, "EnumAdapters3", &e3, &e3, sizeof(e3), NULL, 0, &b, 1, 0);

	/* DXCore: the NPU's ids, description and driver version. */
	struct dxgt_dxcore_getadapterbyluid gl = {0x55550000f000ull, {0x2000, 0}, {0}, 0x10, 0};
	struct dxgt_dxcore_getadapterbyluid glo = gl;
	glo.object = DXC_NPU;
	tcall(&t, DXGT_LAYER_DXCORE, 0, "IDXCoreAdapterFactory::GetAdapterByLuid", &gl, &glo,
	      sizeof(gl), NULL, 0, NULL, 0, 0, 0);
	uint32_t hwid[4] = {0x8086, 0x7d1d, 0x12348086, 4};
	struct dxgt_dxcore_getproperty gp = {DXC_NPU, 3, 0, sizeof(hwid), BUF_ADDR};
	b = (struct tb){0, hwid, sizeof(hwid), 0, 0};
	tcall(&t, DXGT_LAYER_DXCORE, 0, "IDXCoreAdapter::GetProperty", &gp, &gp, sizeof(gp), NULL,
	      0, &b, 1, 0, 0);
	static const char desc[] = "Intel(R) AI Boost";
	gp = (struct dxgt_dxcore_getproperty){DXC_NPU, 2, 0, sizeof(desc), BUF_ADDR};
	b = (struct tb){0, desc, sizeof(desc), 0, 0};
	tcall(&t, DXGT_LAYER_DXCORE, 0, "IDXCoreAdapter::GetProperty", &gp, &gp, sizeof(gp), NULL,
	      0, &b, 1, 0, 0);
	uint64_t version = 32ull << 48 | 0ull << 32 | 100ull << 16 | 3104;
	gp = (struct dxgt_dxcore_getproperty){DXC_NPU, 1, 0, 8, BUF_ADDR};
	b = (struct tb){0, &version, 8, 0, 0};
	tcall(&t, DXGT_LAYER_DXCORE, 0, "IDXCoreAdapter::GetProperty", &gp, &gp, sizeof(gp), NULL,
	      0, &b, 1, 0, 0);

	/* The GPU: opened, queried. */
	struct dxgt_openadapterfromluid oa = {{0x1000, 2}, 0}, oao = {{0x1000, 2}, 0x40000100};
	kmt(&t, "OpenAdapterFromLuid", &oa, &oao, sizeof(oa), NULL, 0, NULL, 0, 0);
	uint32_t h = 0x40000100;
	uint8_t zero[64] = {0}, ans[64];
	struct dxgt_queryadapterinfo q = {h, 15, BUF_ADDR, 4, 0};
	struct tb qi = {0, zero, 4, 0, 0}, qo = {0, ans, 4, 0, 0};
	uint32_t type_bits = 0x1 | 0x20 | 0x80; /* render, integrated, paravirtualized */
	memcpy(ans, &type_bits, 4);
	kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qo, 1, 0);
	uint32_t ids[7] = {0, 0x8086, 0x7d51, 0x8086, 0x1234, 4, 0};
	q = (struct dxgt_queryadapterinfo){h, 31, BUF_ADDR, sizeof(ids), 0};
	qi = (struct tb){0, zero, sizeof(ids), 0, 0};
	qo = (struct tb){0, ids, sizeof(ids), 0, 0};
	kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qo, 1, 0);
	memset(ans, 0, sizeof(ans));
	utf16(ans, "Intel(R) Arc(TM) 140T GPU");
	q = (struct dxgt_queryadapterinfo){h, 65, BUF_ADDR, 64, 0};
	qi = (struct tb){0, zero, 64, 0, 0};
	qo = (struct tb){0, ans, 64, 0, 0};
	kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qo, 1, 0);
	q = (struct dxgt_queryadapterinfo){h, 70, BUF_ADDR, 8, 0};
	qi = (struct tb){0, zero, 8, 0, 0};
	kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qi, 1, STATUS_INVALID_PARAMETER);

	struct dxgt_createdevice cd = {.adapter = h}, cdo = cd;
	cdo.device = 0x40000140;
	kmt(&t, "CreateDevice", &cd, &cdo, sizeof(cd), NULL, 0, NULL, 0, 0);

	/* Escapes: P1 answered (bytes 4-7 changed) twice, P2 refused. */
	uint8_t p1[16], o1[16], p2[32];
	for (int i = 0; i < 16; i++)
		p1[i] = o1[i] = (uint8_t)(0x10 + i);
	o1[4] = 0xaa, o1[5] = 0xbb, o1[6] = 0xcc, o1[7] = 0xdd;
	for (int i = 0; i < 32; i++)
		p2[i] = (uint8_t)(0x80 + i);
	win_escape(&t, h, 0x40000140, p1, o1, 16, 0);
	win_escape(&t, h, 0x40000140, p2, p2, 32, STATUS_BUFFER_TOO_SMALL);
	win_escape(&t, h, 0x40000140, p1, o1, 16, 0);

	/* Contexts: the 2nd and 4th fail. */
	uint8_t priv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint32_t ctx = 0x40000180;
	for (int i = 1; i <= 4; i++) {
		struct dxgt_createcontextvirtual cc = {.device = 0x40000140,
						       .priv_drv_data = BUF_ADDR,
						       .priv_drv_data_size = 8},
						 cco = cc;
		struct tb pb = {0, priv, 8, 0, 0};
		bool ok = i % 2;
		if (ok)
			cco.context = ctx += 0x40;
		kmt(&t, "CreateContextVirtual", &cc, &cco, sizeof(cc), &pb, 1, &pb, 1,
		    ok ? 0 : STATUS_NO_MEMORY);
	}
	struct dxgt_destroydevice dd = {0x40000140};
	kmt(&t, "DestroyDevice", &dd, &dd, sizeof(dd), NULL, 0, NULL, 0, 0);
	struct dxgt_closeadapter ca = {h};
	kmt(&t, "CloseAdapter", &ca, &ca, sizeof(ca), NULL, 0, NULL, 0, 0);
	tw_close(&t);
}

static void windows_capture_becomes_an_emulator(void **state)
{
	(void)state;
	char trace[128];
	path_in(trace, sizeof(trace), "windows.dxgt");
	write_windows(trace);
	char *json = NULL;
	struct dxgt_profile *p = synth(trace, &json);

	/* The order of the longest list; compute-only: left out without the
	 * filter. Ids from DXCore for one, from QueryAdapterInfo for the
	 * other. */
	assert_int_equal(p->n_adapters, 2);
	const struct dxgt_mock_adapter *npu = &p->adapters[0], *gpu = &p->adapters[1];
	assert_true(npu->luid == LUID_NPU);
	assert_true(npu->compute_only);
	assert_int_equal(npu->vendor, 0x8086);
	assert_int_equal(npu->device, 0x7d1d);
	assert_int_equal(npu->subsys, 0x12348086);
	assert_int_equal(npu->revision, 4);
	assert_string_equal(npu->description, "Intel(R) AI Boost");
	assert_true(npu->driver_version == (32ull << 48 | 100ull << 16 | 3104));

	assert_true(gpu->luid == LUID_GPU);
	assert_false(gpu->compute_only);
	assert_true(gpu->render_supported && gpu->is_integrated && gpu->paravirtualized);
	assert_false(gpu->display_supported);
	assert_int_equal(gpu->num_sources, 1);
	assert_int_equal(gpu->vendor, 0x8086);
	assert_int_equal(gpu->device, 0x7d51);
	assert_int_equal(gpu->subsys, 0x12348086);
	assert_string_equal(gpu->description, "Intel(R) Arc(TM) 140T GPU");
	assert_int_equal(gpu->n_qai, 4); /* 15, 31, 65 and 70 */
	assert_int_equal(gpu->qai[3].type, 70);
	assert_int_equal(gpu->qai[3].status, STATUS_INVALID_PARAMETER);
	/* P1's answer; P2's refusal (only a status: nothing below D3DKMT). */
	assert_int_equal(gpu->n_escape_replies, 2);
	assert_true(gpu->escape_replies[0].has_fnv1a);
	assert_int_equal(gpu->escape_replies[0].out.len, 8);
	assert_int_equal(gpu->escape_replies[1].status, STATUS_BUFFER_TOO_SMALL);
	assert_int_equal(gpu->escape_replies[1].err, 0);
	/* Contexts 2 and 4 fail; the second fault does not count the call the
	 * first one failed, so it fires at its 3rd. */
	assert_int_equal(p->n_faults, 2);
	assert_true(p->faults[0].first == 2 && p->faults[0].last == 2);
	assert_true(p->faults[1].first == 3 && p->faults[1].last == 3);
	assert_int_equal(p->faults[1].status, STATUS_NO_MEMORY);

	/* The model answers as the capture says. */
	struct dxgt_mock *m = model(p);
	struct dxgt_adapterinfo list[4];
	struct dxgt_enumadapters2 e2 = {4, 0, (uint64_t)(uintptr_t)list};
	assert_int_equal(dxgt_mock_ioctl(m, ioc("EnumAdapters2"), &e2), 0);
	assert_int_equal(e2.num_adapters, 1);
	assert_int_equal(list[0].adapter_luid.a, 0x1000);
	uint32_t h = open_luid(m, LUID_GPU);
	uint8_t buf[64] = {0};
	assert_int_equal(query(m, h, 70, buf, 8), -EINVAL);
	assert_int_equal(query(m, h, 65, buf, 64), 0);
	assert_int_equal(buf[0], 'I');
	assert_int_equal(buf[1], 0); /* UTF-16, as the host answered */
	uint8_t p1[16];
	for (int i = 0; i < 16; i++)
		p1[i] = (uint8_t)(0x10 + i);
	assert_int_equal(escape(m, h, p1, 16), 0);
	assert_int_equal(p1[4], 0xaa);
	assert_int_equal(p1[8], 0x18);
	dxgt_mock_free(m);

	struct dxgt_replay_stats st = replay(trace, p, DXGT_LAYER_NONE);
	assert_int_equal(st.calls, 19); /* the DXCore reads are not replayed */
	assert_int_equal(st.mismatches, 0);
	dxgt_profile_free(p);
	free(json);
}

/* ---- a Linux recording with both layers ---- */

#define LUID_LNX 0x0000000000003000ull
#define QR_SIZE 1072u
#define QR_OUT 1064u

/* A QUERYREGISTRY exchange: the request for name (NULL for a path query)
 * in a buffer of size bytes, and the host's answer to it. */
static void registry(struct tw *t, uint32_t adapter, uint32_t qtype, const char *name,
		     uint32_t size, uint32_t status, uint32_t vtype, const void *value,
		     uint32_t vsize)
{
	static uint8_t in[2048], out[2048];
	memset(in, 0, sizeof(in));
	memcpy(in, &qtype, 4);
	for (size_t i = 0; name && name[i]; i++) {
		uint32_t wc = (uint8_t)name[i];
		memcpy(in + 8 + 4 * i, &wc, 4);
	}
	memcpy(out, in, size);
	memcpy(out + 1060, &status, 4);
	if (status != 2) {
		memcpy(out + 1048, &vtype, 4);
		memcpy(out + 1056, &vsize, 4);
	}
	if (status == 0)
		memcpy(out + QR_OUT, value, vsize);
	struct dxgt_queryadapterinfo q = {adapter, 48, BUF_ADDR, size, 0};
	struct tb bi = {0, in, size, 0, 0}, bo = {0, out, size, 0, 0};
	both(t, "QueryAdapterInfo", &q, &q, sizeof(q), &bi, 1, &bo, 1, 0);
}

static void lnx_escape(struct tw *t, uint32_t adapter, const uint8_t *in, uint32_t stored,
		       uint32_t size, int err)
{
	struct dxgt_escape e = {adapter, 0, 0, 0, BUF_ADDR, size, 0};
	struct tb b = {0, in, stored, size, stored < size ? DXGT_BUF_TRUNCATED : 0};
	both(t, "Escape", &e, &e, sizeof(e), &b, 1, &b, 1, err);
}

static void write_linux(const char *path)
{
	struct tw t;
	tw_open(&t, path, "linux");
	struct dxgt_enumadapters3 e3 = {1, 0, 0, 0}, e3o = {1, 1, 0, 0};
	both(&t, "EnumAdapters3", &e3, &e3o, sizeof(e3), NULL, 0, NULL, 0, 0);
	struct dxgt_adapterinfo ai = {0x40000040, {0x3000, 0}, 0, 0};
	e3 = (struct dxgt_enumadapters3){1, 1, 0, BUF_ADDR};
	struct tb b = {0, &ai, sizeof(ai), 0, 0};
	both(&t, "EnumAdapters3", &e3, &e3, sizeof(e3), NULL, 0, &b, 1, 0);
	struct dxgt_openadapterfromluid oa = {{0x3000, 0}, 0}, oao = {{0x3000, 0}, 0x40000080};
	both(&t, "OpenAdapterFromLuid", &oa, &oao, sizeof(oa), NULL, 0, NULL, 0, 0);
	uint32_t h = 0x40000080;

	uint32_t dword = 7;
	uint64_t qword = 0x1122334455667788ull;
	uint8_t blob[5] = {1, 2, 3, 4, 5};
	uint32_t multi[5] = {'a', 0, 'b', 0, 0};
	static const char store[] = "/usr/lib/wsl/drivers/npu.inf_amd64_0123";
	uint32_t wide[64] = {0};
	for (size_t i = 0; store[i]; i++)
		wide[i] = (uint8_t)store[i];
	uint32_t need = (uint32_t)(sizeof(store)) * 4; /* the characters and a NUL */
	registry(&t, h, 1, "DriverVersionMajor", QR_SIZE, 0, 4, &dword, 4);
	registry(&t, h, 1, "Limit", QR_SIZE, 0, 11, &qword, 8);
	registry(&t, h, 1, "Blob", QR_SIZE, 0, 3, blob, 5);
	registry(&t, h, 1, "Names", QR_OUT + 24, 0, 7, multi, 20);
	registry(&t, h, 2, NULL, QR_SIZE, 1, 1, NULL, need); /* the size probe */
	registry(&t, h, 2, NULL, QR_OUT + need, 0, 1, wide, need);
	registry(&t, h, 0, "ProbeOnly", QR_SIZE, 1, 1, NULL, 40);
	registry(&t, h, 1, "Missing", QR_SIZE, 2, 0, NULL, 0);

	/* Type 70 always refused; type 41 answered, then refused. */
	uint8_t zero[16] = {0}, pnp[16] = {'P', 'C', 'I', '\\', 'V', 'E', 'N'};
	for (int i = 0; i < 2; i++) {
		struct dxgt_queryadapterinfo q = {h, 70, BUF_ADDR, 8, 0};
		struct tb qb = {0, zero, 8, 0, 0};
		both(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qb, 1, &qb, 1, EINVAL);
	}
	struct dxgt_queryadapterinfo q = {h, 41, BUF_ADDR, 16, 0};
	struct tb qi = {0, zero, 16, 0, 0}, qo = {0, pnp, 16, 0, 0};
	both(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qo, 1, 0);
	both(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &qi, 1, &qi, 1, ENOENT);

	/* Escapes: a 300-byte payload of which the recording kept 64 bytes,
	 * refused; a 100-byte one that starts with the same 64 bytes, handed
	 * back; a 24-byte one handed back, then refused with EINVAL. */
	uint8_t big[300], other[100], small[24];
	for (int i = 0; i < 300; i++)
		big[i] = (uint8_t)(i * 13 + 1);
	memcpy(other, big, 64);
	memset(other + 64, 0xee, 36);
	memset(small, 0x5a, sizeof(small));
	lnx_escape(&t, h, big, 64, 300, EOVERFLOW);
	lnx_escape(&t, h, other, 100, 100, 0);
	lnx_escape(&t, h, small, 24, 24, 0);
	lnx_escape(&t, h, small, 24, 24, EINVAL);

	struct dxgt_closeadapter ca = {h};
	both(&t, "CloseAdapter", &ca, &ca, sizeof(ca), NULL, 0, NULL, 0, 0);
	tw_close(&t);
}

static const struct dxgt_mock_registry *reg_named(const struct dxgt_mock_adapter *a,
						  const char *name, int32_t qtype)
{
	for (size_t i = 0; i < a->n_registry; i++)
		if (a->registry[i].query_type == qtype &&
		    strcmp(a->registry[i].value_name, name) == 0)
			return &a->registry[i];
	return NULL;
}

/* A QUERYREGISTRY request to model m: the answer's status, type, size. */
static void ask(struct dxgt_mock *m, uint32_t h, uint32_t qtype, const char *name, uint32_t size,
		uint8_t *buf, uint32_t *status, uint32_t *vtype, uint32_t *vsize)
{
	memset(buf, 0, size);
	memcpy(buf, &qtype, 4);
	for (size_t i = 0; name && name[i]; i++) {
		uint32_t wc = (uint8_t)name[i];
		memcpy(buf + 8 + 4 * i, &wc, 4);
	}
	assert_int_equal(query(m, h, 48, buf, size), 0);
	memcpy(status, buf + 1060, 4);
	memcpy(vtype, buf + 1048, 4);
	memcpy(vsize, buf + 1056, 4);
}

static void linux_recording_replays_at_both_layers(void **state)
{
	(void)state;
	char trace[128];
	path_in(trace, sizeof(trace), "linux.dxgt");
	write_linux(trace);
	char *json = NULL;
	struct dxgt_profile *p = synth(trace, &json);
	assert_int_equal(p->n_adapters, 1);
	const struct dxgt_mock_adapter *a = &p->adapters[0];
	assert_true(a->luid == LUID_LNX);
	assert_false(a->compute_only); /* no list without the filter: unknown */

	/* Registry: each kind as the model gives it back. */
	const struct dxgt_mock_registry *r = reg_named(a, "DriverVersionMajor", 1);
	assert_non_null(r);
	assert_int_equal(r->value_type, 4);
	assert_non_null(r = reg_named(a, "Limit", 1));
	assert_int_equal(r->value_type, 11);
	assert_non_null(r = reg_named(a, "Blob", 1));
	assert_int_equal(r->value_type, 3);
	assert_int_equal(r->value.len, 5);
	assert_non_null(r = reg_named(a, "Names", 1));
	assert_int_equal(r->value_type, 7); /* bytes under the host's type */
	assert_int_equal(r->value.len, 20);
	assert_non_null(r = reg_named(a, "", 2));
	assert_true(r->is_string);
	assert_string_equal((const char *)r->value.data, "/usr/lib/wsl/drivers/npu.inf_amd64_0123");
	assert_non_null(r = reg_named(a, "ProbeOnly", 0));
	assert_int_equal(r->value_type, 1);
	assert_int_equal(r->value.len, 40); /* what the probe said; unknown bytes */
	assert_null(reg_named(a, "Missing", 1));
	assert_int_equal(a->n_registry, 6);

	/* 70: a canned refusal; 41: the answer, and a fault for the refusal. */
	assert_int_equal(a->n_qai, 2);
	assert_int_equal(a->qai[0].type, 70);
	assert_int_equal(a->qai[0].status, STATUS_INVALID_PARAMETER);
	assert_int_equal(a->qai[1].type, 41);
	assert_int_equal(a->qai[1].data.len, 16);
	const struct dxgt_mock_fault *f = fault_of(p, "QueryAdapterInfo", 0);
	assert_non_null(f);
	/* QueryAdapterInfo calls: 8 registry reads, 2 of type 70, then 41. */
	assert_true(f->first == 12 && f->last == 12);
	assert_int_equal(f->err, ENOENT);

	/* Escapes: the exact 100-byte payload is answered before the prefix
	 * of the truncated one could catch it; the 24-byte one is handed back
	 * and its refusal is a fault on the 4th escape. */
	assert_int_equal(a->n_escape_replies, 2);
	assert_true(a->escape_replies[0].has_fnv1a);
	assert_int_equal(a->escape_replies[0].out.len, 0);
	assert_false(a->escape_replies[1].has_fnv1a);
	assert_int_equal(a->escape_replies[1].prefix.len, 64);
	assert_int_equal(a->escape_replies[1].err, EOVERFLOW);
	f = fault_of(p, "Escape", 0);
	assert_non_null(f);
	assert_true(f->first == 4 && f->last == 4);
	assert_int_equal(f->err, EINVAL);

	/* The model: the size probe overflows with the size the host gave,
	 * the read returns the value. */
	struct dxgt_mock *m = model(p);
	uint32_t h = open_luid(m, LUID_LNX);
	static uint8_t buf[2048];
	uint32_t status, vtype, vsize;
	ask(m, h, 0, "probeonly", QR_SIZE, buf, &status, &vtype, &vsize);
	assert_int_equal(status, 1);
	assert_int_equal(vtype, 1);
	assert_int_equal(vsize, 40);
	ask(m, h, 1, "Names", QR_OUT + 20, buf, &status, &vtype, &vsize);
	assert_int_equal(status, 0);
	assert_int_equal(vtype, 7);
	assert_int_equal(buf[QR_OUT + 8], 'b');
	ask(m, h, 2, NULL, QR_SIZE, buf, &status, &vtype, &vsize);
	assert_int_equal(status, 1);
	assert_int_equal(vsize, 40 * 4);
	ask(m, h, 1, "Missing", QR_SIZE, buf, &status, &vtype, &vsize);
	assert_int_equal(status, 2);
	dxgt_mock_free(m);

	struct dxgt_replay_stats st = replay(trace, p, DXGT_LAYER_D3DKMT);
	assert_int_equal(st.calls, 20);
	assert_int_equal(st.mismatches, 0);
	st = replay(trace, p, DXGT_LAYER_IOCTL);
	assert_int_equal(st.calls, 20);
	assert_int_equal(st.mismatches, 0);
	dxgt_profile_free(p);
	free(json);
}

/* ---- what cannot be reproduced ---- */

static void what_the_model_cannot_say_is_listed(void **state)
{
	(void)state;
	char trace[128];
	path_in(trace, sizeof(trace), "limits.dxgt");
	struct tw t;
	tw_open(&t, trace, "windows");
	struct dxgt_openadapterfromluid oa = {{0x4000, 0}, 0}, oao = {{0x4000, 0}, 0x40000040};
	kmt(&t, "OpenAdapterFromLuid", &oa, &oao, sizeof(oa), NULL, 0, NULL, 0, 0);
	uint32_t h = 0x40000040;
	/* A registry read in the Windows layout (552 bytes, UTF-16). */
	static uint8_t in[568], out[568]; /* 552 and a 16-byte value */
	uint32_t qtype = 1, vtype = 1, status = 0;
	memcpy(in, &qtype, 4);
	utf16(in + 8, "UserModeDriverName");
	memcpy(out, in, sizeof(out));
	uint32_t vsize = utf16(out + 544, "igd.dll");
	memcpy(out + 528, &vtype, 4);
	memcpy(out + 536, &vsize, 4);
	memcpy(out + 540, &status, 4);
	struct dxgt_queryadapterinfo q = {h, 48, BUF_ADDR, sizeof(in), 0};
	struct tb bi = {0, in, sizeof(in), 0, 0}, bo = {0, out, sizeof(out), 0, 0};
	uint64_t seq_reg = kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &bi, 1, &bo, 1, 0);
	/* A status the guest's errno cannot carry back. */
	uint8_t zero[8] = {0};
	q = (struct dxgt_queryadapterinfo){h, 70, BUF_ADDR, 8, 0};
	bi = (struct tb){0, zero, 8, 0, 0};
	kmt(&t, "QueryAdapterInfo", &q, &q, sizeof(q), &bi, 1, &bi, 1, STATUS_NOT_SUPPORTED);
	/* The same payload answered two ways. */
	uint8_t pay[8] = {9, 9, 9, 9, 0, 0, 0, 0}, o1[8] = {9, 9, 9, 9, 1, 0, 0, 0},
		o2[8] = {9, 9, 9, 9, 2, 0, 0, 0};
	win_escape(&t, h, 0, pay, o1, 8, 0);
	uint64_t seq_esc = t.seq + 1;
	win_escape(&t, h, 0, pay, o2, 8, 0);
	tw_close(&t);

	char *json = NULL;
	struct dxgt_profile *p = synth(trace, &json);
	assert_non_null(strstr(p->description, "1 escapes answered differently"));
	assert_non_null(
	    strstr(p->description, "Registry reads in the Windows layout (2-byte WCHAR): 1,"));
	assert_non_null(strstr(p->description, "STATUS_NOT_SUPPORTED"));
	/* Decoded for a Linux client all the same. */
	const struct dxgt_mock_adapter *a = &p->adapters[0];
	const struct dxgt_mock_registry *r = reg_named(a, "UserModeDriverName", 1);
	assert_non_null(r);
	assert_true(r->is_string);
	assert_string_equal((const char *)r->value.data, "igd.dll");

	struct dxgt_replay_stats st = replay(trace, p, DXGT_LAYER_NONE);
	/* The registry read (the model reads the Linux layout), the status
	 * (NOT_SUPPORTED comes back as NOT_IMPLEMENTED) and the second escape;
	 * nothing else. */
	assert_int_equal(st.calls, 5);
	assert_int_equal(st.mismatches, 3);
	assert_int_equal(st.first_mismatch_seq, seq_reg);
	(void)seq_esc;
	dxgt_profile_free(p);
	free(json);
}

/* ---- errors ---- */

static void unusable_input_names_the_file(void **state)
{
	(void)state;
	char path[128], err[256];
	char *json = (char *)"x";
	path_in(path, sizeof(path), "missing.dxgt");
	assert_true(dxgt_profile_from_trace(path, &json, err, sizeof(err)) < 0);
	assert_null(json);
	assert_non_null(strstr(err, path));

	path_in(path, sizeof(path), "not-a-trace.dxgt");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"this is\": \"json, not a trace\"}\n", f);
	fclose(f);
	assert_int_equal(dxgt_profile_from_trace(path, &json, err, sizeof(err)), DXGT_E_MAGIC);
	assert_non_null(strstr(err, path));
	assert_int_equal(dxgt_profile_from_trace(NULL, &json, err, sizeof(err)), DXGT_E_INVAL);
	assert_int_equal(dxgt_profile_from_trace(path, NULL, err, sizeof(err)), DXGT_E_INVAL);

	/* A trace with no calls: a host without adapters, still a profile. */
	path_in(path, sizeof(path), "empty-host.dxgt");
	struct tw t;
	tw_open(&t, path, "linux");
	tw_close(&t);
	struct dxgt_profile *p = synth(path, NULL);
	assert_int_equal(p->n_adapters, 0);
	assert_int_equal(p->n_faults, 0);
	dxgt_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(npu_probe_answers_as_recorded),
	    cmocka_unit_test(probes_replay_under_every_shipped_profile),
	    cmocka_unit_test(windows_capture_becomes_an_emulator),
	    cmocka_unit_test(linux_recording_replays_at_both_layers),
	    cmocka_unit_test(what_the_model_cannot_say_is_listed),
	    cmocka_unit_test(unusable_input_names_the_file),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
