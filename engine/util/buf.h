/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct buf: a growable byte buffer that is always NUL-terminated (like git's
 * strbuf). Appends that a client controls go through buf_append_checked with
 * a limit, so an oversized body fails with -E2BIG instead of eating memory.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

struct buf {
	char *data;	/* NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_release(struct buf *b);
void buf_reset(struct buf *b);

/* Appends; aborts on exhaustion (fixed, internal sizes only). */
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Appends unless the result would exceed @limit bytes: -E2BIG, or -ENOMEM. */
int buf_append_checked(struct buf *b, const void *p, size_t n, size_t limit);

/* Hands the data to the caller (never NULL) and resets @b. */
char *buf_detach(struct buf *b, size_t *ret_len);

/* Reads all of @fd up to @limit bytes: 0, -E2BIG or -errno. */
int buf_read_fd(struct buf *b, int fd, size_t limit);

static inline void
buf_releasep(struct buf *b)
{
	buf_release(b);
}
#define _cleanup_buf_ __attribute__((cleanup(buf_releasep)))
