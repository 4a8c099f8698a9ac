/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container spec persistence. A table maps each scalar field to its JSON key
 * and type, so adding a field is one line; ports and mounts have their own
 * small encoders.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/spec.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

enum ftype { F_STR, F_STRV, F_BOOL, F_INT, F_INT64, F_JSON };

struct field {
	const char *key;
	enum ftype type;
	size_t off;
};

#define F(key, type, member) { key, type, offsetof(struct container_spec, member) }
static const struct field fields[] = {
	F("image", F_STR, image),
	F("entrypoint", F_STRV, entrypoint),
	F("cmd", F_STRV, cmd),
	F("env", F_STRV, env),
	F("working_dir", F_STR, working_dir),
	F("user", F_STR, user),
	F("hostname", F_STR, hostname),
	F("domainname", F_STR, domainname),
	F("stop_signal", F_STR, stop_signal),
	F("stop_timeout", F_INT, stop_timeout),
	F("tty", F_BOOL, tty),
	F("open_stdin", F_BOOL, open_stdin),
	F("stdin_once", F_BOOL, stdin_once),
	F("attach_stdin", F_BOOL, attach_stdin),
	F("attach_stdout", F_BOOL, attach_stdout),
	F("attach_stderr", F_BOOL, attach_stderr),
	F("labels", F_JSON, labels),
	F("exposed_ports", F_STRV, exposed_ports),
	F("volumes", F_STRV, volumes),
	F("healthcheck", F_JSON, healthcheck),
	F("shell", F_STRV, shell),
	F("onbuild", F_STRV, onbuild),
	F("console_height", F_INT, console_height),
	F("console_width", F_INT, console_width),
	F("binds", F_STRV, binds),
	F("volumes_from", F_STRV, volumes_from),
	F("links", F_STRV, links),
	F("network_mode", F_STR, network_mode),
	F("endpoints", F_JSON, endpoints),
	F("publish_all_ports", F_BOOL, publish_all_ports),
	F("restart_policy", F_STR, restart_policy),
	F("restart_max_retries", F_INT, restart_max_retries),
	F("auto_remove", F_BOOL, auto_remove),
	F("cap_add", F_STRV, cap_add),
	F("cap_drop", F_STRV, cap_drop),
	F("privileged", F_BOOL, privileged),
	F("readonly_rootfs", F_BOOL, readonly_rootfs),
	F("init", F_BOOL, init),
	F("memory", F_INT64, memory),
	F("memory_swap", F_INT64, memory_swap),
	F("memory_reservation", F_INT64, memory_reservation),
	F("nano_cpus", F_INT64, nano_cpus),
	F("cpu_shares", F_INT64, cpu_shares),
	F("cpu_period", F_INT64, cpu_period),
	F("cpu_quota", F_INT64, cpu_quota),
	F("pids_limit", F_INT64, pids_limit),
	F("shm_size", F_INT64, shm_size),
	F("cpuset_cpus", F_STR, cpuset_cpus),
	F("cpuset_mems", F_STR, cpuset_mems),
	F("dns", F_STRV, dns),
	F("dns_search", F_STRV, dns_search),
	F("dns_options", F_STRV, dns_options),
	F("extra_hosts", F_STRV, extra_hosts),
	F("security_opt", F_STRV, security_opt),
	F("group_add", F_STRV, group_add),
	F("oom_kill_disable", F_BOOL, oom_kill_disable),
	F("oom_score_adj", F_INT, oom_score_adj),
	F("ulimits", F_JSON, ulimits),
	F("log_driver", F_STR, log_driver),
	F("log_opts", F_JSON, log_opts),
	F("sysctls", F_JSON, sysctls),
	F("stop_timeout_set", F_BOOL, stop_timeout_set),
	F("cpu_rt_period", F_INT64, cpu_rt_period),
	F("cpu_rt_runtime", F_INT64, cpu_rt_runtime),
	F("blkio_weight", F_INT, blkio_weight),
	F("blkio_weight_device", F_JSON, blkio_weight_device),
	F("blkio_read_bps", F_JSON, blkio_read_bps),
	F("blkio_write_bps", F_JSON, blkio_write_bps),
	F("blkio_read_iops", F_JSON, blkio_read_iops),
	F("blkio_write_iops", F_JSON, blkio_write_iops),
	F("pid_mode", F_STR, pid_mode),
	F("ipc_mode", F_STR, ipc_mode),
	F("uts_mode", F_STR, uts_mode),
	F("userns_mode", F_STR, userns_mode),
	F("cgroupns_mode", F_STR, cgroupns_mode),
	F("runtime", F_STR, runtime),
	F("isolation", F_STR, isolation),
	F("devices", F_JSON, devices),
	F("device_cgroup_rules", F_STRV, device_cgroup_rules),
	F("container_id_file", F_STR, container_id_file),
	F("volume_driver", F_STR, volume_driver),
	F("annotations", F_JSON, annotations),
	F("mounts_sent", F_JSON, mounts_sent),
	F("masked_paths", F_JSON, masked_paths),
	F("readonly_paths", F_JSON, readonly_paths),
	F("memory_swappiness", F_JSON, memory_swappiness),
};
#undef F

void
spec_release(struct container_spec *s)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		void *p = (char *)s + fields[i].off;
		switch (fields[i].type) {
		case F_STR: free(*(char **)p); break;
		case F_STRV: strv_free(*(char ***)p); break;
		case F_JSON: json_decref(*(json_t **)p); break;
		default: break;
		}
	}
	for (size_t i = 0; i < s->n_ports; i++)
		portmap_request_release(&s->ports[i]);
	free(s->ports);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
		free(s->mounts[i].options);
	}
	free(s->mounts);
	memset(s, 0, sizeof(*s));
}

static char *
strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
spec_copy(const struct container_spec *s, struct container_spec *ret)
{
	struct container_spec c = *s;

	/* Scalars come with the struct copy; owned members are duplicated. */
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		void *p = (char *)&c + fields[i].off;
		switch (fields[i].type) {
		case F_STR: *(char **)p = strdup_or_null(*(char **)p); break;
		case F_STRV: *(char ***)p = strv_dup(*(char ***)p); break;
		case F_JSON:
			*(json_t **)p = *(json_t **)p ? json_deep_copy(*(json_t **)p) : NULL;
			break;
		default: break;
		}
	}
	c.ports = xcalloc(s->n_ports + 1, sizeof(*c.ports));
	for (size_t i = 0; i < s->n_ports; i++) {
		c.ports[i] = s->ports[i];
		c.ports[i].host_ip = strdup_or_null(s->ports[i].host_ip);
		c.ports[i].host_port = strdup_or_null(s->ports[i].host_port);
	}
	c.mounts = xcalloc(s->n_mounts + 1, sizeof(*c.mounts));
	for (size_t i = 0; i < s->n_mounts; i++) {
		c.mounts[i] = s->mounts[i];
		c.mounts[i].source = strdup_or_null(s->mounts[i].source);
		c.mounts[i].target = strdup_or_null(s->mounts[i].target);
		c.mounts[i].options = strdup_or_null(s->mounts[i].options);
	}
	*ret = c;
}

static json_t *
jstr(const char *s)
{
	json_t *j = s ? json_string(s) : json_null();
	return j ? j : json_string("");
}

json_t *
spec_to_json(const struct container_spec *s)
{
	json_t *o = json_object(), *ports = json_array(), *mounts = json_array();

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const void *p = (const char *)s + fields[i].off;
		json_t *v = NULL;
		switch (fields[i].type) {
		case F_STR: v = jstr(*(char *const *)p); break;
		case F_STRV: v = strv_to_json(*(char **const *)p); break;
		case F_BOOL: v = json_boolean(*(const bool *)p); break;
		case F_INT: v = json_integer(*(const int *)p); break;
		case F_INT64: v = json_integer(*(const int64_t *)p); break;
		case F_JSON: v = *(json_t *const *)p ? json_deep_copy(*(json_t *const *)p) : json_null(); break;
		}
		json_object_set_new(o, fields[i].key, v);
	}
	/* The container side as "80/tcp", the format berth has always kept. */
	for (size_t i = 0; i < s->n_ports; i++) {
		char key[PORTMAP_KEY_MAX];
		portmap_request_key(&s->ports[i], key);
		json_array_append_new(ports, json_pack("{s:s,s:o,s:o}", "port", key, "host_ip",
						       jstr(s->ports[i].host_ip), "host_port",
						       jstr(s->ports[i].host_port)));
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		json_array_append_new(mounts, json_pack("{s:i,s:o,s:o,s:b,s:o,s:b}", "type",
							(int)s->mounts[i].type, "source",
							jstr(s->mounts[i].source), "target",
							jstr(s->mounts[i].target), "readonly",
							s->mounts[i].readonly, "options",
							jstr(s->mounts[i].options), "nocopy",
							s->mounts[i].nocopy));
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "mounts", mounts);
	return o;
}

static char *
dup_or_null(json_t *j)
{
	return json_is_string(j) ? xstrdup(json_string_value(j)) : NULL;
}

int
spec_from_json(json_t *j, struct container_spec *ret, struct err *e)
{
	struct container_spec s = {0};
	json_t *a, *item;
	size_t i;

	if (!json_is_object(j))
		return err_set(e, -EINVAL, "container spec is not an object");
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		void *p = (char *)&s + fields[k].off;
		json_t *v = json_object_get(j, fields[k].key);
		switch (fields[k].type) {
		case F_STR: *(char **)p = dup_or_null(v); break;
		case F_STRV:
			if (strv_from_json(v, (char ***)p) < 0) {
				spec_release(&s);
				return err_set(e, -EINVAL, "container spec: bad '%s'", fields[k].key);
			}
			break;
		case F_BOOL: *(bool *)p = json_is_true(v); break;
		case F_INT: *(int *)p = (int)json_integer_value(v); break;
		case F_INT64: *(int64_t *)p = (int64_t)json_integer_value(v); break;
		case F_JSON: *(json_t **)p = v && !json_is_null(v) ? json_deep_copy(v) : NULL; break;
		}
	}
	if (!s.labels)
		s.labels = json_object();
	/* Specs written before stop_timeout_set kept -1 for "unset". */
	if (!json_object_get(j, "stop_timeout_set"))
		s.stop_timeout_set = s.stop_timeout >= 0;
	a = json_object_get(j, "ports");
	s.ports = xcalloc(json_array_size(a) + 1, sizeof(*s.ports));
	json_array_foreach(a, i, item) {
		struct portmap_request *pr = &s.ports[i];
		const char *key = json_string_value(json_object_get(item, "port"));
		const char *hip = json_string_value(json_object_get(item, "host_ip"));
		const char *hport = json_string_value(json_object_get(item, "host_port"));
		if (!key || portmap_parse_request_key(key, &pr->container_port, &pr->proto, e) < 0) {
			spec_release(&s);
			return err_set(e, -EINVAL, "container spec: bad 'ports'");
		}
		pr->host_ip = xstrdup(hip ? hip : "");
		pr->host_port = xstrdup(hport ? hport : "");
		s.n_ports++;
	}
	a = json_object_get(j, "mounts");
	s.mounts = xcalloc(json_array_size(a) + 1, sizeof(*s.mounts));
	json_array_foreach(a, i, item) {
		s.mounts[i].type = (enum mount_type)json_integer_value(json_object_get(item, "type"));
		s.mounts[i].source = dup_or_null(json_object_get(item, "source"));
		s.mounts[i].target = dup_or_null(json_object_get(item, "target"));
		s.mounts[i].readonly = json_is_true(json_object_get(item, "readonly"));
		s.mounts[i].options = dup_or_null(json_object_get(item, "options"));
		s.mounts[i].nocopy = json_is_true(json_object_get(item, "nocopy"));
		s.n_mounts++;
	}
	*ret = s;
	return 0;
}

/* {"key": {}, ...} for Docker's set-shaped fields; null when unset. */
static json_t *
keys_json(char *const *v)
{
	json_t *o;

	if (!v)
		return json_null();
	o = json_object();
	for (size_t i = 0; v[i]; i++)
		json_object_set_new(o, v[i], json_object());
	return o;
}

json_t *
spec_config_json(const struct container_spec *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "Hostname", jsonget_text(s->hostname));
	json_object_set_new(o, "Domainname", jsonget_text(s->domainname));
	json_object_set_new(o, "User", jsonget_text(s->user));
	json_object_set_new(o, "AttachStdin", json_boolean(s->attach_stdin));
	json_object_set_new(o, "AttachStdout", json_boolean(s->attach_stdout));
	json_object_set_new(o, "AttachStderr", json_boolean(s->attach_stderr));
	if (s->exposed_ports)
		json_object_set_new(o, "ExposedPorts", keys_json(s->exposed_ports));
	json_object_set_new(o, "Tty", json_boolean(s->tty));
	json_object_set_new(o, "OpenStdin", json_boolean(s->open_stdin));
	json_object_set_new(o, "StdinOnce", json_boolean(s->stdin_once));
	json_object_set_new(o, "Env", strv_to_json(s->env));
	json_object_set_new(o, "Cmd", strv_to_json(s->cmd));
	if (s->healthcheck)
		json_object_set(o, "Healthcheck", s->healthcheck);
	json_object_set_new(o, "Image", jsonget_text(s->image));
	json_object_set_new(o, "Volumes", keys_json(s->volumes));
	json_object_set_new(o, "WorkingDir", jsonget_text(s->working_dir));
	json_object_set_new(o, "Entrypoint", strv_to_json(s->entrypoint));
	json_object_set_new(o, "OnBuild", strv_to_json(s->onbuild));
	json_object_set(o, "Labels", s->labels);
	if (s->stop_signal && *s->stop_signal)
		json_object_set_new(o, "StopSignal", jsonget_text(s->stop_signal));
	if (s->stop_timeout_set)
		json_object_set_new(o, "StopTimeout", json_integer(s->stop_timeout));
	if (s->shell)
		json_object_set_new(o, "Shell", strv_to_json(s->shell));
	return o;
}
