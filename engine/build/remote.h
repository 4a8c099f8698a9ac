/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remote build contexts (POST /build?remote=<url>), as moby's
 * builder/remotecontext: an http(s) URL of a context tarball or of a plain
 * Dockerfile, or a git repository (cloned with the system's `git`, when
 * installed). The result is always a context tar for build_image.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

enum build_remote_kind {
	BUILD_REMOTE_INVALID = 0,	/* neither: "could not be recognized as URL" */
	BUILD_REMOTE_HTTP,		/* http:// or https:// */
	BUILD_REMOTE_GIT,		/* *.git[#...] URLs, git://, github.com/, git@ */
};

/* Classifies @url like moby's urlutil.IsGitURL / IsURL (git first). */
enum build_remote_kind build_remote_kind(const char *url);

/*
 * True when a download is a plain Dockerfile rather than a context
 * archive: the media type of @content_type (parameters dropped, any case)
 * is text/plain, or it is empty / application/octet-stream and @head (the
 * first @n bytes) is neither a tar nor a gzip/bzip2/xz/zstd stream and
 * holds no NUL byte.
 */
bool build_remote_is_dockerfile(const char *content_type, const void *head, size_t n);

/* True when the `git` program is on PATH. */
bool build_remote_have_git(void);

struct build_remote {
	int fd;			/* the context tar, at offset 0; caller closes */
	bool dockerfile;	/* the URL was a plain Dockerfile (entry "Dockerfile") */
	uint64_t size;		/* bytes downloaded (http) */
};

/*
 * Fetches @url into an unlinked file below @tmp_dir: http(s) through
 * libcurl (redirects to http(s) only, at most LIMIT_BUILD_CONTEXT_BYTES,
 * a non-2xx status is an error), a plain Dockerfile wrapped into a
 * one-entry tar; git with `git clone` (fragment "#ref:subdir"; file and
 * ext transports refused, never prompts) and the subdirectory, resolved
 * inside the checkout, put into a tar. -EINVAL for an unrecognised URL,
 * -EOPNOTSUPP for git without `git`, -E2BIG over the limit, -EIO for
 * download or clone failures (moby's "error downloading remote context").
 */
int build_remote_fetch(const char *url, const char *tmp_dir, struct build_remote *ret,
		       struct err *e);
