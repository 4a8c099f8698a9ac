/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image service state (in-flight downloads, prune guard) and the local
 * image operations that need more than one store call: tag, remove with the
 * container registry as usage oracle, prune, history, and image events.
 * Pull, push and the archive formats live in their own files.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine/events/events.h"
#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

struct images *
images_new(const struct images_config *cfg)
{
	struct images *im = xcalloc(1, sizeof(*im));

	im->store = cfg->store;
	im->registry = cfg->registry;
	im->events = cfg->events;
	im->tmp_dir = xstrdup(cfg->tmp_dir);

	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->cv, NULL);
	slots_init(&im->downloads, cfg->max_downloads ? cfg->max_downloads : IMAGE_MAX_DOWNLOADS);
	slots_init(&im->uploads, cfg->max_uploads ? cfg->max_uploads : IMAGE_MAX_UPLOADS);
	return im;
}

void
images_free(struct images *im)
{
	if (!im)
		return;
	/* Jobs are over by now; entries left are leaks of a crashed job. */
	while (im->inflight) {
		struct image_inflight *f = im->inflight;
		im->inflight = f->next;
		free(f);
	}
	pthread_cond_destroy(&im->cv);
	pthread_mutex_destroy(&im->mu);
	slots_release_all(&im->downloads);
	slots_release_all(&im->uploads);
	free(im->tmp_dir);
	free(im);
}

void
images_set_users_fn(struct images *im, images_users_fn fn, void *ctx)
{
	im->users = fn;
	im->users_ctx = ctx;
}

/* ---- in-flight downloads ---------------------------------------------- */

int
images_inflight_begin(struct images *im, const char *digest, struct image_inflight **ret)
{
	struct image_inflight *f;
	int owner = 0;

	pthread_mutex_lock(&im->mu);
	for (f = im->inflight; f; f = f->next)
		if (strcmp(f->digest, digest) == 0 && !f->done)
			break;
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		snprintf(f->digest, sizeof(f->digest), "%s", digest);
		f->next = im->inflight;
		im->inflight = f;
		owner = 1;
	}
	f->refs++;
	pthread_mutex_unlock(&im->mu);
	*ret = f;
	return owner;
}

int
images_inflight_wait(struct images *im, struct image_inflight *f, struct err *e)
{
	int r;

	pthread_mutex_lock(&im->mu);
	while (!f->done)
		pthread_cond_wait(&im->cv, &im->mu);
	r = f->result;
	if (r < 0)
		err_copy(e, &f->err);
	pthread_mutex_unlock(&im->mu);
	return r;
}

void
images_inflight_end(struct images *im, struct image_inflight *f, int result, const struct err *why)
{
	pthread_mutex_lock(&im->mu);
	f->done = true;
	f->result = result;
	if (result < 0 && why)
		f->err = *why;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
}

void
images_inflight_put(struct images *im, struct image_inflight *f)
{
	struct image_inflight **pp;

	if (!f)
		return;
	pthread_mutex_lock(&im->mu);
	if (--f->refs == 0) {
		for (pp = &im->inflight; *pp; pp = &(*pp)->next)
			if (*pp == f) {
				*pp = f->next;
				break;
			}
		free(f);
	}
	pthread_mutex_unlock(&im->mu);
}

/* ---- small helpers ----------------------------------------------------- */

void
image_emit(image_progress_fn fn, void *ctx, enum image_progress_kind kind, const char *id,
	   const char *status, int64_t current, int64_t total)
{
	struct image_progress p = {
		.kind = kind, .id = id, .status = status, .current = current, .total = total,
	};

	if (fn)
		fn(ctx, &p);
}

const char *
image_host_arch(void)
{
	static char arch[32];
	struct utsname u;

	if (arch[0])
		return arch;
	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		snprintf(arch, sizeof(arch), "amd64");
	else if (strcmp(u.machine, "aarch64") == 0)
		snprintf(arch, sizeof(arch), "arm64");
	else
		snprintf(arch, sizeof(arch), "%s", u.machine);
	return arch;
}

int
image_config_chain(const void *config, size_t len, char ***ret_diffs, char ***ret_chains,
		   struct err *e)
{
	_cleanup_json_ json_t *cfg = json_loadb(config, len, 0, NULL);
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	size_t i, n = json_array_size(ids);
	json_t *v;

	if (!json_is_array(ids))
		return err_set(e, -EINVAL, "invalid image config: no rootfs.diff_ids");
	if (n > LIMIT_IMAGE_LAYERS)
		return err_set(e, -EINVAL, "image has more than %u layers", LIMIT_IMAGE_LAYERS);
	diffs = xcalloc(n + 1, sizeof(char *));
	chains = xcalloc(n + 1, sizeof(char *));
	json_array_foreach(ids, i, v) {
		const char *d = json_string_value(v);
		if (!d || !digest_is_valid(d))
			return err_set(e, -EINVAL, "invalid image config: bad diff ID at %zu", i);
		diffs[i] = xstrdup(d);
		chains[i] = xmalloc(DIGEST_STR_LEN + 1);
		store_layer_chain_id(i ? chains[i - 1] : NULL, d, chains[i]);
	}
	if (ret_diffs)
		*ret_diffs = TAKE_PTR(diffs);
	if (ret_chains)
		*ret_chains = TAKE_PTR(chains);
	return 0;
}

void
image_event(struct images *im, const char *action, const char *actor, const char *name)
{
	events_publish(im->events, "image", action, actor,
		       json_pack("{s:s}", "name", name ? name : actor));
}

/* ---- tag / remove ------------------------------------------------------ */

int
image_tag(struct images *im, const char *source, const char *repo, const char *tag,
	  struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	_cleanup_free_ char *familiar = NULL;
	char id[DIGEST_STR_LEN + 1];
	int r;

	r = store_image_resolve(im->store, source, id, e);
	if (r < 0)
		return r;
	r = reference_parse(repo, &ref, e);
	if (r < 0)
		return r;
	if (ref.digest) {
		reference_release(&ref);
		return err_set(e, -EINVAL, "refusing to create a tag with a digest reference");
	}
	if (tag && *tag)
		r = reference_set_tag(&ref, tag, e);
	else
		reference_default_tag(&ref);
	if (r == 0)
		r = store_image_tag(im->store, id, &ref, e);
	if (r == 0) {
		familiar = reference_familiar(&ref);
		image_event(im, "tag", id, familiar);
	}
	reference_release(&ref);
	return r;
}

static bool
usage_cb(void *ctx, const char *image_id, bool running_only, char ret_container_id[65])
{
	struct images *im = ctx;

	return im->users && im->users(im->users_ctx, image_id, running_only,
				      ret_container_id) > 0;
}

int
image_containers_using(struct images *im, const char *id)
{
	return im->users ? im->users(im->users_ctx, id, false, NULL) : 0;
}

static void
publish_report(struct images *im, const struct store_delete_report *rep, size_t from)
{
	for (size_t i = from; i < rep->n; i++) {
		const struct store_delete_item *it = &rep->items[i];
		/* The image ID comes first, then the chain IDs of the layers it
		 * freed, which have no event of their own in dockerd. */
		if (it->kind == STORE_UNTAGGED)
			image_event(im, "untag", it->what, it->what);
		else if (i == from || rep->items[i - 1].kind != STORE_DELETED)
			image_event(im, "delete", it->what, it->what);
	}
}

/* Collects what the deletions made unused; its bytes count as reclaimed. */
static void
collect(struct images *im, struct store_delete_report *report)
{
	struct store_gc_report gc = {0};

	(void)store_gc(im->store, &gc, NULL);
	report->reclaimed += gc.layer_bytes + gc.blob_bytes;
}

int
image_remove(struct images *im, const char *name, bool force, bool noprune,
	     struct store_delete_report *report, struct err *e)
{
	struct store_delete_opts o = {
		.force = force, .noprune = noprune, .usage = usage_cb, .usage_ctx = im,
	};
	size_t from = report->n;
	int r;

	r = store_delete_image(im->store, name, &o, report, e);
	publish_report(im, report, from);
	for (size_t i = from; i < report->n; i++)
		if (report->items[i].kind == STORE_DELETED) {
			collect(im, report);
			break;
		}
	return r;
}

/* ---- prune ------------------------------------------------------------- */

static int
prune_one(struct images *im, const struct store_image_summary *img, bool all,
	  struct store_delete_report *report)
{
	struct store_delete_opts o = { .usage = usage_cb, .usage_ctx = im };
	struct err ignored = ERR_INIT;
	char ctr[65];

	if (usage_cb(im, img->id, false, ctr))
		return 0;
	if (all) {
		/* Untag every reference first, as dockerd's prune does. */
		for (char **t = img->repo_tags; *t; t++)
			(void)store_delete_image(im->store, *t, &o, report, &ignored);
		for (char **d = img->repo_digests; *d; d++)
			(void)store_delete_image(im->store, *d, &o, report, &ignored);
	}
	err_clear(&ignored);
	if (store_image_resolve(im->store, img->id, (char[DIGEST_STR_LEN + 1]){0}, &ignored) < 0)
		return 0;
	/* Conflicts (children, concurrent use) just leave the image. */
	(void)store_delete_image(im->store, img->id, &o, report, &ignored);
	return 0;
}

int
image_prune(struct images *im, bool all, image_prune_keep_fn keep, void *keep_ctx,
	    struct store_delete_report *report, struct err *e)
{
	struct store_image_summary *list = NULL;
	size_t n = 0, from = report->n;
	char reclaimed[32];
	int r;

	pthread_mutex_lock(&im->mu);
	if (im->pruning) {
		pthread_mutex_unlock(&im->mu);
		return err_set(e, -EBUSY, "a prune operation is already running");
	}
	im->pruning = true;
	pthread_mutex_unlock(&im->mu);

	r = store_image_list(im->store, &list, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct store_image_summary *img = &list[i];
		bool dangling = !img->repo_tags[0] && !img->repo_digests[0] && !img->has_children;
		if (!all && !dangling)
			continue;
		if (keep && keep(keep_ctx, img))
			continue;
		prune_one(im, img, all, report);
	}
	store_image_summaries_free(list, n);
	/* Also what no image has used for long: the blobs and layers of
	 * images removed by older versions, of pulls that failed. */
	collect(im, report);
	publish_report(im, report, from);
	snprintf(reclaimed, sizeof(reclaimed), "%llu", (unsigned long long)report->reclaimed);
	events_publish(im->events, "image", "prune", "",
		       json_pack("{s:s}", "reclaimed", reclaimed));

	pthread_mutex_lock(&im->mu);
	im->pruning = false;
	pthread_mutex_unlock(&im->mu);
	return r;
}

/* ---- history ----------------------------------------------------------- */

void
image_history_free(struct image_history_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].created_by);
		free(v[i].comment);
		strv_free(v[i].tags);
	}
	free(v);
}

/* Entries in config order with sizes; IDs are filled afterwards. */
static int
history_entries(struct images *im, json_t *cfg, struct image_history_entry **ret, size_t *ret_n,
		struct err *e)
{
	json_t *hist = json_object_get(cfg, "history");
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	size_t n = json_array_size(hist), layer = 0, i;
	struct image_history_entry *v = xcalloc(n ? n : 1, sizeof(*v));
	char chain[DIGEST_STR_LEN + 1] = "";
	json_t *h;

	json_array_foreach(hist, i, h) {
		struct image_history_entry *x = &v[n - 1 - i]; /* newest first */
		const char *created = json_string_value(json_object_get(h, "created"));
		int64_t ns = 0;
		x->id = xstrdup("<missing>");
		x->created_by = xstrdup(jsonget_cstr(h, "created_by") ?: "");
		x->comment = xstrdup(jsonget_cstr(h, "comment") ?: "");
		if (created && time_parse_rfc3339(created, &ns) == 0)
			x->created = ns / 1000000000LL;
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		const char *diff = json_string_value(json_array_get(ids, layer++));
		struct store_layer_info li;
		if (!diff || !digest_is_valid(diff))
			continue;
		store_layer_chain_id(*chain ? chain : NULL, diff, chain);
		if (store_layer_get(im->store, chain, false, &li, NULL) == 0)
			x->size = (int64_t)li.size;
	}
	(void)e;
	*ret = v;
	*ret_n = n;
	return 0;
}

int
image_history(struct images *im, const char *name, struct image_history_entry **ret,
	      size_t *ret_n, struct err *e)
{
	struct store_image_summary sum = {0};
	_cleanup_buf_ struct buf config = BUF_INIT;
	_cleanup_json_ json_t *cfg = NULL;
	struct image_history_entry *v = NULL;
	size_t n = 0;
	int r;

	r = store_image_get(im->store, name, &sum, &config, e);
	if (r < 0)
		return r;
	cfg = json_loadb(config.data, config.len, 0, NULL);
	r = history_entries(im, cfg, &v, &n, e);
	/* dockerd: entry 0 is the image, entry 1 its parent, ... */
	for (size_t i = 0; r == 0 && i < n; i++) {
		free(v[i].id);
		v[i].id = xstrdup(sum.id);
		if (sum.repo_tags[0])
			v[i].tags = strv_dup(sum.repo_tags);
		if (!sum.parent[0])
			break;
		char parent[DIGEST_STR_LEN + 1];
		memcpy(parent, sum.parent, sizeof(parent));
		store_image_summary_release(&sum);
		if (store_image_get(im->store, parent, &sum, NULL, NULL) < 0)
			break;
	}
	store_image_summary_release(&sum);
	if (r < 0) {
		image_history_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
