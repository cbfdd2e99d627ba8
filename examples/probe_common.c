// SPDX-License-Identifier: MIT
/*
 * The layer-independent half of the probe examples: options, synthetic
 * payloads, symbolic handles, the tally and the summary line; see
 * probe_common.h. Nothing here calls libdxcore or touches /dev/dxg; the
 * loader (probe_library_open()) only opens the library and finds symbols.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dxgt/status.h"
#include "probe_common.h"

const uint32_t probe_registration_sizes[PROBE_N_REGISTRATION_ESCAPES] = {64, 568, 24, 40};

/* "64, 568, 24 and 40": the registration sizes, for --help. */
static void registration_sizes_text(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < PROBE_N_REGISTRATION_ESCAPES && used < len; i++) {
		const char *sep = ", ";
		if (i == 0)
			sep = "";
		else if (i == PROBE_N_REGISTRATION_ESCAPES - 1)
			sep = " and ";
		int n = snprintf(buf + used, len - used, "%s%u", sep,
				 (unsigned)probe_registration_sizes[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* --help for a probe that describes its own sequence and may have no
 * --known option. */
static void usage_own(const struct probe_info *info, FILE *f)
{
	fprintf(f,
		"usage: %s [--help] [--version] [--quiet]%s [--luid HIGH:LOW]%s\n"
		"\n"
		"%s\n"
		"\n"
		"%s\n"
		"\n"
		"options:\n"
		"  --luid HIGH:LOW  open this adapter (hex parts) instead of the first listed\n"
		"%s"
		"  --quiet          print only the summary line\n"
		"%s"
		"\n"
		"Exit status: 0 every call succeeded, 1 some call failed, 2 the interface\n"
		"could not be reached or a bad option.\n",
		info->prog, info->no_escapes ? "" : " [--known]",
		info->takes_library ? " [--library PATH]" : "", info->what, info->sequence,
		info->no_escapes
		    ? ""
		    : "  --known          flag every escape driver_known_escape (0x40), as a\n"
		      "                   secure VM requires\n",
		info->extra_help ? info->extra_help : "");
}

static void usage(const struct probe_info *info, FILE *f)
{
	if (info->sequence) {
		usage_own(info, f);
		return;
	}
	char sizes[64];
	registration_sizes_text(sizes, sizeof(sizes));
	fprintf(f,
		"usage: %s [--help] [--version] [--quiet] [--known] [--luid HIGH:LOW]%s\n"
		"\n"
		"%s\n"
		"\n"
		"The sequence is the Intel NPU field report's minimal reproduction:\n"
		"EnumAdapters3 with the compute-only filter (a count query, then the\n"
		"list), OpenAdapterFromLuid, CreateDevice; the user-mode driver's process\n"
		"registration, %d driver-private escapes of %s bytes\n"
		"(synthetic payloads, not Intel's protocol); the report's check, an\n"
		"escape with an empty payload; CreateContextVirtual, then teardown.\n"
		"One line per call.\n"
		"\n"
		"options:\n"
		"  --luid HIGH:LOW  open this adapter (hex parts) instead of the first listed\n"
		"  --known          flag every escape driver_known_escape (0x40), as a\n"
		"                   secure VM requires\n"
		"  --quiet          print only the summary line\n"
		"%s"
		"\n"
		"Exit status: 0 every call succeeded, 1 some call failed, 2 the interface\n"
		"could not be reached or a bad option.\n",
		info->prog, info->takes_library ? " [--library PATH]" : "", info->what,
		PROBE_N_REGISTRATION_ESCAPES, sizes, info->extra_help ? info->extra_help : "");
}

/* One hex u32, with or without 0x. */
static int parse_hex32(const char *s, size_t n, uint32_t *out)
{
	char tmp[16];
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 8)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	errno = 0;
	unsigned long v = strtoul(tmp, &end, 16);
	if (errno || *end || tmp[0] == '-' || tmp[0] == '+' || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_luid(const char *s, struct dxgt_luid *l)
{
	const char *colon = strchr(s, ':');
	uint32_t hi, lo;
	if (!colon || parse_hex32(s, (size_t)(colon - s), &hi) ||
	    parse_hex32(colon + 1, strlen(colon + 1), &lo))
		return -1;
	l->a = lo;
	l->b = hi;
	return 0;
}

int probe_parse_args(struct probe_opts *o, const struct probe_info *info, int argc, char **argv)
{
	enum { OPT_LUID = 256, OPT_KNOWN, OPT_LIBRARY };
	static const struct option longs[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"known", no_argument, NULL, OPT_KNOWN},
	    {"luid", required_argument, NULL, OPT_LUID},
	    {"library", required_argument, NULL, OPT_LIBRARY},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":hVq", longs, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(info, stdout);
			return 0;
		case 'V':
			printf("%s (dxgtrace %s)\n", info->prog, DXGT_VERSION);
			return 0;
		case 'q':
			o->quiet = true;
			break;
		case OPT_KNOWN:
			if (info->no_escapes) {
				fprintf(stderr,
					"%s: unknown option '--known' (it sends no escapes); "
					"try --help\n",
					info->prog);
				return PROBE_EXIT_UNAVAILABLE;
			}
			o->known = true;
			break;
		case OPT_LUID:
			if (parse_luid(optarg, &o->luid)) {
				fprintf(
				    stderr,
				    "%s: --luid: expected HIGH:LOW in hex (0x00000000:0x00004d2a), "
				    "got '%s'\n",
				    info->prog, optarg);
				return PROBE_EXIT_UNAVAILABLE;
			}
			o->have_luid = true;
			break;
		case OPT_LIBRARY:
			if (!info->takes_library) {
				fprintf(stderr, "%s: unknown option '--library'; try --help\n",
					info->prog);
				return PROBE_EXIT_UNAVAILABLE;
			}
			o->library = optarg;
			break;
		case ':':
			fprintf(stderr, "%s: %s needs an argument\n", info->prog, argv[optind - 1]);
			return PROBE_EXIT_UNAVAILABLE;
		default:
			fprintf(stderr, "%s: unknown option '%s'; try --help\n", info->prog,
				argv[optind - 1]);
			return PROBE_EXIT_UNAVAILABLE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'; try --help\n", info->prog,
			argv[optind]);
		return PROBE_EXIT_UNAVAILABLE;
	}
	return -1;
}

void probe_payload(uint8_t *buf, uint32_t len)
{
	static const char tag[] = "DXGTPROBE";
	for (uint32_t i = 0; i < len; i++) {
		if (i < sizeof(tag) - 1)
			buf[i] = (uint8_t)tag[i];
		else if (i < sizeof(tag) - 1 + 4)
			buf[i] = (uint8_t)(len >> (8 * (i - (sizeof(tag) - 1))));
		else
			buf[i] = (uint8_t)(i * 7u + 3u);
	}
}

const char *probe_handle_bind(struct probe_handles *t, char letter, uint32_t raw)
{
	if (letter < 'A' || letter > 'Z')
		return "?";
	size_t i = 0;
	while (i < t->n && t->e[i].raw != raw)
		i++;
	if (i == t->n) {
		if (t->n == sizeof(t->e) / sizeof(t->e[0]))
			return "?";
		t->n++;
	}
	t->e[i].raw = raw;
	snprintf(t->e[i].name, sizeof(t->e[i].name), "%c%u", letter, ++t->next[letter - 'A']);
	return t->e[i].name;
}

const char *probe_handle_name(const struct probe_handles *t, uint32_t raw)
{
	if (!raw)
		return "0";
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].raw == raw)
			return t->e[i].name;
	return "?";
}

void probe_luid_format(const struct dxgt_luid *l, char *buf, size_t len)
{
	snprintf(buf, len, "0x%08x:0x%08x", (unsigned)l->b, (unsigned)l->a);
}

void probe_say(const struct probe_opts *o, const char *fmt, ...)
{
	if (o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void probe_count(struct probe_tally *t, bool ok, const char *label)
{
	t->calls++;
	if (!ok)
		probe_fail(t, label);
}

void probe_fail(struct probe_tally *t, const char *label)
{
	t->failed++;
	size_t used = strlen(t->failures);
	if (used < sizeof(t->failures) - 1)
		snprintf(t->failures + used, sizeof(t->failures) - used, "%s%s", used ? ", " : "",
			 label);
}

int probe_finish(const struct probe_info *info, const struct probe_tally *t)
{
	const char *calls = t->calls == 1 ? "call" : "calls";
	if (t->failed)
		printf("%s: %u %s, %u failed: %s\n", info->prog, t->calls, calls, t->failed,
		       t->failures);
	else
		printf("%s: %u %s, all succeeded\n", info->prog, t->calls, calls);
	fflush(stdout);
	return t->failed ? PROBE_EXIT_FAILED : PROBE_EXIT_OK;
}

void *probe_library_open(const struct probe_info *info, const char *library)
{
	char first[512] = "";
	const char *name = library ? library : "libdxcore.so";
	void *lib = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	if (lib || library) {
		if (!lib)
			fprintf(stderr, "%s: cannot load %s: %s\n", info->prog, name, dlerror());
		return lib;
	}
	snprintf(first, sizeof(first), "%s", dlerror());
	lib = dlopen(PROBE_WSL_LIBDXCORE, RTLD_LAZY | RTLD_LOCAL);
	if (!lib)
		fprintf(stderr, "%s: cannot load libdxcore.so: %s; nor %s: %s\n", info->prog, first,
			PROBE_WSL_LIBDXCORE, dlerror());
	return lib;
}

void *probe_library_load(const struct probe_info *info, const char *library,
			 const struct probe_symbol *syms, size_t n, void *table)
{
	void *lib = probe_library_open(info, library);
	for (size_t i = 0; lib && i < n; i++) {
		void *sym = dlsym(lib, syms[i].name);
		if (!sym) {
			fprintf(stderr, "%s: %s has no symbol %s\n", info->prog,
				library ? library : "libdxcore.so", syms[i].name);
			dlclose(lib);
			return NULL;
		}
		memcpy((char *)table + syms[i].off, &sym, sizeof(sym));
	}
	return lib;
}

const char *probe_nt_text(int32_t status, char *buf, size_t len)
{
	const char *name = dxgt_ntstatus_name((uint32_t)status);
	snprintf(buf, len, "0x%08X%s%s", (unsigned)status, name ? " " : "", name ? name : "");
	return buf;
}

bool probe_report_nt(const struct probe_opts *o, struct probe_tally *t, const char *call,
		     int32_t st, const char *out)
{
	char text[64];
	bool ok = st >= 0; /* NT_SUCCESS: success and informational values */
	probe_say(o, "%s = %s%s%s", call, probe_nt_text(st, text, sizeof(text)),
		  ok && out && *out ? "; " : "", ok && out ? out : "");
	probe_count(t, ok, call);
	return ok;
}

uint32_t probe_adapters_room(struct probe_adapters *a, struct dxgt_enumadapters3 *e)
{
	uint32_t room = sizeof(a->listed) / sizeof(a->listed[0]);
	if (e->adapter_count == 0) {
		a->enumerated = true;
		return 0;
	}
	if (e->adapter_count < room)
		room = e->adapter_count;
	memset(a->listed, 0, sizeof(a->listed));
	e->adapter_count = room;
	e->adapters = (uint64_t)(uintptr_t)a->listed;
	return room;
}

void probe_adapters_listed(struct probe_adapters *a, const struct dxgt_enumadapters3 *e,
			   uint32_t room, struct probe_handles *h, const struct probe_opts *o)
{
	a->n_listed = e->adapter_count <= room ? e->adapter_count : 0;
	a->enumerated = true;
	for (uint32_t i = 0; i < a->n_listed; i++) {
		char luid[24];
		probe_luid_format(&a->listed[i].adapter_luid, luid, sizeof(luid));
		const char *name = probe_handle_bind(h, 'A', a->listed[i].adapter_handle);
		probe_say(o, "  adapter[%u] luid=%s handle=%s", (unsigned)i, luid, name);
	}
}

bool probe_adapters_pick(const struct probe_adapters *a, const struct probe_opts *o,
			 struct probe_tally *t, struct dxgt_luid *luid)
{
	if (o->have_luid) {
		*luid = o->luid;
		return true;
	}
	if (a->n_listed) {
		*luid = a->listed[0].adapter_luid;
		return true;
	}
	probe_say(o, "no adapter listed: nothing to open (try --luid)");
	if (a->enumerated)
		probe_fail(t, "no adapter to open");
	return false;
}
