/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar extraction (engine/archive/untar.c, through its public untar_extract):
 * the input is an archive stream (plain or compressed, detected by magic)
 * unpacked into a fresh directory of a private scratch tree, with each
 * whiteout mode (chosen by the input's length) and limits small enough
 * that a bomb stops early. Device nodes stay refused (the fuzzer must not
 * make usable devices). After each input the tree is removed; anything the
 * archive placed outside it would be a finding (checked: the scratch root
 * holds only the one directory).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "tests/fuzz/fuzz.h"

static char *scratch;
static int scratch_fd = -1;

static void
scratch_remove(void)
{
	if (scratch)
		(void)fs_rm_rf(scratch);
}

static int
scratch_root(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch_fd >= 0)
		return scratch_fd;
	if (fs_mkdtemp_in(tmp && *tmp ? tmp : "/tmp", "berth-fuzz-untar.", &scratch) < 0 ||
	    (scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	atexit(scratch_remove);
	return scratch_fd;
}

/* Nothing but "x" may exist in the scratch root after an extraction into x. */
static void
check_contained(int root)
{
	_cleanup_closedir_ DIR *d = fdopendir(dup(root));
	struct dirent *de;

	if (!d)
		abort();
	rewinddir(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "x")) {
			fprintf(stderr, "untar: '%s' appeared outside the destination\n",
				de->d_name);
			abort();
		}
}

FUZZ_TARGET(untar)
{
	static const enum untar_whiteout modes[] = {UNTAR_WHITEOUT_NONE, UNTAR_WHITEOUT_OVERLAY,
						    UNTAR_WHITEOUT_APPLY};
	struct untar_opts o = {.whiteout = modes[size % 3],
			       .max_entries = 2048,
			       .max_bytes = 8u << 20,
			       .max_depth = 64};
	struct untar_result res;
	struct err e = ERR_INIT;
	int root = scratch_root(), in, dest;

	fuzz_quiet();
	if (mkdirat(root, "x", 0755) < 0 ||
	    (dest = openat(root, "x", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	if ((in = memfd_create("layer", MFD_CLOEXEC)) < 0 ||
	    (size && fs_write_all(in, data, size) < 0) || lseek(in, 0, SEEK_SET) < 0)
		abort();
	(void)untar_extract(in, dest, &o, &res, &e);
	close(in);
	close(dest);
	check_contained(root);
	if (fs_rm_rf_at(root, "x") < 0)
		abort();
	return 0;
}
