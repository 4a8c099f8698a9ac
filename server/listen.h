/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets for the -H hosts: unix sockets (a stale socket file from
 * a crashed run is replaced, a live one is refused) and loopback TCP.
 */
#pragma once

#include "engine/util/err.h"

struct listener {
	int fd;
	char *host;		/* as configured, e.g. unix:///run/berth.sock */
	char *unix_path;	/* removed on shutdown; NULL for TCP */
};

/*
 * Binds and listens: 0 or negative with @e. A unix socket is 0660, owned by
 * root and group @group (NULL: "berth" when that group exists, else root
 * only; a named group that does not exist is an error).
 */
int listen_open(const char *host, const char *group, struct listener *ret, struct err *e);

/* Closes the fd and removes a unix socket file. */
void listen_close(struct listener *l);
