// SPDX-License-Identifier: MIT
/*
 * gen_frida_table: prints the TypeScript table of the Windows-side Frida
 * agent (interpose/frida/src/calls.gen.ts) from the call descriptor list.
 * Only calls that exist at the D3DKMT layer under a D3DKMT name are listed:
 * the agent hooks exported functions, never ioctls or DXCore methods. The
 * output depends on the descriptor list alone (no dates, no paths), so the
 * checked-in file can be compared with it byte for byte; the frida.table
 * test does exactly that.
 *
 *   gen_frida_table [OUT.ts]     writes to OUT.ts, or to stdout
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dxgt/calls.h"

/* Element types are shared between calls: each is printed once, before
 * the calls, under a name derived from its tag. */
#define MAX_ELEMS 64

static const struct dxgt_elem_desc *elems[MAX_ELEMS];
static size_t n_elems;

static int is_kmt_call(const struct dxgt_call_desc *d)
{
	return (d->layers & DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT)) && d->kmt_name != NULL;
}

static int note_elem(const struct dxgt_elem_desc *e)
{
	for (size_t i = 0; i < n_elems; i++)
		if (elems[i] == e)
			return 0;
	if (n_elems == MAX_ELEMS)
		return -1;
	elems[n_elems++] = e;
	return 0;
}

static void print_bufs(FILE *f, const struct dxgt_buf_desc *b, uint16_t n, const char *indent)
{
	if (n == 0) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (uint16_t i = 0; i < n; i++) {
		fprintf(f,
			"%s  { field: \"%s\", ptrOff: %" PRIu32 ", rule: %u, lenOff: %" PRIu32
			", lenSize: %" PRIu32 ", fixed: %" PRIu32 ", elemSize: %" PRIu32
			", dir: %u, elem: ",
			indent, b[i].name, b[i].ptr_off, (unsigned)b[i].rule, b[i].len_off,
			b[i].len_size, b[i].fixed, b[i].elem_size, (unsigned)b[i].dir);
		if (b[i].elem)
			fprintf(f, "ELEM_%s", b[i].elem->name);
		else
			fputs("null", f);
		fputs(" },\n", f);
	}
	fprintf(f, "%s]", indent);
}

static const char header[] =
    "// SPDX-License-Identifier: MIT\n"
    "// GENERATED FILE, do not edit. Written by interpose/frida/gen_frida_table.c\n"
    "// from the call descriptor list (trace-format/include/dxgt/calls.def); the\n"
    "// ctest frida.table fails when it differs from the generator's output.\n"
    "// Regenerate after changing calls.def:\n"
    "//   cmake --build BUILD --target gen_frida_table\n"
    "//   BUILD/interpose/frida/gen_frida_table interpose/frida/src/calls.gen.ts\n"
    "//\n"
    "// Every call that exists at the D3DKMT layer: its D3DKMT name, stable call\n"
    "// id, argument struct size (Windows x64 layout), flags and nested buffers.\n"
    "// A buffer's length: RULE_FIELD, the field at lenOff (lenSize bytes) holds\n"
    "// the byte size; RULE_COUNT, it holds the element count (elemSize bytes\n"
    "// each); RULE_FIXED, `fixed` elements. elem: the element type holding a\n"
    "// second level of buffers, or null.\n"
    "\n"
    "export interface BufDesc {\n"
    "  field: string;\n"
    "  ptrOff: number;\n"
    "  rule: number;\n"
    "  lenOff: number;\n"
    "  lenSize: number;\n"
    "  fixed: number;\n"
    "  elemSize: number;\n"
    "  dir: number;\n"
    "  elem: ElemDesc | null;\n"
    "}\n"
    "\n"
    "export interface ElemDesc {\n"
    "  name: string;\n"
    "  size: number;\n"
    "  bufs: BufDesc[];\n"
    "}\n"
    "\n"
    "export interface CallDesc {\n"
    "  name: string;\n"
    "  id: number;\n"
    "  kmtSize: number;\n"
    "  flags: number;\n"
    "  bufs: BufDesc[];\n"
    "}\n"
    "\n";

int main(int argc, char **argv)
{
	FILE *f = stdout;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fputs("usage: gen_frida_table [OUT.ts]\n", stderr);
		return 2;
	}
	if (argc == 2 && !(f = fopen(argv[1], "w"))) {
		perror(argv[1]);
		return 1;
	}
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		if (!is_kmt_call(d))
			continue;
		for (uint16_t j = 0; j < d->n_bufs; j++)
			if (d->bufs[j].elem && note_elem(d->bufs[j].elem) < 0) {
				fputs("gen_frida_table: too many element types\n", stderr);
				return 1;
			}
	}
	fputs(header, f);
	fprintf(f, "export const RULE_FIELD = %d;\n", DXGT_LEN_FIELD);
	fprintf(f, "export const RULE_COUNT = %d;\n", DXGT_LEN_COUNT);
	fprintf(f, "export const RULE_FIXED = %d;\n", DXGT_LEN_FIXED);
	fprintf(f, "export const DIR_IN = %d;\n", DXGT_DIR_IN);
	fprintf(f, "export const DIR_OUT = %d;\n", DXGT_DIR_OUT);
	fprintf(f, "export const CF_ESCAPE = 0x%x;\n", DXGT_CF_ESCAPE);
	for (size_t i = 0; i < n_elems; i++) {
		const struct dxgt_elem_desc *e = elems[i];
		fprintf(f, "\nconst ELEM_%s: ElemDesc = {\n  name: \"%s\",\n  size: %" PRIu32 ",\n",
			e->name, e->name, e->size);
		fputs("  bufs: ", f);
		print_bufs(f, e->bufs, e->n_bufs, "  ");
		fputs(",\n};\n", f);
	}
	fputs("\nexport const CALLS: CallDesc[] = [\n", f);
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		if (!is_kmt_call(d))
			continue;
		fprintf(f,
			"  {\n    name: \"%s\",\n    id: 0x%02x,\n    kmtSize: %" PRIu32
			",\n    flags: 0x%" PRIx32 ",\n    bufs: ",
			d->kmt_name, (unsigned)d->id, d->kmt_size, d->flags);
		print_bufs(f, d->bufs, d->n_bufs, "    ");
		fputs(",\n  },\n", f);
	}
	fputs("];\n", f);
	if (fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0)) {
		perror(argc == 2 ? argv[1] : "stdout");
		return 1;
	}
	return 0;
}
