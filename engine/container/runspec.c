/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container spec → runtime spec, with dockerd's defaults (from
 * runtime_spec_init_default) and the request's HostConfig applied on top.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/logconf.h"
#include "engine/container/runspec.h"
#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/container/limits.h"
#include "engine/store/store_image.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

static void
add_bind(struct runtime_spec *rs, const char *dest, const char *src, bool ro)
{
	const char *opts_rw[] = { "rbind", "rprivate", NULL };
	const char *opts_ro[] = { "rbind", "rprivate", "ro", NULL };

	runtime_spec_add_mount(rs, dest, "bind", src, ro ? opts_ro : opts_rw);
}

static void
add_tmpfs(struct runtime_spec *rs, const char *dest, const char *options, bool ro)
{
	_cleanup_strv_ char **opts = NULL;
	_cleanup_free_ char *copy = xstrdup(options ? options : "");
	char *save = NULL;

	strv_append(&opts, "nosuid");
	strv_append(&opts, "nodev");
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		strv_append(&opts, o);
	if (ro)
		strv_append(&opts, "ro");
	runtime_spec_add_mount(rs, dest, "tmpfs", "tmpfs", (const char *const *)opts);
}

static void
apply_resources(const struct container_spec *s, struct runtime_spec *rs)
{
	rs->res.memory = s->memory;
	rs->res.memory_swap = s->memory_swap;
	rs->res.swappiness = s->memory_swappiness
				     ? (int64_t)json_integer_value(s->memory_swappiness)
				     : -1;
	rs->res.cpu_shares = s->cpu_shares > 0 ? (uint64_t)s->cpu_shares : 0;
	if (s->nano_cpus > 0) {
		rs->res.cpu_period = 100000;
		rs->res.cpu_quota = s->nano_cpus / 10000; /* nanocpus × period / 1e9 */
	} else {
		rs->res.cpu_period = s->cpu_period > 0 ? (uint64_t)s->cpu_period : 0;
		rs->res.cpu_quota = s->cpu_quota;
	}
	rs->res.pids_limit = s->pids_limit;
	if (s->cpuset_cpus && *s->cpuset_cpus)
		rs->res.cpuset_cpus = xstrdup(s->cpuset_cpus);
	if (s->cpuset_mems && *s->cpuset_mems)
		rs->res.cpuset_mems = xstrdup(s->cpuset_mems);
}

/* The log driver's file and rotation for the shim ("none": no file at all). */
static int
apply_log(struct container *c, struct runtime_spec *rs, struct err *e)
{
	struct logconf lc;
	int r = logconf_parse(c->spec.log_driver, c->spec.log_opts, &lc, e);

	if (r < 0)
		return r;
	free(rs->log_path);
	rs->log_path = lc.keep ? xstrdup(c->log_path) : NULL;
	rs->log_max_size = lc.max_size;
	rs->log_max_files = lc.max_files;
	rs->log_compress = lc.compress;
	json_decref(rs->log_attrs);
	rs->log_attrs = lc.keep ? logconf_attrs(c->spec.log_opts, c->spec.labels, c->spec.env)
				: NULL;
	return 0;
}

int
runspec_build(struct containers *cs, struct container *c, struct runtime_spec *rs, struct err *e)
{
	const struct container_spec *s = &c->spec;
	_cleanup_free_ char *hosts = xasprintf("%s/hosts", c->dir);
	_cleanup_free_ char *hostname = xasprintf("%s/hostname", c->dir);
	_cleanup_free_ char *resolv = xasprintf("%s/resolv.conf", c->dir);
	char **args = NULL;
	int r;

	runtime_spec_init_default(rs, c->id);
	strv_append(&args, c->path);
	for (size_t i = 0; c->args && c->args[i]; i++)
		strv_append(&args, c->args[i]);
	strv_free(rs->args);
	rs->args = args;
	if (s->env) {
		strv_free(rs->env);
		rs->env = NULL;
		bool has_path = false;
		/* "VAR" without '=' (kept in Config.Env) unsets VAR, as dockerd's
		 * ReplaceOrAppendEnvValues does: never passed to the process. */
		for (size_t i = 0; s->env[i]; i++) {
			if (strchr(s->env[i], '='))
				strv_append(&rs->env, s->env[i]);
			if (strncmp(s->env[i], "PATH", 4) == 0 && strchr("=", s->env[i][4]))
				has_path = true;
		}
		if (!rs->env)
			rs->env = xcalloc(1, sizeof(char *));
		if (!has_path)
			strv_append(&rs->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	}
	if (s->tty) {
		bool has_term = false;
		for (size_t i = 0; s->env && s->env[i]; i++)
			if (strncmp(s->env[i], "TERM", 4) == 0 && strchr("=", s->env[i][4]))
				has_term = true;
		if (!has_term)
			strv_append(&rs->env, "TERM=xterm");
	}
	if (s->working_dir && *s->working_dir) {
		free(rs->cwd);
		rs->cwd = xstrdup(s->working_dir);
	}
	free(rs->user);
	rs->user = xstrdup(s->user ? s->user : "");
	rs->additional_groups = strv_dup(s->group_add);
	r = runtime_spec_set_caps(rs, s->cap_add, s->cap_drop, s->privileged, e);
	if (r < 0)
		return r;
	rs->privileged = s->privileged;
	/* HostConfig.MaskedPaths / ReadonlyPaths replace dockerd's lists. */
	if (s->masked_paths) {
		strv_free(rs->masked_paths);
		rs->masked_paths = NULL;
		(void)strv_from_json(s->masked_paths, &rs->masked_paths);
	}
	if (s->readonly_paths) {
		strv_free(rs->readonly_paths);
		rs->readonly_paths = NULL;
		(void)strv_from_json(s->readonly_paths, &rs->readonly_paths);
	}
	if (s->privileged) {
		rs->seccomp = RUNTIME_SECCOMP_UNCONFINED;
		runtime_spec_clear_sys_readonly(rs);
		strv_free(rs->masked_paths);
		strv_free(rs->readonly_paths);
		rs->masked_paths = NULL;
		rs->readonly_paths = NULL;
	}
	rs->terminal = s->tty;
	rs->open_stdin = s->open_stdin;
	rs->stdin_once = s->stdin_once;
	rs->console_height = (unsigned short)s->console_height;
	rs->console_width = (unsigned short)s->console_width;
	rs->init = s->init;

	r = store_image_lowerdirs(cs->store, c->image_id, &rs->lowerdirs, e);
	if (r < 0)
		return r;
	rs->upperdir = xasprintf("%s/rw/upper", c->dir);
	rs->workdir = xasprintf("%s/rw/work", c->dir);
	rs->readonly_root = s->readonly_rootfs;
	rs->disposable_root = s->auto_remove;
	free(rs->hostname);
	rs->hostname = xstrdup(s->hostname);
	free(rs->domainname);
	rs->domainname = s->domainname && *s->domainname ? xstrdup(s->domainname) : NULL;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_spec *m = &s->mounts[i];
		if (m->type == MOUNT_BIND) {
			add_bind(rs, m->target, m->source, m->readonly);
		} else if (m->type == MOUNT_VOLUME) {
			_cleanup_free_ char *src = volume_data_path(cs->volumes, m->source);
			add_bind(rs, m->target, src, m->readonly);
		} else {
			add_tmpfs(rs, m->target, m->options, m->readonly);
		}
	}
	add_bind(rs, "/etc/hosts", hosts, false);
	add_bind(rs, "/etc/hostname", hostname, false);
	add_bind(rs, "/etc/resolv.conf", resolv, false);

	if (container_userns_owns_netns(cs, c)) {
		/* made by the child in its user namespace; berthd plumbs it before exec */
		rs->netns = RUNTIME_NETNS_NONE;
	} else if (c->ep.netns) {
		rs->netns = RUNTIME_NETNS_PATH;
		rs->netns_path = xstrdup(c->ep.netns);
	} else if (c->ep.network && strcmp(c->ep.network, "host") == 0) {
		rs->netns = RUNTIME_NETNS_HOST;
	} else {
		rs->netns = RUNTIME_NETNS_NONE;
	}
	if (container_userns_map(cs, c))
		rs->userns = *container_userns_map(cs, c);
	apply_resources(s, rs);
	r = limits_runspec(s, cs->default_ulimits, rs, e);
	if (r < 0)
		return r;
	r = runspec_apply_ns(cs, c, rs, e);
	if (r < 0)
		return r;
	return apply_log(c, rs, e);
}
