/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health checks, the pure part: the check's configuration (the
 * Healthcheck object of the image or create body, with dockerd's
 * defaults), the health state a container carries (status, failing streak,
 * the last five probe results) and its transitions on each probe result,
 * following moby's daemon/health.go. Scheduling and running probes is
 * healthmon.c's job; this file does no I/O and takes no locks (callers hold
 * the container's lock around the state).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

#define HEALTH_LOG_MAX 5       /* moby maxLogEntries */
#define HEALTH_OUTPUT_MAX 4096 /* moby maxOutputLen; "..." marks a cut */
#define HEALTH_DEFAULT_INTERVAL_NS (30LL * 1000000000)
#define HEALTH_DEFAULT_TIMEOUT_NS (30LL * 1000000000)
#define HEALTH_DEFAULT_START_INTERVAL_NS (5LL * 1000000000)
#define HEALTH_DEFAULT_RETRIES 3
#define HEALTH_MIN_DURATION_NS 1000000LL /* moby MinimumDuration: 1ms */

enum health_status {
	HEALTH_NONE = 0, /* no check (none, NONE, unknown type): no State.Health */
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
};

/* "none", "starting", "healthy", "unhealthy" as Docker spells them. */
const char *health_status_name(enum health_status s);
/* The reverse: 0 or -EINVAL. */
int health_status_parse(const char *s, enum health_status *ret);

/* A check ready to run: argv and timings with the defaults applied. */
struct health_config {
	char **argv; /* NULL: no probe (no check, NONE, unknown type) */
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
	int retries;
};

/*
 * Checks a Healthcheck object as dockerd's validateHealthCheck does:
 * -EINVAL "Interval in Healthcheck cannot be less than 1ms" (also Timeout,
 * StartPeriod, StartInterval), "Retries in Healthcheck cannot be negative",
 * and a wrong type names the field ("Healthcheck.Test"). NULL is fine.
 */
int health_config_validate(json_t *hc, struct err *e);

/*
 * Fills @ret from a Healthcheck object (NULL: no check). CMD runs Test[1:],
 * CMD-SHELL runs @shell (NULL/empty: /bin/sh -c) plus Test[1]. Zero
 * timings take dockerd's defaults. Never fails; release with
 * health_config_release.
 */
void health_config_from_json(json_t *hc, char *const *shell, struct health_config *ret);
void health_config_release(struct health_config *cfg);

/*
 * moby's image → container merge: fills the fields the request left zero
 * or empty from the image's Healthcheck. Returns the merged object (a new
 * reference), or NULL when neither has one.
 */
json_t *health_merge(json_t *user, json_t *image);

struct health_result {
	int64_t start_ns, end_ns; /* wall clock */
	int exit_code;		  /* -1: timeout or could not run */
	char *output;		  /* at most HEALTH_OUTPUT_MAX bytes plus "..." */
};

struct health_state {
	enum health_status status;
	int failing_streak;
	struct health_result log[HEALTH_LOG_MAX]; /* oldest first */
	size_t n_log;
	bool monitored; /* a monitor runs probes for the current run */
};

void health_state_release(struct health_state *h);
/* Deep copy into @ret (released by the caller). */
void health_state_copy(const struct health_state *h, struct health_state *ret);

/* The state at a start: "starting", streak 0, log kept (moby); no-op without a check. */
void health_state_reset(struct health_state *h, const struct health_config *cfg);

/*
 * Records @res (moved in: its output is taken) as moby's handleProbeResult:
 * exit 0 → healthy and streak 0; otherwise the streak grows (and reaches
 * unhealthy at @cfg->retries), except while starting inside the start
 * period counted from @started_ns. Returns whether the status changed.
 */
bool health_state_record(struct health_state *h, const struct health_config *cfg,
			 int64_t started_ns, struct health_result *res);

/*
 * The delay before the next probe, as moby's getInterval: the interval
 * after the start period; inside it the rest of the period when shorter
 * than the interval, else the start interval while starting.
 */
int64_t health_next_delay(const struct health_config *cfg, enum health_status st,
			  int64_t elapsed_since_start_ns);

/* Persistence in state.json: NULL for HEALTH_NONE; from_json accepts NULL. */
json_t *health_state_to_json(const struct health_state *h);
void health_state_from_json(json_t *j, struct health_state *ret);

/* Go's time.Duration.String() ("30s", "1.5s", "500ms", "1m30s") into @out. */
void health_format_duration(int64_t ns, char *out, size_t n);

/* Appends @data to a probe output buffer kept to HEALTH_OUTPUT_MAX bytes. */
struct health_output {
	char buf[HEALTH_OUTPUT_MAX];
	size_t len;
	bool truncated;
};
void health_output_append(struct health_output *o, const char *data, size_t n);
/* The text, with "..." when data was lost; caller frees. */
char *health_output_text(const struct health_output *o);
