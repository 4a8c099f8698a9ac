/* SPDX-License-Identifier: Apache-2.0 */
/* Resource-usage samples: cgroup counters plus per-interface network counters. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/lifecycle.h"
#include "engine/container/stats.h"
#include "engine/container/container_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

size_t
stats_parse_net_dev(const char *text, struct stats_net **ret)
{
	_cleanup_free_ char *copy = xstrdup(text);
	struct stats_net *v = NULL;
	char *save = NULL;
	size_t n = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		struct stats_net s = {0};
		char *name = line;

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, "lo") == 0 || !*name)
			continue;
		snprintf(s.name, sizeof(s.name), "%s", name);
		if (sscanf(colon + 1,
			   "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %*u %*u %*u %*u %" SCNu64
			   " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   &s.rx_bytes, &s.rx_packets, &s.rx_errors, &s.rx_dropped, &s.tx_bytes,
			   &s.tx_packets, &s.tx_errors, &s.tx_dropped) != 8)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = s;
	}
	*ret = v;
	return n;
}

int
stats_read(struct containers *cs, struct container *c, struct stats_sample *ret, struct err *e)
{
	_cleanup_free_ char *bundle = lifecycle_bundle(cs, c);
	bool running, host_net;
	int pid;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->read_ns = time_now_ns();
	pthread_mutex_lock(&c->mu);
	running = c->state.status == CONTAINER_RUNNING || c->state.status == CONTAINER_PAUSED;
	pid = c->state.pid;
	host_net = c->ep.network && strcmp(c->ep.network, "host") == 0;
	pthread_mutex_unlock(&c->mu);
	if (!running)
		return 0;
	r = runtime_stats(bundle, &ret->cg, e);
	if (r < 0) {
		if (r == -ENOENT) { /* it ended meanwhile */
			err_clear(e);
			return 0;
		}
		return r;
	}
	ret->running = true;
	if (!host_net && pid > 0) {
		_cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", pid);
		_cleanup_buf_ struct buf b = BUF_INIT;
		if (fs_read_file(path, 1024 * 1024, &b) == 0) {
			buf_putc(&b, '\0');
			ret->n_nets = stats_parse_net_dev(b.data, &ret->nets);
		}
	}
	return 0;
}

void
stats_sample_release(struct stats_sample *s)
{
	cgroup_stats_release(&s->cg);
	free(s->nets);
	memset(s, 0, sizeof(*s));
}
