/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Legacy links (see links.h): parsing and resolution at create, the
 * environment and /etc/hosts lines at start, link names for lookups, ps
 * and inspect, and `docker rm --link`. The variables are built exactly as
 * moby's daemon/links ToEnv builds them; the network side (the targets'
 * addresses) comes from the targets' endpoints, so this file does no
 * networking of its own.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/container_internal.h"
#include "engine/container/hostsfile.h"
#include "engine/container/links.h"
#include "engine/container/memo.h"
#include "engine/network/network.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

int
links_parse(const char *s, char **ret_name, char **ret_alias, struct err *e)
{
	const char *colon = strchr(s, ':');

	if (!*s)
		return err_set(e, -EINVAL, "empty string specified for links");
	if (colon && strchr(colon + 1, ':'))
		return err_set(e, -EINVAL, "bad format for links: %s", s);
	if (!colon) {
		*ret_name = xstrdup(s);
		*ret_alias = xstrdup(s);
		return 0;
	}
	/* "/name:/parent/alias", as inspect shows a link and as a HostConfig
	 * copied from another container carries it. */
	if (s[0] == '/') {
		const char *slash = strrchr(colon + 1, '/');
		*ret_name = xstrndup(s + 1, (size_t)(colon - s - 1));
		*ret_alias = xstrdup(slash ? slash + 1 : colon + 1);
		return 0;
	}
	*ret_name = xstrndup(s, (size_t)(colon - s));
	*ret_alias = xstrdup(colon + 1);
	return 0;
}

/* Appends @s (heap) to *@v and frees it. */
static void
append_take(char ***v, char *s)
{
	strv_append(v, s);
	free(s);
}

/* Splits a stored "<id>:<alias>" entry; false for a malformed one. */
static bool
entry_split(const char *entry, char id[65], const char **ret_alias)
{
	const char *colon = strchr(entry, ':');

	if (!colon || colon - entry != 64)
		return false;
	memcpy(id, entry, 64);
	id[64] = '\0';
	*ret_alias = colon + 1;
	return true;
}

static struct container *
find_id_locked(struct containers *cs, const char *id)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->items[i]->id, id) == 0)
			return cs->items[i];
	return NULL;
}

static bool
alias_taken(char *const *links, const char *alias)
{
	for (size_t i = 0; links && links[i]; i++) {
		const char *a = strchr(links[i], ':');
		if (a && strcmp(a + 1, alias) == 0)
			return true;
	}
	return false;
}

/* The target of link "name": containers_get's rules, container:<id>
 * network modes followed to the namespace's owner (moby's registerLinks). */
static int
resolve_target(struct containers *cs, const char *name, char ret_id[65], struct err *e)
{
	_cleanup_container_ struct container *t = containers_get(cs, name, e);
	enum network_mode mode;
	char peer[65];
	struct err ignored = ERR_INIT;

	if (!t) {
		e->code = -EINVAL; /* a 404 would make the CLI pull the image */
		return err_prefix(e, "could not get container for %s", name);
	}
	/* A chain of container:<id> modes is at most as long as the registry. */
	for (size_t hops = 0; hops <= cs->n + 1; hops++) {
		if (network_mode_parse(t->spec.network_mode, &mode, peer, &ignored) < 0)
			mode = NETWORK_MODE_BRIDGE;
		if (mode == NETWORK_MODE_HOST)
			return err_set(e, -EINVAL,
				       "conflicting options: host type networking can't be used "
				       "with links. This would result in undefined behavior");
		if (mode != NETWORK_MODE_CONTAINER) {
			memcpy(ret_id, t->id, 65);
			return 0;
		}
		container_unref(t);
		t = containers_get(cs, peer, e);
		if (!t) {
			e->code = -EINVAL;
			return err_prefix(e, "Could not get container for %s", peer);
		}
	}
	return err_set(e, -EINVAL, "could not get container for %s: network mode loop", name);
}

int
links_resolve(struct containers *cs, struct container_spec *spec, struct err *e)
{
	_cleanup_strv_ char **out = NULL;
	enum network_mode mode;
	char peer[65];
	int r;

	if (!spec->links || !spec->links[0])
		return 0;
	r = network_mode_parse(spec->network_mode, &mode, peer, e);
	if (r < 0)
		return r;
	/* runconfig's validateNetMode */
	if (mode == NETWORK_MODE_HOST)
		return err_set(e, -EINVAL,
			       "conflicting options: host type networking can't be used with "
			       "links. This would result in undefined behavior");
	if (mode == NETWORK_MODE_CONTAINER)
		return err_set(e, -EINVAL,
			       "conflicting options: container type network can't be used with "
			       "links. This would result in undefined behavior");
	/* moby's registerLinks does nothing on a user-defined network: there
	 * the CLI passes the links in EndpointsConfig (DNS aliases). */
	if (mode == NETWORK_MODE_BRIDGE && spec->network_mode &&
	    strcmp(spec->network_mode, "bridge") != 0 &&
	    strcmp(spec->network_mode, "default") != 0 && *spec->network_mode) {
		strv_free(spec->links);
		spec->links = NULL;
		return 0;
	}
	for (size_t i = 0; spec->links[i]; i++) {
		_cleanup_free_ char *name = NULL, *alias = NULL;
		char id[65];

		if ((r = links_parse(spec->links[i], &name, &alias, e)) < 0)
			return r;
		if ((r = resolve_target(cs, name, id, e)) < 0)
			return r;
		/* registerLink: a second link with the same name is ignored */
		if (alias_taken(out, alias)) {
			log_warn("link alias '%s' given twice, ignoring the second", alias);
			continue;
		}
		append_take(&out, xasprintf("%s:%s", id, alias));
	}
	strv_free(spec->links);
	spec->links = TAKE_PTR(out);
	return 0;
}

/* moby's withTCPPriority: tcp first, then by protocol name, then number. */
struct port {
	unsigned num;
	char proto[8];
};

static int
port_cmp(const void *a, const void *b)
{
	const struct port *x = a, *y = b;
	int xt = strcmp(x->proto, "tcp") == 0, yt = strcmp(y->proto, "tcp") == 0;

	if (strcmp(x->proto, y->proto) == 0)
		return x->num < y->num ? -1 : x->num > y->num;
	if (xt != yt)
		return xt ? -1 : 1;
	return strcmp(x->proto, y->proto);
}

static void
upper(const char *s, char *out, size_t size)
{
	size_t i = 0;

	for (; s[i] && i + 1 < size; i++)
		out[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
}

/* "80/tcp" (the protocol defaults to tcp, as nat.NewPort does). */
static bool
port_parse(const char *s, struct port *p)
{
	const char *slash = strchr(s, '/');
	_cleanup_free_ char *num = xstrndup(s, slash ? (size_t)(slash - s) : strlen(s));
	uint64_t v;

	if (parse_uint64(num, 65535, &v) < 0 || v == 0 || v > 65535)
		return false;
	p->num = (unsigned)v;
	snprintf(p->proto, sizeof(p->proto), "%s", slash && slash[1] ? slash + 1 : "tcp");
	return true;
}

/* moby's Link.ToEnv for link @name ("/parent/alias") to a target at @ip. */
static void
link_env(const char *name, const char *ip, char *const *exposed, char *const *target_env,
	 char ***env)
{
	const char *last = strrchr(name, '/');
	char alias[256], pre[320], up[8];
	struct port *ports = xcalloc(strv_len(exposed) + 1, sizeof(*ports));
	size_t n = 0;

	upper(last ? last + 1 : name, alias, sizeof(alias));
	for (size_t i = 0; exposed && exposed[i]; i++)
		if (port_parse(exposed[i], &ports[n]))
			n++;
	qsort(ports, n, sizeof(*ports), port_cmp);
	for (size_t i = 0, start = 0, end = 0; i < n; i++) {
		const struct port *p = &ports[i];
		if (i == 0)
			append_take(env,
				    xasprintf("%s_PORT=%s://%s:%u", alias, p->proto, ip, p->num));
		upper(p->proto, up, sizeof(up));
		snprintf(pre, sizeof(pre), "%s_PORT_%u_%s", alias, p->num, up);
		append_take(env, xasprintf("%s=%s://%s:%u", pre, p->proto, ip, p->num));
		append_take(env, xasprintf("%s_ADDR=%s", pre, ip));
		append_take(env, xasprintf("%s_PORT=%u", pre, p->num));
		append_take(env, xasprintf("%s_PROTO=%s", pre, p->proto));
		/* A run of consecutive ports of one protocol also gets _START/_END. */
		if (i > 0 && p->num == ports[end].num + 1 &&
		    strcmp(p->proto, ports[end].proto) == 0) {
			end = i;
			if (i < n - 1)
				continue;
		}
		if (end != start) {
			const struct port *s = &ports[start], *t = &ports[end];
			upper(s->proto, up, sizeof(up));
			snprintf(pre, sizeof(pre), "%s_PORT_%u_%s", alias, s->num, up);
			append_take(env,
				    xasprintf("%s_START=%s://%s:%u", pre, s->proto, ip, s->num));
			append_take(env, xasprintf("%s_PORT_START=%u", pre, s->num));
			append_take(env, xasprintf("%s_END=%s://%s:%u", pre, t->proto, ip, t->num));
			append_take(env, xasprintf("%s_PORT_END=%u", pre, t->num));
		}
		start = end = i;
	}
	free(ports);
	append_take(env, xasprintf("%s_NAME=%s", alias, name));
	for (size_t i = 0; target_env && target_env[i]; i++) {
		const char *eq = strchr(target_env[i], '=');
		size_t klen = eq ? (size_t)(eq - target_env[i]) : 0;
		/* moby skips these two: they come from builds, not the service */
		if (!eq || (klen == 4 && strncmp(target_env[i], "HOME", 4) == 0) ||
		    (klen == 4 && strncmp(target_env[i], "PATH", 4) == 0))
			continue;
		append_take(env, xasprintf("%s_ENV_%s", alias, target_env[i]));
	}
}

static bool
on_default_bridge(const struct container_endpoint *ep)
{
	return ep->network && strcmp(ep->network, "bridge") == 0 && ep->ip;
}

/* One target's part of links_setup; the target's mutex is held. */
static int
setup_one(struct container *t, const char *lname, const char *alias, struct links_setup *l,
	  struct err *e)
{
	bool running = t->state.status == CONTAINER_RUNNING || t->state.status == CONTAINER_PAUSED;

	if (!running)
		return err_set(e, -EIO, "Cannot link to a non running container: %s AS %s", t->name,
			       lname);
	if (!on_default_bridge(&t->ep))
		return err_set(e, -EIO, "container %s not attached to default bridge network",
			       t->id);
	link_env(lname, t->ep.ip, t->spec.exposed_ports, t->spec.env, &l->env);
	/* buildSandboxOptions: alias, hostname, and the name unless the
	 * alias is the name */
	if (strcmp(alias, t->name + 1) != 0)
		append_take(&l->hosts, xasprintf("%s\t%s %s %s", t->ep.ip, alias, t->spec.hostname,
						 t->name + 1));
	else
		append_take(&l->hosts, xasprintf("%s\t%s %s", t->ep.ip, alias, t->spec.hostname));
	return 0;
}

int
links_setup(struct containers *cs, struct container *c, struct links_setup *ret, struct err *e)
{
	struct links_setup l = {0};
	enum network_mode mode;
	char peer[65];
	struct err ignored = ERR_INIT;
	int r = 0;

	if (network_mode_parse(c->spec.network_mode, &mode, peer, &ignored) < 0 ||
	    mode != NETWORK_MODE_BRIDGE)
		return 0;
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; r == 0 && c->spec.links && c->spec.links[i]; i++) {
		const char *alias;
		char id[65];
		struct container *t;
		if (!entry_split(c->spec.links[i], id, &alias) || !(t = find_id_locked(cs, id)))
			continue;
		_cleanup_free_ char *lname = xasprintf("%s/%s", c->name, alias);
		pthread_mutex_lock(&t->mu);
		r = setup_one(t, lname, alias, &l, e);
		pthread_mutex_unlock(&t->mu);
	}
	pthread_mutex_unlock(&cs->mu);
	if (r < 0) {
		links_setup_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}

void
links_setup_release(struct links_setup *l)
{
	strv_free(l->env);
	strv_free(l->hosts);
	l->env = l->hosts = NULL;
}

static bool
env_has_key(char *const *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], kv, klen) == 0 && (env[i][klen] == '=' || !env[i][klen]))
			return true;
	return false;
}

void
links_merge_env(char ***env, char *const *link_env)
{
	char **out = NULL;

	if (!link_env || !link_env[0])
		return;
	for (size_t i = 0; link_env[i]; i++)
		if (!env_has_key(*env, link_env[i]))
			strv_append(&out, link_env[i]);
	for (size_t i = 0; *env && (*env)[i]; i++)
		strv_append(&out, (*env)[i]);
	strv_free(*env);
	*env = out;
}

struct container *
links_find_locked(struct containers *cs, const char *ref)
{
	const char *p = ref[0] == '/' ? ref + 1 : ref;
	const char *slash = strrchr(p, '/');
	struct container *parent = NULL;

	if (!slash || slash == p || !slash[1])
		return NULL;
	for (size_t i = 0; i < cs->n && !parent; i++)
		if (strlen(cs->items[i]->name + 1) == (size_t)(slash - p) &&
		    strncmp(cs->items[i]->name + 1, p, (size_t)(slash - p)) == 0)
			parent = cs->items[i];
	for (size_t i = 0; parent && parent->spec.links && parent->spec.links[i]; i++) {
		const char *alias;
		char id[65];
		if (entry_split(parent->spec.links[i], id, &alias) && strcmp(alias, slash + 1) == 0)
			return find_id_locked(cs, id);
	}
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
links_names_of(struct containers *cs, const char *id)
{
	char **out = NULL;

	pthread_mutex_lock(&cs->mu);
	/* A scan of every container per container listed is quadratic; with no
	 * link anywhere (the usual case) there is nothing to find. */
	for (size_t i = 0; cs->any_links && i < cs->n; i++) {
		struct container *p = cs->items[i];
		for (size_t k = 0; p->spec.links && p->spec.links[k]; k++) {
			const char *alias;
			char tid[65];
			if (entry_split(p->spec.links[k], tid, &alias) && strcmp(tid, id) == 0)
				append_take(&out, xasprintf("%s/%s", p->name, alias));
		}
	}
	pthread_mutex_unlock(&cs->mu);
	if (out)
		qsort(out, strv_len(out), sizeof(*out), cmp_str);
	return out;
}

char **
links_describe(struct containers *cs, struct container *c)
{
	char **out = NULL;

	pthread_mutex_lock(&cs->mu);
	for (size_t k = 0; c->spec.links && c->spec.links[k]; k++) {
		const char *alias;
		char id[65];
		struct container *t;
		if (entry_split(c->spec.links[k], id, &alias) && (t = find_id_locked(cs, id)))
			append_take(&out, xasprintf("%s:%s/%s", t->name, c->name, alias));
	}
	pthread_mutex_unlock(&cs->mu);
	return out;
}

int
links_remove(struct containers *cs, const char *name, struct err *e)
{
	_cleanup_free_ char *full = name[0] == '/' ? xstrdup(name) : xasprintf("/%s", name);
	char *slash = strrchr(full, '/');
	struct container *parent = NULL;
	size_t k;

	if (slash == full)
		return err_set(e, -EIO,
			       "Conflict, cannot remove the default link name of the container");
	*slash = '\0';
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n && !parent; i++)
		if (strcmp(cs->items[i]->name, full) == 0)
			parent = container_ref(cs->items[i]);
	if (!parent) {
		pthread_mutex_unlock(&cs->mu);
		*slash = '/';
		return err_set(e, -EIO, "Cannot get parent %.*s for link name %s",
			       (int)(slash - full), full, full);
	}
	pthread_mutex_lock(&parent->mu);
	for (k = 0; parent->spec.links && parent->spec.links[k]; k++) {
		const char *alias;
		char id[65];
		if (entry_split(parent->spec.links[k], id, &alias) && strcmp(alias, slash + 1) == 0)
			break;
	}
	if (parent->spec.links && parent->spec.links[k]) {
		free(parent->spec.links[k]);
		memmove(&parent->spec.links[k], &parent->spec.links[k + 1],
			(strv_len(parent->spec.links + k + 1) + 1) * sizeof(char *));
	}
	pthread_mutex_unlock(&parent->mu);
	pthread_mutex_unlock(&cs->mu);
	containers_links_changed(cs);
	int r = container_save(parent, e);
	container_unref(parent);
	return r;
}

void
links_update_parents(struct containers *cs, struct container *t)
{
	_cleanup_strv_ char **paths = NULL, **aliases = NULL;
	_cleanup_free_ char *ip = NULL;

	pthread_mutex_lock(&t->mu);
	ip = on_default_bridge(&t->ep) ? xstrdup(t->ep.ip) : NULL;
	pthread_mutex_unlock(&t->mu);
	if (!ip)
		return;
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n; i++) {
		struct container *p = cs->items[i];
		bool running;
		if (p == t)
			continue;
		pthread_mutex_lock(&p->mu);
		running = p->state.status == CONTAINER_RUNNING ||
			  p->state.status == CONTAINER_PAUSED;
		for (size_t k = 0; running && p->spec.links && p->spec.links[k]; k++) {
			const char *alias;
			char tid[65];
			if (!entry_split(p->spec.links[k], tid, &alias) || strcmp(tid, t->id) != 0)
				continue;
			append_take(&paths, xasprintf("%s/hosts", p->dir));
			strv_append(&aliases, alias);
		}
		pthread_mutex_unlock(&p->mu);
	}
	pthread_mutex_unlock(&cs->mu);
	/* moby's sandbox.updateParentHosts: etchosts.Update on each parent */
	for (size_t i = 0; paths && paths[i]; i++) {
		int r = hostsfile_update(paths[i], ip, aliases[i]);
		if (r < 0)
			log_warn("cannot update the link '%s' in '%s': %s, ignoring", aliases[i],
				 paths[i], strerror(-r));
	}
}
