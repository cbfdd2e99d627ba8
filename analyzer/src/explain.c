// SPDX-License-Identifier: MIT
/*
 * Explaining a failure (dxgt/explain.h): reading an NTSTATUS, an errno or a
 * line of dxgkrnl's kernel log, naming the call, the status mapping in both
 * directions, and the notes of explain_notes.def. The kernel's handler
 * names come from dxgkrnl_handlers.def; the mapping itself is status.c's.
 *
 * Invariants: the tables are static and never written; parsing never
 * allocates; a log line is only ever read, so any text is safe input.
 * Errno numbers are the traced machine's (status.def), never <errno.h>'s.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dxgt/dxcore.h"
#include "dxgt/error.h"
#include "dxgt/explain.h"
#include "dxgt/status.h"

/* Errno numbers by name, from status.def: X_EOVERFLOW is 75. */
enum {
#define DXGT_ERRNO(name, value) X_##name = (value),
#include "dxgt/status.def"
	X_ANY = -1,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define WIDTH 80

/* ---- kernel handlers ---- */

static const struct kfunc {
	const char *name;
	unsigned nr;
} kfuncs[] = {
#define DXGT_KFUNC(name, nr) {#name, (nr)},
#include "dxgkrnl_handlers.def"
};

const struct dxgt_call_desc *dxgt_explain_kfunc_call(const char *name)
{
	if (!name)
		return NULL;
	/* "dxgk_escape" is accepted for "dxgkio_escape": the log prints the
	 * handler's C name, and we would rather read a renamed one than not. */
	const char *tail = NULL;
	if (strncmp(name, "dxgkio_", 7) == 0)
		tail = name + 7;
	else if (strncmp(name, "dxgk_", 5) == 0)
		tail = name + 5;
	if (!tail)
		return NULL;
	for (size_t i = 0; i < N(kfuncs); i++)
		if (strcmp(kfuncs[i].name + 7, tail) == 0)
			return dxgt_call_by_id(kfuncs[i].nr);
	return NULL;
}

const char *dxgt_explain_call_kfunc(const struct dxgt_call_desc *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < N(kfuncs); i++)
		if (kfuncs[i].nr == d->id)
			return kfuncs[i].name;
	return NULL;
}

/* ---- notes ---- */

static const struct dxgt_note notes[] = {
#define DXGT_NOTE(id, calls, cflags, err, text) {(id), (calls), (cflags), X_##err, (text)},
#include "explain_notes.def"
};

size_t dxgt_note_count(void)
{
	return N(notes);
}

const struct dxgt_note *dxgt_note_at(size_t i)
{
	return i < N(notes) ? &notes[i] : NULL;
}

/* Whether d is one of the names of list, separated by '/'. */
static bool call_in_list(const struct dxgt_call_desc *d, const char *list)
{
	char name[64];
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, "/");
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (dxgt_call_by_name(name) == d)
				return true;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return false;
}

/* Whether the explained result is a failure. */
static bool is_failure(const struct dxgt_explain *x)
{
	if (x->no_return || x->err > 0)
		return true;
	if (x->has_status && dxgt_ntstatus_is_error(x->status))
		return true;
	if (x->has_status && (int32_t)x->status < 0)
		return true;
	if (x->has_ret && x->ret < 0)
		return true;
	return x->has_hresult && (int32_t)x->hresult < 0;
}

size_t dxgt_explain_notes(const struct dxgt_explain *x, const struct dxgt_note **out, size_t cap)
{
	size_t n = 0;
	/* A call that never returned has no result for a note to be about. */
	if (!x || x->no_return || !is_failure(x))
		return 0;
	for (size_t i = 0; i < N(notes); i++) {
		const struct dxgt_note *r = &notes[i];
		if (r->err != X_ANY && r->err != x->err)
			continue;
		if (r->err == X_ANY && !x->call)
			continue; /* "any failure of this call": only with a call */
		if (r->cflags && (!x->call || (x->call->flags & r->cflags) != r->cflags))
			continue;
		/* Without a call, every note for this errno applies: the reader
		 * is told which calls each is about. */
		if (r->calls[0] && x->call && !call_in_list(x->call, r->calls))
			continue;
		if (n < cap)
			out[n] = r;
		n++;
	}
	return n;
}

/* ---- parsing values ---- */

static bool all_chars(const char *s, int (*pred)(int))
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!pred((unsigned char)*s))
			return false;
	return true;
}

static int parse_value(const char *s, struct dxgt_explain *x)
{
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	uint32_t status;
	int err, rc;
	if (strncasecmp(s, "0x", 2) == 0 ||
	    (strlen(s) == 8 && all_chars(s, isxdigit) && !all_chars(s, isdigit)) ||
	    (strlen(s) == 8 && all_chars(s, isdigit))) {
		if ((rc = dxgt_ntstatus_parse(s, &status)) < 0)
			return rc;
		goto status;
	}
	if (all_chars(digits, isdigit)) {
		if (strspn(digits, "0") == strlen(digits)) {
			status = 0; /* "0": the status of success, not an errno */
			goto status;
		}
		if (*s == '-' && strlen(digits) >= 4 && strtoull(digits, NULL, 10) > 4095) {
			if ((rc = dxgt_ntstatus_parse(s, &status)) < 0)
				return rc;
			goto status;
		}
		if ((rc = dxgt_errno_parse(s, &err)) < 0)
			return rc;
		x->source = DXGT_EXPLAIN_ERRNO;
		x->err = err;
		return 0;
	}
	/* An errno symbol before hex: EBADF and EBADFD are both. */
	if (strncasecmp(s, "STATUS_", 7) != 0 && dxgt_errno_parse(s, &err) == 0) {
		x->source = DXGT_EXPLAIN_ERRNO;
		x->err = err;
		return 0;
	}
	if (all_chars(s, isxdigit)) { /* "c0000023"-like, any length */
		if ((rc = dxgt_ntstatus_parse(s, &status)) < 0)
			return rc;
		goto status;
	}
	/* A status name, "STATUS_" optional. */
	if ((rc = dxgt_ntstatus_parse(s, &status)) < 0)
		return rc;
status:
	x->source = DXGT_EXPLAIN_STATUS;
	x->has_status = true;
	x->status = status;
	x->err = dxgt_ntstatus_to_errno(status);
	return 0;
}

/* ---- parsing log lines ---- */

/* The first identifier followed by ':' that names a dxgkrnl function
 * ("dxgkio_escape", "dxgk_ioctl"); the "dxgk:" prefix itself is not one.
 * Returns a pointer just past the colon, or NULL. */
static const char *find_kfunc(const char *line, char *name, size_t cap)
{
	for (const char *p = line; *p; p++) {
		if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		if (n > 5 && p[n] == ':' && strncmp(p, "dxgk", 4) == 0 && p[4] != ':' && n < cap &&
		    (strncmp(p, "dxgkio_", 7) == 0 || strncmp(p, "dxgk_", 5) == 0)) {
			memcpy(name, p, n);
			name[n] = '\0';
			return p + n + 1;
		}
		if (n)
			p += n - 1;
	}
	return NULL;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A signed decimal number at p (after blanks and an optional ':'). */
static bool read_int(const char *p, int64_t *out)
{
	p = skip_space(p);
	if (*p == ':')
		p = skip_space(p + 1);
	const char *d = (*p == '-' || *p == '+') ? p + 1 : p;
	if (!isdigit((unsigned char)*d))
		return false;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (*end && !isspace((unsigned char)*end) && *end != '(' && *end != ',' && *end != '.')
		return false;
	*out = v;
	return true;
}

/* A hex number as dxgkrnl prints it with %x (no prefix), after blanks. */
static bool read_hex(const char *p, uint32_t *out)
{
	p = skip_space(p);
	if (strncasecmp(p, "0x", 2) == 0)
		p += 2;
	if (!isxdigit((unsigned char)*p))
		return false;
	unsigned long long v = strtoull(p, NULL, 16);
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The value after the first occurrence of key (case-insensitive). */
static bool hex_after(const char *s, const char *key, uint32_t *out)
{
	const char *p = strcasestr(s, key);
	return p && read_hex(p + strlen(key), out);
}

static void set_ret(struct dxgt_explain *x, int64_t ret)
{
	x->has_ret = true;
	x->ret = ret;
	if (ret < 0 && ret >= -4095)
		x->err = (int)-ret;
	else if (ret > 0 && ret <= UINT32_MAX) {
		x->has_status = true; /* a positive NTSTATUS passed through */
		x->status = (uint32_t)ret;
	}
}

static int parse_log(const char *line, struct dxgt_explain *x)
{
	const char *msg = find_kfunc(line, x->kfunc, sizeof(x->kfunc));
	const char *p;
	uint32_t nr = 0;
	int64_t v;
	x->source = DXGT_EXPLAIN_LOG;
	if (!msg)
		msg = line;
	msg = skip_space(msg);
	x->call = dxgt_explain_kfunc_call(x->kfunc);

	if ((p = strcasestr(msg, "ioctl callback is null"))) {
		x->form = DXGT_LOG_NOHANDLER;
		if (read_hex(p + 22, &nr))
			x->call = dxgt_call_by_id(nr);
		set_ret(x, -X_ENOTTY);
	} else if ((p = strcasestr(msg, "bad ioctl"))) {
		x->form = DXGT_LOG_BADIOCTL;
		if (read_hex(p + 9, &nr))
			x->call = dxgt_call_by_id(nr);
		set_ret(x, -X_ENOTTY);
	} else if (strcasestr(msg, "ioctl mismatch")) {
		x->form = DXGT_LOG_MISMATCH;
		if (hex_after(msg, "code:", &nr))
			x->call = dxgt_call_by_id(nr);
		hex_after(msg, "user:", &x->user_code);
		hex_after(msg, "kernel:", &x->kernel_code);
		set_ret(x, -X_ENOTTY);
	} else if (strcasestr(msg, "call from a wrong process")) {
		x->form = DXGT_LOG_WRONGPROC;
		set_ret(x, -X_ENOTTY);
	} else if ((p = strcasestr(msg, "ioctl failed")) && read_int(p + 12, &v)) {
		x->form = DXGT_LOG_FAILED;
		set_ret(x, v);
	} else if ((p = strcasestr(msg, "ioctl returned")) && read_int(p + 14, &v)) {
		x->form = DXGT_LOG_RETURNED;
		set_ret(x, v);
	} else if ((p = strcasestr(msg, "ioctl:"))) {
		/* Debug builds: "ioctl:err -22", "ioctl: err -22", "ioctl: 0". */
		p = skip_space(p + 6);
		if (strncasecmp(p, "err", 3) == 0)
			p += 3;
		if (!read_int(p, &v))
			return DXGT_E_INVAL;
		x->form = DXGT_LOG_TRACE;
		set_ret(x, v);
	} else if (x->kfunc[0]) {
		/* Another message of a handler: "failed to ...: -22" and the like
		 * carry the result as a negative decimal; hex numbers are left
		 * alone, as dxgkrnl prints those for other things. */
		x->form = DXGT_LOG_OTHER;
		if (strcasestr(msg, "fail") || strcasestr(msg, "err")) {
			for (p = msg; (p = strchr(p, '-')); p++) {
				if (p > msg && !isspace((unsigned char)p[-1]) && p[-1] != ':')
					continue;
				if (read_int(p, &v) && v < 0) {
					set_ret(x, v);
					break;
				}
			}
		}
	}
	if (x->form == DXGT_LOG_NONE)
		return DXGT_E_INVAL;
	if (!x->call && !x->has_ret)
		return x->kfunc[0] ? DXGT_E_NOTFOUND : DXGT_E_INVAL;
	return 0;
}

int dxgt_explain_parse(const char *text, struct dxgt_explain *x)
{
	if (!x)
		return DXGT_E_INVAL;
	memset(x, 0, sizeof(*x));
	if (!text)
		return DXGT_E_INVAL;
	const char *s = skip_space(text);
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return DXGT_E_INVAL;
	if (strcspn(s, " \t:") < n)
		return parse_log(s, x);
	char value[64];
	if (n >= sizeof(value))
		return DXGT_E_INVAL;
	memcpy(value, s, n);
	value[n] = '\0';
	return parse_value(value, x);
}

int dxgt_explain_call(const struct dxgt_call *c, struct dxgt_explain *x)
{
	if (!x || !c || !c->enter || c->enter->type != DXGT_REC_ENTER)
		return DXGT_E_INVAL;
	memset(x, 0, sizeof(*x));
	const struct dxgt_record *e = c->enter, *l = c->leave;
	x->source = DXGT_EXPLAIN_CALL;
	x->call = c->desc;
	x->layer = (enum dxgt_layer)e->layer;
	if (!l) {
		x->no_return = true;
		return 0;
	}
	if (l->flags & DXGT_LEAVE_STATUS) {
		x->has_status = true;
		x->status = l->status;
		x->err = dxgt_ntstatus_to_errno(l->status);
	} else if (e->layer == DXGT_LAYER_IOCTL) {
		x->has_ret = true;
		x->ret = l->ret;
		if (l->ret < 0)
			x->err = l->err;
		else if (l->ret > 0 && l->ret <= UINT32_MAX) {
			x->has_status = true;
			x->status = (uint32_t)l->ret;
		}
	} else if (e->layer == DXGT_LAYER_DXCORE) {
		if (!(c->desc && (c->desc->flags & DXGT_CF_VALUE))) {
			x->has_hresult = true;
			x->hresult = (uint32_t)l->ret;
		}
	} else {
		x->has_status = true;
		x->status = (uint32_t)l->ret;
		x->err = dxgt_ntstatus_to_errno(x->status);
	}
	return 0;
}

/* ---- printing ---- */

void dxgt_explain_wrap(FILE *f, const char *first, size_t indent, const char *text)
{
	size_t col = strlen(first);
	fputs(first, f);
	bool start = true;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		if (!start && col + 1 + n > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!start) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		start = false;
		p += n;
	}
	fputc('\n', f);
}

#define LABEL "  %-9s "
#define INDENT 12

/* One "  label:   text" line, wrapped. */
static void line(FILE *f, const char *label, const char *text)
{
	char first[32];
	snprintf(first, sizeof(first), LABEL, label);
	dxgt_explain_wrap(f, first, INDENT, text);
}

__attribute__((format(printf, 3, 4))) static void linef(FILE *f, const char *label, const char *fmt,
							...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line(f, label, text);
}

static const char *status_text(uint32_t st, char *buf, size_t len)
{
	const char *n = dxgt_ntstatus_name(st);
	if (n)
		snprintf(buf, len, "%s (0x%08" PRIX32 ")", n, st);
	else
		snprintf(buf, len, "0x%08" PRIX32, st);
	return buf;
}

static const char *errno_text(int err, char *buf, size_t len)
{
	const char *n = dxgt_errno_name(err);
	if (n)
		snprintf(buf, len, "%s (%d)", n, err);
	else
		snprintf(buf, len, "errno %d", err);
	return buf;
}

static void print_call(FILE *f, const struct dxgt_explain *x)
{
	const struct dxgt_call_desc *d = x->call;
	const char *kf = dxgt_explain_call_kfunc(d);
	char handler[96];
	if (d->ioctl_name && d->ioctl_code) {
		if (kf)
			snprintf(handler, sizeof(handler), "handler %s", kf);
		else
			snprintf(handler, sizeof(handler), "no handler in recent kernels");
		if (d->kmt_name)
			linef(f, "call:", "%s (ioctl 0x%02x, %s), issued by %s", d->ioctl_name,
			      d->id, handler, d->kmt_name);
		else
			linef(f, "call:", "%s (ioctl 0x%02x, %s; no D3DKMT function issues it)",
			      d->ioctl_name, d->id, handler);
	} else if (d->kmt_name) {
		linef(f, "call:", "%s (a D3DKMT function with no ioctl of its own)", d->kmt_name);
	} else {
		linef(f, "call:", "%s (DXCore: no ioctl of its own)", d->name);
	}
}

/* What a log line says happened. */
static void print_log(FILE *f, const struct dxgt_explain *x)
{
	const char *fn = x->kfunc[0] ? x->kfunc : "the handler";
	char et[48];
	switch (x->form) {
	case DXGT_LOG_FAILED:
	case DXGT_LOG_TRACE:
	case DXGT_LOG_RETURNED:
	case DXGT_LOG_OTHER:
		if (!x->has_ret) {
			linef(f, "log:", "a message of %s that carries no result", fn);
		} else if (x->ret < 0) {
			linef(f, "log:",
			      "%s returned %" PRId64 ": in user space the ioctl fails with -1 and "
			      "errno %d",
			      fn, x->ret, x->err);
		} else if (x->ret == 0) {
			linef(f, "log:", "%s returned 0: the ioctl succeeded", fn);
		} else {
			linef(f, "log:",
			      "%s returned %" PRId64 ": a non-negative NTSTATUS that the ioctl "
			      "returns as its result, with no errno",
			      fn, x->ret);
		}
		if (x->form == DXGT_LOG_TRACE || x->form == DXGT_LOG_RETURNED)
			line(f, "", "(a trace line of a dxgkrnl built with DEBUG)");
		break;
	case DXGT_LOG_NOHANDLER:
		linef(f, "log:",
		      "the dispatcher found no handler for this request number in this kernel: "
		      "the ioctl fails with -1 and errno %s",
		      errno_text(X_ENOTTY, et, sizeof(et)));
		break;
	case DXGT_LOG_BADIOCTL:
		linef(f, "log:",
		      "the request number is outside the kernel's table: the ioctl fails with -1 "
		      "and errno %s",
		      errno_text(X_ENOTTY, et, sizeof(et)));
		break;
	case DXGT_LOG_MISMATCH:
		linef(f, "log:",
		      "the request 0x%08" PRIx32 " encodes a %" PRIu32
		      "-byte argument struct, the kernel's 0x%08" PRIx32 " a %" PRIu32
		      "-byte one: the user-mode library and the kernel disagree on the "
		      "interface; the ioctl fails with -1 and errno %s",
		      x->user_code, (x->user_code >> 16) & 0x3fffu, x->kernel_code,
		      (x->kernel_code >> 16) & 0x3fffu, errno_text(X_ENOTTY, et, sizeof(et)));
		break;
	case DXGT_LOG_WRONGPROC:
		linef(f, "log:",
		      "the /dev/dxg descriptor was opened by another process (a forked child "
		      "using its parent's descriptor): the ioctl fails with -1 and errno %s",
		      errno_text(X_ENOTTY, et, sizeof(et)));
		break;
	default:
		break;
	}
}

/* The status and where dxgkrnl takes it: status -> errno. */
static void print_status(FILE *f, const struct dxgt_explain *x)
{
	uint32_t st = x->status;
	char sb[64], eb[48];
	const char *name = dxgt_ntstatus_name(st);
	const char *sev = dxgt_ntstatus_is_error(st) ? "error"
			  : (int32_t)st < 0	     ? "warning"
			  : (st >> 30) == 1	     ? "informational"
						     : "success";
	if (name)
		linef(f, "status:", "0x%08" PRIX32 " %s (%s)", st, name, sev);
	else
		linef(f, "status:", "0x%08" PRIX32 " (%s; not a status dxgtrace knows by name)", st,
		      sev);
	if ((int32_t)st >= 0) {
		linef(f, "ioctl:",
		      "a non-negative status passes through: the ioctl returns %" PRIu32
		      " and sets no errno",
		      st);
		return;
	}
	int err = dxgt_ntstatus_to_errno(st);
	/* EINVAL is a case of its own only for STATUS_INVALID_PARAMETER. */
	bool own = err != X_EINVAL || st == 0xC000000Du;
	linef(f, "mapping:", "%s -> %s%s: the ioctl fails with -1 and errno %d",
	      status_text(st, sb, sizeof(sb)), errno_text(err, eb, sizeof(eb)),
	      own ? "" : " (dxgkrnl's default: it has no case for this status)", err);
}

/* errno -> the statuses that produce it. */
static void print_reverse(FILE *f, const struct dxgt_explain *x)
{
	int err = x->err;
	char eb[48], sb[64];
	uint32_t sts[64];
	size_t n = dxgt_errno_to_ntstatus(err, sts, N(sts));
	if (n > N(sts))
		n = N(sts);
	if (n == 0) {
		linef(f, "reverse:",
		      "no status maps to %s: the guest driver produced it itself, without a "
		      "status from the host",
		      errno_text(err, eb, sizeof(eb)));
		return;
	}
	if (err == X_EINVAL) {
		char list[2048];
		size_t k = 0;
		list[0] = '\0';
		for (size_t i = 0; i < n && k < sizeof(list); i++) {
			const char *nm = dxgt_ntstatus_name(sts[i]);
			k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "",
					      nm ? nm : "?");
		}
		linef(f, "reverse:",
		      "%s <- STATUS_INVALID_PARAMETER (0xC000000D), or any negative status "
		      "without its own case in dxgkrnl: ambiguous. The %zu known statuses that "
		      "end here: %s",
		      errno_text(err, eb, sizeof(eb)), n, list);
		return;
	}
	if (n == 1) {
		linef(f, "reverse:", "%s <- %s only: not ambiguous in the mapping",
		      errno_text(err, eb, sizeof(eb)), status_text(sts[0], sb, sizeof(sb)));
		return;
	}
	char list[1024];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof(list); i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? " or " : "",
				      status_text(sts[i], sb, sizeof(sb)));
	linef(f, "reverse:", "%s <- %s: ambiguous, the errno cannot tell them apart",
	      errno_text(err, eb, sizeof(eb)), list);
}

static void print_errno(FILE *f, const struct dxgt_explain *x)
{
	const char *n = dxgt_errno_name(x->err);
	if (n)
		linef(f, "errno:", "%d %s", x->err, n);
	else
		linef(f, "errno:", "%d (no name in dxgtrace's list of x86-64 Linux errnos)",
		      x->err);
}

int dxgt_explain_print(FILE *f, const struct dxgt_explain *x, unsigned flags)
{
	if (!f || !x)
		return DXGT_E_INVAL;
	if (x->call && x->source != DXGT_EXPLAIN_CALL)
		print_call(f, x);
	else if (!x->call && x->source == DXGT_EXPLAIN_LOG && strncmp(x->kfunc, "dxgkio_", 7) == 0)
		linef(f, "call:", "%s is not an ioctl handler dxgtrace knows", x->kfunc);
	if (x->source == DXGT_EXPLAIN_LOG)
		print_log(f, x);
	if (x->no_return)
		line(f, "result:",
		     "the call never returned: the process crashed, hung or was killed during it");
	if (x->has_hresult) {
		const char *hn = dxgt_hresult_name(x->hresult);
		linef(f, "hresult:", "0x%08" PRIX32 "%s%s (a DXCore result; no errno mapping)",
		      x->hresult, hn ? " " : "", hn ? hn : "");
	}
	bool ioctl_side =
	    x->source == DXGT_EXPLAIN_ERRNO || (x->source == DXGT_EXPLAIN_LOG && x->err) ||
	    (x->source == DXGT_EXPLAIN_CALL && x->layer == DXGT_LAYER_IOCTL && x->err);
	if (ioctl_side && x->err) {
		print_errno(f, x);
		/* Both directions: each status that can be behind the errno, then
		 * what the errno says of them. */
		uint32_t sts[64];
		size_t n = dxgt_errno_to_ntstatus(x->err, sts, N(sts));
		if (n >= 1 && n <= 2) {
			char sb[64], eb[48];
			for (size_t i = 0; i < n; i++)
				linef(f, "mapping:", "%s -> %s",
				      status_text(sts[i], sb, sizeof(sb)),
				      errno_text(x->err, eb, sizeof(eb)));
		}
		print_reverse(f, x);
	} else if (x->has_status) {
		print_status(f, x);
		if (x->err) {
			print_reverse(f, x);
			if (x->source != DXGT_EXPLAIN_CALL || x->layer == DXGT_LAYER_D3DKMT) {
				char eb[48];
				linef(f, "d3dkmt:",
				      "through the kernel a failing status reaches user space as "
				      "-errno only, so a D3DKMT function that returns it after a "
				      "failed ioctl reports libdxcore's reading of %s",
				      errno_text(x->err, eb, sizeof(eb)));
			}
		}
	}
	if (!(flags & DXGT_EXPLAIN_NO_NOTES)) {
		const struct dxgt_note *nt[32];
		size_t n = dxgt_explain_notes(x, nt, N(nt));
		for (size_t i = 0; i < n && i < N(nt); i++) {
			char label[96];
			if (!x->call && nt[i]->calls[0])
				snprintf(label, sizeof(label), "  note [%u] (%s): ", nt[i]->id,
					 nt[i]->calls);
			else
				snprintf(label, sizeof(label), "  note [%u]: ", nt[i]->id);
			dxgt_explain_wrap(f, label, INDENT, nt[i]->text);
		}
	}
	return ferror(f) ? DXGT_E_IO : 0;
}

/* "A or B" of the statuses behind err, with the verdict. */
static size_t reverse_brief(int err, char *buf, size_t len)
{
	uint32_t sts[64];
	size_t n = dxgt_errno_to_ntstatus(err, sts, N(sts)), k = 0;
	const char *en = dxgt_errno_name(err);
	char eb[24];
	if (!en) {
		snprintf(eb, sizeof(eb), "errno %d", err);
		en = eb;
	}
	if (n > N(sts))
		n = N(sts);
	if (n == 0)
		return (size_t)snprintf(buf, len, "%s <- no status: the guest driver's own answer",
					en);
	if (err == X_EINVAL)
		return (size_t)snprintf(buf, len,
					"%s <- STATUS_INVALID_PARAMETER or any status without "
					"its own case (ambiguous)",
					en);
	k = (size_t)snprintf(buf, len, "%s <- ", en);
	for (size_t i = 0; i < n && k < len; i++) {
		const char *sn = dxgt_ntstatus_name(sts[i]);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " or " : "", sn ? sn : "?");
	}
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, n == 1 ? " only" : " (ambiguous)");
	return k;
}

const char *dxgt_explain_summary(const struct dxgt_explain *x, char *buf, size_t len)
{
	char eb[48];
	if (!buf || !len)
		return buf;
	buf[0] = '\0';
	if (!x)
		return buf;
	if (x->no_return) {
		snprintf(buf, len,
			 "never returned: the process crashed, hung or was killed during "
			 "the call");
	} else if (x->has_hresult) {
		const char *hn = dxgt_hresult_name(x->hresult);
		snprintf(buf, len, "HRESULT 0x%08" PRIX32 "%s%s, a DXCore result: no errno mapping",
			 x->hresult, hn ? " " : "", hn ? hn : "");
	} else if (x->layer == DXGT_LAYER_IOCTL && x->err) {
		size_t k = (size_t)snprintf(buf, len, "errno %d: ", x->err);
		if (k < len)
			reverse_brief(x->err, buf + k, len - k);
	} else if (x->has_status && x->err) {
		size_t k = (size_t)snprintf(
		    buf, len, "dxgkrnl maps it to %s%s; ", errno_text(x->err, eb, sizeof(eb)),
		    x->err == X_EINVAL && x->status != 0xC000000Du ? " by default" : "");
		if (k < len)
			reverse_brief(x->err, buf + k, len - k);
	} else if (x->has_status) {
		snprintf(buf, len, "a non-negative status: no failure in the mapping");
	}
	return buf;
}
