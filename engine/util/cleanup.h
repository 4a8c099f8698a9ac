/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scope-bound cleanup (GCC/Clang cleanup attribute) and ownership hand-over
 * helpers. Every cleanup function accepts NULL / -1 and keeps errno.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Defines static inline void fn##p(type **p) calling fn(*p) when non-NULL. */
#define DEFINE_CLEANUP(type, fn)                                                                  \
	static inline void fn##p(type **p)                                                        \
	{                                                                                          \
		if (*p) {                                                                          \
			int saved_errno_ = errno;                                                  \
			fn(*p);                                                                    \
			errno = saved_errno_;                                                      \
		}                                                                                  \
	}

/* Yields the pointer and resets the source to NULL. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) take_ptr_tmp_ = (p);                                                 \
		(p) = NULL;                                                                        \
		take_ptr_tmp_;                                                                     \
	})

/* Yields the fd and resets the source to -1. */
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int take_fd_tmp_ = (fd);                                                           \
		(fd) = -1;                                                                         \
		take_fd_tmp_;                                                                      \
	})

static inline void *
mfree(void *p)
{
	free(p);
	return NULL;
}

static inline int
safe_close(int fd)
{
	if (fd >= 0) {
		int saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	return -1;
}

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
closep(int *fd)
{
	safe_close(*fd);
}

static inline void
fclosep(FILE **f)
{
	if (*f) {
		int saved_errno = errno;
		fclose(*f);
		errno = saved_errno;
	}
}

static inline void
closedirp(DIR **d)
{
	if (*d) {
		int saved_errno = errno;
		closedir(*d);
		errno = saved_errno;
	}
}

/* Frees a NULL-terminated array of strings and the array. */
static inline void
strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static inline void
strv_freep(char ***v)
{
	strv_free(*v);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_ _cleanup_(strv_freep)

/* Library handles: only declared where the library header is included. */
#ifdef JANSSON_H
static inline void
json_decrefp_(json_t **j)
{
	if (*j)
		json_decref(*j);
}
#define _cleanup_json_ _cleanup_(json_decrefp_)
#endif

#ifdef ARCHIVE_H_INCLUDED
static inline void
archive_freep_(struct archive **a)
{
	if (*a)
		archive_free(*a);
}
#define _cleanup_archive_ _cleanup_(archive_freep_)
#endif

/* libcurl through its wrapper (engine/util/lazycurl.h), which includes this. */
#ifdef BERTH_LAZYCURL_H
static inline void
curl_cleanupp_(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}
static inline void
curl_slist_freep_(struct curl_slist **l)
{
	if (*l)
		curl_slist_free_all(*l);
}
#define _cleanup_curl_ _cleanup_(curl_cleanupp_)
#define _cleanup_curl_slist_ _cleanup_(curl_slist_freep_)
#endif
