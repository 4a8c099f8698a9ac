/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health check configuration and state transitions (see health.h). The
 * rules and messages follow moby's daemon/health.go and validateHealthCheck.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/health.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static const char *const status_names[] = {
	[HEALTH_NONE] = "none",
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
};

const char *
health_status_name(enum health_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(*status_names) ? status_names[s]
									  : "none";
}

int
health_status_parse(const char *s, enum health_status *ret)
{
	for (size_t i = 0; s && i < sizeof(status_names) / sizeof(*status_names); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*ret = (enum health_status)i;
			return 0;
		}
	return -EINVAL;
}

static const char *const duration_keys[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};

int
health_config_validate(json_t *hc, struct err *e)
{
	json_t *test, *v;
	size_t i;

	if (!hc || json_is_null(hc))
		return 0;
	if (!json_is_object(hc))
		return err_set(e, -EINVAL, "Healthcheck: must be an object");
	test = json_object_get(hc, "Test");
	if (test && !json_is_null(test) && !json_is_array(test))
		return err_set(e, -EINVAL, "Healthcheck.Test: must be an array of strings");
	json_array_foreach(test, i, v)
		if (!json_is_string(v))
			return err_set(e, -EINVAL, "Healthcheck.Test: must be an array of strings");
	for (i = 0; i < sizeof(duration_keys) / sizeof(*duration_keys); i++) {
		v = json_object_get(hc, duration_keys[i]);
		if (v && !json_is_null(v) && !json_is_integer(v))
			return err_set(e, -EINVAL,
				       "Healthcheck.%s: must be an integer (nanoseconds)",
				       duration_keys[i]);
		if (json_integer_value(v) != 0 && json_integer_value(v) < HEALTH_MIN_DURATION_NS)
			return err_set(e, -EINVAL, "%s in Healthcheck cannot be less than 1ms",
				       duration_keys[i]);
	}
	v = json_object_get(hc, "Retries");
	if (v && !json_is_null(v) && !json_is_integer(v))
		return err_set(e, -EINVAL, "Healthcheck.Retries: must be an integer");
	if (json_integer_value(v) < 0)
		return err_set(e, -EINVAL, "Retries in Healthcheck cannot be negative");
	if (json_integer_value(v) > 1000000)
		return err_set(e, -EINVAL, "Healthcheck.Retries: out of range");
	return 0;
}

static int64_t
duration_or(json_t *hc, const char *key, int64_t dflt)
{
	int64_t v = json_integer_value(json_object_get(hc, key));

	return v > 0 ? v : dflt;
}

void
health_config_from_json(json_t *hc, char *const *shell, struct health_config *ret)
{
	json_t *test = json_object_get(hc, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	json_t *v;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->interval_ns = duration_or(hc, "Interval", HEALTH_DEFAULT_INTERVAL_NS);
	ret->timeout_ns = duration_or(hc, "Timeout", HEALTH_DEFAULT_TIMEOUT_NS);
	ret->start_period_ns = duration_or(hc, "StartPeriod", 0);
	ret->start_interval_ns = duration_or(hc, "StartInterval", HEALTH_DEFAULT_START_INTERVAL_NS);
	ret->retries = (int)json_integer_value(json_object_get(hc, "Retries"));
	if (ret->retries <= 0)
		ret->retries = HEALTH_DEFAULT_RETRIES;
	if (!kind || json_array_size(test) < 2)
		return; /* no check, NONE, or a type without a command */
	if (strcmp(kind, "CMD-SHELL") == 0) {
		ret->argv = strv_len(shell) ? strv_dup(shell) : NULL;
		if (!ret->argv) {
			strv_append(&ret->argv, "/bin/sh");
			strv_append(&ret->argv, "-c");
		}
	} else if (strcmp(kind, "CMD") != 0) {
		return; /* moby: "Unknown healthcheck type", no probe */
	}
	json_array_foreach(test, i, v)
		if (i > 0 && json_is_string(v))
			strv_append(&ret->argv, json_string_value(v));
}

void
health_config_release(struct health_config *cfg)
{
	strv_free(cfg->argv);
	memset(cfg, 0, sizeof(*cfg));
}

json_t *
health_merge(json_t *user, json_t *image)
{
	static const char *const keys[] = {"Interval", "Timeout", "StartPeriod", "StartInterval",
					   "Retries"};
	json_t *m;

	if (!json_is_object(image))
		return user ? json_incref(user) : NULL;
	if (!json_is_object(user))
		return json_deep_copy(image);
	m = json_deep_copy(user);
	if (json_array_size(json_object_get(m, "Test")) == 0 && json_object_get(image, "Test"))
		json_object_set_new(m, "Test", json_deep_copy(json_object_get(image, "Test")));
	/* copies: @image may be a shared, cached document (create.c) */
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (json_integer_value(json_object_get(m, keys[i])) == 0 &&
		    json_object_get(image, keys[i]))
			json_object_set_new(m, keys[i],
					    json_deep_copy(json_object_get(image, keys[i])));
	return m;
}

void
health_state_release(struct health_state *h)
{
	for (size_t i = 0; i < h->n_log; i++)
		free(h->log[i].output);
	memset(h, 0, sizeof(*h));
}

void
health_state_copy(const struct health_state *h, struct health_state *ret)
{
	*ret = *h;
	for (size_t i = 0; i < h->n_log; i++)
		ret->log[i].output = xstrdup(h->log[i].output ? h->log[i].output : "");
}

void
health_state_reset(struct health_state *h, const struct health_config *cfg)
{
	if (!cfg->argv)
		return;
	h->status = HEALTH_STARTING;
	h->failing_streak = 0;
}

bool
health_state_record(struct health_state *h, const struct health_config *cfg, int64_t started_ns,
		    struct health_result *res)
{
	enum health_status old = h->status;

	if (h->n_log == HEALTH_LOG_MAX) {
		free(h->log[0].output);
		memmove(&h->log[0], &h->log[1], (HEALTH_LOG_MAX - 1) * sizeof(*h->log));
		h->n_log--;
	}
	h->log[h->n_log++] = *res;
	res->output = NULL;
	if (h->log[h->n_log - 1].exit_code == 0) {
		h->failing_streak = 0;
		h->status = HEALTH_HEALTHY;
		return old != h->status;
	}
	/* Failures inside the start period do not count until a first success. */
	if (h->status == HEALTH_STARTING && res->start_ns - started_ns < cfg->start_period_ns)
		return false;
	h->failing_streak++;
	if (h->failing_streak >= cfg->retries)
		h->status = HEALTH_UNHEALTHY;
	return old != h->status;
}

int64_t
health_next_delay(const struct health_config *cfg, enum health_status st, int64_t elapsed_ns)
{
	if (elapsed_ns >= cfg->start_period_ns)
		return cfg->interval_ns;
	if (cfg->start_period_ns - elapsed_ns < cfg->interval_ns)
		return cfg->start_period_ns - elapsed_ns;
	return st == HEALTH_STARTING ? cfg->start_interval_ns : cfg->interval_ns;
}

json_t *
health_state_to_json(const struct health_state *h)
{
	json_t *log = json_array();

	if (h->status == HEALTH_NONE) {
		json_decref(log);
		return NULL;
	}
	for (size_t i = 0; i < h->n_log; i++)
		json_array_append_new(log, json_pack("{s:I,s:I,s:i,s:s}", "start_ns",
						     (json_int_t)h->log[i].start_ns, "end_ns",
						     (json_int_t)h->log[i].end_ns, "exit_code",
						     h->log[i].exit_code, "output",
						     h->log[i].output ? h->log[i].output : ""));
	return json_pack("{s:s,s:i,s:o}", "status", health_status_name(h->status), "failing_streak",
			 h->failing_streak, "log", log);
}

void
health_state_from_json(json_t *j, struct health_state *ret)
{
	json_t *log = json_object_get(j, "log"), *v;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (!json_is_object(j) ||
	    health_status_parse(json_string_value(json_object_get(j, "status")), &ret->status) < 0)
		return;
	ret->failing_streak = (int)json_integer_value(json_object_get(j, "failing_streak"));
	json_array_foreach(log, i, v) {
		if (ret->n_log == HEALTH_LOG_MAX)
			break;
		struct health_result *r = &ret->log[ret->n_log++];
		r->start_ns = json_integer_value(json_object_get(v, "start_ns"));
		r->end_ns = json_integer_value(json_object_get(v, "end_ns"));
		r->exit_code = (int)json_integer_value(json_object_get(v, "exit_code"));
		r->output = xstrdup(json_string_value(json_object_get(v, "output")) ?: "");
	}
}

/* Appends ".ddd" of @frac (with @digits digits) without trailing zeros, as Go does. */
static size_t
put_fraction(char *out, size_t n, long long frac, int digits)
{
	char tmp[16];
	int len;

	if (frac == 0 || n == 0)
		return 0;
	len = snprintf(tmp, sizeof(tmp), ".%0*lld", digits, frac);
	while (len > 1 && tmp[len - 1] == '0')
		tmp[--len] = '\0';
	return (size_t)snprintf(out, n, "%s", tmp);
}

void
health_format_duration(int64_t ns, char *out, size_t n)
{
	unsigned long long u = ns < 0 ? -(unsigned long long)ns : (unsigned long long)ns;
	size_t k = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	if (ns < 0)
		k += (size_t)snprintf(out, n, "-");
	if (u == 0) {
		snprintf(out, n, "0s");
	} else if (u < 1000ULL) {
		snprintf(out + k, n - k, "%lluns", u);
	} else if (u < 1000000ULL) {
		k += (size_t)snprintf(out + k, n - k, "%llu", u / 1000);
		k += put_fraction(out + k, k < n ? n - k : 0, (long long)(u % 1000), 3);
		if (k < n)
			snprintf(out + k, n - k, "µs");
	} else if (u < 1000000000ULL) {
		k += (size_t)snprintf(out + k, n - k, "%llu", u / 1000000);
		k += put_fraction(out + k, k < n ? n - k : 0, (long long)(u % 1000000), 6);
		if (k < n)
			snprintf(out + k, n - k, "ms");
	} else {
		unsigned long long s = u / 1000000000ULL, h = s / 3600, m = (s / 60) % 60;
		if (h)
			k += (size_t)snprintf(out + k, n - k, "%lluh%llum", h, m);
		else if (m)
			k += (size_t)snprintf(out + k, n - k, "%llum", m);
		if (k < n)
			k += (size_t)snprintf(out + k, n - k, "%llu", s % 60);
		if (k < n)
			k += put_fraction(out + k, n - k, (long long)(u % 1000000000ULL), 9);
		if (k < n)
			snprintf(out + k, n - k, "s");
	}
}

void
health_output_append(struct health_output *o, const char *data, size_t n)
{
	size_t keep = sizeof(o->buf) - o->len < n ? sizeof(o->buf) - o->len : n;

	memcpy(o->buf + o->len, data, keep);
	o->len += keep;
	if (keep < n)
		o->truncated = true;
}

char *
health_output_text(const struct health_output *o)
{
	return xasprintf("%.*s%s", (int)o->len, o->buf, o->truncated ? "..." : "");
}
