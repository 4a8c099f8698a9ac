/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store lifetime: directories, crash recovery and the in-memory indexes.
 * Blobs, layers, images and deletion live in their own files.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store/store_internal.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

void
store_array_push(void ***arr, size_t *n, size_t *cap, void *item)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*arr = xrealloc(*arr, *cap * sizeof(void *));
	}
	(*arr)[(*n)++] = item;
}

struct store_img *
store_find_image(struct store *s, const char *hex)
{
	for (size_t i = 0; i < s->n_images; i++)
		if (strcmp(s->images[i]->id, hex) == 0)
			return s->images[i];
	return NULL;
}

struct store_lay *
store_find_layer(struct store *s, const char *hex)
{
	for (size_t i = 0; i < s->n_layers; i++)
		if (strcmp(s->layers[i]->chain, hex) == 0)
			return s->layers[i];
	return NULL;
}

void
store_chain_id(const char *parent_hex, const char *diff_hex, char ret[HEX_SZ])
{
	_cleanup_free_ char *in = NULL;

	if (!parent_hex || !*parent_hex) {
		memcpy(ret, diff_hex, HEX_SZ);
		return;
	}
	in = xasprintf("sha256:%s sha256:%s", parent_hex, diff_hex);
	sha256_hex(in, strlen(in), ret);
}

void
store_img_free(struct store_img *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->n_layers; i++)
		free(img->chain[i]);
	free(img->chain);
	if (img->labels)
		json_decref(img->labels);
	free(img);
}

void
store_lay_free(struct store_lay *l)
{
	if (!l)
		return;
	if (l->sources)
		json_decref(l->sources);
	free(l);
}

/* Removes the temp files fs_write_atomic leaves when a crash hits it:
 * refs.json's, image configs and metadata, layers' meta.json (depth 1
 * stops above the layers' diff/ contents). */
static void
remove_atomic_leftovers(const char *dir, unsigned depth)
{
	int n = fs_remove_write_leftovers(dir, depth);

	if (n > 0)
		log_info("removed %d temporary files left in '%s'", n, dir);
}

/* Removes our half-written blobs from the shared temp dir. */
static void
remove_blob_leftovers(struct store *s)
{
	_cleanup_closedir_ DIR *d = opendir(s->tmp_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (str_startswith(de->d_name, "blob-", NULL))
			(void)unlinkat(dirfd(d), de->d_name, 0);
}

static int
make_dirs(struct store *s, struct err *e)
{
	const char *dirs[] = {s->root, s->tmp_dir, s->blobs_dir, s->layers_dir, s->images_dir,
			      s->meta_dir};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int r = fs_mkdir_p(dirs[i], 0700);
		if (r < 0)
			return err_errno(e, r, "cannot create '%s'", dirs[i]);
	}
	return 0;
}

static int
load_one_image(struct store *s, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", s->images_dir, name);
	_cleanup_buf_ struct buf b = BUF_INIT;
	char hex[HEX_SZ], got[HEX_SZ];
	struct err e = ERR_INIT;
	struct store_img *img;
	int r;

	if (!str_endswith(name, ".json") || strlen(name) != DIGEST_HEX_LEN + 5)
		return 0;
	memcpy(hex, name, DIGEST_HEX_LEN);
	hex[DIGEST_HEX_LEN] = '\0';
	if (!str_is_hex(hex, DIGEST_HEX_LEN))
		return 0;
	r = fs_read_file(path, LIMIT_CONFIG_BYTES, &b);
	if (r < 0) {
		log_warn("cannot read image config '%s': %s, ignoring", path, strerror(-r));
		return 0;
	}
	sha256_hex(b.data ? b.data : "", b.len, got);
	if (strcmp(hex, got) != 0) {
		log_warn("image config '%s' does not match its digest, ignoring", path);
		return 0;
	}
	r = store_image_load(s, hex, b.data, b.len, &img, &e);
	if (r < 0) {
		log_warn("image '%s' is unusable: %s, ignoring", hex, e.msg);
		return 0;
	}
	store_array_push((void ***)&s->images, &s->n_images, &s->cap_images, img);
	return 0;
}

static int
load_images(struct store *s, struct err *e)
{
	_cleanup_closedir_ DIR *d = opendir(s->images_dir);
	struct dirent *de;

	if (!d)
		return err_errno(e, -errno, "cannot open '%s'", s->images_dir);
	while ((de = readdir(d))) {
		if (s->n_images >= LIMIT_STORE_IMAGES)
			return err_set(e, -E2BIG, "more than %u images in '%s'", LIMIT_STORE_IMAGES,
				       s->images_dir);
		(void)load_one_image(s, de->d_name);
	}
	return 0;
}

/*
 * Image metadata is written before the image's config (so a crash never
 * leaves an image without its parent link) and removed after it: a crash
 * between the two leaves metadata of no image, removed here.
 */
static void
remove_orphan_meta(struct store *s)
{
	_cleanup_closedir_ DIR *d = opendir(s->meta_dir);
	struct dirent *de;
	char hex[HEX_SZ];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!str_endswith(de->d_name, ".json") || strlen(de->d_name) != DIGEST_HEX_LEN + 5)
			continue;
		memcpy(hex, de->d_name, DIGEST_HEX_LEN);
		hex[DIGEST_HEX_LEN] = '\0';
		if (!store_find_image(s, hex) && unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_info("removed metadata of no image '%s/%s'", s->meta_dir, de->d_name);
	}
}

int
store_open(const char *data_root, struct store **ret, struct err *e)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int r;

	s->root = xstrdup(data_root);
	s->tmp_dir = xasprintf("%s/tmp", data_root);
	s->blobs_dir = xasprintf("%s/blobs/sha256", data_root);
	s->layers_dir = xasprintf("%s/layers", data_root);
	s->images_dir = xasprintf("%s/images", data_root);
	s->meta_dir = xasprintf("%s/images/meta", data_root);
	s->refs_path = xasprintf("%s/refs.json", data_root);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->del_lock, NULL);
	pthread_mutex_init(&s->memo_lock, NULL);
	pthread_cond_init(&s->meta_done, NULL);
	r = make_dirs(s, e);
	if (r < 0)
		goto fail;
	remove_blob_leftovers(s);
	remove_atomic_leftovers(s->root, 0);
	remove_atomic_leftovers(s->images_dir, 1);
	remove_atomic_leftovers(s->layers_dir, 1);
	r = store_layers_load(s, e);
	if (r == 0)
		r = load_images(s, e);
	if (r == 0)
		remove_orphan_meta(s);
	if (r == 0)
		r = store_refs_load(s, e);
	if (r < 0)
		goto fail;
	/* Nothing is in flight yet: whatever no image keeps is garbage
	 * (a crash mid-pull, blobs of images removed by older versions). */
	(void)store_gc(s, NULL, NULL);
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

void
store_close(struct store *s)
{
	if (!s)
		return;
	store_meta_flush_wait(s);
	for (size_t i = 0; i < s->n_images; i++)
		store_img_free(s->images[i]);
	free(s->images);
	for (size_t i = 0; i < s->n_refs; i++)
		reference_release(&s->refs[i].ref);
	free(s->refs);
	for (size_t i = 0; i < s->n_layers; i++)
		store_lay_free(s->layers[i]);
	free(s->layers);
	free(s->pins);
	store_memo_release_all(s);
	pthread_mutex_destroy(&s->memo_lock);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->del_lock);
	pthread_cond_destroy(&s->meta_done);
	free(s->root);
	free(s->tmp_dir);
	free(s->blobs_dir);
	free(s->layers_dir);
	free(s->images_dir);
	free(s->meta_dir);
	free(s->refs_path);
	free(s);
}

unsigned
store_count_images(struct store *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = (unsigned)s->n_images;
	pthread_mutex_unlock(&s->lock);
	return n;
}
