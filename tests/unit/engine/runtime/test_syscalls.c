/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>

#include "engine/runtime/syscalls.h"

Test(syscalls, default_profile_builds)
{
	char *caps[] = {"CAP_CHOWN", "CAP_KILL", NULL};
	scmp_filter_ctx ctx = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(syscalls_default_filter(caps, &ctx, &e), 0, "%s", e.msg);
	cr_expect_not_null(ctx);
	seccomp_release(ctx);
}

Test(syscalls, sys_admin_profile_builds)
{
	char *caps[] = {"CAP_SYS_ADMIN", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE",
			NULL};
	scmp_filter_ctx ctx = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(syscalls_default_filter(caps, &ctx, &e), 0, "%s", e.msg);
	seccomp_release(ctx);
}
