/* SPDX-License-Identifier: Apache-2.0 */
/* The metadata instructions' config applier shared by build and import. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/dockerfile/dfconfig.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"

static int
apply(json_t *cfg, const char *line, struct dfconfig_ctx *ctx, char **text, struct err *e)
{
	struct df_instr in = {0};
	int r = dockerfile_parse_line(line, '\\', &in, e);

	if (r == 0)
		r = dfconfig_apply(cfg, &in, ctx, text, e);
	df_instr_release(&in);
	return r;
}

static char *
dump(json_t *cfg)
{
	return json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
}

Test(dfconfig, history_texts_and_config)
{
	static const char *const lines[][2] = {
		{ "ENV A=1 B=\"two words\"", "ENV A=1 B=two words" },
		{ "LABEL k=$A", "LABEL k=1" },
		{ "EXPOSE 80 53/UDP 7000-7001", "EXPOSE 80/tcp 53/udp 7000/tcp 7001/tcp" },
		{ "VOLUME /v1 /v2", "VOLUME [/v1 /v2]" },
		{ "USER ${A}000", "USER 1000" },
		{ "WORKDIR w/../x/.", "WORKDIR /x" },
		{ "WORKDIR y", "WORKDIR /x/y" },
		{ "ENTRYPOINT [\"/e\"]", "ENTRYPOINT [\"/e\"]" },
		{ "SHELL [\"/bin/bash\", \"-c\"]", "SHELL [/bin/bash -c]" },
		{ "CMD echo hi", "CMD [\"/bin/bash\" \"-c\" \"echo hi\"]" },
		{ "ONBUILD RUN x", "ONBUILD RUN x" },
		{ "STOPSIGNAL SIGINT", "STOPSIGNAL SIGINT" },
		{ "HEALTHCHECK --interval=5s --retries=2 CMD true", "HEALTHCHECK --interval=5s --retries=2 CMD true" },
	};
	_cleanup_json_ json_t *cfg = json_object();
	struct dfconfig_ctx ctx = { .escape = '\\' };
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		_cleanup_strv_ char **env = NULL;
		_cleanup_free_ char *text = NULL;
		(void)strv_from_json(json_object_get(cfg, "Env"), &env);
		ctx.env = env;
		cr_assert_eq(apply(cfg, lines[i][0], &ctx, &text, &e), 0, "%s: %s", lines[i][0], e.msg);
		cr_expect_str_eq(text, lines[i][1]);
	}
	_cleanup_free_ char *c = dump(cfg);
	cr_expect_str_eq(c, "{\"Cmd\":[\"/bin/bash\",\"-c\",\"echo hi\"],\"Entrypoint\":[\"/e\"],"
			    "\"Env\":[\"A=1\",\"B=two words\"],"
			    "\"ExposedPorts\":{\"53/udp\":{},\"7000/tcp\":{},\"7001/tcp\":{},\"80/tcp\":{}},"
			    "\"Healthcheck\":{\"Interval\":5000000000,\"Retries\":2,"
			    "\"Test\":[\"CMD-SHELL\",\"true\"]},"
			    "\"Labels\":{\"k\":\"1\"},\"OnBuild\":[\"RUN x\"],"
			    "\"Shell\":[\"/bin/bash\",\"-c\"],\"StopSignal\":\"SIGINT\",\"User\":\"1000\","
			    "\"Volumes\":{\"/v1\":{},\"/v2\":{}},\"WorkingDir\":\"/x/y\"}");
	cr_expect(ctx.cmd_set);
}

/* An ENTRYPOINT resets an inherited Cmd unless this stage set one (moby). */
Test(dfconfig, entrypoint_resets_inherited_cmd)
{
	_cleanup_json_ json_t *cfg = json_pack("{s:[s]}", "Cmd", "sh");
	struct dfconfig_ctx ctx = { .escape = '\\' };
	_cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(apply(cfg, "ENTRYPOINT [\"/e\"]", &ctx, &t1, &e), 0, "%s", e.msg);
	cr_expect(json_is_null(json_object_get(cfg, "Cmd")));
	cr_assert_eq(apply(cfg, "CMD [\"a\"]", &ctx, &t2, &e), 0, "%s", e.msg);
	cr_assert_eq(apply(cfg, "ENTRYPOINT [\"/f\"]", &ctx, &t3, &e), 0, "%s", e.msg);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)), "a");
}

static int
no_signals(const char *s)
{
	return strcmp(s, "SIGOK") == 0 ? 1 : -EINVAL;
}

Test(dfconfig, errors_read_like_dockerd)
{
	static const char *const bad[][2] = {
		{ "EXPOSE 80/xyz", "invalid containerPort: 80/xyz" },
		{ "EXPOSE 99999", "invalid containerPort: 99999" },
		{ "EXPOSE 90-80", "invalid port range: 90-80" },
		{ "ENV =x", "ENV names can not be blank" },
		{ "VOLUME [\"\"]", "VOLUME specified can not be an empty string" },
		{ "STOPSIGNAL SIGNOPE", "Invalid signal: SIGNOPE" },
		{ "USER --chown=1 x", "Unknown flag: chown" },
		{ "HEALTHCHECK --interval=1us CMD true", "Interval \"interval\" cannot be less than 1ms" },
	};
	struct dfconfig_ctx ctx = { .escape = '\\', .parse_signal = no_signals };
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_json_ json_t *cfg = json_object();
		char *text = NULL;
		err_clear(&e);
		cr_expect_eq(apply(cfg, bad[i][0], &ctx, &text, &e), -EINVAL, "%s", bad[i][0]);
		cr_expect_str_eq(e.msg, bad[i][1]);
		cr_expect_null(text);
	}
}

Test(dfconfig, only_config_instructions)
{
	_cleanup_json_ json_t *cfg = json_object();
	struct dfconfig_ctx ctx = { .escape = '\\' };
	char *text = NULL;
	struct err e = ERR_INIT;

	cr_expect_not(dfconfig_handles(DF_RUN));
	cr_expect_not(dfconfig_handles(DF_FROM));
	cr_expect(dfconfig_handles(DF_HEALTHCHECK));
	cr_expect_eq(apply(cfg, "RUN true", &ctx, &text, &e), -EINVAL);
}

Test(dfconfig, clean_path)
{
	static const char *const cases[][2] = {
		{ "/", "/" }, { "/a/./b/../c", "/a/c" }, { "//a//b/", "/a/b" }, { "/../..", "/" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *p = dfconfig_clean_path(cases[i][0]);
		cr_expect_str_eq(p, cases[i][1], "%s", cases[i][0]);
	}
}

/* The `changes` of import and commit: the allowed instructions, variables
 * expanded against the Env set by earlier lines, empty lines skipped. */
Test(dfconfig, apply_changes)
{
	static const char *const ok[] = {"ENV x=1",	     "",  "LABEL l=$x", "CMD [\"sh\"]",
					 "HEALTHCHECK NONE", NULL};
	static const char *const run[] = {"ENV y=2", "run echo x", NULL};
	static const char *const from[] = {"FROM busybox", NULL};
	_cleanup_json_ json_t *cfg = json_object();
	_cleanup_free_ char *text = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(dfconfig_apply_changes(cfg, ok, &e), 0, "%s", e.msg);
	text = dump(cfg);
	cr_expect_str_eq(text, "{\"Cmd\":[\"sh\"],\"Env\":[\"x=1\"],\"Healthcheck\":{\"Test\":"
			       "[\"NONE\"]},\"Labels\":{\"l\":\"1\"}}");
	cr_expect_eq(dfconfig_apply_changes(cfg, run, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "RUN is not a valid change command");
	e = (struct err)ERR_INIT;
	cr_expect_eq(dfconfig_apply_changes(cfg, from, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "FROM is not a valid change command");
	cr_expect_eq(dfconfig_apply_changes(cfg, NULL, &e), 0);
}
