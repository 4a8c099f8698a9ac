/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine/util/lazylib.h"
#include "engine/util/log.h"

struct lazylib_curl lazylib_curl_fns;
struct lazylib_systemd lazylib_systemd_fns;

#define LAZYLIB_NAME_(ret, name, args) #name,
static const char *const curl_names[] = {LAZYLIB_CURL_FNS(LAZYLIB_NAME_)};
static const char *const systemd_names[] = {LAZYLIB_SYSTEMD_FNS(LAZYLIB_NAME_)};

struct lib {
	const char *soname;
	const char *const *names;
	size_t n;
	void **slots; /* the table, as n function pointers */
	int (*init)(void);  /* after loading (NULL: none); <0 fails the load */
	void (*fini)(void); /* before unloading */
	bool unloadable;
	pthread_mutex_t lock;
	atomic_bool loaded;
	void *handle;
	unsigned users; /* lazylib_hold()s not yet released; under lock */
	char err[256];
};

static int
curl_init(void)
{
	/* Once per load, before any handle (not thread-safe in older libcurl:
	 * the library's lock is held). */
	return lazylib_curl_fns.curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

static void
curl_fini(void)
{
	lazylib_curl_fns.curl_global_cleanup();
}

static struct lib libs[_LAZYLIB_MAX] = {
	[LAZYLIB_CURL] =
		{
			.soname = BERTH_SONAME_CURL,
			.names = curl_names,
			.n = sizeof(curl_names) / sizeof(curl_names[0]),
			.slots = (void **)&lazylib_curl_fns,
			.init = curl_init,
			.fini = curl_fini,
			.unloadable = true,
			.lock = PTHREAD_MUTEX_INITIALIZER,
		},
	[LAZYLIB_SYSTEMD] =
		{
			.soname = BERTH_SONAME_SYSTEMD,
			.names = systemd_names,
			.n = sizeof(systemd_names) / sizeof(systemd_names[0]),
			.slots = (void **)&lazylib_systemd_fns,
			.lock = PTHREAD_MUTEX_INITIALIZER,
		},
};

/* The table is filled as an array of pointers: members and names must agree. */
_Static_assert(sizeof(struct lazylib_curl) ==
		       sizeof(curl_names) / sizeof(curl_names[0]) * sizeof(void *),
	       "lazylib_curl and its names differ");
_Static_assert(sizeof(struct lazylib_systemd) ==
		       sizeof(systemd_names) / sizeof(systemd_names[0]) * sizeof(void *),
	       "lazylib_systemd and its names differ");

static int
load_locked(struct lib *l)
{
	void *h;

	/* RTLD_LOCAL: nothing else resolves against it; RTLD_NOW: every
	 * relocation now (as -z now for the libraries linked at start), so a
	 * missing symbol fails here, not in the middle of a request. */
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(l->err, sizeof(l->err), "cannot load %s: %s", l->soname, dlerror());
		log_debug("%s", l->err);
		return -ELIBACC;
	}
	for (size_t i = 0; i < l->n; i++) {
		void *f = dlsym(h, l->names[i]);
		if (!f) {
			snprintf(l->err, sizeof(l->err), "cannot load %s: no function %s",
				 l->soname, l->names[i]);
			log_debug("%s", l->err);
			(void)dlclose(h);
			return -ELIBACC;
		}
		l->slots[i] = f;
	}
	if (l->init && l->init() < 0) {
		snprintf(l->err, sizeof(l->err), "cannot load %s: its initialisation failed",
			 l->soname);
		log_debug("%s", l->err);
		(void)dlclose(h);
		return -ELIBACC;
	}
	l->handle = h;
	l->err[0] = '\0';
	log_debug("loaded %s", l->soname);
	return 0;
}

int
lazylib_load(enum lazylib_id id)
{
	struct lib *l = &libs[id];
	int r = 0;

	if (atomic_load_explicit(&l->loaded, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&l->lock);
	if (!atomic_load_explicit(&l->loaded, memory_order_relaxed)) {
		r = load_locked(l);
		if (r == 0)
			atomic_store_explicit(&l->loaded, true, memory_order_release);
	}
	pthread_mutex_unlock(&l->lock);
	return r;
}

int
lazylib_hold(enum lazylib_id id)
{
	struct lib *l = &libs[id];
	int r = 0;

	pthread_mutex_lock(&l->lock);
	if (!atomic_load_explicit(&l->loaded, memory_order_relaxed)) {
		r = load_locked(l);
		if (r == 0)
			atomic_store_explicit(&l->loaded, true, memory_order_release);
	}
	if (r == 0)
		l->users++;
	pthread_mutex_unlock(&l->lock);
	return r;
}

void
lazylib_release(enum lazylib_id id)
{
	struct lib *l = &libs[id];

	pthread_mutex_lock(&l->lock);
	if (l->users == 0)
		log_error("lazylib: %s released more often than held", l->soname);
	else
		l->users--;
	pthread_mutex_unlock(&l->lock);
}

int
lazylib_unload_unused(void)
{
	int n = 0;

	for (size_t i = 0; i < _LAZYLIB_MAX; i++) {
		struct lib *l = &libs[i];
		if (!l->unloadable || !atomic_load_explicit(&l->loaded, memory_order_acquire))
			continue;
		pthread_mutex_lock(&l->lock);
		if (atomic_load_explicit(&l->loaded, memory_order_relaxed) && l->users == 0) {
			if (l->fini)
				l->fini();
			atomic_store_explicit(&l->loaded, false, memory_order_release);
			memset(l->slots, 0, l->n * sizeof(void *));
			if (dlclose(l->handle) != 0)
				log_warn("cannot unload %s: %s", l->soname, dlerror());
			else
				log_debug("unloaded %s", l->soname);
			l->handle = NULL;
			n++;
		}
		pthread_mutex_unlock(&l->lock);
	}
	return n;
}

bool
lazylib_is_loaded(enum lazylib_id id)
{
	return atomic_load_explicit(&libs[id].loaded, memory_order_acquire);
}

void
lazylib_error(enum lazylib_id id, char *buf, size_t size)
{
	struct lib *l = &libs[id];

	pthread_mutex_lock(&l->lock);
	snprintf(buf, size, "%s", l->err);
	pthread_mutex_unlock(&l->lock);
}
