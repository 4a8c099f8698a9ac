/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One resource-usage sample of a container for `docker stats`: the cgroup
 * counters (engine/runtime) plus the network counters of the container's
 * interfaces, read from /proc/<pid>/net/dev, which shows the container's
 * own network namespace.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/container/container.h"
#include "engine/runtime/cgroup.h"
#include "engine/util/err.h"

struct containers;

struct stats_net {
	char name[32];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

struct stats_sample {
	bool running;		/* false: every counter is zero (a stopped container) */
	int64_t read_ns;
	struct cgroup_stats cg;
	struct stats_net *nets;	/* not for --network host */
	size_t n_nets;
};

/* Takes a sample of @c. A stopped container gives running=false, not an error. */
int stats_read(struct containers *cs, struct container *c, struct stats_sample *ret, struct err *e);
void stats_sample_release(struct stats_sample *s);

/*
 * Parses /proc/net/dev text into @ret (loopback left out). Exposed for tests.
 * Returns the number of interfaces.
 */
size_t stats_parse_net_dev(const char *text, struct stats_net **ret);
