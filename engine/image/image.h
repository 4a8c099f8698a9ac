/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image side of the engine, on top of the store (engine/store) and the
 * registry client (engine/registry): pull with parallel, verified,
 * de-duplicated downloads; push; save and load of image archives; import of
 * a root file system tarball; history; removal and pruning with container
 * usage; image events. No HTTP and no Docker wire names: progress is handed
 * to the caller as engine-level events (layer id, status text, counts) that
 * api/ renders as dockerd's JSON lines.
 *
 * State: struct images is opened by engine.c with the handles it works on
 * (store, registry client, event bus, temp dir) and holds the table of blob
 * downloads in flight (so two pulls needing the same blob fetch it once)
 * and the prune guard. Which containers use an image is asked through a
 * callback the composition root sets (the container service answers), so
 * this service does not reach into containers. Lock order: images->mu only;
 * it is never held across I/O or callbacks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/registry/registry_creds.h"
#include "engine/store/store.h"
#include "engine/util/err.h"

struct events;
struct images;
struct registry_client;

/* What the image service works on; all borrowed, and must outlive it. */
struct images_config {
	struct store *store;
	struct registry_client *registry;	/* NULL: no pull or push */
	struct events *events;
	const char *tmp_dir;		/* copied */
	/* Daemon-wide limits (max-concurrent-downloads/-uploads); 0: dockerd's
	 * defaults, IMAGE_MAX_DOWNLOADS and IMAGE_MAX_UPLOADS. */
	unsigned max_downloads, max_uploads;
};

/*
 * Container usage of an image: the number of containers created from
 * @image_id (only running, paused or restarting ones when @running_only),
 * the first one's ID copied to @ret_container_id (65 bytes) unless NULL.
 */
typedef int (*images_users_fn)(void *ctx, const char *image_id, bool running_only,
			       char ret_container_id[65]);

/* Creates / frees the image service (engine_open / engine_close). */
struct images *images_new(const struct images_config *cfg);
void images_free(struct images *im);
/* Sets who answers "which containers use this image" (none until set). */
void images_set_users_fn(struct images *im, images_users_fn fn, void *ctx);

/* ---- progress ---------------------------------------------------------- */

enum image_progress_kind {
	IMAGE_PROGRESS_STATUS = 0,	/* state change of layer @id ("Pull complete") */
	IMAGE_PROGRESS_COUNT,		/* layer status with @current/@total bytes (-1: unknown) */
	IMAGE_PROGRESS_MESSAGE,		/* job-level text, @id optional ("Pulling from x", "Digest: ...") */
	IMAGE_PROGRESS_AUX,		/* push result: @tag, @digest, @size */
	IMAGE_PROGRESS_STREAM,		/* a line of text for the user (load) */
};

struct image_progress {
	enum image_progress_kind kind;
	const char *id;		/* 12-hex layer id, a tag, or NULL */
	const char *status;	/* "Pulling fs layer", "Digest: sha256:...", text... */
	int64_t current, total;
	const char *tag, *digest;	/* AUX */
	int64_t size;			/* AUX */
};

/*
 * Receives progress. Calls for one job are serialised (never concurrent),
 * but may come from different threads. The return value is ignored: a
 * client that went away does not stop the job (dockerd keeps pulling).
 */
typedef void (*image_progress_fn)(void *ctx, const struct image_progress *p);

/* ---- pull / push ------------------------------------------------------- */

struct image_pull_opts {
	const char *ref;		/* "name[:tag]" or "name@sha256:..." (no tag: latest) */
	bool all_tags;			/* @ref is a bare name: pull every tag (docker pull -a) */
	const char *platform;		/* "os/arch[/variant]" or NULL for the host's */
	const struct registry_creds *auth;	/* NULL: anonymous */
	image_progress_fn progress;	/* may be NULL */
	void *progress_ctx;
};

/*
 * Pulls an image: resolves the reference (an index is narrowed to the
 * platform), fetches and verifies the config, downloads the missing layers
 * (up to max-concurrent-downloads at once across the daemon, each verified before use), unpacks
 * them in order, commits the image and points the tag (or digest) and the
 * repository digest at it. Progress follows dockerd's pull stream. Before
 * the first progress event, errors carry dockerd's wording for an HTTP
 * status (-ENOENT "manifest for X not found: ...", "pull access denied
 * ..."); after it the caller reports them in-band. On failure no image or
 * reference is stored and no layer hold is left behind.
 *
 * With @o->all_tags the repository's tags are listed (registry_tags_list)
 * and pulled one after the other, each with its "<tag>: Pulling from" and
 * "Digest:" lines, then one "Status: ... for <name>" for the whole
 * repository, as dockerd does. The first failing tag ends the pull (tags
 * pulled before it stay). -EINVAL when @o->ref carries a tag or digest.
 */
int image_pull(struct images *im, const struct image_pull_opts *o, struct err *e);

/*
 * dockerd's defaults for max-concurrent-downloads and -uploads: layers
 * fetched or pushed at once across every pull (push) of the daemon; a
 * pull runs that many download threads, and layers past the limit show
 * "Waiting" until a slot frees.
 */
#define IMAGE_MAX_DOWNLOADS 3
#define IMAGE_MAX_UPLOADS 5
/* The most either option may be set to (each slot can be a thread). */
#define IMAGE_MAX_TRANSFERS_LIMIT 256

struct image_push_opts {
	const char *name;		/* repository ("myreg:5000/app") */
	const char *tag;		/* NULL or "": every tag of the repository */
	const struct registry_creds *auth;
	image_progress_fn progress;
	void *progress_ctx;
};

/*
 * Pushes the tag(s) of repository @o->name. Layers the registry has are
 * "Layer already exists", layers known in another repository of the same
 * registry are mounted, others are uploaded from the stored compressed blob
 * or re-compressed from the layer's diff. Ends each tag with a
 * "<tag>: digest: ... size: N" status and an AUX event, and records the
 * pushed digest as a repository digest of the image. -ENOENT "An image
 * does not exist locally with the tag: <name>" (reported after the first
 * status, as dockerd does).
 */
int image_push(struct images *im, const struct image_push_opts *o, struct err *e);

/* ---- archives ---------------------------------------------------------- */

/* Output sink for save: 0 or a negative errno (stops the save). */
typedef int (*image_write_fn)(void *ctx, const void *p, size_t n);

/*
 * `docker save`: writes an uncompressed tar in moby 25's layout (OCI image
 * layout + manifest.json + repositories, uncompressed layers, fixed mtimes)
 * for @names (references, IDs; a repository name without a tag saves all
 * of its tags). Every name is resolved before anything is written, so a
 * missing image is an -ENOENT the caller can still turn into a 404.
 */
int image_save(struct images *im, const char *const *names, size_t n_names,
	       image_write_fn write, void *write_ctx, struct err *e);

/*
 * `docker load`: reads an image archive from @in_fd (tar, possibly
 * compressed) in moby 25's layout, the 20.10 layout (<v1id>/layer.tar) or a
 * plain OCI layout (skopeo, umoci). The archive is unpacked with the safe
 * extractor into a private temp dir, every blob is checked against its
 * digest or diff ID, and the images are committed and tagged. Progress
 * reports "Loading layer" (unless @quiet) and one STREAM line per image
 * ("Loaded image: x:y" / "Loaded image ID: sha256:..."). -EINVAL for a
 * malformed or hostile archive.
 */
int image_load(struct images *im, int in_fd, bool quiet, image_progress_fn progress,
	       void *progress_ctx, struct err *e);

struct image_import_opts {
	const char *repo;		/* may carry ":tag"; NULL: untagged */
	const char *tag;		/* NULL or "" */
	const char *message;		/* commit comment; NULL: "Imported from -" */
	const char *const *changes;	/* Dockerfile lines (CMD, ENV...), NULL-terminated or NULL */
	const char *platform;		/* "os/arch[/variant]" or NULL */
	const char *src;		/* the source for the default message, "-" */
};

/*
 * `docker import`: one-layer image from the root file system tarball read
 * from @in_fd (plain or compressed), with the config changes applied.
 * "sha256:<id>" in @ret_id. -EINVAL for a bad change line ("X is not a
 * valid change command"), a bad repository or archive.
 */
int image_import(struct images *im, int in_fd, const struct image_import_opts *o,
		 char ret_id[DIGEST_STR_LEN + 1], struct err *e);

/*
 * `docker import <url>`: downloads @src ("http(s)://...", or "host/path"
 * taken as http) into a temp file, bounded by LIMIT_UPLOAD_BYTES, then
 * imports it as image_import does (@o->src is replaced by the URL, so the
 * default comment is "Imported from <url>"). Progress: "Downloading from
 * <url>" then "Importing" byte counts. -EINVAL for another scheme or a
 * malformed URL, -E2BIG past the limit, -EIO "failed to GET <url> with
 * status N" for a non-2xx reply or the transport's error.
 */
int image_import_url(struct images *im, const char *src, const struct image_import_opts *o,
		     image_progress_fn progress, void *progress_ctx,
		     char ret_id[DIGEST_STR_LEN + 1], struct err *e);

/* ---- local operations -------------------------------------------------- */

struct image_history_entry {
	char *id;		/* "sha256:..." or "<missing>" */
	int64_t created;	/* Unix seconds */
	char *created_by;
	char **tags;		/* familiar "name:tag", NULL-terminated, or NULL */
	int64_t size;
	char *comment;
};

/*
 * One entry per config history[] item, newest first, IDs filled by walking
 * the Parent chain (dockerd's algorithm). Free with image_history_free.
 */
int image_history(struct images *im, const char *name, struct image_history_entry **ret,
		  size_t *ret_n, struct err *e);
void image_history_free(struct image_history_entry *v, size_t n);

/* Points @repo (with @tag, default latest) at image @source; publishes "tag". */
int image_tag(struct images *im, const char *source, const char *repo, const char *tag,
	      struct err *e);

/*
 * `docker rmi`: store_delete_image with the container registry as the usage
 * callback; publishes untag/delete events; when an image went, collects
 * the layers and blobs nothing uses any more (store_gc). @report as
 * store_delete_image.
 */
int image_remove(struct images *im, const char *name, bool force, bool noprune,
		 struct store_delete_report *report, struct err *e);

/* Number of containers using image @id ("sha256:..."). */
int image_containers_using(struct images *im, const char *id);

/* Prune filter: true keeps the image out of the prune (until, label...). */
typedef bool (*image_prune_keep_fn)(void *ctx, const struct store_image_summary *img);

/*
 * `docker image prune`: removes dangling images (@all: every image no
 * container uses), skipping those @keep says to keep. -EBUSY "a prune
 * operation is already running" when another prune is in progress.
 * Then collects every unused layer and blob (store_gc), also those no
 * image has used for long; report->reclaimed counts the removed layers'
 * unpacked bytes plus the blobs' bytes.
 * Publishes delete/untag events and a "prune" event.
 */
int image_prune(struct images *im, bool all, image_prune_keep_fn keep, void *keep_ctx,
		struct store_delete_report *report, struct err *e);

/*
 * The diff IDs and chain IDs (bottom first, NULL-terminated, caller frees
 * with strv_free) of image config @config. Either output may be NULL.
 * -EINVAL for a config without valid rootfs.diff_ids.
 */
int image_config_chain(const void *config, size_t len, char ***ret_diffs, char ***ret_chains,
		       struct err *e);

/* Publishes an image event (type "image") with attributes {"name": @name}. */
void image_event(struct images *im, const char *action, const char *actor, const char *name);
