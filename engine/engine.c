/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The composition root: directories, the data-root lock, the daemon ID, and
 * the wiring of every subsystem, each opened with exactly the handles and
 * configuration it needs, in dependency order (foundations, then the image,
 * container and build services), and closed in reverse. Also host facts for
 * /info. This is the only engine file that knows every module.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/build/builder.h"
#include "engine/events/events.h"
#include "engine/volume/volume.h"
#include "engine/store/store.h"
#include "engine/image/image.h"
#include "engine/registry/registry.h"
#include "engine/container/container.h"
#include "engine/container/exec.h"
#include "engine/container/lifecycle.h"
#include "engine/container/recover.h"
#include "engine/network/dns.h"
#include "engine/network/network.h"
#include "engine/runtime/runtime.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/timeutil.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

void
engine_config_release(struct engine_config *cfg)
{
	free(cfg->data_root);
	free(cfg->exec_root);
	strv_free(cfg->insecure_registries);
	strv_free(cfg->registry_mirrors);
	strv_free(cfg->labels);
	free(cfg->bridge_name);
	free(cfg->bridge_cidr);
	strv_free(cfg->address_pools);
	strv_free(cfg->dns);
	strv_free(cfg->dns_search);
	strv_free(cfg->dns_options);
	free(cfg->host_gateway_ip);
	json_decref(cfg->default_ulimits);
	free(cfg->log_driver);
	strv_free(cfg->log_opts);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Creates @path 0700, or tightens an existing one to 0700: nothing under
 * the data and exec roots (image layers, container files, logs, sockets)
 * is for other users. Container processes never walk these paths: the shim
 * mounts everything as root before it drops to the container's user.
 */
static int
private_root(const char *path, const char *what, struct err *e)
{
	struct stat st;
	int r = fs_mkdir_p(path, 0700);

	if (r < 0)
		return err_errno(e, r, "cannot create %s '%s'", what, path);
	if (stat(path, &st) < 0)
		return err_errno(e, -errno, "cannot stat %s '%s'", what, path);
	if ((st.st_mode & 07777) != 0700 && chmod(path, 0700) < 0)
		return err_errno(e, -errno, "cannot make %s '%s' private (0700)", what, path);
	return 0;
}

static int
take_lock(struct engine *eng, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/berth.lock", eng->cfg.data_root);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	char pid[32];

	if (fd < 0)
		return err_errno(e, -errno, "cannot open lock file '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;
		_cleanup_buf_ struct buf other = BUF_INIT;
		if (saved != EWOULDBLOCK)
			return err_errno(e, -saved, "cannot lock '%s'", path);
		(void)fs_read_file(path, 64, &other);
		if (other.len && other.data[other.len - 1] == '\n')
			other.data[--other.len] = '\0';
		return err_set(e, -EBUSY,
			       "data root '%s' is in use by another berthd%s%s%s; "
			       "stop it or choose another --data-root",
			       eng->cfg.data_root, other.len ? " (pid " : "",
			       other.len ? other.data : "", other.len ? ")" : "");
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		log_warn("cannot record pid in '%s': %s, ignoring", path, strerror(errno));
	eng->lock_fd = TAKE_FD(fd);
	return 0;
}

/* The embedded DNS server's names are networking's (containers sharing a
 * user network); these adapt the callbacks' untyped handle. */
static int
dns_lookup_name(void *cls, const char *container_id, const char *name, struct in_addr *v4,
		size_t *n_v4, struct in6_addr *v6, size_t *n_v6)
{
	return network_resolve_name(cls, container_id, name, v4, n_v4, v6, n_v6);
}

static int
dns_lookup_addr(void *cls, const char *container_id, int family, const void *addr, char *name,
		size_t size)
{
	return network_resolve_addr(cls, container_id, family, addr, name, size);
}

static int
load_or_make_id(struct engine *eng, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/engine-id", eng->cfg.data_root);
	_cleanup_buf_ struct buf b = BUF_INIT;
	int r = fs_read_file(path, 128, &b);

	if (r == 0 && b.len >= 64 && str_is_hex((b.data[64] = '\0', b.data), 64)) {
		memcpy(eng->id, b.data, 65);
		return 0;
	}
	id_random_hex(eng->id);
	r = fs_write_atomic(path, eng->id, 64, 0600);
	if (r < 0)
		return err_errno(e, r, "cannot write '%s'", path);
	return 0;
}

int
engine_open(const struct engine_config *cfg, struct engine **ret, struct err *e)
{
	struct engine *eng = xcalloc(1, sizeof(*eng));
	int r;

	eng->lock_fd = -1;
	eng->started_ns = time_now_ns();
	eng->events = events_new();
	eng->execs = execs_new();
	eng->cfg.data_root = xstrdup(cfg->data_root ? cfg->data_root : "/var/lib/berth");
	eng->cfg.exec_root = xstrdup(cfg->exec_root ? cfg->exec_root : "/run/berth");
	eng->cfg.insecure_registries = strv_copy_nonnull((char *const *)cfg->insecure_registries);
	eng->cfg.registry_mirrors = strv_copy_nonnull((char *const *)cfg->registry_mirrors);
	eng->cfg.labels = strv_copy_nonnull((char *const *)cfg->labels);
	eng->cfg.bridge_name = xstrdup(cfg->bridge_name ? cfg->bridge_name : "berth0");
	eng->cfg.bridge_cidr = xstrdup(cfg->bridge_cidr ? cfg->bridge_cidr : "10.88.0.1/16");
	eng->cfg.address_pools = strv_dup(cfg->address_pools);
	eng->cfg.dns = strv_copy_nonnull((char *const *)cfg->dns);
	eng->cfg.dns_search = strv_copy_nonnull((char *const *)cfg->dns_search);
	eng->cfg.dns_options = strv_copy_nonnull((char *const *)cfg->dns_options);
	eng->cfg.host_gateway_ip = cfg->host_gateway_ip ? xstrdup(cfg->host_gateway_ip) : NULL;
	eng->cfg.default_ulimits = cfg->default_ulimits ? json_deep_copy(cfg->default_ulimits)
							: NULL;
	eng->cfg.log_driver = xstrdup(cfg->log_driver ? cfg->log_driver : "json-file");
	eng->cfg.log_opts = strv_copy_nonnull((char *const *)cfg->log_opts);
	eng->cfg.debug = cfg->debug;
	eng->cfg.max_download_attempts = cfg->max_download_attempts;
	eng->cfg.retry_unit_ms = cfg->retry_unit_ms;

	r = private_root(eng->cfg.data_root, "data root", e);
	if (r < 0)
		goto fail;
	r = take_lock(eng, e);
	if (r < 0)
		goto fail;
	r = private_root(eng->cfg.exec_root, "exec root", e);
	if (r < 0)
		goto fail;
	/* Spooled uploads and partial downloads of a crashed run are garbage. */
	eng->tmp_dir = xasprintf("%s/tmp", eng->cfg.data_root);
	(void)fs_rm_rf(eng->tmp_dir);
	r = fs_mkdir_p(eng->tmp_dir, 0700);
	if (r < 0) {
		err_errno(e, r, "cannot create '%s'", eng->tmp_dir);
		goto fail;
	}
	r = load_or_make_id(eng, e);
	if (r < 0)
		goto fail;
	r = volumes_open(eng->cfg.data_root, &eng->volumes, e);
	if (r < 0)
		goto fail;
	eng->registry = registry_client_new(&(struct registry_config){
		.insecure_registries = (const char *const *)eng->cfg.insecure_registries,
		.mirrors = (const char *const *)eng->cfg.registry_mirrors,
		.max_attempts = eng->cfg.max_download_attempts,
		.retry_unit_ms = eng->cfg.retry_unit_ms,
	});
	r = store_open(eng->cfg.data_root, &eng->store, e);
	if (r < 0)
		goto fail;
	eng->images = images_new(&(struct images_config){
		.store = eng->store,
		.registry = eng->registry,
		.events = eng->events,
		.tmp_dir = eng->tmp_dir,
		.max_downloads = cfg->max_concurrent_downloads,
		.max_uploads = cfg->max_concurrent_uploads,
	});
	/* Tolerant: a bridge that cannot be set up only fails bridged containers. */
	r = network_open(
		&(struct network_config){
			.data_root = eng->cfg.data_root,
			.exec_root = eng->cfg.exec_root,
			.bridge_name = eng->cfg.bridge_name,
			.bridge_cidr = eng->cfg.bridge_cidr,
			.address_pools = eng->cfg.address_pools,
		},
		&eng->net, e);
	if (r < 0)
		goto fail;
	/* Upstreams: the daemon's --dns, else the host's resolv.conf
	 * nameservers minus loopback ones (dockerd). */
	struct dns_resolver resolver = {dns_lookup_name, dns_lookup_addr, eng->net};
	struct dns_config dns_cfg = {0};
	if (eng->cfg.dns[0])
		dns_cfg.upstreams = eng->cfg.dns;
	r = dns_server_new(&resolver, &dns_cfg, &eng->dns, e);
	if (r < 0)
		goto fail;
	r = containers_open(
		&(struct containers_config){
			.data_root = eng->cfg.data_root,
			.exec_root = eng->cfg.exec_root,
			.store = eng->store,
			.net = eng->net,
			.volumes = eng->volumes,
			.events = eng->events,
			.execs = eng->execs,
			.dns = eng->cfg.dns,
			.dns_search = eng->cfg.dns_search,
			.dns_options = eng->cfg.dns_options,
			.host_gateway_ip = eng->cfg.host_gateway_ip,
			.bridge_cidr = eng->cfg.bridge_cidr,
			.default_ulimits = eng->cfg.default_ulimits,
		},
		&eng->containers, e);
	if (r < 0)
		goto fail;
	containers_set_dns_server(eng->containers, eng->dns);
	r = containers_set_log_defaults(eng->containers, eng->cfg.log_driver, eng->cfg.log_opts, e);
	if (r < 0)
		goto fail;
	eng->builds = builds_new(&(struct builds_config){
		.store = eng->store,
		.images = eng->images,
		.containers = eng->containers,
		.tmp_dir = eng->tmp_dir,
		.max_builds = cfg->max_concurrent_builds,
	});
	/* Usage questions go to the container service, not through the root. */
	volumes_set_users_fn(eng->volumes, containers_volume_users, eng->containers);
	images_set_users_fn(eng->images, containers_image_users, eng->containers);
	/* Running containers survive daemon restarts: find them again. */
	r = recover_containers(eng->containers, e);
	if (r < 0)
		goto fail;
	*ret = eng;
	return 0;
fail:
	engine_close(eng);
	return r;
}

void
engine_close(struct engine *eng)
{
	if (!eng)
		return;
	/* health probes are execs, so they stop first; execs hold container references */
	containers_stop_probes(eng->containers);
	execs_free(eng->execs);
	builds_free(eng->builds);
	containers_close(eng->containers);
	dns_server_free(eng->dns); /* its names come from the network state */
	images_free(eng->images);
	registry_client_free(eng->registry);
	store_close(eng->store);
	network_shutdown(eng->net);
	network_close(eng->net);
	safe_close(eng->lock_fd);
	volumes_close(eng->volumes);
	events_free(eng->events);
	free(eng->tmp_dir);
	engine_config_release(&eng->cfg);
	free(eng);
}

static void
read_os_release(struct engine_info *info)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
	char line[512];

	snprintf(info->operating_system, sizeof(info->operating_system), "Linux");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v, *end;
		bool pretty = str_startswith(line, "PRETTY_NAME=", (const char **)&v);
		bool ver = !pretty && str_startswith(line, "VERSION_ID=", (const char **)&v);
		if (!pretty && !ver)
			continue;
		if (*v == '"')
			v++;
		end = v + strcspn(v, "\"\n");
		*end = '\0';
		if (pretty)
			snprintf(info->operating_system, sizeof(info->operating_system), "%s", v);
		else
			snprintf(info->os_version, sizeof(info->os_version), "%s", v);
	}
}

static const char *
fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "extfs";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlayfs";
	default: return "unknown";
	}
}

/*
 * br_netfilter's switch: "1" means bridged traffic passes iptables. Without
 * the module there is no such path at all, so nothing can be bypassed and
 * there is nothing to warn about.
 */
static bool
bridge_nf(const char *path)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (fs_read_file(path, 16, &b) < 0)
		return true;
	return b.len > 0 && b.data[0] == '1';
}

int
engine_shims_running(struct engine *eng)
{
	return runtime_count_shims(eng->cfg.exec_root);
}

int
engine_info(struct engine *eng, struct engine_info *ret, struct err *e)
{
	struct engine_info info = {0};
	struct utsname u;
	struct sysinfo si;
	struct statfs sfs;

	if (uname(&u) == 0) {
		snprintf(info.kernel_version, sizeof(info.kernel_version), "%s", u.release);
		snprintf(info.architecture, sizeof(info.architecture), "%s", u.machine);
		snprintf(info.hostname, sizeof(info.hostname), "%s", u.nodename);
	}
	read_os_release(&info);
	info.images = eng->store ? (int)store_count_images(eng->store) : 0;
	if (eng->containers) {
		size_t n = 0;
		struct container **list = containers_list(eng->containers, &n);
		for (size_t i = 0; i < n; i++) {
			struct container_state st;
			container_get_state(list[i], &st);
			info.containers++;
			if ((unsigned)st.status < sizeof(info.containers_by_status) / sizeof(int))
				info.containers_by_status[st.status]++;
			if (st.status == CONTAINER_PAUSED)
				info.containers_paused++;
			else if (st.status == CONTAINER_RUNNING || st.status == CONTAINER_RESTARTING)
				info.containers_running++;
			else
				info.containers_stopped++;
			container_state_release(&st);
		}
		containers_list_free(list, n);
	}
	info.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (sysinfo(&si) == 0)
		info.mem_total = (int64_t)si.totalram * (int64_t)si.mem_unit;
	/* A v2-only host has cgroup.controllers at the top of /sys/fs/cgroup. */
	info.cgroup_version = fs_exists("/sys/fs/cgroup/cgroup.controllers") ? 2 : 1;
	snprintf(info.backing_fs, sizeof(info.backing_fs), "%s",
		 statfs(eng->cfg.data_root, &sfs) == 0 ? fs_name(sfs.f_type) : "unknown");
	info.bridge_nf_iptables = bridge_nf("/proc/sys/net/bridge/bridge-nf-call-iptables");
	info.bridge_nf_ip6tables = bridge_nf("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
	*ret = info;
	return 0;
}
