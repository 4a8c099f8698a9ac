/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding of `docker load`'s manifest.json and index.json (see
 * load_manifest.h). Both are client bytes: every field is type-checked and
 * counted before it is copied, and nothing here touches the store or the
 * archive's files (fuzzed by tests/fuzz/fuzz_load.c).
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/image/load_manifest.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

void
load_entries_free(struct load_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].config);
		strv_free(v[i].layers);
		strv_free(v[i].tags);
	}
	free(v);
}

void
load_refs_free(struct load_ref *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].digest);
		free(v[i].name);
	}
	free(v);
}

static int
entry_decode(json_t *m, struct load_entry *ret)
{
	json_t *jl = json_object_get(m, "Layers"), *jt = json_object_get(m, "RepoTags");
	const char *cfg = json_string_value(json_object_get(m, "Config"));
	_cleanup_strv_ char **layers = NULL;
	_cleanup_strv_ char **tags = NULL;

	if (!cfg || !json_is_array(jl) || (jt && !json_is_null(jt) && !json_is_array(jt)) ||
	    json_array_size(jl) > LIMIT_IMAGE_LAYERS)
		return -EINVAL;
	if (jsonget_strv(m, "Layers", false, &layers) < 0 ||
	    jsonget_strv(m, "RepoTags", false, &tags) < 0)
		return -EINVAL;
	/* an absent or null list reads as NULL: keep "none" one shape */
	ret->layers = layers ? TAKE_PTR(layers) : xcalloc(1, sizeof(char *));
	ret->tags = tags ? TAKE_PTR(tags) : xcalloc(1, sizeof(char *));
	ret->config = xstrdup(cfg);
	return 0;
}

int
load_manifest_parse(const char *text, size_t len, struct load_entry **ret, size_t *ret_n,
		    struct err *e)
{
	_cleanup_json_ json_t *j = json_loadb(text, len, 0, NULL);
	struct load_entry *v = NULL;
	size_t i, n;
	json_t *m;

	if (!json_is_array(j) || json_array_size(j) > LIMIT_MANIFEST_ENTRIES)
		return err_set(e, -EINVAL, "invalid archive: manifest.json is not a list");
	n = json_array_size(j);
	v = xcalloc(n + 1, sizeof(*v));
	json_array_foreach(j, i, m) {
		if (entry_decode(m, &v[i]) < 0) {
			load_entries_free(v, i);
			return err_set(e, -EINVAL, "invalid archive: bad manifest.json entry %zu",
				       i);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The reference an index entry names: a full name, or NULL for a bare tag. */
static const char *
oci_name(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	const char *ref = json_string_value(json_object_get(ann, "org.opencontainers.image.ref."
								 "name"));

	if (full)
		return full;
	/* skopeo/umoci write a bare tag ("latest"): no repository to put it in. */
	if (ref && (strchr(ref, '/') || strchr(ref, ':')))
		return ref;
	return NULL;
}

int
load_index_parse(const char *text, size_t len, struct load_ref **ret, size_t *ret_n, struct err *e)
{
	_cleanup_json_ json_t *j = json_loadb(text, len, 0, NULL);
	json_t *list = json_object_get(j, "manifests");
	struct load_ref *v = NULL;
	size_t i, n;
	json_t *d;

	if (!json_is_array(list) || json_array_size(list) > LIMIT_MANIFEST_ENTRIES)
		return err_set(e, -EINVAL, "invalid archive: index.json has no manifests");
	n = json_array_size(list);
	v = xcalloc(n + 1, sizeof(*v));
	json_array_foreach(list, i, d) {
		const char *digest = json_string_value(json_object_get(d, "digest"));
		const char *name = oci_name(d);
		if (!digest) {
			load_refs_free(v, i);
			return err_set(e, -EINVAL, "invalid archive: index.json entry %zu", i);
		}
		v[i].digest = xstrdup(digest);
		v[i].name = name ? xstrdup(name) : NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
load_tag_reference(const char *name, struct reference *ret, struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	int r;

	r = reference_parse(name, &ref, e);
	if (r < 0)
		return r;
	if (ref.digest) {
		reference_release(&ref);
		return err_set(e, -EINVAL, "a digest cannot be a tag");
	}
	reference_default_tag(&ref);
	*ret = ref;
	return 0;
}
