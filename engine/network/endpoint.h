/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Endpoint records on disk, one per (container, network), written
 * atomically: <dir>/<container-id>.json for the container's eth0 (the name
 * records had when a container had one endpoint) and
 * <dir>/<container-id>.<ifname>.json for its other interfaces. They let a restarted daemon report the
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

/* The record's file name without ".json": "<container-id>[.<ifname>]" (@out: 96 bytes). */
void endpoint_stem(const struct network_endpoint *ep, char out[96]);

/* Writes @ep to <dir>/<stem>.json. 0 or -errno. */
int endpoint_save(const char *dir, const struct network_endpoint *ep);

/*
 * Reads <dir>/<stem>.json into *ret (released by the caller); the record's
 * container ID and interface must match @stem. -ENOENT, -EINVAL.
 */
int endpoint_load(const char *dir, const char *stem, struct network_endpoint *ret,
		  struct err *e);

/* Removes <dir>/<stem>.json; missing is fine. */
int endpoint_remove(const char *dir, const char *stem);

/* Mode name as used in records and network names ("bridge", "host"...). */
const char *endpoint_mode_name(enum network_mode mode);
