/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker commit` (moby daemon/commit.go and image.NewChildImage): the
 * container layer (overlay upperdir, whiteouts in OCI form, the runtime's
 * mount points left out) becomes a new layer on top of the container's
 * image. The new config is the container's config (or @o->config) with the
 * `changes` applied through the Dockerfile config applier, then merged
 * with the container's config as dockerd's merge() does; container_config
 * is the container's config, `container` its ID, history gains one entry
 * (created_by = the container's Cmd joined by spaces, author, comment;
 * empty_layer when nothing changed), and the image's parent is the
 * container's image.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "engine/util/digest.h"
#include "engine/util/err.h"

struct containers;
struct container;

struct container_commit_opts {
	const char *repo, *tag; /* tag the result when repo is set (tag default latest) */
	const char *author, *comment;
	const char *const *changes; /* Dockerfile lines, NULL-terminated or NULL */
	json_t *config;		    /* image-config "config" object to start from, or NULL */
	bool pause;		    /* freeze a running container during the diff */
};

/*
 * Commits @c. -EINVAL for a bad reference or change (dockerd's messages),
 * -EBUSY for a dead container or one being removed. On success
 * "sha256:<hex>" is in @ret_id; events: container "commit" (attributes
 * comment, imageID, imageRef) and image "tag" when tagged.
 */
int container_commit(struct containers *cs, struct container *c,
		     const struct container_commit_opts *o, char ret_id[DIGEST_STR_LEN + 1],
		     struct err *e);
