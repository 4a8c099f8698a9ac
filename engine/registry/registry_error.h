/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry error replies ({"errors":[{"code","message","detail"}]}) and
 * their translation into dockerd's user-facing wording and an errno class
 * for the API's status mapping. Pure functions, no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/util/err.h"

/* The first error of a reply, plus the HTTP status it came with. */
struct registry_error {
	int status;		/* HTTP status, or 0 for a transport failure */
	char code[48];		/* "MANIFEST_UNKNOWN"..., "" when the body had none */
	char message[400];	/* control characters replaced, "" when none */
};

/*
 * Fills @ret from a reply's @status and body (which may be empty, HTML or
 * hostile: at most LIMIT_REGISTRY_SMALL_BODY bytes are looked at, codes
 * outside [A-Z_] are dropped, messages are truncated and sanitised).
 */
void registry_error_parse(int status, const void *body, size_t len, struct registry_error *ret);

/*
 * dockerd's text for the code: "MANIFEST_UNKNOWN" + "manifest unknown" →
 * "manifest unknown: manifest unknown" (distribution's errcode format);
 * without a code the HTTP status is described instead.
 */
void registry_error_format(const struct registry_error *re, char *buf, size_t size);

/* What was being done when the registry said no. */
enum registry_op {
	REGISTRY_OP_PULL_MANIFEST = 1,	/* resolving or fetching a manifest */
	REGISTRY_OP_PULL_BLOB,		/* fetching a blob */
	REGISTRY_OP_PUSH,		/* any push step */
	REGISTRY_OP_OTHER,
};

/*
 * Sets @e from @re the way dockerd words it for @op and returns the code:
 *  - unknown manifest: -ENOENT "manifest for <ref> not found: manifest
 *    unknown: manifest unknown"
 *  - unknown repository (NAME_UNKNOWN) on pull: -ENOENT "repository <repo>
 *    not found: name unknown: ..." (moby's notFoundError)
 *  - denied or unauthorized on pull: -ENOENT "pull access denied for <repo>,
 *    repository does not exist or may require 'docker login': denied: ..."
 *  - unauthorized elsewhere: -EKEYREJECTED; denied on push: -EACCES
 *  - unknown blob: -ENOENT; too many requests: -EAGAIN; others -EIO.
 * @repo is the familiar repository name ("alpine", "127.0.0.1:5000/app"),
 * @ref the familiar reference ("alpine:nope"); either may be NULL.
 */
int registry_error_to_err(const struct registry_error *re, enum registry_op op, const char *repo,
			  const char *ref, struct err *e);
