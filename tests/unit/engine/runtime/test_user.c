/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/runtime/user.h"

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"# comment\n"
	"broken line\n"
	"bad:x:notanumber:0::/:/bin/sh\n"
	"huge:x:99999999999:0::/:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	"user:x:1000:1000::/home/user:/bin/sh\n"
	"nohome:x:1001:1001\n";
static const char group[] =
	"root:x:0:\n"
	"wheel:x:10:root,user\n"
	"audio:x:29:user\n"
	"nogroup:x:65534:\n"
	"user:x:1000:\n"
	"garbage\n";

static struct runtime_user
resolve_ok(const char *spec, char *const *add)
{
	struct runtime_user u;
	struct err e = ERR_INIT;

	cr_assert_eq(runtime_user_resolve(spec, add, passwd, group, &u, &e), 0, "%s: %s", spec,
		     e.msg);
	return u;
}

Test(user, default_is_root_with_member_groups)
{
	struct runtime_user u = resolve_ok("", NULL);

	cr_expect_eq(u.uid, 0);
	cr_expect_eq(u.gid, 0);
	cr_expect_str_eq(u.home, "/root");
	cr_expect_eq(u.n_groups, 2);
	cr_expect_eq(u.groups[1], 10);
	runtime_user_release(&u);
}

Test(user, name_and_numeric)
{
	struct runtime_user u = resolve_ok("user", NULL);

	cr_expect_eq(u.uid, 1000);
	cr_expect_eq(u.gid, 1000);
	cr_expect_eq(u.n_groups, 3); /* 1000, wheel, audio */
	cr_expect_str_eq(u.home, "/home/user");
	runtime_user_release(&u);
	u = resolve_ok("1000", NULL);
	cr_expect_eq(u.gid, 1000);
	cr_expect_eq(u.n_groups, 3);
	runtime_user_release(&u);
	u = resolve_ok("nobody", NULL);
	cr_expect_eq(u.uid, 65534);
	runtime_user_release(&u);
}

Test(user, numeric_unknown_defaults_gid_0)
{
	struct runtime_user u = resolve_ok("4242", NULL);

	cr_expect_eq(u.uid, 4242);
	cr_expect_eq(u.gid, 0);
	cr_expect_str_eq(u.home, "/");
	runtime_user_release(&u);
}

Test(user, explicit_group)
{
	char *add[] = {"audio", "777", NULL};
	struct runtime_user u = resolve_ok("user:wheel", add);

	cr_expect_eq(u.uid, 1000);
	cr_expect_eq(u.gid, 10);
	cr_expect_eq(u.n_groups, 3); /* wheel, audio, 777: no member lookup with a group given */
	cr_expect_eq(u.groups[2], 777);
	runtime_user_release(&u);
	u = resolve_ok("0:4000", NULL);
	cr_expect_eq(u.gid, 4000);
	runtime_user_release(&u);
}

Test(user, errors_worded_like_dockerd)
{
	struct runtime_user u;
	struct err e = ERR_INIT;
	char *add[] = {"nosuch", NULL};

	cr_expect_eq(runtime_user_resolve("bob", NULL, passwd, group, &u, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "unable to find user bob: no matching entries in passwd file");
	cr_expect_eq(runtime_user_resolve("user:nosuch", NULL, passwd, group, &u, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "unable to find group nosuch: no matching entries in group file");
	cr_expect_eq(runtime_user_resolve("user", add, passwd, group, &u, &e), -ENOENT);
	cr_expect_eq(runtime_user_resolve("user:", NULL, passwd, group, &u, &e), -EINVAL);
	cr_expect_eq(runtime_user_resolve("99999999999", NULL, passwd, group, &u, &e), -EINVAL);
	cr_expect_eq(runtime_user_resolve("huge", NULL, passwd, group, &u, &e), -ENOENT);
	cr_expect_eq(runtime_user_resolve("bad", NULL, passwd, group, &u, &e), -ENOENT);
}

Test(user, missing_files)
{
	struct runtime_user u;
	struct err e = ERR_INIT;

	cr_assert_eq(runtime_user_resolve("1000:1000", NULL, NULL, NULL, &u, &e), 0);
	cr_expect_eq(u.uid, 1000);
	cr_expect_eq(u.gid, 1000);
	runtime_user_release(&u);
	cr_expect_eq(runtime_user_resolve("root", NULL, NULL, NULL, &u, &e), -ENOENT);
}

Test(user, short_home_field)
{
	struct runtime_user u = resolve_ok("nohome", NULL);

	cr_expect_eq(u.uid, 1001);
	cr_expect_str_eq(u.home, "/");
	runtime_user_release(&u);
}
