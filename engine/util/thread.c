/* SPDX-License-Identifier: Apache-2.0 */
/* Detached threads; see thread.h. */
#include "config.h"

#include <pthread.h>

#include "engine/util/thread.h"

int
thread_spawn_detached(void *(*fn)(void *), void *arg, size_t stack_size)
{
	pthread_attr_t attr;
	pthread_t th;
	int r;

	r = pthread_attr_init(&attr);
	if (r != 0)
		return -r;
	r = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (r == 0 && stack_size > 0)
		r = pthread_attr_setstacksize(&attr, stack_size);
	if (r == 0)
		r = pthread_create(&th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -r;
}
