/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket frames from a client of GET /containers/{id}/attach/ws: the
 * input is the byte stream after the handshake, read by wslay configured
 * as api/websocket.c configures it (websocket_receive: message size limit,
 * masking required, fragments, control frames, close), with each message
 * going to a stand-in for the shim's stdin through the detach-key filter.
 */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "api/websocket.h"
#include "engine/container/attach.h"
#include "engine/util/fs.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(websocket)
{
	struct attach_detach d;
	struct err e = ERR_INIT;
	int sv[2], null_fd;
	bool detached;
	int one = 1 << 20;

	fuzz_quiet();
	if (attach_detach_parse("ctrl-p,ctrl-q", &d, &e) < 0)
		abort();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* the whole input must fit in the socket: wslay reads without waiting */
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	if ((null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		abort();
	if (size && fs_write_all(sv[1], data, size) < 0)
		abort();
	(void)shutdown(sv[1], SHUT_WR);
	(void)websocket_receive(sv[0], null_fd, &d, &detached);
	close(sv[0]);
	close(sv[1]);
	close(null_fd);
	return 0;
}
