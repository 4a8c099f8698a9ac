/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checked parsers for numbers and the Docker boolean rule. Each consumes the
 * whole string and range-checks; atoi and bare strtol are not used anywhere.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Decimal integer in [min, max]: 0, -EINVAL (syntax) or -ERANGE. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);
int parse_uint64(const char *s, uint64_t max, uint64_t *ret);

/*
 * Docker's query boolean (moby httputils.BoolValue): trimmed, lower-cased;
 * "", "0", "no", "false", "none" are false, anything else true. NULL (key
 * absent) yields @dflt.
 */
bool parse_docker_bool(const char *s, bool dflt);

/* Strict boolean for JSON-ish strings: "1"/"true" or "0"/"false": 0 or -EINVAL. */
int parse_strict_bool(const char *s, bool *ret);

/* Human size "64m", "1g", "512k", "100" (bytes): 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, int64_t *ret);

/* True when @s starts with @prefix; returns the rest through @ret_rest. */
bool str_startswith(const char *s, const char *prefix, const char **ret_rest);
bool str_endswith(const char *s, const char *suffix);

/* True when @s is exactly @n lower-case hex digits (n==0: any length >= 1). */
bool str_is_hex(const char *s, size_t n);

/* A Go-style duration as CLIs pass them in until filters ("24h", "1h30m",
 * "10s", "500ms"): 0 and nanoseconds, -EINVAL, -ERANGE. */
int parse_go_duration(const char *s, int64_t *ret);
