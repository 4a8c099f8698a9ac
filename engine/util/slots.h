/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A counting semaphore for daemon-wide limits on concurrent work (layer
 * downloads and uploads, builds): at most @max holders at once; the others
 * wait in line. A wait ends when a slot frees, when the caller's @cancel
 * flag is set (checked every SLOTS_POLL_MS) or when the slots are closed
 * (daemon shutdown).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define SLOTS_POLL_MS 200

struct slots {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* from deadline_cond_init */
	unsigned max, used, waiting;
	bool closed;
};

void slots_init(struct slots *s, unsigned max);
/* Wakes every waiter (they get -ECANCELED); holders release as usual. */
void slots_close(struct slots *s);
void slots_release_all(struct slots *s);

/*
 * Takes a slot, waiting for one if all are held: 0, or -ECANCELED when
 * @cancel (may be NULL) was set or the slots were closed while waiting.
 * *@ret_waited (may be NULL) tells whether the caller had to wait.
 */
int slots_acquire(struct slots *s, const atomic_bool *cancel, bool *ret_waited);
void slots_release(struct slots *s);

/* Holders and waiters right now (for logs and tests). */
void slots_counts(struct slots *s, unsigned *ret_used, unsigned *ret_waiting);
