/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container registry and container persistence. Lookups scan an array:
 * a host runs hundreds, not millions, of containers, and a scan of a few
 * thousand IDs costs microseconds.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container_internal.h"
#include "engine/container/memo.h"
#include "engine/container/healthmon.h"
#include "engine/container/links.h"
#include "engine/container/logconf.h"
#include "engine/container/names.h"
#include "engine/container/trash.h"
#include "engine/network/network.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/deadline.h"
#include "engine/util/fs.h"
#include "engine/util/id.h"
#include "engine/util/limits.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/timeutil.h"
#include "engine/util/xalloc.h"

static const char *const status_names[] = {
	[CONTAINER_CREATED] = "created",   [CONTAINER_RUNNING] = "running",
	[CONTAINER_PAUSED] = "paused",     [CONTAINER_RESTARTING] = "restarting",
	[CONTAINER_REMOVING] = "removing", [CONTAINER_EXITED] = "exited",
	[CONTAINER_DEAD] = "dead",
};

const char *
container_status_name(enum container_status s)
{
	return (size_t)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "dead";
}

int
container_status_parse(const char *s, enum container_status *ret)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*ret = (enum container_status)i;
			return 0;
		}
	return -EINVAL;
}

void
container_endpoint_release(struct container_endpoint *ep)
{
	free(ep->network);
	free(ep->network_id);
	free(ep->endpoint_id);
	free(ep->ip);
	free(ep->gateway);
	free(ep->ip6);
	free(ep->gateway6);
	free(ep->mac);
	free(ep->netns);
	free(ep->ports);
	memset(ep, 0, sizeof(*ep));
}

void
container_state_release(struct container_state *s)
{
	free(s->error);
	s->error = NULL;
	health_state_release(&s->health);
}

static struct container *
container_alloc(void)
{
	struct container *c = xcalloc(1, sizeof(*c));

	atomic_store(&c->refs, 1);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->save_mu, NULL);
	(void)deadline_cond_init(&c->cv);
	hold_init(&c->hold);
	return c;
}

struct container *
container_ref(struct container *c)
{
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

struct container *
container_unref(struct container *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return NULL;
	spec_release(&c->spec);
	container_state_release(&c->state);
	container_endpoint_release(&c->ep);
	for (size_t i = 0; i < c->n_xeps; i++)
		container_endpoint_release(&c->xeps[i]);
	free(c->xeps);
	free(c->name);
	free(c->image_id);
	free(c->path);
	strv_free(c->args);
	free(c->dir);
	free(c->log_path);
	container_memo_release(c);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->save_mu);
	pthread_cond_destroy(&c->cv);
	hold_release(&c->hold);
	free(c);
	return NULL;
}

/* Path/Args: Docker runs entrypoint + cmd; the first word is the Path. */
static void
derive_path_args(struct container *c)
{
	_cleanup_strv_ char **all = NULL;

	for (size_t i = 0; c->spec.entrypoint && c->spec.entrypoint[i]; i++)
		strv_append(&all, c->spec.entrypoint[i]);
	for (size_t i = 0; c->spec.cmd && c->spec.cmd[i]; i++)
		strv_append(&all, c->spec.cmd[i]);
	free(c->path);
	strv_free(c->args);
	c->path = xstrdup(all && all[0] ? all[0] : "");
	c->args = strv_dup(all && all[0] ? all + 1 : NULL);
	if (!c->args)
		c->args = xcalloc(1, sizeof(char *));
}

static json_t *
state_to_json(const struct container_state *s)
{
	return json_pack("{s:s,s:i,s:i,s:b,s:I,s:I,s:s?,s:i,s:b,s:b,s:o*}", "status",
			 container_status_name(s->status), "pid", s->pid, "exit_code", s->exit_code,
			 "oom_killed", s->oom_killed, "started_ns", (json_int_t)s->started_ns,
			 "finished_ns", (json_int_t)s->finished_ns, "error", s->error,
			 "restart_count", s->restart_count, "manually_stopped", s->manually_stopped,
			 "has_been_started", s->has_been_started, "health",
			 health_state_to_json(&s->health));
}

static void
state_from_json(json_t *j, struct container_state *s)
{
	const char *status = json_string_value(json_object_get(j, "status"));

	memset(s, 0, sizeof(*s));
	if (!status || container_status_parse(status, &s->status) < 0)
		s->status = CONTAINER_DEAD;
	s->pid = (int)json_integer_value(json_object_get(j, "pid"));
	s->exit_code = (int)json_integer_value(json_object_get(j, "exit_code"));
	s->oom_killed = json_is_true(json_object_get(j, "oom_killed"));
	s->started_ns = json_integer_value(json_object_get(j, "started_ns"));
	s->finished_ns = json_integer_value(json_object_get(j, "finished_ns"));
	if (json_is_string(json_object_get(j, "error")))
		s->error = xstrdup(json_string_value(json_object_get(j, "error")));
	s->restart_count = (int)json_integer_value(json_object_get(j, "restart_count"));
	s->manually_stopped = json_is_true(json_object_get(j, "manually_stopped"));
	s->has_been_started = json_is_true(json_object_get(j, "has_been_started"));
	health_state_from_json(json_object_get(j, "health"), &s->health);
}

/* Writes @j (consumed) to @dir/@file durably: replacing it atomically, or,
 * @fresh, as a new file in a new directory (fs_write_new_durable). */
static int
write_json(const char *dir, const char *file, json_t *j, bool fresh)
{
	_cleanup_free_ char *path = NULL;
	char *text = json_dumps(j, JSON_COMPACT);
	int r;

	json_decref(j);
	if (!text)
		return -ENOMEM;
	if (fresh) {
		r = fs_write_new_durable(dir, file, text, strlen(text), 0600);
	} else {
		path = xasprintf("%s/%s", dir, file);
		r = fs_write_atomic(path, text, strlen(text), 0600);
	}
	free(text);
	return r;
}

int
container_save_state(struct container *c, struct err *e)
{
	json_t *j;
	bool gone;
	int r;

	pthread_mutex_lock(&c->save_mu);
	pthread_mutex_lock(&c->mu);
	/* Every change is saved right after it is made: the save marks it. */
	container_changed_locked(c);
	gone = c->removed || c->state.status == CONTAINER_REMOVING;
	j = gone ? NULL : state_to_json(&c->state);
	pthread_mutex_unlock(&c->mu);
	/* Being removed: its directory goes, there is nothing to save. */
	r = gone ? 0 : write_json(c->dir, "state.json", j, false);
	pthread_mutex_unlock(&c->save_mu);
	if (r < 0)
		return err_errno(e, r, "cannot save state of container %s", c->id);
	return 0;
}

/*
 * config.json alone: replaced atomically (temp, fsync, rename, fsync of the
 * directory), or, @fresh (create, the directory just made), written in
 * place with the file, the directory and containers/ fsynced at once.
 */
static int
save_config(struct container *c, bool fresh, struct err *e)
{
	json_t *j;
	int r;

	pthread_mutex_lock(&c->mu);
	j = json_pack("{s:s,s:s,s:I,s:s,s:o}", "id", c->id, "name", c->name, "created_ns",
		      (json_int_t)c->created_ns, "image_id", c->image_id ? c->image_id : "",
		      "spec", spec_to_json(&c->spec));
	pthread_mutex_unlock(&c->mu);
	if (!j)
		return err_set(e, -EINVAL, "cannot encode container %s", c->id);
	pthread_mutex_lock(&c->save_mu);
	r = write_json(c->dir, "config.json", j, fresh);
	pthread_mutex_unlock(&c->save_mu);
	if (r < 0)
		return err_errno(e, r, "cannot save container %s", c->id);
	return 0;
}

int
container_save(struct container *c, struct err *e)
{
	int r = save_config(c, false, e);

	return r < 0 ? r : container_save_state(c, e);
}

static json_t *
read_json(const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (fs_read_file(path, LIMIT_STATE_FILE, &b) < 0)
		return NULL;
	return json_loadb(b.data, b.len, 0, NULL);
}

static bool
state_file_missing(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/state.json", dir);

	return access(path, F_OK) < 0 && errno == ENOENT;
}

static int
load_one(struct containers *cs, const char *id, struct container **ret)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", cs->root, id);
	_cleanup_json_ json_t *cfg = read_json(dir, "config.json");
	_cleanup_json_ json_t *st = read_json(dir, "state.json");
	struct err e = ERR_INIT;
	struct container *c;

	/* No state.json: never saved since create (containers_create), so
	 * "created"; one that exists but does not parse is a broken record. */
	if (!st && state_file_missing(dir))
		st = json_pack("{s:s}", "status", "created");
	if (!cfg || !st || !str_is_hex(id, 64) ||
	    !json_is_string(json_object_get(cfg, "name")))
		return -EINVAL;
	c = container_alloc();
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->name = xstrdup(json_string_value(json_object_get(cfg, "name")));
	c->created_ns = json_integer_value(json_object_get(cfg, "created_ns"));
	c->image_id = xstrdup(json_string_value(json_object_get(cfg, "image_id")) ?: "");
	if (spec_from_json(json_object_get(cfg, "spec"), &c->spec, &e) < 0) {
		container_unref(c);
		return -EINVAL;
	}
	state_from_json(st, &c->state);
	c->dir = TAKE_PTR(dir);
	c->log_path = xasprintf("%s/%s-json.log", c->dir, c->id);
	derive_path_args(c);
	*ret = c;
	return 0;
}

static void
registry_add_locked(struct containers *cs, struct container *c)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 64;
		cs->items = xrealloc(cs->items, cs->cap * sizeof(*cs->items));
	}
	cs->items[cs->n++] = c;
	/* Links come only with create (or a reload of one): see links_names_of. */
	if (c->spec.links && c->spec.links[0])
		cs->any_links = true;
}

int
containers_open(const struct containers_config *cfg, struct containers **ret, struct err *e)
{
	struct containers *cs = xcalloc(1, sizeof(*cs));
	const char *data_root = cfg->data_root;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	pthread_mutex_init(&cs->mu, NULL);
	pthread_mutex_init(&cs->dns_mu, NULL);
	pthread_mutex_init(&cs->imgcfg_mu, NULL);
	cs->data_root = xstrdup(cfg->data_root);
	cs->exec_root = cfg->exec_root ? xstrdup(cfg->exec_root) : NULL;
	cs->store = cfg->store;
	cs->net = cfg->net;
	cs->volumes = cfg->volumes;
	cs->events = cfg->events;
	cs->execs = cfg->execs;
	cs->dns = strv_copy_nonnull(cfg->dns);
	cs->dns_search = strv_copy_nonnull(cfg->dns_search);
	cs->dns_options = strv_copy_nonnull(cfg->dns_options);
	cs->host_gateway_ip = cfg->host_gateway_ip ? xstrdup(cfg->host_gateway_ip) : NULL;
	cs->bridge_cidr = cfg->bridge_cidr ? xstrdup(cfg->bridge_cidr) : NULL;
	cs->default_ulimits = cfg->default_ulimits ? json_deep_copy(cfg->default_ulimits) : NULL;
	if (cfg->userns_remap)
		cs->userns_remap = *cfg->userns_remap;
	cs->log_driver = xstrdup(LOGCONF_DEFAULT_DRIVER);
	cs->log_opts = json_object();
	cs->root = xasprintf("%s/containers", data_root);
	r = fs_mkdir_p(cs->root, 0710);
	if (r < 0) {
		containers_close(cs);
		return err_errno(e, r, "cannot create '%s/containers'", data_root);
	}
	/* config.json, state.json, hosts... of a write a crash cut short
	 * (depth 1 stops above each container layer's rw/ contents) */
	r = fs_remove_write_leftovers(cs->root, 1);
	if (r > 0)
		log_info("removed %d temporary files left in '%s'", r, cs->root);
	/* directories of removed containers that a crash kept from going */
	r = trash_sweep(cs->root);
	if (r > 0)
		log_info("removed %d directories of removed containers left in '%s'", r, cs->root);
	cs->trash = trash_new();
	d = opendir(cs->root);
	while (d && (de = readdir(d))) {
		struct container *c = NULL;
		if (de->d_name[0] == '.')
			continue;
		if (load_one(cs, de->d_name, &c) < 0) {
			/* Created half-way by a crashed daemon: nothing refers to it. */
			_cleanup_free_ char *p = xasprintf("%s/%s", cs->root, de->d_name);
			log_warn("removing incomplete container directory '%s'", p);
			(void)fs_rm_rf(p);
			continue;
		}
		registry_add_locked(cs, c);
	}
	r = healthmon_new(cs, &cs->health, e);
	if (r < 0) {
		containers_close(cs);
		return r;
	}
	*ret = cs;
	return 0;
}

int
containers_set_log_defaults(struct containers *cs, const char *driver, char *const *opts,
			    struct err *e)
{
	_cleanup_json_ json_t *o = json_object();
	const char *d = driver && *driver ? driver : LOGCONF_DEFAULT_DRIVER;

	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		if (!eq || eq == opts[i])
			return err_set(e, -EINVAL, "invalid log option '%s': expected key=value",
				       opts[i]);
		_cleanup_free_ char *k = xstrndup(opts[i], (size_t)(eq - opts[i]));
		json_object_set_new(o, k, json_string(eq + 1));
	}
	/* dockerd refuses to start with a default it would refuse at create */
	if (logconf_validate(d, o, e) < 0)
		return err_prefix(e, "invalid default log configuration");
	free(cs->log_driver);
	cs->log_driver = xstrdup(d);
	json_decref(cs->log_opts);
	cs->log_opts = TAKE_PTR(o);
	return 0;
}

void
containers_set_dns_server(struct containers *cs, struct dns_server *dns)
{
	cs->dns_server = dns;
}

void
containers_stop_probes(struct containers *cs)
{
	if (!cs)
		return;
	healthmon_free(cs->health);
	cs->health = NULL;
}

void
containers_close(struct containers *cs)
{
	if (!cs)
		return;
	containers_stop_probes(cs);
	trash_free(cs->trash);
	for (size_t i = 0; i < cs->n; i++)
		container_unref(cs->items[i]);
	free(cs->items);
	free(cs->root);
	free(cs->data_root);
	free(cs->exec_root);
	strv_free(cs->dns);
	strv_free(cs->dns_search);
	strv_free(cs->dns_options);
	free(cs->host_gateway_ip);
	free(cs->bridge_cidr);
	pthread_mutex_destroy(&cs->dns_mu);
	for (size_t i = 0; i < sizeof(cs->imgcfg) / sizeof(*cs->imgcfg); i++)
		json_decref(cs->imgcfg[i].cfg);
	pthread_mutex_destroy(&cs->imgcfg_mu);
	json_decref(cs->default_ulimits);
	free(cs->log_driver);
	json_decref(cs->log_opts);
	pthread_mutex_destroy(&cs->mu);
	free(cs);
}

static struct container *
find_name_locked(struct containers *cs, const char *name)
{
	const char *bare = name[0] == '/' ? name + 1 : name;

	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->items[i]->name + 1, bare) == 0)
			return cs->items[i];
	return NULL;
}

static int
conflict(struct err *e, const char *name, const struct container *owner)
{
	return err_set(e, -EEXIST,
		       "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.",
		       name[0] == '/' ? name + 1 : name, owner->id);
}

int
containers_create(struct containers *cs, const char *name, const char *image_id,
		  struct container_spec *spec, struct container **ret, struct err *e)
{
	struct container *c;
	char gen[128];
	int r;

	if (name && *name && !names_is_valid(name))
		return err_set(e, -EINVAL,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			       name);
	c = container_alloc();
	c->created_ns = time_now_ns();
	c->image_id = xstrdup(image_id ? image_id : "");
	c->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	if (!c->spec.labels)
		c->spec.labels = json_object();
	derive_path_args(c);

	pthread_mutex_lock(&cs->mu);
	for (bool clash = true; clash;) {
		id_random_hex(c->id);
		clash = false;
		for (size_t i = 0; i < cs->n; i++)
			if (strcmp(cs->items[i]->id, c->id) == 0)
				clash = true;
	}
	if (name && *name) {
		struct container *owner = find_name_locked(cs, name);
		if (owner) {
			r = conflict(e, name, owner);
			pthread_mutex_unlock(&cs->mu);
			container_unref(c);
			return r;
		}
		c->name = xasprintf("/%s", name[0] == '/' ? name + 1 : name);
	} else {
		for (unsigned attempt = 0;; attempt++) {
			names_generate(gen, sizeof(gen), attempt);
			if (!find_name_locked(cs, gen))
				break;
		}
		c->name = xasprintf("/%s", gen);
	}
	/* Docker's default hostname: the short ID. */
	if (!c->spec.hostname || !*c->spec.hostname) {
		free(c->spec.hostname);
		c->spec.hostname = xstrndup(c->id, 12);
	}
	c->dir = xasprintf("%s/%s", cs->root, c->id);
	c->log_path = xasprintf("%s/%s-json.log", c->dir, c->id);
	/* (the containers directory exists: containers_open made it) */
	r = mkdir(c->dir, 0710) == 0 ? 0 : fs_mkdir_p(c->dir, 0710);
	if (r < 0) {
		pthread_mutex_unlock(&cs->mu);
		container_unref(c);
		return err_errno(e, r, "cannot create container directory");
	}
	registry_add_locked(cs, container_ref(c));
	pthread_mutex_unlock(&cs->mu);
	if (c->spec.links)
		containers_links_changed(cs);

	/*
	 * config.json alone makes the container real: it is written durably
	 * and a missing state.json reads as "created" (load_one); the first
	 * change of state writes state.json durably. config.json is written
	 * in place (the directory is new: no temp name, no rename) and the
	 * file, this directory and containers/ are fsynced concurrently, one
	 * journal commit's wait instead of two in turn. A crash before they
	 * return leaves a directory without config.json or with one that does
	 * not parse, which the next start removes; no 201 was sent for it.
	 */
	r = save_config(c, true, e);
	if (r < 0) {
		(void)containers_delete(cs, c, NULL);
		container_unref(c);
		return r;
	}
	pthread_mutex_lock(&c->mu);
	c->pristine = c->born_here = true;
	container_changed_locked(c);
	pthread_mutex_unlock(&c->mu);
	*ret = c;
	return 0;
}

struct container *
containers_get(struct containers *cs, const char *ref, struct err *e)
{
	struct container *found = NULL;
	size_t len = ref ? strlen(ref) : 0;
	bool ambiguous = false;

	if (len == 0 || len > 255) {
		err_set(e, -ENOENT, "No such container: %s", ref ? ref : "");
		return NULL;
	}
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n && !found; i++)
		if (strcmp(cs->items[i]->id, ref) == 0)
			found = cs->items[i];
	if (!found)
		found = find_name_locked(cs, ref);
	if (!found)
		found = links_find_locked(cs, ref); /* "/parent/alias" names the target */
	if (!found && str_is_hex(ref, 0)) {
		for (size_t i = 0; i < cs->n; i++)
			if (strncmp(cs->items[i]->id, ref, len) == 0) {
				if (found)
					ambiguous = true;
				found = cs->items[i];
			}
	}
	if (ambiguous)
		found = NULL;
	container_ref(found);
	pthread_mutex_unlock(&cs->mu);
	if (ambiguous)
		err_set(e, -EINVAL, "multiple IDs found with provided prefix: %s", ref);
	else if (!found)
		err_set(e, -ENOENT, "No such container: %s", ref);
	return found;
}

static int
cmp_newest_first(const void *a, const void *b)
{
	const struct container *x = *(struct container *const *)a;
	const struct container *y = *(struct container *const *)b;
	return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

struct container **
containers_list(struct containers *cs, size_t *ret_n)
{
	struct container **out;

	pthread_mutex_lock(&cs->mu);
	out = xcalloc(cs->n + 1, sizeof(*out));
	for (size_t i = 0; i < cs->n; i++)
		out[i] = container_ref(cs->items[i]);
	*ret_n = cs->n;
	pthread_mutex_unlock(&cs->mu);
	qsort(out, *ret_n, sizeof(*out), cmp_newest_first);
	return out;
}

void
containers_list_free(struct container **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_unref(list[i]);
	free(list);
}

int
containers_rename(struct containers *cs, struct container *c, const char *name, struct err *e)
{
	struct container *owner;
	int r;

	if (!names_is_valid(name))
		return err_set(e, -EINVAL,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			       name);
	pthread_mutex_lock(&cs->mu);
	owner = find_name_locked(cs, name);
	if (owner && owner != c) {
		r = conflict(e, name, owner);
		pthread_mutex_unlock(&cs->mu);
		return r;
	}
	pthread_mutex_lock(&c->mu);
	char *old = c->name;
	c->name = xasprintf("/%s", name[0] == '/' ? name + 1 : name);
	pthread_mutex_unlock(&c->mu);
	/* All or nothing: the new name is live only once it is on disk (the
	 * names lock stays held so nobody takes either name meanwhile). */
	r = container_save(c, e);
	/* The embedded DNS answers to the new name at once, the old one no
	 * more; when networking cannot record it, the old name is back on
	 * disk too. */
	if (r == 0 && cs->net && (r = network_rename(cs->net, c->id, c->name + 1, e)) < 0) {
		struct err ignored = ERR_INIT;
		pthread_mutex_lock(&c->mu);
		char *renamed = c->name;
		c->name = old;
		pthread_mutex_unlock(&c->mu);
		(void)container_save(c, &ignored);
		pthread_mutex_lock(&c->mu);
		c->name = renamed;
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_lock(&c->mu);
	if (r < 0) {
		free(c->name);
		c->name = old;
	} else {
		free(old);
	}
	container_changed_locked(c);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&cs->mu);
	if (c->spec.links) /* "/name/alias" of its targets */
		containers_links_changed(cs);
	return r;
}

/*
 * One rename takes the directory away atomically (a crash leaves either the
 * container or a ".del-" name that the next start removes: trash.h); the
 * files go in the background. Without a trash (a failed rename), config.json
 * first, so a crash half-way leaves an incomplete directory that the next
 * start removes rather than a half-deleted container.
 */
static int
remove_dir(struct containers *cs, struct container *c)
{
	_cleanup_free_ char *to = cs->trash ? xasprintf("%s/.del-%s", cs->root, c->id) : NULL;
	_cleanup_free_ char *cfg = NULL;

	if (to) {
		if (rename(c->dir, to) == 0) {
			trash_put(cs->trash, TAKE_PTR(to));
			return 0;
		}
		if (errno == ENOENT) /* gone already (a failed create's clean-up) */
			return 0;
	}
	cfg = xasprintf("%s/config.json", c->dir);
	(void)unlink(cfg);
	return fs_rm_rf(c->dir);
}

int
containers_delete(struct containers *cs, struct container *c, struct err *e)
{
	int r;

	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n; i++)
		if (cs->items[i] == c) {
			cs->items[i] = cs->items[--cs->n];
			container_unref(c);
			break;
		}
	pthread_mutex_unlock(&cs->mu);
	if (c->spec.links)
		containers_links_changed(cs);
	pthread_mutex_lock(&c->save_mu);
	pthread_mutex_lock(&c->mu);
	c->removed = true; /* from here no state save writes into the directory */
	pthread_mutex_unlock(&c->mu);
	r = remove_dir(cs, c);
	pthread_mutex_unlock(&c->save_mu);
	pthread_mutex_lock(&c->mu);
	hold_cancel(&c->hold); /* early attachers give up */
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (r < 0)
		return err_errno(e, r, "cannot remove container directory '%s'", c->dir);
	return 0;
}

void
container_touch_net(struct container *c)
{
	pthread_mutex_lock(&c->mu);
	c->pristine = false;
	c->net_gen++;
	pthread_mutex_unlock(&c->mu);
}

uint64_t
container_net_gen(struct container *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->mu);
	g = c->net_gen;
	pthread_mutex_unlock(&c->mu);
	return g;
}

void
container_mark_clean(struct container *c, uint64_t gen)
{
	pthread_mutex_lock(&c->mu);
	if (c->born_here && c->net_gen == gen)
		c->pristine = true;
	pthread_mutex_unlock(&c->mu);
}

void
container_get_state(struct container *c, struct container_state *ret)
{
	pthread_mutex_lock(&c->mu);
	*ret = c->state;
	ret->error = c->state.error ? xstrdup(c->state.error) : NULL;
	health_state_copy(&c->state.health, &ret->health);
	pthread_mutex_unlock(&c->mu);
}

uint64_t
container_exit_seq(struct container *c)
{
	uint64_t s;

	pthread_mutex_lock(&c->mu);
	s = c->exit_seq;
	pthread_mutex_unlock(&c->mu);
	return s;
}

static bool
is_running(enum container_status s)
{
	return s == CONTAINER_RUNNING || s == CONTAINER_PAUSED || s == CONTAINER_RESTARTING;
}

int
container_wait(struct container *c, enum container_wait_cond cond, uint64_t since_exit_seq,
	       bool (*cancelled)(void *ud), void *ud, int *ret_exit_code)
{
	int r = 0;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		bool done;
		switch (cond) {
		case WAIT_NOT_RUNNING: done = !is_running(c->state.status) || c->removed; break;
		case WAIT_NEXT_EXIT: done = c->exit_seq > since_exit_seq || c->removed; break;
		case WAIT_REMOVED: done = c->removed; break;
		default: done = true; break;
		}
		if (done)
			break;
		if (cancelled && cancelled(ud)) {
			r = -ECANCELED;
			break;
		}
		/* Wakes every second to poll @cancelled. */
		(void)deadline_cond_wait_ms(&c->cv, &c->mu, 1000);
	}
	*ret_exit_code = c->state.exit_code;
	pthread_mutex_unlock(&c->mu);
	return r;
}

int
containers_image_users(void *ctx, const char *image_id, bool running_only,
		       char ret_container_id[65])
{
	struct containers *cs = ctx;
	size_t n = 0;
	struct container **list = containers_list(cs, &n);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		bool match;

		pthread_mutex_lock(&c->mu);
		match = c->image_id && strcmp(c->image_id, image_id) == 0 &&
			(!running_only || is_running(c->state.status));
		pthread_mutex_unlock(&c->mu);
		if (match && count++ == 0 && ret_container_id)
			memcpy(ret_container_id, c->id, 65);
	}
	containers_list_free(list, n);
	return count;
}

json_t *
containers_volume_users(void *ctx, const char *name)
{
	struct containers *cs = ctx;
	size_t n = 0;
	struct container **list = containers_list(cs, &n);
	json_t *ids = json_array();

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < list[i]->spec.n_mounts; k++)
			if (list[i]->spec.mounts[k].type == MOUNT_VOLUME &&
			    strcmp(list[i]->spec.mounts[k].source, name) == 0) {
				json_array_append_new(ids, json_string(list[i]->id));
				break;
			}
	containers_list_free(list, n);
	return ids;
}
