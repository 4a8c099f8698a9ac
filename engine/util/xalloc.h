/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation: x* variants abort on exhaustion and are for fixed, small sizes;
 * checked_* variants return NULL (callers turn that into -ENOMEM) and are for
 * sizes a client can influence. Overflow-checked size arithmetic lives here too.
 * Tests may install an allocator hook to exercise failure paths.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t nmemb, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));

void *checked_malloc(size_t n) __attribute__((malloc));
void *checked_realloc(void *p, size_t n);

/* Test hook: when set, checked_* call it first and fail if it returns false. */
extern bool (*xalloc_hook)(size_t n);

/* Overflow-checked arithmetic: return false on overflow. */
static inline bool
size_add(size_t a, size_t b, size_t *ret)
{
	return !__builtin_add_overflow(a, b, ret);
}

static inline bool
size_mul(size_t a, size_t b, size_t *ret)
{
	return !__builtin_mul_overflow(a, b, ret);
}
