/* SPDX-License-Identifier: Apache-2.0 */
/* Container sizes and prune. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/lifecycle.h"
#include "engine/container/rootfs.h"
#include "engine/container/usage.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/container/snapshot.h"
#include "engine/store/store_image.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

int
usage_size(struct containers *cs, struct container *c, int64_t *ret_rw, int64_t *ret_rootfs,
	   struct err *e)
{
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", c->dir);
	struct store_image_summary sum = {0};
	struct err ignored = ERR_INIT;
	uint64_t rw = 0;
	int r;

	r = fs_tree_size(upper, &rw);
	if (r < 0 && r != -ENOENT)
		return err_errno(e, r, "cannot measure the layer of container %s", c->id);
	if (ret_rw)
		*ret_rw = (int64_t)rw;
	if (ret_rootfs) {
		*ret_rootfs = (int64_t)rw;
		if (c->image_id && *c->image_id &&
		    store_image_get(cs->store, c->image_id, &sum, NULL, &ignored) == 0) {
			*ret_rootfs += (int64_t)sum.size;
			store_image_summary_release(&sum);
		}
	}
	return 0;
}

int
usage_prune(struct containers *cs, usage_prune_fn match, void *ud, char ***ret_ids,
	    uint64_t *ret_reclaimed, struct err *e)
{
	size_t n = 0;
	struct container **list = containers_list(cs, &n);
	char **ids = NULL;
	uint64_t total = 0;

	(void)e;
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		struct err err = ERR_INIT;
		int64_t rw = 0;
		bool stopped;

		pthread_mutex_lock(&c->mu);
		stopped = !c->removed && !c->starting &&
			  (c->state.status == CONTAINER_CREATED || c->state.status == CONTAINER_EXITED ||
			   c->state.status == CONTAINER_DEAD);
		pthread_mutex_unlock(&c->mu);
		if (!stopped)
			continue;
		if (match) {
			_cleanup_container_snap_ struct container_snap *s = container_snap_new(c);
			if (!match(s, ud))
				continue;
		}
		(void)usage_size(cs, c, &rw, NULL, &err);
		if (lifecycle_remove(cs, c, false, false, &err) < 0) {
			log_warn("prune: container %.12s: %s, skipping", c->id, err.msg);
			continue;
		}
		strv_append(&ids, c->id);
		total += (uint64_t)rw;
	}
	containers_list_free(list, n);
	*ret_ids = ids;
	*ret_reclaimed = total;
	return 0;
}

int
usage_changes(struct containers *cs, struct container *c, struct rootfs_change **ret,
	      size_t *ret_n, struct err *e)
{
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", c->dir);
	_cleanup_strv_ char **lowers = NULL;
	int r = store_image_lowerdirs(cs->store, c->image_id, &lowers, e);

	if (r < 0)
		return r;
	return rootfs_changes(upper, lowers, ret, ret_n, e);
}

int
usage_export(struct containers *cs, struct container *c,
	     int (*write)(void *ud, const void *p, size_t n), void *ud, struct err *e)
{
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", c->dir);
	_cleanup_strv_ char **lowers = NULL;
	int r = store_image_lowerdirs(cs->store, c->image_id, &lowers, e);

	if (r < 0)
		return r;
	return rootfs_export_unmapped(upper, lowers, container_userns_map(cs, c), write, ud, e);
}
