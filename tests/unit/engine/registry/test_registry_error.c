/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/registry/registry_error.h"

static int
map(int status, const char *body, enum registry_op op, struct err *e)
{
	struct registry_error re;

	registry_error_parse(status, body, body ? strlen(body) : 0, &re);
	return registry_error_to_err(&re, op, "alpine", "alpine:nope", e);
}

Test(registry_error, manifest_unknown)
{
	struct err e = ERR_INIT;

	cr_expect_eq(map(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}",
			 REGISTRY_OP_PULL_MANIFEST, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "manifest for alpine:nope not found: manifest unknown: manifest unknown");
}

Test(registry_error, denied_and_name_unknown)
{
	struct err e = ERR_INIT;

	cr_expect_eq(map(401, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}",
			 REGISTRY_OP_PULL_MANIFEST, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "pull access denied for alpine, repository does not exist or may require "
				"'docker login': denied: requested access to the resource is denied");
	cr_expect_eq(map(404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}",
			 REGISTRY_OP_PULL_MANIFEST, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "repository alpine not found: name unknown: repository name not known to registry");
	cr_expect_eq(map(403, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"}]}", REGISTRY_OP_PUSH, &e), -EACCES);
	cr_expect_eq(map(401, NULL, REGISTRY_OP_PUSH, &e), -EKEYREJECTED);
}

Test(registry_error, other_codes_and_hostile_bodies)
{
	struct err e = ERR_INIT;

	cr_expect_eq(map(429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}", REGISTRY_OP_PULL_BLOB, &e), -EAGAIN);
	cr_expect_str_eq(e.msg, "toomanyrequests: slow down");
	cr_expect_eq(map(500, "<html>oops</html>", REGISTRY_OP_PULL_BLOB, &e), -EIO);
	cr_expect_str_eq(e.msg, "received unexpected HTTP status: 500 Internal Server Error");
	cr_expect_eq(map(400, "{\"errors\":[{\"code\":\"bad code\\n\",\"message\":\"a\\r\\nb\"}]}", REGISTRY_OP_OTHER, &e), -EIO);
	cr_expect_null(strchr(e.msg, '\n'));
	cr_expect_eq(map(404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}", REGISTRY_OP_PULL_BLOB, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "blob unknown: blob unknown to registry");
}
