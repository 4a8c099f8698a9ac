/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blob pins and the store's garbage collector; see store_gc.h. Marking and
 * unlinking happen under s->lock (the tables are small and an unlink is
 * quick); the removal of layer directories, which can be large, happens
 * after the lock is dropped, from their .del-* names.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store/store_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

/* Under s->lock. */
static struct store_pin *
find_pin(struct store *s, const char *hex)
{
	for (size_t i = 0; i < s->n_pins; i++)
		if (strcmp(s->pins[i].hex, hex) == 0)
			return &s->pins[i];
	return NULL;
}

void
store_blob_pin_locked(struct store *s, const char *digest)
{
	struct store_pin *p;

	if (!digest_is_valid(digest))
		return;
	p = find_pin(s, digest + 7);
	if (!p) {
		if (s->n_pins == s->cap_pins) {
			s->cap_pins = s->cap_pins ? 2 * s->cap_pins : 16;
			s->pins = xrealloc(s->pins, s->cap_pins * sizeof(*s->pins));
		}
		p = &s->pins[s->n_pins++];
		memcpy(p->hex, digest + 7, HEX_SZ);
		p->count = 0;
	}
	p->count++;
}

void
store_blob_pin(struct store *s, const char *digest)
{
	pthread_mutex_lock(&s->lock);
	store_blob_pin_locked(s, digest);
	pthread_mutex_unlock(&s->lock);
}

void
store_blob_unpin(struct store *s, const char *digest)
{
	struct store_pin *p;

	if (!digest_is_valid(digest))
		return;
	pthread_mutex_lock(&s->lock);
	p = find_pin(s, digest + 7);
	if (p && --p->count == 0)
		*p = s->pins[--s->n_pins];
	pthread_mutex_unlock(&s->lock);
}

/* ---- mark ---------------------------------------------------------------- */

static void
mark_layer(struct store *s, bool *live, const char *hex)
{
	/* Walks up the parents: a mounted layer needs every one below it. */
	while (hex && *hex) {
		const char *next = NULL;
		for (size_t i = 0; i < s->n_layers; i++) {
			if (strcmp(s->layers[i]->chain, hex) != 0)
				continue;
			if (!live[i]) {
				live[i] = true;
				next = s->layers[i]->parent;
			}
			break;
		}
		hex = next;
	}
}

/* Under s->lock: true for each layer an image, a hold or a live child keeps. */
static bool *
mark_layers(struct store *s)
{
	bool *live = xcalloc(s->n_layers ? s->n_layers : 1, sizeof(bool));

	for (size_t i = 0; i < s->n_images; i++)
		for (size_t k = 0; k < s->images[i]->n_layers; k++)
			mark_layer(s, live, s->images[i]->chain[k]);
	for (size_t i = 0; i < s->n_layers; i++)
		if (s->layers[i]->holds > 0)
			mark_layer(s, live, s->layers[i]->chain);
	return live;
}

static bool
blob_live(struct store *s, const char *hex)
{
	char digest[DIGEST_STR_LEN + 1] = "sha256:";

	if (find_pin(s, hex))
		return true;
	memcpy(digest + 7, hex, HEX_SZ);
	for (size_t i = 0; i < s->n_layers; i++) {
		size_t k;
		json_t *v;
		json_array_foreach(s->layers[i]->sources, k, v) {
			const char *d = json_string_value(json_object_get(v, "digest"));
			if (d && strcmp(d, digest) == 0)
				return true;
		}
	}
	return false;
}

/* ---- sweep --------------------------------------------------------------- */

/* Under s->lock: detaches every unmarked layer; returns the dirs to remove. */
static char **
sweep_layers(struct store *s, struct store_gc_report *rep)
{
	_cleanup_free_ bool *live = mark_layers(s);
	_cleanup_strv_ char **dead = NULL;
	char **dirs = NULL;

	/* Names first: detaching reorders the table @live is indexed by. */

	for (size_t i = 0; i < s->n_layers; i++)
		if (!live[i])
			strv_append(&dead, s->layers[i]->chain);
	for (char **c = dead; c && *c; c++) {
		struct store_lay *l = store_find_layer(s, *c);
		if (!l)
			continue;
		rep->layers++;
		rep->layer_bytes += l->size;
		log_info("removing unused layer sha256:%s", *c);
		_cleanup_free_ char *d = store_layer_detach(s, *c);
		if (d)
			strv_append(&dirs, d);
	}
	return dirs;
}

/* Under s->lock: unlinks every blob neither a layer nor a pin keeps. */
static int
sweep_blobs(struct store *s, struct store_gc_report *rep, struct err *e)
{
	_cleanup_closedir_ DIR *d = opendir(s->blobs_dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : err_errno(e, -errno, "cannot open '%s'", s->blobs_dir);
	while ((de = readdir(d))) {
		struct stat st;
		if (!str_is_hex(de->d_name, DIGEST_HEX_LEN) || blob_live(s, de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			if (errno != ENOENT)
				log_warn("cannot remove blob sha256:%s: %s, leaving it", de->d_name,
					 strerror(errno));
			continue;
		}
		rep->blobs++;
		rep->blob_bytes += (uint64_t)st.st_size;
	}
	return 0;
}

int
store_gc(struct store *s, struct store_gc_report *ret, struct err *e)
{
	struct store_gc_report rep = {0};
	_cleanup_strv_ char **dirs = NULL;
	int r;

	pthread_mutex_lock(&s->lock);
	dirs = sweep_layers(s, &rep);
	r = sweep_blobs(s, &rep, e);
	pthread_mutex_unlock(&s->lock);
	for (char **p = dirs; p && *p; p++)
		if (fs_rm_rf(*p) < 0)
			log_warn("cannot remove layer directory '%s', ignoring", *p);
	if (rep.layers || rep.blobs)
		log_info("collected %u layers (%llu bytes) and %u blobs (%llu bytes)", rep.layers,
			 (unsigned long long)rep.layer_bytes, rep.blobs,
			 (unsigned long long)rep.blob_bytes);
	if (ret) {
		ret->layers += rep.layers;
		ret->blobs += rep.blobs;
		ret->layer_bytes += rep.layer_bytes;
		ret->blob_bytes += rep.blob_bytes;
	}
	return r;
}

uint64_t
store_blobs_size(struct store *s)
{
	_cleanup_closedir_ DIR *d = opendir(s->blobs_dir);
	struct dirent *de;
	uint64_t total = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (str_is_hex(de->d_name, DIGEST_HEX_LEN) &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	return total;
}
