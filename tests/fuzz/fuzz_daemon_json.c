/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.json (server/conf.c): the input is the file's content, read by
 * conf_load_file from a memfd (/proc/self/fd/N) and then completed and
 * checked by conf_finalize, as berthd does at start.
 */
#include "config.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/util/fs.h"
#include "server/conf.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(daemon_json)
{
	struct daemon_config cfg = {0};
	struct err e = ERR_INIT;
	int fd = memfd_create("daemon.json", MFD_CLOEXEC);

	if (fd < 0 || (size && fs_write_all(fd, data, size) < 0))
		abort();
	cfg.config_file = xasprintf("/proc/self/fd/%d", fd);
	if (conf_load_file(&cfg, &e) == 0)
		(void)conf_finalize(&cfg, &e);
	conf_release(&cfg);
	close(fd);
	return 0;
}
