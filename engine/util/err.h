/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct err: the error a fallible engine or api function hands back to its
 * caller. The code is a negative errno that classifies the failure (api/ maps
 * it to an HTTP status); the message is one line for the user. The storage
 * belongs to the caller and never needs freeing.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#define ERR_MSG_MAX 1024

struct err {
	int code;		/* 0 when unset, else a negative errno */
	char msg[ERR_MSG_MAX];	/* NUL-terminated, possibly truncated */
};

#define ERR_INIT {0, {0}}

/*
 * Fills @e (when not NULL) with @code and a printf-style message and returns
 * @code, so that callers can write `return err_set(e, -ENOENT, ...)`.
 * @code must be negative.
 */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_setv(struct err *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Prepends "<context>: " to the message already in @e and returns its code.
 * When @e holds no error yet, it is set to -EIO with the context alone.
 */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets @e from a bare negative errno with "<context>: <strerror>". */
int err_errno(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies @src into @dst (both may be NULL); returns src->code. */
int err_copy(struct err *dst, const struct err *src);

static inline bool
err_is_set(const struct err *e)
{
	return e && e->code != 0;
}

static inline void
err_clear(struct err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}
