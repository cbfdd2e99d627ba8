// SPDX-License-Identifier: MIT
/* Compiled with -fno-plt: the call goes through the GOT slot directly. */
int D3DKMTLock2(void *args);
int call_lock(void *args);

int call_lock(void *args)
{
	return D3DKMTLock2(args) + 1;
}
