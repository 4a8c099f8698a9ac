/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests and indexes as a registry (or `docker load`'s OCI layout)
 * serves them (engine/registry/manifest.c): parsed with each Content-Type a
 * registry may send, then platform selection for the host and a few
 * --platform values; the input also goes through the --platform parser.
 */
#include "config.h"

#include "engine/registry/manifest.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

static void
select_all(const struct manifest *m)
{
	static const char *const specs[] = {"linux/arm64", "linux/arm/v6", "windows/amd64", NULL};
	struct manifest_platform host, want;
	struct err e = ERR_INIT;

	manifest_platform_host(&host);
	(void)manifest_select_platform(m, &host, &e);
	for (size_t i = 0; specs[i]; i++) {
		if (manifest_platform_parse(specs[i], &want, &e) < 0)
			abort(); /* fixed, valid specs */
		(void)manifest_select_platform(m, &want, &e);
		manifest_platform_release(&want);
	}
}

FUZZ_TARGET(manifest)
{
	static const char *const types[] = {NULL, "application/json", MT_OCI_INDEX,
					    MT_DOCKER_MANIFEST, MT_DOCKER_SCHEMA1_SIGNED};
	_cleanup_free_ char *s = fuzz_str(data, size);
	struct manifest_platform p;
	struct err e = ERR_INIT;
	char text[128];

	fuzz_quiet();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct manifest *m = NULL;
		if (manifest_parse(data, size, types[i], "fuzz:latest", &m, &e) < 0)
			continue;
		(void)manifest_is_index(m);
		for (size_t k = 0; k < m->n_layers; k++)
			(void)manifest_layer_compression(m->layers[k].media_type);
		if (manifest_is_index(m))
			select_all(m);
		manifest_free(m);
	}
	if (manifest_platform_parse(s, &p, &e) == 0) {
		manifest_platform_format(&p, text, sizeof(text));
		manifest_platform_release(&p);
	}
	return 0;
}
