/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log driver configuration (logconf.h): moby's daemon/logdrivers and the
 * option validators of its json-file and local drivers, with their
 * messages, so a client sees the same refusals.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/logconf.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"

/* moby's builtInLogOpts: handled by the daemon, not by a driver's validator. */
static bool
builtin_opt(const char *k)
{
	return strcmp(k, "mode") == 0 || strcmp(k, "max-buffer-size") == 0;
}

static const char *const json_file_opts[] = {
	"max-file", "max-size", "compress", NULL,
};
static const char *const local_opts[] = { "max-file", "max-size", "compress", NULL };

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
			return err_set(e, -EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", files);
		if (n < 1)
			return err_set(e, -EINVAL, "max-file cannot be less than 1");
		if (n > LIMIT_LOG_FILES)
			return err_set(e, -EINVAL, "max-file cannot be more than %d in berth",
				       LIMIT_LOG_FILES);
		lc->max_files = (int)n;
	}
	if (compress) {
		if (parse_strict_bool(compress, &lc->compress) < 0)
			return err_set(e, -EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax",
				       compress);
		if (lc->compress && (lc->max_files == 1 || lc->max_size == 0))
			return err_set(e, -EINVAL,
				       "compress cannot be true when max-file is less than 2 or max-size is not set");
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
			return err_set(e, -EINVAL, "error parsing max-file: strconv.Atoi: parsing \"%s\": invalid syntax", files);
		if (n < 0)
			return err_set(e, -EINVAL, "max-file cannot be less than 0");
		if (n > LIMIT_LOG_FILES)
			return err_set(e, -EINVAL, "max-file cannot be more than %d in berth",
				       LIMIT_LOG_FILES);
		lc->max_files = n == 0 ? 1 : (int)n;
	}
	if (compress && parse_strict_bool(compress, &lc->compress) < 0)
		return err_set(e, -EINVAL, "error reading compress log option: strconv.ParseBool: parsing \"%s\": invalid syntax", compress);
	if (lc->compress && lc->max_size <= 0)
		return err_set(e, -EINVAL, "compression cannot be enabled when max file size is 0");
	if (lc->compress && lc->max_files <= 1)
		return err_set(e, -EINVAL, "compression cannot be enabled when max file count is 1");
	return 0;
}

int
logconf_parse(const char *driver, json_t *opts, struct logconf *ret, struct err *e)
{
	struct logconf lc = { .keep = true, .max_files = 1 };
	int r = 0;

	if (!driver || !*driver || strcmp(driver, "json-file") == 0)
		r = parse_json_file(opts, &lc, e);
	else if (strcmp(driver, "local") == 0)
		r = parse_local(opts, &lc, e);
	else if (strcmp(driver, "none") == 0)
		lc.keep = false;
	else
		return err_set(e, -EINVAL, "logger: no log driver named '%s' is registered", driver);
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
			       "logger: logging mode non-blocking is not supported by berth (only blocking)");
	if (opt(opts, "max-buffer-size")) {
		int64_t n;
		if (!mode || strcmp(mode, "non-blocking") != 0)
			return err_set(e, -EINVAL,
				       "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
		if (parse_size(opt(opts, "max-buffer-size"), &n) < 0)
			return err_set(e, -EINVAL, "error parsing option max-buffer-size: invalid size: '%s'",
				       opt(opts, "max-buffer-size"));
	}
	if (strcmp(driver, "json-file") == 0)
		known = json_file_opts;
	else if (strcmp(driver, local_name) == 0)
		known = local_opts;
	else
		return err_set(e, -EINVAL, "logger: no log driver named '%s' is registered", driver);
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
logconf_merge(const char *def_driver, json_t *def_opts, char **driver, json_t **opts,
	      struct err *e)
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
	return logconf_validate(*driver, *opts, e);
}

bool
logconf_can_read(const char *driver)
{
	return !driver || strcmp(driver, "none") != 0;
}
