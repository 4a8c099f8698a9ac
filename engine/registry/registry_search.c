/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry search; see registry_search.h. The reply is untrusted JSON:
 * bounded in size, results counted, fields type-checked (wrong types are
 * skipped rather than failing the whole search, as the Go client does by
 * decoding into zero values).
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "engine/registry/registry_endpoint.h"
#include "engine/registry/registry_http.h"
#include "engine/registry/registry_search.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define SEARCH_RESULTS_MAX 1000u

void
registry_search_results_free(struct registry_search_result *res, size_t n)
{
	if (!res)
		return;
	for (size_t i = 0; i < n; i++) {
		free(res[i].name);
		free(res[i].description);
	}
	free(res);
}

static void
query_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p)) {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

static int
get(struct registry_client *c, const char *url, bool verify, const char *const *hdrs,
    struct registry_http_resp *resp, struct err *e)
{
	struct registry_http_req req = {.method = "GET", .url = url, .headers = hdrs,
					.tls_verify = verify, .body_limit = LIMIT_SEARCH_BODY};
	char what[600];
	int r;

	r = registry_http_perform(c, &req, resp);
	if (r < 0) {
		snprintf(what, sizeof(what), "Get \"%s\"", url);
		return registry_http_transport_err(r, resp, what, e);
	}
	return 0;
}

static int
parse_results(const struct buf *body, struct registry_search_result **ret, size_t *ret_n,
	      struct err *e)
{
	_cleanup_json_ json_t *root = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	json_t *arr = json_object_get(root, "results"), *v;
	struct registry_search_result *res;
	size_t i, n = 0;

	if (!json_is_array(arr))
		return err_set(e, -EIO, "invalid search reply from registry");
	if (json_array_size(arr) > SEARCH_RESULTS_MAX)
		return err_set(e, -E2BIG, "search reply has too many results");
	res = xcalloc(json_array_size(arr) + 1, sizeof(*res));
	json_array_foreach(arr, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *desc = json_string_value(json_object_get(v, "description"));
		json_t *stars = json_object_get(v, "star_count");

		if (!name)
			continue;
		res[n].name = xstrdup(name);
		res[n].description = xstrdup(desc ? desc : "");
		res[n].star_count = json_is_integer(stars) ? json_integer_value(stars) : 0;
		res[n].is_official = json_is_true(json_object_get(v, "is_official"));
		res[n].is_automated = json_is_true(json_object_get(v, "is_automated"));
		n++;
	}
	*ret = res;
	*ret_n = n;
	return 0;
}

/* Base URL for a non-Hub registry: https, or http after a failed https ping if insecure. */
static int
pick_base(struct registry_client *c, const char *host, char **ret, struct err *e)
{
	bool insecure = registry_endpoint_is_insecure(host, (const char *const *)c->insecure);
	const char *schemes[] = {"https", "http"};
	int r = 0;

	for (size_t k = 0; k < (insecure ? 2u : 1u); k++) {
		_cleanup_free_ char *url = xasprintf("%s://%s/v1/_ping", schemes[k], host);
		struct registry_http_resp resp = {0};
		struct err local = ERR_INIT;

		r = get(c, url, !insecure, NULL, &resp, &local);
		registry_http_resp_release(&resp);
		/* Any HTTP answer means the scheme works; the status is search's business. */
		if (r == 0) {
			*ret = xasprintf("%s://%s", schemes[k], host);
			return 0;
		}
		err_copy(e, &local);
	}
	return r;
}

int
registry_search(struct registry_client *c, const char *term, unsigned limit,
		struct registry_search_result **ret, size_t *ret_n, struct err *e)
{
	static const char *const hub_hdrs[] = {"X-Docker-Token: true", NULL};
	_cleanup_free_ char *host = NULL, *base = NULL, *api = NULL;
	_cleanup_buf_ struct buf url = BUF_INIT;
	struct registry_http_resp resp = {0};
	const char *slash, *q = term;
	bool hub = true;
	int r;

	if (!term || !*term || strlen(term) > 255 || strpbrk(term, "\r\n"))
		return err_set(e, -EINVAL, "invalid search term");
	if (limit < 1 || limit > 100)
		return err_set(e, -EINVAL, "limit %u is outside the range of [1, 100]", limit);
	slash = strchr(term, '/');
	if (slash) {
		host = xstrndup(term, (size_t)(slash - term));
		if (strpbrk(host, ".:") || strcmp(host, "localhost") == 0) {
			hub = registry_endpoint_is_docker_hub(host);
			q = slash + 1;
		}
	}
	if (hub) {
		if (str_startswith(q, "library/", NULL))
			q += strlen("library/");
		base = xstrdup("https://index.docker.io");
	} else {
		r = registry_endpoint_api_host(host, &api, e);
		if (r < 0)
			return r;
		r = pick_base(c, api, &base, e);
		if (r < 0)
			return r;
	}
	buf_printf(&url, "%s/v1/search?q=", base);
	query_escape(&url, q);
	buf_printf(&url, "&n=%u", limit);
	r = get(c, url.data, hub || !registry_endpoint_is_insecure(api, (const char *const *)c->insecure),
		hub ? hub_hdrs : NULL, &resp, e);
	if (r == 0 && resp.status != 200)
		r = err_set(e, -EIO, "Unexpected status code %ld", resp.status);
	if (r == 0)
		r = parse_results(&resp.body, ret, ret_n, e);
	registry_http_resp_release(&resp);
	return r;
}
