// SPDX-License-Identifier: MIT
/*
 * dxg-probe: the Intel NPU field report's minimal reproduction one level
 * down, straight on /dev/dxg: the ioctls libdxcore issues for the calls
 * npu-probe makes, with dxgtrace's UAPI structs (dxgt/uapi.h) and the
 * request codes of the descriptor list (dxgt_call_by_name()). The sequence
 * is the same:
 *
 *   LX_DXENUMADAPTERS3 (compute-only filter: a count query, then the list)
 *   LX_DXOPENADAPTERFROMLUID, LX_DXCREATEDEVICE
 *   LX_DXESCAPE x4, DRIVERPRIVATE, of 64, 568, 24 and 40 bytes: the
 *     user-mode driver's process registration (probe_registration_sizes)
 *   LX_DXESCAPE with an empty payload: the report's check of the channel
 *   LX_DXCREATECONTEXTVIRTUAL with a small private data block
 *   LX_DXDESTROYCONTEXT, LX_DXDESTROYDEVICE, LX_DXCLOSEADAPTER
 *
 * Every ioctl prints one line with what it returned, as strace would show
 * it: "LX_DXESCAPE(size=568) = -1 EOVERFLOW" is the report's dmesg line
 * "dxgkio_escape: Ioctl failed: -75". That -75 is what the guest driver
 * returns when the host's reply is shorter than the payload; it does not
 * prove that the vendor driver said STATUS_BUFFER_TOO_SMALL.
 *
 * The escape payloads are synthetic (see probe_payload()), not Intel's
 * protocol. Handles print as symbols (A1, D1, C1), never raw values.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dxgt/calls.h"
#include "dxgt/status.h"
#include "dxgt/uapi.h"
#include "probe_common.h"

#define DXG_DEVICE "/dev/dxg"

/* The requests the sequence issues, looked up in the descriptor list. */
#define DXG_REQUESTS(X)                                                                            \
	X(ENUMADAPTERS3)                                                                           \
	X(OPENADAPTERFROMLUID)                                                                     \
	X(CREATEDEVICE)                                                                            \
	X(ESCAPE)                                                                                  \
	X(CREATECONTEXTVIRTUAL)                                                                    \
	X(DESTROYCONTEXT)                                                                          \
	X(DESTROYDEVICE)                                                                           \
	X(CLOSEADAPTER)

struct requests {
#define REQ_FIELD(name) unsigned long name;
	DXG_REQUESTS(REQ_FIELD)
#undef REQ_FIELD
};

static const struct probe_info info = {
    .prog = "dxg-probe",
    .what = "Runs the NPU field report's call sequence as ioctls on " DXG_DEVICE ",\n"
	    "the requests libdxcore.so sends for the D3DKMT calls npu-probe makes.",
};

/* Fills every request code; -1 if the descriptor list lacks one (a build
 * of libdxgt that does not match this program). */
static int requests_load(struct requests *q)
{
#define REQ_LOAD(name)                                                                             \
	do {                                                                                       \
		const struct dxgt_call_desc *d = dxgt_call_by_name("LX_DX" #name);                 \
		if (!d || !d->ioctl_code) {                                                        \
			fprintf(stderr, "dxg-probe: no request code for LX_DX" #name "\n");        \
			return -1;                                                                 \
		}                                                                                  \
		q->name = d->ioctl_code;                                                           \
	} while (0);
	DXG_REQUESTS(REQ_LOAD)
#undef REQ_LOAD
	return 0;
}

struct run {
	int fd;
	struct requests q;
	const struct probe_opts *o;
	struct probe_handles h;
	struct probe_tally t;
	struct probe_adapters a;	   /* what EnumAdapters3 listed */
	uint32_t adapter, device, context; /* 0: not open */
};

/* What the ioctl returned: 0, a positive NTSTATUS, or -errno. */
static long dxg(struct run *r, unsigned long request, void *arg)
{
	int rc = ioctl(r->fd, request, arg);
	return rc < 0 ? -(long)errno : rc;
}

/* One ioctl's line, strace style: "NAME(ARGS) = 0[; OUT]", "= -1 EOVERFLOW",
 * or a positive NTSTATUS the driver passed through (a success). */
static bool report(struct run *r, const char *call, long rc, const char *out)
{
	char text[80];
	if (rc < 0) {
		const char *name = dxgt_errno_name((int)-rc);
		if (name)
			snprintf(text, sizeof(text), "-1 %s", name);
		else
			snprintf(text, sizeof(text), "-1 errno %ld", -rc);
	} else if (rc > 0) {
		const char *name = dxgt_ntstatus_name((uint32_t)rc);
		snprintf(text, sizeof(text), "0x%lX%s%s", rc, name ? " " : "", name ? name : "");
	} else {
		snprintf(text, sizeof(text), "0");
	}
	probe_say(r->o, "%s = %s%s%s", call, text, rc >= 0 && out && *out ? "; " : "",
		  rc >= 0 && out ? out : "");
	probe_count(&r->t, rc >= 0, call);
	return rc >= 0;
}

static void enumerate(struct run *r)
{
	struct dxgt_enumadapters3 e = {.filter = PROBE_FILTER_COMPUTE_ONLY};
	char out[32], call[64];
	long rc = dxg(r, r->q.ENUMADAPTERS3, &e);
	snprintf(out, sizeof(out), "count=%u", (unsigned)e.adapter_count);
	if (!report(r, "LX_DXENUMADAPTERS3(filter=0x1, adapters=NULL)", rc, out))
		return;
	uint32_t room = probe_adapters_room(&r->a, &e);
	if (!room)
		return;
	snprintf(call, sizeof(call), "LX_DXENUMADAPTERS3(filter=0x1, count=%u)", (unsigned)room);
	rc = dxg(r, r->q.ENUMADAPTERS3, &e);
	snprintf(out, sizeof(out), "count=%u", (unsigned)e.adapter_count);
	if (report(r, call, rc, out))
		probe_adapters_listed(&r->a, &e, room, &r->h, r->o);
}

static void open_adapter(struct run *r)
{
	struct dxgt_openadapterfromluid oa = {0};
	if (!probe_adapters_pick(&r->a, r->o, &r->t, &oa.adapter_luid))
		return;
	char luid[24], call[80], out[32] = "";
	probe_luid_format(&oa.adapter_luid, luid, sizeof(luid));
	snprintf(call, sizeof(call), "LX_DXOPENADAPTERFROMLUID(luid=%s)", luid);
	long rc = dxg(r, r->q.OPENADAPTERFROMLUID, &oa);
	if (rc >= 0) {
		r->adapter = oa.adapter_handle;
		snprintf(out, sizeof(out), "adapter=%s",
			 probe_handle_bind(&r->h, 'A', oa.adapter_handle));
	}
	report(r, call, rc, out);
}

static void create_device(struct run *r)
{
	struct dxgt_createdevice cd = {.adapter = r->adapter};
	char call[64], out[32] = "";
	snprintf(call, sizeof(call), "LX_DXCREATEDEVICE(adapter=%s)",
		 probe_handle_name(&r->h, r->adapter));
	long rc = dxg(r, r->q.CREATEDEVICE, &cd);
	if (rc >= 0) {
		r->device = cd.device;
		snprintf(out, sizeof(out), "device=%s", probe_handle_bind(&r->h, 'D', cd.device));
	}
	report(r, call, rc, out);
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
		snprintf(call, sizeof(call), "LX_DXESCAPE(size=%u, flags=0x%x)", (unsigned)size,
			 (unsigned)es.flags);
	else
		snprintf(call, sizeof(call), "LX_DXESCAPE(size=%u)", (unsigned)size);
	report(r, call, dxg(r, r->q.ESCAPE, &es), NULL);
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
	snprintf(call, sizeof(call), "LX_DXCREATECONTEXTVIRTUAL(device=%s, size=%u)",
		 probe_handle_name(&r->h, r->device), (unsigned)sizeof(data));
	long rc = dxg(r, r->q.CREATECONTEXTVIRTUAL, &cc);
	if (rc >= 0) {
		r->context = cc.context;
		snprintf(out, sizeof(out), "context=%s", probe_handle_bind(&r->h, 'C', cc.context));
	}
	report(r, call, rc, out);
}

static void close_adapter(struct run *r, uint32_t adapter)
{
	struct dxgt_closeadapter ca = {.adapter_handle = adapter};
	char call[64];
	snprintf(call, sizeof(call), "LX_DXCLOSEADAPTER(adapter=%s)",
		 probe_handle_name(&r->h, adapter));
	report(r, call, dxg(r, r->q.CLOSEADAPTER, &ca), NULL);
}

/* Children first; enumerated adapter handles are open handles too. */
static void tear_down(struct run *r)
{
	char call[64];
	if (r->context) {
		struct dxgt_destroycontext dc = {.context = r->context};
		snprintf(call, sizeof(call), "LX_DXDESTROYCONTEXT(context=%s)",
			 probe_handle_name(&r->h, r->context));
		report(r, call, dxg(r, r->q.DESTROYCONTEXT, &dc), NULL);
	}
	if (r->device) {
		struct dxgt_destroydevice dd = {.device = r->device};
		snprintf(call, sizeof(call), "LX_DXDESTROYDEVICE(device=%s)",
			 probe_handle_name(&r->h, r->device));
		report(r, call, dxg(r, r->q.DESTROYDEVICE, &dd), NULL);
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
	static struct run r; /* large: the handle table and the adapter list */
	r.o = &o;
	if (requests_load(&r.q))
		return PROBE_EXIT_UNAVAILABLE;
	r.fd = open(DXG_DEVICE, O_RDWR | O_CLOEXEC);
	if (r.fd < 0) {
		fprintf(stderr, "dxg-probe: cannot open %s: %s\n", DXG_DEVICE, strerror(errno));
		return PROBE_EXIT_UNAVAILABLE;
	}
	enumerate(&r);
	open_adapter(&r);
	if (r.adapter) {
		create_device(&r);
		/* As in the report, escapes need only the adapter handle. */
		register_process(&r);
		check_escape_channel(&r);
		if (r.device)
			create_context(&r);
	}
	tear_down(&r);
	close(r.fd);
	return probe_finish(&info, &r.t);
}
