/* SPDX-License-Identifier: Apache-2.0 */
/* --userns-remap in the container service; see container_userns.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/container_internal.h"
#include "engine/container/container_userns.h"
#include "engine/util/cleanup.h"
#include "engine/util/xalloc.h"

static bool
is(const char *s, const char *v)
{
	return s && strcmp(s, v) == 0;
}

const struct idmap *
container_userns_map(const struct containers *cs, const struct container *c)
{
	if (!idmap_is_set(&cs->userns_remap) || is(c->spec.userns_mode, "host"))
		return NULL;
	return &cs->userns_remap;
}

bool
container_userns_owns_netns(const struct containers *cs, const struct container *c)
{
	const char *m = c->spec.network_mode;

	/* host is refused with the remap; container: shares another's */
	return container_userns_map(cs, c) && !is(m, "host") &&
	       !(m && strncmp(m, "container:", 10) == 0);
}

int
container_userns_check(const struct containers *cs, const struct container_spec *s, struct err *e)
{
	if (!idmap_is_set(&cs->userns_remap) || is(s->userns_mode, "host"))
		return 0;
	if (s->privileged)
		return err_set(e, -EINVAL,
			       "privileged mode is incompatible with user namespaces.  You must "
			       "run the container in the host namespace when running privileged "
			       "mode");
	if (is(s->network_mode, "host"))
		return err_set(e, -EINVAL,
			       "cannot share the host's network namespace when user "
			       "namespaces are enabled");
	if (is(s->pid_mode, "host"))
		return err_set(e, -EINVAL,
			       "cannot share the host PID namespace when user namespaces are "
			       "enabled");
	return 0;
}

int
container_userns_own_files(const struct containers *cs, const struct container *c, struct err *e)
{
	static const char *const names[] = {"rw/upper", "hosts", "hostname", "resolv.conf"};
	const struct idmap *m = container_userns_map(cs, c);
	_cleanup_close_ int dfd = -1;
	uid_t uid;
	gid_t gid;

	if (!m)
		return 0;
	uid = idmap_to_host(&m->uid, 0);
	gid = idmap_to_host(&m->gid, 0);
	dfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(e, -errno, "cannot open '%s'", c->dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fchownat(dfd, names[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return err_errno(e, -errno, "cannot give '%s/%s' to the remapped root",
					 c->dir, names[i]);
	return 0;
}
