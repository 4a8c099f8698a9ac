/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route table: method + path pattern → handler, with what the body may
 * be. Patterns are literal segments, "{name}" (one segment) and "{name*}"
 * (one or more segments, for image names with slashes; matched so that the
 * fixed suffix after it still matches, as moby's greedy patterns do).
 * Each resource file exports a table ending with a zeroed entry; routes.c
 * lists the tables.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "api/request.h"

typedef void (*api_handler)(struct api_request *r);

enum api_body {
	API_BODY_NONE = 0, /* small bodies buffered (64 KiB) and mostly ignored */
	API_BODY_JSON,	   /* buffered up to LIMIT_JSON_BODY */
	API_BODY_UPLOAD,   /* spooled to a temp file, not capped by size */
};

struct api_route {
	const char *method;
	const char *pattern;
	api_handler fn;
	enum api_body body;
};

/* NULL-terminated list of route tables (routes.c). */
extern const struct api_route *const api_route_tables[];

/*
 * Finds the route for @method and @path; fills @params (heap strings, caller
 * frees) with the captured parameters. Returns NULL when nothing matches.
 */
const struct api_route *router_match(const char *method, const char *path,
				     char *params[API_MAX_PARAMS]);

/* Matches one pattern against @path, filling @params on success. */
bool router_pattern_match(const char *pattern, const char *path, char *params[API_MAX_PARAMS]);

/*
 * Splits "/v1.41/x" into version and rest. Returns 1 with the version when a
 * prefix is present, 0 when not (rest = path), -EINVAL for a malformed one.
 */
int router_split_version(const char *path, int *ret_major, int *ret_minor, const char **ret_rest);
