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
#include <strings.h>
#include <unistd.h>

#include "api/container_json.h"
#include "api/jsonx.h"
#include "engine/container/lifecycle.h"
#include "engine/container/limits.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
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
	/* dockerd keeps a StopTimeout given as -1 (or less): stop then waits for ever */
	s->stop_timeout_set = json_is_integer(json_object_get(b, "StopTimeout"));
	if (!s->stop_timeout_set)
		s->stop_timeout = -1;
	if (s->stop_signal && *s->stop_signal && lifecycle_parse_signal(s->stop_signal) < 0)
		return err_set(e, -EINVAL, "Invalid signal: %s", s->stop_signal);
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

/*
 * One blkio device list ({"Path", @num_key}) rebuilt with only its known
 * members, as dockerd's struct keeps them; NULL when absent or empty.
 */
static int
decode_blkio_list(json_t *h, const char *key, const char *num_key, int64_t max, json_t **ret,
		  struct err *e)
{
	json_t *a = json_object_get(h, key), *d, *out;
	char path[64];
	size_t i;

	if (!a || json_is_null(a) || (json_is_array(a) && json_array_size(a) == 0))
		return 0;
	if (!json_is_array(a))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal %s into Go struct field "
			       "HostConfig.HostConfig.%s of type []*blkiodev.%s",
			       json_is_object(a) ? "object" : "value", key,
			       max == UINT16_MAX ? "WeightDevice" : "ThrottleDevice");
	out = json_array();
	json_array_foreach(a, i, d) {
		_cleanup_free_ char *p = NULL;
		int64_t v = 0;
		snprintf(path, sizeof(path), "HostConfig.%s.%s", key, num_key);
		if (!json_is_object(d) || jx_str(d, "Path", "HostConfig.Blkio.Path", &p, e) < 0 ||
		    jx_int64(d, num_key, path, &v, e) < 0) {
			json_decref(out);
			return e->code < 0 ? e->code
					   : err_set(e, -EINVAL,
						     "json: cannot unmarshal into field "
						     "HostConfig.%s",
						     key);
		}
		if (v < 0 || v > max) {
			json_decref(out);
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal number %lld into Go struct field %s "
				       "of type %s",
				       (long long)v, path, max == UINT16_MAX ? "uint16" : "uint64");
		}
		json_array_append_new(out, json_pack("{s:s,s:I}", "Path", p ? p : "", num_key,
						     (json_int_t)v));
	}
	*ret = out;
	return 0;
}

/* HostConfig.Ulimits: [{Name, Soft, Hard}], kept as sent once the types are right. */
static int
decode_ulimits(json_t *h, struct container_spec *s, struct err *e)
{
	json_t *ul = json_object_get(h, "Ulimits"), *u;
	size_t i;

	if (!ul || json_is_null(ul))
		return 0;
	if (!json_is_array(ul))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal into field HostConfig.Ulimits of type "
			       "[]*units.Ulimit");
	if (json_array_size(ul) > 64)
		return err_set(e, -EINVAL, "too many ulimits");
	s->ulimits = json_array();
	json_array_foreach(ul, i, u) {
		_cleanup_free_ char *name = NULL;
		int64_t soft = 0, hard = 0;
		if (!json_is_object(u))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal into field HostConfig.Ulimits of "
				       "type units.Ulimit");
		if (jx_str(u, "Name", "HostConfig.Ulimits.Name", &name, e) < 0 ||
		    jx_int64(u, "Soft", "HostConfig.Ulimits.Soft", &soft, e) < 0 ||
		    jx_int64(u, "Hard", "HostConfig.Ulimits.Hard", &hard, e) < 0)
			return -EINVAL;
		json_array_append_new(s->ulimits,
				      json_pack("{s:s,s:I,s:I}", "Name", name ? name : "", "Hard",
						(json_int_t)hard, "Soft", (json_int_t)soft));
	}
	if (json_array_size(s->ulimits) == 0)
		s->ulimits = (json_decref(s->ulimits), NULL);
	return 0;
}

/*
 * Limits, OOM and security options (docs/security.md): types and the
 * checks dockerd makes without asking the kernel; limits_verify (engine)
 * makes the others.
 */
static int
decode_blkio(json_t *h, struct container_spec *s, struct err *e)
{
	const struct {
		const char *key, *num;
		int64_t max;
		json_t **dst;
	} lists[] = {
		{"BlkioWeightDevice", "Weight", UINT16_MAX, &s->blkio_weight_device},
		{"BlkioDeviceReadBps", "Rate", INT64_MAX, &s->blkio_read_bps},
		{"BlkioDeviceWriteBps", "Rate", INT64_MAX, &s->blkio_write_bps},
		{"BlkioDeviceReadIOps", "Rate", INT64_MAX, &s->blkio_read_iops},
		{"BlkioDeviceWriteIOps", "Rate", INT64_MAX, &s->blkio_write_iops},
	};

	if (jx_int(h, "BlkioWeight", "HostConfig.BlkioWeight", &s->blkio_weight, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (decode_blkio_list(h, lists[i].key, lists[i].num, lists[i].max, lists[i].dst,
				      e) < 0)
			return -EINVAL;
	return 0;
}

static int
decode_limits(json_t *h, struct container_spec *s, struct err *e)
{
	const char *rtp = "HostConfig.CpuRealtimePeriod", *rtr = "HostConfig.CpuRealtimeRuntime";

	if (jx_int64(h, "CpuRealtimePeriod", rtp, &s->cpu_rt_period, e) < 0 ||
	    jx_int64(h, "CpuRealtimeRuntime", rtr, &s->cpu_rt_runtime, e) < 0 ||
	    jx_int64(h, "MemoryReservation", "HostConfig.MemoryReservation", &s->memory_reservation,
		     e) < 0 ||
	    decode_blkio(h, s, e) < 0 ||
	    decode_ulimits(h, s, e) < 0 || limits_check_security_opts(s->security_opt, e) < 0)
		return -EINVAL;
	if (s->cpu_rt_period < 0 || s->cpu_rt_runtime < -1)
		return err_set(e, -EINVAL, "invalid real-time CPU values: must not be negative");
	if (s->blkio_weight < 0 || s->blkio_weight > UINT16_MAX)
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal number %d into Go struct field "
			       "HostConfig.HostConfig.BlkioWeight of type uint16",
			       s->blkio_weight);
	/* moby verifyPlatformContainerResources, the checks that need no kernel */
	if (s->memory_reservation > 0 && s->memory_reservation < MIN_MEMORY)
		return err_set(e, -EINVAL, "Minimum memory reservation allowed is 6MB");
	if (s->memory > 0 && s->memory_reservation > 0 && s->memory < s->memory_reservation)
		return err_set(e, -EINVAL,
			       "Minimum memory limit can not be less than memory reservation "
			       "limit, see usage");
	/* adaptContainerSettings: swap defaults to twice the memory, which inspect shows */
	if (s->memory > 0 && s->memory_swap == 0)
		s->memory_swap = s->memory <= INT64_MAX / 2 ? s->memory * 2 : -1;
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
	    decode_resources(h, s, e) < 0 || decode_limits(h, s, e) < 0)
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
container_json_decode_endpoint(json_t *v, const char *network, const char *path, json_t **ret,
			       struct err *e)
{
	_cleanup_json_ json_t *ent = json_pack("{s:s}", "network", network);
	_cleanup_free_ char *ip4 = NULL, *ip6 = NULL, *mac = NULL;
	_cleanup_strv_ char **aliases = NULL, **links = NULL, **lla = NULL;
	_cleanup_json_ json_t *opts = NULL;
	json_t *ipam;
	int64_t prio = 0;
	char field[128];

	if (v && !json_is_null(v) && !json_is_object(v))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal %s into field %s of type network.EndpointSettings",
			       jsonget_kind(v), path);
	ipam = json_object_get(v, "IPAMConfig");
	if (ipam && !json_is_null(ipam) && !json_is_object(ipam))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal %s into field %s.IPAMConfig of type "
			       "network.EndpointIPAMConfig", jsonget_kind(ipam), path);
	snprintf(field, sizeof(field), "%s.IPAMConfig.IPv4Address", path);
	if (jx_str(ipam, "IPv4Address", field, &ip4, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.IPAMConfig.IPv6Address", path);
	if (jx_str(ipam, "IPv6Address", field, &ip6, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.IPAMConfig.LinkLocalIPs", path);
	if (jx_strv(ipam, "LinkLocalIPs", field, false, &lla, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.Aliases", path);
	if (jx_strv(v, "Aliases", field, false, &aliases, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.Links", path);
	if (jx_strv(v, "Links", field, false, &links, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.MacAddress", path);
	if (jx_str(v, "MacAddress", field, &mac, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.DriverOpts", path);
	if (jx_strmap(v, "DriverOpts", field, &opts, e) < 0)
		return -EINVAL;
	snprintf(field, sizeof(field), "%s.GwPriority", path);
	if (jx_int64(v, "GwPriority", field, &prio, e) < 0)
		return -EINVAL;
	/* Refused rather than dropped: the kernel's link-local address is the one. */
	if (lla && lla[0])
		return err_set(e, -EINVAL,
			       "invalid endpoint settings for network %s: LinkLocalIPs are not "
			       "supported by berth",
			       network);
	if (prio != 0)
		return err_set(e, -EINVAL,
			       "invalid endpoint settings for network %s: GwPriority is not "
			       "supported by berth yet", network);
	if (ip4 && *ip4)
		json_object_set_new(ent, "ipv4", json_string(ip4));
	if (ip6 && *ip6)
		json_object_set_new(ent, "ipv6", json_string(ip6));
	if (mac && *mac)
		json_object_set_new(ent, "mac", json_string(mac));
	if (aliases && aliases[0])
		json_object_set_new(ent, "aliases", strv_to_json(aliases));
	if (links && links[0])
		json_object_set_new(ent, "links", strv_to_json(links));
	if (opts && json_object_size(opts))
		json_object_set(ent, "driver_opts", opts);
	*ret = TAKE_PTR(ent);
	return 0;
}

/* NetworkingConfig.EndpointsConfig, and the container-wide MacAddress of API < 1.44. */
static int
decode_networking(json_t *body, struct container_spec *s, struct err *e)
{
	json_t *nc = json_object_get(body, "NetworkingConfig"), *ec, *v;
	_cleanup_free_ char *mac = NULL;
	const char *key, *mode = s->network_mode;
	json_t *primary = NULL;
	size_t i;

	if (nc && !json_is_null(nc) && !json_is_object(nc))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal %s into field NetworkingConfig of type "
			       "network.NetworkingConfig", jsonget_kind(nc));
	ec = json_object_get(nc, "EndpointsConfig");
	if (ec && !json_is_null(ec) && !json_is_object(ec))
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal %s into field NetworkingConfig.EndpointsConfig "
			       "of type map[string]*network.EndpointSettings", jsonget_kind(ec));
	if (json_object_size(ec) > 64)
		return err_set(e, -E2BIG, "too many networks in EndpointsConfig (limit 64)");
	s->endpoints = json_array();
	json_object_foreach(ec, key, v) {
		json_t *ent = NULL;
		char path[320];
		snprintf(path, sizeof(path), "NetworkingConfig.EndpointsConfig.%.256s", key);
		if (container_json_decode_endpoint(v, key, path, &ent, e) < 0)
			return -EINVAL;
		json_array_append_new(s->endpoints, ent);
	}
	if (jx_str(body, "MacAddress", "MacAddress", &mac, e) < 0)
		return -EINVAL;
	if (!mac || !*mac)
		return 0;
	if (!mode || !*mode)
		mode = "default";
	json_array_foreach(s->endpoints, i, v) {
		const char *n = json_string_value(json_object_get(v, "network"));
		if (strcmp(n, mode) == 0 || (strcmp(mode, "bridge") == 0 && strcmp(n, "default") == 0) ||
		    (strcmp(mode, "default") == 0 && strcmp(n, "bridge") == 0))
			primary = v;
	}
	if (!primary) {
		primary = json_pack("{s:s}", "network", mode);
		json_array_insert_new(s->endpoints, 0, primary);
	}
	if (json_string_value(json_object_get(primary, "mac")) &&
	    strcasecmp(json_string_value(json_object_get(primary, "mac")), mac) != 0)
		return err_set(e, -EINVAL,
			       "the container-wide MAC address must match the endpoint-specific MAC "
			       "address for the main network, or be left empty");
	json_object_set_new(primary, "mac", json_string(mac));
	return 0;
}

int
container_json_decode_create(json_t *body, struct container_spec *s, struct err *e)
{
	s->stop_timeout = -1;
	if (decode_config(body, s, e) < 0 || decode_host(json_object_get(body, "HostConfig"), s, e) < 0 ||
	    decode_networking(body, s, e) < 0)
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
