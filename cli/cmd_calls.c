// SPDX-License-Identifier: MIT
/*
 * dxgtrace calls: the call descriptor list, as a user-readable table, as
 * markdown (docs/descriptors.md is this output) or as JSON (what generators,
 * such as the Windows-side agent's table, read).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dxgt/calls.h"

static const char usage[] =
    "usage: dxgtrace calls [--markdown | --json] [NAME...]\n\n"
    "List the calls dxgtrace understands: their D3DKMT and ioctl names or DXCore\n"
    "method, request code, argument struct size, handles (role and kind), nested\n"
    "buffers (how their length is found, direction, second level) and volatile\n"
    "outputs. With NAMEs, only those calls (Escape, D3DKMTEscape, LX_DXESCAPE,\n"
    "0x0d, IDXCoreAdapter::GetProperty).\n\n"
    "  --markdown      the table of docs/descriptors.md\n"
    "  --json          one JSON document with every detail\n"
    "  -h, --help      this help;  -V, --version\n";

static const char *rule_text(const struct dxgt_buf_desc *b, char *buf, size_t len)
{
	switch (b->rule) {
	case DXGT_LEN_FIELD:
		snprintf(buf, len, "bytes in field @%" PRIu32, b->len_off);
		break;
	case DXGT_LEN_COUNT:
		snprintf(buf, len, "count @%" PRIu32 " x %" PRIu32 " B", b->len_off, b->elem_size);
		break;
	default:
		snprintf(buf, len, "fixed %" PRIu32 " x %" PRIu32 " B", b->fixed, b->elem_size);
		break;
	}
	return buf;
}

static void handles_text(FILE *f, const struct dxgt_handle_desc *h, uint16_t n, const char *sep)
{
	for (uint16_t i = 0; i < n; i++)
		fprintf(f, "%s%s@%" PRIu32 " %s %s%s", i ? sep : "", h[i].name, h[i].off,
			dxgt_role_name((enum dxgt_role)h[i].role),
			dxgt_obj_name((enum dxgt_obj)h[i].kind), h[i].count_size ? "[]" : "");
}

static void bufs_text(FILE *f, const struct dxgt_buf_desc *b, uint16_t n, const char *sep)
{
	char rule[64];
	for (uint16_t i = 0; i < n; i++) {
		fprintf(f, "%s%s@%" PRIu32 " %s, %s", i ? sep : "", b[i].name, b[i].ptr_off,
			dxgt_dir_name((enum dxgt_dir)b[i].dir),
			rule_text(&b[i], rule, sizeof(rule)));
		if (b[i].kind)
			fprintf(f, ", %s %s handles", dxgt_role_name((enum dxgt_role)b[i].role),
				dxgt_obj_name((enum dxgt_obj)b[i].kind));
		if (b[i].elem && (b[i].elem->n_bufs || b[i].elem->n_handles)) {
			fprintf(f, ", each %s: ", b[i].elem->name);
			handles_text(f, b[i].elem->handles, b[i].elem->n_handles, "; ");
			if (b[i].elem->n_handles && b[i].elem->n_bufs)
				fputs("; ", f);
			for (uint16_t k = 0; k < b[i].elem->n_bufs; k++)
				fprintf(f, "%s%s@%" PRIu32 " %s, %s", k ? "; " : "",
					b[i].elem->bufs[k].name, b[i].elem->bufs[k].ptr_off,
					dxgt_dir_name((enum dxgt_dir)b[i].elem->bufs[k].dir),
					rule_text(&b[i].elem->bufs[k], rule, sizeof(rule)));
		}
	}
}

static void fields_text(FILE *f, const struct dxgt_field_desc *v, uint16_t n, const char *sep)
{
	for (uint16_t i = 0; i < n; i++)
		fprintf(f, "%s%s@%" PRIu32, i ? sep : "", v[i].name, v[i].off);
}

/* The argument struct's size, at whichever layer the call has one. */
static uint32_t args_size(const struct dxgt_call_desc *d)
{
	return d->ioctl_size ? d->ioctl_size : d->kmt_size ? d->kmt_size : d->dxcore_size;
}

static bool is_dxcore(const struct dxgt_call_desc *d)
{
	return (d->layers & DXGT_LAYER_BIT(DXGT_LAYER_DXCORE)) != 0;
}

static void markdown(FILE *f, const struct dxgt_call_desc *d)
{
	fprintf(f, "| 0x%02x | %s | %s | ", d->id,
		d->kmt_name    ? d->kmt_name
		: is_dxcore(d) ? d->name
			       : "",
		d->ioctl_name ? d->ioctl_name : "");
	if (d->ioctl_code)
		fprintf(f, "0x%08" PRIx32, d->ioctl_code);
	fprintf(f, " | %" PRIu32 " | ", args_size(d));
	handles_text(f, d->handles, d->n_handles, "<br>");
	fputs(" | ", f);
	bufs_text(f, d->bufs, d->n_bufs, "<br>");
	fputs(" | ", f);
	fields_text(f, d->volatiles, d->n_volatiles, "<br>");
	fprintf(f, " | %s%s%s%s |\n", d->flags & DXGT_CF_ESCAPE ? "escape " : "",
		d->flags & DXGT_CF_NOHANDLER ? "no-handler " : "",
		d->flags & DXGT_CF_ASYNC ? "async " : "", d->flags & DXGT_CF_VALUE ? "value " : "");
}

static void text(FILE *f, const struct dxgt_call_desc *d)
{
	fprintf(f, "0x%02x %s", d->id, d->name);
	if (d->kmt_name)
		fprintf(f, "  %s", d->kmt_name);
	if (d->ioctl_name)
		fprintf(f, "  %s 0x%08" PRIx32, d->ioctl_name, d->ioctl_code);
	if (d->iface)
		fprintf(f, "  DXCore slot %u%s", d->slot,
			d->flags & DXGT_CF_VALUE ? ", returns a value" : "");
	else if (is_dxcore(d))
		fputs("  DXCore export", f);
	fprintf(f, "  struct %s, %" PRIu32 " bytes\n", d->struct_name, args_size(d));
	if (d->n_handles) {
		fputs("     handles:  ", f);
		handles_text(f, d->handles, d->n_handles, ", ");
		fputc('\n', f);
	}
	if (d->n_bufs) {
		fputs("     buffers:  ", f);
		bufs_text(f, d->bufs, d->n_bufs, "\n               ");
		fputc('\n', f);
	}
	if (d->n_volatiles) {
		fputs("     volatile: ", f);
		fields_text(f, d->volatiles, d->n_volatiles, ", ");
		fputc('\n', f);
	}
}

static json_t *handles_json(const struct dxgt_handle_desc *h, uint16_t n)
{
	json_t *a = json_array();
	for (uint16_t i = 0; i < n; i++)
		json_array_append_new(
		    a,
		    json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s}", "name", h[i].name, "off",
			      (int)h[i].off, "count_off", (int)h[i].count_off, "count_size",
			      (int)h[i].count_size, "stride", (int)h[i].stride, "max",
			      (int)h[i].max, "role", dxgt_role_name((enum dxgt_role)h[i].role),
			      "kind", dxgt_obj_name((enum dxgt_obj)h[i].kind)));
	return a;
}

static json_t *fields_json(const struct dxgt_field_desc *v, uint16_t n)
{
	json_t *a = json_array();
	for (uint16_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:i}", "name", v[i].name, "off",
						   (int)v[i].off, "size", (int)v[i].size));
	return a;
}

static json_t *bufs_json(const struct dxgt_buf_desc *b, uint16_t n)
{
	static const char *const rules[] = {"?", "field", "count", "fixed"};
	json_t *a = json_array();
	for (uint16_t i = 0; i < n; i++) {
		json_t *o = json_pack(
		    "{s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s}", "name", b[i].name,
		    "ptr_off", (int)b[i].ptr_off, "rule", rules[b[i].rule & 3], "len_off",
		    (int)b[i].len_off, "len_size", (int)b[i].len_size, "fixed", (int)b[i].fixed,
		    "elem_size", (int)b[i].elem_size, "dir", dxgt_dir_name((enum dxgt_dir)b[i].dir),
		    "role", dxgt_role_name((enum dxgt_role)b[i].role), "kind",
		    dxgt_obj_name((enum dxgt_obj)b[i].kind));
		if (b[i].elem)
			json_object_set_new(
			    o, "elem",
			    json_pack("{s:s, s:i, s:o, s:o, s:o}", "name", b[i].elem->name, "size",
				      (int)b[i].elem->size, "handles",
				      handles_json(b[i].elem->handles, b[i].elem->n_handles),
				      "bufs", bufs_json(b[i].elem->bufs, b[i].elem->n_bufs),
				      "volatile",
				      fields_json(b[i].elem->volatiles, b[i].elem->n_volatiles)));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *call_json(const struct dxgt_call_desc *d)
{
	json_t *o = json_pack("{s:i, s:s, s:s?, s:s?, s:s, s:I, s:i, s:i}", "id", (int)d->id,
			      "name", d->name, "d3dkmt", d->kmt_name, "ioctl", d->ioctl_name,
			      "struct", d->struct_name, "code", (json_int_t)d->ioctl_code,
			      "d3dkmt_size", (int)d->kmt_size, "ioctl_size", (int)d->ioctl_size);
	json_t *layers = json_array();
	for (int l = DXGT_LAYER_D3DKMT; l <= DXGT_LAYER_IOCTL; l++)
		if (d->layers & DXGT_LAYER_BIT(l))
			json_array_append_new(layers,
					      json_string(dxgt_layer_name((enum dxgt_layer)l)));
	json_object_set_new(o, "layers", layers);
	if (is_dxcore(d)) {
		json_object_set_new(o, "dxcore_size", json_integer(d->dxcore_size));
		json_object_set_new(o, "iface", d->iface ? json_string(d->iface) : json_null());
		json_object_set_new(o, "slot", json_integer(d->slot));
		json_object_set_new(o, "value", json_boolean(d->flags & DXGT_CF_VALUE));
	}
	json_object_set_new(o, "escape", json_boolean(d->flags & DXGT_CF_ESCAPE));
	json_object_set_new(o, "no_handler", json_boolean(d->flags & DXGT_CF_NOHANDLER));
	json_object_set_new(o, "async", json_boolean(d->flags & DXGT_CF_ASYNC));
	json_object_set_new(o, "handles", handles_json(d->handles, d->n_handles));
	json_object_set_new(o, "bufs", bufs_json(d->bufs, d->n_bufs));
	json_object_set_new(o, "volatile", fields_json(d->volatiles, d->n_volatiles));
	json_object_set_new(o, "scalars", fields_json(d->scalars, d->n_scalars));
	return o;
}

static const struct dxgt_call_desc *lookup(const char *name)
{
	const struct dxgt_call_desc *d = dxgt_call_by_name(name);
	if (!d) {
		char *end;
		unsigned long id = strtoul(name, &end, 0);
		if (*name && !*end)
			d = dxgt_call_by_id((unsigned)id);
	}
	return d;
}

int cmd_calls(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"markdown", no_argument, NULL, 'm'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c, mode = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = 1;
			break;
		case 'j':
			mode = 2;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			cli_version();
			return CLI_OK;
		default:
			cli_bad_option("calls", argv, c);
			return CLI_ERROR;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!lookup(argv[i])) {
			cli_err("calls: no call is named '%s'", argv[i]);
			return CLI_ERROR;
		}
	}
	json_t *all = mode == 2 ? json_array() : NULL;
	if (mode == 1)
		fputs(
		    "| id | D3DKMT or DXCore | ioctl | request | size | handles | nested buffers | "
		    "volatile | flags |\n|---|---|---|---|---|---|---|---|---|\n",
		    stdout);
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		bool want = optind == argc;
		for (int k = optind; k < argc && !want; k++)
			want = lookup(argv[k]) == d;
		if (!want)
			continue;
		if (mode == 1)
			markdown(stdout, d);
		else if (mode == 2)
			json_array_append_new(all, call_json(d));
		else
			text(stdout, d);
	}
	if (all) {
		json_t *doc = json_pack("{s:i, s:o}", "version", 1, "calls", all);
		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
	}
	return fflush(stdout) == 0 ? CLI_OK : CLI_ERROR;
}
