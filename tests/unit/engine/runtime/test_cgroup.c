/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runtime/cgroup.h"

/* Regression: an empty cgroup.procs (every process gone, cgroup still
 * there, as after a kill while berthd was down) crashed the pid listing. */
Test(cgroup, empty_cgroup_has_no_pids)
{
	char rel[64], dir[128];
	pid_t *pids = NULL;
	size_t n = 99;

	if (geteuid() != 0 || access("/sys/fs/cgroup/pids", W_OK) != 0)
		cr_skip_test("needs root and the cgroup v1 pids controller");
	snprintf(rel, sizeof(rel), "berth-unit-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/%s", rel);
	cr_assert_eq(mkdir(dir, 0755), 0);
	int r = cgroup_pids(rel, &pids, &n);
	rmdir(dir);
	cr_expect_eq(r, 0);
	cr_expect_eq(n, 0);
	free(pids);
}
