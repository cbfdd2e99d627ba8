/* SPDX-License-Identifier: MIT */
/*
 * Status knowledge: NTSTATUS names, the errno the guest driver (dxgkrnl)
 * turns each failing NTSTATUS into, the reverse of that lossy mapping, and
 * Linux errno names. Everything is generated from status.def.
 *
 * All tables are static and immutable. Every function here is thread-safe,
 * async-signal-safe and allocation-free; none depends on the locale. Every
 * returned string is static: never free it, it lives for the whole process.
 *
 * Errno numbers are those of x86-64 Linux (the traced machine's), not the
 * host's <errno.h>. Functions taking an errno accept it either way round:
 * 75 and -75 both mean EOVERFLOW, as an ioctl's return value would be read.
 */
#ifndef DXGT_STATUS_H
#define DXGT_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* The longest string dxgt_ntstatus_format() writes, with its NUL. */
#define DXGT_NTSTATUS_NAME_MAX 48

/*
 * The name of a known status with its prefix ("STATUS_BUFFER_TOO_SMALL"), or
 * NULL if status is not in the list.
 */
const char *dxgt_ntstatus_name(uint32_t status);

/*
 * Writes the name of status into buf (len bytes, NUL included), or for an
 * unknown status its value as "0x" and eight upper-case hex digits
 * ("0xC0000123"). DXGT_NTSTATUS_NAME_MAX bytes are always enough.
 * Returns 0, or DXGT_E_INVAL if buf is NULL or too small; buf then holds ""
 * when len > 0.
 */
int dxgt_ntstatus_format(uint32_t status, char *buf, size_t len);

/*
 * Parses s into *out. Accepted forms:
 *   "0xC0000023", "C0000023"   hex with or without 0x; a bare number is
 *                              always hex, as NTSTATUS values are written
 *   "-1073741789"              negative decimal: the value as a signed int
 *   "STATUS_BUFFER_TOO_SMALL", "buffer_too_small"
 *                              a known name, prefix optional, any case
 * Returns 0; DXGT_E_INVAL if s or out is NULL or s is malformed (empty, not
 * a number nor a name, more than 32 bits); DXGT_E_NOTFOUND if s has the shape
 * of a name that is not in the list. *out is written only on success.
 */
int dxgt_ntstatus_parse(const char *s, uint32_t *out);

/*
 * The errno (a positive number) dxgkrnl returns as -errno for a failing
 * status; EINVAL for a negative status it has no case for, known or not;
 * 0 for a non-negative status, which the ioctl returns unchanged.
 */
int dxgt_ntstatus_to_errno(uint32_t status);

/*
 * The reverse mapping: every known status that dxgkrnl turns into err
 * (positive or negative). Writes up to cap of them into out, in list order,
 * and returns how many there are in all, which may exceed cap; out may be
 * NULL when cap is 0. Returns 0 for err 0, unknown errnos and errnos no
 * known status produces. The list is not exhaustive for EINVAL: any unknown
 * negative status also becomes EINVAL (see dxgt_errno_is_ambiguous()).
 */
size_t dxgt_errno_to_ntstatus(int err, uint32_t *out, size_t cap);

/*
 * 1 if err (positive or negative) cannot be traced back to one status:
 * more than one known status maps to it, or it is EINVAL, the driver's
 * answer for every status it has no case for. 0 otherwise, including for an
 * errno no known status produces. This judges the status mapping only: the
 * guest driver also returns some errnos itself without any host status (an
 * escape's -EOVERFLOW can mean a short reply from the host, not
 * STATUS_BUFFER_TOO_SMALL; see docs/status-codes.md).
 */
int dxgt_errno_is_ambiguous(int err);

/* The symbol of err, positive or negative ("EOVERFLOW"), or NULL if unknown. */
const char *dxgt_errno_name(int err);

/*
 * Parses s into *out as a positive errno. Accepted: a symbol in any case
 * ("EOVERFLOW"), or a decimal number with an optional minus sign ("75",
 * "-75"); a number need not be in the list but must be 1..4095, the range
 * the kernel returns errors in. Returns 0; DXGT_E_INVAL if s or out is NULL
 * or s is malformed or out of range; DXGT_E_NOTFOUND for an unknown symbol.
 * *out is written only on success.
 */
int dxgt_errno_parse(const char *s, int *out);

/* 1 if status has severity error (the top two bits set), else 0. */
int dxgt_ntstatus_is_error(uint32_t status);
/* 1 if status is a success or informational value (non-negative), else 0. */
int dxgt_ntstatus_is_success(uint32_t status);

/*
 * Iteration over the lists in status.def order, for tools that print them.
 * dxgt_ntstatus_at() stores the value, the prefixed name and the errno
 * dxgkrnl maps it to (0 for non-negative values) through the non-NULL
 * pointers; dxgt_errno_at() the number and the symbol. Both return 0, or
 * DXGT_E_INVAL when i is not below the count.
 */
size_t dxgt_ntstatus_count(void);
int dxgt_ntstatus_at(size_t i, uint32_t *value, const char **name, int *mapped_errno);
size_t dxgt_errno_count(void);
int dxgt_errno_at(size_t i, int *value, const char **name);

#endif /* DXGT_STATUS_H */
