/* SPDX-License-Identifier: Apache-2.0 */
/* Table-driven tests for engine/reference.c: valid and invalid references. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/reference.h"
#include "engine/util/cleanup.h"

struct valid_case {
	const char *in;
	const char *canonical;	/* after reference_default_tag */
	const char *familiar;	/* after reference_default_tag */
	const char *remote;
	const char *host;
};

static const struct valid_case valid[] = {
	{"busybox", "docker.io/library/busybox:latest", "busybox:latest", "library/busybox",
	 "registry-1.docker.io"},
	{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "library/busybox",
	 "registry-1.docker.io"},
	{"user/app", "docker.io/user/app:latest", "user/app:latest", "user/app",
	 "registry-1.docker.io"},
	{"docker.io/library/alpine:3", "docker.io/library/alpine:3", "alpine:3", "library/alpine",
	 "registry-1.docker.io"},
	{"index.docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest",
	 "library/alpine", "registry-1.docker.io"},
	{"docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest",
	 "library/a/b", "registry-1.docker.io"},
	{"127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1", "app",
	 "127.0.0.1:5000"},
	{"localhost/x", "localhost/x:latest", "localhost/x:latest", "x", "localhost"},
	{"localhost:5000/a/b/c:v1.0-rc_1", "localhost:5000/a/b/c:v1.0-rc_1",
	 "localhost:5000/a/b/c:v1.0-rc_1", "a/b/c", "localhost:5000"},
	/* "localhost:5000" alone is the name localhost with tag 5000, as in Docker. */
	{"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000",
	 "library/localhost", "registry-1.docker.io"},
	{"my.registry/ns/img@sha256:" "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "my.registry/ns/img@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "my.registry/ns/img@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "ns/img", "my.registry"},
	{"alpine:3@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "docker.io/library/alpine:3@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "alpine:3@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "library/alpine", "registry-1.docker.io"},
	{"a__b-c---d/f_g.h", "docker.io/a__b-c---d/f_g.h:latest", "a__b-c---d/f_g.h:latest",
	 "a__b-c---d/f_g.h", "registry-1.docker.io"},
	{"[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest", "x", "[::1]:5000"},
	/* An upper-case first component is a domain, as splitDockerDomain decides. */
	{"Registry.Example/app", "Registry.Example/app:latest", "Registry.Example/app:latest",
	 "app", "Registry.Example"},
	{"sha256", "docker.io/library/sha256:latest", "sha256:latest", "library/sha256",
	 "registry-1.docker.io"},
	{"x:_Tag", "docker.io/library/x:_Tag", "x:_Tag", "library/x", "registry-1.docker.io"},
};

Test(reference, valid_table)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct reference r = REFERENCE_INIT;
		struct err e = ERR_INIT;
		_cleanup_free_ char *c = NULL, *f = NULL;

		cr_assert_eq(reference_parse(valid[i].in, &r, &e), 0, "%s: %s", valid[i].in, e.msg);
		reference_default_tag(&r);
		c = reference_canonical(&r);
		f = reference_familiar(&r);
		cr_expect_str_eq(c, valid[i].canonical, "%s", valid[i].in);
		cr_expect_str_eq(f, valid[i].familiar, "%s", valid[i].in);
		cr_expect_str_eq(reference_remote_path(&r), valid[i].remote, "%s", valid[i].in);
		cr_expect_str_eq(reference_registry_host(&r), valid[i].host, "%s", valid[i].in);
		reference_release(&r);
	}
}

struct invalid_case {
	const char *in;
	const char *msg;
};

#define HEX64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct invalid_case invalid[] = {
	{"", "invalid reference format"},
	{"Busybox", "invalid reference format: repository name must be lowercase"},
	{"user/App:1", "invalid reference format: repository name must be lowercase"},
	{"localhost:5000/UP", "invalid reference format: repository name must be lowercase"},
	{"busybox:", "invalid reference format"},
	{"busybox:-tag", "invalid reference format"},
	{"busybox:.tag", "invalid reference format"},
	{"a/", "invalid reference format"},
	{"/a", "invalid reference format"},
	{"a//b", "invalid reference format"},
	{"a-/b", "invalid reference format"},
	{"a/b.", "invalid reference format"},
	{"a___b", "invalid reference format"},
	{"foo:bar/x", "invalid reference format"},
	{"-host.com/x", "invalid reference format"},
	{"host.com:/x", "invalid reference format"},
	{"host.com:50a/x", "invalid reference format"},
	{"busybox@sha256:abc", "invalid reference format"},
	{"busybox@sha256:" "0123456789abcdef0123456789abcdef", "invalid checksum digest length"},
	{"busybox@md5:" "0123456789abcdef0123456789abcdef", "unsupported digest algorithm"},
	{"busybox@sha256:" "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	 "invalid checksum digest format"},
	{"busybox@", "invalid reference format"},
	{HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings"},
	{"a b", "invalid reference format"},
	{"busybox:tag:tag", "invalid reference format"},
	{"x:" "t0123456789012345678901234567890123456789012345678901234567890123456789"
	      "012345678901234567890123456789012345678901234567890123456789",
	 "invalid reference format"},
};

Test(reference, invalid_table)
{
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct reference r = REFERENCE_INIT;
		struct err e = ERR_INIT;

		cr_expect_eq(reference_parse(invalid[i].in, &r, &e), -EINVAL, "'%s' accepted",
			     invalid[i].in);
		cr_expect_str_eq(e.msg, invalid[i].msg, "'%s'", invalid[i].in);
		cr_expect_null(r.path);
	}
}

Test(reference, name_length_limit)
{
	char name[300];
	struct reference r = REFERENCE_INIT;
	struct err e = ERR_INIT;

	/* docker.io/ + library/ + 237 = 255: accepted; one more is refused. */
	memset(name, 'a', sizeof(name));
	name[255 - strlen("docker.io/library/")] = '\0';
	cr_expect_eq(reference_parse(name, &r, &e), 0, "%s", e.msg);
	reference_release(&r);
	name[255 - strlen("docker.io/library/")] = 'a';
	name[256 - strlen("docker.io/library/")] = '\0';
	cr_expect_eq(reference_parse(name, &r, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "repository name must not be more than 255 characters");
}

Test(reference, tag_only_when_no_digest)
{
	struct reference r = REFERENCE_INIT;
	struct err e = ERR_INIT;

	cr_assert_eq(reference_parse("alpine@sha256:" HEX64, &r, &e), 0);
	reference_default_tag(&r);
	cr_expect_null(r.tag);
	cr_expect_str_eq(r.digest, "sha256:" HEX64);
	cr_expect_eq(reference_set_tag(&r, "-bad", &e), -EINVAL);
	cr_expect_eq(reference_set_tag(&r, "v1", &e), 0);
	cr_expect_null(r.digest);
	reference_release(&r);
	reference_release(&r); /* idempotent */
}

Test(reference, sha256_name_is_not_taggable)
{
	struct reference r = REFERENCE_INIT;
	struct err e = ERR_INIT;

	cr_assert_eq(reference_parse("sha256:abc", &r, &e), 0);
	cr_expect_eq(reference_check_taggable(&r, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "refusing to create an ambiguous tag using digest algorithm as name");
	reference_release(&r);
	cr_assert_eq(reference_parse("user/sha256", &r, &e), 0);
	cr_expect_eq(reference_check_taggable(&r, &e), 0);
	reference_release(&r);
}

Test(reference, ids_and_prefixes)
{
	char hex[65];
	const char *p;

	cr_expect(reference_is_full_id(HEX64, hex));
	cr_expect_str_eq(hex, HEX64);
	cr_expect(reference_is_full_id("sha256:" HEX64, hex));
	cr_expect_not(reference_is_full_id("sha256:abc", hex));
	cr_expect_not(reference_is_full_id("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", hex));
	cr_expect(reference_is_id_prefix("e3b0", &p));
	cr_expect_str_eq(p, "e3b0");
	cr_expect(reference_is_id_prefix("sha256:e3", &p));
	cr_expect_str_eq(p, "e3");
	cr_expect_not(reference_is_id_prefix("busybox", &p));
	cr_expect_not(reference_is_id_prefix("sha256:", &p));
	cr_expect_not(reference_is_id_prefix("", &p));
	cr_expect_not(reference_is_id_prefix(HEX64 "0", &p));
}

Test(reference, familiar_name_and_same_repo)
{
	struct reference a = REFERENCE_INIT, b = REFERENCE_INIT;
	struct err e = ERR_INIT;
	_cleanup_free_ char *fa = NULL, *na = NULL;

	cr_assert_eq(reference_parse("busybox:1", &a, &e), 0);
	cr_assert_eq(reference_parse("docker.io/library/busybox@sha256:" HEX64, &b, &e), 0);
	fa = reference_familiar_name(&a);
	na = reference_name(&a);
	cr_expect_str_eq(fa, "busybox");
	cr_expect_str_eq(na, "docker.io/library/busybox");
	cr_expect(reference_same_repo(&a, &b));
	reference_release(&a);
	reference_release(&b);
}
