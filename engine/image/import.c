/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker import`: a root file system tarball becomes a one-layer image.
 * The input is kept as a blob (so save and push hand out the same bytes),
 * unpacked by the store's safe extractor, and described by a config built
 * the way dockerd's import does (comment, created, history entry) with the
 * `changes` lines applied by dfconfig_apply_changes (the builder's own
 * config applier, engine/dockerfile/dfconfig.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/dockerfile/dfconfig.h"
#include "engine/image/image_internal.h"
#include "engine/reference.h"
#include "engine/registry/manifest.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

static int
build_config(const struct image_import_opts *o, const char *diff_id, char **ret, struct err *e)
{
	_cleanup_json_ json_t *cfg = json_object(), *top = NULL;
	_cleanup_free_ char *msg = NULL;
	struct manifest_platform plat = {0};
	char created[TIME_STR_MAX];
	int r;

	r = dfconfig_apply_changes(cfg, (const char *const *)o->changes, e);
	if (r < 0)
		return r;
	if (o->platform && *o->platform) {
		r = manifest_platform_parse(o->platform, &plat, e);
		if (r < 0)
			return r;
	}
	msg = o->message && *o->message ? xstrdup(o->message)
					: xasprintf("Imported from %s", o->src ? o->src : "-");
	time_format_rfc3339nano(time_now_ns(), created);
	top = json_pack("{s:s,s:s,s:s,s:O,s:s,s:s,s:{s:s,s:[s]},s:[{s:s,s:s}]}", "architecture",
			plat.architecture ? plat.architecture : image_host_arch(), "comment", msg,
			"created", created, "config", cfg, "docker_version", "berth", "os",
			plat.os ? plat.os : "linux", "rootfs", "type", "layers", "diff_ids",
			diff_id, "history", "created", created, "comment", msg);
	if (top && plat.variant)
		json_object_set_new(top, "variant", json_string(plat.variant));
	manifest_platform_release(&plat);
	*ret = top ? json_dumps(top, JSON_COMPACT) : NULL;
	if (!*ret)
		return err_set(e, -EINVAL, "cannot encode the image config (invalid UTF-8?)");
	return 0;
}

static int
tag_import(struct images *im, const struct image_import_opts *o, const char *id, char **ret_name,
	   struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	int r;

	r = reference_parse(o->repo, &ref, e);
	if (r == 0 && ref.digest)
		r = err_set(e, -EINVAL, "cannot import digest reference");
	if (r == 0 && o->tag && *o->tag)
		r = reference_set_tag(&ref, o->tag, e);
	if (r == 0) {
		reference_default_tag(&ref);
		r = store_image_tag(im->store, id, &ref, e);
	}
	if (r == 0)
		*ret_name = reference_familiar(&ref);
	reference_release(&ref);
	return r;
}

/*
 * dockerd's words for input that is no tar in any compression: Go's
 * archive/tar reads a 512-byte header block first, so a shorter stream is
 * "unexpected EOF" and a longer one an invalid header.
 */
static int
not_a_tar(off_t size, struct err *e)
{
	if (size < 512)
		return err_set(e, -EINVAL, "unexpected EOF");
	return err_set(e, -EINVAL, "archive/tar: invalid tar header");
}

int
image_import(struct images *im, int in_fd, const struct image_import_opts *o,
	     char ret_id[DIGEST_STR_LEN + 1], struct err *e)
{
	struct store_layer_info li = {0};
	_cleanup_free_ char *config = NULL, *name = NULL;
	_cleanup_close_ int fd = -1;
	char raw[DIGEST_STR_LEN + 1], id[DIGEST_STR_LEN + 1];
	off_t raw_size = 0;
	struct stat st;
	int r;

	if (o->repo && *o->repo) {
		/* Check the name before reading gigabytes. */
		struct reference ref = REFERENCE_INIT;
		r = reference_parse(o->repo, &ref, e);
		reference_release(&ref);
		if (r < 0)
			return r;
	}
	r = store_blob_ingest_pinned(im->store, in_fd, 0, raw, e);
	if (r < 0)
		return r;
	fd = store_blob_open(im->store, raw, e);
	if (fd >= 0 && fstat(fd, &st) == 0)
		raw_size = st.st_size;
	r = fd < 0 ? fd
		   : store_layer_create(im->store, fd,
					&(struct store_layer_opts){.source_digest = raw,
								   .source_repo = ""},
					&li, e);
	/* The layer names the blob now; a refused archive leaves it to collection. */
	store_blob_unpin(im->store, raw);
	if (fd < 0)
		return fd;
	if (r < 0 && r == -EINVAL && strstr(e->msg, "Unrecognized archive format"))
		return not_a_tar(raw_size, e);
	if (r < 0)
		return err_prefix(e, "invalid archive");
	r = build_config(o, li.diff_id, &config, e);
	if (r == 0)
		r = store_image_commit(im->store, config, strlen(config), NULL, id, e);
	if (r == 0 && o->repo && *o->repo)
		r = tag_import(im, o, id, &name, e);
	store_layer_release(im->store, li.chain_id);
	if (r < 0)
		return r;
	image_event(im, "import", id, name ? name : id);
	memcpy(ret_id, id, sizeof(id));
	return 0;
}
