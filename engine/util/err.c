/* SPDX-License-Identifier: Apache-2.0 */
/* struct err helpers; see err.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/util/err.h"

int
err_setv(struct err *e, int code, const char *fmt, va_list ap)
{
	if (code >= 0)
		code = -EIO;
	if (!e)
		return code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_setv(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char ctx[ERR_MSG_MAX], old[ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (e->code == 0) {
		e->code = -EIO;
		snprintf(e->msg, sizeof(e->msg), "%s", ctx);
		return e->code;
	}
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", ctx, old);
	return e->code;
}

int
err_errno(struct err *e, int code, const char *fmt, ...)
{
	char ctx[ERR_MSG_MAX];
	va_list ap;

	if (code >= 0)
		code = -EIO;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	return err_set(e, code, "%s: %s", ctx, strerror(-code));
}

int
err_copy(struct err *dst, const struct err *src)
{
	if (!src)
		return 0;
	if (dst && dst != src)
		*dst = *src;
	return src->code;
}
