/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening and closing the networking state: endpoint records read back at
 * start (their host ports taken again), the firewall released at shutdown,
 * and the clean-up of leftovers of containers that are gone (namespaces,
 * veths, bridges). The endpoint lifecycle is network.c's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "engine/network/endpoint.h"
#include "engine/network/firewall.h"
#include "engine/network/iface.h"
#include "engine/network/ipam.h"
#include "engine/network/ipam6.h"
#include "engine/network/netns.h"
#include "engine/network/network.h"
#include "engine/network/plumb.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"

#include "engine/network/network_internal.h"
#include "engine/network/reaper.h"

/* Re-takes the host ports of an endpoint found on disk; a lost one is logged. */
static void
rereserve_ports(struct ep_rec *rec)
{
	rec->port_fds = xcalloc(rec->ep.n_ports ? rec->ep.n_ports : 1, sizeof(int));
	for (size_t i = 0; i < rec->ep.n_ports; i++) {
		const struct portmap_binding *b = &rec->ep.ports[i];
		rec->port_fds[i] = portmap_reserve(b, b->host_port);
		if (rec->port_fds[i] < 0) {
			char text[INET_ADDRSTRLEN + 8];
			portmap_host_text(b, text, sizeof(text));
			log_warn("cannot reserve '%s/%s' of container '%s' again: %s, ignoring",
				 text, portmap_proto_name(b->proto), rec->ep.container_id,
				 strerror(-rec->port_fds[i]));
			rec->port_fds[i] = -1;
		}
	}
}

/* Loads every endpoint record; corrupt ones are skipped (cleanup removes them). */
static int
load_endpoints(struct network_state *net, struct err *e)
{
	_cleanup_closedir_ DIR *d = opendir(net->ep_dir);
	struct dirent *de;

	if (!d)
		return err_errno(e, -errno, "cannot open '%s'", net->ep_dir);
	while ((de = readdir(d))) {
		_cleanup_free_ char *id = NULL;
		struct err le = ERR_INIT;
		struct ep_rec *rec;
		if (!str_endswith(de->d_name, ".json") || de->d_name[0] == '.')
			continue;
		id = xstrndup(de->d_name, strlen(de->d_name) - 5);
		rec = xcalloc(1, sizeof(*rec));
		if (endpoint_load(net->ep_dir, id, &rec->ep, &le) < 0) {
			log_warn("%s, ignoring", le.msg);
			free(rec);
			continue;
		}
		rereserve_ports(rec);
		netstate_insert_rec(net, rec);
	}
	return 0;
}

static int
make_dirs(const struct network_config *cfg, struct network_state *net, char **ret_ipam,
	  struct err *e)
{
	_cleanup_free_ char *netdir = xasprintf("%s/network/networks/bridge", cfg->data_root);
	int r;

	net->net_dir = xasprintf("%s/network", cfg->data_root);
	net->ep_dir = xasprintf("%s/network/endpoints", cfg->data_root);
	net->netns_dir = xasprintf("%s/netns", cfg->exec_root);
	if ((r = fs_mkdir_p(netdir, 0700)) < 0)
		return err_errno(e, r, "cannot create '%s'", netdir);
	if ((r = fs_mkdir_p(net->ep_dir, 0700)) < 0)
		return err_errno(e, r, "cannot create '%s'", net->ep_dir);
	if ((r = fs_mkdir_p(net->netns_dir, 0711)) < 0)
		return err_errno(e, r, "cannot create '%s'", net->netns_dir);
	/* network, endpoint, IPAM and bridge-claim records of a write a crash
	 * cut short (networks/<id>/ipam.json is two levels down) */
	if ((r = fs_remove_write_leftovers(net->net_dir, 2)) > 0)
		log_info("removed %d temporary files left in '%s'", r, net->net_dir);
	*ret_ipam = xasprintf("%s/ipam.json", netdir);
	return 0;
}

int
network_open(const struct network_config *cfg, struct network_state **ret, struct err *e)
{
	struct network_state *net = xcalloc(1, sizeof(*net));
	_cleanup_free_ char *ipam_path = NULL;
	const char *bridge = cfg->bridge_name ? cfg->bridge_name : "berth0";
	int r;

	pthread_mutex_init(&net->setup_lock, NULL);
	pthread_mutex_init(&net->lock, NULL);
	pthread_cond_init(&net->reap_cv, NULL);
	net->br.cidr = xstrdup(cfg->bridge_cidr ? cfg->bridge_cidr : "10.88.0.1/16");
	net->br.disabled = strcmp(bridge, "none") == 0;
	if (!plumb_ifname_valid(bridge)) {
		r = err_set(e, -EINVAL, "invalid bridge name '%s'", bridge);
		goto fail;
	}
	snprintf(net->br.name, sizeof(net->br.name), "%s", bridge);
	r = netobj_set_pools(net, cfg->address_pools, e);
	if (r >= 0)
		r = make_dirs(cfg, net, &ipam_path, e);
	if (r >= 0)
		r = ipam_open(ipam_path, net->br.cidr, &net->br.ipam, e);
	if (r >= 0)
		ipam_set_deferred(net->br.ipam, true); /* saved by ipam_sync, outside net->lock */
	if (r >= 0)
		r = load_endpoints(net, e);
	if (r >= 0)
		r = netobj_load_all(net, e);
	if (r < 0)
		goto fail;
	if (!net->br.disabled && plumb_bridge_setup(&net->br, &net->br.setup_err) < 0)
		log_warn("cannot set up bridge '%s': %s; containers on the default network "
			 "will fail until this is fixed",
			 bridge, net->br.setup_err.msg);
	*ret = net;
	return 0;
fail:
	network_close(net);
	return err_prefix(e, "networking");
}

/* Drops @br's firewall state unless a running container is attached to it. */
static void
release_bridge_firewall(struct network_state *net, struct bridge_net *br)
{
	struct err e = ERR_INIT;
	size_t users = 0;

	if (!br->ready || !br->fw)
		return;
	for (size_t i = 0; i < net->n_eps; i++)
		if (netobj_bridge_of(net, &net->eps[i]->ep) == br)
			users++;
	if (users > 0) {
		log_info("keeping the firewall rules of bridge '%s': %zu running container "
			 "endpoint(s) use it",
			 br->name, users);
		return;
	}
	if (firewall_destroy(br->fw, &e) < 0)
		log_warn("cannot remove the firewall rules of bridge '%s': %s, ignoring", br->name,
			 e.msg);
	firewall_free(br->fw);
	br->fw = NULL;
	br->ready = false;
}

void
network_shutdown(struct network_state *net)
{
	if (!net)
		return;
	pthread_mutex_lock(&net->setup_lock);
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, NULL); /* no exited container's veth outlives berthd */
	release_bridge_firewall(net, &net->br);
	for (size_t i = 0; i < net->n_nets; i++)
		if (net->nets[i]->own_br && net->nets[i]->br)
			release_bridge_firewall(net, net->nets[i]->br);
	pthread_mutex_unlock(&net->lock);
	pthread_mutex_unlock(&net->setup_lock);
}

void
network_close(struct network_state *net)
{
	if (!net)
		return;
	reaper_stop(net);
	for (size_t i = 0; i < net->n_eps; i++)
		netstate_rec_free(net->eps[i]);
	free(net->eps);
	for (size_t i = 0; i < net->n_nets; i++)
		netobj_free(net->nets[i]);
	free(net->nets);
	free(net->pools);
	free(net->net_dir);
	firewall_free(net->br.fw);
	ipam_free(net->br.ipam);
	free(net->br.cidr);
	free(net->ep_dir);
	free(net->netns_dir);
	pthread_cond_destroy(&net->reap_cv);
	pthread_mutex_destroy(&net->lock);
	pthread_mutex_destroy(&net->setup_lock);
	free(net);
}

static bool
is_live(const char *id, void *data)
{
	char *const *live = data;

	for (size_t i = 0; live && live[i]; i++)
		if (strcmp(live[i], id) == 0)
			return true;
	return false;
}

/* Removes namespace files in <exec-root>/netns whose container is gone. */
static int
sweep_netns(struct network_state *net, char *const *live)
{
	_cleanup_closedir_ DIR *d = opendir(net->netns_dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		if (de->d_name[0] == '.' || is_live(de->d_name, (void *)live))
			continue;
		path = xasprintf("%s/%s", net->netns_dir, de->d_name);
		if (netns_destroy(path) < 0)
			log_warn("cannot remove stale namespace '%s', ignoring", path);
		else
			n++;
	}
	return n;
}

struct veth_sweep {
	struct nl_sock *sk;
	char *const *live;
};

static void
sweep_veth(const char *name, const char *alias, void *data)
{
	struct veth_sweep *s = data;
	const char *id = alias + strlen("berth:");

	if (is_live(id, (void *)s->live))
		return;
	if (iface_delete(s->sk, name) < 0)
		log_warn("cannot delete stale veth '%s', ignoring", name);
}

/* Kernel leftovers of the bridge network: veths on it and port rules. */
static void
sweep_bridge(struct bridge_net *br, char *const *live)
{
	struct veth_sweep s = {.live = live};
	struct err le = ERR_INIT;

	if (!br->ready)
		return;
	if (iface_sock_open(NULL, &s.sk, &le) == 0) {
		(void)iface_foreach_port(s.sk, br->ifindex, "berth:", sweep_veth, &s);
		iface_sock_close(s.sk);
	}
	if (firewall_remove_unless(br->fw, is_live, (void *)live, &le) < 0)
		log_warn("cannot remove stale port rules on '%s': %s, ignoring", br->name, le.msg);
}

int
network_cleanup_stale(struct network_state *net, char *const *live, struct err *e)
{
	_cleanup_strv_ char **dead = NULL;
	size_t n = 0;
	int r;

	pthread_mutex_lock(&net->lock);
	dead = xcalloc(net->n_eps + 1, sizeof(char *));
	for (size_t i = 0; i < net->n_eps; i++) {
		const char *id = net->eps[i]->ep.container_id;
		/* One entry per container, whatever its number of endpoints. */
		if (!is_live(id, (void *)live) && !is_live(id, dead))
			dead[n++] = xstrdup(id);
	}
	pthread_mutex_unlock(&net->lock);
	for (size_t i = 0; i < n; i++) {
		struct err de = ERR_INIT;
		if (network_detach(net, dead[i], &de) < 0)
			log_warn("cleaning up network of '%s': %s, ignoring", dead[i], de.msg);
	}
	(void)sweep_netns(net, live);
	/* User networks are only removed with no endpoint, so their bridges stay. */
	sweep_bridge(&net->br, live);
	for (size_t i = 0; i < net->n_nets; i++)
		if (net->nets[i]->own_br)
			sweep_bridge(net->nets[i]->br, live);
	pthread_mutex_lock(&net->lock);
	r = ipam_release_unless(net->br.ipam, is_live, (void *)live);
	if (r >= 0)
		r = ipam_sync(net->br.ipam);
	for (size_t i = 0; r >= 0 && i < net->n_nets; i++)
		if (net->nets[i]->own_br) {
			r = ipam_release_unless(net->nets[i]->br->ipam, is_live, (void *)live);
			if (r >= 0)
				r = ipam_sync(net->nets[i]->br->ipam);
			if (r >= 0 && net->nets[i]->br->ipam6)
				r = ipam6_release_unless(net->nets[i]->br->ipam6, is_live,
							 (void *)live);
		}
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		return err_errno(e, r, "cannot save IPAM state");
	return (int)n;
}

int
network_destroy_bridge(struct network_state *net, struct err *e)
{
	int r;

	pthread_mutex_lock(&net->setup_lock);
	pthread_mutex_lock(&net->lock);
	reaper_wait(net, NULL);
	r = net->n_eps ? -EBUSY : 0;
	pthread_mutex_unlock(&net->lock);
	if (r < 0)
		r = err_set(e, r, "bridge '%s' still has endpoints", net->br.name);
	else
		r = plumb_bridge_destroy(&net->br, e);
	pthread_mutex_unlock(&net->setup_lock);
	return r;
}
