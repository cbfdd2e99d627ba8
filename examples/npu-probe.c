// SPDX-License-Identifier: MIT
/*
 * npu-probe: the Intel NPU field report's minimal reproduction, written the
 * way a user-mode driver talks to the WSL2 host. It loads libdxcore.so with
 * dlopen (never linked: a UMD on WSL2 loads it at run time, and so does this
 * program), looks up the D3DKMT functions it needs with dlsym, and runs:
 *
 *   EnumAdapters3 (compute-only filter: a count query, then the list)
 *   OpenAdapterFromLuid (the first adapter listed, or --luid)
 *   QueryAdapterInfo (type 31: the PCI ids of what was opened)
 *   CreateDevice
 *   Escape x4, DRIVERPRIVATE, of 64, 568, 24 and 40 bytes: the user-mode
 *     driver's process registration (probe_registration_sizes)
 *   Escape with an empty payload: the report's check of the escape channel
 *   CreateContextVirtual with a small private data block
 *   DestroyContext, DestroyDevice, CloseAdapter (opened and enumerated)
 *
 * Every call prints one line with the NTSTATUS it returned and its name.
 * On the reporter's machine the four registration escapes return
 * 0xC0000023 STATUS_BUFFER_TOO_SMALL and the empty escape succeeds. The
 * mock's wsl2-intel-npu profile then fails CreateContextVirtual with
 * STATUS_INVALID_PARAMETER, its model of a driver left without the state
 * that registration sets up.
 *
 * The escape payloads are synthetic (see probe_payload()): Intel's escape
 * protocol is undocumented, and the report found that neither the content
 * nor the type, flags or size changed the outcome. Adapter hardware ids are
 * not part of D3DKMT_ADAPTERINFO, so the probe takes the first adapter
 * listed rather than guessing which one is Intel's.
 *
 * Run it under the mock host with
 *   LD_PRELOAD=build/mock/preload/libdxgmock.so DXGMOCK_PROFILE=wsl2-intel-npu
 * and libdxgmock answers the dlopen in place of libdxcore.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dxgt/status.h"
#include "dxgt/uapi.h"
#include "probe_common.h"

/* The D3DKMT functions the sequence calls. Each takes a pointer to its
 * argument struct, which for these calls has the same layout as the ioctl's
 * (dxgt/uapi.h), and returns an NTSTATUS. */
#define KMT_FUNCTIONS(X)                                                                           \
	X(EnumAdapters3)                                                                           \
	X(OpenAdapterFromLuid)                                                                     \
	X(QueryAdapterInfo)                                                                        \
	X(CreateDevice)                                                                            \
	X(Escape)                                                                                  \
	X(CreateContextVirtual)                                                                    \
	X(DestroyContext)                                                                          \
	X(DestroyDevice)                                                                           \
	X(CloseAdapter)

typedef int32_t kmt_fn(void *args);

struct kmt {
	void *lib;
#define KMT_FIELD(name) kmt_fn *name;
	KMT_FUNCTIONS(KMT_FIELD)
#undef KMT_FIELD
};

static const struct probe_symbol kmt_symbols[] = {
#define KMT_ROW(name) {"D3DKMT" #name, offsetof(struct kmt, name)},
    KMT_FUNCTIONS(KMT_ROW)
#undef KMT_ROW
};

static const struct probe_info info = {
    .prog = "npu-probe",
    .what = "Runs the NPU field report's D3DKMT call sequence through libdxcore.so,\n"
	    "loaded with dlopen as a user-mode driver loads it.",
    .takes_library = true,
    .extra_help = "  --library PATH   dlopen PATH instead of libdxcore.so (and, failing\n"
		  "                   that, " PROBE_WSL_LIBDXCORE ")\n",
};

/* Loads the library and every function; 0, or -1 after a message naming
 * what is missing. */
static int kmt_load(struct kmt *k, const char *library)
{
	memset(k, 0, sizeof(*k));
	k->lib = probe_library_load(&info, library, kmt_symbols,
				    sizeof(kmt_symbols) / sizeof(kmt_symbols[0]), k);
	return k->lib ? 0 : -1;
}

/* NT_SUCCESS: success and informational values are non-negative. */
static bool nt_ok(int32_t st)
{
	return st >= 0;
}

struct run {
	const struct kmt *k;
	const struct probe_opts *o;
	struct probe_handles h;
	struct probe_tally t;
	struct probe_adapters a;	   /* what EnumAdapters3 listed */
	uint32_t adapter, device, context; /* 0: not open */
};

/* One call's line: "NAME(ARGS) = STATUS[; OUT]". */
static bool report(struct run *r, const char *call, int32_t st, const char *out)
{
	return probe_report_nt(r->o, &r->t, call, st, out);
}

static void enumerate(struct run *r)
{
	struct dxgt_enumadapters3 e = {.filter = PROBE_FILTER_COMPUTE_ONLY};
	char out[32], call[64];
	int32_t st = r->k->EnumAdapters3(&e);
	snprintf(out, sizeof(out), "count=%u", (unsigned)e.adapter_count);
	if (!report(r, "D3DKMTEnumAdapters3(filter=0x1, adapters=NULL)", st, out))
		return;
	uint32_t room = probe_adapters_room(&r->a, &e);
	if (!room)
		return;
	snprintf(call, sizeof(call), "D3DKMTEnumAdapters3(filter=0x1, count=%u)", (unsigned)room);
	st = r->k->EnumAdapters3(&e);
	snprintf(out, sizeof(out), "count=%u", (unsigned)e.adapter_count);
	if (report(r, call, st, out))
		probe_adapters_listed(&r->a, &e, room, &r->h, r->o);
}

static void open_adapter(struct run *r)
{
	struct dxgt_openadapterfromluid oa = {0};
	if (!probe_adapters_pick(&r->a, r->o, &r->t, &oa.adapter_luid))
		return;
	char luid[24], call[80], out[32] = "";
	probe_luid_format(&oa.adapter_luid, luid, sizeof(luid));
	snprintf(call, sizeof(call), "D3DKMTOpenAdapterFromLuid(luid=%s)", luid);
	int32_t st = r->k->OpenAdapterFromLuid(&oa);
	if (nt_ok(st)) {
		r->adapter = oa.adapter_handle;
		snprintf(out, sizeof(out), "adapter=%s",
			 probe_handle_bind(&r->h, 'A', oa.adapter_handle));
	}
	report(r, call, st, out);
}

/* The adapter's PCI ids, as a user-mode driver checks what it opened:
 * QueryAdapterInfo type 31 (PHYSICALADAPTERDEVICEIDS) answers the physical
 * adapter index followed by vendor, device, subsystem vendor, subsystem,
 * revision and bus type. */
#define QAI_PHYSICALADAPTERDEVICEIDS 31u

static void identify(struct run *r)
{
	uint32_t ids[7] = {0};
	struct dxgt_queryadapterinfo q = {
	    .adapter = r->adapter,
	    .type = QAI_PHYSICALADAPTERDEVICEIDS,
	    .private_data = (uint64_t)(uintptr_t)ids,
	    .private_data_size = sizeof(ids),
	};
	char call[96], out[48] = "";
	snprintf(call, sizeof(call), "D3DKMTQueryAdapterInfo(adapter=%s, type=31 device ids)",
		 probe_handle_name(&r->h, r->adapter));
	int32_t st = r->k->QueryAdapterInfo(&q);
	if (nt_ok(st))
		snprintf(out, sizeof(out), "pci=%04X:%04X", (unsigned)ids[1], (unsigned)ids[2]);
	report(r, call, st, out);
}

static void create_device(struct run *r)
{
	struct dxgt_createdevice cd = {.adapter = r->adapter};
	char call[64], out[32] = "";
	snprintf(call, sizeof(call), "D3DKMTCreateDevice(adapter=%s)",
		 probe_handle_name(&r->h, r->adapter));
	int32_t st = r->k->CreateDevice(&cd);
	if (nt_ok(st)) {
		r->device = cd.device;
		snprintf(out, sizeof(out), "device=%s", probe_handle_bind(&r->h, 'D', cd.device));
	}
	report(r, call, st, out);
}

/* One driver-private escape with a synthetic payload of size bytes (none
 * when 0), on the adapter and, if there is one, the device. Every escape of
 * the sequence goes through here, so that a recorded backtrace shows this
 * function under the step that made it. */
static void send_escape(struct run *r, uint32_t size)
{
	static uint8_t payload[PROBE_PAYLOAD_MAX];
	assert(size <= sizeof(payload));
	struct dxgt_escape es = {
	    .adapter = r->adapter,
	    .device = r->device,
	    .type = PROBE_ESCAPE_DRIVERPRIVATE,
	    .flags = r->o->known ? PROBE_ESCAPE_DRIVER_KNOWN : 0,
	    .priv_drv_data = size ? (uint64_t)(uintptr_t)payload : 0,
	    .priv_drv_data_size = size,
	};
	probe_payload(payload, size);
	char call[64];
	if (es.flags)
		snprintf(call, sizeof(call), "D3DKMTEscape(size=%u, flags=0x%x)", (unsigned)size,
			 (unsigned)es.flags);
	else
		snprintf(call, sizeof(call), "D3DKMTEscape(size=%u)", (unsigned)size);
	report(r, call, r->k->Escape(&es), NULL);
}

/* The user-mode driver's process registration: its escapes, in order, before
 * the first CreateContextVirtual. On the reporter's host every one fails. */
static void register_process(struct run *r)
{
	for (int i = 0; i < PROBE_N_REGISTRATION_ESCAPES; i++)
		send_escape(r, probe_registration_sizes[i]);
}

/* The report's check after registration failed: an escape with an empty
 * payload, which succeeds on the reporter's host and so shows that the
 * escape channel itself works; only payloads are refused. */
static void check_escape_channel(struct run *r)
{
	send_escape(r, PROBE_CHECK_ESCAPE_SIZE);
}

static void create_context(struct run *r)
{
	uint8_t data[PROBE_CONTEXT_DATA_SIZE];
	probe_payload(data, sizeof(data));
	struct dxgt_createcontextvirtual cc = {
	    .device = r->device,
	    .priv_drv_data = (uint64_t)(uintptr_t)data,
	    .priv_drv_data_size = sizeof(data),
	};
	char call[80], out[32] = "";
	snprintf(call, sizeof(call), "D3DKMTCreateContextVirtual(device=%s, size=%u)",
		 probe_handle_name(&r->h, r->device), (unsigned)sizeof(data));
	int32_t st = r->k->CreateContextVirtual(&cc);
	if (nt_ok(st)) {
		r->context = cc.context;
		snprintf(out, sizeof(out), "context=%s", probe_handle_bind(&r->h, 'C', cc.context));
	}
	report(r, call, st, out);
}

static void close_adapter(struct run *r, uint32_t adapter)
{
	struct dxgt_closeadapter ca = {.adapter_handle = adapter};
	char call[64];
	snprintf(call, sizeof(call), "D3DKMTCloseAdapter(adapter=%s)",
		 probe_handle_name(&r->h, adapter));
	report(r, call, r->k->CloseAdapter(&ca), NULL);
}

/* Children first; enumerated adapter handles are open handles too. */
static void tear_down(struct run *r)
{
	char call[64];
	if (r->context) {
		struct dxgt_destroycontext dc = {.context = r->context};
		snprintf(call, sizeof(call), "D3DKMTDestroyContext(context=%s)",
			 probe_handle_name(&r->h, r->context));
		report(r, call, r->k->DestroyContext(&dc), NULL);
	}
	if (r->device) {
		struct dxgt_destroydevice dd = {.device = r->device};
		snprintf(call, sizeof(call), "D3DKMTDestroyDevice(device=%s)",
			 probe_handle_name(&r->h, r->device));
		report(r, call, r->k->DestroyDevice(&dd), NULL);
	}
	if (r->adapter)
		close_adapter(r, r->adapter);
	for (uint32_t i = 0; i < r->a.n_listed; i++)
		close_adapter(r, r->a.listed[i].adapter_handle);
}

int main(int argc, char **argv)
{
	struct probe_opts o;
	int rc = probe_parse_args(&o, &info, argc, argv);
	if (rc >= 0)
		return rc;
	struct kmt k;
	if (kmt_load(&k, o.library))
		return PROBE_EXIT_UNAVAILABLE;

	static struct run r; /* large: the handle table and the adapter list */
	r.k = &k;
	r.o = &o;
	enumerate(&r);
	open_adapter(&r);
	if (r.adapter) {
		identify(&r);
		create_device(&r);
		/* As in the report, escapes need only the adapter handle. */
		register_process(&r);
		check_escape_channel(&r);
		if (r.device)
			create_context(&r);
	}
	tear_down(&r);
	fflush(stdout);
	dlclose(k.lib);
	return probe_finish(&info, &r.t);
}
