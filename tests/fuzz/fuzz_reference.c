/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references (engine/reference.c): parse, then every formatter, and
 * the round trip: a reference's canonical and familiar forms parse again to
 * the same reference. Also the ID and tag predicates on the same bytes.
 */
#include "config.h"

#include <stdio.h>

#include "engine/reference.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

static void
same_again(const struct reference *r, const char *text)
{
	struct reference again = REFERENCE_INIT;
	struct err e = ERR_INIT;

	if (reference_parse(text, &again, &e) < 0 || !reference_same_repo(r, &again) ||
	    (r->tag == NULL) != (again.tag == NULL) || (r->tag && strcmp(r->tag, again.tag)) ||
	    (r->digest == NULL) != (again.digest == NULL) ||
	    (r->digest && strcmp(r->digest, again.digest))) {
		fprintf(stderr, "reference round trip broke at '%s': %s\n", text, e.msg);
		abort();
	}
	reference_release(&again);
}

/*
 * "docker.io/foo.com/bar" is familiar "foo.com/bar", which names the
 * registry foo.com, and "docker.io/library/<64 hex>" is familiar "<64 hex>",
 * which ParseNormalizedNamed refuses: distribution's familiarizeName has the
 * same ambiguities (fuzz findings; kept as dockerd shows such names).
 */
static bool
familiar_is_ambiguous(const struct reference *r)
{
	size_t n = strcspn(r->path, "/");

	if (strcmp(r->domain, REFERENCE_DEFAULT_DOMAIN) != 0)
		return false;
	/* "docker.io/library/<64 hex>": its familiar name is refused as an ID */
	if (strncmp(r->path, "library/", 8) == 0 && reference_is_full_id(r->path + 8, NULL))
		return true;
	return r->path[n] == '/' && (memchr(r->path, '.', n) || memchr(r->path, ':', n) ||
				     (n == 9 && strncmp(r->path, "localhost", 9) == 0));
}

FUZZ_TARGET(reference)
{
	_cleanup_free_ char *s = fuzz_str(data, size);
	struct reference r = REFERENCE_INIT, copy = REFERENCE_INIT;
	struct err e = ERR_INIT;
	char hex[DIGEST_HEX_LEN + 1];
	const char *prefix;

	(void)reference_is_full_id(s, hex);
	(void)reference_is_id_prefix(s, &prefix);
	(void)reference_tag_is_valid(s);
	if (reference_parse(s, &r, &e) < 0)
		return 0;
	free(reference_name(&r));
	free(reference_familiar_name(&r));
	_cleanup_free_ char *familiar = reference_familiar(&r);
	_cleanup_free_ char *canonical = reference_canonical(&r);
	(void)reference_remote_path(&r);
	(void)reference_registry_host(&r);
	(void)reference_check_taggable(&r, &e);
	same_again(&r, canonical);
	if (!familiar_is_ambiguous(&r))
		same_again(&r, familiar);
	reference_copy(&r, &copy);
	reference_default_tag(&copy);
	(void)reference_set_tag(&copy, "v1.0", &e);
	reference_release(&copy);
	reference_release(&r);
	return 0;
}
