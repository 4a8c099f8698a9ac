/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images and references; see store_image.h. All tables are guarded by
 * s->lock; the metadata files mirroring them are rewritten under it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store/store_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/thread.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* ---- loading ---------------------------------------------------------- */

static int
parse_rootfs(struct store *s, json_t *cfg, struct store_img *img, struct err *e)
{
	json_t *rootfs = json_object_get(cfg, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	const char *type = json_string_value(json_object_get(rootfs, "type"));
	const char *prev = NULL;
	size_t i;
	json_t *v;

	if (!type || strcmp(type, "layers") != 0 || !json_is_array(ids))
		return err_set(e, -EINVAL, "invalid image config: rootfs must have type \"layers\" "
				      "and diff_ids");
	if (json_array_size(ids) > LIMIT_IMAGE_LAYERS)
		return err_set(e, -EINVAL, "image has more than %u layers", LIMIT_IMAGE_LAYERS);
	img->chain = xcalloc(json_array_size(ids) + 1, sizeof(char *));
	json_array_foreach(ids, i, v) {
		const char *d = json_string_value(v);
		if (!d || !digest_is_valid(d))
			return err_set(e, -EINVAL, "invalid image config: bad diff ID at %zu", i);
		img->chain[i] = xmalloc(HEX_SZ);
		img->n_layers = i + 1;
		store_chain_id(prev, d + 7, img->chain[i]);
		prev = img->chain[i];
		if (!store_find_layer(s, prev))
			return err_set(e, -ENOENT, "layer sha256:%s (diff ID %s) not found", prev, d);
	}
	return 0;
}

static void
load_meta(struct store *s, struct store_img *img)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", s->meta_dir, img->id);
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *j = NULL;
	const char *parent = NULL;
	json_int_t tagged = 0;

	if (fs_read_file(path, 64 * 1024, &b) < 0)
		return;
	j = json_loadb(b.data, b.len, 0, NULL);
	if (!j || json_unpack(j, "{s?s, s?I}", "parent", &parent, "last_tag_time", &tagged) < 0) {
		log_warn("invalid image metadata '%s', ignoring", path);
		return;
	}
	if (parent && digest_is_valid(parent))
		memcpy(img->parent, parent + 7, HEX_SZ);
	img->last_tag_ns = tagged;
}

static int
save_meta(struct store *s, const struct store_img *img)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", s->meta_dir, img->id);
	char parent[DIGEST_STR_LEN + 1] = "";
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *text = NULL;

	if (*img->parent)
		snprintf(parent, sizeof(parent), "sha256:%s", img->parent);
	j = json_pack("{s:s, s:I}", "parent", parent, "last_tag_time", (json_int_t)img->last_tag_ns);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text)
		return -ENOMEM;
	return fs_write_atomic(path, text, strlen(text), 0600);
}

bool
store_meta_write_behind(struct store *s, struct store_img *img)
{
	bool start = !s->meta_flushing;

	img->meta_dirty = true;
	s->meta_flushing = true;
	return start;
}

/* Writes every dirty image's metadata, holding s->lock as every metadata
 * write does: a newer synchronous write cannot be overtaken by an older
 * state, and a deleted image is no longer in the table. */
static void
meta_flush(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_images; i++) {
		struct store_img *img = s->images[i];
		if (!img->meta_dirty)
			continue;
		img->meta_dirty = false;
		if (save_meta(s, img) < 0)
			log_warn("cannot record tag time of image '%s', ignoring", img->id);
	}
	s->meta_flushing = false;
	pthread_cond_broadcast(&s->meta_done);
	pthread_mutex_unlock(&s->lock);
}

static void *
meta_flush_main(void *s)
{
	meta_flush(s);
	return NULL;
}

void
store_meta_flush_start(struct store *s)
{
	if (thread_spawn_detached(meta_flush_main, s, 0) < 0)
		meta_flush(s);
}

void
store_meta_flush_wait(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->meta_flushing)
		pthread_cond_wait(&s->meta_done, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

int
store_image_load(struct store *s, const char *hex, const void *config, size_t len,
		 struct store_img **ret, struct err *e)
{
	_cleanup_json_ json_t *cfg = NULL;
	json_error_t jerr;
	struct store_img *img;
	const char *created;
	json_t *labels;
	int r;

	if (len > LIMIT_CONFIG_BYTES)
		return err_set(e, -E2BIG, "image config larger than %u bytes", LIMIT_CONFIG_BYTES);
	cfg = json_loadb(config, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(cfg))
		return err_set(e, -EINVAL, "invalid image config: %s",
			       cfg ? "not an object" : jerr.text);
	img = xcalloc(1, sizeof(*img));
	memcpy(img->id, hex, HEX_SZ);
	r = parse_rootfs(s, cfg, img, e);
	if (r < 0) {
		store_img_free(img);
		return r;
	}
	created = json_string_value(json_object_get(cfg, "created"));
	if (created && time_parse_rfc3339(created, &img->created_ns) < 0)
		img->created_ns = 0;
	labels = json_object_get(json_object_get(cfg, "config"), "Labels");
	if (json_is_object(labels))
		img->labels = json_incref(labels);
	load_meta(s, img);
	*ret = img;
	return 0;
}

int
store_image_commit(struct store *s, const void *config, size_t len,
		   const struct store_commit_opts *o, char ret_id[DIGEST_STR_LEN + 1],
		   struct err *e)
{
	_cleanup_free_ char *path = NULL;
	struct store_img *img = NULL;
	char hex[HEX_SZ];
	int r = 0;

	if (o && o->parent_id && !digest_is_valid(o->parent_id))
		return err_set(e, -EINVAL, "invalid parent image ID '%s'", o->parent_id);
	sha256_hex(config, len, hex);
	path = xasprintf("%s/%s.json", s->images_dir, hex);
	pthread_mutex_lock(&s->lock);
	img = store_find_image(s, hex);
	if (img) {
		/* An image made elsewhere (pulled, loaded) that a build reused as
		 * its step: it gains the build parent, as moby's SetParent. */
		if (o && o->parent_id && !img->parent[0]) {
			memcpy(img->parent, o->parent_id + 7, HEX_SZ);
			store_changed_locked(s);
			r = save_meta(s, img);
			if (r < 0)
				r = err_errno(e, r, "cannot write image sha256:%s", hex);
		}
		goto done;
	}
	if (s->n_images >= LIMIT_STORE_IMAGES) {
		r = err_set(e, -E2BIG, "too many images (limit %u)", LIMIT_STORE_IMAGES);
		goto done;
	}
	r = store_image_load(s, hex, config, len, &img, e);
	if (r < 0)
		goto done;
	if (o && o->parent_id)
		memcpy(img->parent, o->parent_id + 7, HEX_SZ);
	/* Metadata first: an image file without its meta is still valid. */
	r = save_meta(s, img);
	if (r == 0)
		r = fs_write_atomic(path, config, len, 0600);
	if (r < 0) {
		store_img_free(img);
		r = err_errno(e, r, "cannot write image sha256:%s", hex);
		goto done;
	}
	store_array_push((void ***)&s->images, &s->n_images, &s->cap_images, img);
	store_changed_locked(s);
done:
	pthread_mutex_unlock(&s->lock);
	if (r == 0 && ret_id)
		snprintf(ret_id, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	return r;
}

/* ---- references ------------------------------------------------------- */

int
store_refs_save(struct store *s, struct err *e)
{
	_cleanup_json_ json_t *refs = json_object();
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	for (size_t i = 0; i < s->n_refs; i++) {
		_cleanup_free_ char *key = reference_canonical(&s->refs[i].ref);
		char id[DIGEST_STR_LEN + 1];
		snprintf(id, sizeof(id), "sha256:%s", s->refs[i].id);
		json_object_set_new(refs, key, json_string(id));
	}
	doc = json_pack("{s:O}", "refs", refs);
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text)
		return err_set(e, -ENOMEM, "out of memory");
	r = fs_write_atomic(s->refs_path, text, strlen(text), 0600);
	if (r < 0)
		return err_errno(e, r, "cannot write '%s'", s->refs_path);
	return 0;
}

static void
refs_push(struct store *s, const struct reference *ref, const char *hex)
{
	if (s->n_refs == s->cap_refs) {
		s->cap_refs = s->cap_refs ? 2 * s->cap_refs : 16;
		s->refs = xrealloc(s->refs, s->cap_refs * sizeof(*s->refs));
	}
	reference_copy(ref, &s->refs[s->n_refs].ref);
	memcpy(s->refs[s->n_refs].id, hex, HEX_SZ);
	s->n_refs++;
}

int
store_refs_load(struct store *s, struct err *e)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *doc = NULL;
	const char *key;
	json_t *v;
	int r = fs_read_file(s->refs_path, LIMIT_STATE_FILE, &b);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return err_errno(e, r, "cannot read '%s'", s->refs_path);
	doc = json_loadb(b.data, b.len, 0, NULL);
	json_object_foreach(json_object_get(doc, "refs"), key, v) {
		struct reference ref = REFERENCE_INIT;
		struct err ignored = ERR_INIT;
		const char *id = json_string_value(v);
		if (reference_parse(key, &ref, &ignored) < 0 || !id || !digest_is_valid(id) ||
		    !store_find_image(s, id + 7) || !(ref.tag || ref.digest) ||
		    (ref.tag && ref.digest)) {
			log_warn("dropping reference '%s': invalid or image missing", key);
			reference_release(&ref);
			continue;
		}
		refs_push(s, &ref, id + 7);
		reference_release(&ref);
	}
	return 0;
}

static bool
ref_equal(const struct reference *a, const struct reference *b)
{
	return reference_same_repo(a, b) && !a->tag == !b->tag && !a->digest == !b->digest &&
	       (!a->tag || strcmp(a->tag, b->tag) == 0) &&
	       (!a->digest || strcmp(a->digest, b->digest) == 0);
}

static struct store_ref *
find_ref(struct store *s, const struct reference *ref)
{
	for (size_t i = 0; i < s->n_refs; i++)
		if (ref_equal(&s->refs[i].ref, ref))
			return &s->refs[i];
	return NULL;
}

/* ---- lookup ----------------------------------------------------------- */

static int
search_prefix(struct store *s, const char *name, const char *prefix, char ret[HEX_SZ],
	      struct err *e)
{
	size_t n = strlen(prefix), found = 0;

	for (size_t i = 0; i < s->n_images; i++) {
		if (strncmp(s->images[i]->id, prefix, n) != 0)
			continue;
		if (found++)
			return err_set(e, -EINVAL, "multiple IDs found with provided prefix: %s",
				       name);
		memcpy(ret, s->images[i]->id, HEX_SZ);
	}
	return found ? 0 : -ENOENT;
}

/* Resolves under s->lock; see store_image_resolve. */
static int
resolve_locked(struct store *s, const char *name, char ret[HEX_SZ], struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	_cleanup_free_ char *familiar = NULL;
	const char *prefix;
	struct store_ref *sr;
	int r;

	if (reference_is_full_id(name, ret)) {
		if (store_find_image(s, ret))
			return 0;
		return err_set(e, -ENOENT, "No such image: sha256:%s", ret);
	}
	/* Every hex prefix is also a valid name, so a parse failure is final. */
	r = reference_parse(name, &ref, e);
	if (r < 0)
		return r;
	reference_default_tag(&ref);
	sr = find_ref(s, &ref);
	if (sr) {
		memcpy(ret, sr->id, HEX_SZ);
		reference_release(&ref);
		return 0;
	}
	if (reference_is_id_prefix(name, &prefix)) {
		r = search_prefix(s, name, prefix, ret, e);
		if (r != -ENOENT) {
			reference_release(&ref);
			return r;
		}
	}
	familiar = reference_familiar(&ref);
	reference_release(&ref);
	return err_set(e, -ENOENT, "No such image: %s", familiar);
}

int
store_image_resolve(struct store *s, const char *name, char ret_id[DIGEST_STR_LEN + 1],
		    struct err *e)
{
	char hex[HEX_SZ];
	int r;

	pthread_mutex_lock(&s->lock);
	r = resolve_locked(s, name, hex, e);
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		snprintf(ret_id, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	return r;
}

/* ---- listing ---------------------------------------------------------- */

static char **
strv_add(char **v, size_t *n, char *s)
{
	v = xrealloc(v, (*n + 2) * sizeof(char *));
	v[(*n)++] = s;
	v[*n] = NULL;
	return v;
}

static void
summarise(struct store *s, const struct store_img *img, struct store_image_summary *out)
{
	size_t nt = 0, nd = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "sha256:%s", img->id);
	if (*img->parent)
		snprintf(out->parent, sizeof(out->parent), "sha256:%s", img->parent);
	out->repo_tags = xcalloc(1, sizeof(char *));
	out->repo_digests = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < s->n_refs; i++) {
		const struct store_ref *r = &s->refs[i];
		if (strcmp(r->id, img->id) != 0)
			continue;
		if (r->ref.tag)
			out->repo_tags = strv_add(out->repo_tags, &nt, reference_familiar(&r->ref));
		else
			out->repo_digests =
				strv_add(out->repo_digests, &nd, reference_familiar(&r->ref));
	}
	for (size_t k = 0; k < img->n_layers; k++) {
		const struct store_lay *l = store_find_layer(s, img->chain[k]);
		out->size += l ? l->size : 0;
	}
	for (size_t i = 0; i < s->n_images && !out->has_children; i++)
		out->has_children = strcmp(s->images[i]->parent, img->id) == 0;
	out->created_ns = img->created_ns;
	out->last_tag_ns = img->last_tag_ns;
	out->labels = img->labels ? json_incref(img->labels) : NULL;
}

void
store_image_summary_release(struct store_image_summary *sum)
{
	if (!sum)
		return;
	strv_free(sum->repo_tags);
	strv_free(sum->repo_digests);
	if (sum->labels)
		json_decref(sum->labels);
	memset(sum, 0, sizeof(*sum));
}

void
store_image_summaries_free(struct store_image_summary *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		store_image_summary_release(&v[i]);
	free(v);
}

static int
cmp_newest_first(const void *a, const void *b)
{
	const struct store_image_summary *x = a, *y = b;

	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? 1 : -1;
	return strcmp(x->id, y->id);
}

int
store_image_list(struct store *s, struct store_image_summary **ret, size_t *ret_n, struct err *e)
{
	struct store_image_summary *v;
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_images;
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		summarise(s, s->images[i], &v[i]);
	pthread_mutex_unlock(&s->lock);
	qsort(v, n, sizeof(*v), cmp_newest_first);
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_image_get(struct store *s, const char *name, struct store_image_summary *ret,
		struct buf *ret_config, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	char hex[HEX_SZ];
	int r;

	pthread_mutex_lock(&s->lock);
	r = resolve_locked(s, name, hex, e);
	if (r == 0 && ret)
		summarise(s, store_find_image(s, hex), ret);
	pthread_mutex_unlock(&s->lock);
	if (r < 0 || !ret_config)
		return r;
	path = xasprintf("%s/%s.json", s->images_dir, hex);
	r = fs_read_file(path, LIMIT_CONFIG_BYTES, ret_config);
	if (r < 0) {
		if (ret)
			store_image_summary_release(ret);
		return err_errno(e, r, "cannot read image config sha256:%s", hex);
	}
	return 0;
}

/* ---- tagging ---------------------------------------------------------- */

int
store_image_tag(struct store *s, const char *name, const struct reference *ref, struct err *e)
{
	struct store_ref *sr;
	struct store_img *img;
	char hex[HEX_SZ];
	bool flush = false;
	int r;

	r = reference_check_taggable(ref, e);
	if (r < 0)
		return r;
	if (!ref->tag == !ref->digest)
		return err_set(e, -EINVAL, "a reference needs either a tag or a digest");
	pthread_mutex_lock(&s->lock);
	r = resolve_locked(s, name, hex, e);
	if (r < 0)
		goto out;
	sr = find_ref(s, ref);
	char old_id[HEX_SZ];
	/* Already so (a cached rebuild's tag): refs.json stays as it is, as
	 * moby's reference store does; the tag time is still recorded. */
	bool same = sr && memcmp(sr->id, hex, HEX_SZ) == 0;
	if (same) {
		r = 0;
		goto tagged;
	}
	if (sr) {
		memcpy(old_id, sr->id, HEX_SZ);
		memcpy(sr->id, hex, HEX_SZ);
	} else {
		refs_push(s, ref, hex);
	}
	r = store_refs_save(s, e);
	if (r < 0) {
		/* All or nothing: the tag is not live when it could not be kept. */
		if (sr) {
			memcpy(sr->id, old_id, HEX_SZ);
		} else {
			reference_release(&s->refs[s->n_refs - 1].ref);
			s->n_refs--;
		}
		goto out;
	}
tagged:
	img = store_find_image(s, hex);
	img->last_tag_ns = time_now_ns();
	store_changed_locked(s);
	/* A re-tag (every cached rebuild) changes only the tag time: shown at
	 * once from memory and written (temp file, fsync, rename, directory
	 * fsync) by a thread of its own, off the request; a crash before that
	 * write keeps the previous tag time, never a torn file. */
	if (same)
		flush = store_meta_write_behind(s, img);
	else if (save_meta(s, img) < 0)
		log_warn("cannot record tag time of image '%s', ignoring", hex);
out:
	pthread_mutex_unlock(&s->lock);
	if (flush)
		store_meta_flush_start(s);
	return r;
}

int
store_image_untag(struct store *s, const struct reference *ref, struct err *e)
{
	_cleanup_free_ char *familiar = NULL;
	struct store_ref *sr;
	int r;

	pthread_mutex_lock(&s->lock);
	sr = find_ref(s, ref);
	if (!sr) {
		pthread_mutex_unlock(&s->lock);
		familiar = reference_familiar(ref);
		return err_set(e, -ENOENT, "No such image: %s", familiar);
	}
	struct store_ref removed = *sr;
	*sr = s->refs[--s->n_refs];
	r = store_refs_save(s, e);
	if (r < 0) {
		/* Kept on disk, so kept here too (order does not matter). */
		s->refs[s->n_refs++] = removed;
	} else {
		reference_release(&removed.ref);
		store_changed_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
store_image_lowerdirs(struct store *s, const char *id, char ***ret, struct err *e)
{
	struct store_img *img;
	char **v;

	if (!digest_is_valid(id))
		return err_set(e, -EINVAL, "invalid image ID '%s'", id);
	pthread_mutex_lock(&s->lock);
	img = store_find_image(s, id + 7);
	if (!img) {
		pthread_mutex_unlock(&s->lock);
		return err_set(e, -ENOENT, "No such image: %s", id);
	}
	v = xcalloc(img->n_layers + 1, sizeof(char *));
	for (size_t k = 0; k < img->n_layers; k++)
		v[k] = xasprintf("%s/%s/diff", s->layers_dir, img->chain[img->n_layers - 1 - k]);
	pthread_mutex_unlock(&s->lock);
	*ret = v;
	return 0;
}
