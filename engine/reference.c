/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker reference grammar, hand-written after distribution/reference's
 * regular expressions (reference/regexp.go) and normalisation rules
 * (reference/normalize.go). Only sha256 digests are accepted: berth stores
 * content by sha256 and cannot verify anything else.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reference.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define ERR_FORMAT "invalid reference format"
#define ERR_UPPER "invalid reference format: repository name must be lowercase"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

static bool
is_word(char c)
{
	return is_alnum(c) || c == '_';
}

/* path-component: [a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)* */
static bool
path_component_ok(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (!is_lower_alnum(p[i]))
			return false;
		while (i < n && is_lower_alnum(p[i]))
			i++;
		if (i == n)
			return true;
		if (p[i] == '.') {
			i++;
		} else if (p[i] == '_') {
			i++;
			if (i < n && p[i] == '_')
				i++;
		} else if (p[i] == '-') {
			while (i < n && p[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false; /* a separator must be followed by alnum */
	}
	return false; /* empty component */
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool
domain_component_ok(const char *p, size_t n)
{
	if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(p[i]) && p[i] != '-')
			return false;
	return true;
}

/* host (':' [0-9]+)?, host = domain-name | '[' ipv6 ']' */
static bool
domain_ok(const char *p, size_t n)
{
	const char *colon;
	size_t hn;

	if (n > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		if (!close || close == p + 1)
			return false;
		for (const char *q = p + 1; q < close; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':')
				return false;
		colon = close + 1 < p + n ? close + 1 : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		colon = memchr(p, ':', n);
		hn = colon ? (size_t)(colon - p) : n;
		for (size_t s = 0, i = 0; i <= hn; i++) {
			if (i == hn || p[i] == '.') {
				if (!domain_component_ok(p + s, i - s))
					return false;
				s = i + 1;
			}
		}
	}
	if (colon) {
		size_t pn = (size_t)(p + n - colon - 1);
		if (pn == 0)
			return false;
		for (size_t i = 1; i <= pn; i++)
			if (!isdigit((unsigned char)colon[i]))
				return false;
	}
	return true;
}

bool
reference_tag_is_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (n == 0 || n > REFERENCE_TAG_MAX || !is_word(tag[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
			return false;
	return true;
}

/*
 * digest grammar: algorithm ':' hex{32,}, algorithm = [A-Za-z][A-Za-z0-9]*
 * ([-_+.][A-Za-z][A-Za-z0-9]*)*. Then the go-digest rules on top: a known
 * algorithm with the right length of lower-case hex.
 */
static int
digest_check(const char *d, struct err *e)
{
	const char *colon = strchr(d, ':');
	size_t hexlen;

	if (!colon || colon == d || !isalpha((unsigned char)d[0]))
		return err_set(e, -EINVAL, ERR_FORMAT);
	for (const char *p = d; p < colon; p++) {
		bool sep = *p == '-' || *p == '_' || *p == '+' || *p == '.';
		if (sep ? !isalpha((unsigned char)p[1]) : !is_alnum(*p))
			return err_set(e, -EINVAL, ERR_FORMAT);
	}
	hexlen = strlen(colon + 1);
	if (hexlen < 32)
		return err_set(e, -EINVAL, ERR_FORMAT);
	for (const char *p = colon + 1; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return err_set(e, -EINVAL, ERR_FORMAT);
	if ((size_t)(colon - d) != 6 || strncmp(d, "sha256", 6) != 0)
		return err_set(e, -EINVAL, "unsupported digest algorithm");
	if (hexlen != DIGEST_HEX_LEN)
		return err_set(e, -EINVAL, "invalid checksum digest length");
	if (!str_is_hex(colon + 1, DIGEST_HEX_LEN))
		return err_set(e, -EINVAL, "invalid checksum digest format");
	return 0;
}

/* Checks "<domain>/<path>" (already split at the first '/'). */
static int
name_check(const char *domain, const char *path, struct err *e)
{
	bool upper_only = true;	/* every bad component would pass in lower case */
	bool ok = true;
	const char *p = path;

	if (!domain_ok(domain, strlen(domain)))
		return err_set(e, -EINVAL, ERR_FORMAT);
	for (;;) {
		size_t n = strcspn(p, "/");
		if (!path_component_ok(p, n)) {
			_cleanup_free_ char *low = xstrndup(p, n);
			ok = false;
			for (char *c = low; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (!path_component_ok(low, n))
				upper_only = false;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (!ok)
		return err_set(e, -EINVAL, upper_only ? ERR_UPPER : ERR_FORMAT);
	if (strlen(domain) + 1 + strlen(path) > REFERENCE_NAME_MAX)
		return err_set(e, -EINVAL, "repository name must not be more than %d characters",
			       REFERENCE_NAME_MAX);
	return 0;
}

/*
 * splitDockerDomain: the first component is a registry host when it has a
 * '.' or ':', is "localhost", or has upper-case letters (which a path
 * component never may).
 */
static void
split_domain(const char *s, char **ret_domain, char **ret_rest)
{
	const char *slash = strchr(s, '/');
	bool is_domain = false;

	if (slash) {
		size_t n = (size_t)(slash - s);
		is_domain = memchr(s, '.', n) || memchr(s, ':', n) ||
			    (n == 9 && strncmp(s, "localhost", 9) == 0);
		for (size_t i = 0; i < n && !is_domain; i++)
			is_domain = isupper((unsigned char)s[i]);
	}
	if (is_domain) {
		*ret_domain = xstrndup(s, (size_t)(slash - s));
		*ret_rest = xstrdup(slash + 1);
		if (strcmp(*ret_domain, "index.docker.io") == 0) {
			free(*ret_domain);
			*ret_domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
		}
	} else {
		*ret_domain = xstrdup(REFERENCE_DEFAULT_DOMAIN);
		*ret_rest = xstrdup(s);
	}
	if (strcmp(*ret_domain, REFERENCE_DEFAULT_DOMAIN) == 0 && !strchr(*ret_rest, '/')) {
		char *r = xasprintf("library/%s", *ret_rest);
		free(*ret_rest);
		*ret_rest = r;
	}
}

int
reference_parse(const char *s, struct reference *ret, struct err *e)
{
	_cleanup_free_ char *domain = NULL, *rest = NULL;
	char *at, *colon, *slash;
	size_t remote_len;
	int r;

	if (strlen(s) > LIMIT_REFERENCE_LEN)
		return err_set(e, -EINVAL, ERR_FORMAT);
	if (str_is_hex(s, DIGEST_HEX_LEN))
		return err_set(e, -EINVAL,
			       "invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
			       s);
	split_domain(s, &domain, &rest);
	/* Upper case anywhere in the repository part (before any tag). */
	remote_len = strcspn(rest, ":@");
	for (size_t i = 0; i < remote_len; i++)
		if (isupper((unsigned char)rest[i]))
			return err_set(e, -EINVAL, ERR_UPPER);

	at = strchr(rest, '@');
	if (at) {
		*at++ = '\0';
		r = digest_check(at, e);
		if (r < 0)
			return r;
	}
	slash = strrchr(rest, '/');
	colon = strrchr(rest, ':');
	if (colon && (!slash || colon > slash)) {
		*colon++ = '\0';
		if (!reference_tag_is_valid(colon))
			return err_set(e, -EINVAL, ERR_FORMAT);
	} else {
		colon = NULL;
	}
	if (rest[0] == '\0')
		return err_set(e, -EINVAL, ERR_FORMAT);
	r = name_check(domain, rest, e);
	if (r < 0)
		return r;
	ret->domain = TAKE_PTR(domain);
	ret->path = xstrdup(rest);
	ret->tag = colon ? xstrdup(colon) : NULL;
	ret->digest = at ? xstrdup(at) : NULL;
	return 0;
}

void
reference_release(struct reference *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (struct reference)REFERENCE_INIT;
}

void
reference_copy(const struct reference *src, struct reference *ret)
{
	ret->domain = xstrdup(src->domain);
	ret->path = xstrdup(src->path);
	ret->tag = src->tag ? xstrdup(src->tag) : NULL;
	ret->digest = src->digest ? xstrdup(src->digest) : NULL;
}

void
reference_default_tag(struct reference *r)
{
	if (!r->tag && !r->digest)
		r->tag = xstrdup(REFERENCE_DEFAULT_TAG);
}

int
reference_set_tag(struct reference *r, const char *tag, struct err *e)
{
	if (!reference_tag_is_valid(tag))
		return err_set(e, -EINVAL, "invalid tag format");
	free(r->tag);
	r->tag = xstrdup(tag);
	r->digest = mfree(r->digest);
	return 0;
}

int
reference_check_taggable(const struct reference *r, struct err *e)
{
	if (strcmp(r->domain, REFERENCE_DEFAULT_DOMAIN) == 0 &&
	    strcmp(r->path, "library/sha256") == 0)
		return err_set(e, -EINVAL,
			       "refusing to create an ambiguous tag using digest algorithm as name");
	return 0;
}

char *
reference_name(const struct reference *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *
reference_familiar_name(const struct reference *r)
{
	const char *rest;

	if (strcmp(r->domain, REFERENCE_DEFAULT_DOMAIN) != 0)
		return reference_name(r);
	/* Official images drop "library/" unless the path is nested deeper. */
	if (str_startswith(r->path, "library/", &rest) && !strchr(rest, '/'))
		return xstrdup(rest);
	return xstrdup(r->path);
}

static char *
with_tag_digest(char *name, const struct reference *r)
{
	char *s = xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
			    r->digest ? "@" : "", r->digest ? r->digest : "");
	free(name);
	return s;
}

char *
reference_familiar(const struct reference *r)
{
	return with_tag_digest(reference_familiar_name(r), r);
}

char *
reference_canonical(const struct reference *r)
{
	return with_tag_digest(reference_name(r), r);
}

const char *
reference_remote_path(const struct reference *r)
{
	return r->path;
}

const char *
reference_registry_host(const struct reference *r)
{
	if (strcmp(r->domain, REFERENCE_DEFAULT_DOMAIN) == 0)
		return REFERENCE_DEFAULT_REGISTRY;
	return r->domain;
}

bool
reference_same_repo(const struct reference *a, const struct reference *b)
{
	return strcmp(a->domain, b->domain) == 0 && strcmp(a->path, b->path) == 0;
}

bool
reference_is_full_id(const char *s, char ret_hex[DIGEST_HEX_LEN + 1])
{
	const char *hex = s;

	(void)str_startswith(s, "sha256:", &hex);
	if (!str_is_hex(hex, DIGEST_HEX_LEN))
		return false;
	if (ret_hex)
		memcpy(ret_hex, hex, DIGEST_HEX_LEN + 1);
	return true;
}

bool
reference_is_id_prefix(const char *s, const char **ret_hex)
{
	const char *hex = s;
	size_t n;

	(void)str_startswith(s, "sha256:", &hex);
	n = strlen(hex);
	if (n == 0 || n > DIGEST_HEX_LEN || !str_is_hex(hex, 0))
		return false;
	if (ret_hex)
		*ret_hex = hex;
	return true;
}
