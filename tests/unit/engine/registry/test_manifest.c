/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/registry/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static int
parse(const char *json, const char *ct, struct manifest **m, struct err *e)
{
	return manifest_parse(json, strlen(json), ct, "img:tag", m, e);
}

Test(manifest, docker_v2_image)
{
	const char *j = "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
			"\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"size\":7023,\"digest\":\"" D1 "\"},"
			"\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER_GZIP "\",\"size\":32654,\"digest\":\"" D2 "\"},"
			"{\"mediaType\":\"" MT_DOCKER_FOREIGN_GZIP "\",\"size\":1,\"digest\":\"" D3 "\",\"urls\":[\"https://x/y\"]}]}";
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(parse(j, NULL, &m, &e), 0, "%s", e.msg);
	cr_expect_eq(m->kind, MANIFEST_DOCKER_V2);
	cr_expect_str_eq(m->config.digest, D1);
	cr_expect_eq(m->config.size, 7023);
	cr_assert_eq(m->n_layers, 2);
	cr_expect_eq(m->layers[0].compression, LAYER_GZIP);
	cr_expect_str_eq(m->layers[1].urls[0], "https://x/y");
	cr_expect_not(manifest_is_index(m));
	manifest_free(m);
}

Test(manifest, oci_without_media_type_by_shape_and_content_type)
{
	const char *img = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":2,\"digest\":\"" D1 "\"},"
			  "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"size\":3,\"digest\":\"" D2 "\"}]}";
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[]}";
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(parse(img, NULL, &m, &e), 0, "%s", e.msg);
	cr_expect_eq(m->kind, MANIFEST_OCI);
	cr_expect_eq(m->layers[0].compression, LAYER_ZSTD);
	manifest_free(m);
	cr_assert_eq(parse(idx, MT_DOCKER_LIST "; charset=utf-8", &m, &e), 0, "%s", e.msg);
	cr_expect_eq(m->kind, MANIFEST_DOCKER_LIST);
	cr_expect_eq(m->n_entries, 0);
	manifest_free(m);
}

Test(manifest, refuses_schema1_with_dockerd_message)
{
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(parse("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, &m, &e),
		     -EPROTONOSUPPORT);
	cr_expect(strstr(e.msg, "Docker Image manifest version 2, schema 1 support has been removed") != NULL);
	cr_expect(strstr(e.msg, "img:tag") != NULL);
	cr_expect_null(m);
}

Test(manifest, refuses_foreign_config_and_unknown_layer_type)
{
	const char *helm = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"size\":2,\"digest\":\"" D1 "\"},\"layers\":[]}";
	const char *lay = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":2,\"digest\":\"" D1 "\"},"
			  "\"layers\":[{\"mediaType\":\"application/x-evil\",\"size\":3,\"digest\":\"" D2 "\"}]}";
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(parse(helm, NULL, &m, &e), -EPROTONOSUPPORT);
	cr_expect_str_eq(e.msg, "Encountered remote \"application/vnd.cncf.helm.config.v1+json\"(unknown) when fetching");
	err_clear(&e);
	cr_expect_eq(parse(lay, NULL, &m, &e), -EINVAL);
	cr_expect(strstr(e.msg, "unsupported layer media type 'application/x-evil'") != NULL, "%s", e.msg);
}

Test(manifest, hostile_inputs)
{
	static const char *bad[] = {
		"", "[]", "{", "{\"schemaVersion\":\"2\"}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":-1,\"digest\":\"" D1 "\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":1,\"digest\":\"sha256:abc\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":1,\"digest\":\"" D1 "\"},\"layers\":{}}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":1,\"digest\":\"" D1 "\"},\"layers\":[7]}",
		"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":[{\"mediaType\":\"x\",\"size\":1,\"digest\":\"" D1 "\",\"platform\":[]}]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":1,\"digest\":\"" D1 "\",\"urls\":[\"file:///etc/passwd\"]},\"layers\":[]}",
		"{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/json\",\"manifests\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct manifest *m = NULL;
		struct err e = ERR_INIT;
		cr_expect_lt(parse(bad[i], NULL, &m, &e), 0, "case %zu accepted", i);
		cr_expect(e.msg[0] != '\0', "case %zu has no message", i);
		cr_expect_null(m);
	}
}

Test(manifest, too_many_layers)
{
	char *j = malloc(200000);
	size_t n = (size_t)sprintf(j, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"size\":1,\"digest\":\"" D1 "\"},\"layers\":[");
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	for (int i = 0; i < 1025; i++)
		n += (size_t)sprintf(j + n, "%s{\"mediaType\":\"" MT_OCI_LAYER_TAR "\",\"size\":1,\"digest\":\"" D2 "\"}", i ? "," : "");
	strcpy(j + n, "]}");
	cr_expect_eq(parse(j, NULL, &m, &e), -E2BIG);
	free(j);
}

static struct manifest *
index_of(const char *entries)
{
	char j[4096];
	struct manifest *m = NULL;
	struct err e = ERR_INIT;

	snprintf(j, sizeof(j), "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":[%s]}", entries);
	cr_assert_eq(parse(j, NULL, &m, &e), 0, "%s", e.msg);
	return m;
}

#define ENT(d, plat) "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"" d "\",\"platform\":" plat "}"

static const char *
pick(struct manifest *m, const char *spec, struct err *e)
{
	struct manifest_platform want = {0};
	const struct manifest_entry *ent;

	cr_assert_eq(manifest_platform_parse(spec, &want, e), 0, "%s", e->msg);
	ent = manifest_select_platform(m, &want, e);
	manifest_platform_release(&want);
	return ent ? ent->desc.digest : NULL;
}

Test(manifest, platform_selection)
{
	struct manifest *m = index_of(
		ENT(D1, "{\"os\":\"linux\",\"architecture\":\"amd64\"}") ","
		ENT(D2, "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}") ","
		ENT(D3, "{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}"));
	struct err e = ERR_INIT;

	cr_expect_str_eq(pick(m, "linux/x86_64", &e), D1);
	cr_expect_str_eq(pick(m, "linux/aarch64", &e), D2);
	cr_expect_str_eq(pick(m, "linux/arm64/v8", &e), D2);
	cr_expect_str_eq(pick(m, "linux/arm/v7", &e), D3);
	cr_expect_null(pick(m, "linux/arm/v5", &e));
	cr_expect_eq(e.code, -ENOENT);
	cr_expect_str_eq(e.msg, "no matching manifest for linux/arm/v5 in the manifest list entries");
	cr_expect_null(pick(m, "windows/amd64", &e));
	manifest_free(m);
}

Test(manifest, attestations_never_match_and_closest_arm_wins)
{
	struct manifest *m = index_of(
		"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"" D1 "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"},"
		"\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}},"
		ENT(D2, "{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v5\"}") ","
		ENT(D3, "{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}"));
	struct err e = ERR_INIT;

	cr_expect(m->entries[0].attestation);
	cr_expect_str_eq(pick(m, "linux/arm/v7", &e), D3);
	cr_expect_null(pick(m, "linux/arm64", &e));
	cr_expect_str_eq(e.msg, "no matching manifest for linux/arm64 in the manifest list entries");
	manifest_free(m);
}

Test(manifest, platform_parse_rejects_junk)
{
	struct manifest_platform p = {0};
	struct err e = ERR_INIT;

	cr_expect_lt(manifest_platform_parse("", &p, &e), 0);
	cr_expect_lt(manifest_platform_parse("linux/", &p, &e), 0);
	cr_expect_lt(manifest_platform_parse("linux/amd64/v1/x", &p, &e), 0);
	cr_expect_lt(manifest_platform_parse("linux/am d64", &p, &e), 0);
	cr_assert_eq(manifest_platform_parse("LINUX/armhf", &p, &e), 0);
	cr_expect_str_eq(p.os, "linux");
	cr_expect_str_eq(p.architecture, "arm");
	cr_expect_str_eq(p.variant, "v7");
	manifest_platform_release(&p);
}
