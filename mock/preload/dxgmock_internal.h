/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the files of libdxgmock.so, the library that stands
 * in for libdxcore.so and emulates /dev/dxg inside the process.
 *
 * The pieces: dxgmock_state.c (the profile and the one model per process,
 * loaded lazily; the debug log; fork safety), dxgmock_fd.c (the libc
 * interposers that make /dev/dxg exist), dxgmock_dlopen.c (libdxcore.so
 * requests answered with this library, and libraries of the host's driver
 * store served from the mock's own), dxgmock_kmt.c (the D3DKMT layer,
 * by ioctls on the emulated device, as libdxcore does), dxgmock_dxcore.c
 * (the DXCore adapter factory) and a generated file with one exported
 * D3DKMT function per descriptor row.
 *
 * Everything here is hidden (the target builds with -fvisibility=hidden);
 * only DXGMOCK_EXPORT functions are part of the library's ABI. None of this
 * may print except through dxgmock__log() and dxgmock__say(), and nothing
 * on a pass-through path may change errno.
 */
#ifndef DXGMOCK_INTERNAL_H
#define DXGMOCK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dxgt/mock.h"

#define DXGMOCK_EXPORT __attribute__((visibility("default")))

/* NTSTATUS values the library produces itself. */
#define DXGMOCK_STATUS_NOT_SUPPORTED 0xC00000BBu
#define DXGMOCK_STATUS_DEVICE_REMOVED 0xC00002B6u
#define DXGMOCK_STATUS_INVALID_PARAMETER 0xC000000Du
#define DXGMOCK_STATUS_NO_MEMORY 0xC0000017u
#define DXGMOCK_STATUS_NOT_IMPLEMENTED 0xC0000002u

/* The path this library makes exist. */
#define DXGMOCK_DEV_PATH "/dev/dxg"

/* ---- state (dxgmock_state.c) ---- */

/* The host profile, loaded on first need from DXGMOCK_PROFILE. NULL when
 * there is none (unset, or the loader failed): the library then acts as a
 * machine without /dev/dxg, and has said why once on stderr. Borrowed for
 * the life of the process. Thread-safe. */
const struct dxgt_profile *dxgmock__profile(void);
/* The profile if it is loaded already, else NULL; never loads it (for
 * paths that must not speak up in processes that never use the interface,
 * such as every dlopen). */
const struct dxgt_profile *dxgmock__profile_loaded(void);
/* The one model of the process, created on first use; NULL as above. */
struct dxgt_mock *dxgmock__model(void);
/* One request to the model, serialised against fork. 0, a positive
 * NTSTATUS or -errno, as dxgt_mock_ioctl(). */
long dxgmock__model_ioctl(unsigned long request, void *arg);

/* DXGMOCK_DEBUG is set to something other than "" or "0". */
bool dxgmock__debug(void);
/* One line "dxgmock: <text>" on stderr when debugging. Never allocates;
 * preserves errno. */
void dxgmock__log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same line whatever DXGMOCK_DEBUG says (warnings, the profile error). */
void dxgmock__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the emulated device (dxgmock_fd.c) ---- */

/* A symbol of the next object after this one (libc, usually), resolved
 * once and cached in *slot. NULL if there is none. Preserves errno. */
void *dxgmock__real(void **slot, const char *name);

/* What the interposers do, callable directly: open(2) of /dev/dxg,
 * ioctl(2) and close(2) on any fd. */
int dxgmock__dev_open(int flags);
int dxgmock__ioctl(int fd, unsigned long request, void *arg);
int dxgmock__close(int fd);
/* fd is an open /dev/dxg of this library. */
bool dxgmock__is_dxg(int fd);

/* ---- the D3DKMT layer (dxgmock_kmt.c) ---- */

/* Every exported D3DKMT function: call id of the descriptor list, args the
 * caller's struct (borrowed for the call). Returns the NTSTATUS. */
int32_t dxgmock__kmt(unsigned id, void *args);
/* ioctl(request, arg) on the process-wide /dev/dxg of the D3DKMT layer,
 * issued through the global open/ioctl symbols so that a tracer preloaded
 * ahead of this library sees it. Returns the NTSTATUS as libdxcore would. */
uint32_t dxgmock__kmt_ioctl(unsigned long request, void *arg);
/* The request code of call id (0 when it has none). */
uint32_t dxgmock__ioctl_code(unsigned id);

#endif /* DXGMOCK_INTERNAL_H */
