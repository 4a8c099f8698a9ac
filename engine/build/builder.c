/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build driver: context extraction, Dockerfile loading (with the
 * daemon-side .dockerignore rule of docker-api-protocol.md §5.1), stages and
 * --target, the step loop with its output, the commit of one image per
 * step with dockerd's image document, the cache lookup among the children
 * of the current image, tagging and the final messages. The instructions
 * themselves are in dispatch.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/archive/untar.h"
#include "engine/build/builder_internal.h"
#include "engine/build/match.h"
#include "engine/build/pull.h"
#include "engine/build/rootfs_view.h"
#include "engine/dockerfile/shellwords.h"
#include "engine/reference.h"
#include "engine/store/store.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

int
builder_say(struct builder *b, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (b->quiet) {
		buf_append(&b->quiet_buf, text, (size_t)n);
		return 0;
	}
	return b->out->stream(b->out->ud, text, (size_t)n) ? -EPIPE : 0;
}

json_t *
builder_cfg(struct builder *b)
{
	json_t *c = json_object_get(b->img, "config");

	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(b->img, "config", c);
	}
	return c;
}

char **
builder_expand_env(struct builder *b)
{
	char **env = strv_dup(b->args);
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(builder_cfg(b), "Env"), i, v)
		if (json_is_string(v))
			strv_append(&env, json_string_value(v));
	return env ? env : xcalloc(1, sizeof(char *));
}

int
builder_expand(struct builder *b, const char *w, char **ret)
{
	_cleanup_strv_ char **env = builder_expand_env(b);
	return shellwords_expand(w, b->df.escape, env, ret, b->e);
}

int
builder_expand_split(struct builder *b, const char *w, char ***ret)
{
	_cleanup_strv_ char **env = builder_expand_env(b);
	return shellwords_expand_split(w, b->df.escape, env, ret, b->e);
}

char **
builder_nop_cmd(struct builder *b, json_t *cfg, const char *text)
{
	char **cmd = NULL;

	(void)b;
	if (strv_from_json(json_object_get(cfg, "Shell"), &cmd) < 0 || !cmd || !cmd[0]) {
		strv_free(cmd);
		cmd = NULL;
		strv_append(&cmd, "/bin/sh");
		strv_append(&cmd, "-c");
	}
	strv_append(&cmd, "#(nop) ");
	strv_append(&cmd, text);
	return cmd;
}

int
builder_view(struct builder *b, const char *image_id, struct rootfs_view **ret)
{
	_cleanup_strv_ char **dirs = NULL;

	if (!*image_id)
		dirs = xcalloc(1, sizeof(char *));
	else if (store_image_lowerdirs(b->bs->store, image_id, &dirs, b->e) < 0)
		return b->e->code;
	return rootfs_view_open(dirs, ret, b->e);
}

/* ---- cache ------------------------------------------------------------ */

/* container_config equality as moby's image/cache compare: Image and
 * Hostname differ between builds and are not part of the key. */
static bool
same_config(json_t *a, json_t *b)
{
	_cleanup_json_ json_t *x = json_deep_copy(a);
	_cleanup_json_ json_t *y = json_deep_copy(b);

	if (!json_is_object(x) || !json_is_object(y))
		return false;
	json_object_del(x, "Image");
	json_object_del(y, "Image");
	json_object_del(x, "Hostname");
	json_object_del(y, "Hostname");
	return json_equal(x, y);
}

/* Newest child of b->cur built with @probe: 0 and its document, -ENOENT. */
static int
cache_lookup(struct builder *b, json_t *probe, char ret_id[DIGEST_STR_LEN + 1], json_t **ret_doc)
{
	struct store_image_summary *v = NULL;
	struct err ignored = ERR_INIT;
	size_t n = 0;
	int r = -ENOENT;

	if (store_image_list(b->bs->store, &v, &n, &ignored) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n && r < 0; i++) {
		_cleanup_buf_ struct buf cfg = BUF_INIT;
		/* Steps on scratch are not cached: nothing says we built a parentless image. */
		if (!*b->cur || strcmp(v[i].parent, b->cur) != 0)
			continue;
		if (store_image_get(b->bs->store, v[i].id, NULL, &cfg, &ignored) < 0)
			continue;
		json_t *doc = json_loadb(cfg.data, cfg.len, 0, NULL);
		if (doc && same_config(json_object_get(doc, "container_config"), probe)) {
			snprintf(ret_id, DIGEST_STR_LEN + 1, "%s", v[i].id);
			*ret_doc = doc;
			r = 0;
		} else if (doc) {
			json_decref(doc);
		}
	}
	store_image_summaries_free(v, n);
	return r;
}

/* ---- --cache-from ------------------------------------------------------ */

static char *
join_words(char **v)
{
	_cleanup_buf_ struct buf out = BUF_INIT;

	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			buf_putc(&out, ' ');
		buf_puts(&out, v[i]);
	}
	return buf_detach(&out, NULL);
}

/*
 * Images named by --cache-from serve as cache as moby's image cache does for
 * them: an image qualifies when the current image's history and layers are
 * a prefix of its own and its next history entry was made by the same
 * command. Its last entry gives the image itself; an earlier one gives an
 * intermediate image rebuilt from its layers (no parent chain is needed, so
 * pulled and loaded images work).
 */
static void
sources_load(struct builder *b)
{
	for (size_t i = 0; b->o->cache_from && b->o->cache_from[i]; i++) {
		_cleanup_buf_ struct buf cfg = BUF_INIT;
		struct store_image_summary sum = {0};
		struct err ignored = ERR_INIT;
		json_t *doc;

		if (store_image_get(b->bs->store, b->o->cache_from[i], &sum, &cfg, &ignored) < 0) {
			log_warn("Could not look up %s for cache resolution, skipping: %s",
				 b->o->cache_from[i], ignored.msg);
			continue;
		}
		doc = json_loadb(cfg.data, cfg.len, 0, NULL);
		if (json_is_object(doc)) {
			if (!b->sources)
				b->sources = json_array();
			json_array_append_new(b->sources,
					      json_pack("{s:s,s:o}", "id", sum.id, "doc", doc));
		} else {
			json_decref(doc);
		}
		store_image_summary_release(&sum);
	}
}

static json_t *
doc_history(json_t *doc)
{
	json_t *h = json_object_get(doc, "history");
	return json_is_array(h) ? h : NULL;
}

static json_t *
doc_diff_ids(json_t *doc)
{
	json_t *ids = json_object_get(json_object_get(doc, "rootfs"), "diff_ids");
	return json_is_array(ids) ? ids : NULL;
}

/* History entries equal field by field (moby compares the decoded struct). */
static bool
same_history(json_t *a, json_t *b)
{
	static const char *const keys[] = {"created", "author", "created_by", "comment"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *x = json_string_value(json_object_get(a, keys[i]));
		const char *y = json_string_value(json_object_get(b, keys[i]));
		if (strcmp(x ? x : "", y ? y : "") != 0)
			return false;
	}
	return json_is_true(json_object_get(a, "empty_layer")) ==
	       json_is_true(json_object_get(b, "empty_layer"));
}

/* moby's isValidParent: @parent's history and layers are a prefix of @img's. */
static bool
source_extends(json_t *img, json_t *parent)
{
	json_t *h = doc_history(img), *ids = doc_diff_ids(img);
	json_t *ph = parent ? doc_history(parent) : NULL,
	       *pids = parent ? doc_diff_ids(parent) : NULL;
	size_t nph = ph ? json_array_size(ph) : 0, npids = pids ? json_array_size(pids) : 0;

	if (!h || json_array_size(h) == 0)
		return false;
	if (nph == 0 && npids == 0)
		return true;
	if (nph >= json_array_size(h) || npids > (ids ? json_array_size(ids) : 0))
		return false;
	for (size_t i = 0; i < nph; i++)
		if (!same_history(json_array_get(ph, i), json_array_get(h, i)))
			return false;
	for (size_t i = 0; i < npids; i++)
		if (!json_equal(json_array_get(pids, i), json_array_get(ids, i)))
			return false;
	return true;
}

/* The diff ID that history entry @index of @img added, or NULL (empty layer). */
static json_t *
layer_of_history(json_t *img, size_t index)
{
	json_t *h = doc_history(img), *ids = doc_diff_ids(img);
	size_t layer = 0;

	for (size_t i = 0; i < index; i++)
		if (!json_is_true(json_object_get(json_array_get(h, i), "empty_layer")))
			layer++;
	if (json_is_true(json_object_get(json_array_get(h, index), "empty_layer")))
		return NULL;
	return ids ? json_array_get(ids, layer) : NULL;
}

/* moby's restoreCachedImage: the step's image rebuilt from @src's layers
 * (@probe is consumed). */
static int
source_restore(struct builder *b, json_t *src, json_t *cfg, json_t *probe, size_t index,
	       char ret_id[DIGEST_STR_LEN + 1], json_t **ret_doc)
{
	json_t *parent = *b->cur ? b->img : NULL;
	json_t *ph = parent ? doc_history(parent) : NULL,
	       *pids = parent ? doc_diff_ids(parent) : NULL;
	json_t *entry = json_array_get(doc_history(src), index),
	       *layer = layer_of_history(src, index);
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *text = NULL;
	struct store_commit_opts co = {.parent_id = *b->cur ? b->cur : NULL};
	struct err ignored = ERR_INIT;
	json_t *hist = ph ? json_deep_copy(ph) : json_array();
	json_t *ids = pids ? json_deep_copy(pids) : json_array();
	json_t *v;

	json_array_append(hist, entry);
	if (layer)
		json_array_append(ids, layer);
	const char *created = json_string_value(json_object_get(entry, "created"));
	doc = json_pack("{s:s,s:o,s:o,s:s,s:o,s:{s:s,s:o}}", "docker_version",
			"berth-" PACKAGE_VERSION, "config", json_deep_copy(cfg), "container_config",
			probe, "created", created ? created : "", "history", hist, "rootfs", "type",
			"layers", "diff_ids", ids);
	if (!doc)
		return -EINVAL;
	if (*b->cur)
		json_object_set_new(doc, "parent", json_string(b->cur));
	static const char *const copied[] = {"architecture", "os", "author", "variant"};
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		if ((v = json_object_get(src, copied[i])) != NULL)
			json_object_set(doc, copied[i], v);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text ||
	    store_image_commit(b->bs->store, text, strlen(text), &co, ret_id, &ignored) < 0)
		return -EINVAL;
	*ret_doc = TAKE_PTR(doc);
	return 0;
}

/* A --cache-from image serving this step: 0 with its (or a rebuilt) image, -ENOENT. */
static int
source_lookup(struct builder *b, json_t *cfg, json_t *probe, char ret_id[DIGEST_STR_LEN + 1],
	      json_t **ret_doc)
{
	json_t *parent = *b->cur ? b->img : NULL, *ph = parent ? doc_history(parent) : NULL;
	size_t idx = ph ? json_array_size(ph) : 0, i;
	_cleanup_strv_ char **cmd = NULL;
	_cleanup_free_ char *created_by = NULL;
	json_t *src;

	if (!b->sources || strv_from_json(json_object_get(probe, "Cmd"), &cmd) < 0)
		return -ENOENT;
	created_by = join_words(cmd);
	json_array_foreach(b->sources, i, src) {
		json_t *doc = json_object_get(src, "doc"), *h = doc_history(doc);
		const char *by;
		if (!source_extends(doc, parent))
			continue;
		by = json_string_value(json_object_get(json_array_get(h, idx), "created_by"));
		if (!by || strcmp(by, created_by) != 0)
			continue;
		if (json_array_size(h) - 1 == idx) {
			/* The image itself: it gains the current image as parent. */
			_cleanup_buf_ struct buf raw = BUF_INIT;
			struct store_commit_opts co = {.parent_id = *b->cur ? b->cur : NULL};
			const char *id = json_string_value(json_object_get(src, "id"));
			struct err ignored = ERR_INIT;
			if (store_image_get(b->bs->store, id, NULL, &raw, &ignored) < 0 ||
			    store_image_commit(b->bs->store, raw.data, raw.len, &co, ret_id,
					       &ignored) < 0)
				continue;
			*ret_doc = json_incref(doc);
			return 0;
		}
		if (source_restore(b, doc, cfg, json_deep_copy(probe), idx, ret_id, ret_doc) < 0)
			continue;
		/* Stay on this image from now on, as moby does. */
		json_t *keep = json_incref(src);
		json_array_clear(b->sources);
		json_array_append_new(b->sources, keep);
		return 0;
	}
	return -ENOENT;
}

/* ---- commit ----------------------------------------------------------- */

/* Stores the layer (if any) and commits the step's image document. */
static int
commit(struct builder *b, json_t *cfg, json_t *probe, char **cmd, struct step_layer *l)
{
	struct store_layer_info info = {0};
	_cleanup_json_ json_t *doc = json_deep_copy(b->img);
	json_t *rootfs, *ids, *hist;
	_cleanup_free_ char *text = NULL, *created_by = join_words(cmd);
	char now[TIME_STR_MAX], id[DIGEST_STR_LEN + 1];
	struct store_commit_opts co = { .parent_id = *b->cur ? b->cur : NULL };
	int r;

	rootfs = json_object_get(doc, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(doc, "rootfs", rootfs);
	}
	ids = json_object_get(rootfs, "diff_ids");
	if (l->fd >= 0) {
		char parent_chain[DIGEST_STR_LEN + 1] = "";
		size_t i;
		json_t *d;
		json_array_foreach(ids, i, d)
			store_layer_chain_id(i ? parent_chain : NULL, json_string_value(d),
					     parent_chain);
		struct store_layer_opts lo = { .parent_chain = *parent_chain ? parent_chain : NULL };
		r = store_layer_create(b->bs->store, l->fd, &lo, &info, b->e);
		if (r < 0)
			return err_prefix(b->e, "cannot store the layer");
		json_array_append_new(ids, json_string(info.diff_id));
	}
	time_format_rfc3339nano(time_now_ns(), now);
	hist = json_object_get(doc, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(doc, "history", hist);
	}
	json_t *h = json_pack("{s:s,s:s}", "created", now, "created_by", created_by);
	if (l->fd < 0)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(hist, h);
	json_object_set(doc, "config", cfg);
	json_object_set(doc, "container_config", probe);
	json_object_set_new(doc, "container", json_string(l->container));
	json_object_set_new(doc, "created", json_string(now));
	json_object_set_new(doc, "docker_version", json_string("berth-" PACKAGE_VERSION));
	if (*b->cur)
		json_object_set_new(doc, "parent", json_string(b->cur));
	if (!json_object_get(doc, "architecture"))
		json_object_set_new(doc, "architecture", json_string("amd64"));
	if (!json_object_get(doc, "os"))
		json_object_set_new(doc, "os", json_string("linux"));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	r = store_image_commit(b->bs->store, text, strlen(text), &co, id, b->e);
	if (l->fd >= 0)
		store_layer_release(b->bs->store, info.chain_id);
	if (r < 0)
		return err_prefix(b->e, "cannot commit the image");
	json_decref(b->img);
	b->img = TAKE_PTR(doc);
	memcpy(b->cur, id, sizeof(b->cur));
	return 0;
}

int
builder_step(struct builder *b, json_t *new_cfg, char **cmd, step_produce_fn produce, void *ud)
{
	_cleanup_json_ json_t *cfg = json_deep_copy(new_cfg);
	_cleanup_json_ json_t *probe = NULL;
	struct step_layer l = { .fd = -1 };
	int r;

	if (*b->cur)
		json_object_set_new(cfg, "Image", json_string(b->cur));
	probe = json_deep_copy(cfg);
	json_object_set_new(probe, "Cmd", strv_to_json(cmd));
	if (b->cache_ok) {
		char id[DIGEST_STR_LEN + 1];
		json_t *doc = NULL;
		if (cache_lookup(b, probe, id, &doc) == 0 ||
		    source_lookup(b, cfg, probe, id, &doc) == 0) {
			json_decref(b->img);
			b->img = doc;
			memcpy(b->cur, id, sizeof(b->cur));
			r = builder_say(b, " ---> Using cache\n");
			return r < 0 ? r : builder_say(b, " ---> %.12s\n", b->cur + 7);
		}
		b->cache_ok = false;
	}
	if (produce) {
		r = produce(b, ud, &l);
		if (r < 0)
			return r;
	}
	if (*l.container)
		json_object_set_new(probe, "Hostname", json_sprintf("%.12s", l.container));
	r = commit(b, cfg, probe, cmd, &l);
	safe_close(l.fd);
	if (r == 0 && l.after)
		r = l.after(b, ud);
	if (r < 0)
		return r;
	return builder_say(b, " ---> %.12s\n", b->cur + 7);
}

/* ---- flattened stages for COPY --from ---------------------------------- */

static int
flatten(struct builder *b, const char *image_id, const char *dir)
{
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_close_ int dfd = -1;
	size_t n;
	int r;

	if (fs_mkdir_p(dir, 0700) < 0)
		return err_errno(b->e, -errno, "cannot create '%s'", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(b->e, -errno, "cannot open '%s'", dir);
	if (!*image_id)
		return 0;
	r = store_image_lowerdirs(b->bs->store, image_id, &dirs, b->e);
	if (r < 0)
		return r;
	n = strv_len(dirs);
	for (size_t i = n; i > 0; i--) {
		_cleanup_close_ int src = open(dirs[i - 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int tmp = open(b->work_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		struct untar_opts uo = { .whiteout = UNTAR_WHITEOUT_APPLY, .flags = UNTAR_NO_CHOWN };
		if (src < 0 || tmp < 0)
			return err_errno(b->e, -errno, "cannot read layer '%s'", dirs[i - 1]);
		r = tar_create(src, tmp, TAR_OVERLAY_WHITEOUTS, NULL, b->e);
		if (r == 0 && lseek(tmp, 0, SEEK_SET) < 0)
			r = err_errno(b->e, -errno, "cannot rewind");
		if (r == 0)
			r = untar_extract(tmp, dfd, &uo, NULL, b->e);
		if (r < 0)
			return r;
	}
	return 0;
}

int
builder_flat(struct builder *b, const char *ref, const char **ret_dir)
{
	struct stage_done *st = NULL;
	char *end = NULL;
	long idx = strtol(ref, &end, 10);
	char id[DIGEST_STR_LEN + 1];
	int r;

	for (size_t i = 0; i < b->n_stages && !st; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, ref) == 0)
			st = &b->stages[i];
	/* A number is a stage index; images named by --from are not stages. */
	for (size_t i = 0, k = 0; !st && *ref && !*end && idx >= 0 && i < b->n_stages; i++)
		if (!b->stages[i].image && k++ == (size_t)idx)
			st = &b->stages[i];
	if (st) {
		if (!st->flat) {
			_cleanup_free_ char *dir = xasprintf("%s/stage-%zu", b->work_dir,
							     (size_t)(st - b->stages));
			r = flatten(b, st->id, dir);
			if (r < 0)
				return r;
			st->flat = TAKE_PTR(dir);
		}
		*ret_dir = st->flat;
		return 0;
	}
	/* An image: local, or pulled (pull=1 always pulls, as for FROM). */
	r = build_base_image(b, ref, NULL, b->o->pull, id);
	if (r < 0)
		return err_prefix(b->e, "invalid from flag value %s", ref);
	b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
	st = &b->stages[b->n_stages];
	memset(st, 0, sizeof(*st));
	memcpy(st->id, id, sizeof(st->id));
	st->name = xstrdup(ref);
	st->image = true;
	b->n_stages++;
	return builder_flat(b, ref, ret_dir);
}

/* ---- the driver ------------------------------------------------------- */

static int
open_context(struct builder *b, int fd)
{
	struct untar_opts uo = { .flags = UNTAR_NO_CHOWN, .max_bytes = LIMIT_BUILD_CONTEXT_BYTES };
	int r = fs_mkdtemp_in(b->bs->tmp_dir, "build-", &b->work_dir);

	if (r < 0)
		return err_errno(b->e, r, "cannot create a build directory");
	b->ctx_dir = xasprintf("%s/context", b->work_dir);
	if (mkdir(b->ctx_dir, 0700) < 0)
		return err_errno(b->e, -errno, "cannot create '%s'", b->ctx_dir);
	b->ctx_fd = open(b->ctx_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->ctx_fd < 0)
		return err_errno(b->e, -errno, "cannot open '%s'", b->ctx_dir);
	r = untar_extract(fd, b->ctx_fd, &uo, NULL, b->e);
	if (r == -E2BIG)
		return err_prefix(b->e, "the build context is too large (limit %llu bytes)",
				  (unsigned long long)LIMIT_BUILD_CONTEXT_BYTES);
	if (r < 0)
		return err_prefix(b->e, "invalid build context");
	return 0;
}

static int
read_small(int dirfd, const char *name, size_t limit, struct buf *ret)
{
	_cleanup_close_ int fd = fs_open_beneath(dirfd, name, O_RDONLY, 0);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	return buf_read_fd(ret, fd, limit);
}

static int
load_dockerfile(struct builder *b)
{
	const char *name = b->o->dockerfile && *b->o->dockerfile ? b->o->dockerfile : "Dockerfile";
	_cleanup_buf_ struct buf text = BUF_INIT, ign = BUF_INIT;
	struct ignore ig = {0};
	int r = read_small(b->ctx_fd, name, LIMIT_DOCKERFILE_BYTES, &text);

	if (r == -ENOENT && !(b->o->dockerfile && *b->o->dockerfile)) {
		name = "dockerfile";
		r = read_small(b->ctx_fd, name, LIMIT_DOCKERFILE_BYTES, &text);
	}
	if (r == -E2BIG)
		return err_set(b->e, -E2BIG, "the Dockerfile (%s) is larger than %u bytes", name,
			       LIMIT_DOCKERFILE_BYTES);
	if (r < 0)
		return err_set(b->e, -EIO, "Cannot locate specified Dockerfile: %s", name);
	if (text.len == 0)
		return err_set(b->e, -EINVAL, "the Dockerfile (%s) cannot be empty", name);
	/* The client filtered the context already; the daemon only drops the
	 * Dockerfile and .dockerignore when .dockerignore names them. */
	if (read_small(b->ctx_fd, ".dockerignore", LIMIT_DOCKERFILE_BYTES, &ign) == 0 &&
	    ignore_parse(ign.data, ign.len, &ig, b->e) == 0) {
		if (ignore_matches(&ig, name))
			(void)unlinkat(b->ctx_fd, name, 0);
		if (ignore_matches(&ig, ".dockerignore"))
			(void)unlinkat(b->ctx_fd, ".dockerignore", 0);
		ignore_release(&ig);
	}
	err_clear(b->e);
	return dockerfile_parse(text.data, text.len, name, &b->df, b->e);
}

/* Index of the last instruction to run: the end of the target stage. */
static int
plan_steps(struct builder *b, size_t *ret_end)
{
	size_t end = b->df.n, first_from = b->df.n;
	const char *t = b->o->target;

	for (size_t i = 0; i < b->df.n; i++) {
		const struct df_instr *in = &b->df.instrs[i];
		if (in->kind == DF_FROM && first_from == b->df.n)
			first_from = i;
		if (first_from == b->df.n && in->kind != DF_ARG)
			return err_set(b->e, -EINVAL,
				       "Dockerfile parse error line %d: no build stage in current context",
				       in->line);
	}
	if (first_from == b->df.n)
		return err_set(b->e, -EINVAL, "No image was generated. Is your Dockerfile empty?");
	if (t && *t) {
		bool found = false;
		for (size_t i = 0; i < b->df.n && !found; i++) {
			const struct df_instr *in = &b->df.instrs[i];
			if (in->kind == DF_FROM && strv_len(in->args) == 3 &&
			    strcasecmp(in->args[2], t) == 0) {
				found = true;
				end = i + 1;
				while (end < b->df.n && b->df.instrs[end].kind != DF_FROM)
					end++;
			}
		}
		if (!found)
			return err_set(b->e, -EINVAL, "failed to reach build target %s in Dockerfile", t);
	}
	*ret_end = end;
	return 0;
}

/* --label values become one LABEL instruction at the end, as dockerd does. */
static int
label_instr(struct builder *b, struct df_instr *ret)
{
	_cleanup_buf_ struct buf line = BUF_INIT;
	const char *k;
	json_t *v;
	void *tmp;

	if (!json_is_object(b->o->labels) || json_object_size(b->o->labels) == 0)
		return 0;
	buf_puts(&line, "LABEL");
	json_object_foreach_safe(b->o->labels, tmp, k, v) {
		_cleanup_json_ json_t *ks = json_string(k), *vs = json_string(json_string_value(v) ?: "");
		_cleanup_free_ char *kq = json_dumps(ks, JSON_ENCODE_ANY), *vq = json_dumps(vs, JSON_ENCODE_ANY);
		buf_printf(&line, " %s=%s", kq, vq);
	}
	return dockerfile_parse_line(line.data, b->df.escape, ret, b->e) < 0 ? b->e->code : 1;
}

static int
finish_stage(struct builder *b, const char *name)
{
	b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
	memset(&b->stages[b->n_stages], 0, sizeof(b->stages[0]));
	b->stages[b->n_stages].name = name ? xstrdup(name) : NULL;
	memcpy(b->stages[b->n_stages].id, b->cur, sizeof(b->cur));
	b->n_stages++;
	if (*b->cur && b->out->aux_id && b->out->aux_id(b->out->ud, b->cur) != 0)
		return -EPIPE;
	return 0;
}

static int
run_steps(struct builder *b)
{
	struct df_instr extra = {0};
	const char *stage_name = NULL;
	size_t end = 0;
	int r = plan_steps(b, &end);

	if (r < 0)
		return r;
	r = label_instr(b, &extra);
	if (r < 0)
		return r;
	b->total = (int)end + (r == 1);
	for (size_t i = 0; i <= end && r >= 0; i++) {
		const struct df_instr *in = i < end ? &b->df.instrs[i] : (extra.original ? &extra : NULL);
		if (in && in->kind == DF_FROM && b->img) {
			r = finish_stage(b, stage_name);
			if (r < 0)
				break;
		}
		if (!in)
			break;
		r = builder_say(b, "Step %d/%d : %s", ++b->step, b->total, in->original);
		if (r == 0)
			r = builder_say(b, "\n");
		if (r < 0)
			break;
		if (in->kind == DF_FROM) {
			stage_name = strv_len(in->args) == 3 ? in->args[2] : NULL;
			r = dispatch_from(b, in);
		} else {
			r = dispatch_instr(b, in);
		}
	}
	if (r >= 0)
		r = finish_stage(b, stage_name);
	df_instr_release(&extra);
	if (r >= 0 && !*b->cur)
		r = err_set(b->e, -EINVAL, "No image was generated. Is your Dockerfile empty?");
	return r < 0 ? r : 0;
}

static int
unused_args(struct builder *b)
{
	_cleanup_strv_ char **unused = NULL;
	const char *k;
	json_t *v;

	json_object_foreach(b->o->buildargs, k, v)
		if (!strv_contains(b->used, k))
			strv_append(&unused, k);
	if (!unused)
		return 0;
	_cleanup_free_ char *list = join_words(unused);
	return builder_say(b, "[Warning] One or more build-args [%s] were not consumed\n", list);
}

static int
tag_result(struct builder *b)
{
	for (size_t i = 0; b->o->tags && b->o->tags[i]; i++) {
		struct reference ref = REFERENCE_INIT;
		_cleanup_free_ char *fam = NULL;
		int r = reference_parse(b->o->tags[i], &ref, b->e);
		if (r < 0)
			return r;
		reference_default_tag(&ref);
		r = store_image_tag(b->bs->store, b->cur, &ref, b->e);
		fam = reference_familiar(&ref);
		reference_release(&ref);
		if (r < 0)
			return r;
		if (builder_say(b, "Successfully tagged %s\n", fam) < 0)
			return -EPIPE;
	}
	return 0;
}

static void
builder_release(struct builder *b)
{
	dockerfile_release(&b->df);
	safe_close(b->ctx_fd);
	if (b->work_dir && fs_rm_rf(b->work_dir) < 0)
		log_warn("cannot remove build directory '%s', ignoring", b->work_dir);
	free(b->work_dir);
	free(b->ctx_dir);
	json_decref(b->img);
	json_decref(b->sources);
	strv_free(b->meta_args);
	strv_free(b->args);
	strv_free(b->used);
	for (size_t i = 0; i < b->n_stages; i++) {
		free(b->stages[i].name);
		free(b->stages[i].flat);
	}
	free(b->stages);
	buf_release(&b->quiet_buf);
}

struct builds *
builds_new(const struct builds_config *cfg)
{
	struct builds *bs = xcalloc(1, sizeof(*bs));

	bs->store = cfg->store;
	bs->images = cfg->images;
	bs->containers = cfg->containers;
	bs->tmp_dir = xstrdup(cfg->tmp_dir);
	slots_init(&bs->running, cfg->max_builds ? cfg->max_builds : BUILDS_MAX_DEFAULT);
	return bs;
}

void
builds_free(struct builds *bs)
{
	if (!bs)
		return;
	slots_release_all(&bs->running);
	free(bs->tmp_dir);
	free(bs);
}

int
build_image(struct builds *bs, int context_fd, const struct build_opts *o,
	    const struct build_output *out, struct build_result *ret, struct err *e)
{
	struct builder b = { .bs = bs, .o = o, .out = out, .e = e, .ctx_fd = -1,
			     .cache_ok = !o->nocache, .quiet = o->quiet };
	int r;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; o->tags && o->tags[i]; i++) {
		struct reference ref = REFERENCE_INIT;
		if (reference_parse(o->tags[i], &ref, e) < 0)
			return err_prefix(e, "invalid tag '%s'", o->tags[i]);
		if (ref.digest) {
			reference_release(&ref);
			return err_set(e, -EINVAL, "invalid reference format: tag must not contain a digest");
		}
		reference_release(&ref);
	}
	bool waited = false;
	r = slots_acquire(&bs->running, NULL, &waited);
	if (r < 0)
		return err_set(e, r, "the daemon is shutting down");
	if (waited)
		log_info("a build waited for a free slot (max-concurrent-builds %u)",
			 bs->running.max);
	trace_point("build.begin", NULL);
	if (b.cache_ok)
		sources_load(&b);
	r = open_context(&b, context_fd);
	trace_point("build.context_extracted", NULL);
	if (r == 0)
		r = load_dockerfile(&b);
	if (r == 0)
		r = run_steps(&b);
	trace_point("build.steps_done", NULL);
	if (r == 0)
		r = unused_args(&b);
	if (r == 0)
		r = builder_say(&b, "Successfully built %.12s\n", b.cur + 7);
	if (r == 0)
		r = tag_result(&b);
	trace_point("build.tagged", NULL);
	/* q=1: only the ID; the buffered text is shown only on failure. */
	if (r == 0 && b.quiet)
		r = out->stream(out->ud, b.cur, strlen(b.cur)) || out->stream(out->ud, "\n", 1)
			    ? -EPIPE : 0;
	if (r < 0 && o->quiet && b.quiet_buf.len)
		(void)out->stream(out->ud, b.quiet_buf.data, b.quiet_buf.len);
	if (r == 0)
		memcpy(ret->id, b.cur, sizeof(ret->id));
	ret->code = b.run_code;
	if (r < 0 && !err_is_set(e))
		err_set(e, r, "%s", r == -EPIPE ? "the client went away" : strerror(-r));
	builder_release(&b);
	slots_release(&bs->running);
	trace_point("build.released", NULL);
	return r;
}
