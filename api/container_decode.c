/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /containers/create body → struct container_spec. The body carries
 * Config fields at the top level plus HostConfig and NetworkingConfig
 * (docker-api-protocol.md §6.1); unknown fields are ignored because every
 * CLI version sends a few we do not know.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/container_json.h"
#include "api/jsonx.h"
#include "engine/util/cleanup.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

#define MIN_MEMORY (6 * 1024 * 1024)

/* Appends one binding for @key (already parsed) with the host side as given. */
static void
add_port(struct container_spec *s, uint16_t port, uint8_t proto, char *host_ip, char *host_port)
{
	s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
	s->ports[s->n_ports++] = (struct portmap_request){
		.container_port = port, .proto = proto,
		.host_ip = host_ip ? host_ip : xstrdup(""),
		.host_port = host_port ? host_port : xstrdup(""),
	};
}

/*
 * HostConfig.PortBindings, parsed once here: the key into numbers (dockerd's
 * create-time check), the host side kept as written (echoed by inspect,
 * checked when the port is published).
 */
static int
decode_ports(json_t *host, struct container_spec *s, struct err *e)
{
	json_t *pb = json_object_get(host, "PortBindings"), *list, *b;
	const char *key;
	size_t i;

	if (!pb || json_is_null(pb))
		return 0;
	if (!json_is_object(pb))
		return err_set(e, -EINVAL, "json: cannot unmarshal into field HostConfig.PortBindings of type nat.PortMap");
	json_object_foreach(pb, key, list) {
		uint16_t port;
		uint8_t proto;
		if (portmap_parse_request_key(key, &port, &proto, e) < 0)
			return -EINVAL;
		if (json_is_null(list) || json_array_size(list) == 0) {
			add_port(s, port, proto, NULL, NULL);
			continue;
		}
		if (!json_is_array(list))
			return err_set(e, -EINVAL, "json: cannot unmarshal into field HostConfig.PortBindings of type []nat.PortBinding");
		json_array_foreach(list, i, b) {
			char *ip = NULL, *hp = NULL;
			if (jx_str(b, "HostIp", "HostConfig.PortBindings.HostIp", &ip, e) < 0 ||
			    jx_str(b, "HostPort", "HostConfig.PortBindings.HostPort", &hp, e) < 0) {
				free(ip);
				free(hp);
				return -EINVAL;
			}
			add_port(s, port, proto, ip, hp);
		}
	}
	return 0;
}

static void
add_mount(struct container_spec *s, enum mount_type t, const char *src, const char *dst,
	  bool ro, const char *opts)
{
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = (struct mount_spec){ t, src ? xstrdup(src) : NULL, xstrdup(dst),
							 ro, opts ? xstrdup(opts) : NULL };
}

/* -v forms: /host:/ctr[:ro|rw|z|Z...], name:/ctr[:ro], /ctr (anonymous). */
static int
decode_bind(struct container_spec *s, const char *bind, struct err *e)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = xstrdup(bind);
	char *save = NULL;
	bool ro = false, nocopy = false;

	for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		strv_append(&parts, tok);
	size_t n = strv_len(parts);
	if (n < 1 || n > 3)
		return err_set(e, -EINVAL, "invalid volume specification: '%s'", bind);
	if (n == 1) {
		if (parts[0][0] != '/')
			return err_set(e, -EINVAL, "invalid volume specification: '%s'", bind);
		strv_append(&s->volumes, parts[0]);
		return 0;
	}
	if (n == 3) {
		_cleanup_free_ char *mode = xstrdup(parts[2]);
		char *msave = NULL;
		for (char *m = strtok_r(mode, ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
			if (strcmp(m, "ro") == 0)
				ro = true;
			else if (strcmp(m, "nocopy") == 0)
				nocopy = true;
			else if (strcmp(m, "rw") && strcmp(m, "z") && strcmp(m, "Z") &&
				 strcmp(m, "private") && strcmp(m, "rprivate") && strcmp(m, "shared") &&
				 strcmp(m, "rshared") && strcmp(m, "slave") && strcmp(m, "rslave") &&
				 strcmp(m, "nocopy") && strcmp(m, "consistent") && strcmp(m, "delegated") &&
				 strcmp(m, "cached"))
				return err_set(e, -EINVAL, "invalid mode: %s", m);
		}
	}
	if (parts[1][0] != '/')
		return err_set(e, -EINVAL, "invalid volume specification: '%s': invalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute",
			       bind, parts[0][0] == '/' ? "bind" : "volume", parts[1]);
	if (strcmp(parts[1], "/") == 0)
		return err_set(e, -EINVAL, "invalid volume specification: '%s': invalid mount config for type \"bind\": invalid specification: destination can't be '/'", bind);
	add_mount(s, parts[0][0] == '/' ? MOUNT_BIND : MOUNT_VOLUME, parts[0], parts[1], ro, NULL);
	/* nocopy only matters to volumes: binds are never filled from the image */
	s->mounts[s->n_mounts - 1].nocopy = nocopy && parts[0][0] != '/';
	return 0;
}

static int
decode_mounts(json_t *host, struct container_spec *s, struct err *e)
{
	json_t *ms = json_object_get(host, "Mounts"), *m;
	size_t i;

	if (!ms || json_is_null(ms))
		return 0;
	if (!json_is_array(ms))
		return err_set(e, -EINVAL, "json: cannot unmarshal into field HostConfig.Mounts of type []mount.Mount");
	json_array_foreach(ms, i, m) {
		_cleanup_free_ char *type = NULL, *src = NULL, *dst = NULL;
		bool ro = false;
		if (jx_str(m, "Type", "HostConfig.Mounts.Type", &type, e) < 0 ||
		    jx_str(m, "Source", "HostConfig.Mounts.Source", &src, e) < 0 ||
		    jx_str(m, "Target", "HostConfig.Mounts.Target", &dst, e) < 0 ||
		    jx_bool(m, "ReadOnly", "HostConfig.Mounts.ReadOnly", &ro, e) < 0)
			return -EINVAL;
		if (!dst || dst[0] != '/')
			return err_set(e, -EINVAL, "invalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute",
				       type ? type : "", dst ? dst : "");
		if (!type || strcmp(type, "bind") == 0) {
			if (!src || src[0] != '/')
				return err_set(e, -EINVAL, "invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", src ? src : "");
			/* --mount, unlike -v, never creates the source (dockerd). */
			if (!volume_bind_source_exists(src))
				return err_set(e, -EINVAL, "invalid mount config for type \"bind\": bind source path does not exist: %s", src);
			add_mount(s, MOUNT_BIND, src, dst, ro, NULL);
		} else if (strcmp(type, "volume") == 0) {
			bool nocopy = false;
			if (jx_bool(json_object_get(m, "VolumeOptions"), "NoCopy",
				    "HostConfig.Mounts.VolumeOptions.NoCopy", &nocopy, e) < 0)
				return -EINVAL;
			/* no source: an anonymous volume, named at create */
			add_mount(s, MOUNT_VOLUME, src && *src ? src : NULL, dst, ro, NULL);
			s->mounts[s->n_mounts - 1].nocopy = nocopy;
		} else if (strcmp(type, "tmpfs") == 0) {
			json_t *to = json_object_get(m, "TmpfsOptions");
			int64_t size = 0, mode = 0;
			char opts[64] = "";
			if (jx_int64(to, "SizeBytes", "HostConfig.Mounts.TmpfsOptions.SizeBytes", &size, e) < 0 ||
			    jx_int64(to, "Mode", "HostConfig.Mounts.TmpfsOptions.Mode", &mode, e) < 0)
				return -EINVAL;
			if (size > 0)
				snprintf(opts, sizeof(opts), "size=%lld", (long long)size);
			if (mode > 0)
				snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%smode=%llo",
					 *opts ? "," : "", (unsigned long long)mode);
			add_mount(s, MOUNT_TMPFS, NULL, dst, ro, opts);
		} else {
			return err_set(e, -EINVAL, "mount type unknown: \"%s\"", type);
		}
	}
	return 0;
}

static int
decode_tmpfs(json_t *host, struct container_spec *s, struct err *e)
{
	json_t *t = NULL, *v;
	const char *target;

	if (jx_strmap(host, "Tmpfs", "HostConfig.Tmpfs", &t, e) < 0)
		return -EINVAL;
	json_object_foreach(t, target, v) {
		if (target[0] != '/') {
			json_decref(t);
			return err_set(e, -EINVAL, "invalid mount config for type \"tmpfs\": invalid mount path: '%s' mount path must be absolute", target);
		}
		add_mount(s, MOUNT_TMPFS, NULL, target, false, json_string_value(v));
	}
	json_decref(t);
	return 0;
}

static int
decode_config(json_t *b, struct container_spec *s, struct err *e)
{
	if (jx_str(b, "Hostname", "Config.Hostname", &s->hostname, e) < 0 ||
	    jx_str(b, "Domainname", "Config.Domainname", &s->domainname, e) < 0 ||
	    jx_str(b, "User", "Config.User", &s->user, e) < 0 ||
	    jx_bool(b, "AttachStdin", "Config.AttachStdin", &s->attach_stdin, e) < 0 ||
	    jx_bool(b, "AttachStdout", "Config.AttachStdout", &s->attach_stdout, e) < 0 ||
	    jx_bool(b, "AttachStderr", "Config.AttachStderr", &s->attach_stderr, e) < 0 ||
	    jx_keys(b, "ExposedPorts", "Config.ExposedPorts", &s->exposed_ports, e) < 0 ||
	    jx_bool(b, "Tty", "Config.Tty", &s->tty, e) < 0 ||
	    jx_bool(b, "OpenStdin", "Config.OpenStdin", &s->open_stdin, e) < 0 ||
	    jx_bool(b, "StdinOnce", "Config.StdinOnce", &s->stdin_once, e) < 0 ||
	    jx_strv(b, "Env", "Config.Env", false, &s->env, e) < 0 ||
	    jx_strv(b, "Cmd", "Config.Cmd", true, &s->cmd, e) < 0 ||
	    jx_str(b, "Image", "Config.Image", &s->image, e) < 0 ||
	    jx_keys(b, "Volumes", "Config.Volumes", &s->volumes, e) < 0 ||
	    jx_str(b, "WorkingDir", "Config.WorkingDir", &s->working_dir, e) < 0 ||
	    jx_strv(b, "Entrypoint", "Config.Entrypoint", true, &s->entrypoint, e) < 0 ||
	    jx_strmap(b, "Labels", "Config.Labels", &s->labels, e) < 0 ||
	    jx_str(b, "StopSignal", "Config.StopSignal", &s->stop_signal, e) < 0 ||
	    jx_int(b, "StopTimeout", "Config.StopTimeout", &s->stop_timeout, e) < 0 ||
	    jx_obj(b, "Healthcheck", "Config.Healthcheck", &s->healthcheck, e) < 0 ||
	    jx_strv(b, "Shell", "Config.Shell", false, &s->shell, e) < 0 ||
	    jx_strv(b, "OnBuild", "Config.OnBuild", false, &s->onbuild, e) < 0)
		return -EINVAL;
	/* ExposedPorts keys stay strings (the image config's form), normalised. */
	for (size_t i = 0; s->exposed_ports && s->exposed_ports[i]; i++) {
		struct portmap_request pr = {0};
		char key[PORTMAP_KEY_MAX];
		if (portmap_parse_request_key(s->exposed_ports[i], &pr.container_port, &pr.proto,
					      e) < 0)
			return -EINVAL;
		portmap_request_key(&pr, key);
		free(s->exposed_ports[i]);
		s->exposed_ports[i] = xstrdup(key);
	}
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (s->env[i][0] == '=' || s->env[i][0] == '\0')
			return err_set(e, -EINVAL, "invalid environment variable: %s", s->env[i]);
	if (s->hostname && strlen(s->hostname) > 63)
		return err_set(e, -EINVAL, "invalid hostname format: %s", s->hostname);
	return 0;
}

static int
decode_resources(json_t *h, struct container_spec *s, struct err *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (jx_int64(h, "Memory", "HostConfig.Memory", &s->memory, e) < 0 ||
	    jx_int64(h, "MemorySwap", "HostConfig.MemorySwap", &s->memory_swap, e) < 0 ||
	    jx_int64(h, "MemoryReservation", "HostConfig.MemoryReservation", &s->memory_reservation, e) < 0 ||
	    jx_int64(h, "NanoCpus", "HostConfig.NanoCpus", &s->nano_cpus, e) < 0 ||
	    jx_int64(h, "CpuShares", "HostConfig.CpuShares", &s->cpu_shares, e) < 0 ||
	    jx_int64(h, "CpuPeriod", "HostConfig.CpuPeriod", &s->cpu_period, e) < 0 ||
	    jx_int64(h, "CpuQuota", "HostConfig.CpuQuota", &s->cpu_quota, e) < 0 ||
	    jx_str(h, "CpusetCpus", "HostConfig.CpusetCpus", &s->cpuset_cpus, e) < 0 ||
	    jx_str(h, "CpusetMems", "HostConfig.CpusetMems", &s->cpuset_mems, e) < 0 ||
	    jx_int64(h, "PidsLimit", "HostConfig.PidsLimit", &s->pids_limit, e) < 0 ||
	    jx_bool(h, "OomKillDisable", "HostConfig.OomKillDisable", &s->oom_kill_disable, e) < 0)
		return -EINVAL;
	if (s->memory < 0 || s->memory_swap < -1 || s->cpu_shares < 0 || s->cpu_period < 0 ||
	    s->cpu_quota < -1 || s->nano_cpus < 0)
		return err_set(e, -EINVAL, "invalid resource limits: values must not be negative");
	if (s->memory > 0 && s->memory < MIN_MEMORY)
		return err_set(e, -EINVAL, "Minimum memory limit allowed is 6MB");
	if (s->memory_swap > 0 && s->memory > 0 && s->memory_swap < s->memory)
		return err_set(e, -EINVAL, "Minimum memoryswap limit should be larger than memory limit, see usage");
	if (s->memory_swap > 0 && s->memory == 0)
		return err_set(e, -EINVAL, "You should always set the Memory limit when using Memoryswap limit, see usage");
	if (s->nano_cpus > 0 && (s->nano_cpus < 10000000 || s->nano_cpus > ncpu * 1000000000LL))
		return err_set(e, -EINVAL, "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
			       ncpu, ncpu);
	if (s->nano_cpus > 0 && (s->cpu_quota > 0 || s->cpu_period > 0))
		return err_set(e, -EINVAL, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	if (s->cpu_period != 0 && (s->cpu_period < 1000 || s->cpu_period > 1000000))
		return err_set(e, -EINVAL, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
	if (s->cpu_quota > 0 && s->cpu_quota < 1000)
		return err_set(e, -EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	return 0;
}

static int
decode_host(json_t *h, struct container_spec *s, struct err *e)
{
	json_t *rp, *cs;
	_cleanup_free_ char *rp_name = NULL;
	int max_retry = 0;

	if (!h || json_is_null(h))
		return 0;
	if (!json_is_object(h))
		return err_set(e, -EINVAL, "json: cannot unmarshal into field HostConfig of type container.HostConfig");
	if (jx_strv(h, "Binds", "HostConfig.Binds", false, &s->binds, e) < 0 ||
	    jx_strv(h, "VolumesFrom", "HostConfig.VolumesFrom", false, &s->volumes_from, e) < 0 ||
	    jx_strv(h, "Links", "HostConfig.Links", false, &s->links, e) < 0 ||
	    jx_str(h, "NetworkMode", "HostConfig.NetworkMode", &s->network_mode, e) < 0 ||
	    jx_bool(h, "AutoRemove", "HostConfig.AutoRemove", &s->auto_remove, e) < 0 ||
	    jx_strv(h, "CapAdd", "HostConfig.CapAdd", false, &s->cap_add, e) < 0 ||
	    jx_strv(h, "CapDrop", "HostConfig.CapDrop", false, &s->cap_drop, e) < 0 ||
	    jx_bool(h, "Privileged", "HostConfig.Privileged", &s->privileged, e) < 0 ||
	    jx_bool(h, "ReadonlyRootfs", "HostConfig.ReadonlyRootfs", &s->readonly_rootfs, e) < 0 ||
	    jx_bool(h, "Init", "HostConfig.Init", &s->init, e) < 0 ||
	    jx_bool(h, "PublishAllPorts", "HostConfig.PublishAllPorts", &s->publish_all_ports, e) <
		    0 ||
	    jx_int64(h, "ShmSize", "HostConfig.ShmSize", &s->shm_size, e) < 0 ||
	    jx_strv(h, "Dns", "HostConfig.Dns", false, &s->dns, e) < 0 ||
	    jx_strv(h, "DnsSearch", "HostConfig.DnsSearch", false, &s->dns_search, e) < 0 ||
	    jx_strv(h, "DnsOptions", "HostConfig.DnsOptions", false, &s->dns_options, e) < 0 ||
	    jx_strv(h, "ExtraHosts", "HostConfig.ExtraHosts", false, &s->extra_hosts, e) < 0 ||
	    jx_strv(h, "SecurityOpt", "HostConfig.SecurityOpt", false, &s->security_opt, e) < 0 ||
	    jx_strv(h, "GroupAdd", "HostConfig.GroupAdd", false, &s->group_add, e) < 0 ||
	    jx_int(h, "OomScoreAdj", "HostConfig.OomScoreAdj", &s->oom_score_adj, e) < 0 ||
	    decode_resources(h, s, e) < 0)
		return -EINVAL;
	if (s->shm_size < 0)
		return err_set(e, -EINVAL, "SHM size can not be less than 0");
	if (s->oom_score_adj < -1000 || s->oom_score_adj > 1000)
		return err_set(e, -EINVAL, "Invalid value %d, range for oom score adj is [-1000, 1000]", s->oom_score_adj);
	rp = json_object_get(h, "RestartPolicy");
	if (jx_str(rp, "Name", "HostConfig.RestartPolicy.Name", &rp_name, e) < 0 ||
	    jx_int(rp, "MaximumRetryCount", "HostConfig.RestartPolicy.MaximumRetryCount", &max_retry, e) < 0)
		return -EINVAL;
	if (!rp_name || !*rp_name)
		rp_name = mfree(rp_name), rp_name = xstrdup("no");
	if (strcmp(rp_name, "no") && strcmp(rp_name, "always") && strcmp(rp_name, "on-failure") &&
	    strcmp(rp_name, "unless-stopped"))
		return err_set(e, -EINVAL, "invalid restart policy '%s'", rp_name);
	if (max_retry < 0)
		return err_set(e, -EINVAL, "invalid restart policy: maximum retry count can't be negative");
	if (max_retry > 0 && strcmp(rp_name, "on-failure") != 0)
		return err_set(e, -EINVAL, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
	if (s->auto_remove && strcmp(rp_name, "no") != 0)
		return err_set(e, -EINVAL, "can't create 'AutoRemove' container with restart policy");
	s->restart_policy = TAKE_PTR(rp_name);
	s->restart_max_retries = max_retry;
	cs = json_object_get(h, "ConsoleSize");
	if (json_is_array(cs) && json_array_size(cs) == 2) {
		s->console_height = (int)json_integer_value(json_array_get(cs, 0));
		s->console_width = (int)json_integer_value(json_array_get(cs, 1));
	}
	json_t *ul = json_object_get(h, "Ulimits");
	if (ul && !json_is_null(ul) && !json_is_array(ul))
		return err_set(e, -EINVAL, "json: cannot unmarshal into field HostConfig.Ulimits of type []*units.Ulimit");
	if (json_array_size(ul) > 0)
		s->ulimits = json_incref(ul);
	if (jx_strmap(h, "Sysctls", "HostConfig.Sysctls", &s->sysctls, e) < 0)
		return -EINVAL;
	json_t *lc = json_object_get(h, "LogConfig");
	if (jx_str(lc, "Type", "HostConfig.LogConfig.Type", &s->log_driver, e) < 0 ||
	    jx_strmap(lc, "Config", "HostConfig.LogConfig.Config", &s->log_opts, e) < 0)
		return -EINVAL;
	for (size_t i = 0; s->binds && s->binds[i]; i++)
		if (decode_bind(s, s->binds[i], e) < 0)
			return -EINVAL;
	if (decode_mounts(h, s, e) < 0 || decode_tmpfs(h, s, e) < 0 || decode_ports(h, s, e) < 0)
		return -EINVAL;
	return 0;
}

int
container_json_decode_create(json_t *body, struct container_spec *s, struct err *e)
{
	s->stop_timeout = -1;
	if (decode_config(body, s, e) < 0 || decode_host(json_object_get(body, "HostConfig"), s, e) < 0)
		return -EINVAL;
	if (!s->image || !*s->image)
		return err_set(e, -EINVAL, "invalid reference format: no image given (Config.Image is empty)");
	if (!s->network_mode || !*s->network_mode || strcmp(s->network_mode, "default") == 0) {
		free(s->network_mode);
		s->network_mode = xstrdup("bridge");
	}
	if (container_json_decode_ns(json_object_get(body, "HostConfig"), s, e) < 0)
		return -EINVAL;
	if (container_json_decode_kept(json_object_get(body, "HostConfig"), s, e) < 0)
		return e->code;
	if (!s->labels)
		s->labels = json_object();
	if (!s->restart_policy)
		s->restart_policy = xstrdup("no");
	return 0;
}
