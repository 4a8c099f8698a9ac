/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restart policies (docker run --restart): the pure decision whether a
 * container restarts, and after which back-off, from the facts about its last
 * run. No container, lock or clock here: lifecycle.c gathers the facts under
 * the container's lock and acts on the answer.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* When the decision is taken. */
enum restart_when {
	RESTART_ON_EXIT = 0,	 /* the container's process just ended */
	RESTART_AT_DAEMON_START, /* berthd starts and finds it stopped */
};

struct restart_facts {
	const char *policy;    /* no, always, on-failure, unless-stopped; NULL = no */
	int max_retries;       /* on-failure:N; 0 = no limit */
	int exit_code;	       /* of the run that ended */
	int restart_count;     /* restarts so far since the last manual start */
	bool manually_stopped; /* docker stop/kill, or stopped when berthd went down */
	bool removed;	       /* docker rm -f is under way */
	int64_t ran_ns;	       /* how long the run that ended lasted */
	enum restart_when when;
};

/* The longest back-off between two restarts, in milliseconds (dockerd's). */
#define RESTART_MAX_DELAY_MS 60000

/*
 * Whether the container restarts, as dockerd decides:
 *   - never after a manual stop or while it is being removed;
 *   - on exit: "always" and "unless-stopped" restart; "on-failure" restarts
 *     on a non-zero exit code while restart_count < max_retries (or always
 *     when max_retries is 0); "no" (or an unknown policy) never;
 *   - at daemon start: "always", and "unless-stopped" unless it was stopped
 *     by hand; "on-failure" and "no" do not.
 * @ret_delay_ms (may be NULL) receives the back-off before an on-exit
 * restart, also when the answer is no: 100 ms doubled per earlier restart,
 * at most RESTART_MAX_DELAY_MS, and 100 ms again once a run lasted 10 s or
 * more. At daemon start the delay is 0.
 */
bool restart_decide(const struct restart_facts *f, int64_t *ret_delay_ms);
