/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 IPAM; see ipam6.h. The state file is
 * {"subnet": "fd00::/64", "last": "fd00::5", "owners": {"<id>": "fd00::2"}}.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/ipam6.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

typedef unsigned __int128 u128;

struct owner6 {
	char id[65];
	u128 addr;
};

struct ipam6 {
	char *path;
	u128 net, gw, lo, hi, last; /* [lo, hi]: where new addresses come from */
	int prefix;
	struct owner6 *owners;
	size_t n, cap;
	u128 *excl;
	size_t n_excl;
};

static u128
to_u128(const struct in6_addr *a)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = (v << 8) | a->s6_addr[i];
	return v;
}

static void
from_u128(u128 v, struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--) {
		a->s6_addr[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static u128
mask6(int prefix)
{
	return prefix == 0 ? 0 : ~(u128)0 << (128 - prefix);
}

int
ipam6_parse_cidr(const char *s, struct in6_addr *ret_addr, int *ret_prefix)
{
	const char *slash = strchr(s, '/');
	char addr[INET6_ADDRSTRLEN];
	uint64_t p;

	if (!slash || (size_t)(slash - s) >= sizeof(addr) || !slash[1] ||
	    (slash[1] == '0' && slash[2]) || parse_uint64(slash + 1, 128, &p) < 0)
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET6, addr, ret_addr) != 1)
		return -EINVAL;
	*ret_prefix = (int)p;
	return 0;
}

bool
ipam6_contains(const struct in6_addr *net, int prefix, const struct in6_addr *a)
{
	return ((to_u128(net) ^ to_u128(a)) & mask6(prefix)) == 0;
}

bool
ipam6_overlaps(const struct in6_addr *a, int pa, const struct in6_addr *b, int pb)
{
	return ((to_u128(a) ^ to_u128(b)) & mask6(pa < pb ? pa : pb)) == 0;
}

void
ipam6_network(const struct in6_addr *net, int prefix, struct in6_addr *ret)
{
	from_u128(to_u128(net) & mask6(prefix), ret);
}

static json_t *
addr_json(u128 v)
{
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];

	from_u128(v, &a);
	return json_string(inet_ntop(AF_INET6, &a, text, sizeof(text)));
}

static int
save(const struct ipam6 *p)
{
	_cleanup_json_ json_t *root = json_object(), *owners = json_object();
	_cleanup_free_ char *text = NULL;
	struct in6_addr n;
	char net[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];

	from_u128(p->net, &n);
	snprintf(net, sizeof(net), "%s/%d", inet_ntop(AF_INET6, &n, a, sizeof(a)), p->prefix);
	for (size_t i = 0; i < p->n; i++)
		json_object_set_new(owners, p->owners[i].id, addr_json(p->owners[i].addr));
	json_object_set_new(root, "subnet", json_string(net));
	json_object_set_new(root, "last", addr_json(p->last));
	json_object_set(root, "owners", owners);
	text = json_dumps(root, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	return fs_write_atomic(p->path, text, strlen(text), 0600);
}

static void
add_owner(struct ipam6 *p, const char *id, u128 addr)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->owners = xrealloc(p->owners, p->cap * sizeof(*p->owners));
	}
	snprintf(p->owners[p->n].id, sizeof(p->owners[p->n].id), "%s", id);
	p->owners[p->n++].addr = addr;
}

/* Loads the state file; one for another subnet is discarded. */
static int
load(struct ipam6 *p, const char *subnet_text, struct err *e)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *root = NULL;
	const char *k;
	json_t *v;
	struct in6_addr a;
	int r = fs_read_file(p->path, LIMIT_STATE_FILE, &b);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return err_errno(e, r, "cannot read '%s'", p->path);
	root = json_loadb(b.data, b.len, 0, NULL);
	if (!json_is_object(root) || !json_is_object(json_object_get(root, "owners")) ||
	    !json_is_string(json_object_get(root, "subnet")))
		return err_set(e, -EINVAL, "corrupt IPv6 IPAM state '%s'", p->path);
	if (strcmp(json_string_value(json_object_get(root, "subnet")), subnet_text) != 0) {
		log_warn("IPv6 IPAM state '%s' is for another subnet, discarding it", p->path);
		return 0;
	}
	if (inet_pton(AF_INET6, json_string_value(json_object_get(root, "last")) ?: "", &a) == 1)
		p->last = to_u128(&a);
	json_object_foreach(json_object_get(root, "owners"), k, v) {
		if (strlen(k) > 64 || !json_is_string(v) ||
		    inet_pton(AF_INET6, json_string_value(v), &a) != 1 ||
		    (to_u128(&a) & mask6(p->prefix)) != p->net)
			return err_set(e, -EINVAL, "corrupt IPv6 IPAM state '%s'", p->path);
		add_owner(p, k, to_u128(&a));
	}
	return 0;
}

int
ipam6_open(const char *state_path, const struct in6_addr *subnet, int prefix,
	   const struct in6_addr *gw, struct ipam6 **ret, struct err *e)
{
	struct ipam6 *p;
	struct in6_addr n;
	char text[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 8];
	int r;

	if (prefix < 1 || prefix > 126 || !ipam6_contains(subnet, prefix, gw))
		return err_set(e, -EINVAL, "invalid IPv6 pool");
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(state_path);
	p->prefix = prefix;
	p->net = to_u128(subnet) & mask6(prefix);
	p->gw = to_u128(gw);
	p->lo = p->net + 1;
	p->hi = p->net | ~mask6(prefix);
	p->last = p->gw;
	from_u128(p->net, &n);
	snprintf(net, sizeof(net), "%s/%d", inet_ntop(AF_INET6, &n, text, sizeof(text)), prefix);
	r = load(p, net, e);
	if (r < 0) {
		ipam6_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void
ipam6_free(struct ipam6 *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->owners);
	free(p->excl);
	free(p);
}

int
ipam6_limit_range(struct ipam6 *p, const struct in6_addr *net, int prefix)
{
	u128 lo = to_u128(net) & mask6(prefix);

	if (prefix < p->prefix || (lo & mask6(p->prefix)) != p->net)
		return -EINVAL;
	p->lo = lo == p->net ? lo + 1 : lo;
	p->hi = lo | ~mask6(prefix);
	return 0;
}

int
ipam6_exclude(struct ipam6 *p, const struct in6_addr *a)
{
	u128 v = to_u128(a);

	if ((v & mask6(p->prefix)) != p->net)
		return -EINVAL;
	p->excl = xrealloc(p->excl, (p->n_excl + 1) * sizeof(*p->excl));
	p->excl[p->n_excl++] = v;
	return 0;
}

static ssize_t
find_owner(const struct ipam6 *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->owners[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

static bool
taken(const struct ipam6 *p, u128 v)
{
	if (v == p->net || v == p->gw)
		return true;
	for (size_t i = 0; i < p->n_excl; i++)
		if (p->excl[i] == v)
			return true;
	for (size_t i = 0; i < p->n; i++)
		if (p->owners[i].addr == v)
			return true;
	return false;
}

static int
commit(struct ipam6 *p, const char *owner, u128 v, struct err *e)
{
	u128 prev_last = p->last;
	int r;

	add_owner(p, owner, v);
	p->last = v;
	r = save(p);
	if (r < 0) {
		p->n--;
		p->last = prev_last;
		return err_errno(e, r, "cannot save IPv6 IPAM state");
	}
	return 0;
}

int
ipam6_allocate(struct ipam6 *p, const char *owner, struct in6_addr *ret, struct err *e)
{
	ssize_t i = find_owner(p, owner);
	u128 v, span = p->hi - p->lo;

	if (i >= 0) {
		from_u128(p->owners[i].addr, ret);
		return 0;
	}
	/* Every taken address is skipped at most once, so this ends quickly
	 * even in a /64; past n + excl + 2 tries the range is full. */
	v = p->last >= p->lo && p->last < p->hi ? p->last + 1 : p->lo;
	for (size_t k = 0; k < p->n + p->n_excl + 3 && (u128)k <= span; k++) {
		if (!taken(p, v)) {
			int r = commit(p, owner, v, e);
			if (r == 0)
				from_u128(v, ret);
			return r;
		}
		v = v < p->hi ? v + 1 : p->lo;
	}
	return err_set(e, -ENOSPC, "no available IPv6 addresses on this network's address pools");
}

int
ipam6_allocate_addr(struct ipam6 *p, const char *owner, const struct in6_addr *want, struct err *e)
{
	u128 v = to_u128(want);
	ssize_t i = find_owner(p, owner);
	char text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, want, text, sizeof(text));
	if ((v & mask6(p->prefix)) != p->net)
		return err_set(e, -EINVAL, "no configured subnet contains IP address %s", text);
	if (i >= 0 && p->owners[i].addr == v)
		return 0;
	for (size_t k = 0; k < p->n; k++)
		if (p->owners[k].addr == v)
			return err_set(e, -EADDRINUSE, "Address already in use");
	if (taken(p, v))
		return err_set(e, -EINVAL, "invalid address %s: it is reserved on this network",
			       text);
	if (i >= 0)
		return err_set(e, -EEXIST, "'%s' already holds an IPv6 address", owner);
	return commit(p, owner, v, e);
}

int
ipam6_release(struct ipam6 *p, const char *owner)
{
	ssize_t i = find_owner(p, owner);

	if (i < 0)
		return 0;
	p->owners[i] = p->owners[--p->n];
	return save(p);
}

int
ipam6_release_unless(struct ipam6 *p, bool (*keep)(const char *owner, void *data), void *data)
{
	int n = 0, r;

	for (size_t i = 0; i < p->n;) {
		if (keep(p->owners[i].id, data)) {
			i++;
			continue;
		}
		p->owners[i] = p->owners[--p->n];
		n++;
	}
	if (n == 0)
		return 0;
	r = save(p);
	return r < 0 ? r : n;
}
