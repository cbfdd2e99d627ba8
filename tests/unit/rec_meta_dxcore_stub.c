// SPDX-License-Identifier: MIT
/*
 * A stand-in libdxcore.so for test_rec_meta: an object with that name and a
 * GNU build id, for dxgt__meta_dxcore to find once the test loads it. It
 * does nothing; the recorder only looks at its name and notes.
 */
int dxgt_test_dxcore_stub(void);

int dxgt_test_dxcore_stub(void)
{
	return 42;
}
