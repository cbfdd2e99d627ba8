// SPDX-License-Identifier: MIT
/* dxgtrace scan: where a binary uses an NTSTATUS, or calls D3DKMT functions. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dxgt/error.h"
#include "dxgt/scan.h"
#include "dxgt/status.h"

static const char usage[] =
    "usage: dxgtrace scan [--status VALUE] [--d3dkmt] [--json] BINARY\n\n"
    "Find every instruction of an x86-64 ELF (program, .so, .ko) or PE32+ (.sys,\n"
    ".dll, .exe) binary that uses an NTSTATUS as an immediate, and say what it\n"
    "does with it:\n"
    "  return   loaded into the return register (mov eax/rax, imm)\n"
    "  compare  compared (cmp, test or sub against it)\n"
    "  store    stored to memory (mov [mem], imm)\n"
    "  other    any other use\n"
    "One line per instruction, the enclosing function named from ELF symbols or\n"
    "PE exports (sub_<rva> for an unnamed .pdata range):\n"
    "  FILE-OFFSET VA FUNCTION+OFFSET: CLASS (INSTRUCTION)\n\n"
    "  --status VALUE  the constant: 0xC0000023 (the default), C0000023,\n"
    "                  -1073741789, STATUS_BUFFER_TOO_SMALL or buffer_too_small\n"
    "  --d3dkmt        list the call sites of D3DKMT functions instead: calls and\n"
    "                  jumps through PLT/GOT/IAT imports, loads of those slots,\n"
    "                  and references to their names (dlsym); with --status, both\n"
    "  --json          JSON Lines, one object per instruction\n"
    "  -h, --help      this help;  -V, --version\n\n"
    "Exit status: 0 success, whether or not anything was found; 2 a usage error\n"
    "or a file that cannot be read or is not a well-formed x86-64 ELF or PE file.\n";

struct out {
	bool json;
	bool calls;
	unsigned long n;
	unsigned long by[(int)DXGT_SCAN_N_CLASSES + (int)DXGT_CALLSITE_N_KINDS];
};

static json_t *hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static int print_json(const struct out *o, const struct dxgt_scan_hit *h)
{
	json_t *j = json_object();
	if (!j)
		return DXGT_E_NOMEM;
	json_object_set_new(j, "offset", hex(h->offset));
	json_object_set_new(j, "va", hex(h->va));
	json_object_set_new(j, "function",
			    h->has_function ? json_string(h->function) : json_null());
	json_object_set_new(j, "function_offset",
			    h->has_function ? json_integer((json_int_t)h->function_offset)
					    : json_null());
	if (o->calls) {
		json_object_set_new(j, "name", json_string(h->target));
		json_object_set_new(j, "kind", json_string(dxgt_callsite_kind_name(h->kind)));
	} else {
		json_object_set_new(j, "class", json_string(dxgt_scan_class_name(h->cls)));
	}
	json_object_set_new(j, "insn", json_string(h->insn));
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return DXGT_E_NOMEM;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int on_hit(void *ctx, const struct dxgt_scan_hit *h)
{
	struct out *o = ctx;
	o->n++;
	o->by[o->calls ? (unsigned)h->kind : (unsigned)h->cls]++;
	if (o->json)
		return print_json(o, h);
	printf("0x%08" PRIx64 " 0x%016" PRIx64 " ", h->offset, h->va);
	if (h->has_function)
		printf("%s+0x%" PRIx64 ": ", h->function, h->function_offset);
	else
		printf("?: ");
	if (o->calls)
		printf("%s, %s (%s)\n", h->target, dxgt_callsite_kind_name(h->kind), h->insn);
	else
		printf("%s (%s)\n", dxgt_scan_class_name(h->cls), h->insn);
	return ferror(stdout) ? DXGT_E_IO : 0;
}

static void summary(const struct out *o, const char *what)
{
	if (o->json)
		return;
	const char *sep = ": ";
	printf("%lu %s", o->n, what);
	for (unsigned i = 0; o->calls ? i < DXGT_CALLSITE_N_KINDS : i < DXGT_SCAN_N_CLASSES; i++) {
		if (!o->by[i])
			continue;
		printf("%s%lu %s", sep, o->by[i],
		       o->calls ? dxgt_callsite_kind_name(i) : dxgt_scan_class_name(i));
		sep = ", ";
	}
	printf("\n");
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"status", required_argument, NULL, 's'}, {"d3dkmt", no_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},	      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	uint32_t status = 0xC0000023u;
	bool want_status = false, want_calls = false, json = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (dxgt_ntstatus_parse(optarg, &status) < 0) {
				cli_err("scan: --status: '%s' is not an NTSTATUS (0xC0000023, "
					"STATUS_BUFFER_TOO_SMALL)",
					optarg);
				return CLI_ERROR;
			}
			want_status = true;
			break;
		case 'd':
			want_calls = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("scan", argv, c);
			return CLI_ERROR;
		}
	}
	if (optind != argc - 1) {
		cli_err("scan: expected one binary; see 'dxgtrace scan --help'");
		return CLI_ERROR;
	}
	if (!want_calls)
		want_status = true;
	const char *path = argv[optind];
	char why[DXGT_BINARY_WHY_MAX];
	struct dxgt_binary *b = NULL;
	int rc = dxgt_binary_open(&b, path, why, sizeof(why));
	if (rc < 0) {
		cli_err("scan: %s: %s", path, why[0] ? why : dxgt_strerror(rc));
		return CLI_ERROR;
	}
	struct dxgt_binary_info info;
	dxgt_binary_info(b, &info);
	if (!info.n_functions)
		cli_warn("scan: %s: no symbols, exports or function table: functions are not "
			 "named",
			 path);
	char name[DXGT_NTSTATUS_NAME_MAX], what[96];
	int status_code = CLI_OK;
	if (want_status) {
		struct out o = {.json = json};
		rc = dxgt_scan_status(b, status, on_hit, &o);
		if (rc == 0) {
			dxgt_ntstatus_format(status, name, sizeof(name));
			if (name[0] == '0')
				snprintf(what, sizeof(what), "uses of 0x%08" PRIX32, status);
			else
				snprintf(what, sizeof(what), "uses of 0x%08" PRIX32 " %s", status,
					 name);
			summary(&o, what);
		}
	}
	if (rc == 0 && want_calls) {
		struct out o = {.json = json, .calls = true};
		rc = dxgt_scan_calls(b, "D3DKMT", on_hit, &o);
		if (rc == 0)
			summary(&o, "call sites of D3DKMT functions");
	}
	if (fflush(stdout) != 0 || rc == DXGT_E_IO) {
		cli_err("scan: cannot write the output");
		status_code = CLI_ERROR;
	} else if (rc < 0) {
		cli_err("scan: %s: %s", path, dxgt_strerror(rc));
		status_code = CLI_ERROR;
	}
	dxgt_binary_close(b);
	return status_code;
}
