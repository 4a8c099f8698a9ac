/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restart policy decisions (restart.h). Pure: the caller passes what it knows
 * about the last run and does the waiting and the restarting itself.
 */
#include "config.h"

#include <string.h>

#include "engine/container/restart.h"

/* A run at least this long resets dockerd's back-off to its first step. */
#define RESTART_RESET_AFTER_NS 10000000000LL
#define RESTART_FIRST_DELAY_MS 100

static int64_t
backoff_ms(const struct restart_facts *f)
{
	int64_t delay = RESTART_FIRST_DELAY_MS;

	for (int i = 0; i < f->restart_count && delay < RESTART_MAX_DELAY_MS &&
			f->ran_ns < RESTART_RESET_AFTER_NS;
	     i++)
		delay *= 2;
	return delay > RESTART_MAX_DELAY_MS ? RESTART_MAX_DELAY_MS : delay;
}

bool
restart_decide(const struct restart_facts *f, int64_t *ret_delay_ms)
{
	const char *p = f->policy ? f->policy : "no";

	if (f->when == RESTART_AT_DAEMON_START) {
		if (ret_delay_ms)
			*ret_delay_ms = 0;
		if (f->removed)
			return false;
		return strcmp(p, "always") == 0 ||
		       (strcmp(p, "unless-stopped") == 0 && !f->manually_stopped);
	}
	if (ret_delay_ms)
		*ret_delay_ms = backoff_ms(f);
	if (f->manually_stopped || f->removed)
		return false;
	if (strcmp(p, "always") == 0 || strcmp(p, "unless-stopped") == 0)
		return true;
	if (strcmp(p, "on-failure") == 0)
		return f->exit_code != 0 &&
		       (f->max_retries == 0 || f->restart_count < f->max_retries);
	return false;
}
