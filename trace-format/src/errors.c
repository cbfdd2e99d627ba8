// SPDX-License-Identifier: MIT
/* dxgt_strerror() and dxgt_error_name(), generated from the DXGT_ERRORS list. */
#include "dxgt/error.h"

const char *dxgt_strerror(int err)
{
	switch (err) {
#define DXGT__ERR_TEXT(name, num, text)                                                            \
	case -(num):                                                                               \
		return text;
		DXGT_ERRORS(DXGT__ERR_TEXT)
#undef DXGT__ERR_TEXT
	default:
		return "unknown error";
	}
}

const char *dxgt_error_name(int err)
{
	switch (err) {
#define DXGT__ERR_NAME(name, num, text)                                                            \
	case -(num):                                                                               \
		return #name;
		DXGT_ERRORS(DXGT__ERR_NAME)
#undef DXGT__ERR_NAME
	default:
		return "UNKNOWN";
	}
}
