/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Legacy container links (`docker run --link target:alias`) on the default
 * bridge, as moby's daemon/links and linkIndex keep them. A link belongs to
 * the linking container (the parent): its spec.links holds
 * "<target-id>:<alias>" entries, so links follow renames of either side,
 * and the link's name "/<parent>/<alias>" is derived, never stored. That
 * name resolves to the target in containers_get, lists among the target's
 * Names, and is what `docker rm --link` removes.
 *
 * Locking: spec.links of any container is written only under the registry
 * lock (cs->mu) and the container's c->mu, so holding cs->mu is enough to
 * read every container's links and names.
 */
#pragma once

#include <stdbool.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/*
 * moby's opts.ParseLink: "name", "name:alias", or "/name:/parent/alias"
 * (an inspect string sent back). Heap copies in @ret_name and @ret_alias;
 * -EINVAL with dockerd's message.
 */
int links_parse(const char *s, char **ret_name, char **ret_alias, struct err *e);

/*
 * At create, before the container exists: checks the network mode against
 * links (dockerd's runconfig conflicts) and resolves each HostConfig.Links
 * entry of @spec to its target ("could not get container for X: ..." as
 * -EINVAL), following container:<id> network modes to the container that
 * owns the namespace, refusing a target on the host's network. Rewrites
 * spec->links to "<target-id>:<alias>" (a repeated alias keeps the first).
 * On a user-defined network the legacy links do not apply: spec->links is
 * dropped, as dockerd registers none there.
 */
int links_resolve(struct containers *cs, struct container_spec *spec, struct err *e);

/* What a start needs from the links of a container on the default bridge. */
struct links_setup {
	char **env;   /* <ALIAS>_PORT..., <ALIAS>_NAME, <ALIAS>_ENV_... */
	char **hosts; /* "<ip>\t<alias> <hostname> [<name>]" lines for /etc/hosts */
};

/*
 * Collects the environment and /etc/hosts lines of @c's links, as
 * moby's setupLinkedContainers and buildSandboxOptions do. Every target
 * must be running on the default bridge: otherwise -EIO with dockerd's
 * "Cannot link to a non running container: /t AS /p/a". Links to removed
 * containers are skipped (dockerd drops them when it reloads). Nothing
 * for a container that is not on the default bridge.
 */
int links_setup(struct containers *cs, struct container *c, struct links_setup *ret, struct err *e);
void links_setup_release(struct links_setup *l);

/*
 * Puts @link_env in front of *@env (moby's CreateDaemonEnvironment: the
 * container's own variables win over link variables of the same name).
 */
void links_merge_env(char ***env, char *const *link_env);

/*
 * After target @t started (with a new address on the default bridge): the
 * /etc/hosts of every running container linking to it gets the new address
 * on its link's line, as moby's updateParentHosts. Takes cs->mu and the
 * containers' mutexes; failures are logged.
 */
void links_update_parents(struct containers *cs, struct container *t);

/*
 * Caller holds cs->mu: the target of link name "/<parent>/<alias>" (a
 * leading '/' optional), or NULL. Borrowed.
 */
struct container *links_find_locked(struct containers *cs, const char *ref);

/*
 * The link names that resolve to container @id ("/<parent>/<alias>"),
 * and @c's own links as inspect shows them ("/<target>:/<parent>/<alias>");
 * NULL when none. Take cs->mu. Caller frees.
 */
char **links_names_of(struct containers *cs, const char *id);
char **links_describe(struct containers *cs, struct container *c);

/*
 * moby's rmLink: removes link @name ("parent/alias" or "/parent/alias").
 * A plain container name is "Conflict, cannot remove the default link name
 * of the container", an unknown parent "Cannot get parent /p for link name
 * /p/a" (both -EIO: dockerd answers 500). Saves the parent.
 */
int links_remove(struct containers *cs, const char *name, struct err *e);
