/* SPDX-License-Identifier: MIT */
/*
 * The mock WSL2 host: host profiles (JSON) and a model of dxgkrnl plus a
 * host that answers /dev/dxg requests the way a profile says a real host
 * does, failures included.
 *
 * The model is called like the kernel: dxgt_mock_ioctl() takes a request
 * and a pointer to the caller's argument struct in this process, checks
 * what the guest driver checks (the request and its encoded size, handle
 * validity, the VM bus size limit, array capacities), then answers as the
 * host: from the profile's adapters, canned answers, escape policy and
 * faults, and from its own object tables. It returns what the ioctl
 * returns: 0, a positive NTSTATUS, or -errno.
 *
 * Thread safety: a profile is immutable once loaded; a model serialises
 * its calls internally, so one model may serve many threads.
 */
#ifndef DXGT_MOCK_H
#define DXGT_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- profiles ---- */

enum dxgt_escape_policy {
	DXGT_ESCAPE_PASS = 1, /* escapes reach a vendor model that answers */
	DXGT_ESCAPE_REJECT_NONEMPTY =
	    2,			    /* non-empty payloads get a short host reply (-EOVERFLOW) */
	DXGT_ESCAPE_KNOWN_ONLY = 3, /* only escapes flagged driver_known_escape (secure VM) */
	DXGT_ESCAPE_DISABLED = 4,   /* vendor escapes disabled (sandbox) */
};

/* A byte string from a profile: inline hex or a file's contents. */
struct dxgt_mock_blob {
	const uint8_t *data; /* owned by the profile */
	size_t len;
};

/* A canned QueryAdapterInfo answer for one type. */
struct dxgt_mock_qai {
	uint32_t type;
	struct dxgt_mock_blob data; /* copied into private_data, up to its size; for
				       an intel_adapter_info, the token stream written */
	uint32_t status;	    /* NTSTATUS the host answers; 0 = success */
};

/* A QUERYREGISTRY answer, matched on the value name (and type when set). */
struct dxgt_mock_registry {
	const char *value_name;	     /* UTF-8; compared with the request's wide name */
	int32_t query_type;	     /* D3DDDI_QUERYREGISTRY_TYPE; -1 = any */
	uint32_t value_type;	     /* REG_SZ 1, REG_DWORD 4, ...; returned as value_type */
	struct dxgt_mock_blob value; /* for strings: UTF-8, widened to the caller's wchar_t */
	bool is_string;
};

/* A canned escape reply, matched on the payload. */
struct dxgt_mock_escape_reply {
	struct dxgt_mock_blob prefix; /* match when the payload starts with these bytes */
	uint64_t fnv1a;		      /* or when its FNV-1a 64 equals this (0 = unused) */
	bool has_fnv1a;
	struct dxgt_mock_blob out; /* written over the start of the payload */
	uint32_t status;	   /* 0: success; a failing NTSTATUS: the ioctl fails */
	int err;		   /* or an explicit errno (0 = from status) */
};

struct dxgt_mock_adapter {
	uint64_t luid; /* high part << 32 | low part */
	uint32_t vendor, device, subsys, revision;
	const char *description;
	uint64_t driver_version;
	bool compute_only, paravirtualized, render_supported, display_supported;
	bool is_hardware, is_integrated, is_detachable;
	uint32_t num_sources;
	const struct dxgt_mock_qai *qai;
	size_t n_qai;
	const struct dxgt_mock_registry *registry;
	size_t n_registry;
	enum dxgt_escape_policy escape_policy;
	uint32_t escape_reply_size; /* REJECT_NONEMPTY: bytes the host replies with */
	const struct dxgt_mock_escape_reply *escape_replies;
	size_t n_escape_replies;
	/* Escape types and their first payload u32 ("escape code") a secure VM
	 * lets through in KNOWN_ONLY even without the flag; usually empty. */
};

/* Fault injection: the call named, on matching invocations, fails. */
struct dxgt_mock_fault {
	uint16_t call_id;     /* descriptor id */
	uint64_t first, last; /* 1-based invocation range of this call (after the match) */
	const char *arg_name; /* optional: a scalar field (as in calls.def) that must ... */
	uint64_t arg_value;   /* ... equal this value for the fault to apply */
	bool has_arg;
	/* Only once the host has refused a non-empty escape: a vendor driver
	 * left without per-process state fails what follows. */
	bool after_escape_refused;
	uint32_t status; /* NTSTATUS the host answers (mapped to errno by the guest) */
	int err;	 /* or an errno the guest returns directly (0 = use status) */
};

struct dxgt_profile {
	const char *name;
	const char *description;
	const char *origin;    /* the file it came from */
	uint32_t vm_bus_limit; /* bytes; default 131072 */
	const struct dxgt_mock_adapter *adapters;
	size_t n_adapters;
	const struct dxgt_mock_fault *faults;
	size_t n_faults;
};

/* Load a profile by shipped name ("wsl2-intel-npu": looked up in the
 * directories of DXGMOCK_PROFILE_PATH, then the installed and the source
 * corpora/profiles) or by path (anything with a '/' or ending in .json).
 * On failure returns a negative DXGT_E_* and writes one line to err naming
 * the file, the key and what was expected, e.g.
 *   "corpora/profiles/x.json: adapters[0].vendor: expected a number or a
 *    hex string, got an array".
 * On success *out owns the profile; free with dxgt_profile_free(). */
int dxgt_profile_load(struct dxgt_profile **out, const char *name_or_path, char *err,
		      size_t errlen);
/* Same from JSON text; origin names it in messages. */
int dxgt_profile_parse(struct dxgt_profile **out, const char *json, size_t len, const char *origin,
		       char *err, size_t errlen);
void dxgt_profile_free(struct dxgt_profile *p);
/* The directory of shipped profiles compiled in (the source tree's). */
const char *dxgt_profile_dir(void);

/* ---- the model ---- */

struct dxgt_mock;

/* Flags for dxgt_mock_new. */
#define DXGT_MOCK_TRUSTED 0x1u /* nested buffers are valid memory (the replayer): plain copies */

/* Create a model serving profile p (borrowed: it must outlive the model). */
int dxgt_mock_new(struct dxgt_mock **out, const struct dxgt_profile *p, unsigned flags);
void dxgt_mock_free(struct dxgt_mock *m);
/* One request, as ioctl(2) on /dev/dxg would see it; returns 0, a positive
 * NTSTATUS, or -errno (the value the ioctl returns is -1 with that errno).
 * Nested buffers are read and written with user-copy semantics: a bad
 * pointer gives -EFAULT unless the model is TRUSTED. */
long dxgt_mock_ioctl(struct dxgt_mock *m, unsigned long request, void *arg);
/* The NTSTATUS a D3DKMT function returns for an ioctl result (what
 * libdxcore does): 0 or the positive status passed through, else the status
 * the errno most likely came from (EOVERFLOW: STATUS_BUFFER_TOO_SMALL). */
uint32_t dxgt_mock_ntstatus_from_ioctl(long ret);
/* Invocation counts per call, for tests. */
uint64_t dxgt_mock_count(const struct dxgt_mock *m, uint16_t call_id);

/* ---- the D3DKMT layer ---- */

/* The D3DKMT function of descriptor call_id, done the way libdxcore does
 * it: a call with an ioctl of the same shape (every call below 0x100) sends
 * the caller's struct as it is; the D3DKMT-only calls (0x100 and up) are
 * translated into the requests libdxcore would issue, with their results
 * copied back into args. Each request goes through ioctl_fn, which returns
 * what dxgt_mock_ioctl() returns (0, a positive NTSTATUS, or -errno); the
 * result becomes the function's NTSTATUS by dxgt_mock_ntstatus_from_ioctl.
 * args is the caller's D3DKMT struct (borrowed for the call; its nested
 * buffers must be valid memory). Returns the NTSTATUS: STATUS_NOT_IMPLEMENTED
 * for an id with no D3DKMT function, STATUS_INVALID_PARAMETER for NULL args.
 * Thread-safe when ioctl_fn is. Never keeps a pointer beyond the call. */
int32_t dxgt_mock_kmt_with(long (*ioctl_fn)(void *ctx, unsigned long request, void *arg), void *ctx,
			   unsigned call_id, void *args);
/* The same with every request sent to model m (dxgt_mock_ioctl). */
int32_t dxgt_mock_kmt(struct dxgt_mock *m, unsigned call_id, void *args);

#endif /* DXGT_MOCK_H */
