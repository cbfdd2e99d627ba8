// SPDX-License-Identifier: MIT
/*
 * Status knowledge, generated from status.def: NTSTATUS and errno names, the
 * NTSTATUS-to-errno conversion dxgkrnl applies, and its reverse. The tables
 * are const and the code keeps no state, so every function is thread-safe
 * and async-signal-safe. Nothing here allocates, prints, or consults the
 * locale or the host's <errno.h>: errno numbers are the traced machine's,
 * and names compare in plain ASCII so "status_pending" parses the same in
 * every locale.
 */
#include <limits.h>
#include <string.h>

#include "dxgt/error.h"
#include "dxgt/status.h"

/* Errno numbers by name, so NTSTATUS rows can name the errno they map to.
 * A row naming an errno missing from the list fails to compile. */
enum {
	DXGT__ERRNO_0 = 0,
#define DXGT_ERRNO(name, value) DXGT__ERRNO_##name = (value),
#include "dxgt/status.def"
};

#define DXGT__SIGN 0x80000000u
#define DXGT__MAX_ERRNO 4095 /* the kernel's MAX_ERRNO */
#define DXGT__N(a) (sizeof(a) / sizeof((a)[0]))
#define DXGT__PREFIX "STATUS_"
#define DXGT__PREFIX_LEN (sizeof(DXGT__PREFIX) - 1)

/* A failing (negative) status maps to an errno, a passed-through one to 0;
 * the name must fit the buffer size the header promises. */
#define DXGT_NTSTATUS(name, value, err)                                                            \
	_Static_assert(((value)&DXGT__SIGN) ? DXGT__ERRNO_##err > 0 : DXGT__ERRNO_##err == 0,      \
		       "STATUS_" #name                                                             \
		       ": errno must be 0 exactly when the value is non-negative");                \
	_Static_assert(sizeof(DXGT__PREFIX #name) <= DXGT_NTSTATUS_NAME_MAX,                       \
		       "STATUS_" #name ": name longer than DXGT_NTSTATUS_NAME_MAX");
#define DXGT_ERRNO(name, value)                                                                    \
	_Static_assert((value) > 0 && (value) <= DXGT__MAX_ERRNO, #name ": out of errno range");
#include "dxgt/status.def"

struct ntstatus_row {
	uint32_t value;
	int err;
	const char *name; /* with the STATUS_ prefix */
};

static const struct ntstatus_row ntstatus_rows[] = {
#define DXGT_NTSTATUS(name, value, err) {(value), DXGT__ERRNO_##err, DXGT__PREFIX #name},
#include "dxgt/status.def"
};

struct errno_row {
	int value;
	const char *name;
};

static const struct errno_row errno_rows[] = {
#define DXGT_ERRNO(name, value) {(value), #name},
#include "dxgt/status.def"
};

static int ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int ascii_alpha(int c)
{
	return ascii_upper(c) >= 'A' && ascii_upper(c) <= 'Z';
}

static int ascii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int hex_digit(int c)
{
	if (ascii_digit(c))
		return c - '0';
	c = ascii_upper(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_upper((unsigned char)*a) != ascii_upper((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Has the shape of a C identifier: could be a name we do not know. */
static int name_shaped(const char *s)
{
	if (!ascii_alpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!ascii_alpha((unsigned char)*s) && !ascii_digit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* A non-empty run of hex digits up to the NUL, at most 32 bits. */
static int parse_hex32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return DXGT_E_INVAL;
	for (; *s; s++) {
		int d = hex_digit((unsigned char)*s);
		if (d < 0)
			return DXGT_E_INVAL;
		v = v << 4 | (unsigned)d;
		if (v > UINT32_MAX)
			return DXGT_E_INVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A non-empty run of decimal digits up to the NUL, at most max. */
static int parse_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return DXGT_E_INVAL;
	for (; *s; s++) {
		if (!ascii_digit((unsigned char)*s))
			return DXGT_E_INVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return DXGT_E_INVAL;
	}
	*out = v;
	return 0;
}

static int all_hex(const char *s)
{
	for (; *s; s++)
		if (hex_digit((unsigned char)*s) < 0)
			return 0;
	return 1;
}

/* 75 and -75 both mean EOVERFLOW; INT_MIN is no errno at all. */
static int errno_abs(int err)
{
	if (err == INT_MIN)
		return 0;
	return err < 0 ? -err : err;
}

static const struct ntstatus_row *ntstatus_find(uint32_t status)
{
	for (size_t i = 0; i < DXGT__N(ntstatus_rows); i++)
		if (ntstatus_rows[i].value == status)
			return &ntstatus_rows[i];
	return NULL;
}

const char *dxgt_ntstatus_name(uint32_t status)
{
	const struct ntstatus_row *r = ntstatus_find(status);
	return r ? r->name : NULL;
}

int dxgt_ntstatus_format(uint32_t status, char *buf, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	const char *name = dxgt_ntstatus_name(status);
	size_t need = name ? strlen(name) + 1 : sizeof("0x12345678");

	if (!buf || len < need) {
		if (buf && len)
			buf[0] = '\0';
		return DXGT_E_INVAL;
	}
	if (name) {
		memcpy(buf, name, need);
		return 0;
	}
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 8; i++)
		buf[2 + i] = digits[(status >> (28 - 4 * i)) & 0xf];
	buf[10] = '\0';
	return 0;
}

int dxgt_ntstatus_parse(const char *s, uint32_t *out)
{
	uint64_t mag;
	int rc;

	if (!s || !out)
		return DXGT_E_INVAL;
	if (s[0] == '-') {
		/* A signed 32-bit value: magnitude up to 2^31. */
		rc = parse_dec(s + 1, (uint64_t)INT32_MAX + 1, &mag);
		if (rc < 0)
			return rc;
		*out = 0u - (uint32_t)mag;
		return 0;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex32(s + 2, out);
	if (*s && all_hex(s))
		return parse_hex32(s, out);
	if (!name_shaped(s))
		return DXGT_E_INVAL;
	for (size_t i = 0; i < DXGT__N(ntstatus_rows); i++) {
		const char *full = ntstatus_rows[i].name;
		if (ascii_caseeq(s, full) || ascii_caseeq(s, full + DXGT__PREFIX_LEN)) {
			*out = ntstatus_rows[i].value;
			return 0;
		}
	}
	return DXGT_E_NOTFOUND;
}

int dxgt_ntstatus_to_errno(uint32_t status)
{
	const struct ntstatus_row *r;

	if (dxgt_ntstatus_is_success(status))
		return 0;
	r = ntstatus_find(status);
	return r ? r->err : DXGT__ERRNO_EINVAL;
}

size_t dxgt_errno_to_ntstatus(int err, uint32_t *out, size_t cap)
{
	size_t n = 0;

	err = errno_abs(err);
	if (err == 0)
		return 0;
	for (size_t i = 0; i < DXGT__N(ntstatus_rows); i++) {
		if (ntstatus_rows[i].err != err)
			continue;
		if (out && n < cap)
			out[n] = ntstatus_rows[i].value;
		n++;
	}
	return n;
}

int dxgt_errno_is_ambiguous(int err)
{
	err = errno_abs(err);
	if (err == DXGT__ERRNO_EINVAL)
		return 1;
	return dxgt_errno_to_ntstatus(err, NULL, 0) > 1;
}

const char *dxgt_errno_name(int err)
{
	err = errno_abs(err);
	for (size_t i = 0; i < DXGT__N(errno_rows); i++)
		if (errno_rows[i].value == err)
			return errno_rows[i].name;
	return NULL;
}

int dxgt_errno_parse(const char *s, int *out)
{
	uint64_t v;
	int rc;

	if (!s || !out)
		return DXGT_E_INVAL;
	if (s[0] == '-' || ascii_digit((unsigned char)s[0])) {
		rc = parse_dec(s[0] == '-' ? s + 1 : s, DXGT__MAX_ERRNO, &v);
		if (rc < 0)
			return rc;
		if (v == 0)
			return DXGT_E_INVAL;
		*out = (int)v;
		return 0;
	}
	if (!name_shaped(s))
		return DXGT_E_INVAL;
	for (size_t i = 0; i < DXGT__N(errno_rows); i++) {
		if (ascii_caseeq(s, errno_rows[i].name)) {
			*out = errno_rows[i].value;
			return 0;
		}
	}
	return DXGT_E_NOTFOUND;
}

int dxgt_ntstatus_is_error(uint32_t status)
{
	return (status >> 30) == 3u;
}

int dxgt_ntstatus_is_success(uint32_t status)
{
	return (status & DXGT__SIGN) == 0;
}

size_t dxgt_ntstatus_count(void)
{
	return DXGT__N(ntstatus_rows);
}

int dxgt_ntstatus_at(size_t i, uint32_t *value, const char **name, int *mapped_errno)
{
	if (i >= DXGT__N(ntstatus_rows))
		return DXGT_E_INVAL;
	if (value)
		*value = ntstatus_rows[i].value;
	if (name)
		*name = ntstatus_rows[i].name;
	if (mapped_errno)
		*mapped_errno = ntstatus_rows[i].err;
	return 0;
}

size_t dxgt_errno_count(void)
{
	return DXGT__N(errno_rows);
}

int dxgt_errno_at(size_t i, int *value, const char **name)
{
	if (i >= DXGT__N(errno_rows))
		return DXGT_E_INVAL;
	if (value)
		*value = errno_rows[i].value;
	if (name)
		*name = errno_rows[i].name;
	return 0;
}
