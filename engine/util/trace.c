/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/util/timeutil.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int trace_fd = -1;
static char *env_str;

static void
trace_open(void)
{
	const char *path = getenv("BERTH_TRACE");

	if (!path || !*path)
		return;
	trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (trace_fd >= 0)
		env_str = xasprintf("BERTH_TRACE=%s", path);
}

void
trace_point(const char *event, const char *id)
{
	char line[128];
	int64_t us;
	int n;

	pthread_once(&once, trace_open);
	if (trace_fd < 0)
		return;
	us = time_mono_ns() / 1000;
	n = snprintf(line, sizeof(line), "%lld %d %s %.12s\n", (long long)us, (int)getpid(), event,
		     id ? id : "-");
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(trace_fd, line, (size_t)n);
}

const char *
trace_env(void)
{
	pthread_once(&once, trace_open);
	return env_str;
}

void
trace_reopen(void)
{
	pthread_once(&once, trace_open);
	if (trace_fd < 0)
		return;
	free(env_str);
	trace_fd = -1;
	trace_open();
}
