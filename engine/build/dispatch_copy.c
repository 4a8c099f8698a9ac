/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY, ADD and WORKDIR: the instructions that make a layer without a
 * container (copy.h builds the tar). The cache key of COPY/ADD is the
 * content hash of the sources ("#(nop) COPY file:<sha256> in /dest "),
 * so a rebuild after touching a file's mtime still hits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/build/builder_internal.h"
#include "engine/build/copy.h"
#include "engine/build/rootfs_view.h"
#include "engine/dockerfile/dfconfig.h"
#include "engine/runtime/user.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static void
rootfs_view_freep(struct rootfs_view **v)
{
	rootfs_view_free(*v);
}
#define _cleanup_view_ __attribute__((cleanup(rootfs_view_freep)))

/* Shell prefix + one "#(nop) ..." word: the COPY/ADD marker shape. */
static char **
copy_cmd(json_t *cfg, const char *text)
{
	char **sh = NULL;

	if (strv_from_json(json_object_get(cfg, "Shell"), &sh) < 0 || !sh || !sh[0]) {
		strv_free(sh);
		sh = NULL;
		strv_append(&sh, "/bin/sh");
		strv_append(&sh, "-c");
	}
	strv_append(&sh, text);
	return sh;
}

/* Absolute destination: relative ones are below WORKDIR; a trailing '/'
 * (a directory destination) is kept. */
static char *
abs_dest(json_t *cfg, const char *dest)
{
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));

	if (dest[0] == '/')
		return xstrdup(dest);
	if (!wd || !*wd)
		wd = "/";
	if (strcmp(dest, ".") == 0)
		return xasprintf("%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/");
	return xasprintf("%s%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/", dest);
}

/* --chown=user[:group] against the image's passwd/group files. */
static int
resolve_chown(struct builder *b, const struct rootfs_view *v, const char *spec, uid_t *uid,
	      gid_t *gid)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	struct runtime_user u = {0};
	size_t n;
	int r;

	(void)rootfs_view_read(v, "/etc/passwd", LIMIT_PASSWD_BYTES, &passwd, &n, b->e);
	(void)rootfs_view_read(v, "/etc/group", LIMIT_PASSWD_BYTES, &group, &n, b->e);
	err_clear(b->e);
	r = runtime_user_resolve(spec, NULL, passwd, group, &u, b->e);
	if (r < 0)
		return err_prefix(b->e, "unable to convert uid/gid chown string to host mapping");
	/* A user without a group means the same numeric GID as the UID (the
	 * Dockerfile reference for --chown), not the user's primary group. */
	*uid = u.uid;
	*gid = strchr(spec, ':') ? u.gid : (gid_t)u.uid;
	runtime_user_release(&u);
	return 0;
}

struct copy_ctx {
	struct copy_plan *plan;
	int fd;
};

static int
copy_produce(struct builder *b, void *ud, struct step_layer *ret)
{
	struct copy_ctx *cc = ud;
	_cleanup_close_ int fd = open(b->work_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return err_errno(b->e, -errno, "cannot create a temporary file");
	r = copy_plan_write(cc->plan, fd, b->e);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(b->e, -errno, "cannot rewind the layer tar");
	ret->fd = TAKE_FD(fd);
	return 0;
}

static bool
is_url(const char *s)
{
	return str_startswith(s, "http://", NULL) || str_startswith(s, "https://", NULL);
}

/* ADD <url>: downloads into a fresh directory, which becomes the source root. */
static int
fetch_urls(struct builder *b, char **srcs, const char *dest, int *ret_fd)
{
	static unsigned seq;
	_cleanup_free_ char *dir = xasprintf("%s/dl-%u", b->work_dir, __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	_cleanup_close_ int dfd = -1;
	size_t dl = strlen(dest);

	if (mkdir(dir, 0700) < 0)
		return err_errno(b->e, -errno, "cannot create '%s'", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(b->e, -errno, "cannot open '%s'", dir);
	for (size_t i = 0; srcs[i]; i++) {
		_cleanup_free_ char *name = copy_url_basename(srcs[i]);
		if (!is_url(srcs[i]))
			return err_set(b->e, -EINVAL, "ADD: mixing URLs and local sources is not supported");
		if (!name && dl && dest[dl - 1] == '/')
			return err_set(b->e, -EINVAL, "cannot determine filename from url: %s", srcs[i]);
		if (!name)
			name = xstrdup("download");
		int r = copy_fetch_url(srcs[i], dfd, name, b->e);
		if (r < 0)
			return r;
		free(srcs[i]);
		srcs[i] = TAKE_PTR(name);
	}
	*ret_fd = TAKE_FD(dfd);
	return 0;
}

static int
expand_args(struct builder *b, const struct df_instr *in, char ***ret)
{
	char **v = xcalloc(1, sizeof(char *));

	for (size_t i = 0; in->args[i]; i++) {
		_cleanup_free_ char *w = NULL;
		if (builder_expand(b, in->args[i], &w) < 0) {
			strv_free(v);
			return b->e->code;
		}
		strv_append(&v, w);
	}
	*ret = v;
	return 0;
}

static int
parse_chmod(struct builder *b, const char *s, int *ret)
{
	char *end = NULL;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 8);
	if (!*s || *end || v < 0 || v > 07777)
		return err_set(b->e, -EINVAL, "invalid chmod parameter '%s'", s);
	*ret = (int)v;
	return 0;
}

int
dispatch_copy(struct builder *b, const struct df_instr *in)
{
	static const char *const copy_flags[] = { "from", "chown", "chmod", NULL };
	static const char *const add_flags[] = { "chown", "chmod", NULL };
	bool add = in->kind == DF_ADD;
	_cleanup_strv_ char **words = NULL;
	_cleanup_free_ char *dest = NULL, *hash = NULL, *text = NULL, *chown = NULL;
	_cleanup_view_ struct rootfs_view *view = NULL;
	_cleanup_close_ int src_fd = -1;
	_cleanup_json_ json_t *cfg = json_deep_copy(builder_cfg(b));
	struct copy_opts o = { .cmd = add ? "ADD" : "COPY", .chmod = -1, .unpack = add };
	struct copy_ctx cc = {0};
	size_t n;
	int r = df_check_flags(in, add ? add_flags : copy_flags, b->e);

	if (r == 0)
		r = expand_args(b, in, &words);
	if (r == 0)
		r = builder_view(b, b->cur, &view);
	if (r == 0)
		r = parse_chmod(b, df_flag(in, "chmod"), &o.chmod);
	if (r < 0)
		return r;
	n = strv_len(words);
	dest = abs_dest(cfg, words[n - 1]);
	free(words[n - 1]);
	words[n - 1] = NULL;
	if (df_flag(in, "chown") && *df_flag(in, "chown")) {
		r = builder_expand(b, df_flag(in, "chown"), &chown);
		if (r == 0)
			r = resolve_chown(b, view, chown, &o.uid, &o.gid);
		if (r < 0)
			return r;
		o.chown = true;
	}
	if (df_flag(in, "from")) {
		_cleanup_free_ char *from = NULL;
		const char *dir;
		r = builder_expand(b, df_flag(in, "from"), &from);
		if (r == 0)
			r = builder_flat(b, from, &dir);
		if (r < 0)
			return r;
		src_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (src_fd < 0)
			return err_errno(b->e, -errno, "cannot open '%s'", dir);
	} else if (add && is_url(words[0])) {
		r = fetch_urls(b, words, dest, &src_fd);
		if (r < 0)
			return r;
		o.unpack = false; /* remote archives are not unpacked */
		if (o.chmod < 0)
			o.chmod = 0600;
	}
	o.src_rootfd = src_fd >= 0 ? src_fd : b->ctx_fd;
	o.srcs = words;
	o.dest = dest;
	o.view = view;
	r = copy_plan_new(&o, &cc.plan, b->e);
	if (r == 0)
		r = copy_plan_hash(cc.plan, &hash, b->e);
	if (r == 0) {
		_cleanup_free_ char *extra = NULL;
		if (o.chown || o.chmod >= 0)
			extra = xasprintf("--chown=%u:%u --chmod=%o ", o.chown ? o.uid : 0,
					  o.chown ? o.gid : 0, o.chmod >= 0 ? (unsigned)o.chmod : 0);
		text = xasprintf("#(nop) %s %s%s in %s ", o.cmd, extra ? extra : "", hash, dest);
		_cleanup_strv_ char **cmd = copy_cmd(cfg, text);
		r = builder_step(b, cfg, cmd, copy_produce, &cc);
	}
	copy_plan_free(cc.plan);
	return r;
}

/* WORKDIR on a missing directory: a layer creating it (0755, root). */
static int
workdir_produce_stub(struct builder *b, void *ud, struct step_layer *ret)
{
	const char *dir = ud;
	_cleanup_view_ struct rootfs_view *view = NULL;
	_cleanup_close_ int fd = open(b->work_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	bool empty = false;
	int r;

	if (fd < 0)
		return err_errno(b->e, -errno, "cannot create a temporary file");
	r = builder_view(b, b->cur, &view);
	if (r == 0)
		r = copy_write_mkdir(view, dir, 0, 0, fd, &empty, b->e);
	if (r < 0 || empty)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(b->e, -errno, "cannot rewind the layer tar");
	ret->fd = TAKE_FD(fd);
	return 0;
}

int
dispatch_workdir(struct builder *b, const struct df_instr *in)
{
	_cleanup_free_ char *w = NULL, *dir = NULL, *text = NULL;
	_cleanup_json_ json_t *cfg = json_deep_copy(builder_cfg(b));
	_cleanup_view_ struct rootfs_view *view = NULL;
	_cleanup_strv_ char **env = builder_expand_env(b);
	struct dfconfig_ctx ctx = { .escape = b->df.escape, .env = env, .cmd_set = b->cmd_set };
	struct stat st;
	int r = builder_expand(b, in->args[0], &w);

	if (r < 0)
		return r;
	/* Cleaned and absolute: the lexical part of rootfs resolution. */
	_cleanup_free_ char *joined = abs_dest(cfg, w);
	r = builder_view(b, b->cur, &view);
	if (r == 0)
		r = rootfs_view_resolve(view, joined, true, &dir, &st, b->e);
	if (r < 0)
		return r;
	/* The configured path stays as written (cleaned), links unresolved. */
	r = dfconfig_apply(cfg, in, &ctx, &text, b->e);
	if (r < 0)
		return r;
	free(dir);
	dir = xstrdup(json_string_value(json_object_get(cfg, "WorkingDir")));
	_cleanup_strv_ char **cmd = builder_nop_cmd(b, cfg, text);
	return builder_step(b, cfg, cmd, S_ISDIR(st.st_mode) ? NULL : workdir_produce_stub, dir);
}
