/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Endpoint records on disk: <dir>/<container-id>.json, one per attached
 * container, written atomically. They let a restarted daemon report the
 * effective port bindings of running containers, keep their host ports
 * reserved, and tear their network down later. The files are ours, but they
 * are still parsed as untrusted (type-checked, bounded) since a corrupt one
 * must not take the daemon down.
 */
#pragma once

#include "engine/network/network.h"
#include "engine/util/err.h"

/* True for a 1..64 character [A-Za-z0-9_.-] ID (what may name files and tags). */
bool endpoint_id_valid(const char *id);

/* Writes @ep to <dir>/<ep->container_id>.json. 0 or -errno. */
int endpoint_save(const char *dir, const struct network_endpoint *ep);

/* Reads <dir>/<id>.json into *ret (released by the caller). -ENOENT, -EINVAL. */
int endpoint_load(const char *dir, const char *id, struct network_endpoint *ret, struct err *e);

/* Removes <dir>/<id>.json; missing is fine. */
int endpoint_remove(const char *dir, const char *id);

/* Mode name as used in records and network names ("bridge", "host"...). */
const char *endpoint_mode_name(enum network_mode mode);
