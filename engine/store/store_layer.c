/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer store; see store_layer.h. Unpacking runs unlocked in a private
 * temp dir; only the final rename and the table update happen under
 * s->lock, which makes "first creator wins, later ones reuse it" atomic.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/store/store_internal.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

#define LAYER_META_MAX (1024u * 1024)

void
store_layer_chain_id(const char *parent_chain, const char *diff_id, char ret[DIGEST_STR_LEN + 1])
{
	char hex[HEX_SZ];

	store_chain_id(parent_chain ? parent_chain + 7 : NULL, diff_id + 7, hex);
	snprintf(ret, DIGEST_STR_LEN + 1, "sha256:%s", hex);
}

static void
fill_info(const struct store_lay *l, struct store_layer_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->chain_id, sizeof(ret->chain_id), "sha256:%s", l->chain);
	snprintf(ret->diff_id, sizeof(ret->diff_id), "sha256:%s", l->diff);
	if (*l->parent)
		snprintf(ret->parent, sizeof(ret->parent), "sha256:%s", l->parent);
	ret->size = l->size;
}

static json_t *
meta_json(const struct store_lay *l)
{
	char chain[DIGEST_STR_LEN + 1], diff[DIGEST_STR_LEN + 1], parent[DIGEST_STR_LEN + 1];

	snprintf(chain, sizeof(chain), "sha256:%s", l->chain);
	snprintf(diff, sizeof(diff), "sha256:%s", l->diff);
	snprintf(parent, sizeof(parent), "sha256:%s", l->parent);
	return json_pack("{s:s, s:s, s:s, s:I, s:O}", "chain_id", chain, "diff_id", diff, "parent",
			 *l->parent ? parent : "", "size", (json_int_t)l->size, "sources",
			 l->sources);
}

static int
write_meta(const char *dir, const struct store_lay *l)
{
	_cleanup_free_ char *path = xasprintf("%s/meta.json", dir);
	_cleanup_json_ json_t *j = meta_json(l);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (!text)
		return -ENOMEM;
	return fs_write_atomic(path, text, strlen(text), 0600);
}

/* Parses a meta.json; the stored chain ID must match the directory name. */
static int
parse_meta(const char *dirname, const char *text, size_t len, struct store_lay **ret)
{
	_cleanup_json_ json_t *j = json_loadb(text, len, 0, NULL);
	const char *chain = NULL, *diff = NULL, *parent = NULL;
	json_int_t size = -1;
	json_t *sources = NULL;
	struct store_lay *l;

	if (!j || json_unpack(j, "{s:s, s:s, s:s, s:I, s?o}", "chain_id", &chain, "diff_id", &diff,
			      "parent", &parent, "size", &size, "sources", &sources) < 0)
		return -EINVAL;
	if (!digest_is_valid(chain) || !digest_is_valid(diff) || size < 0 ||
	    strcmp(chain + 7, dirname) != 0 || (*parent && !digest_is_valid(parent)) ||
	    (sources && !json_is_array(sources)))
		return -EINVAL;
	l = xcalloc(1, sizeof(*l));
	memcpy(l->chain, chain + 7, HEX_SZ);
	memcpy(l->diff, diff + 7, HEX_SZ);
	if (*parent)
		memcpy(l->parent, parent + 7, HEX_SZ);
	l->size = (uint64_t)size;
	l->sources = sources ? json_incref(sources) : json_array();
	*ret = l;
	return 0;
}

static void
remove_layer_dir(struct store *s, const char *name, const char *why)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", s->layers_dir, name);

	log_info("removing layer directory '%s' (%s)", p, why);
	if (fs_rm_rf(p) < 0)
		log_warn("cannot remove '%s', ignoring", p);
}

static void
load_one_layer(struct store *s, const char *name)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_buf_ struct buf b = BUF_INIT;
	struct store_lay *l = NULL;

	if (name[0] == '.') {
		/* .tmp-* (unpack in progress) and .del-* (removal in progress). */
		remove_layer_dir(s, name, "left over by an interrupted run");
		return;
	}
	if (!str_is_hex(name, DIGEST_HEX_LEN)) {
		log_warn("unexpected entry '%s/%s', ignoring", s->layers_dir, name);
		return;
	}
	path = xasprintf("%s/%s/meta.json", s->layers_dir, name);
	if (fs_read_file(path, LAYER_META_MAX, &b) < 0 ||
	    parse_meta(name, b.data, b.len, &l) < 0) {
		remove_layer_dir(s, name, "no valid meta.json");
		return;
	}
	store_array_push((void ***)&s->layers, &s->n_layers, &s->cap_layers, l);
}

int
store_layers_load(struct store *s, struct err *e)
{
	_cleanup_closedir_ DIR *d = opendir(s->layers_dir);
	struct dirent *de;

	if (!d)
		return err_errno(e, -errno, "cannot open '%s'", s->layers_dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			load_one_layer(s, de->d_name);
	/* A layer whose parent is gone can never be mounted. */
	for (size_t i = 0; i < s->n_layers;) {
		struct store_lay *l = s->layers[i];
		if (*l->parent && !store_find_layer(s, l->parent)) {
			remove_layer_dir(s, l->chain, "parent layer missing");
			store_lay_free(l);
			s->layers[i] = s->layers[--s->n_layers];
			i = 0;
			continue;
		}
		i++;
	}
	return 0;
}

/* Unpacks into @tmp/diff and fills @l (everything but the chain ID). */
static int
unpack(const char *tmp, int in_fd, struct store_lay *l, struct err *e)
{
	_cleanup_free_ char *diff = xasprintf("%s/diff", tmp);
	_cleanup_close_ int dfd = -1;
	/* device nodes as dockerd extracts them (the container's devices
	 * cgroup, not the layer, decides what can be opened); no caller needs
	 * the input's digest (a pulled blob was verified as it was stored) */
	struct untar_opts o = {.whiteout = UNTAR_WHITEOUT_OVERLAY,
			       .flags = UNTAR_ALLOW_DEVICES | UNTAR_NO_RAW_DIGEST};
	struct untar_result res;
	int r;

	if (mkdir(diff, 0755) < 0)
		return err_errno(e, -errno, "cannot create '%s'", diff);
	dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(e, -errno, "cannot open '%s'", diff);
	r = untar_extract(in_fd, dfd, &o, &res, e);
	if (r < 0)
		return r;
	/* The diff must be on disk before meta.json vouches for it. */
	if (syncfs(dfd) < 0)
		return err_errno(e, -errno, "cannot sync layer");
	memcpy(l->diff, res.diff_id + 7, HEX_SZ);
	l->size = res.unpacked_size;
	return 0;
}

static void
add_source_json(json_t *sources, const char *digest, const char *repo)
{
	size_t i;
	json_t *v;

	json_array_foreach(sources, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "digest")) ?: "", digest) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "repository")) ?: "", repo) == 0)
			return;
	}
	json_array_append_new(sources,
			      json_pack("{s:s, s:s}", "digest", digest, "repository", repo));
}

/*
 * Under s->lock: either an identical layer exists (take a hold, drop ours)
 * or ours is renamed into place and indexed with a hold.
 */
static int
publish(struct store *s, const char *tmp, struct store_lay **lp, const struct store_layer_opts *o,
	struct store_layer_info *ret, struct err *e)
{
	_cleanup_free_ char *final = xasprintf("%s/%s", s->layers_dir, (*lp)->chain);
	struct store_lay *have;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	have = store_find_layer(s, (*lp)->chain);
	if (!have) {
		if (rename(tmp, final) < 0) {
			r = err_errno(e, -errno, "cannot move layer into '%s'", final);
			goto out;
		}
		(void)fs_fsync_parent(final);
		have = TAKE_PTR(*lp);
		store_array_push((void ***)&s->layers, &s->n_layers, &s->cap_layers, have);
	} else if (o->source_digest && o->source_repo) {
		add_source_json(have->sources, o->source_digest, o->source_repo);
		(void)write_meta(final, have);
	}
	have->holds++;
	fill_info(have, ret);
	store_changed_locked(s);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int
check_parent(struct store *s, const char *parent, struct err *e)
{
	int r = 0;

	if (!parent)
		return 0;
	if (!digest_is_valid(parent))
		return err_set(e, -EINVAL, "invalid parent layer '%s'", parent);
	pthread_mutex_lock(&s->lock);
	if (!store_find_layer(s, parent + 7))
		r = err_set(e, -ENOENT, "parent layer %s not found", parent);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* An unpacked, synced, unpublished layer: its temp dir and its record. */
struct store_layer_pending {
	char *tmp;
	struct store_lay *l;
};

void
store_layer_pending_free(struct store_layer_pending *p)
{
	if (!p)
		return;
	if (p->tmp)
		(void)fs_rm_rf(p->tmp); /* gone already when it was published */
	free(p->tmp);
	store_lay_free(p->l);
	free(p);
}

int
store_layer_prepare(struct store *s, int in_fd, const struct store_layer_opts *o,
		    struct store_layer_pending **ret, struct err *e)
{
	static const struct store_layer_opts none = {0};
	struct store_layer_pending *p = NULL;
	int r;

	o = o ? o : &none;
	if (o->expected_diff_id && !digest_is_valid(o->expected_diff_id))
		return err_set(e, -EINVAL, "invalid diff ID '%s'", o->expected_diff_id);
	p = xcalloc(1, sizeof(*p));
	p->l = xcalloc(1, sizeof(*p->l));
	p->l->sources = json_array();
	r = fs_mkdtemp_in(s->layers_dir, ".tmp-", &p->tmp);
	if (r < 0) {
		p->tmp = NULL;
		store_layer_pending_free(p);
		return err_errno(e, r, "cannot create a temporary layer in '%s'", s->layers_dir);
	}
	r = unpack(p->tmp, in_fd, p->l, e);
	if (r == 0 && o->expected_diff_id && strcmp(o->expected_diff_id + 7, p->l->diff) != 0)
		r = err_set(e, -EINVAL, "layer diff ID mismatch: expected %s, got sha256:%s",
			    o->expected_diff_id, p->l->diff);
	if (r < 0) {
		store_layer_pending_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int
store_layer_commit(struct store *s, struct store_layer_pending *p, const struct store_layer_opts *o,
		   struct store_layer_info *ret, struct err *e)
{
	static const struct store_layer_opts none = {0};
	struct store_layer_info info = {0};
	struct store_lay *l = p->l;
	int r;

	o = o ? o : &none;
	r = check_parent(s, o->parent_chain, e);
	if (r == 0) {
		if (o->parent_chain)
			memcpy(l->parent, o->parent_chain + 7, HEX_SZ);
		store_chain_id(l->parent, l->diff, l->chain);
		if (o->source_digest && o->source_repo)
			add_source_json(l->sources, o->source_digest, o->source_repo);
		r = write_meta(p->tmp, l);
		if (r < 0)
			err_errno(e, r, "cannot write layer metadata");
	}
	if (r == 0)
		r = publish(s, p->tmp, &p->l, o, &info, e);
	store_layer_pending_free(p);
	if (r == 0 && ret)
		*ret = info;
	return r;
}

int
store_layer_create(struct store *s, int in_fd, const struct store_layer_opts *o,
		   struct store_layer_info *ret, struct err *e)
{
	struct store_layer_pending *p = NULL;
	int r;

	/* before unpacking anything, as the parent cannot appear meanwhile */
	r = check_parent(s, o ? o->parent_chain : NULL, e);
	if (r == 0)
		r = store_layer_prepare(s, in_fd, o, &p, e);
	if (r == 0)
		r = store_layer_commit(s, p, o, ret, e);
	return r;
}

int
store_layer_get(struct store *s, const char *chain_id, bool hold, struct store_layer_info *ret,
		struct err *e)
{
	struct store_lay *l;
	int r = 0;

	if (!digest_is_valid(chain_id))
		return err_set(e, -EINVAL, "invalid layer ID '%s'", chain_id);
	pthread_mutex_lock(&s->lock);
	l = store_find_layer(s, chain_id + 7);
	if (!l) {
		r = err_set(e, -ENOENT, "layer %s not found", chain_id);
	} else {
		if (hold)
			l->holds++;
		if (ret)
			fill_info(l, ret);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void
store_layer_release(struct store *s, const char *chain_id)
{
	struct store_lay *l;

	if (!digest_is_valid(chain_id))
		return;
	pthread_mutex_lock(&s->lock);
	l = store_find_layer(s, chain_id + 7);
	if (l && l->holds > 0)
		l->holds--;
	pthread_mutex_unlock(&s->lock);
}

int
store_layer_add_source(struct store *s, const char *chain_id, const char *digest,
		       const char *repo, struct err *e)
{
	_cleanup_free_ char *dir = NULL;
	struct store_lay *l;
	int r = 0;

	if (!digest_is_valid(chain_id) || !digest_is_valid(digest))
		return err_set(e, -EINVAL, "invalid digest");
	pthread_mutex_lock(&s->lock);
	l = store_find_layer(s, chain_id + 7);
	if (!l) {
		r = err_set(e, -ENOENT, "layer %s not found", chain_id);
	} else {
		add_source_json(l->sources, digest, repo);
		store_changed_locked(s);
		dir = xasprintf("%s/%s", s->layers_dir, l->chain);
		r = write_meta(dir, l);
		if (r < 0)
			err_errno(e, r, "cannot write layer metadata");
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
store_layer_sources(struct store *s, const char *chain_id, json_t **ret, struct err *e)
{
	struct store_lay *l;
	int r = 0;

	if (!digest_is_valid(chain_id))
		return err_set(e, -EINVAL, "invalid layer ID '%s'", chain_id);
	pthread_mutex_lock(&s->lock);
	l = store_find_layer(s, chain_id + 7);
	if (!l)
		r = err_set(e, -ENOENT, "layer %s not found", chain_id);
	else
		*ret = json_deep_copy(l->sources);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
store_layer_diff_path(struct store *s, const char *chain_id, char **ret, struct err *e)
{
	int r = store_layer_get(s, chain_id, false, NULL, e);

	if (r < 0)
		return r;
	*ret = xasprintf("%s/%s/diff", s->layers_dir, chain_id + 7);
	return 0;
}

bool
store_layer_in_use(struct store *s, const char *chain, const struct store_img *except)
{
	struct store_lay *l = store_find_layer(s, chain);

	if (l && l->holds > 0)
		return true;
	/* A child layer keeps its parent: its diff is meaningless alone. */
	for (size_t i = 0; i < s->n_layers; i++)
		if (strcmp(s->layers[i]->parent, chain) == 0)
			return true;
	for (size_t i = 0; i < s->n_images; i++) {
		const struct store_img *img = s->images[i];
		if (img == except)
			continue;
		for (size_t k = 0; k < img->n_layers; k++)
			if (strcmp(img->chain[k], chain) == 0)
				return true;
	}
	return false;
}

char *
store_layer_detach(struct store *s, const char *chain)
{
	_cleanup_free_ char *from = xasprintf("%s/%s", s->layers_dir, chain);
	char rnd[ID_HEX_LEN + 1];
	char *to;

	for (size_t i = 0; i < s->n_layers; i++) {
		if (strcmp(s->layers[i]->chain, chain) != 0)
			continue;
		store_lay_free(s->layers[i]);
		s->layers[i] = s->layers[--s->n_layers];
		store_changed_locked(s);
		break;
	}
	id_random_hex(rnd);
	rnd[12] = '\0';
	to = xasprintf("%s/.del-%s-%s", s->layers_dir, chain, rnd);
	if (rename(from, to) < 0) {
		log_warn("cannot move layer '%s' aside: %s, removing in place", from,
			 strerror(errno));
		free(to);
		return TAKE_PTR(from);
	}
	return to;
}
