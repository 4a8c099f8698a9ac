/* SPDX-License-Identifier: Apache-2.0 */
/* runspec_build: a hand-made container (as docker run leaves it after the
 * create merge) on a two-layer image in a private store → the runtime spec. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/container/limits.h"
#include "engine/container/runspec.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"
#include "tests/unit/engine/store/store_fixture.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct volumes *vols;
static struct containers *cs;
static struct container ctr;
static char chain_bottom[72], chain_top[72];

static void
setup(void)
{
	char diffs[2][72], image_id[72];
	const char *d[2] = {diffs[0], diffs[1]};
	struct err e = ERR_INIT;

	fx_setup();
	fx_layer(NULL, "bin/sh", "#!", chain_bottom, diffs[0]);
	fx_layer(chain_bottom, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", chain_top, diffs[1]);
	fx_image(d, 2, "2024-01-01T00:00:00Z", NULL, NULL, image_id);

	cr_assert_eq(volumes_open(fx_root, &vols, &e), 0, "%s", e.msg);
	cr_assert_eq(containers_open(&(struct containers_config){ .data_root = fx_root,
								   .store = fx_store,
								   .volumes = vols },
				     &cs, &e), 0, "%s", e.msg);

	memset(&ctr, 0, sizeof(ctr));
	strcpy(ctr.id, ID);
	ctr.image_id = xstrdup(image_id);
	ctr.path = xstrdup("/bin/sh");
	strv_append(&ctr.args, "-c");
	strv_append(&ctr.args, "echo hi");
	ctr.dir = xasprintf("%s/containers/%s", fx_root, ID);
	ctr.log_path = xasprintf("%s/%s-json.log", ctr.dir, ID);
	ctr.spec.labels = json_object();
	ctr.spec.hostname = xstrdup("0123456789ab");
	ctr.spec.user = xstrdup("");
	ctr.spec.working_dir = xstrdup("");
}

static void
teardown(void)
{
	spec_release(&ctr.spec);
	free(ctr.image_id);
	free(ctr.path);
	strv_free(ctr.args);
	free(ctr.dir);
	free(ctr.log_path);
	free(ctr.ep.netns);
	free(ctr.ep.network);
	containers_close(cs);
	volumes_close(vols);
	fx_teardown();
}

TestSuite(runspec, .init = setup, .fini = teardown);

static void
build(struct runtime_spec *rs)
{
	struct err e = ERR_INIT;

	memset(rs, 0, sizeof(*rs));
	cr_assert_eq(runspec_build(cs, &ctr, rs, &e), 0, "%s", e.msg);
}

static bool
has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static size_t
count_prefix(char **v, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; v && v[i]; i++)
		n += strncmp(v[i], prefix, strlen(prefix)) == 0;
	return n;
}

static const struct runtime_mount *
mount_at(const struct runtime_spec *rs, const char *dest)
{
	const struct runtime_mount *found = NULL;

	for (size_t i = 0; i < rs->n_mounts; i++)
		if (strcmp(rs->mounts[i].destination, dest) == 0)
			found = &rs->mounts[i]; /* the last one wins, as in the shim */
	return found;
}

static void
add_mount(enum mount_type type, const char *source, const char *target, bool ro,
	  const char *options)
{
	struct container_spec *s = &ctr.spec;

	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = (struct mount_spec){
		.type = type,
		.source = source ? xstrdup(source) : NULL,
		.target = xstrdup(target),
		.readonly = ro,
		.options = options ? xstrdup(options) : NULL,
	};
}

Test(runspec, process_from_the_container)
{
	struct runtime_spec rs;

	strv_append(&ctr.spec.env, "PATH=/opt/bin");
	strv_append(&ctr.spec.env, "A=1");
	build(&rs);
	cr_assert_eq(strv_len(rs.args), 3);
	cr_expect_str_eq(rs.args[0], "/bin/sh");
	cr_expect_str_eq(rs.args[1], "-c");
	cr_expect_str_eq(rs.args[2], "echo hi");
	cr_expect(has(rs.env, "PATH=/opt/bin"), "the container's PATH is kept");
	cr_expect_eq(count_prefix(rs.env, "PATH="), 1);
	cr_expect(has(rs.env, "A=1"));
	cr_expect_eq(count_prefix(rs.env, "TERM="), 0, "no TERM without a TTY");
	cr_expect_str_eq(rs.cwd, "/", "an empty working dir is /");
	cr_expect_str_eq(rs.user, "");
	cr_expect_str_eq(rs.hostname, "0123456789ab");
	cr_expect_not(rs.terminal);
	cr_expect_not(rs.init);
	cr_expect_str_eq(rs.log_path, ctr.log_path);
	cr_expect_str_eq(rs.cgroup_path, "berth/" ID);
	runtime_spec_release(&rs);
}

Test(runspec, default_path_added_when_the_env_has_none)
{
	struct runtime_spec rs;

	strv_append(&ctr.spec.env, "A=1");
	build(&rs);
	cr_expect(has(rs.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	cr_expect(has(rs.env, "A=1"));
	runtime_spec_release(&rs);
}

Test(runspec, tty_adds_term_unless_set)
{
	struct runtime_spec rs;

	ctr.spec.tty = true;
	ctr.spec.open_stdin = true;
	ctr.spec.stdin_once = true;
	ctr.spec.console_height = 40;
	ctr.spec.console_width = 132;
	build(&rs);
	cr_expect(has(rs.env, "TERM=xterm"));
	cr_expect(rs.terminal);
	cr_expect(rs.open_stdin);
	cr_expect(rs.stdin_once);
	cr_expect_eq(rs.console_height, 40);
	cr_expect_eq(rs.console_width, 132);
	runtime_spec_release(&rs);

	strv_append(&ctr.spec.env, "TERM=vt100");
	build(&rs);
	cr_expect(has(rs.env, "TERM=vt100"));
	cr_expect_eq(count_prefix(rs.env, "TERM="), 1);
	runtime_spec_release(&rs);
}

Test(runspec, user_groups_workdir_and_init)
{
	struct runtime_spec rs;

	free(ctr.spec.user);
	ctr.spec.user = xstrdup("1000:wheel");
	strv_append(&ctr.spec.group_add, "audio");
	strv_append(&ctr.spec.group_add, "65534");
	free(ctr.spec.working_dir);
	ctr.spec.working_dir = xstrdup("/srv/app");
	ctr.spec.init = true;
	build(&rs);
	cr_expect_str_eq(rs.user, "1000:wheel");
	cr_assert_eq(strv_len(rs.additional_groups), 2);
	cr_expect_str_eq(rs.additional_groups[0], "audio");
	cr_expect_str_eq(rs.additional_groups[1], "65534");
	cr_expect_str_eq(rs.cwd, "/srv/app");
	cr_expect(rs.init);
	runtime_spec_release(&rs);
}

Test(runspec, root_is_the_image_layers_topmost_first)
{
	struct runtime_spec rs;
	/* layers/<chain ID hex>/diff */
	char *top = xasprintf("%s/layers/%s/diff", fx_root, chain_top + strlen("sha256:"));
	char *bottom = xasprintf("%s/layers/%s/diff", fx_root, chain_bottom + strlen("sha256:"));

	build(&rs);
	cr_assert_eq(strv_len(rs.lowerdirs), 2);
	cr_expect_str_eq(rs.lowerdirs[0], top);
	cr_expect_str_eq(rs.lowerdirs[1], bottom);
	cr_expect_not(rs.readonly_root);
	runtime_spec_release(&rs);
	free(top);
	free(bottom);

	char *upper = xasprintf("%s/rw/upper", ctr.dir), *work = xasprintf("%s/rw/work", ctr.dir);
	ctr.spec.readonly_rootfs = true;
	build(&rs);
	cr_expect_str_eq(rs.upperdir, upper);
	cr_expect_str_eq(rs.workdir, work);
	cr_expect(rs.readonly_root);
	runtime_spec_release(&rs);
	free(upper);
	free(work);
}

Test(runspec, unknown_image_fails)
{
	struct runtime_spec rs = {0};
	struct err e = ERR_INIT;

	free(ctr.image_id);
	ctr.image_id = xstrdup("sha256:" ID);
	cr_expect_eq(runspec_build(cs, &ctr, &rs, &e), -ENOENT);
	cr_expect(strstr(e.msg, "No such image") != NULL, "%s", e.msg);
	runtime_spec_release(&rs);
}

Test(runspec, mounts_binds_volumes_tmpfs_and_etc_files)
{
	struct runtime_spec rs;
	const struct runtime_mount *m;
	char *vol = xasprintf("%s/volumes/data1/_data", fx_root);
	char *hosts = xasprintf("%s/hosts", ctr.dir);
	char *hostname = xasprintf("%s/hostname", ctr.dir);
	char *resolv = xasprintf("%s/resolv.conf", ctr.dir);

	add_mount(MOUNT_BIND, "/srv/www", "/var/www", true, NULL);
	add_mount(MOUNT_BIND, "/srv/rw", "/rw", false, NULL);
	add_mount(MOUNT_VOLUME, "data1", "/data", false, NULL);
	add_mount(MOUNT_TMPFS, NULL, "/run/x", false, "size=64m,mode=1777");
	add_mount(MOUNT_TMPFS, NULL, "/run/ro", true, NULL);
	build(&rs);

	cr_assert_not_null(m = mount_at(&rs, "/var/www"));
	cr_expect_str_eq(m->type, "bind");
	cr_expect_str_eq(m->source, "/srv/www");
	cr_expect(has(m->options, "rbind") && has(m->options, "rprivate") && has(m->options, "ro"));
	cr_assert_not_null(m = mount_at(&rs, "/rw"));
	cr_expect_not(has(m->options, "ro"));
	cr_assert_not_null(m = mount_at(&rs, "/data"));
	cr_expect_str_eq(m->type, "bind");
	cr_expect_str_eq(m->source, vol, "a volume is its _data directory");
	cr_assert_not_null(m = mount_at(&rs, "/run/x"));
	cr_expect_str_eq(m->type, "tmpfs");
	cr_assert_eq(strv_len(m->options), 4);
	cr_expect_str_eq(m->options[0], "nosuid");
	cr_expect_str_eq(m->options[1], "nodev");
	cr_expect_str_eq(m->options[2], "size=64m");
	cr_expect_str_eq(m->options[3], "mode=1777");
	cr_assert_not_null(m = mount_at(&rs, "/run/ro"));
	cr_expect(has(m->options, "ro"));
	cr_assert_not_null(m = mount_at(&rs, "/etc/hosts"));
	cr_expect_str_eq(m->source, hosts);
	cr_expect_not(has(m->options, "ro"));
	cr_assert_not_null(m = mount_at(&rs, "/etc/hostname"));
	cr_expect_str_eq(m->source, hostname);
	cr_assert_not_null(m = mount_at(&rs, "/etc/resolv.conf"));
	cr_expect_str_eq(m->source, resolv);
	cr_expect_not_null(mount_at(&rs, "/proc"), "dockerd's default mounts stay");
	runtime_spec_release(&rs);
	free(vol);
	free(hosts);
	free(hostname);
	free(resolv);
}

Test(runspec, capabilities_and_privileged)
{
	struct runtime_spec rs;
	struct err e = ERR_INIT;

	build(&rs);
	cr_expect(has(rs.caps, "CAP_CHOWN"));
	cr_expect_not(has(rs.caps, "CAP_NET_ADMIN"));
	cr_expect_not(rs.privileged);
	cr_expect_eq(rs.seccomp, RUNTIME_SECCOMP_DEFAULT);
	cr_expect_not_null(rs.masked_paths);
	cr_expect_not_null(rs.readonly_paths);
	runtime_spec_release(&rs);

	strv_append(&ctr.spec.cap_add, "net_admin");
	strv_append(&ctr.spec.cap_drop, "CAP_CHOWN");
	build(&rs);
	cr_expect(has(rs.caps, "CAP_NET_ADMIN"));
	cr_expect_not(has(rs.caps, "CAP_CHOWN"));
	runtime_spec_release(&rs);

	ctr.spec.privileged = true;
	build(&rs);
	cr_expect(rs.privileged);
	cr_expect(has(rs.caps, "CAP_SYS_ADMIN"));
	cr_expect_eq(rs.seccomp, RUNTIME_SECCOMP_UNCONFINED);
	cr_expect_null(rs.masked_paths);
	cr_expect_null(rs.readonly_paths);
	runtime_spec_release(&rs);

	ctr.spec.privileged = false;
	strv_append(&ctr.spec.cap_add, "NOT_A_CAP");
	memset(&rs, 0, sizeof(rs));
	cr_expect_eq(runspec_build(cs, &ctr, &rs, &e), -EINVAL);
	runtime_spec_release(&rs);
}

Test(runspec, security_options)
{
	struct runtime_spec rs;
	struct err e = ERR_INIT;

	strv_append(&ctr.spec.security_opt, "no-new-privileges");
	strv_append(&ctr.spec.security_opt, "seccomp=unconfined");
	strv_append(&ctr.spec.security_opt, "apparmor=unconfined");
	build(&rs);
	cr_expect(rs.no_new_privs);
	cr_expect_eq(rs.seccomp, RUNTIME_SECCOMP_UNCONFINED);
	runtime_spec_release(&rs);

	strv_append(&ctr.spec.security_opt, "no-new-privileges=false");
	build(&rs);
	cr_expect_not(rs.no_new_privs, "the last word wins");
	runtime_spec_release(&rs);

	/* a seccomp profile is parsed at start and handed to the shim */
	strv_append(&ctr.spec.security_opt, "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\","
					    "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
					    "\"SCMP_ACT_ERRNO\"}]}");
	build(&rs);
	cr_expect_eq(rs.seccomp, RUNTIME_SECCOMP_PROFILE);
	cr_expect(rs.seccomp_profile && strstr(rs.seccomp_profile, "mkdir"));
	runtime_spec_release(&rs);

	strv_append(&ctr.spec.security_opt, "seccomp={\"defaultAction\":\"SCMP_ACT_SOMETIMES\"}");
	memset(&rs, 0, sizeof(rs));
	cr_expect_eq(runspec_build(cs, &ctr, &rs, &e), -EIO, "a start error: 500 as dockerd");
	cr_expect_str_eq(e.msg, "string SCMP_ACT_SOMETIMES is not a valid action for seccomp");
	runtime_spec_release(&rs);
}

/* dockerd's parseSecurityOpt, at create. */
Test(runspec, security_options_checked_at_create)
{
	char *good[] = {"no-new-privileges",
			"no-new-privileges=false",
			"no-new-privileges:true",
			"label=level:s0",
			"label:disable",
			"disable",
			"apparmor=unconfined",
			"seccomp=unconfined",
			"seccomp={}",
			NULL};
	struct {
		const char *opt, *msg;
	} bad[] = {
		{"bogus", "invalid --security-opt 1: \"bogus\""},
		{"bogus=1", "invalid --security-opt 2: \"bogus=1\""},
		{"no-new-privileges=maybe", "invalid --security-opt 2: "
					    "\"no-new-privileges=maybe\""},
		{"systempaths=unconfined", "invalid --security-opt 2: \"systempaths=unconfined\""},
	};
	struct err e = ERR_INIT;

	cr_expect_eq(limits_check_security_opts(good, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *v[] = {(char *)bad[i].opt, NULL};
		e = (struct err)ERR_INIT;
		cr_expect_eq(limits_check_security_opts(v, &e), -EINVAL, "%s", bad[i].opt);
		cr_expect_str_eq(e.msg, bad[i].msg);
	}
}

/* Ulimits (with the daemon's defaults), OOM score, masked paths, rt and blkio into the runtime spec. */
Test(runspec, limits_reach_the_runtime_spec)
{
	struct runtime_spec rs;
	struct err e = ERR_INIT;

	ctr.spec.ulimits = json_pack("[{s:s,s:i,s:i}]", "Name", "nofile", "Soft", 1024, "Hard",
				     2048);
	json_t *dflt = json_pack("{s:{s:s,s:i,s:i},s:{s:s,s:i,s:i}}", "nofile", "Name", "nofile",
				 "Soft", 10, "Hard", 10, "nproc", "Name", "nproc", "Soft", -1,
				 "Hard", -1);
	struct containers *cs2;

	/* a second service opened with the daemon's default-ulimits */
	cr_assert_eq(containers_open(&(struct containers_config){.data_root = fx_root,
								 .store = fx_store,
								 .volumes = vols,
								 .default_ulimits = dflt},
				     &cs2, &e),
		     0, "%s", e.msg);
	json_decref(dflt);
	ctr.spec.oom_score_adj = 300;
	ctr.spec.masked_paths = json_array();
	ctr.spec.cpu_rt_runtime = 5000;
	ctr.spec.oom_kill_disable = true;
	ctr.spec.blkio_read_bps = json_pack("[{s:s,s:i}]", "Path", "/dev/null", "Rate", 4096);
	memset(&rs, 0, sizeof(rs));
	cr_assert_eq(runspec_build(cs2, &ctr, &rs, &e), 0, "%s", e.msg);
	cr_assert_eq(rs.n_rlimits, 2);
	cr_expect_eq(rs.rlimits[0].soft, 1024, "the container's own ulimit wins");
	cr_expect_eq(rs.rlimits[1].hard, -1, "the daemon's default for the others");
	cr_expect(rs.oom_score_adj_set);
	cr_expect_eq(rs.oom_score_adj, 300);
	cr_expect_null(rs.masked_paths[0], "systempaths=unconfined: nothing masked");
	cr_expect_not_null(rs.readonly_paths[0]);
	cr_expect_eq(rs.res.cpu_rt_runtime, 5000);
	cr_expect(rs.res.oom_kill_disable);
	cr_assert_eq(rs.res.n_blkio_devices, 1);
	cr_expect_eq(rs.res.blkio_devices[0].major, 1);
	cr_expect_eq(rs.res.blkio_devices[0].minor, 3);
	runtime_spec_release(&rs);

	json_decref(ctr.spec.blkio_read_bps);
	ctr.spec.blkio_read_bps = json_pack("[{s:s,s:i}]", "Path", "/dev/berth-none", "Rate", 1);
	memset(&rs, 0, sizeof(rs));
	cr_expect_eq(runspec_build(cs, &ctr, &rs, &e), -EIO);
	cr_expect_str_eq(e.msg, "stat /dev/berth-none: no such file or directory");
	runtime_spec_release(&rs);
	containers_close(cs2);
}

Test(runspec, network_namespace)
{
	struct runtime_spec rs;

	build(&rs);
	cr_expect_eq(rs.netns, RUNTIME_NETNS_NONE, "no endpoint: --network none");
	runtime_spec_release(&rs);

	ctr.ep.network = xstrdup("host");
	build(&rs);
	cr_expect_eq(rs.netns, RUNTIME_NETNS_HOST);
	runtime_spec_release(&rs);

	free(ctr.ep.network);
	ctr.ep.network = xstrdup("bridge");
	ctr.ep.netns = xstrdup("/run/berth/netns/" ID);
	build(&rs);
	cr_expect_eq(rs.netns, RUNTIME_NETNS_PATH);
	cr_expect_str_eq(rs.netns_path, "/run/berth/netns/" ID);
	runtime_spec_release(&rs);
}

Test(runspec, cgroup_limits)
{
	struct runtime_spec rs;
	struct container_spec *s = &ctr.spec;

	s->memory = 64 << 20;
	s->memory_swap = -1;
	s->cpu_shares = 512;
	s->nano_cpus = 1500000000; /* --cpus 1.5 */
	s->cpu_quota = 1234;	   /* ignored next to --cpus */
	s->pids_limit = 100;
	s->cpuset_cpus = xstrdup("0-1");
	s->cpuset_mems = xstrdup("");
	build(&rs);
	cr_expect_eq(rs.res.memory, 64 << 20);
	cr_expect_eq(rs.res.memory_swap, -1);
	cr_expect_eq(rs.res.cpu_shares, 512);
	cr_expect_eq(rs.res.cpu_period, 100000);
	cr_expect_eq(rs.res.cpu_quota, 150000);
	cr_expect_eq(rs.res.pids_limit, 100);
	cr_expect_str_eq(rs.res.cpuset_cpus, "0-1");
	cr_expect_null(rs.res.cpuset_mems, "an empty cpuset is unset");
	runtime_spec_release(&rs);

	s->nano_cpus = 0;
	s->cpu_period = 50000;
	s->cpu_quota = 25000;
	s->cpu_shares = -5;
	build(&rs);
	cr_expect_eq(rs.res.cpu_period, 50000);
	cr_expect_eq(rs.res.cpu_quota, 25000);
	cr_expect_eq(rs.res.cpu_shares, 0, "a negative share is unset");
	runtime_spec_release(&rs);
}
