/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container creation: merge the image's config into the request as dockerd
 * does (image Env first, request Env overrides; a request Entrypoint resets
 * the image's Cmd; labels, exposed ports and volumes are unions), create
 * the volumes it names (and those of --volumes-from containers), fill empty
 * volumes from the image (copy-up), and write the files that are
 * bind-mounted into the container (/etc/hostname, /etc/hosts,
 * /etc/resolv.conf).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/cp.h"
#include "engine/container/container_endpoint.h"
#include "engine/container/create.h"
#include "engine/container/hostsfile.h"
#include "engine/container/lifecycle.h"
#include "engine/container/logconf.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/container/links.h"
#include "engine/events/events.h"
#include "engine/network/network.h"
#include "engine/store/store_image.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/jsonget.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/util/trace.h"
#include "engine/volume/volume.h"

/* Index of the variable named like "K=..." in @env, or -1. */
static ssize_t
env_find(char **env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], kv, klen) == 0 && (env[i][klen] == '=' || env[i][klen] == '\0'))
			return (ssize_t)i;
	return -1;
}

static void
merge_env(struct container_spec *s, json_t *img_env)
{
	char **merged = NULL;
	size_t i;
	json_t *v;

	json_array_foreach(img_env, i, v)
		if (json_is_string(v))
			strv_append(&merged, json_string_value(v));
	for (i = 0; s->env && s->env[i]; i++) {
		ssize_t k = env_find(merged, s->env[i]);
		/*
		 * "VAR" without '=' is kept as sent, as dockerd keeps it in
		 * Config.Env (taking the image's VAR's place); runspec leaves it
		 * out of the process environment, where it unsets VAR.
		 */
		if (k >= 0) {
			free(merged[k]);
			merged[k] = xstrdup(s->env[i]);
		} else {
			strv_append(&merged, s->env[i]);
		}
	}
	strv_free(s->env);
	s->env = merged;
}

static char **
img_strv(json_t *cfg, const char *key)
{
	char **v = NULL;
	return jsonget_strv(cfg, key, false, &v) > 0 ? v : NULL;
}

static void
union_keys(char ***dst, json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
		if (!strv_contains(*dst, k))
			strv_append(dst, k);
}

int
create_merge_image_config(struct container_spec *s, const struct buf *config, struct err *e)
{
	_cleanup_json_ json_t *root = json_loadb(config->data, config->len, 0, NULL);

	return create_merge_image_json(s, root, e);
}

/*
 * @root may be shared (the parsed-config cache): nothing here changes it,
 * and what @s keeps of it is copied, never referenced.
 */
int
create_merge_image_json(struct container_spec *s, json_t *root, struct err *e)
{
	json_t *cfg = json_object_get(root, "config");
	json_t *labels, *merged;
	const char *k;
	json_t *v;

	if (!json_is_object(root))
		return err_set(e, -EINVAL, "image config is not valid JSON");
	merge_env(s, json_object_get(cfg, "Env"));
	if (!s->entrypoint) {
		s->entrypoint = img_strv(cfg, "Entrypoint");
		if (!s->cmd)
			s->cmd = img_strv(cfg, "Cmd");
	} else if (s->entrypoint[0] && !*s->entrypoint[0] && !s->entrypoint[1]) {
		/* --entrypoint "": clears the image's entrypoint. */
		strv_free(s->entrypoint);
		s->entrypoint = NULL;
	}
	if (!s->working_dir || !*s->working_dir) {
		free(s->working_dir);
		s->working_dir = xstrdup(json_string_value(json_object_get(cfg, "WorkingDir")) ?: "");
	}
	if (!s->user || !*s->user) {
		free(s->user);
		s->user = xstrdup(json_string_value(json_object_get(cfg, "User")) ?: "");
	}
	if (!s->stop_signal && json_is_string(json_object_get(cfg, "StopSignal")))
		s->stop_signal = xstrdup(json_string_value(json_object_get(cfg, "StopSignal")));
	union_keys(&s->exposed_ports, json_object_get(cfg, "ExposedPorts"));
	union_keys(&s->volumes, json_object_get(cfg, "Volumes"));
	labels = json_object_get(cfg, "Labels");
	json_object_foreach(labels, k, v)
		if (json_is_string(v) && !json_object_get(s->labels, k))
			json_object_set_new(s->labels, k, json_string(json_string_value(v)));
	merged = health_merge(s->healthcheck, json_object_get(cfg, "Healthcheck"));
	json_decref(s->healthcheck);
	s->healthcheck = merged;
	if (!s->shell)
		s->shell = img_strv(cfg, "Shell");
	if (!s->onbuild)
		s->onbuild = img_strv(cfg, "OnBuild");
	if (strv_len(s->entrypoint) == 0 && strv_len(s->cmd) == 0)
		return err_set(e, -EINVAL, "No command specified");
	return 0;
}

static char *
strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static bool
mount_target_taken(const struct container_spec *s, const char *target)
{
	for (size_t k = 0; k < s->n_mounts; k++)
		if (strcmp(s->mounts[k].target, target) == 0)
			return true;
	return false;
}

/* dockerd's ParseVolumesFrom: "<container>[:<mode>]", mode ro or rw with z/Z. */
static int
parse_volumes_from(const char *spec, char **ret_id, bool *ret_ro, struct err *e)
{
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *mode = NULL;
	char *save = NULL;
	int rw = 0;

	if (!*spec)
		return err_set(e, -EINVAL, "volumes-from specification cannot be an empty string");
	*ret_ro = false;
	if (colon && colon[1]) {
		mode = xstrdup(colon + 1);
		/* propagation and copy modes are refused here, unlike in -v */
		for (char *m = strtok_r(mode, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, "ro") == 0 || strcmp(m, "rw") == 0) {
				rw++;
				*ret_ro = *ret_ro || m[1] == 'o';
			} else if (strcmp(m, "z") && strcmp(m, "Z"))
				return err_set(e, -EINVAL, "invalid mode: %s", colon + 1);
		}
		if (rw > 1)
			return err_set(e, -EINVAL, "invalid mode: %s", colon + 1);
	}
	*ret_id = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	return 0;
}

/*
 * --volumes-from: the binds and volumes of each named container join @s
 * with their targets and modes (read-only if either side says so) and
 * without copy-up, unless a bind or mount of @s already takes the target
 * (dockerd lets those override). An unknown container is a bad parameter
 * at create, with dockerd's "No such container" message.
 */
static int
add_volumes_from(struct containers *cs, struct container_spec *s, struct err *e)
{
	for (size_t i = 0; s->volumes_from && s->volumes_from[i]; i++) {
		_cleanup_free_ char *id = NULL;
		struct container *src;
		bool ro = false;

		if (parse_volumes_from(s->volumes_from[i], &id, &ro, e) < 0)
			return -EINVAL;
		src = containers_get(cs, id, e);
		if (!src) {
			e->code = -EINVAL;
			return -EINVAL;
		}
		/* src->mu guards the spec (docker update rewrites parts of it) */
		pthread_mutex_lock(&src->mu);
		for (size_t k = 0; k < src->spec.n_mounts; k++) {
			const struct mount_spec *m = &src->spec.mounts[k];
			if (m->type == MOUNT_TMPFS || !m->source ||
			    mount_target_taken(s, m->target))
				continue;
			s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
			/* the volume stays the source container's: no "anonymous" mark */
			s->mounts[s->n_mounts++] = (struct mount_spec){
				.type = m->type,
				.source = xstrdup(m->source),
				.target = xstrdup(m->target),
				.readonly = m->readonly || ro,
				.options = m->type == MOUNT_BIND ? strdup_or_null(m->options)
								 : NULL,
				.nocopy = true,
			};
		}
		pthread_mutex_unlock(&src->mu);
		container_unref(src);
	}
	return 0;
}

/* Anonymous volumes become volume mounts with fresh names; named volumes
 * are created on first use; missing -v host directories are created. */
static int
prepare_mounts(struct containers *cs, struct container_spec *s, struct err *e)
{
	if (add_volumes_from(cs, s, e) < 0)
		return e->code;
	for (size_t i = 0; s->volumes && s->volumes[i]; i++) {
		bool covered = false;
		struct volume_info v = {0};
		for (size_t k = 0; k < s->n_mounts; k++)
			if (strcmp(s->mounts[k].target, s->volumes[i]) == 0)
				covered = true;
		if (covered)
			continue;
		if (volume_create(cs->volumes, NULL, NULL, NULL, true, &v, e) < 0)
			return e->code;
		s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
		s->mounts[s->n_mounts++] = (struct mount_spec){ MOUNT_VOLUME, xstrdup(v.name),
								 xstrdup(s->volumes[i]), false,
								 xstrdup("anonymous") };
		volume_info_release(&v);
	}
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount_spec *m = &s->mounts[i];
		if (m->type == MOUNT_VOLUME && !m->source) {
			/* --mount type=volume without a source */
			struct volume_info v = {0};
			if (volume_create(cs->volumes, NULL, NULL, NULL, true, &v, e) < 0)
				return e->code;
			m->source = TAKE_PTR(v.name);
			free(m->options);
			m->options = xstrdup("anonymous");
			volume_info_release(&v);
		} else if (m->type == MOUNT_VOLUME &&
			   !(m->options && strcmp(m->options, "anonymous") == 0)) {
			struct volume_info v = {0};
			if (volume_create(cs->volumes, m->source, NULL, NULL, false, &v, e) < 0)
				return e->code;
			volume_info_release(&v);
		} else if (m->type == MOUNT_BIND) {
			struct stat st;
			/* -v creates a missing host directory (dockerd's legacy rule). */
			if (stat(m->source, &st) < 0) {
				int r = fs_mkdir_p(m->source, 0755);
				if (r < 0)
					return err_errno(e, r,
							 "error while creating mount source path '%s'",
							 m->source);
			}
		}
	}
	return 0;
}

/* dockerd's NetworkMode.IsHost(): the container shares the host's network,
 * so it sees the host's resolv.conf and hosts as they are. */
static bool
is_host_network(const struct container_spec *s)
{
	return s->network_mode && strcmp(s->network_mode, "host") == 0;
}

/* Is network @ref (name or ID) user-defined? The default bridge can also
 * be named by its ID, so networking decides. */
static bool
is_user_net(const struct containers *cs, const char *ref)
{
	struct network_info info = {0};
	struct err ignored = ERR_INIT;
	bool user;

	if (!ref || !*ref || strcmp(ref, "default") == 0 || strcmp(ref, "bridge") == 0)
		return false;
	if (!cs->net)
		return true;
	if (network_get(cs->net, ref, &info, &ignored) < 0)
		return false;
	user = !info.def.predefined;
	network_info_release(&info);
	return user;
}

/* Is one of the container's networks user-defined? Then the embedded DNS
 * server answers it (libnetwork's needResolver: any endpoint asks for it). */
static bool
on_user_network(const struct containers *cs, const struct container_spec *s)
{
	_cleanup_json_ json_t *list = container_endpoint_list(s);
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (is_user_net(cs, jsonget_cstr(v, "network")))
			return true;
	return false;
}

/* The address "host-gateway" in --add-host stands for: the daemon's
 * --host-gateway-ip, else the default bridge's gateway (dockerd). */
static const char *
host_gateway(const struct containers *cs, char buf[64])
{
	const char *src = cs->bridge_cidr ? cs->bridge_cidr : "10.88.0.1/16";

	if (cs->host_gateway_ip && *cs->host_gateway_ip)
		src = cs->host_gateway_ip;

	snprintf(buf, 64, "%.*s", (int)strcspn(src, "/"), src);
	return buf;
}

int
lifecycle_extra_host_parse(const char *s, char ret_name[256], char ret_addr[64], struct err *e)
{
	/* dockerd's opts.ValidateExtraHost: "name=addr" (CLI 25+) or
	 * "name:addr" split at the first colon (IPv6 addresses have more); the
	 * address may be in brackets, or the word host-gateway. */
	const char *sep = strchr(s, '=');
	char addr[64];
	unsigned char bin[16];
	size_t nlen;

	if (!sep)
		sep = strchr(s, ':');
	nlen = sep ? (size_t)(sep - s) : 0;
	if (!sep || nlen == 0 || nlen >= 256 || memchr(s, ':', nlen))
		return err_set(e, -EINVAL, "bad format for add-host: \"%s\"", s);
	const char *v = sep + 1;
	size_t vlen = strlen(v);
	if (vlen > 2 && v[0] == '[' && v[vlen - 1] == ']') {
		v++;
		vlen -= 2;
	}
	if (vlen >= sizeof(addr))
		return err_set(e, -EINVAL, "invalid IP address in add-host: \"%s\"", sep + 1);
	memcpy(addr, v, vlen);
	addr[vlen] = '\0';
	if (strcmp(addr, "host-gateway") != 0 && inet_pton(AF_INET, addr, bin) != 1 &&
	    inet_pton(AF_INET6, addr, bin) != 1)
		return err_set(e, -EINVAL, "invalid IP address in add-host: \"%s\"", sep + 1);
	snprintf(ret_name, 256, "%.*s", (int)nlen, s);
	snprintf(ret_addr, 64, "%s", addr);
	return 0;
}

/* Appends @text's lines to @out, skipping nameserver lines (and loopback
 * ones always: they mean nothing inside the container's namespace) and the
 * search/options lines that @s replaces. Returns whether a nameserver was
 * kept. */
static bool
copy_host_resolv_conf(struct buf *out, char *text, bool keep_ns, bool keep_search,
		      bool keep_options)
{
	bool have_ns = false;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "nameserver", 10) == 0) {
			const char *addr = line + 10 + strspn(line + 10, " \t");
			if (!keep_ns || strncmp(addr, "127.", 4) == 0 ||
			    strncmp(addr, "::1", 3) == 0)
				continue;
			have_ns = true;
		} else if ((strncmp(line, "search", 6) == 0 && !keep_search) ||
			   (strncmp(line, "options", 7) == 0 && !keep_options)) {
			continue;
		}
		buf_printf(out, "%s\n", line);
	}
	return have_ns;
}

static void
put_list(struct buf *out, const char *key, char *const *v)
{
	buf_puts(out, key);
	for (size_t i = 0; v[i]; i++)
		buf_printf(out, " %s", v[i]);
	buf_putc(out, '\n');
}

static bool
has_ndots(char *const *opts)
{
	for (size_t i = 0; opts && opts[i]; i++)
		if (strncmp(opts[i], "ndots:", 6) == 0)
			return true;
	return false;
}

/* The words of @text's "options" lines (@text is left intact). */
static char **
host_resolv_options(const char *text)
{
	char **v = NULL;

	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");
		if (len > 7 && strncmp(p, "options", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			_cleanup_free_ char *line = xstrndup(p + 8, len - 8);
			char *save = NULL;
			for (char *w = strtok_r(line, " \t", &save); w;
			     w = strtok_r(NULL, " \t", &save))
				strv_append(&v, w);
		}
		p += len + (p[len] == '\n');
	}
	return v;
}

void
create_resolv_conf(char *host, char *const *dns, char *const *search, char *const *opts,
		   enum create_resolv_mode mode, struct buf *out)
{
	bool have_dns = dns && dns[0], have_search = search && search[0];
	bool have_opts = opts && opts[0], have_ns = false;
	_cleanup_strv_ char **host_opts = NULL;

	/* libnetwork's setupDNS: on the host's network without DNS settings,
	 * the host's file as it is (its loopback resolver is reachable). */
	if (mode == CREATE_RESOLV_HOST && !have_dns && !have_search && !have_opts) {
		buf_puts(out, host ? host : "");
		return;
	}
	if (mode == CREATE_RESOLV_EMBEDDED) {
		/* The embedded server answers and forwards the rest to --dns or
		 * the host's servers. Options: the user's, else the host's, then
		 * ndots:0 unless one sets ndots (libnetwork's rebuildDNS). */
		buf_puts(out, "nameserver 127.0.0.11\n");
		if (!have_opts && host)
			opts = host_opts = host_resolv_options(host);
		have_opts = opts && opts[0];
		if (host)
			copy_host_resolv_conf(out, host, false, !have_search, false);
	} else {
		for (size_t i = 0; have_dns && dns[i]; i++)
			buf_printf(out, "nameserver %s\n", dns[i]);
		have_ns = have_dns;
		if (host)
			have_ns |= copy_host_resolv_conf(out, host, !have_dns, !have_search,
							 !have_opts);
		if (!have_ns)
			buf_puts(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	}
	if (have_search && !(strcmp(search[0], ".") == 0 && !search[1]))
		put_list(out, "search", search);
	if (mode == CREATE_RESOLV_EMBEDDED && !has_ndots(opts)) {
		buf_puts(out, "options");
		for (size_t i = 0; have_opts && opts[i]; i++)
			buf_printf(out, " %s", opts[i]);
		buf_puts(out, " ndots:0\n");
	} else if (have_opts) {
		put_list(out, "options", opts);
	}
}

/* Writes <dir>/resolv.conf from the host's, the container's DNS settings
 * and else the daemon's; on a user network the embedded server's. */
static void
write_resolv_conf(const struct containers *cs, struct container *c, bool embedded)
{
	_cleanup_buf_ struct buf host = BUF_INIT, out = BUF_INIT;
	const struct container_spec *s = &c->spec;
	char *const *dns = s->dns && s->dns[0] ? s->dns : cs->dns;
	char *const *search = s->dns_search && s->dns_search[0] ? s->dns_search : cs->dns_search;
	char *const *opts = s->dns_options && s->dns_options[0] ? s->dns_options : cs->dns_options;
	_cleanup_free_ char *path = xasprintf("%s/resolv.conf", c->dir);

	enum create_resolv_mode mode = CREATE_RESOLV_BRIDGE;

	if (is_host_network(s))
		mode = CREATE_RESOLV_HOST;
	else if (embedded)
		mode = CREATE_RESOLV_EMBEDDED;

	/* On a user network the container's --dns servers are the embedded
	 * server's upstreams (container_dns.c), not resolv.conf lines. */
	if (fs_read_file("/etc/resolv.conf", 64 * 1024, &host) < 0)
		log_debug("cannot read /etc/resolv.conf, writing the container's without it");
	create_resolv_conf(host.data, dns, search, opts, mode, &out);
	/* In place: a running container has it bind-mounted. */
	if (hostsfile_write(path, out.data ? out.data : "", out.len) < 0)
		log_warn("cannot write '%s', ignoring", path);
}

void
lifecycle_sync_resolv_conf(const struct containers *cs, struct container *c)
{
	_cleanup_buf_ struct buf cur = BUF_INIT;
	_cleanup_free_ char *path = xasprintf("%s/resolv.conf", c->dir);
	bool want, have;

	pthread_mutex_lock(&c->mu);
	want = !is_host_network(&c->spec) && on_user_network(cs, &c->spec);
	pthread_mutex_unlock(&c->mu);
	if (fs_read_file(path, 64 * 1024, &cur) < 0)
		return;
	have = cur.data && (strncmp(cur.data, "nameserver 127.0.0.11\n", 22) == 0 ||
			    strstr(cur.data, "\nnameserver 127.0.0.11\n"));
	/* Only a switch between the embedded server and the others rewrites it,
	 * as libnetwork does when the first user network joins or the last one
	 * leaves: other edits made in the container are kept. */
	if (want != have)
		write_resolv_conf(cs, c, want);
}

char *
lifecycle_hosts_names(const struct container *c)
{
	const struct container_spec *s = &c->spec;
	/* libnetwork's updateHostsFile: the FQDN (hostname.domainname), then
	 * the bare hostname when the FQDN has a dot. */
	_cleanup_free_ char *fqdn = s->domainname && *s->domainname
					    ? xasprintf("%s.%s", s->hostname, s->domainname)
					    : xstrdup(s->hostname);
	size_t short_len = strcspn(fqdn, ".");

	if (fqdn[short_len])
		return xasprintf("%s %.*s", fqdn, (int)short_len, fqdn);
	return TAKE_PTR(fqdn);
}

/* Caller holds c->mu: one line per address of the container, in interface order. */
static void
put_own_lines(const struct container *c, const char *names, struct buf *b)
{
	if (c->ep.ip)
		buf_printf(b, "%s\t%s\n", c->ep.ip, names);
	if (c->ep.ip6)
		buf_printf(b, "%s\t%s\n", c->ep.ip6, names);
	for (size_t i = 0; i < c->n_xeps; i++) {
		if (c->xeps[i].ip)
			buf_printf(b, "%s\t%s\n", c->xeps[i].ip, names);
		if (c->xeps[i].ip6)
			buf_printf(b, "%s\t%s\n", c->xeps[i].ip6, names);
	}
}

void
lifecycle_write_hosts(const struct containers *cs, struct container *c, char *const *link_hosts)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_free_ char *path = xasprintf("%s/hosts", c->dir);
	_cleanup_free_ char *names = lifecycle_hosts_names(c);
	const struct container_spec *s = &c->spec;
	char gw[64];

	/* libnetwork's buildHostsFile: on the host's network without
	 * --add-host, the host's /etc/hosts as it is. */
	if (is_host_network(s) && !(s->extra_hosts && s->extra_hosts[0])) {
		_cleanup_buf_ struct buf host = BUF_INIT;
		if (fs_read_file("/etc/hosts", 1024 * 1024, &host) < 0 ||
		    hostsfile_write(path, host.data ? host.data : "", host.len) < 0)
			log_warn("cannot copy /etc/hosts to '%s', ignoring", path);
		return;
	}
	buf_puts(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
		     "ff02::2\tip6-allrouters\n");
	for (size_t i = 0; s->extra_hosts && s->extra_hosts[i]; i++) {
		char name[256], addr[64];
		struct err ignored = ERR_INIT;
		if (lifecycle_extra_host_parse(s->extra_hosts[i], name, addr, &ignored) < 0)
			continue; /* refused at create; an older record, skipped */
		buf_printf(&b, "%s\t%s\n",
			   strcmp(addr, "host-gateway") == 0 ? host_gateway(cs, gw) : addr, name);
	}
	/* libnetwork writes the links' records after the extra hosts */
	for (size_t i = 0; link_hosts && link_hosts[i]; i++)
		buf_printf(&b, "%s\n", link_hosts[i]);
	/* Then each endpoint's addresses as it joined (one line per address). */
	pthread_mutex_lock(&c->mu);
	put_own_lines(c, names, &b);
	pthread_mutex_unlock(&c->mu);
	/* In place: a restarted container's file may still be mounted somewhere. */
	if (hostsfile_write(path, b.data, b.len) < 0)
		log_warn("cannot write '%s', ignoring", path);
}

static int
mkdir_new(const char *path, mode_t mode)
{
	return mkdir(path, mode) == 0 ? 0 : fs_mkdir_p(path, mode);
}

static int
write_files(const struct containers *cs, struct container *c, struct err *e)
{
	_cleanup_free_ char *hn = xasprintf("%s/hostname", c->dir);
	_cleanup_free_ char *text = xasprintf("%s\n", c->spec.hostname);
	_cleanup_free_ char *rw = xasprintf("%s/rw", c->dir);
	_cleanup_free_ char *upper = xasprintf("%s/rw/upper", c->dir);
	_cleanup_free_ char *work = xasprintf("%s/rw/work", c->dir);
	int r;

	/* c->dir is new (containers_create): three mkdirs, no walk from / */
	if ((r = mkdir_new(rw, 0755)) < 0 || (r = mkdir_new(upper, 0755)) < 0 ||
	    (r = mkdir_new(work, 0700)) < 0)
		return err_errno(e, r, "cannot create the container layer");
	if ((r = fs_write_replace(hn, text, strlen(text), 0644)) < 0)
		return err_errno(e, r, "cannot write '%s'", hn);
	lifecycle_write_hosts(cs, c, NULL);
	write_resolv_conf(cs, c, on_user_network(cs, &c->spec));
	return 0;
}

/* Fills each empty volume from the image (dockerd's populateVolumes). */
static int
copy_up(struct containers *cs, struct container *c, struct err *e)
{
	for (size_t i = 0; i < c->spec.n_mounts; i++) {
		const struct mount_spec *m = &c->spec.mounts[i];
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		int r;

		if (m->type != MOUNT_VOLUME || m->nocopy || !m->source)
			continue;
		path = volume_data_path(cs->volumes, m->source);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_errno(e, -errno, "cannot open volume '%s'", m->source);
		r = cp_copy_up(cs, c, m->target, fd, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Configs past this size are parsed for each create, not kept. */
#define IMGCFG_CACHE_MAX_BYTES (16 * 1024)

/*
 * The parsed config document of image @id (a reference the caller holds
 * the image by: store_image_get has just resolved it), from the small
 * cache of the last images created from, else read and parsed (and kept
 * when small). An image ID is the digest of its config, so an entry can
 * never be stale; one of a removed image is only ever found again under
 * the same ID, that is, for the same bytes. Returns a reference, or NULL
 * with @e.
 */
static json_t *
image_config(struct containers *cs, const char *id, struct err *e)
{
	const size_t n = sizeof(cs->imgcfg) / sizeof(*cs->imgcfg);
	_cleanup_buf_ struct buf config = BUF_INIT;
	json_t *root = NULL;
	int r;

	pthread_mutex_lock(&cs->imgcfg_mu);
	for (size_t i = 0; i < n && !root; i++)
		if (cs->imgcfg[i].cfg && strcmp(cs->imgcfg[i].id, id) == 0)
			root = json_incref(cs->imgcfg[i].cfg);
	pthread_mutex_unlock(&cs->imgcfg_mu);
	if (root)
		return root;
	r = store_image_get(cs->store, id, NULL, &config, e);
	if (r < 0)
		return NULL;
	root = json_loadb(config.data, config.len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		err_set(e, -EINVAL, "image config is not valid JSON");
		return NULL;
	}
	if (config.len <= IMGCFG_CACHE_MAX_BYTES && strlen(id) < sizeof(cs->imgcfg[0].id)) {
		pthread_mutex_lock(&cs->imgcfg_mu);
		unsigned k = cs->imgcfg_next++ % n;
		json_decref(cs->imgcfg[k].cfg);
		snprintf(cs->imgcfg[k].id, sizeof(cs->imgcfg[k].id), "%s", id);
		cs->imgcfg[k].cfg = json_incref(root);
		pthread_mutex_unlock(&cs->imgcfg_mu);
	}
	return root;
}

int
lifecycle_create(struct containers *cs, const char *name, struct container_spec *spec,
		 struct container **ret, struct err *e)
{
	struct store_image_summary sum = {0};
	_cleanup_json_ json_t *config = NULL;
	struct container *c = NULL;
	int r;

	/* dockerd validates the request (verifyContainerSettings) before looking up the image */
	r = health_config_validate(spec->healthcheck, e);
	if (r < 0)
		return r;
	r = container_userns_check(cs, spec, e);
	if (r < 0)
		return r;
	for (size_t i = 0; spec->extra_hosts && spec->extra_hosts[i]; i++) {
		char host[256], addr[64];
		if ((r = lifecycle_extra_host_parse(spec->extra_hosts[i], host, addr, e)) < 0)
			return r;
	}
	/* dockerd (daemon.newContainer): on the host's network the default
	 * hostname is the host's, not the short ID. */
	if (is_host_network(spec) && !(spec->hostname && *spec->hostname)) {
		char hn[HOST_NAME_MAX + 1] = "";
		if (gethostname(hn, sizeof(hn) - 1) == 0 && *hn) {
			free(spec->hostname);
			spec->hostname = xstrdup(hn);
		}
	}
	r = container_endpoint_prepare(cs->net, spec, e);
	if (r < 0)
		return r;
	r = store_image_get(cs->store, spec->image, &sum, NULL, e);
	if (r < 0)
		return r;
	config = image_config(cs, sum.id, e);
	if (!config) {
		store_image_summary_release(&sum);
		return e->code;
	}
	/* moby's registerLinks, once the image is known */
	r = links_resolve(cs, spec, e);
	if (r < 0) {
		store_image_summary_release(&sum);
		return r;
	}
	r = create_merge_image_json(spec, config, e);
	/* dockerd's mergeAndVerifyLogConfig comes after the image's config is merged */
	if (r == 0)
		r = logconf_merge(cs->log_driver, cs->log_opts, &spec->log_driver, &spec->log_opts,
				  e);
	if (r == 0)
		r = prepare_mounts(cs, spec, e);
	if (r == 0)
		r = containers_create(cs, name, sum.id, spec, &c, e);
	store_image_summary_release(&sum);
	if (r < 0)
		return r;
	trace_point("create.config_saved", c->id);
	r = write_files(cs, c, e);
	if (r == 0)
		r = copy_up(cs, c, e);
	if (r < 0) {
		(void)containers_delete(cs, c, NULL);
		container_unref(c);
		return r;
	}
	trace_point("create.files_written", c->id);
	lifecycle_event(cs, c, "create", NULL);
	*ret = c;
	return 0;
}
