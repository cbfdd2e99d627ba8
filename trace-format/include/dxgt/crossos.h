/* SPDX-License-Identifier: MIT */
/*
 * What differs between a Windows host and a WSL2 guest by design, so that a
 * capture made on Windows (dxgtrace import frida) compares with, and replays
 * as, a recording made inside WSL2.
 *
 * Two kinds of difference are known (docs/cross-os.md):
 *
 * - layout: the D3DKMT argument structs are the same on both sides, but
 *   D3DDDI_QUERYREGISTRY_INFO (QueryAdapterInfo type 48) holds a WCHAR
 *   array, 2 bytes per character on Windows and 4 (wchar_t) for Linux
 *   user-mode drivers: 552 bytes against 1072, plus the value that follows.
 *   dxgt_qr_decode() and dxgt_qr_encode() convert between the two.
 * - answers the guest rewrites: dxgkrnl sets the paravirtualized bit of
 *   D3DKMT_ADAPTERTYPE and clears the display-related ones (QueryAdapterInfo
 *   types 15 and 57), and the driver-store and driver-image paths (type 48,
 *   query types 2 and 3) name a Windows folder on the host and a Linux one
 *   in the guest. dxgt_hostdiff_mask() blanks exactly those parts.
 *
 * Everything here works on byte images and never follows a pointer.
 */
#ifndef DXGT_CROSSOS_H
#define DXGT_CROSSOS_H

#include <stddef.h>
#include <stdint.h>

#include "dxgt/trace.h"

enum dxgt_os {
	DXGT_OS_UNKNOWN = 0,
	DXGT_OS_LINUX = 1,
	DXGT_OS_WINDOWS = 2,
};

/* The host META record's `os`, or DXGT_OS_UNKNOWN for any other record or
 * a host record without it. */
enum dxgt_os dxgt_os_of_meta(const struct dxgt_record *r);
/* "linux", "windows" or "unknown". */
const char *dxgt_os_name(enum dxgt_os os);

/* QueryAdapterInfo types that matter here (KMTQUERYADAPTERINFOTYPE). */
#define DXGT_QAI_ADAPTERTYPE 15u
#define DXGT_QAI_DEVICEIDS 31u
#define DXGT_QAI_QUERYREGISTRY 48u
#define DXGT_QAI_ADAPTERTYPE_RENDER 57u

/* D3DKMT_ADAPTERTYPE bits the guest driver rewrites: it sets
 * Paravirtualized (bit 7) and clears DisplaySupported (1), PostDevice (3),
 * IndirectDisplayDevice (6), ACGSupported (8) and
 * SupportSetTimingsFromVidPn (9). */
#define DXGT_ADAPTERTYPE_GUEST_SET 0x080u
#define DXGT_ADAPTERTYPE_GUEST_CLEARED 0x34au

/* D3DDDI_QUERYREGISTRY_INFO, decoded. The value follows the fixed part and
 * may run past it: the caller sizes the buffer for it. */
#define DXGT_QR_NAME_LEN 260u
enum {
	DXGT_QR_SERVICEKEY = 0,
	DXGT_QR_ADAPTERKEY = 1,
	DXGT_QR_DRIVERSTORE = 2,
	DXGT_QR_DRIVERIMAGE = 3
};
struct dxgt_qr {
	uint32_t query_type, query_flags;
	uint32_t name[DXGT_QR_NAME_LEN]; /* code units, as stored */
	uint32_t value_type, adapter_index, out_size, status;
	const uint8_t *value; /* borrowed from the decoded image */
	size_t value_len;     /* bytes of it present in the image */
	enum dxgt_os layout;  /* the layout value (and out_size) is in */
};
/* The fixed part's size in a layout: 552 (Windows) or 1072 (Linux). */
size_t dxgt_qr_size(enum dxgt_os os);
/* Decodes an image of len bytes in os's layout (DXGT_OS_UNKNOWN: Linux's).
 * Returns 0, or DXGT_E_INVAL when len is below the fixed part. */
int dxgt_qr_decode(const uint8_t *p, size_t len, enum dxgt_os os, struct dxgt_qr *q);
/* Encodes q in os's layout into dst (cap bytes) and stores the length.
 * String values (REG_SZ 1, REG_EXPAND_SZ 2, REG_MULTI_SZ 7) are converted
 * code unit by code unit and out_size follows; other values are copied.
 * Returns 0 or DXGT_E_TOOBIG. */
int dxgt_qr_encode(const struct dxgt_qr *q, enum dxgt_os os, uint8_t *dst, size_t cap, size_t *len);
/* The length q takes in os's layout. */
size_t dxgt_qr_encoded_len(const struct dxgt_qr *q, enum dxgt_os os);

/* The host/guest differences by design. */
#define DXGT_HOSTDIFF_ADAPTERTYPE 0x1u /* adapter type bits the guest rewrites */
#define DXGT_HOSTDIFF_DRIVERSTORE 0x2u /* driver-store and driver-image paths */

/* For a QueryAdapterInfo of this type whose private data (len bytes, in
 * os's layout) is p: blanks in place what the guest answers differently by
 * design, the same way on either side, and returns the DXGT_HOSTDIFF_ bit
 * of the rule that applied (0: none). */
unsigned dxgt_hostdiff_mask(uint32_t qai_type, uint8_t *p, size_t len, enum dxgt_os os);
/* One line on a rule: "the guest rewrites the adapter type ...". */
const char *dxgt_hostdiff_text(unsigned rule);

#endif /* DXGT_CROSSOS_H */
