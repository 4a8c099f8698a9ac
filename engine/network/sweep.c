/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this data root created in the kernel, and the start-up sweep of what
 * it no longer knows. Each user network's bridge is marked by a file
 * <data-root>/network/bridges/<ifname> holding its gateway/prefix and
 * whether it is internal. At start, a marker whose bridge no network record
 * claims (the record was lost, or removed while berthd was down) has its
 * bridge and nft table removed. Several daemons share a host (tests run
 * many at once), so only marked interfaces are touched: never a bridge
 * another data root, another daemon or the administrator made.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/firewall.h"
#include "engine/network/ipam.h"
#include "engine/network/network_internal.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"

static char *
marker_path(struct network_state *net, const char *ifname)
{
	return xasprintf("%s/bridges/%s", net->net_dir, ifname);
}

void
sweep_mark(struct network_state *net, const struct bridge_net *br)
{
	_cleanup_free_ char *dir = xasprintf("%s/bridges", net->net_dir);
	_cleanup_free_ char *path = marker_path(net, br->name);
	_cleanup_free_ char *text = xasprintf("%s %s\n", br->cidr, br->internal ? "internal" : "-");
	int r;

	if ((r = fs_mkdir_p(dir, 0700)) < 0 ||
	    (r = fs_write_replace(path, text, strlen(text), 0600)) < 0)
		log_warn("cannot record bridge '%s' in '%s': %s, ignoring", br->name, dir,
			 strerror(-r));
}

void
sweep_unmark(struct network_state *net, const char *ifname)
{
	_cleanup_free_ char *path = marker_path(net, ifname);

	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove '%s': %s, ignoring", path, strerror(errno));
}

static bool
claimed(struct network_state *net, const char *ifname)
{
	for (size_t i = 0; i < net->n_nets; i++)
		if (net->nets[i]->own_br && strcmp(net->nets[i]->br->name, ifname) == 0)
			return true;
	return false;
}

/* Removes the bridge and nft table a marker describes. */
static void
sweep_one(struct network_state *net, const char *ifname)
{
	_cleanup_free_ char *path = marker_path(net, ifname);
	_cleanup_buf_ struct buf text = BUF_INIT;
	struct bridge_net br = {0};
	struct in_addr gw;
	char cidr[64] = "", mode[16] = "";
	int prefix = 0;
	struct err e = ERR_INIT;

	if (!plumb_ifname_valid(ifname) || fs_read_file(path, 256, &text) < 0 || !text.data ||
	    sscanf(text.data, "%63s %15s", cidr, mode) != 2 ||
	    ipam_parse_cidr(cidr, &gw, &prefix) < 0) {
		log_warn("bad bridge marker '%s', removing it", path);
		(void)unlink(path);
		return;
	}
	snprintf(br.name, sizeof(br.name), "%s", ifname);
	/* the table is found by name; opening it is how firewall_destroy
	 * learns the bridge's FORWARD rules to drop with it */
	if (firewall_open(ifname, gw, prefix, strcmp(mode, "internal") == 0, &br.fw, &e) < 0)
		log_warn("stale bridge '%s': %s, ignoring", ifname, e.msg);
	if (plumb_bridge_destroy(&br, &e) < 0) {
		log_warn("cannot remove stale bridge '%s': %s, keeping its marker", ifname, e.msg);
		return;
	}
	log_info("removed bridge '%s' and its firewall table: no network of this data root has it",
		 ifname);
	(void)unlink(path);
}

void
sweep_stale(struct network_state *net)
{
	_cleanup_free_ char *dir = xasprintf("%s/bridges", net->net_dir);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !claimed(net, de->d_name))
			sweep_one(net, de->d_name);
}
