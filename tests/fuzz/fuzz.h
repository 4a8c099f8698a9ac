/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every libFuzzer target of tests/fuzz shares. A target is one
 * fuzz_<name>.c defining its entry with FUZZ_TARGET(name): with libFuzzer
 * (--enable-fuzzing) that is LLVMFuzzerTestOneInput; in the replay program
 * of `make check` (FUZZ_REPLAY) it is fuzz_target_<name>, called on every
 * file of tests/fuzz/corpus/<name>/ and tests/fuzz/regress/<name>/ by
 * tests/unit/fuzz/test_replay.c. A target never exits and keeps no state
 * from one input to the next except lazily built, reused fixtures.
 */
#pragma once

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/log.h"
#include "engine/util/xalloc.h"

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(name)                                                                          \
	int fuzz_target_##name(const uint8_t *data, size_t size);                                  \
	int fuzz_target_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                                                          \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* The input as a NUL-terminated string (cut at its first NUL); caller frees. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

/* Quiet: the parsers log what they survive on purpose; once per process. */
static inline void
fuzz_quiet(void)
{
	static int done;

	if (!done) {
		done = 1;
		log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	}
}
