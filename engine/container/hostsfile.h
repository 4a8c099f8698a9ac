/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Edits of a container's /etc/hosts after it was written at start, as
 * libnetwork's etchosts package makes them: lines added when a running
 * container is connected to a network, removed when it is disconnected,
 * and a legacy link's address replaced when its target restarts. The file
 * is bind-mounted into the container, so it is rewritten in place (same
 * inode, as dockerd's ioutil.WriteFile); a rename would leave the
 * container looking at the old file. The content is the container's to
 * change, so it is read as untrusted: bounded, and lines are matched
 * whole, never parsed further.
 */
#pragma once

#include "engine/util/buf.h"

/* Largest hosts file berth edits: a larger one is left alone (-E2BIG). */
#define HOSTSFILE_MAX (1024 * 1024)

/*
 * Writes @len bytes over @path in place: truncates and writes the same
 * inode (created with mode 0644 when missing). 0 or -errno.
 */
int hostsfile_write(const char *path, const void *data, size_t len);

/* Appends "@ip<TAB>@names" to @path (libnetwork's addHostsEntries). 0 or -errno. */
int hostsfile_add(const char *path, const char *ip, const char *names);

/*
 * Removes every line that is exactly "@ip<TAB>@names" (deleteHostsEntries).
 * 0 or -errno.
 */
int hostsfile_remove(const char *path, const char *ip, const char *names);

/*
 * etchosts.Update: on every line whose names start with @name (a tab, then
 * @name followed by white space, the newline included, or a '.'), the
 * address becomes @ip. 0 or -errno.
 */
int hostsfile_update(const char *path, const char *ip, const char *name);

/* The text of the edits above applied to @in (exposed for unit tests). */
void hostsfile_remove_text(const char *in, size_t len, const char *ip, const char *names,
			   struct buf *out);
void hostsfile_update_text(const char *in, size_t len, const char *ip, const char *name,
			   struct buf *out);
