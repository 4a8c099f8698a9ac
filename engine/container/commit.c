/* SPDX-License-Identifier: Apache-2.0 */
/* `docker commit`: see commit.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/archive/whiteout.h"
#include "engine/container/commit.h"
#include "engine/container/container.h"
#include "engine/container/container_userns.h"
#include "engine/container/lifecycle.h"
#include "engine/container/rootfs.h"
#include "engine/dockerfile/dfconfig.h"
#include "engine/container/container_internal.h"
#include "engine/events/events.h"
#include "engine/reference.h"
#include "engine/store/store_image.h"
#include "engine/store/store_layer.h"
#include "engine/util/buf.h"
#include "engine/util/log.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"


static bool
empty_value(json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

static size_t
env_key_len(const char *kv)
{
	return strcspn(kv, "=");
}

/* moby daemon/commit.go merge(): what the user's config leaves unset comes
 * from the container's. */
static void
merge(json_t *user, json_t *ctr)
{
	static const char *const plain[] = {"User", "WorkingDir", "StopSignal", NULL};
	json_t *v, *uv, *labels, *vols;
	const char *k;
	size_t i;

	for (size_t n = 0; plain[n]; n++)
		if (empty_value(json_object_get(user, plain[n])) && json_object_get(ctr, plain[n]))
			json_object_set(user, plain[n], json_object_get(ctr, plain[n]));
	uv = json_object_get(user, "ExposedPorts");
	if (empty_value(uv)) {
		if (json_object_get(ctr, "ExposedPorts"))
			json_object_set(user, "ExposedPorts", json_object_get(ctr, "ExposedPorts"));
	} else {
		json_object_foreach(json_object_get(ctr, "ExposedPorts"), k, v)
			if (!json_object_get(uv, k))
				json_object_set_new(uv, k, json_object());
	}
	uv = json_object_get(user, "Env");
	if (empty_value(uv)) {
		json_object_set(user, "Env", json_object_get(ctr, "Env") ?: json_null());
	} else {
		json_t *add = json_array();
		json_array_foreach(json_object_get(ctr, "Env"), i, v) {
			const char *ie = json_string_value(v);
			bool found = false;
			size_t j;
			json_t *w;
			if (!ie)
				continue;
			json_array_foreach(uv, j, w) {
				const char *ue = json_string_value(w);
				if (ue && env_key_len(ue) == env_key_len(ie) &&
				    strncmp(ue, ie, env_key_len(ie)) == 0)
					found = true;
			}
			if (!found)
				json_array_append(add, v);
		}
		json_array_extend(uv, add);
		json_decref(add);
	}
	labels = json_object_get(user, "Labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(user, "Labels", labels);
	}
	json_object_foreach(json_object_get(ctr, "Labels"), k, v)
		if (!json_object_get(labels, k))
			json_object_set(labels, k, v);
	if (empty_value(json_object_get(user, "Entrypoint"))) {
		if (empty_value(json_object_get(user, "Cmd")))
			json_object_set(user, "Cmd", json_object_get(ctr, "Cmd") ?: json_null());
		if (!json_object_get(user, "Entrypoint") ||
		    json_is_null(json_object_get(user, "Entrypoint")))
			json_object_set(user, "Entrypoint",
					json_object_get(ctr, "Entrypoint") ?: json_null());
	}
	v = json_object_get(ctr, "Healthcheck");
	if (json_is_object(v)) {
		uv = json_object_get(user, "Healthcheck");
		if (!json_is_object(uv)) {
			json_object_set(user, "Healthcheck", v);
		} else {
			static const char *const hc[] = {"Test",	"Interval",	 "Timeout",
							 "StartPeriod", "StartInterval", "Retries",
							 NULL};
			for (size_t n = 0; hc[n]; n++) {
				json_t *x = json_object_get(uv, hc[n]);
				bool unset = !x || json_is_null(x) ||
					     (json_is_array(x) && json_array_size(x) == 0) ||
					     (json_is_integer(x) && json_integer_value(x) == 0);
				if (unset && json_object_get(v, hc[n]))
					json_object_set(uv, hc[n], json_object_get(v, hc[n]));
			}
		}
	}
	vols = json_object_get(user, "Volumes");
	if (empty_value(vols)) {
		json_object_set(user, "Volumes", json_object_get(ctr, "Volumes") ?: json_null());
	} else {
		json_object_foreach(json_object_get(ctr, "Volumes"), k, v)
			json_object_set(vols, k, v);
	}
}

/*
 * The runtime's mount points (dockerd keeps them in its init layer, below
 * the container layer), and a directory that holds nothing else: /etc is
 * copied up only to hold the hosts/hostname/resolv.conf stubs.
 */
static bool
skip_runtime(void *ud, const char *path, const struct stat *st)
{
	int upper = *(int *)ud;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char abs[4096];
	int fd;

	snprintf(abs, sizeof(abs), "/%s", path);
	if (rootfs_is_runtime_path(abs))
		return true;
	if (!S_ISDIR(st->st_mode) || strchr(path, '/'))
		return false;
	fd = openat(upper, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		safe_close(fd);
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(abs, sizeof(abs), "/%s/%s", path, de->d_name);
		if (!rootfs_is_runtime_path(abs))
			return false;
	}
	/* An empty directory the container made itself is a change. */
	snprintf(abs, sizeof(abs), "/%s/", path);
	return strcmp(abs, "/etc/") == 0 && !whiteout_is_opaque(dirfd(d));
}

/* The container layer as a tar in a temporary file; *@ret_fd = -1 when
 * nothing changed. */
static int
diff_layer(const struct containers *cs, struct container *c, int *ret_fd, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/rw/upper", c->dir);
	_cleanup_close_ int upper = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct tar_result tr = {0};
	int r;

	if (upper < 0)
		return err_errno(e, -errno, "cannot open the container layer of %.12s", c->id);
	/* An unnamed file in the container's directory: on the data root, and
	 * gone with the fd whatever happens. */
	out = open(c->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return err_errno(e, -errno, "cannot create a temporary file in '%s'", c->dir);
	/* a remapped container wrote host ids: the image holds the container's */
	r = tar_create_unmapped(upper, out, TAR_OVERLAY_WHITEOUTS, skip_runtime, &upper,
				container_userns_map(cs, c), &tr, e);
	if (r < 0)
		return r;
	if (tr.entries == 0) {
		*ret_fd = -1;
		return 0;
	}
	if (lseek(out, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the layer tar");
	*ret_fd = TAKE_FD(out);
	return 0;
}

static int
check_ref(const struct container_commit_opts *o, struct reference *ref, struct err *e)
{
	int r = reference_parse(o->repo, ref, e);

	if (r == 0 && ref->digest)
		r = err_set(e, -EINVAL, "cannot commit to digest reference");
	if (r == 0 && o->tag && *o->tag)
		r = reference_set_tag(ref, o->tag, e);
	if (r == 0)
		reference_default_tag(ref);
	return r;
}

static char *
join_cmd(json_t *cmd)
{
	_cleanup_buf_ struct buf out = BUF_INIT;
	size_t i;
	json_t *v;

	json_array_foreach(cmd, i, v)
		buf_printf(&out, "%s%s", i ? " " : "", json_string_value(v) ?: "");
	return buf_detach(&out, NULL);
}

/* Builds and stores the child image of @img_doc (the parent's config). */
static int
write_image(struct containers *cs, const char *cid, const char *parent_id, json_t *img_doc,
	    json_t *cfg, json_t *ctr_cfg, int layer_fd, const struct container_commit_opts *o,
	    char ret_id[DIGEST_STR_LEN + 1], struct err *e)
{
	_cleanup_json_ json_t *doc = json_deep_copy(img_doc);
	struct store_layer_info info = {0};
	_cleanup_free_ char *text = NULL, *created_by = join_cmd(json_object_get(ctr_cfg, "Cmd"));
	struct store_commit_opts co = {.parent_id = parent_id};
	char now[TIME_STR_MAX];
	json_t *rootfs, *ids, *hist, *h;
	int r;

	rootfs = json_object_get(doc, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(doc, "rootfs", rootfs);
	}
	ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	if (layer_fd >= 0) {
		char chain[DIGEST_STR_LEN + 1] = "";
		size_t i;
		json_t *d;
		json_array_foreach(ids, i, d)
			store_layer_chain_id(i ? chain : NULL, json_string_value(d), chain);
		struct store_layer_opts lo = {.parent_chain = *chain ? chain : NULL};
		r = store_layer_create(cs->store, layer_fd, &lo, &info, e);
		if (r < 0)
			return err_prefix(e, "cannot store the container layer");
		json_array_append_new(ids, json_string(info.diff_id));
	}
	time_format_rfc3339nano(time_now_ns(), now);
	hist = json_object_get(doc, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(doc, "history", hist);
	}
	h = json_pack("{s:s,s:s}", "created", now, "created_by", created_by ? created_by : "");
	if (o->author && *o->author)
		json_object_set_new(h, "author", json_string(o->author));
	if (o->comment && *o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	if (layer_fd < 0)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(hist, h);
	/* NewChildImage: a fresh V1 part; the parent's comment is not kept. */
	json_object_del(doc, "comment");
	json_object_del(doc, "author");
	json_object_del(doc, "parent");
	if (o->author && *o->author)
		json_object_set_new(doc, "author", json_string(o->author));
	json_object_set(doc, "config", cfg);
	json_object_set(doc, "container_config", ctr_cfg);
	json_object_set_new(doc, "container", json_string(cid));
	json_object_set_new(doc, "created", json_string(now));
	json_object_set_new(doc, "docker_version", json_string("berth-" PACKAGE_VERSION));
	if (!json_object_get(doc, "architecture"))
		json_object_set_new(doc, "architecture", json_string("amd64"));
	if (!json_object_get(doc, "os"))
		json_object_set_new(doc, "os", json_string("linux"));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		r = err_set(e, -EINVAL, "cannot encode the image config (invalid UTF-8?)");
	else
		r = store_image_commit(cs->store, text, strlen(text), &co, ret_id, e);
	if (layer_fd >= 0)
		store_layer_release(cs->store, info.chain_id);
	return r;
}

int
container_commit(struct containers *cs, struct container *c, const struct container_commit_opts *o,
		 char ret_id[DIGEST_STR_LEN + 1], struct err *e)
{
	struct reference ref = REFERENCE_INIT;
	struct store_image_summary sum = {0};
	_cleanup_buf_ struct buf raw = BUF_INIT;
	_cleanup_json_ json_t *ctr_cfg = NULL, *cfg = NULL, *img = NULL;
	_cleanup_free_ char *familiar = NULL, *image_id = NULL;
	_cleanup_close_ int layer = -1;
	enum container_status st;
	bool paused = false;
	char id[DIGEST_STR_LEN + 1];
	int r;

	if (o->repo && *o->repo) {
		r = check_ref(o, &ref, e);
		if (r < 0)
			goto out;
	}
	pthread_mutex_lock(&c->mu);
	st = c->state.status;
	ctr_cfg = spec_config_json(&c->spec);
	image_id = xstrdup(c->image_id);
	pthread_mutex_unlock(&c->mu);
	if (st == CONTAINER_DEAD) {
		r = err_set(e, -EBUSY, "You cannot commit container %s which is Dead", c->id);
		goto out;
	}
	if (st == CONTAINER_REMOVING) {
		r = err_set(e, -EBUSY, "You cannot commit container %s which is being removed",
			    c->id);
		goto out;
	}
	cfg = json_deep_copy(json_is_object(o->config) ? o->config : ctr_cfg);
	r = dfconfig_apply_changes(cfg, o->changes, e);
	if (r < 0)
		goto out;
	merge(cfg, ctr_cfg);
	r = store_image_get(cs->store, image_id, &sum, &raw, e);
	if (r < 0)
		goto out;
	img = json_loadb(raw.data, raw.len, 0, NULL);
	if (!json_is_object(img)) {
		r = err_set(e, -EIO, "the config of image %s is not valid JSON", image_id);
		goto out;
	}
	if (o->pause && st == CONTAINER_RUNNING) {
		r = lifecycle_pause(cs, c, true, e);
		if (r < 0)
			goto out;
		paused = true;
	}
	r = diff_layer(cs, c, &layer, e);
	if (paused) {
		struct err ue = ERR_INIT;
		if (lifecycle_pause(cs, c, false, &ue) < 0)
			log_warn("cannot unpause container %.12s after the commit: %s, ignoring",
				 c->id, ue.msg);
	}
	if (r < 0)
		goto out;
	r = write_image(cs, c->id, image_id, img, cfg, ctr_cfg, layer, o, id, e);
	if (r < 0)
		goto out;
	if (o->repo && *o->repo) {
		r = store_image_tag(cs->store, id, &ref, e);
		if (r < 0)
			goto out;
		familiar = reference_familiar(&ref);
		events_publish(cs->events, "image", "tag", id,
			       json_pack("{s:s}", "name", familiar));
	}
	lifecycle_event(cs, c, "commit",
			json_pack("{s:s,s:s,s:s}", "comment", o->comment ? o->comment : "",
				  "imageID", id, "imageRef", familiar ? familiar : ""));
	memcpy(ret_id, id, sizeof(id));
out:
	store_image_summary_release(&sum);
	reference_release(&ref);
	return r;
}
