// SPDX-License-Identifier: MIT
/*
 * A shared object that looks its D3DKMT functions up by name, as a driver
 * that dlopens libdxcore.so does (run_scan.py dlsym): one name passed to
 * dlsym directly (its string's address taken with a rip-relative lea), and
 * a table of names in data (pointers the loader relocates). Never run.
 */
#include <dlfcn.h>
#include <stddef.h>

void *find_escape(void *lib);
int find_all(void *lib, void **out);
extern const char *scan_kmt_names[2];

void *find_escape(void *lib)
{
	return dlsym(lib, "D3DKMTEscape");
}

/* Writable and exported, so that the compiler keeps the table rather than
 * folding the loop below into two name references. */
const char *scan_kmt_names[2] = {"D3DKMTCreateDevice", "D3DKMTDestroyDevice"};

int find_all(void *lib, void **out)
{
	for (size_t i = 0; i < 2; i++)
		if (!(out[i] = dlsym(lib, scan_kmt_names[i])))
			return -1;
	return 0;
}
