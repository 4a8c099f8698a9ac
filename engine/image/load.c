/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker load`: the archive is unpacked by the safe extractor (no "..",
 * no absolute names, no devices, links kept inside, entry/byte limits) into
 * a private directory under the daemon's tmp dir; every file is then opened
 * with fs_open_beneath on that directory, so names in manifest.json or
 * index.json cannot reach outside it either. Formats:
 *  - manifest.json (dockerd 20.10's <v1id>/layer.tar layout and moby 25's
 *    OCI-based one): layers are checked against the config's diff IDs;
 *  - index.json only (skopeo, umoci): manifests and blobs are checked
 *    against their digests, then layers against the diff IDs.
 * Nothing is committed for an image until all of its layers are stored.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/image/image_internal.h"
#include "engine/image/load_manifest.h"
#include "engine/reference.h"
#include "engine/registry/manifest.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

struct load {
	struct images *im;
	int root;		/* the unpacked archive */
	bool quiet;
	image_progress_fn progress;
	void *progress_ctx;
	unsigned loaded;
};

static void say(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct load *l, const char *fmt, ...)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	image_emit(l->progress, l->progress_ctx, IMAGE_PROGRESS_STREAM, NULL, text.data, 0, 0);
}

/* Opens a regular file of the archive; names are confined to the archive root. */
static int
open_member(struct load *l, const char *name, struct err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!name || !*name || strlen(name) > LIMIT_ARCHIVE_PATH_LEN)
		return err_set(e, -EINVAL, "invalid archive: bad file name in manifest");
	fd = fs_open_beneath(l->root, name, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0)
		return err_set(e, -EINVAL, "invalid archive: cannot open '%s': %s", name,
			       strerror(-fd));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return err_set(e, -EINVAL, "invalid archive: '%s' is not a regular file", name);
	return TAKE_FD(fd);
}

static int
read_member(struct load *l, const char *name, size_t limit, struct buf *ret, struct err *e)
{
	_cleanup_close_ int fd = open_member(l, name, e);
	int r;

	if (fd < 0)
		return fd;
	r = buf_read_fd(ret, fd, limit);
	if (r == -E2BIG)
		return err_set(e, -E2BIG, "invalid archive: '%s' is larger than %zu bytes", name,
			       limit);
	if (r < 0)
		return err_errno(e, r, "cannot read '%s'", name);
	return 0;
}

static int
hash_fd(int fd, char ret[DIGEST_STR_LEN + 1])
{
	_cleanup_free_ char *buf = xmalloc(128 * 1024);
	struct sha256_ctx *sha = sha256_new();
	char hex[DIGEST_HEX_LEN + 1];
	ssize_t n;

	while ((n = read(fd, buf, 128 * 1024)) > 0)
		sha256_update(sha, buf, (size_t)n);
	sha256_final_hex(sha, hex); /* frees sha */
	snprintf(ret, DIGEST_STR_LEN + 1, "sha256:%s", hex);
	if (n < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* ---- committing one image ---------------------------------------------- */

/* Stores one layer on @parent and keeps its bytes as a blob for save/push. */
static int
load_layer(struct load *l, const char *name, const char *digest, const char *parent,
	   const char *diff, const char *chain, struct err *e)
{
	struct store_layer_opts o = { .parent_chain = parent, .expected_diff_id = diff };
	_cleanup_close_ int fd = -1;
	char got[DIGEST_STR_LEN + 1], sid[13];
	int r;

	if (store_layer_get(l->im->store, chain, true, NULL, NULL) == 0)
		return 0;
	fd = open_member(l, name, e);
	if (fd < 0)
		return fd;
	if (digest && (hash_fd(fd, got) < 0 || strcmp(got, digest) != 0))
		return err_set(e, -EINVAL, "invalid archive: blob '%s' does not match its digest",
			       name);
	snprintf(sid, sizeof(sid), "%.12s", diff + 7);
	if (!l->quiet)
		image_emit(l->progress, l->progress_ctx, IMAGE_PROGRESS_COUNT, sid,
			   "Loading layer", 0, lseek(fd, 0, SEEK_END));
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind '%s'", name);
	r = store_layer_create(l->im->store, fd, &o, NULL, e);
	if (r < 0)
		return err_prefix(e, "invalid archive: layer '%s'", name);
	if (lseek(fd, 0, SEEK_SET) == 0 &&
	    store_blob_ingest_pinned(l->im->store, fd, 0, got, NULL) == 0) {
		(void)store_layer_add_source(l->im->store, chain, got, "", NULL);
		store_blob_unpin(l->im->store, got);
	}
	return 0;
}

static void
tag_image(struct load *l, const char *id, const char *name)
{
	struct reference ref = REFERENCE_INIT;
	_cleanup_free_ char *fam = NULL;
	char old[DIGEST_STR_LEN + 1];
	struct err e = ERR_INIT;

	if (load_tag_reference(name, &ref, &e) < 0) {
		say(l, "invalid tag '%s' ignored: %s\n", name, e.msg);
		return;
	}
	fam = reference_familiar(&ref);
	if (store_image_resolve(l->im->store, fam, old, NULL) == 0 && strcmp(old, id) != 0)
		say(l, "The image %s already exists, renaming the old one with ID %s to empty "
		       "string\n", fam, old);
	if (store_image_tag(l->im->store, id, &ref, &e) == 0)
		say(l, "Loaded image: %s\n", fam);
	reference_release(&ref);
}

/*
 * Stores the layers named by @layers (archive paths, with their blob
 * @digests when known), commits @config and tags it with @tags.
 */
static int
load_image(struct load *l, const struct buf *config, char **layers, char **digests,
	   char **tags, struct err *e)
{
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	char id[DIGEST_STR_LEN + 1];
	size_t n = 0, held = 0;
	int r;

	r = image_config_chain(config->data, config->len, &diffs, &chains, e);
	if (r < 0)
		return err_prefix(e, "invalid archive");
	n = strv_len(diffs);
	if (n != strv_len(layers))
		return err_set(e, -EINVAL, "invalid archive: %zu layers for %zu diff IDs",
			       strv_len(layers), n);
	for (; r == 0 && held < n; held++)
		r = load_layer(l, layers[held], digests ? digests[held] : NULL,
			       held ? chains[held - 1] : NULL, diffs[held], chains[held], e);
	if (r == 0)
		r = store_image_commit(l->im->store, config->data, config->len, NULL, id, e);
	for (size_t i = 0; i < held; i++)
		store_layer_release(l->im->store, chains[i]);
	if (r < 0)
		return r;
	for (size_t i = 0; tags && tags[i]; i++)
		tag_image(l, id, tags[i]);
	if (!tags || !tags[0])
		say(l, "Loaded image ID: %s\n", id);
	image_event(l->im, "load", id, id);
	l->loaded++;
	return 0;
}

/* ---- manifest.json ----------------------------------------------------- */

static int
load_docker(struct load *l, const struct buf *text, struct err *e)
{
	struct load_entry *v = NULL;
	size_t n = 0;
	int r;

	r = load_manifest_parse(text->data, text->len, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_buf_ struct buf config = BUF_INIT;
		r = read_member(l, v[i].config, LIMIT_CONFIG_BYTES, &config, e);
		if (r == 0)
			r = load_image(l, &config, v[i].layers, NULL, v[i].tags, e);
	}
	load_entries_free(v, n);
	return r;
}

/* ---- OCI layout -------------------------------------------------------- */

/* Reads blob @digest of the layout, verified. */
static int
read_blob(struct load *l, const char *digest, size_t limit, struct buf *ret, struct err *e)
{
	_cleanup_free_ char *path = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	int r;

	if (!digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid archive: bad digest");
	path = xasprintf("blobs/sha256/%s", digest + 7);
	r = read_member(l, path, limit, ret, e);
	if (r < 0)
		return r;
	sha256_hex(ret->data, ret->len, hex);
	if (strcmp(hex, digest + 7) != 0)
		return err_set(e, -EINVAL, "invalid archive: blob %s does not match its digest",
			       digest);
	return 0;
}

/* Loads the image manifest (or, for an index, the host platform's) @desc names. */
static int
load_oci_entry(struct load *l, const char *digest, const char *name, int depth, struct err *e)
{
	_cleanup_buf_ struct buf mb = BUF_INIT, config = BUF_INIT;
	_cleanup_strv_ char **layers = NULL;
	_cleanup_strv_ char **digests = NULL;
	struct manifest *m = NULL;
	char *tags[2] = { (char *)name, NULL };
	int r;

	r = read_blob(l, digest, LIMIT_MANIFEST_BYTES, &mb, e);
	if (r == 0)
		r = manifest_parse(mb.data, mb.len, NULL, digest, &m, e);
	if (r < 0)
		return r;
	if (manifest_is_index(m)) {
		struct manifest_platform want;
		const struct manifest_entry *ent;
		manifest_platform_host(&want);
		ent = depth < 2 ? manifest_select_platform(m, &want, e) : NULL;
		r = ent ? load_oci_entry(l, ent->desc.digest, name, depth + 1, e)
			: err_set(e, -EINVAL, "invalid archive: no image for this platform");
		manifest_free(m);
		return r;
	}
	layers = xcalloc(m->n_layers + 1, sizeof(char *));
	digests = xcalloc(m->n_layers + 1, sizeof(char *));
	for (size_t i = 0; i < m->n_layers; i++) {
		layers[i] = xasprintf("blobs/sha256/%s", m->layers[i].digest + 7);
		digests[i] = xstrdup(m->layers[i].digest);
	}
	r = read_blob(l, m->config.digest, LIMIT_CONFIG_BYTES, &config, e);
	if (r == 0)
		r = load_image(l, &config, layers, digests, name ? tags : NULL, e);
	manifest_free(m);
	return r;
}

static int
load_oci(struct load *l, const struct buf *text, struct err *e)
{
	struct load_ref *v = NULL;
	size_t n = 0;
	int r;

	r = load_index_parse(text->data, text->len, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = load_oci_entry(l, v[i].digest, v[i].name, 0, e);
	load_refs_free(v, n);
	return r;
}

int
image_load(struct images *im, int in_fd, bool quiet, image_progress_fn progress,
	   void *progress_ctx, struct err *e)
{
	struct load l = { .im = im, .root = -1, .quiet = quiet, .progress = progress,
			  .progress_ctx = progress_ctx };
	struct untar_opts uo = { .whiteout = UNTAR_WHITEOUT_NONE, .flags = UNTAR_NO_CHOWN };
	_cleanup_buf_ struct buf text = BUF_INIT;
	_cleanup_free_ char *dir = NULL;
	int r;

	r = fs_mkdtemp_in(im->tmp_dir, "load-", &dir);
	if (r < 0)
		return err_errno(e, r, "cannot create a temporary directory in '%s'", im->tmp_dir);
	l.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.root < 0) {
		r = err_errno(e, -errno, "cannot open '%s'", dir);
		goto out;
	}
	r = untar_extract(in_fd, l.root, &uo, NULL, e);
	if (r < 0) {
		err_prefix(e, "invalid archive");
		r = r == -E2BIG ? r : -EINVAL;
		goto out;
	}
	if (read_member(&l, "manifest.json", LIMIT_MANIFEST_BYTES, &text, e) == 0) {
		r = load_docker(&l, &text, e);
	} else {
		err_clear(e);
		r = read_member(&l, "index.json", LIMIT_MANIFEST_BYTES, &text, e);
		if (r < 0)
			r = err_set(e, -EINVAL, "invalid archive: neither manifest.json nor "
						"index.json found");
		else
			r = load_oci(&l, &text, e);
	}
	if (r == 0 && l.loaded == 0)
		r = err_set(e, -EINVAL, "invalid archive: no images found");
out:
	safe_close(l.root);
	(void)fs_rm_rf(dir);
	return r;
}
