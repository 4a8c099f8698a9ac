/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers; see xalloc.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/xalloc.h"

bool (*xalloc_hook)(size_t n);

static void __attribute__((noreturn))
oom(void)
{
	static const char msg[] = "berth: out of memory\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s ? s : "", n);
	if (!p)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

void *
checked_malloc(size_t n)
{
	if (xalloc_hook && !xalloc_hook(n))
		return NULL;
	return malloc(n ? n : 1);
}

void *
checked_realloc(void *p, size_t n)
{
	if (xalloc_hook && !xalloc_hook(n))
		return NULL;
	return realloc(p, n ? n : 1);
}
