/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry error parsing and dockerd's wording; see registry_error.h. The
 * text shown to users matches moby's (tests and scripts grep for it), which
 * in turn is distribution's errcode formatting: the code lower-cased with
 * '_' as ' ', a colon, then the registry's message.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/registry/registry_error.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"

/* Copies @s into @dst, replacing control characters (log/terminal injection). */
static void
copy_clean(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < size; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
	dst[i] = '\0';
}

void
registry_error_parse(int status, const void *body, size_t len, struct registry_error *ret)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *first;
	const char *code, *msg;

	memset(ret, 0, sizeof(*ret));
	ret->status = status;
	if (!body || len == 0 || len > LIMIT_REGISTRY_SMALL_BODY)
		return;
	root = json_loadb(body, len, 0, NULL);
	first = json_array_get(json_object_get(root, "errors"), 0);
	if (!json_is_object(first))
		return;
	code = json_string_value(json_object_get(first, "code"));
	msg = json_string_value(json_object_get(first, "message"));
	if (code && strlen(code) < sizeof(ret->code) && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(code))
		memcpy(ret->code, code, strlen(code) + 1);
	copy_clean(ret->message, sizeof(ret->message), msg);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 416: return "Requested Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

void
registry_error_format(const struct registry_error *re, char *buf, size_t size)
{
	char code[sizeof(re->code)];
	size_t i;

	if (!re->code[0]) {
		if (re->status == 401)
			snprintf(buf, size, "unauthorized: %s",
				 re->message[0] ? re->message : "authentication required");
		else
			snprintf(buf, size, "received unexpected HTTP status: %d %s", re->status,
				 status_text(re->status));
		return;
	}
	for (i = 0; re->code[i]; i++)
		code[i] = re->code[i] == '_' ? ' ' : (char)tolower((unsigned char)re->code[i]);
	code[i] = '\0';
	if (re->message[0])
		snprintf(buf, size, "%s: %s", code, re->message);
	else
		snprintf(buf, size, "%s", code);
}

static bool
code_is(const struct registry_error *re, const char *code)
{
	return strcmp(re->code, code) == 0;
}

int
registry_error_to_err(const struct registry_error *re, enum registry_op op, const char *repo,
		      const char *ref, struct err *e)
{
	char text[sizeof(re->code) + sizeof(re->message) + 64];
	bool denied = code_is(re, "DENIED") || code_is(re, "UNAUTHORIZED") ||
		      (!re->code[0] && (re->status == 401 || re->status == 403));

	registry_error_format(re, text, sizeof(text));
	repo = repo ? repo : "image";
	ref = ref ? ref : repo;
	if (op == REGISTRY_OP_PULL_MANIFEST || op == REGISTRY_OP_PULL_BLOB) {
		if (code_is(re, "MANIFEST_UNKNOWN") ||
		    (op == REGISTRY_OP_PULL_MANIFEST && !re->code[0] && re->status == 404))
			return err_set(e, -ENOENT, "manifest for %s not found: %s", ref, text);
		/* moby's notFoundError: the registry says the repository is unknown. */
		if (code_is(re, "NAME_UNKNOWN"))
			return err_set(e, -ENOENT, "repository %s not found: %s", repo, text);
		if (denied)
			return err_set(e, -ENOENT,
				       "pull access denied for %s, repository does not exist or may require 'docker login': %s",
				       repo, text);
	}
	if (code_is(re, "BLOB_UNKNOWN") || code_is(re, "MANIFEST_UNKNOWN") ||
	    code_is(re, "NAME_UNKNOWN") || (!re->code[0] && re->status == 404))
		return err_set(e, -ENOENT, "%s", text);
	if (code_is(re, "UNAUTHORIZED") || re->status == 401)
		return err_set(e, -EKEYREJECTED, "%s", text);
	if (code_is(re, "DENIED") || re->status == 403)
		return err_set(e, -EACCES, "%s", text);
	if (code_is(re, "TOOMANYREQUESTS") || re->status == 429)
		return err_set(e, -EAGAIN, "%s", text);
	if (code_is(re, "UNSUPPORTED") || code_is(re, "MANIFEST_INVALID") ||
	    code_is(re, "DIGEST_INVALID") || code_is(re, "NAME_INVALID") ||
	    code_is(re, "TAG_INVALID") || code_is(re, "SIZE_INVALID"))
		return err_set(e, -EINVAL, "%s", text);
	return err_set(e, -EIO, "%s", text);
}
