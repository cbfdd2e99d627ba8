/* SPDX-License-Identifier: MIT */
/*
 * libdxgt error codes. Every library function of dxgtrace returns an int:
 * 0 on success, a negative DXGT_E_* on failure. One list gives the enum,
 * dxgt_strerror() and dxgt_error_name(); libraries never print or exit.
 */
#ifndef DXGT_ERROR_H
#define DXGT_ERROR_H

#define DXGT_ERRORS(X)                                                                             \
	X(OK, 0, "success")                                                                        \
	X(NOMEM, 1, "out of memory")                                                               \
	X(IO, 2, "input/output error")                                                             \
	X(INVAL, 3, "invalid argument")                                                            \
	X(MAGIC, 4, "not a dxgtrace file (bad magic)")                                             \
	X(VERSION, 5, "unsupported format version")                                                \
	X(TRUNCATED, 6, "file is truncated")                                                       \
	X(CHECKSUM, 7, "checksum mismatch")                                                        \
	X(CORRUPT, 8, "malformed data")                                                            \
	X(COMPRESS, 9, "compression error")                                                        \
	X(TOOBIG, 10, "size exceeds a format limit")                                               \
	X(NOTFOUND, 11, "not found")                                                               \
	X(EMPTY, 12, "file is empty")                                                              \
	X(STATE, 13, "operation not valid in this state")                                          \
	X(UNSUPPORTED, 14, "not supported")

enum dxgt_error {
#define DXGT__ERR_ENUM(name, num, text) DXGT_E_##name = -(num),
	DXGT_ERRORS(DXGT__ERR_ENUM)
#undef DXGT__ERR_ENUM
};

/* A static string describing err (a DXGT_E_* value); never NULL. */
const char *dxgt_strerror(int err);
/* The symbolic name of err without the prefix ("CHECKSUM"); never NULL. */
const char *dxgt_error_name(int err);

#endif /* DXGT_ERROR_H */
