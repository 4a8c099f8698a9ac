/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-namespace id mappings (--userns-remap): the container's uids and
 * gids as ranges of the host's, in the form of /proc/PID/uid_map and OCI's
 * linux.uidMappings. Container id c in a range maps to host id
 * host + (c - container). Parsing /etc/subuid-style lines, translating ids
 * both ways (archives going into a remapped container are shifted to host
 * ids, archives coming out of one are shifted back) and the uid_map text.
 * Plain data: no state, thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel accepts 340 lines per map; dockerd uses every subordinate range. */
#define IDMAP_MAX_RANGES 16

struct idmap_range {
	uint32_t container, host, size;
};

struct idmap_side {
	struct idmap_range r[IDMAP_MAX_RANGES];
	size_t n; /* 0: no mapping (ids are the host's) */
};

struct idmap {
	struct idmap_side uid, gid;
};

/* Whether @m maps anything (a remapped container), i.e. uid.n > 0. NULL: false. */
bool idmap_is_set(const struct idmap *m);

/*
 * Host id of container id @id on @side; ids outside every range map to
 * the kernel's overflow id 65534 as unmapped ids show in a user namespace.
 * An empty side is the identity.
 */
uint32_t idmap_to_host(const struct idmap_side *side, uint32_t id);

/* Container id of host id @id; unmapped host ids come back as 65534. Empty side: identity. */
uint32_t idmap_to_container(const struct idmap_side *side, uint32_t id);

/*
 * Container id of host id @id when a range holds it, else @id unchanged:
 * for trees where the container's own files (host ids) sit next to
 * unshifted image files (a container layer over its image's layers).
 */
uint32_t idmap_to_container_or_keep(const struct idmap_side *side, uint32_t id);

/*
 * Parses the lines of an /etc/subuid-style file ("name:start:count") and
 * adds, as consecutive container ranges starting at 0, every range whose
 * name is @name or the decimal @id (dockerd's order: file order). Returns
 * the number of ranges added, -E2BIG past IDMAP_MAX_RANGES, -EINVAL for a
 * count of 0 or a range past 2^32.
 */
int idmap_parse_subid(const char *text, const char *name, uint32_t id, struct idmap_side *ret);

/* The /proc/PID/uid_map text of @side ("0 100000 65536\n" per range), malloc'ed. */
char *idmap_format(const struct idmap_side *side);
