/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a container's json-file log (written by its shim, one JSON object
 * per line: {"log":"...","stream":"stdout|stderr","time":"RFC3339Nano"}) for
 * `docker logs`: stream selection, tail, since/until and follow. Entries are
 * handed to a callback; framing them for the wire is the API's job.
 *
 * The log is never written here. Follow polls the file (the shim only
 * appends) and ends when the container is no longer running and everything
 * written has been read, when @until passes, or when the caller cancels.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

enum logs_stream { LOGS_STDOUT = 1, LOGS_STDERR = 2 };

struct logs_opts {
	bool want_stdout, want_stderr;
	bool follow;
	int64_t since_ns;	/* 0 = from the start */
	int64_t until_ns;	/* 0 = no end */
	int64_t tail;		/* -1 = all lines, else the last N entries of the file */
	bool (*cancelled)(void *ud);	/* polled about every 100 ms while following; may be NULL */
	void *cancel_ud;
};

/*
 * One entry: @data/@len is the log text (with its newline, if it had one),
 * @ts_ns its timestamp, @attrs the entry's attributes (an object of
 * strings, borrowed for the call; NULL when it has none). Return 0 to
 * continue, negative to stop (returned from logs_read as is, e.g. -EPIPE
 * when the client left).
 */
typedef int (*logs_fn)(void *ud, enum logs_stream stream, int64_t ts_ns, json_t *attrs,
		       const char *data, size_t len);

/*
 * Whether `docker logs` can read @c: -ENOTSUP with dockerd's message
 * ("configured logging driver does not support reading") for the none
 * driver, else 0. Checked before a response starts; logs_read checks too.
 */
int logs_check(struct container *c, struct err *e);

/*
 * Reads @c's log with @o, calling @fn for each selected entry in file
 * order: the rotated files oldest first (logfile.h), then the live one; a
 * follow moves on to the new live file when the shim rotates. A missing log
 * file is an empty log. Malformed lines are skipped.
 * Returns 0, the callback's negative result, or -errno with @e on a read
 * failure. Blocks while following; never holds c->mu across I/O.
 */
int logs_read(struct container *c, const struct logs_opts *o, logs_fn fn, void *ud, struct err *e);

/*
 * The byte offset where the last @n lines of the file behind @fd begin
 * (0 when it has fewer lines). Exposed for tests. -errno on I/O failure.
 */
int64_t logs_tail_offset(int fd, int64_t n);
