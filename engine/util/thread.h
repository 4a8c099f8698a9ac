/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detached helper threads (stream producers, monitors, relays): started
 * once, never joined, they own their argument and free it themselves.
 */
#pragma once

#include <stddef.h>

/*
 * Starts @fn(@arg) on a detached thread with @stack_size bytes of stack
 * (0: the default). 0 or -errno (-EAGAIN: out of threads); on failure @arg
 * is untouched and still the caller's.
 */
int thread_spawn_detached(void *(*fn)(void *), void *arg, size_t stack_size);
