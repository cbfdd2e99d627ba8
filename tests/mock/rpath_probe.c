// SPDX-License-Identifier: MIT
/*
 * A library found only through its loader's RUNPATH: the preload tests
 * dlopen it by bare name to check that interposing dlopen keeps the real
 * caller's search path. It must never be on the default search path.
 */
int dxgmock_rpath_probe(void);

__attribute__((visibility("default"))) int dxgmock_rpath_probe(void)
{
	return 42;
}
