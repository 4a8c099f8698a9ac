/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays every seed (tests/fuzz/corpus/<target>/) and every input a fuzzer
 * once broke a parser with (tests/fuzz/regress/<target>/) through the
 * target's own entry function, compiled without libFuzzer (FUZZ_REPLAY), so
 * the normal and the sanitizer unit builds re-run each past finding. A
 * crash, an abort from a target's own consistency check, or a sanitizer
 * report fails the target's test.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Runs @fn on each file of @dir (absent: none); the number of files. */
static size_t
replay_dir(const char *dir, fuzz_fn fn)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_buf_ struct buf b = BUF_INIT;
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		cr_assert_eq(fs_read_file(path, 8u << 20, &b), 0, "cannot read %s", path);
		cr_log_info("%s", path);
		fn((const uint8_t *)(b.data ? b.data : ""), b.len);
		n++;
	}
	return n;
}

static void
replay(const char *target, fuzz_fn fn)
{
	const char *top = getenv("srcdir");
	_cleanup_free_ char *corpus = xasprintf("%s/tests/fuzz/corpus/%s", top ? top : ".", target);
	_cleanup_free_ char *regress = xasprintf("%s/tests/fuzz/regress/%s", top ? top : ".",
						 target);

	cr_expect_gt(replay_dir(corpus, fn), 0, "no seed in %s", corpus);
	(void)replay_dir(regress, fn);
}

#define REPLAY(name)                                                                               \
	int fuzz_target_##name(const uint8_t *data, size_t size);                                  \
	Test(fuzz_replay, name)                                                                    \
	{                                                                                          \
		replay(#name, fuzz_target_##name);                                                 \
	}

REPLAY(reference)
REPLAY(dockerfile)
REPLAY(dockerignore)
REPLAY(filters)
REPLAY(container_create)
REPLAY(build_request)
REPLAY(authconfig)
REPLAY(manifest)
REPLAY(image_config)
REPLAY(websocket)
REPLAY(frame)
REPLAY(untar)
REPLAY(dns)
REPLAY(daemon_json)
REPLAY(upstream)
REPLAY(load)
