/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `docker top`: the processes of a running container as a table. With the
 * default arguments ("-ef" or none) the table is built from /proc for the
 * container's pids (the columns of `ps -ef`); other ps_args run the host's
 * `ps` with them and keep the rows whose PID belongs to the container, as
 * dockerd does.
 */
#pragma once

#include <stddef.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

struct top_result {
	char **titles;		/* NULL-terminated */
	char ***rows;		/* n_rows rows, each NULL-terminated with one cell per title */
	size_t n_rows;
};

void top_result_release(struct top_result *t);

/*
 * Lists @c's processes with @ps_args (NULL/"" = "-ef"). -EBUSY "container
 * <id> is not running" (409) when it does not run; -EINVAL when ps rejects
 * the arguments or its output has no PID column (dockerd's wording).
 */
int top_list(struct containers *cs, struct container *c, const char *ps_args,
	     struct top_result *ret, struct err *e);

/*
 * Parses `ps` output: the first line is the titles, a row is split on
 * blanks into as many cells as titles (the last keeps its blanks). Keeps
 * rows whose PID cell is one of @pids. Exposed for tests.
 */
int top_parse_ps(const char *out, const pid_t *pids, size_t n_pids, struct top_result *ret,
		 struct err *e);
