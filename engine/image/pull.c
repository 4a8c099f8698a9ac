/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull: reference → manifest (index narrowed to a platform) → verified
 * config → layers. Missing layers are handled by worker threads (up to
 * PULL_MAX_WORKERS): each downloads one layer within one of the daemon-wide
 * download slots (max-concurrent-downloads, shared by all pulls) into the
 * blob store (verified while streaming, against the digest the store's
 * writer computes; a blob another pull is already fetching is waited for,
 * not fetched twice), gives the slot back, and unpacks the layer at once
 * into a private directory of the layer store (store_layer_prepare), while
 * other layers still download. This thread publishes the unpacked layers
 * strictly in order (store_layer_commit), since layer N is stored on top of
 * N-1. The image is committed and tagged only once every layer is in.
 *
 * Progress follows dockerd's pull stream (docker-api-protocol.md §4.1):
 * "Pulling from", per layer "Already exists" | "Pulling fs layer",
 * "Waiting", "Downloading" (throttled), "Verifying Checksum",
 * "Download complete", "Extracting", "Pull complete", then "Digest:" and
 * "Status:". Progress callbacks are serialised by job->pmu.
 *
 * Lock order: job->mu, then images->mu (never both for long); job->pmu is a
 * leaf lock held only around the progress callback.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_blob.h"
#include "engine/registry/registry_tags.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

/* Download-and-unpack threads of one pull (at most one per missing layer). */
#define PULL_MAX_WORKERS 8

/* dockerd redraws progress bars at most every 100 ms. */
#define PROGRESS_INTERVAL_NS (100 * 1000000LL)

enum dl_state { DL_NONE = 0, DL_PENDING, DL_RUNNING, DL_DONE, DL_FAILED };

struct pull_layer {
	const struct manifest_descriptor *desc;	/* borrowed from the manifest */
	char short_id[13];			/* first 12 hex of the blob digest */
	char diff_id[DIGEST_STR_LEN + 1];
	char chain_id[DIGEST_STR_LEN + 1];
	bool held;				/* we hold the layer in the store */
	enum dl_state state;			/* guarded by job->mu */
	/* unpacked by its download worker, published in order by the pull */
	struct store_layer_pending *pending;
	struct err err;
	int64_t last_emit_ns;
};

struct pull_job {
	struct images *im;
	const struct image_pull_opts *o;
	struct registry_repo *repo;
	char *repo_name;	/* canonical, for layer sources */
	pthread_mutex_t mu, pmu;
	pthread_cond_t cv;
	struct pull_layer *layers;
	size_t n_layers, next;
	atomic_bool cancel;
};

static void
emit(struct pull_job *j, enum image_progress_kind kind, const char *id, const char *status,
     int64_t cur, int64_t total)
{
	if (!j->o->progress)
		return;
	pthread_mutex_lock(&j->pmu);
	image_emit(j->o->progress, j->o->progress_ctx, kind, id, status, cur, total);
	pthread_mutex_unlock(&j->pmu);
}

/* ---- one download ------------------------------------------------------ */

struct dl_sink {
	struct pull_job *job;
	struct pull_layer *layer;
	struct store_blob_writer *w;
	int64_t size;
};

static int
sink_write(void *ctx, const void *p, size_t n)
{
	struct dl_sink *d = ctx;
	return store_blob_writer_write(d->w, p, n, NULL);
}

static int
sink_reset(void *ctx)
{
	struct dl_sink *d = ctx;

	/* The server ignored Range: start the blob over. */
	store_blob_writer_free(d->w);
	d->w = NULL;
	return store_blob_writer_new(d->job->im->store, d->size > 0 ? (uint64_t)d->size : 0,
				     &d->w, NULL);
}

static int
sink_digest(void *ctx, char hex[DIGEST_HEX_LEN + 1])
{
	struct dl_sink *d = ctx;

	if (!d->w)
		return -EIO;
	store_blob_writer_seal(d->w, hex);
	return 0;
}

static void
sink_progress(void *ctx, int64_t done, int64_t total)
{
	struct dl_sink *d = ctx;
	int64_t now = time_mono_ns();

	if (now - d->layer->last_emit_ns < PROGRESS_INTERVAL_NS && done != total)
		return;
	d->layer->last_emit_ns = now;
	emit(d->job, IMAGE_PROGRESS_COUNT, d->layer->short_id, "Downloading", done, total);
}

static bool
sink_cancelled(void *ctx)
{
	struct dl_sink *d = ctx;
	return atomic_load(&d->job->cancel);
}

/* dockerd's countdown, one line a second: "Retrying in 5 seconds" ... "in 1 second". */
static void
sink_retrying(void *ctx, unsigned attempt, unsigned left_s, const struct err *why)
{
	struct dl_sink *d = ctx;
	char msg[64];

	(void)attempt;
	(void)why;
	snprintf(msg, sizeof(msg), "Retrying in %u second%s", left_s, left_s == 1 ? "" : "s");
	emit(d->job, IMAGE_PROGRESS_STATUS, d->layer->short_id, msg, 0, 0);
}

/* Fetches the blob into the store; the caller owns the in-flight entry. */
static int
fetch_blob(struct pull_job *j, struct pull_layer *l, struct err *e)
{
	struct dl_sink d = { .job = j, .layer = l, .size = l->desc->size };
	struct registry_blob_sink sink = {
		.write = sink_write,
		.reset = sink_reset,
		.progress = sink_progress,
		.cancelled = sink_cancelled,
		.retrying = sink_retrying,
		.digest = sink_digest,
		.ctx = &d,
	};
	int r;

	r = store_blob_writer_new(j->im->store, d.size > 0 ? (uint64_t)d.size : 0, &d.w, e);
	if (r < 0)
		return r;
	r = registry_blob_fetch(j->repo, l->desc->digest, l->desc->size, &sink, e);
	if (r == 0 && !d.w)
		r = err_set(e, -EIO, "cannot restart download of %s", l->desc->digest);
	if (r == 0) {
		emit(j, IMAGE_PROGRESS_STATUS, l->short_id, "Verifying Checksum", 0, 0);
		r = store_blob_writer_commit(d.w, l->desc->digest, NULL, e);
	}
	store_blob_writer_free(d.w);
	return r;
}

/* fetch_blob within one of the daemon's download slots (waiting for one). */
static int
fetch_in_slot(struct pull_job *j, struct pull_layer *l, struct err *e)
{
	int r = slots_acquire(&j->im->downloads, &j->cancel, NULL);

	if (r < 0)
		return err_set(e, r, "pull cancelled");
	r = fetch_blob(j, l, e);
	slots_release(&j->im->downloads);
	return r;
}

static int
download_layer(struct pull_job *j, struct pull_layer *l, struct err *e)
{
	struct images *im = j->im;
	struct image_inflight *f = NULL;
	int r;

	for (;;) {
		if (store_blob_exists(j->im->store, l->desc->digest)) {
			r = 0;
			break;
		}
		if (images_inflight_begin(im, l->desc->digest, &f) == 0) {
			struct err theirs = ERR_INIT;
			r = images_inflight_wait(im, f, &theirs);
			images_inflight_put(im, f);
			/* The other pull gave up: fetch it ourselves. */
			if (r == -ECANCELED && !atomic_load(&j->cancel))
				continue;
			if (r < 0)
				err_copy(e, &theirs);
			break;
		}
		/* The owner of an earlier entry may just have stored it. */
		r = store_blob_exists(j->im->store, l->desc->digest) ? 0 : fetch_in_slot(j, l, e);
		images_inflight_end(im, f, r, e);
		images_inflight_put(im, f);
		break;
	}
	if (r == 0)
		emit(j, IMAGE_PROGRESS_STATUS, l->short_id, "Download complete", 0, 0);
	return r;
}

/*
 * Unpacks layer @l into a private directory of the store as soon as its
 * blob is in, while other layers still download (the pull publishes them
 * in order, extract_layer). A layer already stored is left to the pull.
 */
static int
prepare_layer(struct pull_job *j, struct pull_layer *l, struct err *e)
{
	struct store_layer_opts o = {.expected_diff_id = l->diff_id};
	_cleanup_close_ int fd = -1;
	int r;

	if (store_layer_get(j->im->store, l->chain_id, false, NULL, NULL) == 0)
		return 0;
	fd = store_blob_open(j->im->store, l->desc->digest, e);
	if (fd < 0)
		return fd;
	r = store_layer_prepare(j->im->store, fd, &o, &l->pending, e);
	return r < 0 ? err_prefix(e, "failed to register layer") : 0;
}

static void *
worker_main(void *arg)
{
	struct pull_job *j = arg;

	for (;;) {
		struct pull_layer *l = NULL;
		struct err e = ERR_INIT;
		int r;

		pthread_mutex_lock(&j->mu);
		while (j->next < j->n_layers && !l) {
			if (j->layers[j->next].state == DL_PENDING)
				l = &j->layers[j->next];
			j->next++;
		}
		if (l)
			l->state = DL_RUNNING;
		pthread_mutex_unlock(&j->mu);
		if (!l || atomic_load(&j->cancel)) {
			if (l) {
				pthread_mutex_lock(&j->mu);
				l->state = DL_FAILED;
				err_set(&l->err, -ECANCELED, "pull cancelled");
				pthread_cond_broadcast(&j->cv);
				pthread_mutex_unlock(&j->mu);
			}
			if (!l)
				break;
			continue;
		}
		r = download_layer(j, l, &e);
		if (r == 0 && !atomic_load(&j->cancel))
			r = prepare_layer(j, l, &e);
		pthread_mutex_lock(&j->mu);
		l->state = r < 0 ? DL_FAILED : DL_DONE;
		if (r < 0) {
			l->err = e;
			atomic_store(&j->cancel, true);
		}
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
	}
	return NULL;
}

/* ---- unpacking --------------------------------------------------------- */

struct ticker {
	struct pull_job *job;
	struct pull_layer *layer;
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* Reports "Extracting" from the blob fd's offset while the store unpacks it. */
static void *
ticker_main(void *arg)
{
	struct ticker *t = arg;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		(void)deadline_cond_wait_ms(&t->cv, &t->mu, 200);
		if (t->stop)
			break;
		off_t pos = lseek(t->fd, 0, SEEK_CUR);
		if (pos > 0)
			emit(t->job, IMAGE_PROGRESS_COUNT, t->layer->short_id, "Extracting", pos,
			     t->layer->desc->size);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static int
extract_layer(struct pull_job *j, struct pull_layer *l, const char *parent, struct err *e)
{
	struct store_layer_opts o = {
		.parent_chain = parent, .expected_diff_id = l->diff_id,
		.source_digest = l->desc->digest, .source_repo = j->repo_name,
	};
	struct ticker t = { .job = j, .layer = l };
	_cleanup_close_ int fd = -1;
	pthread_t th;
	bool ticking;
	int r;

	/* A concurrent pull may have created it meanwhile. */
	if (store_layer_get(j->im->store, l->chain_id, true, NULL, NULL) == 0) {
		l->held = true;
		return 0;
	}
	if (l->pending) {
		r = store_layer_commit(j->im->store, TAKE_PTR(l->pending), &o, NULL, e);
		if (r < 0)
			return err_prefix(e, "failed to register layer");
		l->held = true;
		emit(j, IMAGE_PROGRESS_COUNT, l->short_id, "Extracting", l->desc->size,
		     l->desc->size);
		return 0;
	}
	fd = store_blob_open(j->im->store, l->desc->digest, e);
	if (fd < 0)
		return fd;
	t.fd = fd;
	pthread_mutex_init(&t.mu, NULL);
	(void)deadline_cond_init(&t.cv);
	ticking = pthread_create(&th, NULL, ticker_main, &t) == 0;
	r = store_layer_create(j->im->store, fd, &o, NULL, e);
	if (ticking) {
		pthread_mutex_lock(&t.mu);
		t.stop = true;
		pthread_cond_signal(&t.cv);
		pthread_mutex_unlock(&t.mu);
		pthread_join(th, NULL);
	}
	pthread_cond_destroy(&t.cv);
	pthread_mutex_destroy(&t.mu);
	if (r < 0)
		return err_prefix(e, "failed to register layer");
	l->held = true;
	emit(j, IMAGE_PROGRESS_COUNT, l->short_id, "Extracting", l->desc->size, l->desc->size);
	return 0;
}

/* Waits for layer @l's download, then unpacks it. */
static int
complete_layer(struct pull_job *j, struct pull_layer *l, const char *parent, struct err *e)
{
	int r;

	pthread_mutex_lock(&j->mu);
	while (l->state != DL_DONE && l->state != DL_FAILED)
		pthread_cond_wait(&j->cv, &j->mu);
	r = l->state == DL_FAILED ? err_copy(e, &l->err) : 0;
	/* Cancelled because another layer failed: report that layer's cause,
	 * as dockerd does ("filesystem layer verification failed ..."). */
	for (size_t i = 0; r == -ECANCELED && i < j->n_layers; i++)
		if (j->layers[i].state == DL_FAILED && j->layers[i].err.code != -ECANCELED)
			r = err_copy(e, &j->layers[i].err);
	pthread_mutex_unlock(&j->mu);
	if (r < 0)
		return r;
	r = extract_layer(j, l, parent, e);
	if (r == 0)
		emit(j, IMAGE_PROGRESS_STATUS, l->short_id, "Pull complete", 0, 0);
	return r;
}

/* Starts the workers, publishes the layers in order, stops the workers. */
static int
pull_layers(struct pull_job *j, struct err *e)
{
	size_t slots = j->im->downloads.max, nth = 0, queued = 0, workers;
	_cleanup_free_ pthread_t *th = NULL;
	int r = 0;

	for (size_t i = 0; i < j->n_layers; i++) {
		struct pull_layer *l = &j->layers[i];
		if (store_layer_get(j->im->store, l->chain_id, true, NULL, NULL) == 0) {
			l->held = true;
			l->state = DL_DONE;
			emit(j, IMAGE_PROGRESS_STATUS, l->short_id, "Already exists", 0, 0);
			continue;
		}
		l->state = DL_PENDING;
		emit(j, IMAGE_PROGRESS_STATUS, l->short_id, "Pulling fs layer", 0, 0);
	}
	for (size_t i = 0; i < j->n_layers; i++)
		if (j->layers[i].state == DL_PENDING && ++queued > slots)
			emit(j, IMAGE_PROGRESS_STATUS, j->layers[i].short_id, "Waiting", 0, 0);
	/* More workers than download slots: a worker that unpacks the layer
	 * it fetched has given its slot back, so the next layer downloads
	 * meanwhile (the slots, not the workers, bound the downloads). */
	workers = slots > PULL_MAX_WORKERS ? slots : PULL_MAX_WORKERS;
	th = xcalloc(workers, sizeof(*th));
	for (size_t k = 0; k < workers && k < queued; k++)
		if (pthread_create(&th[nth], NULL, worker_main, j) == 0)
			nth++;
	if (queued > 0 && nth == 0)
		return err_set(e, -EAGAIN, "cannot start download threads");
	for (size_t i = 0; i < j->n_layers && r == 0; i++) {
		struct pull_layer *l = &j->layers[i];
		if (l->held)
			continue;
		r = complete_layer(j, l, i ? j->layers[i - 1].chain_id : NULL, e);
	}
	if (r < 0)
		atomic_store(&j->cancel, true);
	for (size_t k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	return r;
}

/* ---- manifest and config ----------------------------------------------- */

/* Fetches the manifest for @ref, narrowing an index; *@ret_digest is what the tag names. */
static int
fetch_manifest(struct pull_job *j, const struct reference *ref, const char *display,
	       struct manifest **ret, char ret_digest[DIGEST_STR_LEN + 1], struct err *e)
{
	struct registry_manifest_reply reply = {0};
	struct manifest_platform want = {0};
	const struct manifest_entry *ent;
	_cleanup_free_ char *status = NULL;
	struct manifest *m = NULL;
	int r;

	r = registry_fetch_manifest(j->repo, ref->digest ? ref->digest : ref->tag, display, &reply,
				    e);
	if (r < 0)
		return r;
	r = manifest_parse(reply.data, reply.len, reply.media_type, display, &m, e);
	memcpy(ret_digest, reply.digest, DIGEST_STR_LEN + 1);
	registry_manifest_reply_release(&reply);
	if (r < 0)
		return r;
	status = xasprintf("Pulling from %s", reference_remote_path(ref));
	emit(j, IMAGE_PROGRESS_MESSAGE, ref->digest ? ref->digest : ref->tag, status, 0, 0);
	if (!manifest_is_index(m)) {
		*ret = m;
		return 0;
	}
	if (j->o->platform && *j->o->platform)
		r = manifest_platform_parse(j->o->platform, &want, e);
	else
		manifest_platform_host(&want);
	ent = r == 0 ? manifest_select_platform(m, &want, e) : NULL;
	if (j->o->platform && *j->o->platform)
		manifest_platform_release(&want);
	if (!ent) {
		manifest_free(m);
		return e->code ? e->code : -ENOENT;
	}
	r = registry_fetch_manifest(j->repo, ent->desc.digest, display, &reply, e);
	manifest_free(m);
	m = NULL;
	if (r < 0)
		return r;
	r = manifest_parse(reply.data, reply.len, reply.media_type, display, &m, e);
	registry_manifest_reply_release(&reply);
	if (r == 0 && manifest_is_index(m)) {
		manifest_free(m);
		return err_set(e, -EINVAL, "%s: nested manifest lists are not supported", display);
	}
	if (r == 0)
		*ret = m;
	return r;
}

static int
prepare_layers(struct pull_job *j, const struct manifest *m, const char *config, size_t len,
	       struct err *e)
{
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	int r;

	r = image_config_chain(config, len, &diffs, &chains, e);
	if (r < 0)
		return r;
	if (strv_len(diffs) != m->n_layers)
		return err_set(e, -EINVAL,
			       "invalid image: the config names %zu layers, the manifest %zu",
			       strv_len(diffs), m->n_layers);
	j->n_layers = m->n_layers;
	j->layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*j->layers));
	for (size_t i = 0; i < m->n_layers; i++) {
		struct pull_layer *l = &j->layers[i];
		l->desc = &m->layers[i];
		snprintf(l->short_id, sizeof(l->short_id), "%.12s", m->layers[i].digest + 7);
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", diffs[i]);
		snprintf(l->chain_id, sizeof(l->chain_id), "%s", chains[i]);
		/* From here until the layer that names it exists, only this
		 * pull keeps the blob: a concurrent rmi's collection must not
		 * take it between download and unpack. */
		store_blob_pin(j->im->store, l->desc->digest);
	}
	return 0;
}

static void
release_layers(struct pull_job *j)
{
	for (size_t i = 0; i < j->n_layers; i++) {
		if (j->layers[i].held)
			store_layer_release(j->im->store, j->layers[i].chain_id);
		store_layer_pending_free(j->layers[i].pending);
		store_blob_unpin(j->im->store, j->layers[i].desc->digest);
	}
	free(j->layers);
	j->layers = NULL;
	j->n_layers = 0;
}

/* ---- the pull ---------------------------------------------------------- */

/* Points the tag (or digest) and the repository digest at @id. */
static int
record_refs(struct pull_job *j, const struct reference *ref, const char *id,
	    const char *repo_digest, bool *ret_moved, struct err *e)
{
	struct reference dref = REFERENCE_INIT;
	_cleanup_free_ char *familiar = reference_familiar(ref);
	char old[DIGEST_STR_LEN + 1];
	int r;

	*ret_moved = store_image_resolve(j->im->store, familiar, old, NULL) < 0 ||
		     strcmp(old, id) != 0;
	r = store_image_tag(j->im->store, id, ref, e);
	if (r < 0 || !ref->tag)
		return r;
	reference_copy(ref, &dref);
	free(dref.tag);
	dref.tag = NULL;
	free(dref.digest);
	dref.digest = xstrdup(repo_digest);
	r = store_image_tag(j->im->store, id, &dref, e);
	reference_release(&dref);
	return r;
}

/*
 * Pulls one tag or digest. *@ret_new (optional) tells whether anything
 * changed (layers downloaded or the reference moved); without it the
 * "Status:" line is emitted here (single-reference pulls).
 */
static int
pull_ref(struct pull_job *j, const struct reference *ref, bool *ret_new, struct err *e)
{
	_cleanup_free_ char *display = reference_familiar(ref);
	_cleanup_free_ char *config = NULL;
	_cleanup_free_ char *status = NULL;
	struct manifest *m = NULL;
	char top_digest[DIGEST_STR_LEN + 1], id[DIGEST_STR_LEN + 1], hex[DIGEST_HEX_LEN + 1];
	size_t len = 0;
	bool have, moved = false;
	int r;

	r = fetch_manifest(j, ref, display, &m, top_digest, e);
	if (r < 0)
		return r;
	r = registry_blob_fetch_buf(j->repo, m->config.digest, m->config.size, LIMIT_CONFIG_BYTES,
				    &config, &len, e);
	if (r < 0)
		goto out;
	sha256_hex(config, len, hex);
	snprintf(id, sizeof(id), "sha256:%s", hex);
	have = store_image_resolve(j->im->store, id, (char[DIGEST_STR_LEN + 1]){0}, NULL) == 0;
	if (!have) {
		r = prepare_layers(j, m, config, len, e);
		if (r == 0)
			r = pull_layers(j, e);
		if (r == 0)
			r = store_image_commit(j->im->store, config, len, NULL, NULL, e);
	}
	if (r == 0)
		r = record_refs(j, ref, id, top_digest, &moved, e);
	release_layers(j);
	if (r < 0) {
		/* A failed pull leaves nothing behind: the layers it unpacked and
		 * the blobs it fetched go, unless another image or pull uses them. */
		if (!have)
			(void)store_gc(j->im->store, NULL, NULL);
		goto out;
	}
	status = xasprintf("Digest: %s", top_digest);
	emit(j, IMAGE_PROGRESS_MESSAGE, NULL, status, 0, 0);
	if (ret_new) {
		*ret_new = !have || moved;
	} else {
		status = mfree(status);
		status = xasprintf("Status: %s for %s",
				   !have || moved ? "Downloaded newer image" : "Image is up to date",
				   display);
		emit(j, IMAGE_PROGRESS_MESSAGE, NULL, status, 0, 0);
	}
	{
		_cleanup_free_ char *name = reference_familiar_name(ref);
		image_event(j->im, "pull", display, name);
	}
out:
	manifest_free(m);
	return r;
}

/* docker pull -a: every tag the registry lists, then one status line. */
static int
pull_all_tags(struct pull_job *j, const struct reference *name, struct err *e)
{
	_cleanup_strv_ char **tags = NULL;
	_cleanup_free_ char *familiar = reference_familiar_name(name);
	_cleanup_free_ char *status = NULL;
	bool any_new = false;
	int r;

	r = registry_tags_list(j->repo, &tags, e);
	if (r < 0)
		return r;
	for (size_t i = 0; tags[i]; i++) {
		struct reference ref = REFERENCE_INIT;
		bool is_new = false;

		reference_copy(name, &ref);
		r = reference_set_tag(&ref, tags[i], e);
		if (r == 0)
			r = pull_ref(j, &ref, &is_new, e);
		reference_release(&ref);
		if (r < 0)
			return r;
		any_new = any_new || is_new;
	}
	status = xasprintf("Status: %s for %s",
			   any_new ? "Downloaded newer image" : "Image is up to date", familiar);
	emit(j, IMAGE_PROGRESS_MESSAGE, NULL, status, 0, 0);
	return 0;
}

int
image_pull(struct images *im, const struct image_pull_opts *o, struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	_cleanup_free_ char *familiar_name = NULL;
	struct pull_job j = { .im = im, .o = o };
	int r;

	r = reference_parse(o->ref, &ref, e);
	if (r < 0)
		return r;
	if (o->all_tags && (ref.tag || ref.digest)) {
		reference_release(&ref);
		return err_set(e, -EINVAL, "tag can't be used with --all-tags/-a");
	}
	if (!o->all_tags)
		reference_default_tag(&ref);
	if (ref.tag && ref.digest) {
		/* name:tag@digest: the digest decides, as in dockerd. */
		free(ref.tag);
		ref.tag = NULL;
	}
	familiar_name = reference_familiar_name(&ref);
	j.repo_name = reference_name(&ref);
	pthread_mutex_init(&j.mu, NULL);
	pthread_mutex_init(&j.pmu, NULL);
	pthread_cond_init(&j.cv, NULL);
	r = registry_repo_open(im->registry, ref.domain, ref.path, familiar_name, o->auth, 0,
			       &j.repo, e);
	if (r == 0)
		r = o->all_tags ? pull_all_tags(&j, &ref, e) : pull_ref(&j, &ref, NULL, e);
	registry_repo_close(j.repo);
	pthread_cond_destroy(&j.cv);
	pthread_mutex_destroy(&j.pmu);
	pthread_mutex_destroy(&j.mu);
	free(j.repo_name);
	reference_release(&ref);
	return r;
}
