/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared libraries that berthd loads on first use instead of at start-up
 * (dlopen), so that an idle daemon does not carry their pages: libcurl (and
 * its dependency tree: nghttp2, ssh2, rtmp, ldap, krb5, psl, idn2, brotli)
 * is needed by pulls, pushes, logins and downloads only; libsystemd (with
 * libgcrypt, liblz4) only when systemd started berthd (socket activation,
 * Type=notify). See docs/performance.md, "Idle RSS: shared libraries".
 *
 * Each library has a typed table of the functions berth calls, filled with
 * dlsym on the first lazylib_load(); the soname is the one configure found
 * the library under (config.h). Call sites use the library's own names
 * through a wrapper header (engine/util/lazycurl.h, lazysystemd.h), so
 * they read as before. libsystemd, once loaded, stays loaded. libcurl is
 * held by each user (lazylib_hold/lazylib_release: one per easy handle) and
 * unloaded again (curl_global_cleanup, dlclose) by lazylib_unload_unused()
 * once nothing holds it; the server calls that when its API has been idle
 * for a second. See docs/performance.md, "Idle RSS, second pass".
 */
#pragma once

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum lazylib_id {
	LAZYLIB_CURL,
	LAZYLIB_SYSTEMD,
	_LAZYLIB_MAX,
};

/* libcurl's functions that berth calls (the struct members carry their names). */
#define LAZYLIB_CURL_FNS(X)                                                                        \
	X(CURLcode, curl_global_init, (long))                                                      \
	X(CURL *, curl_easy_init, (void))                                                          \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))                                   \
	X(CURLcode, curl_easy_perform, (CURL *))                                                   \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))                                    \
	X(void, curl_easy_cleanup, (CURL *))                                                       \
	X(const char *, curl_easy_strerror, (CURLcode))                                            \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *))             \
	X(void, curl_slist_free_all, (struct curl_slist *))                                        \
	X(void, curl_global_cleanup, (void))

/* libsystemd's (sd-daemon.h). */
#define LAZYLIB_SYSTEMD_FNS(X)                                                                     \
	X(int, sd_listen_fds, (int))                                                               \
	X(int, sd_is_socket, (int, int, int, int))                                                 \
	X(int, sd_notify, (int, const char *))                                                     \
	X(int, sd_notifyf, (int, const char *, ...))

#define LAZYLIB_MEMBER_(ret, name, args) ret(*name) args;
struct lazylib_curl {
	LAZYLIB_CURL_FNS(LAZYLIB_MEMBER_)
};
struct lazylib_systemd {
	LAZYLIB_SYSTEMD_FNS(LAZYLIB_MEMBER_)
};

/*
 * Loads library @id once (thread-safe; later calls return at once): 0, or
 * -ELIBACC when it cannot be loaded or lacks a function, with the reason
 * ("cannot load libcurl.so.4: ...") from lazylib_error(). A failed load is
 * tried again on the next call. For libraries that are never unloaded
 * (libsystemd); libcurl's users take lazylib_hold() instead.
 */
int lazylib_load(enum lazylib_id id);

/*
 * As lazylib_load(), and counts a user: the library is not unloaded until
 * each successful lazylib_hold() has had its lazylib_release(). Between the
 * two the table may be used.
 */
int lazylib_hold(enum lazylib_id id);
void lazylib_release(enum lazylib_id id);

/*
 * Unloads every unloadable library (libcurl) that is loaded and held by
 * nobody: its fini (curl_global_cleanup), then dlclose. Returns how many
 * went. Safe at any time from any thread: a later lazylib_hold() loads the
 * library again. Only code between a hold and its release may use the
 * table, and no thread may be left running in the library after a release:
 * with libcurl 7.87+ left at CURLOPT_QUICK_EXIT 0, curl_easy_cleanup()
 * joins a resolver thread still running, so no thread runs in the library
 * after its last handle is gone.
 */
int lazylib_unload_unused(void);

/* Whether library @id is loaded (a successful lazylib_load() happened). */
bool lazylib_is_loaded(enum lazylib_id id);

/* Copies why the last lazylib_load(@id) failed into @buf; "" when it did not. */
void lazylib_error(enum lazylib_id id, char *buf, size_t size);

/* The table of libcurl; only after lazylib_load(LAZYLIB_CURL) returned 0. */
extern struct lazylib_curl lazylib_curl_fns;
/* The table of libsystemd; only after lazylib_load(LAZYLIB_SYSTEMD) returned 0. */
extern struct lazylib_systemd lazylib_systemd_fns;
