/* SPDX-License-Identifier: Apache-2.0 */
/* Docker seccomp profiles: valid ones build a filter, hostile ones fail cleanly. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runtime/seccomp_profile.h"
#include "engine/util/buf.h"

static int
parse(const char *text, struct seccomp_profile *p, struct err *e)
{
	char *caps[] = {"CAP_CHOWN", "CAP_SYS_ADMIN", NULL};

	return seccomp_profile_parse(text, strlen(text), caps, p, e);
}

Test(seccomp_profile, deny_mkdir_builds)
{
	struct seccomp_profile p;
	struct err e = ERR_INIT;
	scmp_filter_ctx ctx = NULL;

	cr_assert_eq(parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
			   "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":"
			   "[\"mkdir\",\"mkdirat\",\"no_such_call\"],\"action\":\"SCMP_ACT_ERRNO\","
			   "\"errnoRet\":1}]}",
			   &p, &e),
		     0, "%s", e.msg);
	cr_expect_eq(p.n_rules, 1);
	cr_expect_eq(p.rules[0].action, SCMP_ACT_ERRNO(1));
	cr_assert_eq(seccomp_profile_filter(&p, &ctx, &e), 0, "%s", e.msg);
	cr_expect_not_null(ctx);
	seccomp_release(ctx);
	seccomp_profile_release(&p);
}

Test(seccomp_profile, args_conditions_and_archmap)
{
	struct seccomp_profile p;
	struct err e = ERR_INIT;
	scmp_filter_ctx ctx = NULL;

	cr_assert_eq(parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			   "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
			   "\"subArchitectures\":"
			   "[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},{\"architecture\":\"SCMP_ARCH_"
			   "AARCH64\"}],"
			   "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_"
			   "ALLOW\"},"
			   "{\"name\":\"personality\",\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
			   "\"index\":0,"
			   "\"value\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":8,\"op\":"
			   "\"SCMP_CMP_EQ\"}]},"
			   "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			   "\"caps\":[\"CAP_BPF\"]}},"
			   "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			   "\"caps\":[\"CAP_SYS_ADMIN\"]}},"
			   "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{"
			   "\"caps\":[\"CAP_SYS_ADMIN\"]}},"
			   "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			   "\"minKernel\":\"4.8\"}}]}",
			   &p, &e),
		     0, "%s", e.msg);
	/* bpf needs CAP_BPF (not held); clone is excluded with CAP_SYS_ADMIN */
	cr_expect_eq(p.n_rules, 4);
	cr_expect_eq(p.default_action, SCMP_ACT_ERRNO(38));
	cr_expect_eq(p.n_arches, 3);
	cr_assert_eq(seccomp_profile_filter(&p, &ctx, &e), 0, "%s", e.msg);
	seccomp_release(ctx);
	seccomp_profile_release(&p);
}

Test(seccomp_profile, empty_profile_disables)
{
	struct seccomp_profile p;
	struct err e = ERR_INIT;
	scmp_filter_ctx ctx = (scmp_filter_ctx)1;

	cr_assert_eq(parse("{}", &p, &e), 0, "%s", e.msg);
	cr_expect(p.disabled);
	cr_assert_eq(seccomp_profile_filter(&p, &ctx, &e), 0);
	cr_expect_null(ctx);
	seccomp_profile_release(&p);
}

struct bad_case {
	const char *json;
	int code;
	const char *msg;
};

static const struct bad_case bad[] = {
	{"not json", -EINVAL, "Decoding seccomp profile failed"},
	{"[]", -EINVAL, "cannot unmarshal array"},
	{"{\"defaultAction\":\"SCMP_ACT_MAYBE\"}", -EINVAL,
	 "string SCMP_ACT_MAYBE is not a valid action for seccomp"},
	{"{\"defaultAction\":7}", -EINVAL,
	 "cannot unmarshal number into Go struct field Seccomp.defaultAction"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", -EINVAL,
	 "cannot unmarshal object"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
	 "\"SCMP_ACT_NOPE\"}]}",
	 -EINVAL, "not a valid action"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",3],\"action\":"
	 "\"SCMP_ACT_ERRNO\"}]}",
	 -EINVAL, "cannot unmarshal number"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"mkdir\",\"action\":"
	 "\"SCMP_ACT_ERRNO\"}]}",
	 -EINVAL, "cannot unmarshal string"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
	 "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	 -EINVAL, "both 'name' and 'names'"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	 "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	 -EINVAL, "index 9 out of range"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	 "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_SIMILAR\"}]}]}",
	 -EINVAL, "not a valid operator"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	 "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	 -EINVAL, "cannot unmarshal number -1"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	 "\"SCMP_ACT_ERRNO\",\"errnoRet\":\"1\"}]}",
	 -EINVAL, "Syscall.errnoRet"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}", -EINVAL,
	 "string SCMP_ARCH_Z80 is not a valid arch for seccomp"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],\"archMap\":["
	 "{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
	 -EINVAL, "both 'architectures' and 'archMap'"},
	{"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", -EINVAL, "SCMP_ACT_NOTIFY"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
	 "\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":\"four\"}}]}",
	 -EINVAL, "invalid kernel version"},
	{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultAction\":\"SCMP_ACT_KILL\"}", -EINVAL,
	 "duplicate"},
};

Test(seccomp_profile, hostile_profiles_refused)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seccomp_profile p;
		struct err e = ERR_INIT;
		int r = parse(bad[i].json, &p, &e);
		cr_expect_eq(r, bad[i].code, "case %zu: %d (%s)", i, r, e.msg);
		cr_expect(strstr(e.msg, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, e.msg,
			  bad[i].msg);
		seccomp_profile_release(&p);
	}
}

/* Huge arrays: too many entries or names is E2BIG, not a long wait or a crash. */
Test(seccomp_profile, huge_arrays_refused)
{
	struct buf b = BUF_INIT;
	struct seccomp_profile p;
	struct err e = ERR_INIT;

	buf_puts(&b, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[");
	for (unsigned i = 0; i <= LIMIT_SECCOMP_RULES; i++)
		buf_printf(&b, "%s{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"}",
			   i ? "," : "");
	buf_puts(&b, "]}");
	cr_expect_eq(seccomp_profile_parse(b.data, b.len, NULL, &p, &e), -E2BIG, "%s", e.msg);
	seccomp_profile_release(&p);
	buf_reset(&b);

	buf_puts(&b, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_"
		     "ERRNO\",\"names\":[");
	for (unsigned i = 0; i <= LIMIT_SECCOMP_NAMES; i++)
		buf_printf(&b, "%s\"read\"", i ? "," : "");
	buf_puts(&b, "]}]}");
	e = (struct err)ERR_INIT;
	cr_expect_eq(seccomp_profile_parse(b.data, b.len, NULL, &p, &e), -E2BIG, "%s", e.msg);
	seccomp_profile_release(&p);
	buf_release(&b);
}
