/* SPDX-License-Identifier: Apache-2.0 */
/* GET /distribution/{name}/json: see distribution.h. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/image/image_internal.h"
#include "engine/image/distribution.h"
#include "engine/reference.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_blob.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
add_platform(struct image_dist_info *info, const struct manifest_platform *p, char **features)
{
	struct image_dist_platform *d;

	info->platforms = xrealloc(info->platforms,
				   (info->n_platforms + 1) * sizeof(*info->platforms));
	d = &info->platforms[info->n_platforms++];
	*d = (struct image_dist_platform){
		.p = {.os = dup_or_null(p->os),
		      .architecture = dup_or_null(p->architecture),
		      .variant = dup_or_null(p->variant),
		      .os_version = dup_or_null(p->os_version)},
		.os_features = features,
	};
}

/* An image manifest: the platform its config names (when it names one). */
static int
config_platform(struct registry_repo *repo, const struct manifest *m, struct image_dist_info *info)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	struct err ignored = ERR_INIT;
	struct manifest_platform p = {0};
	char **features = NULL;
	size_t len = 0;

	/* dockerd leaves Platforms empty when the config cannot be read. */
	if (registry_blob_fetch_buf(repo, m->config.digest, m->config.size, LIMIT_CONFIG_BYTES,
				    &data, &len, &ignored) < 0)
		return 0;
	cfg = json_loadb(data, len, 0, NULL);
	p.os = (char *)json_string_value(json_object_get(cfg, "os"));
	p.architecture = (char *)json_string_value(json_object_get(cfg, "architecture"));
	p.variant = (char *)json_string_value(json_object_get(cfg, "variant"));
	p.os_version = (char *)json_string_value(json_object_get(cfg, "os.version"));
	if ((!p.os || !*p.os) && (!p.architecture || !*p.architecture))
		return 0;
	(void)strv_from_json(json_object_get(cfg, "os.features"), &features);
	add_platform(info, &p, features);
	return 0;
}

int
image_distribution_inspect(struct images *im, const char *name, const struct registry_creds *auth,
			   struct image_dist_info *ret, struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	struct registry_manifest_reply reply = {0};
	struct image_dist_info info = {0};
	struct registry_repo *repo = NULL;
	struct manifest *m = NULL;
	_cleanup_free_ char *familiar = NULL, *display = NULL, *mt = NULL;
	char hex[DIGEST_HEX_LEN + 1];
	int64_t size = 0;
	int r;

	if (reference_is_full_id(name, hex))
		return err_set(e, -EIO, "no manifest found for full image ID");
	r = reference_parse(name, &ref, e);
	if (r < 0)
		return r;
	if (!ref.digest)
		reference_default_tag(&ref);
	familiar = reference_familiar_name(&ref);
	display = reference_familiar(&ref);
	r = registry_repo_open(im->registry, ref.domain, ref.path, familiar, auth, 0, &repo, e);
	if (r == 0 && ref.digest) {
		memcpy(info.digest, ref.digest, sizeof(info.digest));
	} else if (r == 0) {
		r = registry_resolve(repo, ref.tag, display, info.digest, &mt, &size, e);
		info.size = size;
	}
	if (r == 0)
		r = registry_fetch_manifest(repo, info.digest, display, &reply, e);
	if (r == 0)
		r = manifest_parse(reply.data, reply.len, reply.media_type, display, &m, e);
	if (r == 0) {
		/* The manifest's own media type wins over what the registry said. */
		info.media_type = xstrdup(m->media_type);
		if (info.size == 0)
			info.size = (int64_t)reply.len;
		if (manifest_is_index(m)) {
			for (size_t i = 0; i < m->n_entries; i++)
				add_platform(&info, &m->entries[i].platform, NULL);
		} else {
			r = config_platform(repo, m, &info);
		}
	}
	manifest_free(m);
	registry_manifest_reply_release(&reply);
	registry_repo_close(repo);
	reference_release(&ref);
	if (r < 0) {
		image_dist_info_release(&info);
		return r;
	}
	*ret = info;
	return 0;
}

void
image_dist_info_release(struct image_dist_info *i)
{
	if (!i)
		return;
	free(i->media_type);
	for (size_t k = 0; k < i->n_platforms; k++) {
		manifest_platform_release(&i->platforms[k].p);
		strv_free(i->platforms[k].os_features);
	}
	free(i->platforms);
	*i = (struct image_dist_info){0};
}
