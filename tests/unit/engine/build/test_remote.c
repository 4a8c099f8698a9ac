/* SPDX-License-Identifier: Apache-2.0 */
/* Remote build context URL classes and the Dockerfile/archive sniffing. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/build/remote.h"

Test(remote, kind)
{
	cr_expect_eq(build_remote_kind("http://h/x.tar"), BUILD_REMOTE_HTTP);
	cr_expect_eq(build_remote_kind("https://h/Dockerfile"), BUILD_REMOTE_HTTP);
	cr_expect_eq(build_remote_kind("https://h/r.git"), BUILD_REMOTE_GIT);
	cr_expect_eq(build_remote_kind("https://h/r.git#main:sub"), BUILD_REMOTE_GIT);
	cr_expect_eq(build_remote_kind("git://h/r"), BUILD_REMOTE_GIT);
	cr_expect_eq(build_remote_kind("github.com/a/b"), BUILD_REMOTE_GIT);
	cr_expect_eq(build_remote_kind("git@h:a/b"), BUILD_REMOTE_GIT);
	cr_expect_eq(build_remote_kind("file:///etc/passwd"), BUILD_REMOTE_INVALID);
	cr_expect_eq(build_remote_kind("ftp://h/x"), BUILD_REMOTE_INVALID);
	cr_expect_eq(build_remote_kind("/etc/passwd"), BUILD_REMOTE_INVALID);
	cr_expect_eq(build_remote_kind(""), BUILD_REMOTE_INVALID);
	cr_expect_eq(build_remote_kind("http://.git"), BUILD_REMOTE_HTTP);
}

Test(remote, sniff)
{
	static const char df[] = "FROM busybox\n";
	unsigned char tar[512] = {0};

	memcpy(tar + 257, "ustar", 5);
	cr_expect(build_remote_is_dockerfile("text/plain", "\x1f\x8b", 2));
	cr_expect(build_remote_is_dockerfile("Text/Plain; charset=utf-8", df, strlen(df)));
	cr_expect(build_remote_is_dockerfile(NULL, df, strlen(df)));
	cr_expect(build_remote_is_dockerfile("application/octet-stream", df, strlen(df)));
	cr_expect_not(build_remote_is_dockerfile("application/x-tar", df, strlen(df)));
	cr_expect_not(build_remote_is_dockerfile(NULL, "\x1f\x8b\x08", 3));
	cr_expect_not(build_remote_is_dockerfile(NULL, "BZh9", 4));
	cr_expect_not(build_remote_is_dockerfile(NULL, "\xfd" "7zXZ\0", 6));
	cr_expect_not(build_remote_is_dockerfile(NULL, "\x28\xb5\x2f\xfd", 4));
	cr_expect_not(build_remote_is_dockerfile(NULL, tar, sizeof(tar)));
	cr_expect_not(build_remote_is_dockerfile(NULL, "a\0b", 3));
	cr_expect_not(build_remote_is_dockerfile(NULL, "", 0));
}
