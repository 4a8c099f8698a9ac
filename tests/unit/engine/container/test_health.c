/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/health.h"
#include "engine/util/xalloc.h"

#define S 1000000000LL

static struct health_result
result(int64_t start, int code)
{
	return (struct health_result){.start_ns = start,
				      .end_ns = start + 1,
				      .exit_code = code,
				      .output = xstrdup(code ? "fail" : "ok")};
}

static void
config(struct health_config *cfg, const char *json)
{
	json_t *hc = json_loads(json, 0, NULL);
	cr_assert(hc);
	health_config_from_json(hc, NULL, cfg);
	json_decref(hc);
}

Test(health, defaults_and_cmd_shell)
{
	struct health_config cfg;

	config(&cfg, "{\"Test\":[\"CMD-SHELL\",\"exit 0\"]}");
	cr_assert(cfg.argv);
	cr_expect_str_eq(cfg.argv[0], "/bin/sh");
	cr_expect_str_eq(cfg.argv[1], "-c");
	cr_expect_str_eq(cfg.argv[2], "exit 0");
	cr_expect_null(cfg.argv[3]);
	cr_expect_eq(cfg.interval_ns, 30 * S);
	cr_expect_eq(cfg.timeout_ns, 30 * S);
	cr_expect_eq(cfg.start_period_ns, 0);
	cr_expect_eq(cfg.start_interval_ns, 5 * S);
	cr_expect_eq(cfg.retries, 3);
	health_config_release(&cfg);
	config(&cfg, "{\"Test\":[\"CMD\",\"true\",\"x\"],\"Interval\":1000000000,\"Retries\":2}");
	cr_expect_str_eq(cfg.argv[0], "true");
	cr_expect_str_eq(cfg.argv[1], "x");
	cr_expect_eq(cfg.interval_ns, S);
	cr_expect_eq(cfg.retries, 2);
	health_config_release(&cfg);
}

Test(health, none_and_unknown_have_no_probe)
{
	struct health_config cfg;

	config(&cfg, "{\"Test\":[\"NONE\"]}");
	cr_expect_null(cfg.argv);
	config(&cfg, "{\"Test\":[\"WHAT\",\"x\"]}");
	cr_expect_null(cfg.argv);
	config(&cfg, "{}");
	cr_expect_null(cfg.argv);
	health_config_from_json(NULL, NULL, &cfg);
	cr_expect_null(cfg.argv);
}

Test(health, validate_like_dockerd)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"{\"Interval\":5}", "Interval in Healthcheck cannot be less than 1ms"},
		{"{\"Timeout\":-1}", "Timeout in Healthcheck cannot be less than 1ms"},
		{"{\"StartPeriod\":10}", "StartPeriod in Healthcheck cannot be less than 1ms"},
		{"{\"StartInterval\":10}", "StartInterval in Healthcheck cannot be less than 1ms"},
		{"{\"Retries\":-1}", "Retries in Healthcheck cannot be negative"},
		{"{\"Test\":\"CMD true\"}", "Healthcheck.Test: must be an array of strings"},
		{"{\"Interval\":\"1s\"}", "Healthcheck.Interval: must be an integer (nanoseconds)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct err e = ERR_INIT;
		json_t *hc = json_loads(cases[i].json, 0, NULL);
		cr_expect_eq(health_config_validate(hc, &e), -EINVAL, "%s", cases[i].json);
		cr_expect_str_eq(e.msg, cases[i].msg);
		json_decref(hc);
	}
	struct err e = ERR_INIT;
	json_t *ok = json_loads("{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000,\"Retries\":0}",
				0, NULL);
	cr_expect_eq(health_config_validate(ok, &e), 0);
	cr_expect_eq(health_config_validate(NULL, &e), 0);
	json_decref(ok);
}

Test(health, passing_check_becomes_healthy)
{
	struct health_config cfg;
	struct health_state h = {0};
	struct health_result r = result(S, 0);

	config(&cfg, "{\"Test\":[\"CMD\",\"true\"]}");
	health_state_reset(&h, &cfg);
	cr_expect_eq(h.status, HEALTH_STARTING);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_HEALTHY);
	cr_expect_eq(h.failing_streak, 0);
	cr_expect_eq(h.n_log, 1);
	cr_expect_null(r.output); /* moved into the log */
	health_state_release(&h);
	health_config_release(&cfg);
}

Test(health, failing_check_unhealthy_after_retries)
{
	struct health_config cfg;
	struct health_state h = {0};

	config(&cfg, "{\"Test\":[\"CMD\",\"false\"],\"Retries\":2}");
	health_state_reset(&h, &cfg);
	struct health_result r = result(S, 1);
	cr_expect_not(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_STARTING);
	cr_expect_eq(h.failing_streak, 1);
	r = result(2 * S, 1);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_UNHEALTHY);
	cr_expect_eq(h.failing_streak, 2);
	r = result(3 * S, 0);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_HEALTHY);
	cr_expect_eq(h.failing_streak, 0);
	health_state_release(&h);
	health_config_release(&cfg);
}

Test(health, start_period_failures_do_not_count)
{
	struct health_config cfg;
	struct health_state h = {0};

	config(&cfg, "{\"Test\":[\"CMD\",\"false\"],\"Retries\":1,\"StartPeriod\":10000000000}");
	health_state_reset(&h, &cfg);
	for (int i = 1; i < 10; i++) {
		struct health_result r = result(i * S, 1);
		cr_expect_not(health_state_record(&h, &cfg, 0, &r));
	}
	cr_expect_eq(h.status, HEALTH_STARTING);
	cr_expect_eq(h.failing_streak, 0);
	cr_expect_eq(h.n_log, HEALTH_LOG_MAX); /* the last five only */
	cr_expect_eq(h.log[0].start_ns, 5 * S);
	struct health_result r = result(11 * S, 1);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_UNHEALTHY);
	health_state_release(&h);
	health_config_release(&cfg);
}

Test(health, healthy_inside_start_period_counts_failures)
{
	struct health_config cfg;
	struct health_state h = {0};

	config(&cfg, "{\"Test\":[\"CMD\",\"x\"],\"Retries\":1,\"StartPeriod\":100000000000}");
	health_state_reset(&h, &cfg);
	struct health_result r = result(S, 0);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	r = result(2 * S, 1);
	cr_expect(health_state_record(&h, &cfg, 0, &r));
	cr_expect_eq(h.status, HEALTH_UNHEALTHY);
	health_state_release(&h);
	health_config_release(&cfg);
}

Test(health, next_delay_like_moby)
{
	struct health_config cfg;

	config(&cfg, "{\"Test\":[\"CMD\",\"x\"],\"Interval\":10000000000,"
		     "\"StartPeriod\":60000000000,\"StartInterval\":2000000000}");
	cr_expect_eq(health_next_delay(&cfg, HEALTH_STARTING, 0), 2 * S);
	cr_expect_eq(health_next_delay(&cfg, HEALTH_HEALTHY, 0), 10 * S);
	cr_expect_eq(health_next_delay(&cfg, HEALTH_STARTING, 55 * S), 5 * S);
	cr_expect_eq(health_next_delay(&cfg, HEALTH_STARTING, 70 * S), 10 * S);
	health_config_release(&cfg);
}

Test(health, merge_fills_zero_fields_from_image)
{
	json_t *user = json_loads("{\"Interval\":2000000000}", 0, NULL);
	json_t *image = json_loads("{\"Test\":[\"CMD\",\"x\"],\"Interval\":5,\"Retries\":4}", 0,
				   NULL);
	json_t *m = health_merge(user, image);

	cr_expect_eq(json_integer_value(json_object_get(m, "Interval")), 2000000000);
	cr_expect_eq(json_integer_value(json_object_get(m, "Retries")), 4);
	cr_expect_eq(json_array_size(json_object_get(m, "Test")), 2);
	json_decref(m);
	m = health_merge(NULL, image);
	cr_expect(json_equal(m, image));
	json_decref(m);
	cr_expect_null(health_merge(NULL, NULL));
	json_decref(user);
	json_decref(image);
}

Test(health, state_json_round_trip)
{
	struct health_state h = {0}, t = {0};
	struct health_config cfg;
	struct health_result r = result(S, 1);
	json_t *j;

	config(&cfg, "{\"Test\":[\"CMD\",\"x\"]}");
	cr_expect_null(health_state_to_json(&h));
	health_state_reset(&h, &cfg);
	(void)health_state_record(&h, &cfg, 0, &r);
	j = health_state_to_json(&h);
	health_state_from_json(j, &t);
	cr_expect_eq(t.status, HEALTH_STARTING);
	cr_expect_eq(t.failing_streak, 1);
	cr_expect_eq(t.n_log, 1);
	cr_expect_str_eq(t.log[0].output, "fail");
	json_decref(j);
	health_state_release(&h);
	health_state_release(&t);
	health_config_release(&cfg);
}

Test(health, go_duration_strings)
{
	static const struct {
		int64_t ns;
		const char *s;
	} cases[] = {
		{0, "0s"},
		{30 * S, "30s"},
		{1500000000, "1.5s"},
		{500000000, "500ms"},
		{90 * S, "1m30s"},
		{3600 * S, "1h0m0s"},
		{1000, "1µs"},
		{12, "12ns"},
		{1250000, "1.25ms"},
	};
	char out[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		health_format_duration(cases[i].ns, out, sizeof(out));
		cr_expect_str_eq(out, cases[i].s);
	}
}

Test(health, output_truncated_to_4096)
{
	struct health_output o = {.len = 0};
	char big[5000];

	memset(big, 'a', sizeof(big));
	health_output_append(&o, big, 10);
	cr_expect_not(o.truncated);
	health_output_append(&o, big, sizeof(big));
	char *t = health_output_text(&o);
	cr_expect_eq(strlen(t), HEALTH_OUTPUT_MAX + 3);
	cr_expect_str_eq(t + HEALTH_OUTPUT_MAX, "...");
	free(t);
}
