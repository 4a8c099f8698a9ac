/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker load`'s index files (engine/image/load_manifest.c): the input is
 * read as manifest.json (dockerd's list of Config/Layers/RepoTags) and as
 * an OCI index.json, and every tag and image name either names is checked
 * as load would tag the image. What the decoders return must be whole: a
 * Config and a layer list for every entry, a digest for every image.
 */
#include "config.h"

#include <stdio.h>

#include "engine/image/load_manifest.h"
#include "engine/reference.h"
#include "tests/fuzz/fuzz.h"

static void
tag(const char *name)
{
	struct reference ref = REFERENCE_INIT;
	struct err e = ERR_INIT;
	char *fam;

	if (load_tag_reference(name, &ref, &e) < 0)
		return;
	if (!ref.tag || ref.digest)
		abort();
	fam = reference_familiar(&ref);
	free(fam);
	reference_release(&ref);
}

FUZZ_TARGET(load)
{
	struct load_entry *v = NULL;
	struct load_ref *refs = NULL;
	struct err e = ERR_INIT;
	size_t n = 0;

	fuzz_quiet();
	if (load_manifest_parse((const char *)data, size, &v, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!v[i].config || !v[i].layers || !v[i].tags)
				abort();
			for (char **t = v[i].tags; *t; t++)
				tag(*t);
		}
		load_entries_free(v, n);
	}
	err_clear(&e);
	n = 0;
	if (load_index_parse((const char *)data, size, &refs, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!refs[i].digest)
				abort();
			if (refs[i].name)
				tag(refs[i].name);
		}
		load_refs_free(refs, n);
	}
	return 0;
}
