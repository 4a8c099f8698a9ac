/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerd's image delete (daemon/images/image_delete.go) over the store's
 * tables. Deletions are serialised by s->del_lock; the container-usage
 * callback runs with only that lock held, table changes under s->lock, and
 * layer directories are removed after s->lock is dropped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/store/store_internal.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

enum conflict {
	C_CHILD = 1 << 0,	/* hard: dependent child images */
	C_RUNNING = 1 << 1,	/* hard: a running container */
	C_REFS = 1 << 2,	/* soft: still referenced */
	C_STOPPED = 1 << 3,	/* soft: a stopped container */
};
#define C_HARD (C_CHILD | C_RUNNING)
#define C_SOFT (C_REFS | C_STOPPED)

struct del {
	struct store *s;
	const struct store_delete_opts *o;
	struct store_delete_report *rep;
};

static void
record(struct del *d, enum store_delete_kind kind, char *what)
{
	struct store_delete_report *r = d->rep;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->items = xrealloc(r->items, r->cap * sizeof(*r->items));
	}
	r->items[r->n++] = (struct store_delete_item){kind, what};
}

void
store_delete_report_release(struct store_delete_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].what);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static bool
used_by(struct del *d, const char *hex, bool running, char ctr[65])
{
	char id[DIGEST_STR_LEN + 1];

	if (!d->o->usage)
		return false;
	snprintf(id, sizeof(id), "sha256:%s", hex);
	ctr[0] = '\0';
	return d->o->usage(d->o->usage_ctx, id, running, ctr);
}

static void
count_links(struct store *s, const char *hex, bool *ret_children, bool *ret_refs)
{
	pthread_mutex_lock(&s->lock);
	*ret_children = false;
	*ret_refs = false;
	for (size_t i = 0; i < s->n_images; i++)
		*ret_children |= strcmp(s->images[i]->parent, hex) == 0;
	for (size_t i = 0; i < s->n_refs; i++)
		*ret_refs |= strcmp(s->refs[i].id, hex) == 0;
	pthread_mutex_unlock(&s->lock);
}

/* 0 when none of the @mask conflicts applies, else -EBUSY with dockerd's text. */
static int
check_conflict(struct del *d, const char *hex, unsigned mask, bool *ret_used, struct err *e)
{
	const char *why = NULL;
	bool hard = false, children, refs;
	char ctr[65] = "", msg[128];

	*ret_used = false;
	count_links(d->s, hex, &children, &refs);
	if ((mask & C_CHILD) && children) {
		why = "image has dependent child images";
		hard = true;
	} else if ((mask & C_RUNNING) && used_by(d, hex, true, ctr)) {
		snprintf(msg, sizeof(msg), "image is being used by running container %.12s", ctr);
		why = msg;
		hard = *ret_used = true;
	} else if ((mask & C_REFS) && refs) {
		why = "image is referenced in multiple repositories";
	} else if ((mask & C_STOPPED) && used_by(d, hex, false, ctr)) {
		snprintf(msg, sizeof(msg), "image is being used by stopped container %.12s", ctr);
		why = msg;
		*ret_used = true;
	}
	if (!why)
		return 0;
	return err_set(e, -EBUSY, "conflict: unable to delete %.12s (%s) - %s", hex,
		       hard ? "cannot be forced" : "must be forced", why);
}

/* Under s->lock: removes refs of @hex matching @pred, recording each. */
static void
drop_refs(struct del *d, const char *hex, const struct reference *same_repo, bool digests_only)
{
	struct store *s = d->s;

	for (size_t i = 0; i < s->n_refs;) {
		struct store_ref *r = &s->refs[i];
		if (strcmp(r->id, hex) != 0 || (digests_only && !r->ref.digest) ||
		    (same_repo && !reference_same_repo(&r->ref, same_repo))) {
			i++;
			continue;
		}
		record(d, STORE_UNTAGGED, reference_familiar(&r->ref));
		reference_release(&r->ref);
		*r = s->refs[--s->n_refs];
		store_changed_locked(s);
	}
}

/* Under s->lock: removes image @hex and the layers only it used. */
static int
remove_image(struct del *d, struct store_img *img, char ***detached, struct err *e)
{
	struct store *s = d->s;
	_cleanup_free_ char *cfg = xasprintf("%s/%s.json", s->images_dir, img->id);
	_cleanup_free_ char *meta = xasprintf("%s/%s.json", s->meta_dir, img->id);
	size_t n = 0;

	if (unlink(cfg) < 0 && errno != ENOENT)
		return err_errno(e, -errno, "cannot remove image sha256:%s", img->id);
	(void)unlink(meta);
	(void)fs_fsync_parent(cfg);
	for (size_t i = 0; i < s->n_images; i++)
		if (s->images[i] == img)
			s->images[i] = s->images[--s->n_images];
	store_changed_locked(s);
	record(d, STORE_DELETED, xasprintf("sha256:%s", img->id));
	*detached = xcalloc(img->n_layers + 1, sizeof(char *));
	/* Top down, so a freed layer no longer pins its parent. */
	for (size_t k = img->n_layers; k-- > 0;) {
		struct store_lay *l = store_find_layer(s, img->chain[k]);
		if (!l || store_layer_in_use(s, img->chain[k], img))
			break;
		d->rep->reclaimed += l->size;
		record(d, STORE_DELETED, xasprintf("sha256:%s", img->chain[k]));
		(*detached)[n++] = store_layer_detach(s, img->chain[k]);
	}
	return 0;
}

static int
delete_helper(struct del *d, const char *hex, bool force, bool prune, bool quiet, struct err *e)
{
	struct store *s = d->s;
	_cleanup_strv_ char **detached = NULL;
	struct store_img *img;
	char parent[HEX_SZ] = "";
	bool used, children, refs;
	int r;

	r = check_conflict(d, hex, C_HARD | (force ? 0 : C_SOFT), &used, e);
	if (r < 0) {
		count_links(s, hex, &children, &refs);
		/* Quiet (parent pruning, or after an untag): only a dangling
		 * unused image is worth an error. */
		if (quiet && ((children || refs) || used)) {
			err_clear(e);
			return 0;
		}
		return r;
	}
	pthread_mutex_lock(&s->lock);
	img = store_find_image(s, hex);
	if (!img) {
		pthread_mutex_unlock(&s->lock);
		return quiet ? 0 : err_set(e, -ENOENT, "No such image: sha256:%s", hex);
	}
	memcpy(parent, img->parent, HEX_SZ);
	drop_refs(d, hex, NULL, false);
	r = store_refs_save(s, e);
	if (r == 0)
		r = remove_image(d, img, &detached, e);
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return r;
	store_img_free(img);
	for (char **p = detached; p && *p; p++)
		if (fs_rm_rf(*p) < 0)
			log_warn("cannot remove layer directory '%s', ignoring", *p);
	if (!prune || !*parent)
		return 0;
	return delete_helper(d, parent, false, true, true, e);
}

/* True when @name is a prefix of the ID, with or without "sha256:". */
static bool
names_id(const char *hex, const char *name)
{
	const char *rest;
	size_t n = strlen(name);

	if (str_startswith(name, "sha256:", &rest))
		return strncmp(hex, rest, strlen(rest)) == 0;
	return n <= DIGEST_HEX_LEN && strncmp(hex, name, n) == 0;
}

/* dockerd's isSingleReference: at most one tag and everything in one repo. */
static bool
single_reference(struct store *s, const char *hex)
{
	const struct reference *first = NULL;
	size_t tags = 0, n = 0;
	bool same = true;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_refs; i++) {
		if (strcmp(s->refs[i].id, hex) != 0)
			continue;
		n++;
		tags += s->refs[i].ref.tag != NULL;
		if (!first)
			first = &s->refs[i].ref;
		else if (!reference_same_repo(first, &s->refs[i].ref))
			same = false;
	}
	pthread_mutex_unlock(&s->lock);
	return n >= 1 && tags <= 1 && same;
}

static size_t
refs_of(struct store *s, const char *hex, const struct reference *tag_repo)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_refs; i++)
		if (strcmp(s->refs[i].id, hex) == 0 &&
		    (!tag_repo || (s->refs[i].ref.tag &&
				   reference_same_repo(&s->refs[i].ref, tag_repo))))
			n++;
	return n;
}

/* rmi by reference: untag, then delete when it was the last reference. */
static int
delete_by_ref(struct del *d, const char *name, const char *hex, struct err *e)
{
	struct store *s = d->s;
	struct reference ref = REFERENCE_INIT;
	char ctr[65];
	bool used;
	size_t left;
	int r;

	pthread_mutex_lock(&s->lock);
	left = refs_of(s, hex, NULL);
	pthread_mutex_unlock(&s->lock);
	if (left == 1) {
		if (!d->o->force && used_by(d, hex, false, ctr))
			return err_set(e, -EBUSY,
				       "conflict: unable to remove repository reference \"%s\" (must "
				       "force) - container %.12s is using its referenced image %.12s",
				       name, ctr, hex);
		r = check_conflict(d, hex, C_HARD | (d->o->force ? 0 : C_STOPPED), &used, e);
		if (r < 0)
			return r;
	}
	r = reference_parse(name, &ref, e);
	if (r < 0)
		return r;
	reference_default_tag(&ref);
	r = store_image_untag(s, &ref, e);
	if (r == 0) {
		record(d, STORE_UNTAGGED, reference_familiar(&ref));
		pthread_mutex_lock(&s->lock);
		/* The last tag of a repository takes its digest references along. */
		if (!ref.digest && refs_of(s, hex, &ref) == 0) {
			drop_refs(d, hex, &ref, true);
			r = store_refs_save(s, e);
		}
		left = refs_of(s, hex, NULL);
		pthread_mutex_unlock(&s->lock);
	}
	reference_release(&ref);
	if (r < 0 || left > 0)
		return r;
	return delete_helper(d, hex, d->o->force, !d->o->noprune, true, e);
}

int
store_delete_image(struct store *s, const char *name, const struct store_delete_opts *o,
		   struct store_delete_report *report, struct err *e)
{
	static const struct store_delete_opts none = {0};
	struct del d = {.s = s, .o = o ? o : &none, .rep = report};
	char id[DIGEST_STR_LEN + 1];
	bool used;
	int r;

	pthread_mutex_lock(&s->del_lock);
	r = store_image_resolve(s, name, id, e);
	if (r < 0)
		goto out;
	if (!names_id(id + 7, name)) {
		r = delete_by_ref(&d, name, id + 7, e);
		goto out;
	}
	if (single_reference(s, id + 7)) {
		r = check_conflict(&d, id + 7, C_HARD | (d.o->force ? 0 : C_STOPPED), &used, e);
		if (r < 0)
			goto out;
		pthread_mutex_lock(&s->lock);
		drop_refs(&d, id + 7, NULL, false);
		r = store_refs_save(s, e);
		pthread_mutex_unlock(&s->lock);
		if (r < 0)
			goto out;
	}
	r = delete_helper(&d, id + 7, d.o->force, !d.o->noprune, false, e);
out:
	pthread_mutex_unlock(&s->del_lock);
	return r;
}
