// SPDX-License-Identifier: MIT
/*
 * igpu-probe: the start-up sequence a GPU compute user-mode driver makes on
 * WSL2, as far as the Intel Arc 140T field report (reference 001) and the
 * mock's wsl2-intel-arc profile say, up to where the report's failures lie.
 * The real client of that report is Intel's OpenCL runtime, which cannot
 * run here (it loads libwsl_compute_helper.so from the driver store); this
 * program stands in for it. Like npu-probe it loads libdxcore.so with
 * dlopen, looks up the D3DKMT functions with dlsym, and runs:
 *
 *   EnumAdapters3 (filter 0: a count query, then the list)
 *   OpenAdapterFromLuid (the first adapter listed, or --luid)
 *   QueryAdapterInfo type 31 (PCI ids), type 15 (adapter type)
 *   QueryAdapterInfo type 48 (QUERYREGISTRY, the driver-store path): a size
 *     probe with the fixed-size struct, which answers BUFFER_OVERFLOW and
 *     the size needed, then the read with a buffer that size
 *   QueryAdapterInfo type 70 (WDDM_2_7_CAPS) and 41 (PHYSICALADAPTERPNPKEY)
 *   CreateDevice, CreatePagingQueue, ReserveGpuVirtualAddress
 *   FreeGpuVirtualAddress (if reserved), DestroyPagingQueue, DestroyDevice,
 *   CloseAdapter (opened and enumerated)
 *
 * Every call prints one line with the NTSTATUS it returned. On the
 * reporter's host (the wsl2-intel-arc profile) the type 70 and 41 queries
 * fail (dmesg: -22 and -2 from query_adapter_info) and the reservation
 * fails (-75 from reserve_gpu_va); which query types fail is the profile's
 * assumption, the report gives only the errnos.
 *
 * Synthetic, because neither the report nor public documentation gives
 * them: the private data sizes of types 70 (4 bytes, the caps bit field as
 * one UINT) and 41 (24 bytes, shaped like D3DKMT_QUERY_PHYSICAL_ADAPTER_PNP_KEY:
 * adapter index, key type, then its two pointers, left 0 so that the bytes
 * compare between host and guest), and the size of the reservation.
 *
 * QUERYREGISTRY's D3DDDI_QUERYREGISTRY_INFO is built and read with
 * dxgt_qr_encode()/dxgt_qr_decode() in the Linux layout (4-byte wchar_t,
 * 1072 bytes), the layout a Linux user-mode driver compiles. Handles print
 * as symbols (A1, D1, P1, S1), never raw values, nor is the GPU VA printed.
 *
 * Run it under the mock host with
 *   LD_PRELOAD=build/mock/preload/libdxgmock.so DXGMOCK_PROFILE=wsl2-intel-arc
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dxgt/crossos.h"
#include "dxgt/uapi.h"
#include "probe_common.h"

/* The D3DKMT functions the sequence calls; each takes a pointer to its
 * argument struct (dxgt/uapi.h, the same layout as the ioctl's) and
 * returns an NTSTATUS. */
#define KMT_FUNCTIONS(X)                                                                           \
	X(EnumAdapters3)                                                                           \
	X(OpenAdapterFromLuid)                                                                     \
	X(QueryAdapterInfo)                                                                        \
	X(CreateDevice)                                                                            \
	X(CreatePagingQueue)                                                                       \
	X(ReserveGpuVirtualAddress)                                                                \
	X(FreeGpuVirtualAddress)                                                                   \
	X(DestroyPagingQueue)                                                                      \
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

/* QueryAdapterInfo types beyond dxgt/crossos.h's (KMTQUERYADAPTERINFOTYPE). */
#define QAI_PHYSICALADAPTERPNPKEY 41u
#define QAI_WDDM_2_7_CAPS 70u
/* Synthetic sizes (see the top of the file). */
#define QAI_WDDM_2_7_CAPS_SIZE 4u
#define QAI_PNPKEY_SIZE 24u
#define PNP_KEY_HARDWARE 1u /* D3DKMT_PNP_KEY_HARDWARE */
/* The reservation: 4 GiB anywhere, no access until mapped (reservation
 * type 0). The size is synthetic. */
#define RESERVE_SIZE 0x100000000ull
/* A driver-store path longer than this is not believed. */
#define QR_VALUE_MAX 65536u
/* D3DDDI_QUERYREGISTRY_INFO's fixed part in the Linux layout,
 * dxgt_qr_size(DXGT_OS_LINUX). */
#define QR_LINUX_SIZE 1072u
/* D3DDDI_QUERYREGISTRY_STATUS. */
#define QR_STATUS_SUCCESS 0u
#define QR_STATUS_BUFFER_OVERFLOW 1u

static const struct probe_info info = {
    .prog = "igpu-probe",
    .what = "Runs a GPU compute user-mode driver's start-up calls (the Intel Arc\n"
	    "field report's) through libdxcore.so, loaded with dlopen.",
    .takes_library = true,
    .no_escapes = true,
    .sequence = "EnumAdapters3 with filter 0 (a count query, then the list),\n"
		"OpenAdapterFromLuid; QueryAdapterInfo for the PCI ids (type 31), the\n"
		"adapter type (15), the driver-store path (48, QUERYREGISTRY: a size\n"
		"probe, then the read), WDDM 2.7 caps (70) and the PnP key (41);\n"
		"CreateDevice, CreatePagingQueue, ReserveGpuVirtualAddress (4 GiB),\n"
		"then teardown. One line per call.",
    .extra_help = "  --library PATH   dlopen PATH instead of libdxcore.so (and, failing\n"
		  "                   that, " PROBE_WSL_LIBDXCORE ")\n",
};

/* D3DKMT_ADAPTERTYPE's bits, low first, as a user would look them up. */
static const char *const adapter_type_bits[] = {
    "render_supported",
    "display_supported",
    "software_device",
    "post_device",
    "hybrid_discrete",
    "hybrid_integrated",
    "indirect_display_device",
    "paravirtualized",
    "acg_supported",
    "support_set_timings_from_vidpn",
    "detachable",
    "compute_only",
    "prototype",
    "runtime_power_management",
};

/* D3DDDI_QUERYREGISTRY_STATUS names. */
static const char *const qr_status_names[] = {"SUCCESS", "BUFFER_OVERFLOW", "FAIL"};

static const char *qr_status_name(uint32_t st)
{
	return st < sizeof(qr_status_names) / sizeof(qr_status_names[0]) ? qr_status_names[st]
									 : "?";
}

/* Loads the library and every function; 0, or -1 after a message. */
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
	struct probe_adapters a; /* what EnumAdapters3 listed */
	uint32_t adapter, device, paging_queue;
	uint64_t va; /* the reservation's GPU address; 0: none */
};

/* One call's line: "NAME(ARGS) = STATUS[; OUT]". */
static bool report(struct run *r, const char *call, int32_t st, const char *out)
{
	return probe_report_nt(r->o, &r->t, call, st, out);
}

static void enumerate(struct run *r)
{
	struct dxgt_enumadapters3 e = {.filter = 0};
	char out[32], call[64];
	int32_t st = r->k->EnumAdapters3(&e);
	snprintf(out, sizeof(out), "count=%u", (unsigned)e.adapter_count);
	if (!report(r, "D3DKMTEnumAdapters3(filter=0x0, adapters=NULL)", st, out))
		return;
	uint32_t room = probe_adapters_room(&r->a, &e);
	if (!room)
		return;
	snprintf(call, sizeof(call), "D3DKMTEnumAdapters3(filter=0x0, count=%u)", (unsigned)room);
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

/* One QueryAdapterInfo on the open adapter; what is the call's label. */
static int32_t query(struct run *r, uint32_t type, void *data, uint32_t size, const char *what,
		     char *call, size_t call_len)
{
	struct dxgt_queryadapterinfo q = {
	    .adapter = r->adapter,
	    .type = type,
	    .private_data = (uint64_t)(uintptr_t)data,
	    .private_data_size = size,
	};
	snprintf(call, call_len, "D3DKMTQueryAdapterInfo(adapter=%s, type=%u %s, size=%u)",
		 probe_handle_name(&r->h, r->adapter), (unsigned)type, what, (unsigned)size);
	return r->k->QueryAdapterInfo(&q);
}

/* Type 31: physical adapter index, vendor, device, subsystem vendor,
 * subsystem, revision, bus type. */
static void query_device_ids(struct run *r)
{
	uint32_t ids[7] = {0};
	char call[128], out[48] = "";
	int32_t st =
	    query(r, DXGT_QAI_DEVICEIDS, ids, sizeof(ids), "device ids", call, sizeof(call));
	if (nt_ok(st))
		snprintf(out, sizeof(out), "pci=%04X:%04X", (unsigned)ids[1], (unsigned)ids[2]);
	report(r, call, st, out);
}

/* Type 15: D3DKMT_ADAPTERTYPE, one UINT of bits. */
static void query_adapter_type(struct run *r)
{
	uint32_t type = 0;
	char call[128], out[256] = "";
	int32_t st =
	    query(r, DXGT_QAI_ADAPTERTYPE, &type, sizeof(type), "adapter type", call, sizeof(call));
	if (nt_ok(st)) {
		size_t used = (size_t)snprintf(out, sizeof(out), "type=0x%08X", (unsigned)type);
		const char *sep = " ";
		for (unsigned b = 0; b < 32 && used < sizeof(out); b++) {
			if (!(type & 1u << b))
				continue;
			bool named = b < sizeof(adapter_type_bits) / sizeof(adapter_type_bits[0]);
			int n = named ? snprintf(out + used, sizeof(out) - used, "%s%s", sep,
						 adapter_type_bits[b])
				      : snprintf(out + used, sizeof(out) - used, "%sbit%u", sep, b);
			if (n < 0)
				break;
			used += (size_t)n;
			sep = "|";
		}
	}
	report(r, call, st, out);
}

/* The path a decoded answer holds, as ASCII ('?' for anything else). */
static void qr_path(const struct dxgt_qr *q, char *buf, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; (i + 1) * sizeof(uint32_t) <= q->value_len && k + 1 < len; i++) {
		uint32_t c;
		memcpy(&c, q->value + i * sizeof(uint32_t), sizeof(c));
		if (!c)
			break;
		buf[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[k] = '\0';
}

/* Type 48, query type 2: the driver-store path. The size probe passes the
 * fixed-size struct; a path longer than its 8-byte value field answers
 * BUFFER_OVERFLOW with the value's size in bytes (OutputValueSize), and
 * the read passes a buffer that holds it. The query's own status is
 * separate from the call's NTSTATUS: a call that succeeds with status FAIL
 * still leaves the driver without its driver store, and is counted so. */
static void query_driver_store(struct run *r)
{
	static uint8_t buf[QR_LINUX_SIZE + QR_VALUE_MAX];
	const size_t fixed = dxgt_qr_size(DXGT_OS_LINUX);
	assert(fixed == QR_LINUX_SIZE);
	const size_t value_off = fixed - 8; /* the value starts in the last 8 bytes */
	struct dxgt_qr q = {.query_type = DXGT_QR_DRIVERSTORE, .layout = DXGT_OS_LINUX};
	size_t len = 0;
	memset(buf, 0, sizeof(buf));
	if (dxgt_qr_encode(&q, DXGT_OS_LINUX, buf, sizeof(buf), &len) < 0 || len != fixed) {
		probe_fail(&r->t, "QUERYREGISTRY encoding");
		return;
	}
	char call[128], out[400] = "", path[300];
	int32_t st = query(r, DXGT_QAI_QUERYREGISTRY, buf, (uint32_t)len, "driver store", call,
			   sizeof(call));
	struct dxgt_qr a;
	if (!nt_ok(st) || dxgt_qr_decode(buf, len, DXGT_OS_LINUX, &a) < 0) {
		report(r, call, st, NULL);
		return;
	}
	if (a.status == QR_STATUS_SUCCESS) { /* a path that fits in 8 bytes */
		qr_path(&a, path, sizeof(path));
		snprintf(out, sizeof(out), "status=SUCCESS path=%s", path);
		report(r, call, st, out);
		return;
	}
	if (a.status == QR_STATUS_BUFFER_OVERFLOW)
		snprintf(out, sizeof(out), "status=BUFFER_OVERFLOW needs=%u", (unsigned)a.out_size);
	else
		snprintf(out, sizeof(out), "status=%s", qr_status_name(a.status));
	report(r, call, st, out);
	if (a.status != QR_STATUS_BUFFER_OVERFLOW || a.out_size == 0 || a.out_size > QR_VALUE_MAX) {
		probe_fail(&r->t, "no driver-store path");
		return;
	}

	len = value_off + a.out_size > fixed ? value_off + a.out_size : fixed;
	memset(buf, 0, len);
	size_t enc = 0;
	if (dxgt_qr_encode(&q, DXGT_OS_LINUX, buf, sizeof(buf), &enc) < 0) {
		probe_fail(&r->t, "QUERYREGISTRY encoding");
		return;
	}
	st = query(r, DXGT_QAI_QUERYREGISTRY, buf, (uint32_t)len, "driver store", call,
		   sizeof(call));
	out[0] = '\0';
	if (nt_ok(st) && dxgt_qr_decode(buf, len, DXGT_OS_LINUX, &a) == 0) {
		qr_path(&a, path, sizeof(path));
		if (a.status == QR_STATUS_SUCCESS)
			snprintf(out, sizeof(out), "status=SUCCESS path=%s", path);
		else
			snprintf(out, sizeof(out), "status=%s", qr_status_name(a.status));
	}
	report(r, call, st, out);
	if (nt_ok(st) && a.status != QR_STATUS_SUCCESS)
		probe_fail(&r->t, "no driver-store path");
}

/* Type 70: D3DKMT_WDDM_2_7_CAPS, one UINT of bits (hardware scheduling
 * supported, enabled, enabled by default, ...). */
static void query_wddm27_caps(struct run *r)
{
	uint32_t caps = 0;
	char call[128], out[32] = "";
	int32_t st = query(r, QAI_WDDM_2_7_CAPS, &caps, QAI_WDDM_2_7_CAPS_SIZE, "WDDM 2.7 caps",
			   call, sizeof(call));
	if (nt_ok(st))
		snprintf(out, sizeof(out), "caps=0x%08X", (unsigned)caps);
	report(r, call, st, out);
}

/* Type 41: the physical adapter's PnP key; see the top of the file for
 * what the 24 bytes are. */
static void query_pnp_key(struct run *r)
{
	uint32_t key[QAI_PNPKEY_SIZE / 4] = {0, PNP_KEY_HARDWARE};
	char call[128];
	int32_t st =
	    query(r, QAI_PHYSICALADAPTERPNPKEY, key, sizeof(key), "PnP key", call, sizeof(call));
	report(r, call, st, NULL);
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

static void create_paging_queue(struct run *r)
{
	struct dxgt_createpagingqueue pq = {.device = r->device}; /* normal priority (0) */
	char call[64], out[48] = "";
	snprintf(call, sizeof(call), "D3DKMTCreatePagingQueue(device=%s)",
		 probe_handle_name(&r->h, r->device));
	int32_t st = r->k->CreatePagingQueue(&pq);
	if (nt_ok(st)) {
		r->paging_queue = pq.paging_queue;
		const char *q = probe_handle_bind(&r->h, 'P', pq.paging_queue);
		snprintf(out, sizeof(out), "paging_queue=%s fence=%s", q,
			 probe_handle_bind(&r->h, 'S', pq.sync_object));
	}
	report(r, call, st, out);
}

static void reserve_gpu_va(struct run *r)
{
	struct dxgt_reservegpuvirtualaddress rv = {
	    .adapter = r->adapter,
	    .size = RESERVE_SIZE,
	};
	char call[96];
	snprintf(call, sizeof(call), "D3DKMTReserveGpuVirtualAddress(adapter=%s, size=0x%llx)",
		 probe_handle_name(&r->h, r->adapter), (unsigned long long)RESERVE_SIZE);
	int32_t st = r->k->ReserveGpuVirtualAddress(&rv);
	/* The address is the host's: not printed, so that the output is the
	 * same from run to run. */
	if (report(r, call, st, rv.virtual_address ? "reserved" : "no address"))
		r->va = rv.virtual_address;
	if (nt_ok(st) && !rv.virtual_address)
		probe_fail(&r->t, "no GPU address reserved");
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
	char call[96];
	if (r->va) {
		struct dxgt_freegpuvirtualaddress fv = {
		    .adapter = r->adapter,
		    .base_address = r->va,
		    .size = RESERVE_SIZE,
		};
		snprintf(call, sizeof(call), "D3DKMTFreeGpuVirtualAddress(adapter=%s, size=0x%llx)",
			 probe_handle_name(&r->h, r->adapter), (unsigned long long)RESERVE_SIZE);
		report(r, call, r->k->FreeGpuVirtualAddress(&fv), NULL);
	}
	if (r->paging_queue) {
		struct dxgt_destroypagingqueue dq = {.paging_queue = r->paging_queue};
		snprintf(call, sizeof(call), "D3DKMTDestroyPagingQueue(paging_queue=%s)",
			 probe_handle_name(&r->h, r->paging_queue));
		report(r, call, r->k->DestroyPagingQueue(&dq), NULL);
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
		query_device_ids(&r);
		query_adapter_type(&r);
		query_driver_store(&r);
		/* A compute driver goes on when these optional queries fail,
		 * as the report's OpenCL runtime did. */
		query_wddm27_caps(&r);
		query_pnp_key(&r);
		create_device(&r);
		if (r.device)
			create_paging_queue(&r);
		reserve_gpu_va(&r);
	}
	tear_down(&r);
	fflush(stdout);
	dlclose(k.lib);
	return probe_finish(&info, &r.t);
}
