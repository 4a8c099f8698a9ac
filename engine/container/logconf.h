/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log drivers: which ones a container may name, how the daemon's defaults
 * (--log-driver, --log-opt, daemon.json log-driver/log-opts) fill a
 * create request, the checks dockerd makes on the options, and what the
 * options mean for the writer (struct logconf, handed to the shim through
 * the runtime spec). berth has json-file (the default), local (kept in
 * json-file's format with local's defaults, see docs/containers.md) and
 * none; every other name is refused as dockerd refuses a driver it has
 * not registered.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/util/err.h"

#define LOGCONF_DEFAULT_DRIVER "json-file"

/* What the writer does for one container. */
struct logconf {
	bool keep;	  /* false for "none": no log file at all */
	int64_t max_size; /* bytes; 0 = one file that grows without bound */
	int max_files;	  /* >= 1 */
	bool compress;	  /* gzip the rotated files */
};

/*
 * dockerd's mergeAndVerifyLogConfig, run at create: an empty *@driver
 * becomes @def_driver; when the driver is the default one, each of
 * @def_opts' keys the request does not set is added to *@opts (created as
 * an empty object when NULL). Then logconf_validate. *@driver and *@opts
 * are replaced in place (owned by the caller before and after). 0 or
 * -EINVAL with dockerd's message in @e.
 */
int logconf_merge(const char *def_driver, json_t *def_opts, char **driver, json_t **opts,
		  struct err *e);

/*
 * Checks @driver and its @opts (an object of strings; NULL = none) as
 * dockerd does at create, and the option values as its json-file and
 * local drivers do when they start (berth checks them at create, so a bad
 * value never makes a container that cannot start). 0 or -EINVAL.
 */
int logconf_validate(const char *driver, json_t *opts, struct err *e);

/*
 * What a validated @driver (NULL = json-file, for containers created
 * before berth stored it) with @opts means for the writer. 0 or -EINVAL.
 */
int logconf_parse(const char *driver, json_t *opts, struct logconf *ret, struct err *e);

/*
 * json-file's entry attributes (moby's Info.ExtraAttributes): the
 * container @labels named by the "labels" option (comma-separated) or
 * matching "labels-regex", and the variables of @env ("K=V") named by
 * "env" or matching "env-regex". A new object, or NULL when there are none.
 */
json_t *logconf_attrs(json_t *opts, json_t *labels, char *const *env);

/* True when `docker logs` can read @driver's output (all but "none"). */
bool logconf_can_read(const char *driver);

/*
 * Go's units.FromHumanSize, which json-file's max-size uses: decimal
 * multiples ("10k" = 10000, "1.5m", "2MB", "3 g"). 0 or -EINVAL.
 */
int logconf_parse_human_size(const char *s, int64_t *ret);
