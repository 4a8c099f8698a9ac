/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 pool; see ipam.h. A bitmap over the subnet's host numbers answers
 * "is it free", an owner list answers "who holds it" (and is what gets
 * persisted). Pools are limited to /8../30: the bitmap of a /8 is 2 MiB.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/ipam.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define OWNER_MAX 64

struct ipam_entry {
	uint32_t host;		/* host number inside the subnet */
	char owner[OWNER_MAX + 1];
};

struct ipam {
	char *path;
	uint32_t net;		/* host byte order */
	uint32_t gw;
	int prefix;
	uint32_t size;		/* 2^(32-prefix) */
	uint32_t next;		/* host number to try first */
	uint32_t lo, hi;	/* host numbers allocation may use (ip-range) */
	uint32_t *excluded;	/* host numbers never handed out (aux addresses) */
	size_t n_excluded;
	uint8_t *bits;
	struct ipam_entry *entries;
	size_t n, cap;
	/* Saving: each change serialises the pool into @pending (the caller's
	 * lock held) and counts it in @gen; ipam_sync writes the newest pending
	 * text, one writer at a time, so changes made while a write is under
	 * way share the next one (group commit). */
	bool deferred;		 /* changes wait for ipam_sync (else saved at once) */
	pthread_mutex_t text_mu; /* @pending, @gen */
	char *pending;
	uint64_t gen;
	pthread_mutex_t save_mu; /* the file; @saved_gen */
	uint64_t saved_gen;
};

int
ipam_parse_cidr(const char *s, struct in_addr *ret_addr, int *ret_prefix)
{
	const char *slash = strchr(s, '/');
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	int64_t prefix;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, slash - s);
	ip[slash - s] = '\0';
	/* inet_pton accepts only dotted quads: no octal, hex or short forms. */
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -EINVAL;
	if (parse_int64(slash + 1, 0, 32, &prefix) < 0 || (slash[1] == '0' && slash[2]))
		return -EINVAL;
	*ret_addr = a;
	*ret_prefix = (int)prefix;
	return 0;
}

static bool
owner_valid(const char *owner)
{
	size_t len = strlen(owner);

	if (len == 0 || len > OWNER_MAX)
		return false;
	return strspn(owner, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       len;
}

static bool
bit_get(const struct ipam *p, uint32_t h)
{
	return p->bits[h / 8] & (1u << (h % 8));
}

static void
bit_set(struct ipam *p, uint32_t h, bool on)
{
	if (on)
		p->bits[h / 8] |= (uint8_t)(1u << (h % 8));
	else
		p->bits[h / 8] &= (uint8_t)~(1u << (h % 8));
}

static bool
host_usable(const struct ipam *p, uint32_t h)
{
	if (h == 0 || h == p->size - 1 || p->net + h == p->gw || h < p->lo || h > p->hi)
		return false;
	for (size_t i = 0; i < p->n_excluded; i++)
		if (p->excluded[i] == h)
			return false;
	return true;
}

int
ipam_limit_range(struct ipam *p, struct in_addr net, int prefix)
{
	uint32_t start = ntohl(net.s_addr), count;

	if (prefix < p->prefix || prefix > 32 || start < p->net || start - p->net >= p->size)
		return -EINVAL;
	count = prefix == 32 ? 1 : 1u << (32 - prefix);
	p->lo = start - p->net;
	p->hi = p->lo + count - 1;
	if (p->next < p->lo || p->next > p->hi)
		p->next = p->lo;
	return 0;
}

int
ipam_exclude(struct ipam *p, struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	if (a < p->net || a - p->net >= p->size)
		return -EINVAL;
	p->excluded = xrealloc(p->excluded, (p->n_excluded + 1) * sizeof(*p->excluded));
	p->excluded[p->n_excluded++] = a - p->net;
	return 0;
}

static void
entry_add(struct ipam *p, uint32_t host, const char *owner)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->entries = xrealloc(p->entries, p->cap * sizeof(*p->entries));
	}
	p->entries[p->n].host = host;
	snprintf(p->entries[p->n].owner, sizeof(p->entries[p->n].owner), "%s", owner);
	p->n++;
	bit_set(p, host, true);
}

static void
addr_text(uint32_t hbo, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(hbo)};

	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* Writes the newest pending state, unless a write of it or a later one is done. */
int
ipam_sync(struct ipam *p)
{
	uint64_t want, gen;
	char *text;
	int r = 0;

	pthread_mutex_lock(&p->text_mu);
	want = p->gen;
	pthread_mutex_unlock(&p->text_mu);
	pthread_mutex_lock(&p->save_mu);
	if (p->saved_gen >= want) {
		pthread_mutex_unlock(&p->save_mu);
		return 0;
	}
	pthread_mutex_lock(&p->text_mu);
	text = TAKE_PTR(p->pending);
	gen = p->gen;
	pthread_mutex_unlock(&p->text_mu);
	if (text)
		r = fs_write_atomic(p->path, text, strlen(text), 0600);
	if (r == 0) {
		p->saved_gen = gen;
	} else {
		/* still to be written, unless a newer state is */
		pthread_mutex_lock(&p->text_mu);
		if (!p->pending)
			p->pending = TAKE_PTR(text);
		pthread_mutex_unlock(&p->text_mu);
	}
	pthread_mutex_unlock(&p->save_mu);
	free(text);
	return r;
}

void
ipam_set_deferred(struct ipam *p, bool deferred)
{
	p->deferred = deferred;
}

/* Records a change: serialised now, written now or by the caller's ipam_sync. */
static int
save(struct ipam *p)
{
	_cleanup_json_ json_t *root = json_object();
	_cleanup_free_ char *text = NULL;
	json_t *allocs = json_object();
	char net[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];
	char subnet[INET_ADDRSTRLEN + 4];

	addr_text(p->net, net);
	addr_text(p->gw, gw);
	snprintf(subnet, sizeof(subnet), "%s/%d", net, p->prefix);
	json_object_set_new(root, "subnet", json_string(subnet));
	json_object_set_new(root, "gateway", json_string(gw));
	json_object_set_new(root, "next", json_integer(p->next));
	for (size_t i = 0; i < p->n; i++) {
		addr_text(p->net + p->entries[i].host, ip);
		json_object_set_new(allocs, ip, json_string(p->entries[i].owner));
	}
	json_object_set_new(root, "allocations", allocs);
	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&p->text_mu);
	free(p->pending);
	p->pending = TAKE_PTR(text);
	p->gen++;
	pthread_mutex_unlock(&p->text_mu);
	return p->deferred ? 0 : ipam_sync(p);
}

/* Loads @root into @p; entries outside the pool or duplicated are corrupt. */
static int
load_allocations(struct ipam *p, json_t *allocs, struct err *e)
{
	const char *ip;
	json_t *owner;

	json_object_foreach(allocs, ip, owner) {
		struct in_addr a;
		uint32_t h;
		if (inet_pton(AF_INET, ip, &a) != 1 || !json_is_string(owner) ||
		    !owner_valid(json_string_value(owner)))
			return err_set(e, -EINVAL, "corrupt allocation '%s' in '%s'", ip, p->path);
		h = ntohl(a.s_addr) - p->net;
		if (ntohl(a.s_addr) < p->net || h >= p->size || !host_usable(p, h) || bit_get(p, h))
			return err_set(e, -EINVAL, "bad allocation '%s' in '%s'", ip, p->path);
		entry_add(p, h, json_string_value(owner));
	}
	return 0;
}

static int
load(struct ipam *p, const char *subnet, struct err *e)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_json_ json_t *root = NULL;
	json_t *v;
	int r = fs_read_file(p->path, LIMIT_STATE_FILE, &b);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return err_errno(e, r, "cannot read '%s'", p->path);
	root = json_loadb(b.data, b.len, 0, NULL);
	if (!json_is_object(root))
		return err_set(e, -EINVAL, "corrupt IPAM state '%s'", p->path);
	v = json_object_get(root, "subnet");
	if (!json_is_string(v) || strcmp(json_string_value(v), subnet) != 0) {
		log_warn("IPAM state '%s' is for another subnet, discarding it", p->path);
		return 0;
	}
	v = json_object_get(root, "next");
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < p->size)
		p->next = (uint32_t)json_integer_value(v);
	v = json_object_get(root, "allocations");
	if (v && !json_is_object(v))
		return err_set(e, -EINVAL, "corrupt IPAM state '%s'", p->path);
	return v ? load_allocations(p, v, e) : 0;
}

int
ipam_open(const char *state_path, const char *cidr, struct ipam **ret, struct err *e)
{
	struct ipam *p;
	struct in_addr gw;
	char net[INET_ADDRSTRLEN], subnet[INET_ADDRSTRLEN + 4];
	uint32_t mask;
	int prefix, r;

	if (ipam_parse_cidr(cidr, &gw, &prefix) < 0 || prefix < 8 || prefix > 30)
		return err_set(e, -EINVAL, "invalid subnet '%s': want a.b.c.d/8 to /30", cidr);
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->text_mu, NULL);
	pthread_mutex_init(&p->save_mu, NULL);
	mask = 0xffffffffu << (32 - prefix);
	p->prefix = prefix;
	p->gw = ntohl(gw.s_addr);
	p->net = p->gw & mask;
	p->size = ~mask + 1;
	p->next = 1;
	p->lo = 0;
	p->hi = p->size - 1;
	p->path = xstrdup(state_path);
	if (p->gw == p->net || p->gw == p->net + p->size - 1) {
		ipam_free(p);
		return err_set(e, -EINVAL, "invalid gateway in '%s': not a host address", cidr);
	}
	p->bits = xcalloc(p->size / 8 + 1, 1);
	addr_text(p->net, net);
	snprintf(subnet, sizeof(subnet), "%s/%d", net, prefix);
	r = load(p, subnet, e);
	if (r < 0) {
		ipam_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void
ipam_free(struct ipam *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->bits);
	free(p->excluded);
	free(p->entries);
	free(p->pending);
	pthread_mutex_destroy(&p->text_mu);
	pthread_mutex_destroy(&p->save_mu);
	free(p);
}

struct in_addr
ipam_gateway(const struct ipam *p)
{
	return (struct in_addr){.s_addr = htonl(p->gw)};
}

struct in_addr
ipam_subnet(const struct ipam *p)
{
	return (struct in_addr){.s_addr = htonl(p->net)};
}

int
ipam_prefix(const struct ipam *p)
{
	return p->prefix;
}

size_t
ipam_count(const struct ipam *p)
{
	return p->n;
}

static ssize_t
find_owner(const struct ipam *p, const char *owner)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->entries[i].owner, owner) == 0)
			return (ssize_t)i;
	return -1;
}

bool
ipam_lookup(const struct ipam *p, const char *owner, struct in_addr *ret)
{
	ssize_t i = find_owner(p, owner);

	if (i < 0)
		return false;
	ret->s_addr = htonl(p->net + p->entries[i].host);
	return true;
}

static void
entry_remove(struct ipam *p, size_t i)
{
	bit_set(p, p->entries[i].host, false);
	p->entries[i] = p->entries[--p->n];
}

int
ipam_allocate(struct ipam *p, const char *owner, struct in_addr *ret, struct err *e)
{
	uint32_t h = p->next;
	int r;

	if (!owner_valid(owner))
		return err_set(e, -EINVAL, "invalid address owner '%s'", owner);
	if (ipam_lookup(p, owner, ret))
		return 0;
	for (uint32_t tries = 0; tries < p->size; tries++, h = (h + 1) % p->size) {
		if (!host_usable(p, h) || bit_get(p, h))
			continue;
		entry_add(p, h, owner);
		p->next = (h + 1) % p->size;
		r = save(p);
		if (r < 0) {
			entry_remove(p, p->n - 1);
			return err_errno(e, r, "cannot save IPAM state '%s'", p->path);
		}
		ret->s_addr = htonl(p->net + h);
		return 0;
	}
	return err_set(e, -ENOSPC, "no available IPv4 addresses on this network's address pool");
}

bool
ipam_contains(const struct ipam *p, struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h >= p->net && h - p->net < p->size;
}

int
ipam_allocate_addr(struct ipam *p, const char *owner, struct in_addr want, struct err *e)
{
	uint32_t h = ntohl(want.s_addr) - p->net;
	struct in_addr held;
	char text[INET_ADDRSTRLEN];
	int r;

	inet_ntop(AF_INET, &want, text, sizeof(text));
	if (!owner_valid(owner))
		return err_set(e, -EINVAL, "invalid address owner '%s'", owner);
	if (ipam_lookup(p, owner, &held)) {
		if (held.s_addr == want.s_addr)
			return 0;
		return err_set(e, -EADDRINUSE, "'%s' already holds another address", owner);
	}
	if (!ipam_contains(p, want))
		return err_set(e, -EINVAL,
			       "Invalid address %s: It does not belong to any of this network's "
			       "subnets", text);
	if (h == 0 || h == p->size - 1 || p->net + h == p->gw)
		return err_set(e, -EINVAL, "Invalid address %s: it is reserved in this network",
			       text);
	for (size_t i = 0; i < p->n_excluded; i++)
		if (p->excluded[i] == h)
			return err_set(e, -EADDRINUSE, "Address already in use");
	if (bit_get(p, h))
		return err_set(e, -EADDRINUSE, "Address already in use");
	entry_add(p, h, owner);
	r = save(p);
	if (r < 0) {
		entry_remove(p, p->n - 1);
		return err_errno(e, r, "cannot save IPAM state '%s'", p->path);
	}
	return 0;
}

int
ipam_release(struct ipam *p, const char *owner)
{
	ssize_t i = find_owner(p, owner);

	if (i < 0)
		return 0;
	entry_remove(p, (size_t)i);
	return save(p);
}

int
ipam_release_unless(struct ipam *p, bool (*keep)(const char *owner, void *data), void *data)
{
	int n = 0, r;

	for (size_t i = 0; i < p->n;) {
		if (keep(p->entries[i].owner, data)) {
			i++;
			continue;
		}
		entry_remove(p, i);
		n++;
	}
	if (n == 0)
		return 0;
	r = save(p);
	return r < 0 ? r : n;
}
