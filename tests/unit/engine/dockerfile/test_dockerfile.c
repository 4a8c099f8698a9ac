/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dockerfile parser: the data-driven suite (tests/unit/data/dockerfile:
 * valid/<case>/{input,expect} lists each instruction as
 * `KIND line json=0|1 flags=[...] args=[...]`; invalid/<case>/expect is the
 * error message) plus a few direct cases.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "engine/dockerfile/dockerfile.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static char *
render(const struct dockerfile *df)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->instrs[i];
		json_t *f = strv_to_json(in->flags), *a = strv_to_json(in->args);
		if (!in->flags)
			f = json_array();
		char *fs = json_dumps(f, JSON_COMPACT | JSON_ENCODE_ANY);
		char *as = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_printf(&b, "%s %d json=%d flags=%s args=%s\n", df_kind_name(in->kind), in->line,
			   in->json, fs, as);
		free(fs);
		free(as);
		json_decref(f);
		json_decref(a);
	}
	return buf_detach(&b, NULL);
}

static void
run_dir(const char *kind, bool valid)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", BUILD_TEST_DATA, kind);
	DIR *d = opendir(dir);
	struct dirent *de;
	int cases = 0;

	cr_assert(d, "no test data in %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *in = xasprintf("%s/%s/input", dir, de->d_name);
		_cleanup_free_ char *ex = xasprintf("%s/%s/expect", dir, de->d_name);
		_cleanup_buf_ struct buf input = BUF_INIT, expect = BUF_INIT;
		struct dockerfile df = {0};
		struct err e = ERR_INIT;
		cr_assert_eq(fs_read_file(in, 1 << 20, &input), 0);
		cr_assert_eq(fs_read_file(ex, 1 << 20, &expect), 0);
		int r = dockerfile_parse(input.data ? input.data : "", input.len, "Dockerfile", &df, &e);
		if (valid) {
			cr_expect_eq(r, 0, "%s: %s", de->d_name, e.msg);
			_cleanup_free_ char *got = render(&df);
			cr_expect_str_eq(got, expect.data, "%s", de->d_name);
		} else {
			cr_expect_lt(r, 0, "%s: parsed", de->d_name);
			size_t l = expect.len;
			while (l && expect.data[l - 1] == '\n')
				expect.data[--l] = '\0';
			cr_expect_str_eq(e.msg, expect.data, "%s", de->d_name);
		}
		dockerfile_release(&df);
		cases++;
	}
	closedir(d);
	cr_expect_gt(cases, 0);
}

Test(dockerfile, valid_cases) { run_dir("valid", true); }
Test(dockerfile, invalid_cases) { run_dir("invalid", false); }

Test(dockerfile, refuses_oversize_and_nul)
{
	struct dockerfile df = {0};
	struct err e = ERR_INIT;
	char *big = xcalloc(1, LIMIT_DOCKERFILE_BYTES + 2);

	memset(big, 'a', LIMIT_DOCKERFILE_BYTES + 1);
	cr_expect_eq(dockerfile_parse(big, LIMIT_DOCKERFILE_BYTES + 1, "Dockerfile", &df, &e), -E2BIG);
	free(big);
	cr_expect_eq(dockerfile_parse("FROM a\0", 7, "Dockerfile", &df, &e), -EINVAL);
}

Test(dockerfile, flags_lookup)
{
	struct df_instr in = {0};
	struct err e = ERR_INIT;
	static const char *const allowed[] = { "from", NULL };

	cr_assert_eq(dockerfile_parse_line("COPY --from=base --chown=1 a /b", '\\', &in, &e), 0);
	cr_expect_str_eq(df_flag(&in, "from"), "base");
	cr_expect_str_eq(df_flag(&in, "chown"), "1");
	cr_expect_null(df_flag(&in, "fro"));
	cr_expect_eq(df_check_flags(&in, allowed, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "Unknown flag: chown");
	df_instr_release(&in);
}
