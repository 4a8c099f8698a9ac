/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte relay behind a hijacked attach or exec start: client socket ↔
 * shim attach socket, with the stream semantics of docker-api-protocol.md
 * §7.2 — stdin the client sent before the process existed is held and
 * delivered first; the client's half-close either closes the process's
 * stdin (StdinOnce without a TTY: output keeps flowing) or ends the attach;
 * on a TTY the detach keys end the attach; the end of output ends it too.
 * Runs on the hijack thread (api/hijack.h) with blocking sockets.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/container/attach.h"
#include "engine/util/buf.h"
#include "engine/util/frame.h"

/*
 * The output's form on the way from the shim to the client. The shim
 * frames by the process's TTY; an exec start names its own (moby frames by
 * the Tty of the *start* body: a TTY exec started with "Tty": false gets
 * its terminal's output as stdout frames, a plain exec started with
 * "Tty": true gets both streams raw).
 */
enum relay_form {
	RELAY_AS_IS = 0, /* the shim's form is the client's */
	RELAY_FRAME,	 /* raw terminal output → stdout frames */
	RELAY_UNFRAME,	 /* frames → their payloads, raw */
};

struct relay_out {
	enum relay_form form;
	struct frame_decoder unframe; /* RELAY_UNFRAME: the shim's frames */
	frame_write_fn fn;	      /* where the client's bytes go */
	void *ud;
};

/* Sets @o up to write to @fn(@ud), converting from the shim's @shim_tty form to @client_tty's. */
void relay_out_init(struct relay_out *o, bool shim_tty, bool client_tty, frame_write_fn fn,
		    void *ud);
void relay_out_release(struct relay_out *o);
/* Writes @n bytes read from the shim. 0, @fn's error, or the decoder's (-EBADMSG). */
int relay_out_write(struct relay_out *o, const void *p, size_t n);

struct relay {
	int client;		/* the hijacked socket (not owned) */
	int shim;		/* the shim's attach socket (not owned), -1 before connect */
	bool tty;		/* raw output; detach keys apply */
	bool want_stdin;	/* forward what the client sends */
	bool close_stdin;	/* client EOF: close the process's stdin, keep the output */
	struct attach_detach detach; /* n == 0: no detach keys */
	struct relay_out out;	     /* to the client; as is unless relay_set_form */
	struct buf pending;	/* stdin received before the shim connected */
	bool pending_eof;	/* ... and the client's EOF with it */
};

enum relay_end {
	RELAY_OUTPUT_END = 0,	/* the process's output ended */
	RELAY_CLIENT_GONE,	/* the client closed or its socket failed */
	RELAY_STDIN_END,	/* the client's stdin ended an attach that is not StdinOnce */
	RELAY_DETACHED,		/* the detach keys were typed */
};

/* Takes @extra (bytes the client sent after its request head) as first stdin. */
void relay_init(struct relay *rl, int client, const char *extra, size_t extra_len);
void relay_release(struct relay *rl);
/* The shim writes in @shim_tty's form, the client wants @client_tty's (exec start). */
void relay_set_form(struct relay *rl, bool shim_tty, bool client_tty);

/*
 * attach_connect's cancel callback while the process does not exist yet:
 * buffers the client's stdin (up to LIMIT_ATTACH_PENDING_STDIN) and returns
 * true when the client is gone or its stdin ended an attach that is not
 * StdinOnce. Never blocks.
 */
bool relay_early_poll(void *rl);

/* Relays until one side ends (rl->shim connected). Never closes either fd. */
enum relay_end relay_run(struct relay *rl);

/*
 * Writes one output record to @fd: raw with @tty, else with Docker's 8-byte
 * header for @stream (1 stdout, 2 stderr). 0 or -errno.
 */
int relay_write_record(int fd, bool tty, int stream, const void *p, size_t n);
