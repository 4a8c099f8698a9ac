/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching to a container's process: connecting to its shim (also before
 * the container started, the `docker run` choreography: the attach request
 * arrives before /start, registers as an early attacher and start holds the
 * process until it is connected), replaying the json-file log for
 * `logs=1`, and the detach-key sequence (ctrl-p ctrl-q) that ends a TTY
 * attach without touching the container.
 *
 * The byte relay between a client and the shim socket is the API's job
 * (api/attach.c, api/websocket.c); this module deals in sockets only as
 * opaque fds it gets from the runtime.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/container/container.h"
#include "engine/util/err.h"
#include "engine/util/limits.h"

struct containers;

enum attach_flags {
	ATTACH_STDIN = 1 << 0,
	ATTACH_STDOUT = 1 << 1,
	ATTACH_STDERR = 1 << 2,
	/* closing our write side closes the process's stdin (StdinOnce without a TTY) */
	ATTACH_CLOSE_STDIN = 1 << 3,
};

/*
 * An attacher's place in line, taken when its request arrives (before the
 * 101 or the stream's headers go out, so that the client's /start, sent
 * as soon as it has them, cannot run ahead of it): the container's exit
 * count then, and whether the start must hold its process for us.
 */
struct attach_reg {
	uint64_t exit_seq; /* container_exit_seq at registration */
	uint64_t ticket;   /* hold_enter's, when early */
	bool early;	   /* an early attacher that has not left yet */
	bool removed;	   /* the container was being removed */
};

/*
 * Registers an attacher for @c: when the container is not running yet, as
 * an early attacher (hold.h: a start holds the process before exec until
 * we are connected). Every registration ends in attach_connect or
 * attach_unregister. Takes c->mu briefly; never blocks.
 */
void attach_register(struct container *c, struct attach_reg *reg);

/* A registration that will not connect: no longer hold a start back. Idempotent. */
void attach_unregister(struct container *c, struct attach_reg *reg);

/*
 * Connects to @c's process with @flags and returns the shim socket (owned by
 * the caller; see runtime_attach for its wire form). For an early attacher
 * (@reg), waits for a start first, polling @cancelled(@ud) every 100 ms (it
 * may also do work, such as buffering the client's early stdin). Ends the
 * registration. Errors: -ECANCELED when @cancelled said so; -ESRCH when
 * the process ended (or never started: a start failure, a removal) before
 * we could connect. Blocks; takes c->mu briefly.
 */
int attach_connect(struct containers *cs, struct container *c, struct attach_reg *reg,
		   unsigned flags, bool (*cancelled)(void *ud), void *ud, struct err *e);

/*
 * After the output of an attached run ended: waits until @c's exit after
 * @since_seq (attach_reg.exit_seq, or container_exit_seq read before attach_connect) is wholly
 * recorded, so a client that inspects as soon as its stream closes sees the
 * container exited with its code. Gives up after 10 s (the shim may also
 * have dropped a client that stopped reading, with the process still
 * running) or when @cancelled(@ud) says so (checked about once a second).
 * 0, -ETIMEDOUT or -ECANCELED. Takes c->mu only inside its waits.
 */
int attach_wait_exit(struct container *c, uint64_t since_seq, bool (*cancelled)(void *ud),
		     void *ud);

/*
 * One log entry for attach_replay_log: @stream is 1 (stdout) or 2 (stderr).
 * Return 0 to go on, negative to stop (returned as is).
 */
typedef int (*attach_log_fn)(void *ud, int stream, const char *data, size_t len);

/*
 * Replays @c's json-file log (what `attach?logs=1` sends first), calling @fn
 * for each entry of a wanted stream in file order. A missing log is empty;
 * malformed or oversized lines are skipped. 0, @fn's result, or -errno.
 * Reads through logs_read (logs.h), the reader `docker logs` uses.
 */
int attach_replay_log(struct container *c, bool want_stdout, bool want_stderr, attach_log_fn fn,
		      void *ud, struct err *e);

/* The detach sequence and how much of it the input has matched so far. */
struct attach_detach {
	unsigned char keys[LIMIT_DETACH_KEYS];
	size_t n;		/* 0: detaching is off */
	size_t matched;
};

/*
 * Parses Docker's detach-key syntax (moby term.ToBytes): comma-separated
 * single characters or "ctrl-<x>" with x one of a-z @ [ \ ] ^ _. NULL or ""
 * gives the default ctrl-p,ctrl-q. -EINVAL: "Invalid detach keys (<s>)
 * provided: Unknown character: '<key>'", as dockerd words it.
 */
int attach_detach_parse(const char *spec, struct attach_detach *ret, struct err *e);

/*
 * Filters client input: copies into @out (room for @n + LIMIT_DETACH_KEYS
 * bytes) what should reach the process and returns its length. Bytes that
 * may start the sequence are held back until it is clear they do not; a
 * completed sequence sets *@ret_detached and stops (bytes after it are
 * dropped, as with dockerd).
 */
size_t attach_detach_feed(struct attach_detach *d, const unsigned char *in, size_t n,
			  unsigned char *out, bool *ret_detached);

/*
 * Whether @c can be attached to now: -EBUSY (409) with dockerd's words when
 * it is paused or restarting. A created or stopped container is fine: the
 * attach then waits for its next start.
 */
int attach_check(struct container *c, struct err *e);

/* Resizes @c's TTY (SIGWINCH reaches the process). -EBUSY when not running. */
int attach_resize(struct containers *cs, struct container *c, unsigned height, unsigned width,
		  struct err *e);
