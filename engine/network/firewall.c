/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nftables rules; see firewall.h. Everything is written in nft's own syntax
 * and run through libnftables in batches (one batch is one kernel
 * transaction). Rules are found again by their comment: "berth:<owner>" on
 * port rules, "berth-br:<bridge>" on the FORWARD accepts, and deleted by
 * handle, so a listing never has to be parsed beyond handle and comment.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <string.h>

#include "engine/network/firewall.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/xalloc.h"

#define OWNER_TAG "berth:"
#define BRIDGE_TAG "berth-br:"

struct firewall {
	pthread_mutex_t lock;
	struct nft_ctx *nft; /* only between begin() and end(), under lock */
	char table[32];
	char bridge[16];
	char subnet[INET_ADDRSTRLEN + 4];
	bool internal;
};

/*
 * Takes the lock and makes a libnftables context for one operation; end()
 * frees it and drops the lock. A context kept between operations kept its
 * cache of the host's ruleset (about 512 KiB per nft table on the host, all
 * of it written: four 128 KiB hash tables each), so an idle berthd held
 * megabytes after a port was published; a new context costs ~45 us.
 */
static int
begin(struct firewall *fw, struct err *e)
{
	pthread_mutex_lock(&fw->lock);
	fw->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!fw->nft) {
		pthread_mutex_unlock(&fw->lock);
		return err_set(e, -ENOMEM, "cannot create nftables context");
	}
	nft_ctx_buffer_output(fw->nft);
	nft_ctx_buffer_error(fw->nft);
	return 0;
}

static void
end(struct firewall *fw)
{
	nft_ctx_free(fw->nft);
	fw->nft = NULL;
	/* libnftables opens its netlink socket without SOCK_CLOEXEC; gone now,
	 * but its files may have been opened without it too. */
	(void)fs_cloexec_from(3);
	pthread_mutex_unlock(&fw->lock);
}

/*
 * Runs @cmd; on failure the first line of nft's error text becomes the
 * message. Whatever the command printed (a listing run only to see whether
 * a chain exists) is dropped: the buffer accumulates, and a listing left in
 * it used to be read back in front of the next JSON listing, which then
 * failed to parse ("cannot list port rules ...: Invalid argument" at every
 * start on hosts with an iptables FORWARD chain).
 */
static int
run(struct firewall *fw, const char *cmd, struct err *e)
{
	const char *msg;
	size_t len;
	int k;

	nft_ctx_output_set_flags(fw->nft, 0);
	k = nft_run_cmd_from_buffer(fw->nft, cmd);
	(void)nft_ctx_get_output_buffer(fw->nft);
	if (k == 0) {
		(void)nft_ctx_get_error_buffer(fw->nft);
		return 0;
	}
	msg = nft_ctx_get_error_buffer(fw->nft);
	msg = msg ? msg : "";
	len = strcspn(msg, "\n");
	return err_set(e, -EIO, "nftables: %.*s", (int)len, msg);
}

/* Lists one chain as JSON with handles; *ret is a new reference. -ENOENT if absent. */
static int
list_chain(struct firewall *fw, const char *table, const char *chain, json_t **ret)
{
	_cleanup_free_ char *cmd = xasprintf("list chain ip %s %s", table, chain);
	const char *out;

	nft_ctx_output_set_flags(fw->nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	/* Only this command's output: drop anything an earlier one left. */
	(void)nft_ctx_get_output_buffer(fw->nft);
	if (nft_run_cmd_from_buffer(fw->nft, cmd) != 0) {
		(void)nft_ctx_get_output_buffer(fw->nft);
		(void)nft_ctx_get_error_buffer(fw->nft);
		return -ENOENT;
	}
	out = nft_ctx_get_output_buffer(fw->nft);
	if (!out || strlen(out) > LIMIT_NFT_LISTING)
		return -E2BIG;
	*ret = json_loads(out, 0, NULL);
	return *ret ? 0 : -EINVAL;
}

/*
 * Appends "delete rule" commands for every rule of @chain whose comment
 * starts with @prefix and passes @match (NULL: all such). Returns the count.
 */
static int
collect_deletes(struct firewall *fw, const char *table, const char *chain, const char *prefix,
		bool (*match)(const char *rest, void *data), void *data, struct buf *cmds)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *item;
	size_t i;
	int n = 0, r = list_chain(fw, table, chain, &root);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		json_t *rule = json_object_get(item, "rule");
		const char *comment = json_string_value(json_object_get(rule, "comment"));
		json_t *handle = json_object_get(rule, "handle");
		if (!comment || !json_is_integer(handle) ||
		    strncmp(comment, prefix, strlen(prefix)) != 0)
			continue;
		if (match && !match(comment + strlen(prefix), data))
			continue;
		buf_printf(cmds, "delete rule ip %s %s handle %lld\n", table, chain,
			   (long long)json_integer_value(handle));
		n++;
	}
	return n;
}

static int
reset_base_chains(struct firewall *fw, struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	const char *t = fw->table, *br = fw->bridge;

	buf_printf(&c, "add table ip %s\n", t);
	buf_printf(&c, "add chain ip %s prerouting { type nat hook prerouting priority dstnat; "
		       "policy accept; }\n", t);
	buf_printf(&c, "add chain ip %s output { type nat hook output priority -100; "
		       "policy accept; }\n", t);
	buf_printf(&c, "add chain ip %s postrouting { type nat hook postrouting priority srcnat; "
		       "policy accept; }\n", t);
	buf_printf(&c, "add chain ip %s forward { type filter hook forward priority filter - 1; "
		       "policy accept; }\n", t);
	buf_printf(&c, "add chain ip %s ports\n", t);
	/* Base chains are ours alone: reset them so a restart never duplicates rules.
	 * The ports chain keeps the rules of containers that outlived the daemon. */
	buf_printf(&c, "flush chain ip %s prerouting\nflush chain ip %s output\n"
		       "flush chain ip %s postrouting\nflush chain ip %s forward\n", t, t, t, t);
	buf_printf(&c, "add rule ip %s prerouting fib daddr type local jump ports\n", t);
	/* The host's own connections, 127.0.0.1 included (dockerd's userland-proxy=false). */
	buf_printf(&c, "add rule ip %s output fib daddr type local jump ports\n", t);
	if (fw->internal)
		/* Internal: nothing leaves the bridge but to the bridge itself. */
		buf_printf(&c, "add rule ip %s forward iifname \"%s\" oifname != \"%s\" drop\n", t,
			   br, br);
	else
		buf_printf(&c,
			   "add rule ip %s postrouting ip saddr %s oifname != \"%s\" "
			   "masquerade\n",
			   t, fw->subnet, br);
	/* Loopback-sourced traffic DNAT'd to a container must not keep 127.x as source. */
	buf_printf(&c, "add rule ip %s postrouting oifname \"%s\" ip saddr 127.0.0.0/8 "
		       "masquerade\n", t, br);
	/* Hairpin: a container reaching a published port of the bridge's own containers. */
	buf_printf(&c, "add rule ip %s postrouting oifname \"%s\" ip saddr %s ct status dnat "
		       "masquerade\n", t, br, fw->subnet);
	/* Routed access to containers only through published ports (as dockerd). */
	buf_printf(&c, "add rule ip %s forward oifname \"%s\" iifname != \"%s\" ct state new "
		       "ct status & dnat == 0 drop\n", t, br, br);
	return run(fw, c.data, e);
}

int
firewall_open(const char *bridge, struct in_addr subnet, int prefix, bool internal,
	      struct firewall **ret, struct err *e)
{
	struct firewall *fw = xcalloc(1, sizeof(*fw));
	char net[INET_ADDRSTRLEN];
	int r;

	pthread_mutex_init(&fw->lock, NULL);
	fw->internal = internal;
	snprintf(fw->bridge, sizeof(fw->bridge), "%s", bridge);
	snprintf(fw->table, sizeof(fw->table), "berth_%s", bridge);
	/* nft identifiers take letters, digits, '_' and '.': map the rest ('-'). */
	for (char *p = fw->table; *p; p++)
		if (*p == '-')
			*p = '_';
	inet_ntop(AF_INET, &subnet, net, sizeof(net));
	snprintf(fw->subnet, sizeof(fw->subnet), "%s/%d", net, prefix);
	r = begin(fw, e);
	if (r >= 0) {
		r = reset_base_chains(fw, e);
		end(fw);
	}
	if (r >= 0)
		r = firewall_ensure_forward(fw, e);
	if (r < 0) {
		firewall_free(fw);
		return err_prefix(e, "cannot set up firewall for '%s'", bridge);
	}
	*ret = fw;
	return 0;
}

void
firewall_free(struct firewall *fw)
{
	if (!fw)
		return;
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

const char *
firewall_table(const struct firewall *fw)
{
	return fw->table;
}

static bool
tag_is_bridge(const char *rest, void *data)
{
	return strcmp(rest, data) == 0;
}

int
firewall_ensure_forward(struct firewall *fw, struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	_cleanup_buf_ struct buf dummy = BUF_INIT;
	int r;

	r = begin(fw, e);
	if (r < 0)
		return r;
	r = collect_deletes(fw, "filter", "FORWARD", BRIDGE_TAG, tag_is_bridge, fw->bridge, &dummy);
	if (r == 0 && run(fw, "list chain ip filter FORWARD", NULL) == 0) {
		/* Only forms iptables-nft can read back (-i/-o, comment, counter):
		 * anything else makes dockerd's `iptables` calls fail on the chain. */
		buf_printf(&c, "insert rule ip filter FORWARD oifname \"%s\" counter accept "
			       "comment \"%s%s\"\n", fw->bridge, BRIDGE_TAG, fw->bridge);
		buf_printf(&c, "insert rule ip filter FORWARD iifname \"%s\" counter accept "
			       "comment \"%s%s\"\n", fw->bridge, BRIDGE_TAG, fw->bridge);
		r = run(fw, c.data, e);
	}
	end(fw);
	if (r < 0)
		return err_is_set(e) ? r : err_errno(e, r, "cannot inspect FORWARD chain");
	return 0;
}

void
firewall_format_port_rule(struct buf *out, const char *table, const char *owner,
			  struct in_addr cip, const struct portmap_binding *b)
{
	char hip[INET_ADDRSTRLEN], caddr[INET_ADDRSTRLEN];
	const char *proto = portmap_proto_name(b->proto);

	inet_ntop(AF_INET, &b->host_ip, hip, sizeof(hip));
	inet_ntop(AF_INET, &cip, caddr, sizeof(caddr));
	buf_printf(out, "add rule ip %s ports ", table);
	if (b->host_ip.s_addr != htonl(INADDR_ANY))
		buf_printf(out, "ip daddr %s ", hip);
	buf_printf(out, "%s dport %u dnat to %s:%u comment \"%s%s\"\n", proto, b->host_port,
		   caddr, b->container_port, OWNER_TAG, owner);
}

int
firewall_add_ports(struct firewall *fw, const char *owner, struct in_addr cip,
		   const struct portmap_binding *b, size_t n, struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		firewall_format_port_rule(&c, fw->table, owner, cip, &b[i]);
	r = begin(fw, e);
	if (r < 0)
		return r;
	r = run(fw, c.data, e);
	end(fw);
	return r;
}

struct keep_ctx {
	bool (*keep)(const char *owner, void *data);
	void *data;
};

static bool
owner_is(const char *rest, void *data)
{
	return strcmp(rest, data) == 0;
}

static bool
owner_dropped(const char *rest, void *data)
{
	struct keep_ctx *k = data;

	return !k->keep(rest, k->data);
}

static int
remove_matching(struct firewall *fw, bool (*match)(const char *, void *), void *data,
		struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	int n, r = 0;

	r = begin(fw, e);
	if (r < 0)
		return r;
	n = collect_deletes(fw, fw->table, "ports", OWNER_TAG, match, data, &c);
	if (n > 0)
		r = run(fw, c.data, e);
	end(fw);
	if (n < 0)
		return err_errno(e, n, "cannot list port rules of '%s'", fw->table);
	return r < 0 ? r : n;
}

int
firewall_remove_owner(struct firewall *fw, const char *owner, struct err *e)
{
	int r = remove_matching(fw, owner_is, (void *)owner, e);

	return r < 0 ? r : 0;
}

int
firewall_remove_unless(struct firewall *fw, bool (*keep)(const char *owner, void *data),
		       void *data, struct err *e)
{
	struct keep_ctx k = {keep, data};

	return remove_matching(fw, owner_dropped, &k, e);
}

int
firewall_open6(struct firewall *fw, bool internal, struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	const char *t = fw->table, *br = fw->bridge;
	int r;

	buf_printf(&c, "add table ip6 %s\n", t);
	buf_printf(&c,
		   "add chain ip6 %s forward { type filter hook forward priority filter - 1; "
		   "policy accept; }\n",
		   t);
	buf_printf(&c, "flush chain ip6 %s forward\n", t);
	/* No IPv6 port is published (as dockerd 20.10 without ip6tables), so
	 * nothing is routed into the bridge: this keeps two networks apart when
	 * the host forwards IPv6. */
	buf_printf(&c, "add rule ip6 %s forward oifname \"%s\" iifname != \"%s\" drop\n", t, br,
		   br);
	if (internal)
		buf_printf(&c, "add rule ip6 %s forward iifname \"%s\" oifname != \"%s\" drop\n", t,
			   br, br);
	r = begin(fw, e);
	if (r < 0)
		return r;
	r = run(fw, c.data, e);
	end(fw);
	return r;
}

int
firewall_destroy(struct firewall *fw, struct err *e)
{
	_cleanup_buf_ struct buf c = BUF_INIT;
	int n, r = 0;

	r = begin(fw, e);
	if (r < 0)
		return r;
	n = collect_deletes(fw, "filter", "FORWARD", BRIDGE_TAG, tag_is_bridge, fw->bridge, &c);
	/* the IPv6 table exists only on IPv6 networks: added first, so the
	 * delete never fails on its absence */
	buf_printf(&c, "add table ip6 %s\ndelete table ip6 %s\n", fw->table, fw->table);
	buf_printf(&c, "delete table ip %s\n", fw->table);
	r = run(fw, c.data, e);
	end(fw);
	(void)n;
	return r;
}
