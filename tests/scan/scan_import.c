// SPDX-License-Identifier: MIT
/*
 * A shared object that reaches D3DKMT functions through its imports, as a
 * user-mode driver linked against libdxcore.so does (run_scan.py import):
 * a call through the PLT, a tail call (a jump to the PLT), and the
 * function's address loaded from its GOT slot. scan_import_noplt.c adds a
 * call straight through the GOT (-fno-plt). Never run: only scanned.
 */
int D3DKMTEscape(void *args);
int D3DKMTCloseAdapter(void *args);
int D3DKMTQueryAdapterInfo(void *args);

int call_escape(void *args);
int tail_close(void *args);
void keep_query(void);

static int (*volatile saved)(void *);

int call_escape(void *args)
{
	return D3DKMTEscape(args) + 1;
}

int tail_close(void *args)
{
	return D3DKMTCloseAdapter(args);
}

void keep_query(void)
{
	saved = D3DKMTQueryAdapterInfo;
}
