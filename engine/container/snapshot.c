/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container snapshots (see snapshot.h): one copy under c->mu, then the parts
 * that need other services (exec IDs, volume paths, sizes) added without
 * holding it. Encoding them in Docker's words is api's business, not this
 * file's.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/snapshot.h"
#include "engine/container/exec.h"
#include "engine/container/links.h"
#include "engine/container/usage.h"
#include "engine/container/container_internal.h"
#include "engine/util/strv.h"
#include "engine/volume/volume.h"
#include "engine/util/xalloc.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
endpoint_copy(const struct container_endpoint *ep, struct container_endpoint *ret)
{
	ret->network = dup_or_null(ep->network);
	ret->network_id = dup_or_null(ep->network_id);
	ret->endpoint_id = dup_or_null(ep->endpoint_id);
	ret->ip = dup_or_null(ep->ip);
	ret->prefix = ep->prefix;
	ret->gateway = dup_or_null(ep->gateway);
	ret->ip6 = dup_or_null(ep->ip6);
	ret->gateway6 = dup_or_null(ep->gateway6);
	ret->prefix6 = ep->prefix6;
	ret->mac = dup_or_null(ep->mac);
	ret->netns = dup_or_null(ep->netns);
	ret->n_ports = ep->n_ports;
	ret->ports = ep->n_ports ? xcalloc(ep->n_ports, sizeof(*ep->ports)) : NULL;
	if (ep->n_ports) /* plain values: a flat copy shares nothing */
		memcpy(ret->ports, ep->ports, ep->n_ports * sizeof(*ep->ports));
}

struct container_snap *
container_snap_new(struct container *c)
{
	struct container_snap *s = xcalloc(1, sizeof(*s));

	/* Immutable after create, but copied all the same: the snapshot must
	 * not borrow from an object that may be freed after the caller's unref. */
	memcpy(s->id, c->id, sizeof(s->id));
	s->created_ns = c->created_ns;
	s->resolv_conf_path = xasprintf("%s/resolv.conf", c->dir);
	s->hostname_path = xasprintf("%s/hostname", c->dir);
	s->hosts_path = xasprintf("%s/hosts", c->dir);
	s->upper_dir = xasprintf("%s/rw/upper", c->dir);
	s->work_dir = xasprintf("%s/rw/work", c->dir);
	s->merged_dir = xasprintf("%s/rw/merged", c->dir);
	s->log_path = dup_or_null(c->log_path);

	pthread_mutex_lock(&c->mu);
	s->name = dup_or_null(c->name);
	s->image_id = dup_or_null(c->image_id);
	s->path = dup_or_null(c->path);
	s->args = strv_dup(c->args);
	spec_copy(&c->spec, &s->spec);
	s->state = c->state;
	s->state.error = dup_or_null(c->state.error);
	health_state_copy(&c->state.health, &s->state.health);
	endpoint_copy(&c->ep, &s->ep);
	s->xeps = xcalloc(c->n_xeps + 1, sizeof(*s->xeps));
	for (size_t i = 0; i < c->n_xeps; i++)
		endpoint_copy(&c->xeps[i], &s->xeps[i]);
	s->n_xeps = c->n_xeps;
	pthread_mutex_unlock(&c->mu);
	return s;
}

/* Host paths of the mounts: volumes live where the volume service keeps them. */
static void
fill_mount_sources(struct containers *cs, struct container_snap *s)
{
	s->mount_sources = xcalloc(s->spec.n_mounts + 1, sizeof(*s->mount_sources));
	for (size_t i = 0; i < s->spec.n_mounts; i++) {
		const struct mount_spec *m = &s->spec.mounts[i];
		if (m->type == MOUNT_BIND)
			s->mount_sources[i] = dup_or_null(m->source);
		else if (m->type == MOUNT_VOLUME && m->source)
			s->mount_sources[i] = volume_data_path(cs->volumes, m->source);
	}
}

int
container_snapshot(struct containers *cs, struct container *c, enum container_snap_flags flags,
		   struct container_snap **ret, struct err *e)
{
	_cleanup_strv_ char **exec_ids = NULL;
	struct container_snap *s;
	struct err ignored = ERR_INIT;
	int64_t rw = 0, rootfs = 0;
	bool sized = false;

	(void)e;
	/* Sizes walk the layer and exec IDs take the exec registry's lock:
	 * both happen before c->mu, never under it. */
	if (flags & CONTAINER_SNAP_SIZES)
		sized = usage_size(cs, c, &rw, &rootfs, &ignored) == 0;
	if (flags & CONTAINER_SNAP_EXECS)
		exec_ids = execs_ids_of(cs->execs, c->id);
	s = container_snap_new(c);
	fill_mount_sources(cs, s);
	s->link_names = links_names_of(cs, s->id);
	s->links = links_describe(cs, c);
	s->exec_ids = TAKE_PTR(exec_ids);
	s->has_sizes = sized;
	s->size_rw = rw;
	s->size_rootfs = rootfs;
	*ret = s;
	return 0;
}

struct container_snap *
container_snap_free(struct container_snap *s)
{
	if (!s)
		return NULL;
	free(s->name);
	free(s->image_id);
	free(s->path);
	strv_free(s->args);
	for (size_t i = 0; s->mount_sources && i < s->spec.n_mounts; i++)
		free(s->mount_sources[i]);
	free(s->mount_sources);
	spec_release(&s->spec);
	container_state_release(&s->state);
	container_endpoint_release(&s->ep);
	for (size_t i = 0; i < s->n_xeps; i++)
		container_endpoint_release(&s->xeps[i]);
	free(s->xeps);
	free(s->log_path);
	free(s->resolv_conf_path);
	free(s->hostname_path);
	free(s->hosts_path);
	free(s->upper_dir);
	free(s->work_dir);
	free(s->merged_dir);
	strv_free(s->exec_ids);
	strv_free(s->link_names);
	strv_free(s->links);
	free(s);
	return NULL;
}
