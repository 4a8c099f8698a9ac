/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Push: for each tag of the repository, every layer (top first, as dockerd
 * lists them) goes up as a gzip blob — the one kept from a pull when there
 * is one, else one made from the layer's exact tar — unless the registry
 * has it ("Layer already exists") or can mount it from another repository
 * on the same registry ("Mounted from ..."); then the config and a Docker
 * v2 schema 2 manifest. The pushed digest becomes a repository digest of
 * the image, and each layer remembers its blob digest in this repository
 * so the next push finds it.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_blob.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct push_job {
	struct images *im;
	const struct image_push_opts *o;
	struct reference ref;	/* the repository; tag set per push */
	char *repo_name;	/* canonical "127.0.0.1:5000/app" */
	struct registry_repo *repo;
};

struct push_progress {
	struct push_job *job;
	const char *id;
	int64_t last_ns;
};

static void
emit(struct push_job *j, enum image_progress_kind kind, const char *id, const char *status,
     int64_t cur, int64_t total)
{
	image_emit(j->o->progress, j->o->progress_ctx, kind, id, status, cur, total);
}

static void
upload_progress(void *ctx, int64_t done, int64_t total)
{
	struct push_progress *p = ctx;
	int64_t now = time_mono_ns();

	if (now - p->last_ns < 100 * 1000000LL && done != total)
		return;
	p->last_ns = now;
	emit(p->job, IMAGE_PROGRESS_COUNT, p->id, "Pushing", done, total);
}

/* A source of the layer with @digest in another repository of this registry. */
static char *
mount_candidate(struct push_job *j, const char *chain_id, const char *digest)
{
	_cleanup_json_ json_t *sources = NULL;
	_cleanup_free_ char *prefix = xasprintf("%s/", j->ref.domain);
	size_t i;
	json_t *v;

	if (store_layer_sources(j->im->store, chain_id, &sources, NULL) < 0)
		return NULL;
	json_array_foreach(sources, i, v) {
		const char *d = json_string_value(json_object_get(v, "digest"));
		const char *repo = json_string_value(json_object_get(v, "repository"));
		const char *path;
		if (!d || !repo || strcmp(d, digest) != 0 || strcmp(repo, j->repo_name) == 0)
			continue;
		if (strncmp(repo, prefix, strlen(prefix)) != 0)
			continue;
		path = repo + strlen(prefix);
		if (*path)
			return xstrdup(path);
	}
	return NULL;
}

static int
push_layer(struct push_job *j, const char *chain_id, const char *diff_id, json_t *layers,
	   struct err *e)
{
	char digest[DIGEST_STR_LEN + 1], id[13];
	_cleanup_free_ char *from = NULL;
	_cleanup_close_ int fd = -1;
	uint64_t size = 0;
	int r;

	snprintf(id, sizeof(id), "%.12s", diff_id + 7);
	r = image_layer_gzip_blob(j->im, chain_id, diff_id, j->repo_name, digest, &size, e);
	if (r < 0)
		return r;
	r = registry_blob_exists(j->repo, digest, NULL, e);
	if (r < 0)
		return r;
	if (r == 1) {
		emit(j, IMAGE_PROGRESS_STATUS, id, "Layer already exists", 0, 0);
	} else if ((from = mount_candidate(j, chain_id, digest)) &&
		   registry_blob_mount(j->repo, digest, from, NULL) == 1) {
		_cleanup_free_ char *msg = xasprintf("Mounted from %s", from);
		emit(j, IMAGE_PROGRESS_STATUS, id, msg, 0, 0);
	} else {
		struct push_progress pp = { .job = j, .id = id };
		struct registry_blob_source src = { .progress = upload_progress, .ctx = &pp };
		fd = store_blob_open(j->im->store, digest, e);
		if (fd < 0)
			return fd;
		src.fd = fd;
		/* One of the daemon-wide upload slots (max-concurrent-uploads). */
		r = slots_acquire(&j->im->uploads, NULL, NULL);
		if (r < 0)
			return err_set(e, r, "push cancelled");
		r = registry_blob_push(j->repo, digest, (int64_t)size, &src, e);
		slots_release(&j->im->uploads);
		if (r < 0)
			return r;
		emit(j, IMAGE_PROGRESS_STATUS, id, "Pushed", 0, 0);
	}
	(void)store_layer_add_source(j->im->store, chain_id, digest, j->repo_name, NULL);
	json_array_insert_new(layers, 0, json_pack("{s:s,s:I,s:s}", "mediaType",
						   MT_DOCKER_LAYER_GZIP, "size", (json_int_t)size,
						   "digest", digest));
	return 0;
}

struct mem_src {
	const char *p;
	size_t len, off;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct mem_src *m = ctx;
	size_t k = m->len - m->off < n ? m->len - m->off : n;

	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static int
push_config(struct push_job *j, const char *id, const struct buf *config, struct err *e)
{
	struct mem_src m = { .p = config->data, .len = config->len };
	struct registry_blob_source src = { .read = mem_read, .fd = -1, .ctx = &m };
	int r = registry_blob_exists(j->repo, id, NULL, e);

	if (r != 0)
		return r < 0 ? r : 0;
	return registry_blob_push(j->repo, id, (int64_t)config->len, &src, e);
}

static int
push_tag(struct push_job *j, const char *tag, struct err *e)
{
	_cleanup_free_ char *name = NULL, *manifest = NULL, *status = NULL;
	struct store_image_summary sum = {0};
	_cleanup_buf_ struct buf config = BUF_INIT;
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	_cleanup_json_ json_t *m = NULL;
	char digest[DIGEST_STR_LEN + 1];
	json_t *layers = json_array();
	size_t n;
	int r;

	r = reference_set_tag(&j->ref, tag, e);
	name = reference_familiar(&j->ref);
	if (r == 0)
		r = store_image_get(j->im->store, name, &sum, &config, e);
	if (r == 0)
		r = image_config_chain(config.data, config.len, &diffs, &chains, e);
	if (r < 0) {
		json_decref(layers);
		store_image_summary_release(&sum);
		return r;
	}
	n = strv_len(diffs);
	for (size_t i = n; i > 0; i--) {
		char id[13];
		snprintf(id, sizeof(id), "%.12s", diffs[i - 1] + 7);
		emit(j, IMAGE_PROGRESS_STATUS, id, "Preparing", 0, 0);
	}
	for (size_t i = n; i > 0 && r == 0; i--)
		r = push_layer(j, chains[i - 1], diffs[i - 1], layers, e);
	if (r == 0)
		r = push_config(j, sum.id, &config, e);
	m = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:o}", "schemaVersion", 2, "mediaType",
		      MT_DOCKER_MANIFEST, "config", "mediaType", MT_DOCKER_CONFIG, "size",
		      (json_int_t)config.len, "digest", sum.id, "layers", layers);
	manifest = m ? json_dumps(m, JSON_INDENT(3)) : NULL;
	if (r == 0 && !manifest)
		r = err_set(e, -ENOMEM, "cannot encode manifest");
	if (r == 0)
		r = registry_put_manifest(j->repo, tag, MT_DOCKER_MANIFEST, manifest,
					  strlen(manifest), digest, e);
	if (r == 0) {
		struct reference dref = REFERENCE_INIT;
		struct image_progress aux = {
			.kind = IMAGE_PROGRESS_AUX, .tag = tag, .digest = digest,
			.size = (int64_t)strlen(manifest),
		};
		status = xasprintf("%s: digest: %s size: %zu", tag, digest, strlen(manifest));
		emit(j, IMAGE_PROGRESS_MESSAGE, NULL, status, 0, 0);
		if (j->o->progress)
			j->o->progress(j->o->progress_ctx, &aux);
		reference_copy(&j->ref, &dref);
		dref.tag = mfree(dref.tag);
		dref.digest = xstrdup(digest);
		(void)store_image_tag(j->im->store, sum.id, &dref, NULL);
		reference_release(&dref);
		image_event(j->im, "push", name, name);
	}
	store_image_summary_release(&sum);
	return r;
}

/* Tags of the repository that exist locally, or just @tag. */
static char **
tags_to_push(struct push_job *j)
{
	struct store_image_summary *list = NULL;
	char **tags = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (j->o->tag && *j->o->tag) {
		struct reference r = REFERENCE_INIT;
		_cleanup_free_ char *name = NULL;
		char id[DIGEST_STR_LEN + 1];
		reference_copy(&j->ref, &r);
		if (reference_set_tag(&r, j->o->tag, NULL) == 0) {
			name = reference_familiar(&r);
			if (store_image_resolve(j->im->store, name, id, NULL) == 0)
				strv_append(&tags, j->o->tag);
		}
		reference_release(&r);
		return tags;
	}
	if (store_image_list(j->im->store, &list, &n, NULL) < 0)
		return tags;
	for (size_t i = 0; i < n; i++)
		for (char **t = list[i].repo_tags; *t; t++) {
			struct reference r = REFERENCE_INIT;
			if (reference_parse(*t, &r, NULL) == 0 && r.tag &&
			    reference_same_repo(&r, &j->ref) && !strv_contains(tags, r.tag))
				strv_append(&tags, r.tag);
			reference_release(&r);
		}
	store_image_summaries_free(list, n);
	return tags;
}

int
image_push(struct images *im, const struct image_push_opts *o, struct err *e)
{
	struct push_job j = { .im = im, .o = o };
	_cleanup_free_ char *familiar = NULL, *status = NULL;
	_cleanup_strv_ char **tags = NULL;
	int r;

	r = reference_parse(o->name, &j.ref, e);
	if (r < 0)
		return r;
	if (j.ref.digest) {
		reference_release(&j.ref);
		return err_set(e, -EINVAL, "cannot push a digest reference");
	}
	if (j.ref.tag && !(o->tag && *o->tag)) {
		/* "name:tag" in the path: that tag only. */
		struct image_push_opts o2 = *o;
		_cleanup_free_ char *tag = xstrdup(j.ref.tag);
		_cleanup_free_ char *name = reference_name(&j.ref);
		o2.name = name;
		o2.tag = tag;
		reference_release(&j.ref);
		return image_push(im, &o2, e);
	}
	j.repo_name = reference_name(&j.ref);
	familiar = reference_familiar_name(&j.ref);
	status = xasprintf("The push refers to repository [%s]", j.repo_name);
	emit(&j, IMAGE_PROGRESS_MESSAGE, NULL, status, 0, 0);
	tags = tags_to_push(&j);
	if (!tags[0]) {
		r = err_set(e, -ENOENT, "An image does not exist locally with the tag: %s",
			    familiar);
		goto out;
	}
	r = registry_repo_open(im->registry, j.ref.domain, j.ref.path, familiar, o->auth,
			       REGISTRY_REPO_PUSH, &j.repo, e);
	for (size_t i = 0; r == 0 && tags[i]; i++)
		r = push_tag(&j, tags[i], e);
out:
	registry_repo_close(j.repo);
	free(j.repo_name);
	reference_release(&j.ref);
	return r;
}
