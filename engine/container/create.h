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

/* The same with the image's document already parsed (@root, only read). */
int create_merge_image_json(struct container_spec *s, json_t *root, struct err *e);

enum create_resolv_mode {
	CREATE_RESOLV_BRIDGE,	/* own namespace: the host's file minus loopback servers */
	CREATE_RESOLV_HOST,	/* the host's namespace: the host's file as it is */
	CREATE_RESOLV_EMBEDDED, /* a user network: the embedded server at 127.0.0.11 */
};

/*
 * Builds a container's resolv.conf into @out as dockerd (libnetwork) does
 * for @mode, from the host's file @host (NULL when unreadable; modified in
 * place) and the DNS settings in force (@dns, @search, @opts: the
 * container's, else the daemon's; NULL or empty for none). Nameservers:
 * @dns, else the host's non-loopback ones, else 8.8.8.8/8.8.4.4; the
 * host's search/options lines unless replaced; "search ." means none;
 * EMBEDDED adds "options ndots:0" unless @opts sets ndots.
 */
void create_resolv_conf(char *host, char *const *dns, char *const *search, char *const *opts,
			enum create_resolv_mode mode, struct buf *out);
