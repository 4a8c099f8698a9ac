/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes; see volume.h. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"
#include "engine/volume/volume.h"

struct volumes {
	pthread_mutex_t mu;
	char *root;		/* <data-root>/volumes */
	json_t *index;		/* name -> meta object */
	volume_users_fn users_fn;
	void *users_ud;
	bool owned; /* --userns-remap: new _data dirs belong to the remapped root */
	uid_t owner_uid;
	gid_t owner_gid;
};

void
volumes_set_owner(struct volumes *vs, uid_t uid, gid_t gid)
{
	vs->owned = true;
	vs->owner_uid = uid;
	vs->owner_gid = gid;
}

bool
volume_bind_source_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool
volume_name_is_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 2 || n > 255 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

static int
load_one(struct volumes *vs, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/meta.json", vs->root, name);
	_cleanup_buf_ struct buf b = BUF_INIT;
	json_t *meta;

	if (fs_read_file(path, LIMIT_STATE_FILE, &b) < 0)
		return -ENOENT;
	meta = json_loadb(b.data, b.len, 0, NULL);
	if (!json_is_object(meta)) {
		json_decref(meta);
		return -EINVAL;
	}
	json_object_set_new(vs->index, name, meta);
	return 0;
}

int
volumes_open(const char *data_root, struct volumes **ret, struct err *e)
{
	struct volumes *vs = xcalloc(1, sizeof(*vs));
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	pthread_mutex_init(&vs->mu, NULL);
	vs->root = xasprintf("%s/volumes", data_root);
	vs->index = json_object();
	r = fs_mkdir_p(vs->root, 0701);
	if (r < 0) {
		volumes_close(vs);
		return err_errno(e, r, "cannot create '%s'", data_root);
	}
	/* meta.json of a create a crash cut short (depth 1: never in _data/) */
	r = fs_remove_write_leftovers(vs->root, 1);
	if (r > 0)
		log_info("removed %d temporary files left in '%s'", r, vs->root);
	d = opendir(vs->root);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* A volume without meta.json is a half-created one from a crash. */
		if (load_one(vs, de->d_name) < 0) {
			_cleanup_free_ char *p = xasprintf("%s/%s", vs->root, de->d_name);
			log_warn("removing incomplete volume '%s'", de->d_name);
			(void)fs_rm_rf(p);
		}
	}
	*ret = vs;
	return 0;
}

void
volumes_close(struct volumes *vs)
{
	if (!vs)
		return;
	json_decref(vs->index);
	free(vs->root);
	pthread_mutex_destroy(&vs->mu);
	free(vs);
}

void
volumes_set_users_fn(struct volumes *vs, volume_users_fn fn, void *ud)
{
	vs->users_fn = fn;
	vs->users_ud = ud;
}

char *
volume_data_path(const struct volumes *vs, const char *name)
{
	return xasprintf("%s/%s/_data", vs->root, name);
}

static void
fill_info(struct volumes *vs, const char *name, json_t *meta, struct volume_info *ret)
{
	int64_t created = json_integer_value(json_object_get(meta, "created_ns"));

	ret->name = xstrdup(name);
	ret->mountpoint = volume_data_path(vs, name);
	ret->labels = json_deep_copy(json_object_get(meta, "labels"));
	ret->options = json_deep_copy(json_object_get(meta, "options"));
	if (!ret->labels)
		ret->labels = json_object();
	if (!ret->options)
		ret->options = json_object();
	ret->created_ns = created;
	ret->anonymous = json_is_true(json_object_get(meta, "anonymous"));
}

static int
check_options(json_t *options, struct err *e)
{
	const char *k;
	json_t *v;

	/* The local driver's mount options (type/device/o) need mounting at
	 * container start, which berth does not do yet: refuse rather than
	 * silently create a plain directory. */
	json_object_foreach(options, k, v)
		return err_set(e, -EINVAL,
			       "invalid option key: \"%s\" (volume driver options are not supported by berth yet)",
			       k);
	return 0;
}

int
volume_create(struct volumes *vs, const char *name, json_t *labels, json_t *options,
	      bool anonymous, struct volume_info *ret, struct err *e)
{
	char idbuf[65];
	_cleanup_free_ char *dir = NULL, *data = NULL, *metapath = NULL;
	json_t *meta;
	char *text;
	int r;

	if (!name || !*name) {
		id_random_hex(idbuf);
		name = idbuf;
		anonymous = true;
	} else if (!volume_name_is_valid(name)) {
		if (strlen(name) < 2)
			return err_set(e, -EINVAL,
				       "volume name is too short, names should be at least two alphanumeric characters");
		return err_set(e, -EINVAL,
			       "\"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
			       name);
	}
	if (options && check_options(options, e) < 0)
		return e->code;
	pthread_mutex_lock(&vs->mu);
	meta = json_object_get(vs->index, name);
	if (meta) {
		fill_info(vs, name, meta, ret);
		pthread_mutex_unlock(&vs->mu);
		return 0;
	}
	dir = xasprintf("%s/%s", vs->root, name);
	data = volume_data_path(vs, name);
	metapath = xasprintf("%s/meta.json", dir);
	r = fs_mkdir_p(data, 0755);
	if (r == 0 && vs->owned && chown(data, vs->owner_uid, vs->owner_gid) < 0)
		r = -errno;
	if (r < 0) {
		pthread_mutex_unlock(&vs->mu);
		return err_errno(e, r, "create %s", name);
	}
	meta = json_pack("{s:O,s:O,s:I,s:b}", "labels", labels ? labels : json_object(),
			 "options", options ? options : json_object(), "created_ns",
			 (json_int_t)time_now_ns(), "anonymous", anonymous);
	if (!meta) {
		pthread_mutex_unlock(&vs->mu);
		(void)fs_rm_rf(dir);
		return err_set(e, -EINVAL, "create %s: labels must be strings", name);
	}
	text = json_dumps(meta, JSON_COMPACT);
	r = fs_write_atomic(metapath, text, strlen(text), 0600);
	free(text);
	if (r < 0) {
		json_decref(meta);
		pthread_mutex_unlock(&vs->mu);
		(void)fs_rm_rf(dir);
		return err_errno(e, r, "create %s", name);
	}
	json_object_set_new(vs->index, name, meta);
	fill_info(vs, name, meta, ret);
	pthread_mutex_unlock(&vs->mu);
	return 0;
}

int
volume_get(struct volumes *vs, const char *name, struct volume_info *ret, struct err *e)
{
	json_t *meta;

	pthread_mutex_lock(&vs->mu);
	meta = json_object_get(vs->index, name);
	if (meta)
		fill_info(vs, name, meta, ret);
	pthread_mutex_unlock(&vs->mu);
	if (!meta)
		return err_set(e, -ENOENT, "get %s: no such volume", name);
	return 0;
}

static int
cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct volume_info *)a)->name, ((const struct volume_info *)b)->name);
}

int
volume_list(struct volumes *vs, struct volume_info **ret, size_t *ret_n, struct err *e)
{
	struct volume_info *out;
	const char *name;
	json_t *meta;
	size_t n = 0;

	(void)e;
	pthread_mutex_lock(&vs->mu);
	out = xcalloc(json_object_size(vs->index) + 1, sizeof(*out));
	json_object_foreach(vs->index, name, meta)
		fill_info(vs, name, meta, &out[n++]);
	pthread_mutex_unlock(&vs->mu);
	qsort(out, n, sizeof(*out), cmp_info);
	*ret = out;
	*ret_n = n;
	return 0;
}

json_t *
volume_users(struct volumes *vs, const char *name)
{
	json_t *ids = vs->users_fn ? vs->users_fn(vs->users_ud, name) : NULL;
	return ids ? ids : json_array();
}

int
volume_remove(struct volumes *vs, const char *name, bool force, struct err *e)
{
	_cleanup_free_ char *dir = NULL;
	json_t *users;
	int r;

	(void)force;
	pthread_mutex_lock(&vs->mu);
	if (!json_object_get(vs->index, name)) {
		pthread_mutex_unlock(&vs->mu);
		return err_set(e, -ENOENT, "get %s: no such volume", name);
	}
	pthread_mutex_unlock(&vs->mu);
	users = volume_users(vs, name);
	if (json_array_size(users) > 0) {
		_cleanup_buf_ struct buf ids = BUF_INIT;
		size_t i;
		json_t *v;
		json_array_foreach(users, i, v)
			buf_printf(&ids, "%s%s", i ? " " : "", json_string_value(v));
		json_decref(users);
		return err_set(e, -EBUSY, "remove %s: volume is in use - [%s]", name, ids.data);
	}
	json_decref(users);
	pthread_mutex_lock(&vs->mu);
	dir = xasprintf("%s/%s", vs->root, name);
	/* meta.json first: a crash half-way leaves an incomplete volume that
	 * the next start removes, never a listed volume without data. */
	{
		_cleanup_free_ char *meta = xasprintf("%s/meta.json", dir);
		(void)unlink(meta);
	}
	json_object_del(vs->index, name);
	pthread_mutex_unlock(&vs->mu);
	r = fs_rm_rf(dir);
	if (r < 0)
		return err_errno(e, r, "remove %s", name);
	return 0;
}

int64_t
volume_size(const struct volume_info *v)
{
	uint64_t n = 0;

	if (fs_tree_size(v->mountpoint, &n) < 0)
		return -1;
	return (int64_t)n;
}

void
volume_info_release(struct volume_info *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->mountpoint);
	json_decref(v->labels);
	json_decref(v->options);
	memset(v, 0, sizeof(*v));
}

int
volume_prune(struct volumes *vs, bool all, bool (*keep)(const struct volume_info *, void *),
	     void *ud, json_t *ret_names, int64_t *ret_bytes, struct err *e)
{
	struct volume_info *list = NULL;
	size_t n = 0;
	int r;

	r = volume_list(vs, &list, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct volume_info *v = &list[i];
		struct err ignored = ERR_INIT;
		json_t *users;
		int64_t size;

		if ((!all && !v->anonymous) || (keep && keep(v, ud)))
			continue;
		users = volume_users(vs, v->name);
		bool used = json_array_size(users) > 0;
		json_decref(users);
		if (used)
			continue;
		size = volume_size(v);
		if (volume_remove(vs, v->name, false, &ignored) == 0) {
			json_array_append_new(ret_names, json_string(v->name));
			if (size > 0)
				*ret_bytes += size;
		}
	}
	for (size_t i = 0; i < n; i++)
		volume_info_release(&list[i]);
	free(list);
	return 0;
}
