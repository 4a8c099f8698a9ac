/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest and index parsing; see manifest.h. Everything here treats the
 * body as hostile: types are checked field by field, digests validated,
 * counts bounded, and nothing is trusted to match what the registry's
 * headers claimed. Platform matching follows containerd's matcher.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/manifest.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define URLS_MAX 16

/* Parsing context: where we are, for error messages that name the field. */
struct mctx {
	const char *ref;
	struct err *e;
};

static int
bad_field(struct mctx *c, const char *field, const char *what)
{
	return err_set(c->e, -EINVAL, "invalid manifest for %s: field '%s' %s", c->ref, field,
		       what);
}

/* An optional string member: NULL when absent or null, -EINVAL on a wrong type. */
static int
get_str(struct mctx *c, json_t *obj, const char *key, const char *field, const char **ret)
{
	json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_field(c, field, "must be a string");
	*ret = json_string_value(v);
	return 0;
}

static void
descriptor_release(struct manifest_descriptor *d)
{
	free(d->media_type);
	strv_free(d->urls);
	memset(d, 0, sizeof(*d));
}

static int
parse_urls(struct mctx *c, json_t *arr, const char *field, char ***ret)
{
	_cleanup_strv_ char **urls = NULL;
	size_t i, n;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return bad_field(c, field, "must be an array");
	n = json_array_size(arr);
	if (n > URLS_MAX)
		return err_set(c->e, -E2BIG, "invalid manifest for %s: too many urls", c->ref);
	urls = xcalloc(n + 1, sizeof(char *));
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		/* Only http(s): a foreign-layer URL must never make us open a
		 * file:// or other scheme on the daemon's host. */
		if (!s || !(str_startswith(s, "https://", NULL) || str_startswith(s, "http://", NULL)))
			return bad_field(c, field, "must hold http(s) URLs");
		urls[i] = xstrdup(s);
	}
	*ret = TAKE_PTR(urls);
	return 0;
}

/* Fills @d from descriptor object @obj; @field names it in messages. */
static int
parse_descriptor(struct mctx *c, json_t *obj, const char *field, struct manifest_descriptor *d)
{
	char fbuf[96];
	const char *mt, *dg;
	json_t *size;
	int r;

	if (!json_is_object(obj))
		return bad_field(c, field, "must be an object");
	snprintf(fbuf, sizeof(fbuf), "%s.mediaType", field);
	r = get_str(c, obj, "mediaType", fbuf, &mt);
	if (r < 0)
		return r;
	if (!mt || !*mt)
		return bad_field(c, fbuf, "is missing");
	snprintf(fbuf, sizeof(fbuf), "%s.digest", field);
	r = get_str(c, obj, "digest", fbuf, &dg);
	if (r < 0)
		return r;
	if (!dg)
		return bad_field(c, fbuf, "is missing");
	if (!digest_is_valid(dg)) {
		if (!str_startswith(dg, "sha256:", NULL) && strchr(dg, ':'))
			return err_set(c->e, -EINVAL, "invalid manifest for %s: unsupported digest algorithm in '%.80s'",
				       c->ref, dg);
		return bad_field(c, fbuf, "is not a valid sha256 digest");
	}
	size = json_object_get(obj, "size");
	snprintf(fbuf, sizeof(fbuf), "%s.size", field);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return bad_field(c, fbuf, "must be a non-negative integer");
	snprintf(fbuf, sizeof(fbuf), "%s.urls", field);
	r = parse_urls(c, json_object_get(obj, "urls"), fbuf, &d->urls);
	if (r < 0)
		return r;
	d->media_type = xstrdup(mt);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = json_integer_value(size);
	return 0;
}

enum layer_compression
manifest_layer_compression(const char *mt)
{
	static const struct {
		const char *mt;
		enum layer_compression c;
	} table[] = {
		{MT_DOCKER_LAYER_GZIP, LAYER_GZIP},
		{MT_DOCKER_FOREIGN_GZIP, LAYER_GZIP},
		{MT_OCI_LAYER_TAR, LAYER_TAR},
		{MT_OCI_LAYER_GZIP, LAYER_GZIP},
		{MT_OCI_LAYER_ZSTD, LAYER_ZSTD},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_TAR},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD},
	};

	if (!mt)
		return 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(mt, table[i].mt) == 0)
			return table[i].c;
	return 0;
}

/* moby refuses anything but an image config (Helm charts, plugins, WASM...). */
static int
check_config_type(struct mctx *c, const char *mt)
{
	if (strcmp(mt, MT_DOCKER_CONFIG) == 0 || strcmp(mt, MT_OCI_CONFIG) == 0)
		return 0;
	if (strcmp(mt, "application/vnd.docker.plugin.v1+json") == 0)
		return err_set(c->e, -EPROTONOSUPPORT,
			       "Encountered remote \"%s\"(plugin) when fetching", mt);
	return err_set(c->e, -EPROTONOSUPPORT, "Encountered remote \"%.200s\"(unknown) when fetching",
		       mt);
}

static int
parse_image(struct mctx *c, json_t *root, struct manifest *m)
{
	json_t *layers = json_object_get(root, "layers"), *v;
	size_t i;
	int r;

	r = parse_descriptor(c, json_object_get(root, "config"), "config", &m->config);
	if (r < 0)
		return r;
	r = check_config_type(c, m->config.media_type);
	if (r < 0)
		return r;
	if (!json_is_array(layers))
		return bad_field(c, "layers", "must be an array");
	if (json_array_size(layers) > LIMIT_MANIFEST_ENTRIES)
		return err_set(c->e, -E2BIG, "invalid manifest for %s: %zu layers exceed the limit of %u",
			       c->ref, json_array_size(layers), LIMIT_MANIFEST_ENTRIES);
	m->layers = xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	json_array_foreach(layers, i, v) {
		struct manifest_descriptor *d = &m->layers[i];
		char field[32];

		snprintf(field, sizeof(field), "layers[%zu]", i);
		m->n_layers = i + 1; /* so manifest_free releases what was parsed */
		r = parse_descriptor(c, v, field, d);
		if (r < 0)
			return r;
		d->compression = manifest_layer_compression(d->media_type);
		if (!d->compression)
			return err_set(c->e, -EINVAL, "unsupported layer media type '%.200s' in %s",
				       d->media_type, c->ref);
	}
	return 0;
}

static int
parse_platform(struct mctx *c, json_t *obj, const char *field, struct manifest_entry *ent)
{
	const char *os, *arch, *variant, *osv;
	int r;

	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return bad_field(c, field, "must be an object");
	if ((r = get_str(c, obj, "os", field, &os)) < 0 ||
	    (r = get_str(c, obj, "architecture", field, &arch)) < 0 ||
	    (r = get_str(c, obj, "variant", field, &variant)) < 0 ||
	    (r = get_str(c, obj, "os.version", field, &osv)) < 0)
		return r;
	ent->has_platform = true;
	ent->platform.os = os ? xstrdup(os) : NULL;
	ent->platform.architecture = arch ? xstrdup(arch) : NULL;
	ent->platform.variant = variant && *variant ? xstrdup(variant) : NULL;
	ent->platform.os_version = osv ? xstrdup(osv) : NULL;
	return 0;
}

/* Buildkit attaches provenance/SBOM manifests as index entries; never pull them. */
static bool
is_attestation(json_t *obj, const struct manifest_entry *ent)
{
	json_t *ann = json_object_get(obj, "annotations");
	const char *t = json_string_value(json_object_get(ann, "vnd.docker.reference.type"));

	if (t && strcmp(t, "attestation-manifest") == 0)
		return true;
	return ent->has_platform && ent->platform.os && ent->platform.architecture &&
	       strcmp(ent->platform.os, "unknown") == 0 &&
	       strcmp(ent->platform.architecture, "unknown") == 0;
}

static int
parse_index(struct mctx *c, json_t *root, struct manifest *m)
{
	json_t *arr = json_object_get(root, "manifests"), *v;
	size_t i;
	int r;

	if (!json_is_array(arr))
		return bad_field(c, "manifests", "must be an array");
	if (json_array_size(arr) > LIMIT_MANIFEST_ENTRIES)
		return err_set(c->e, -E2BIG, "invalid manifest list for %s: %zu entries exceed the limit of %u",
			       c->ref, json_array_size(arr), LIMIT_MANIFEST_ENTRIES);
	m->entries = xcalloc(json_array_size(arr) + 1, sizeof(*m->entries));
	json_array_foreach(arr, i, v) {
		struct manifest_entry *ent = &m->entries[i];
		char field[40];

		m->n_entries = i + 1;
		snprintf(field, sizeof(field), "manifests[%zu]", i);
		r = parse_descriptor(c, v, field, &ent->desc);
		if (r < 0)
			return r;
		snprintf(field, sizeof(field), "manifests[%zu].platform", i);
		r = parse_platform(c, json_object_get(v, "platform"), field, ent);
		if (r < 0)
			return r;
		ent->attestation = is_attestation(v, ent);
	}
	return 0;
}

static const char *
strip_params(const char *ct, char *buf, size_t size)
{
	size_t n;

	if (!ct)
		return NULL;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	snprintf(buf, size, "%.*s", (int)n, ct);
	return buf;
}

static bool
is_schema1(const char *mt)
{
	return mt && (strcmp(mt, MT_DOCKER_SCHEMA1) == 0 || strcmp(mt, MT_DOCKER_SCHEMA1_SIGNED) == 0);
}

/* Decides the kind from the body's mediaType, then Content-Type, then shape. */
static int
classify(struct mctx *c, json_t *root, const char *content_type, struct manifest *m)
{
	static const struct {
		const char *mt;
		enum manifest_kind kind;
	} kinds[] = {
		{MT_DOCKER_MANIFEST, MANIFEST_DOCKER_V2},
		{MT_OCI_MANIFEST, MANIFEST_OCI},
		{MT_DOCKER_LIST, MANIFEST_DOCKER_LIST},
		{MT_OCI_INDEX, MANIFEST_OCI_INDEX},
	};
	char ctbuf[256];
	const char *ct = strip_params(content_type, ctbuf, sizeof(ctbuf)), *mt;
	json_t *sv = json_object_get(root, "schemaVersion");
	int r;

	r = get_str(c, root, "mediaType", "mediaType", &mt);
	if (r < 0)
		return r;
	if (is_schema1(mt) || is_schema1(ct) || (json_is_integer(sv) && json_integer_value(sv) == 1))
		return err_set(c->e, -EPROTONOSUPPORT,
			       "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. "
			       "Suggest the author of %s to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. "
			       "More information at https://docs.docker.com/go/deprecated-image-specs/",
			       c->ref);
	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return bad_field(c, "schemaVersion", "must be 2");
	if (!mt) {
		for (size_t i = 0; ct && i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(ct, kinds[i].mt) == 0)
				mt = kinds[i].mt;
	}
	if (!mt) /* OCI allows omitting mediaType: go by shape */
		mt = json_object_get(root, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(mt, kinds[i].mt) == 0) {
			m->kind = kinds[i].kind;
			m->media_type = xstrdup(mt);
			return 0;
		}
	return err_set(c->e, -EINVAL, "unsupported manifest media type '%.200s' for %s", mt, c->ref);
}

int
manifest_parse(const void *body, size_t len, const char *content_type, const char *ref,
	       struct manifest **ret_m, struct err *e)
{
	struct manifest *m = NULL;
	_cleanup_json_ json_t *root = NULL;
	struct mctx c = {.ref = ref ? ref : "image", .e = e};
	json_error_t jerr;
	int r;

	if (len > LIMIT_MANIFEST_BYTES)
		return err_set(e, -E2BIG, "manifest for %s is larger than %u bytes", c.ref,
			       LIMIT_MANIFEST_BYTES);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root))
		return err_set(e, -EINVAL, "invalid manifest for %s: %s", c.ref,
			       root ? "not a JSON object" : jerr.text);
	m = xcalloc(1, sizeof(*m));
	r = classify(&c, root, content_type, m);
	if (r == 0)
		r = manifest_is_index(m) ? parse_index(&c, root, m) : parse_image(&c, root, m);
	if (r < 0) {
		manifest_free(m);
		return r;
	}
	*ret_m = m;
	return 0;
}

bool
manifest_is_index(const struct manifest *m)
{
	return m->kind == MANIFEST_DOCKER_LIST || m->kind == MANIFEST_OCI_INDEX;
}

void
manifest_free(struct manifest *m)
{
	if (!m)
		return;
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_release(&m->layers[i]);
	for (size_t i = 0; i < m->n_entries; i++) {
		descriptor_release(&m->entries[i].desc);
		manifest_platform_release(&m->entries[i].platform);
	}
	free(m->layers);
	free(m->entries);
	free(m->media_type);
	free(m);
}

/* ---- platforms ---------------------------------------------------------- */

static const char *
norm_os(const char *os)
{
	return os && strcasecmp(os, "macos") == 0 ? "darwin" : os;
}

/*
 * containerd's normalisation: @arch and @variant are rewritten in place into
 * canonical spellings (static strings or the inputs themselves).
 */
static void
norm_arch(const char **arch, const char **variant)
{
	const char *a = *arch, *v = *variant ? *variant : "";

	if (!a)
		return;
	if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64") || !strcmp(a, "amd64")) {
		*arch = "amd64";
		if (!strcmp(v, "v1"))
			*variant = NULL;
	} else if (!strcmp(a, "i386") || !strcmp(a, "386")) {
		*arch = "386";
	} else if (!strcmp(a, "aarch64") || !strcmp(a, "arm64")) {
		*arch = "arm64";
		/* v8 is the only arm64 variant images use; it matches an empty one */
		if (!strcmp(v, "8") || !strcmp(v, "v8") || !strcmp(v, "v8.0"))
			*variant = "v8";
	} else if (!strcmp(a, "armhf")) {
		*arch = "arm";
		*variant = "v7";
	} else if (!strcmp(a, "armel")) {
		*arch = "arm";
		*variant = "v6";
	} else if (!strcmp(a, "arm")) {
		if (!*v || !strcmp(v, "7"))
			*variant = "v7";
		else if (!strcmp(v, "5") || !strcmp(v, "6") || !strcmp(v, "8"))
			*variant = !strcmp(v, "5") ? "v5" : !strcmp(v, "6") ? "v6" : "v8";
	}
	if (*variant && !**variant)
		*variant = NULL;
}

void
manifest_platform_host(struct manifest_platform *ret)
{
	/* Compile-time: berthd runs containers of its own architecture. */
	const char *variant = NULL;
#if defined(__x86_64__)
	const char *arch = "amd64";
#elif defined(__aarch64__)
	const char *arch = "arm64";
	variant = "v8"; /* what dockerd reports on arm64 hosts */
#elif defined(__arm__)
	const char *arch = "arm";
	variant = "v7";
#elif defined(__i386__)
	const char *arch = "386";
#elif defined(__s390x__)
	const char *arch = "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *arch = "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
	const char *arch = "riscv64";
#else
	const char *arch = "unknown";
#endif
	*ret = (struct manifest_platform){.os = (char *)"linux", .architecture = (char *)arch,
					  .variant = (char *)variant};
}

int
manifest_platform_parse(const char *spec, struct manifest_platform *ret, struct err *e)
{
	struct manifest_platform host;
	_cleanup_free_ char *copy = NULL;
	const char *os, *arch = NULL, *variant = NULL;
	char *save = NULL, *extra;

	if (!spec || !*spec || strlen(spec) > 128)
		return err_set(e, -EINVAL, "invalid platform '%s'", spec ? spec : "");
	manifest_platform_host(&host);
	copy = xstrdup(spec);
	os = strtok_r(copy, "/", &save);
	if (os)
		arch = strtok_r(NULL, "/", &save);
	if (arch)
		variant = strtok_r(NULL, "/", &save);
	extra = variant ? strtok_r(NULL, "/", &save) : NULL;
	if (!os || extra || spec[strlen(spec) - 1] == '/' || strstr(spec, "//"))
		return err_set(e, -EINVAL, "invalid platform '%s': expected os[/arch[/variant]]", spec);
	for (const char *p = spec; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '/' || *p == '_' || *p == '-' || *p == '.'))
			return err_set(e, -EINVAL, "invalid platform '%s'", spec);
	if (!arch) {
		arch = host.architecture;
		variant = host.variant;
	}
	os = norm_os(os);
	norm_arch(&arch, &variant);
	*ret = (struct manifest_platform){0};
	ret->os = xstrdup(os);
	for (char *p = ret->os; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	ret->architecture = xstrdup(arch);
	ret->variant = variant ? xstrdup(variant) : NULL;
	return 0;
}

void
manifest_platform_release(struct manifest_platform *p)
{
	if (!p)
		return;
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	memset(p, 0, sizeof(*p));
}

void
manifest_platform_format(const struct manifest_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os ? p->os : "unknown",
		 p->architecture ? p->architecture : "unknown", p->variant ? "/" : "",
		 p->variant ? p->variant : "");
}

/* "vN" → N, else -1. */
static int
arm_level(const char *v)
{
	return v && v[0] == 'v' && v[1] >= '5' && v[1] <= '8' && !v[2] ? v[1] - '0' : -1;
}

/*
 * How well entry platform @have serves @want: 0 = no match, higher = better.
 * Exact variant beats a compatible lower arm variant (closest first).
 */
static int
platform_score(const struct manifest_platform *want, const struct manifest_platform *have)
{
	const char *wa = want->architecture, *wv = want->variant;
	const char *ha = have->architecture, *hv = have->variant;

	if (!have->os || !want->os || strcasecmp(norm_os(have->os), want->os) != 0)
		return 0;
	norm_arch(&wa, &wv);
	norm_arch(&ha, &hv);
	if (!ha || !wa || strcmp(ha, wa) != 0)
		return 0;
	if (!strcmp(wa, "arm64")) /* v8 and "" are the same thing */
		return (!hv || !strcmp(hv, "v8")) ? 100 : 0;
	if (!strcmp(wa, "arm")) {
		int w = arm_level(wv), h = arm_level(hv);
		return (w > 0 && h > 0 && h <= w) ? 100 - (w - h) : 0;
	}
	if (!wv) /* nothing asked: any variant will do, the plain one first */
		return hv ? 50 : 100;
	return (hv && !strcmp(hv, wv)) ? 100 : 0;
}

const struct manifest_entry *
manifest_select_platform(const struct manifest *m, const struct manifest_platform *want,
			 struct err *e)
{
	const struct manifest_entry *best = NULL;
	int best_score = 0;
	char name[160];

	for (size_t i = 0; i < m->n_entries; i++) {
		const struct manifest_entry *ent = &m->entries[i];
		/* No platform at all: usable anywhere, but any real match wins. */
		int s = ent->attestation ? 0 : ent->has_platform ? platform_score(want, &ent->platform) : 1;

		if (s > best_score) {
			best = ent;
			best_score = s;
		}
	}
	if (best)
		return best;
	manifest_platform_format(want, name, sizeof(name));
	err_set(e, -ENOENT, "no matching manifest for %s in the manifest list entries", name);
	return NULL;
}
