/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The index files of a `docker load` archive, read before anything is
 * stored: dockerd's manifest.json (a list of {Config, Layers, RepoTags})
 * and the OCI layout's index.json (descriptors, with the image name in an
 * annotation). Only decoding and checking: load.c opens the files they name
 * (confined to the unpacked archive) and stores the images. The legacy
 * `repositories` file is not read: dockerd uses it only for pre-1.10
 * archives without manifest.json, which berth refuses.
 */
#pragma once

#include <stddef.h>

#include "engine/reference.h"
#include "engine/util/err.h"

/* One entry of manifest.json: archive paths of the config and the layers. */
struct load_entry {
	char *config;
	char **layers; /* strv, bottom layer first */
	char **tags;   /* strv, possibly empty; as written (checked at tagging) */
};

/* One image of index.json: its manifest's digest, the name it carries. */
struct load_ref {
	char *digest;
	char *name; /* NULL: none, or a bare tag with no repository */
};

/*
 * Decodes manifest.json (@len bytes of @text, not NUL-terminated) into
 * *@ret (@ret_n entries; free with load_entries_free). -EINVAL naming the
 * entry for anything but a list of objects with a string Config, a list of
 * strings Layers (at most LIMIT_IMAGE_LAYERS) and an absent, null or list
 * of strings RepoTags; at most LIMIT_MANIFEST_ENTRIES entries.
 */
int load_manifest_parse(const char *text, size_t len, struct load_entry **ret, size_t *ret_n,
			struct err *e);
void load_entries_free(struct load_entry *v, size_t n);

/*
 * Decodes index.json into *@ret (@ret_n entries; free with
 * load_refs_free): each entry's digest (a string; checked when its blob is
 * read) and name (io.containerd.image.name, else an
 * org.opencontainers.image.ref.name that has a repository). -EINVAL for no
 * "manifests" list, an entry without a digest, over LIMIT_MANIFEST_ENTRIES.
 */
int load_index_parse(const char *text, size_t len, struct load_ref **ret, size_t *ret_n,
		     struct err *e);
void load_refs_free(struct load_ref *v, size_t n);

/*
 * A RepoTags or annotation name as the tag to give a loaded image: parsed
 * as a reference with the default tag added; a digest reference is
 * refused (-EINVAL). @ret is released by the caller.
 */
int load_tag_reference(const char *name, struct reference *ret, struct err *e);
