/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker save`: an uncompressed tar in moby 25's layout, which is an OCI
 * image layout (oci-layout, index.json, blobs/sha256/...) plus dockerd's
 * compatibility files (manifest.json, repositories), so both dockerd of
 * any version and OCI tools can read it. Layers are the exact uncompressed
 * tars (their digest is the diff ID), so image IDs survive save | load.
 * Every entry gets mtime 0 and owner 0:0: saving twice gives the same bytes.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/registry/manifest.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define IO_BUF (128u * 1024)

struct save_img {
	char id[DIGEST_STR_LEN + 1];
	char **tags;		/* reference_canonical "docker.io/library/x:tag" */
};

struct save {
	struct images *im;
	struct archive *a;
	image_write_fn write;
	void *write_ctx;
	int write_err;
	struct save_img *imgs;
	size_t n;
	char **written;		/* blob digests already in the archive */
};

static la_ssize_t
out_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct save *s = ctx;
	int r = s->write(s->write_ctx, p, n);

	if (r < 0) {
		s->write_err = r;
		archive_set_error(a, -r, "write failed");
		return -1;
	}
	return (la_ssize_t)n;
}

static struct save_img *
add_image(struct save *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->imgs[i].id, id) == 0)
			return &s->imgs[i];
	s->imgs = xrealloc(s->imgs, (s->n + 1) * sizeof(*s->imgs));
	memset(&s->imgs[s->n], 0, sizeof(*s->imgs));
	snprintf(s->imgs[s->n].id, DIGEST_STR_LEN + 1, "%s", id);
	s->imgs[s->n].tags = xcalloc(1, sizeof(char *));
	return &s->imgs[s->n++];
}

/* A bare repository name saves all of its tags (as dockerd does). */
static int
add_repo_tags(struct save *s, const struct reference *repo)
{
	struct store_image_summary *list = NULL;
	size_t n = 0;
	int found = 0;

	if (store_image_list(s->im->store, &list, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		for (char **t = list[i].repo_tags; *t; t++) {
			struct reference r = REFERENCE_INIT;
			if (reference_parse(*t, &r, NULL) == 0 && reference_same_repo(&r, repo)) {
				_cleanup_free_ char *c = reference_canonical(&r);
				struct save_img *img = add_image(s, list[i].id);
				if (!strv_contains(img->tags, c))
					strv_append(&img->tags, c);
				found++;
			}
			reference_release(&r);
		}
	store_image_summaries_free(list, n);
	return found;
}

static int
resolve_names(struct save *s, const char *const *names, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct reference ref = REFERENCE_INIT;
		char id[DIGEST_STR_LEN + 1];
		bool is_ref = reference_parse(names[i], &ref, NULL) == 0 &&
			      !reference_is_id_prefix(names[i], NULL);
		int r;

		if (is_ref && !ref.tag && !ref.digest && add_repo_tags(s, &ref) > 0) {
			reference_release(&ref);
			continue;
		}
		r = store_image_resolve(s->im->store, names[i], id, e);
		if (r < 0) {
			reference_release(&ref);
			return r;
		}
		struct save_img *img = add_image(s, id);
		if (is_ref && !ref.digest) {
			_cleanup_free_ char *c = NULL;
			reference_default_tag(&ref);
			c = reference_canonical(&ref);
			if (!strv_contains(img->tags, c))
				strv_append(&img->tags, c);
		}
		reference_release(&ref);
	}
	return 0;
}

/* ---- tar entries ------------------------------------------------------- */

static int
put_header(struct save *s, const char *path, mode_t type, int64_t size, struct err *e)
{
	struct archive_entry *ent = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(ent, path);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(ent, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(ent, 0, 0);
	if (archive_write_header(s->a, ent) != ARCHIVE_OK)
		r = err_set(e, s->write_err ? s->write_err : -EIO, "cannot write '%s': %s", path,
			    archive_error_string(s->a));
	archive_entry_free(ent);
	return r;
}

static int
put_data(struct save *s, const char *path, const void *p, size_t n, struct err *e)
{
	int r = put_header(s, path, AE_IFREG, (int64_t)n, e);

	if (r == 0 && n > 0 && archive_write_data(s->a, p, n) != (la_ssize_t)n)
		r = err_set(e, s->write_err ? s->write_err : -EIO, "cannot write '%s'", path);
	return r;
}

static int
put_json(struct save *s, const char *path, json_t *j, struct err *e)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!text)
		return err_set(e, -ENOMEM, "cannot encode '%s'", path);
	return put_data(s, path, text, strlen(text), e);
}

static int
put_fd(struct save *s, const char *path, int fd, uint64_t size, struct err *e)
{
	_cleanup_free_ char *buf = xmalloc(IO_BUF);
	uint64_t left = size;
	int r = put_header(s, path, AE_IFREG, (int64_t)size, e);

	while (r == 0 && left > 0) {
		ssize_t n = read(fd, buf, left < IO_BUF ? left : IO_BUF);
		if (n <= 0)
			return err_errno(e, n < 0 ? -errno : -EIO, "cannot read layer for '%s'", path);
		if (archive_write_data(s->a, buf, (size_t)n) != n)
			return err_set(e, s->write_err ? s->write_err : -EIO, "cannot write '%s'",
				       path);
		left -= (uint64_t)n;
	}
	return r;
}

static bool
already_written(struct save *s, const char *digest)
{
	if (strv_contains(s->written, digest))
		return true;
	strv_append(&s->written, digest);
	return false;
}

/* Writes one image's blobs; appends its manifest.json and index.json entries. */
static int
save_image(struct save *s, const struct save_img *img, json_t *manifests, json_t *index,
	   json_t *repos, struct err *e)
{
	_cleanup_buf_ struct buf config = BUF_INIT;
	_cleanup_strv_ char **diffs = NULL;
	_cleanup_strv_ char **chains = NULL;
	_cleanup_free_ char *path = xasprintf("blobs/sha256/%s", img->id + 7);
	_cleanup_free_ char *mtext = NULL;
	json_t *layers = json_array(), *oci_layers = json_array(), *tags = json_array();
	char mhex[DIGEST_HEX_LEN + 1];
	int r;

	r = store_image_get(s->im->store, img->id, NULL, &config, e);
	if (r == 0)
		r = image_config_chain(config.data, config.len, &diffs, &chains, e);
	if (r == 0 && !already_written(s, img->id))
		r = put_data(s, path, config.data, config.len, e);
	for (size_t i = 0; r == 0 && diffs[i]; i++) {
		_cleanup_free_ char *lp = xasprintf("blobs/sha256/%s", diffs[i] + 7);
		_cleanup_close_ int fd = -1;
		uint64_t size = 0;
		fd = image_layer_tar(s->im, chains[i], diffs[i], &size, e);
		if (fd < 0) {
			r = fd;
			break;
		}
		if (!already_written(s, diffs[i]))
			r = put_fd(s, lp, fd, size, e);
		json_array_append_new(layers, json_string(lp));
		json_array_append_new(oci_layers, json_pack("{s:s,s:s,s:I}", "mediaType",
							    MT_OCI_LAYER_TAR, "digest", diffs[i],
							    "size", (json_int_t)size));
	}
	_cleanup_json_ json_t *m = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:O}", "schemaVersion", 2,
					     "mediaType", MT_OCI_MANIFEST, "config", "mediaType",
					     MT_OCI_CONFIG, "digest", img->id, "size",
					     (json_int_t)config.len, "layers", oci_layers);
	mtext = m ? json_dumps(m, JSON_COMPACT) : NULL;
	if (r == 0 && mtext) {
		_cleanup_free_ char *mp = NULL;
		char md[DIGEST_STR_LEN + 1];
		sha256_hex(mtext, strlen(mtext), mhex);
		snprintf(md, sizeof(md), "sha256:%s", mhex);
		mp = xasprintf("blobs/sha256/%s", mhex);
		if (!already_written(s, md))
			r = put_data(s, mp, mtext, strlen(mtext), e);
		for (size_t t = 0; img->tags[t]; t++) {
			struct reference ref = REFERENCE_INIT;
			_cleanup_free_ char *fam = NULL, *fname = NULL;
			if (reference_parse(img->tags[t], &ref, NULL) < 0)
				continue;
			fam = reference_familiar(&ref);
			fname = reference_familiar_name(&ref);
			json_array_append_new(tags, json_string(fam));
			json_array_append_new(index, json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}",
				"mediaType", MT_OCI_MANIFEST, "digest", md, "size",
				(json_int_t)strlen(mtext), "annotations", "io.containerd.image.name",
				img->tags[t], "org.opencontainers.image.ref.name", ref.tag));
			if (!json_object_get(repos, fname))
				json_object_set_new(repos, fname, json_object());
			if (diffs[0])
				json_object_set_new(json_object_get(repos, fname), ref.tag,
						    json_string(diffs[strv_len(diffs) - 1] + 7));
			reference_release(&ref);
		}
		if (!img->tags[0])
			json_array_append_new(index, json_pack("{s:s,s:s,s:I}", "mediaType",
							       MT_OCI_MANIFEST, "digest", md, "size",
							       (json_int_t)strlen(mtext)));
	}
	json_array_append_new(manifests, json_pack("{s:s,s:o,s:o}", "Config", path, "RepoTags",
						   tags, "Layers", layers));
	json_decref(oci_layers);
	return r;
}

static int
save_all(struct save *s, struct err *e)
{
	json_t *manifests = json_array(), *index = json_array(), *repos = json_object();
	int r;

	r = put_header(s, "blobs", AE_IFDIR, 0, e);
	if (r == 0)
		r = put_header(s, "blobs/sha256", AE_IFDIR, 0, e);
	for (size_t i = 0; r == 0 && i < s->n; i++)
		r = save_image(s, &s->imgs[i], manifests, index, repos, e);
	if (r == 0)
		r = put_json(s, "index.json", json_pack("{s:i,s:s,s:O}", "schemaVersion", 2,
							"mediaType", MT_OCI_INDEX, "manifests",
							index), e);
	if (r == 0)
		r = put_json(s, "manifest.json", json_incref(manifests), e);
	if (r == 0)
		r = put_json(s, "oci-layout", json_pack("{s:s}", "imageLayoutVersion", "1.0.0"), e);
	if (r == 0 && json_object_size(repos) > 0)
		r = put_json(s, "repositories", json_incref(repos), e);
	json_decref(manifests);
	json_decref(index);
	json_decref(repos);
	return r;
}

int
image_save(struct images *im, const char *const *names, size_t n_names, image_write_fn write,
	   void *write_ctx, struct err *e)
{
	struct save s = { .im = im, .write = write, .write_ctx = write_ctx };
	int r;

	if (n_names == 0)
		return err_set(e, -EINVAL, "no images to save");
	r = resolve_names(&s, names, n_names, e);
	if (r == 0) {
		s.a = archive_write_new();
		archive_write_set_format_pax_restricted(s.a);
		archive_write_set_bytes_in_last_block(s.a, 1);
		if (archive_write_open(s.a, &s, NULL, out_write, NULL) != ARCHIVE_OK)
			r = err_set(e, -EIO, "cannot start archive");
	}
	if (r == 0)
		r = save_all(&s, e);
	if (s.a && archive_write_close(s.a) != ARCHIVE_OK && r == 0)
		r = err_set(e, s.write_err ? s.write_err : -EIO, "cannot finish archive");
	if (s.a)
		archive_write_free(s.a);
	for (size_t i = 0; r == 0 && i < s.n; i++)
		image_event(im, "save", s.imgs[i].id, s.imgs[i].id);
	for (size_t i = 0; i < s.n; i++)
		strv_free(s.imgs[i].tags);
	free(s.imgs);
	strv_free(s.written);
	return r;
}
