/* SPDX-License-Identifier: Apache-2.0 */
/* Container names: Docker's grammar and generated "adjective_surname" names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True for [a-zA-Z0-9][a-zA-Z0-9_.-]+ (an optional leading '/' is allowed). */
bool names_is_valid(const char *name);

/*
 * Writes a random "adjective_surname" into @out; @attempt > 0 appends a
 * digit, as moby does after collisions.
 */
void names_generate(char *out, size_t size, unsigned attempt);
