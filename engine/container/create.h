/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container creation (create.c): the image-config merge is exposed for its
 * unit tests; lifecycle_create (lifecycle.h) is the entry point.
 */
#pragma once

#include "engine/container/spec.h"
#include "engine/util/buf.h"
#include "engine/util/err.h"

/*
 * Merges the image config @config (the image's JSON document, with its
 * "config" object) into @s as dockerd does: the image's Env first with the
 * request's overriding by name ("-e NAME" without a value dropped); the
 * image's Entrypoint, and its Cmd unless the request has one, when the
 * request has no Entrypoint (an Entrypoint of [""] clears the image's);
 * WorkingDir, User and StopSignal when the request has none; ExposedPorts,
 * Volumes and Labels as unions (the request's label wins); Healthcheck,
 * Shell and OnBuild when unset. @s->labels must be an object.
 * Returns 0, or -EINVAL with @e when @config is not JSON or neither an
 * entrypoint nor a command results ("No command specified"); @s may be
 * partly merged then.
 */
int create_merge_image_config(struct container_spec *s, const struct buf *config, struct err *e);
