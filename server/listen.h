/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets for the -H hosts: unix sockets (a stale socket file from
 * a crashed run is replaced, a live one is refused), TCP, and sockets passed
 * by systemd's socket activation (fd://, fd://N).
 */
#pragma once

#include <stdbool.h>

#include "engine/util/err.h"

struct listener {
	int fd;
	char *host;		/* as configured, e.g. unix:///run/berth.sock */
	char *unix_path;	/* removed on shutdown; NULL for TCP and fd:// */
	bool tcp;		/* an IPv4/IPv6 socket (tcp://, or fd:// of that family) */
	bool loopback;		/* unix, or bound to a loopback address */
};

/*
 * Replaces each "fd://" (or a star after it) in @hosts by "fd://N" for every socket
 * systemd passed (LISTEN_FDS, then unset), as dockerd's -H fd://; an error
 * when none was passed.
 */
int listen_expand_fd_hosts(char ***hosts, struct err *e);

/* Closes the passed sockets no -H named (dockerd closes them too). */
void listen_close_unused_activated(void);

/*
 * Binds and listens: 0 or negative with @e. A unix socket is 0660, owned by
 * root and group @group (NULL: "berth" when that group exists, else root
 * only; a named group that does not exist is an error). fd://N takes socket
 * N of those systemd passed (SD_LISTEN_FDS_START is 3), with dockerd's errors.
 */
int listen_open(const char *host, const char *group, struct listener *ret, struct err *e);

/* Closes the fd and removes a unix socket file. */
void listen_close(struct listener *l);
