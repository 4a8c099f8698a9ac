/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log driver configuration (logconf.h): moby's daemon/logdrivers and the
 * option validators of its json-file and local drivers, with their
 * messages, so a client sees the same refusals.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/logconf.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go marshals a map with its keys sorted: the same bytes in every entry. Consumes @o. */
static json_t *
sorted_copy(json_t *o)
{
	const char **keys = calloc(json_object_size(o) + 1, sizeof(*keys));
	json_t *out = json_object(), *v;
	const char *k;
	size_t n = 0;

	if (!keys)
		abort();
	json_object_foreach(o, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (size_t i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	free(keys);
	json_decref(o);
	return out;
}

/* moby's builtInLogOpts: handled by the daemon, not by a driver's validator. */
static bool
builtin_opt(const char *k)
{
	return strcmp(k, "mode") == 0 || strcmp(k, "max-buffer-size") == 0;
}

/* moby's jsonfilelog.ValidateLogOpt; "tag" is accepted there and unused by json-file. */
static const char *const json_file_opts[] = {
	"max-file", "max-size",	 "compress", "labels", "labels-regex",
	"env",	    "env-regex", "tag",	     NULL,
};
static const char *const local_opts[] = {"max-file", "max-size", "compress", NULL};

static bool
in_list(const char *const *l, const char *k)
{
	for (size_t i = 0; l[i]; i++)
		if (strcmp(l[i], k) == 0)
			return true;
	return false;
}

int
logconf_parse_human_size(const char *s, int64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	double v, mul = 1;
	char *end;

	/* go-units: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
		p++;
	v = strtod(s, &end);
	if (end != p)
		return -EINVAL;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		for (const char *q = units; q <= u; q++)
			mul *= 1000;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mul > 9.0e18)
		return -EINVAL;
	*ret = (int64_t)(v * mul);
	return 0;
}

static const char *
opt(json_t *opts, const char *k)
{
	return json_string_value(json_object_get(opts, k));
}

/* json-file's New(): the same checks, in the same order. */
static int
parse_json_file(json_t *opts, struct logconf *lc, struct err *e)
{
	const char *size = opt(opts, "max-size"), *files = opt(opts, "max-file");
	const char *compress = opt(opts, "compress");
	int64_t n;

	if (size) {
		if (logconf_parse_human_size(size, &lc->max_size) < 0)
			return err_set(e, -EINVAL, "invalid size: '%s'", size);
		if (lc->max_size <= 0)
			return err_set(e, -EINVAL, "max-size must be a positive number");
	}
	if (files) {
		if (parse_int64(files, INT64_MIN, INT64_MAX, &n) < 0)
			return err_set(e, -EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax",
				       files);
		if (n < 1)
			return err_set(e, -EINVAL, "max-file cannot be less than 1");
		if (n > LIMIT_LOG_FILES)
			return err_set(e, -EINVAL, "max-file cannot be more than %d in berth",
				       LIMIT_LOG_FILES);
		lc->max_files = (int)n;
	}
	if (compress) {
		if (parse_strict_bool(compress, &lc->compress) < 0)
			return err_set(e, -EINVAL,
				       "strconv.ParseBool: parsing \"%s\": invalid syntax",
				       compress);
		if (lc->compress && (lc->max_files == 1 || lc->max_size == 0))
			return err_set(e, -EINVAL,
				       "compress cannot be true when max-file is less than 2 or "
				       "max-size is not set");
	}
	return 0;
}

/* The local driver's defaults and checks (moby daemon/logger/local). */
static int
parse_local(json_t *opts, struct logconf *lc, struct err *e)
{
	const char *size = opt(opts, "max-size"), *files = opt(opts, "max-file");
	const char *compress = opt(opts, "compress");
	int64_t n;

	lc->max_size = 20 * 1024 * 1024;
	lc->max_files = 5;
	lc->compress = true;
	if (size && parse_size(size, &lc->max_size) < 0)
		return err_set(e, -EINVAL, "error parsing max-size: invalid size: '%s'", size);
	if (files) {
		if (parse_int64(files, INT64_MIN, INT64_MAX, &n) < 0)
			return err_set(e, -EINVAL,
				       "error parsing max-file: strconv.Atoi: parsing \"%s\": "
				       "invalid syntax",
				       files);
		if (n < 0)
			return err_set(e, -EINVAL, "max-file cannot be less than 0");
		if (n > LIMIT_LOG_FILES)
			return err_set(e, -EINVAL, "max-file cannot be more than %d in berth",
				       LIMIT_LOG_FILES);
		lc->max_files = n == 0 ? 1 : (int)n;
	}
	if (compress && parse_strict_bool(compress, &lc->compress) < 0)
		return err_set(e, -EINVAL,
			       "error reading compress log option: strconv.ParseBool: parsing "
			       "\"%s\": invalid syntax",
			       compress);
	if (lc->compress && lc->max_size <= 0)
		return err_set(e, -EINVAL, "compression cannot be enabled when max file size is 0");
	if (lc->compress && lc->max_files <= 1)
		return err_set(e, -EINVAL,
			       "compression cannot be enabled when max file count is 1");
	return 0;
}

int
logconf_parse(const char *driver, json_t *opts, struct logconf *ret, struct err *e)
{
	struct logconf lc = {.keep = true, .max_files = 1};
	int r = 0;

	if (!driver || !*driver || strcmp(driver, "json-file") == 0)
		r = parse_json_file(opts, &lc, e);
	else if (strcmp(driver, "local") == 0)
		r = parse_local(opts, &lc, e);
	else if (strcmp(driver, "none") == 0)
		lc.keep = false;
	else
		return err_set(e, -EINVAL, "logger: no log driver named '%s' is registered",
			       driver);
	if (r < 0)
		return r;
	*ret = lc;
	return 0;
}

int
logconf_validate(const char *driver, json_t *opts, struct err *e)
{
	const char *k, *mode, *local_name = "local";
	const char *const *known = NULL;
	struct logconf lc;
	json_t *v;

	if (opts && !json_is_object(opts))
		return err_set(e, -EINVAL, "log options must be an object of strings");
	json_object_foreach(opts, k, v)
		if (!json_is_string(v))
			return err_set(e, -EINVAL, "log option '%s' must be a string", k);
	if (strcmp(driver, "none") == 0)
		return 0; /* moby: anything goes, nothing is written */
	mode = opt(opts, "mode");
	if (mode && *mode && strcmp(mode, "blocking") != 0 && strcmp(mode, "non-blocking") != 0)
		return err_set(e, -EINVAL, "logger: logging mode not supported: %s", mode);
	/* The shim writes each entry to the file as it reads it (blocking);
	 * dockerd's ring buffer that drops entries is not there. */
	if (mode && strcmp(mode, "non-blocking") == 0)
		return err_set(e, -EINVAL,
			       "logger: logging mode non-blocking is not supported by berth (only "
			       "blocking)");
	if (opt(opts, "max-buffer-size")) {
		int64_t n;
		if (!mode || strcmp(mode, "non-blocking") != 0)
			return err_set(e, -EINVAL,
				       "logger: max-buffer-size option is only supported with "
				       "'mode=non-blocking'");
		if (parse_size(opt(opts, "max-buffer-size"), &n) < 0)
			return err_set(e, -EINVAL,
				       "error parsing option max-buffer-size: invalid size: '%s'",
				       opt(opts, "max-buffer-size"));
	}
	if (strcmp(driver, "json-file") == 0) {
		known = json_file_opts;
		/* Go compiles these when the driver starts; berth checks them here. */
		for (int i = 0; i < 2; i++) {
			const char *re = opt(opts, i ? "env-regex" : "labels-regex");
			regex_t rx;
			if (!re || !*re)
				continue;
			if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
				return err_set(e, -EINVAL, "error parsing regexp: invalid %s '%s'",
					       i ? "env-regex" : "labels-regex", re);
			regfree(&rx);
		}
	} else if (strcmp(driver, local_name) == 0)
		known = local_opts;
	else
		return err_set(e, -EINVAL, "logger: no log driver named '%s' is registered",
			       driver);
	json_object_foreach(opts, k, v) {
		if (builtin_opt(k) || in_list(known, k))
			continue;
		if (known == local_opts)
			return err_set(e, -EINVAL, "unknown log opt '%s' for log driver local", k);
		return err_set(e, -EINVAL, "unknown log opt '%s' for json-file log driver", k);
	}
	return logconf_parse(driver, opts, &lc, e);
}

int
logconf_merge(const char *def_driver, json_t *def_opts, char **driver, json_t **opts, struct err *e)
{
	const char *k;
	json_t *v;

	if (!def_driver)
		def_driver = LOGCONF_DEFAULT_DRIVER;
	if (!*driver || !**driver) {
		free(*driver);
		*driver = strdup(def_driver);
		if (!*driver)
			return -ENOMEM;
	}
	if (!*opts || json_is_null(*opts)) {
		json_decref(*opts);
		*opts = json_object();
	}
	if (!json_is_object(*opts))
		return err_set(e, -EINVAL, "log options must be an object of strings");
	if (strcmp(*driver, def_driver) == 0)
		json_object_foreach(def_opts, k, v)
			if (!json_object_get(*opts, k))
				json_object_set(*opts, k, v);
	/* stored as dockerd shows it: a Go map, keys sorted */
	*opts = sorted_copy(*opts);
	return logconf_validate(*driver, *opts, e);
}

bool
logconf_can_read(const char *driver)
{
	return !driver || strcmp(driver, "none") != 0;
}

/* Adds every @src key that @want names (a comma-separated list) or @rx matches. */
static void
pick(json_t *attrs, json_t *src, const char *want, const char *rx)
{
	const char *k;
	json_t *v;
	regex_t re;
	bool have_rx = rx && *rx && regcomp(&re, rx, REG_EXTENDED | REG_NOSUB) == 0;

	json_object_foreach(src, k, v) {
		bool hit = false;
		for (const char *p = want; p && *p && !hit;) {
			size_t n = strcspn(p, ",");
			hit = n == strlen(k) && strncmp(p, k, n) == 0;
			p += n + (p[n] == ',');
		}
		if (!hit && have_rx)
			hit = regexec(&re, k, 0, NULL, 0) == 0;
		if (hit && json_is_string(v))
			json_object_set(attrs, k, v);
	}
	if (have_rx)
		regfree(&re);
}

json_t *
logconf_attrs(json_t *opts, json_t *labels, char *const *env)
{
	json_t *attrs = json_object(), *envmap = json_object();

	pick(attrs, labels, opt(opts, "labels"), opt(opts, "labels-regex"));
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (!eq)
			continue;
		char *k = strndup(env[i], (size_t)(eq - env[i]));
		if (k)
			json_object_set_new(envmap, k, json_string(eq + 1));
		free(k);
	}
	pick(attrs, envmap, opt(opts, "env"), opt(opts, "env-regex"));
	json_decref(envmap);
	if (json_object_size(attrs) == 0) {
		json_decref(attrs);
		return NULL;
	}
	return sorted_copy(attrs);
}
