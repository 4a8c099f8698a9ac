/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns-remap at start-up, as dockerd resolves it: "default" is the
 * system user `berth` (created when missing, with subordinate ranges added
 * to /etc/subuid and /etc/subgid when it has none; dockerd's `dockremap`);
 * "user[:group]" or "uid[:gid]" names an existing user whose ranges must
 * already be listed. The ranges become the containers' id mapping. The
 * entries stay when berthd stops or the flag goes, as dockerd leaves them.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"
#include "server/remap.h"

#define REMAP_DEFAULT_USER "berth"
#define REMAP_FIRST_ID 100000u
#define REMAP_RANGE 65536u

extern char **environ;

/* Runs @argv (an absolute path first) and waits: 0 when it exited 0. */
static int
run_tool(char *const argv[], struct err *e)
{
	pid_t pid;
	int st, r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);

	if (r != 0)
		return err_errno(e, -r, "cannot run '%s'", argv[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_errno(e, -errno, "wait for '%s'", argv[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, -EIO, "'%s' failed (status %d)", argv[0],
			       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

static char *
read_text(const char *path)
{
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (fs_read_file(path, 1 << 20, &b) < 0 || !b.data)
		return xstrdup("");
	return buf_detach(&b, NULL);
}

/* Whether [start, start+REMAP_RANGE) overlaps a range of @text; *next is past it. */
static bool
overlaps(const char *text, uint64_t start, uint64_t *next)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		uint64_t s, n;
		if (!c2)
			continue;
		*c2 = '\0';
		if (parse_uint64(c1 + 1, UINT32_MAX, &s) < 0 ||
		    parse_uint64(c2 + 1, UINT32_MAX, &n) < 0)
			continue;
		if (start < s + n && s < start + REMAP_RANGE) {
			*next = s + n;
			return true;
		}
	}
	return false;
}

/* dockerd's createSubordinateRanges: the first free 65536 ids from 100000 in both files. */
static int
add_ranges(const char *user, struct err *e)
{
	_cleanup_free_ char *u = read_text("/etc/subuid"), *g = read_text("/etc/subgid");
	_cleanup_free_ char *range = NULL;
	uint64_t start = REMAP_FIRST_ID, next;

	while (overlaps(u, start, &next) || overlaps(g, start, &next))
		start = next;
	if (start + REMAP_RANGE > UINT32_MAX)
		return err_set(e, -ENOSPC, "no free subordinate id range for '%s'", user);
	range = xasprintf("%llu-%llu", (unsigned long long)start,
			  (unsigned long long)(start + REMAP_RANGE - 1));
	log_info("userns-remap: adding subordinate ids %s to '%s' in /etc/subuid and /etc/subgid",
		 range, user);
	return run_tool((char *const[]){"/usr/sbin/usermod", "--add-subuids", range,
					"--add-subgids", range, (char *)user, NULL},
			e);
}

static int
ensure_default_user(struct err *e)
{
	if (getpwnam(REMAP_DEFAULT_USER))
		return 0;
	log_info("userns-remap: creating the system user '%s'", REMAP_DEFAULT_USER);
	/* No group of its own: a group named berth would open the API socket to it. */
	return run_tool((char *const[]){"/usr/sbin/useradd", "--system", "--no-create-home",
					"--no-user-group", "--shell", "/bin/false",
					REMAP_DEFAULT_USER, NULL},
			e);
}

/* Ranges of @name (or its numeric @id) in @file. */
static int
ranges(const char *file, const char *name, uint32_t id, struct idmap_side *ret, struct err *e)
{
	_cleanup_free_ char *text = read_text(file);
	int r = idmap_parse_subid(text, name, id, ret);

	if (r < 0)
		return err_errno(e, r, "invalid subordinate ranges in '%s'", file);
	return r;
}

/* "user" or "uid" → name and uid; the user must exist (dockerd looks it up). */
static int
lookup_user(const char *s, char **ret_name, uint32_t *ret_id, struct err *e)
{
	uint64_t v;
	struct passwd *pw = parse_uint64(s, UINT32_MAX, &v) == 0 ? getpwuid((uid_t)v) : getpwnam(s);

	if (!pw)
		return err_set(e, -ENOENT, "error during uid lookup for \"%s\": user not found", s);
	*ret_name = xstrdup(pw->pw_name);
	*ret_id = pw->pw_uid;
	return 0;
}

static int
lookup_group(const char *s, char **ret_name, uint32_t *ret_id, struct err *e)
{
	uint64_t v;
	struct group *gr = parse_uint64(s, UINT32_MAX, &v) == 0 ? getgrgid((gid_t)v) : getgrnam(s);

	if (!gr)
		return err_set(e, -ENOENT, "error during gid lookup for \"%s\": group not found",
			       s);
	*ret_name = xstrdup(gr->gr_name);
	*ret_id = gr->gr_gid;
	return 0;
}

int
remap_resolve(const char *spec, struct idmap *ret, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec), *user = NULL, *group = NULL;
	char *colon = strchr(copy, ':');
	struct idmap m = {0};
	uint32_t uid = 0, gid = 0;
	bool dflt = strcmp(spec, "default") == 0;
	int r;

	if (colon)
		*colon++ = '\0';
	if (!*copy || (colon && !*colon))
		return err_set(e, -EINVAL, "invalid --userns-remap '%s': user[:group] expected",
			       spec);
	if (dflt && (r = ensure_default_user(e)) < 0)
		return err_prefix(e, "userns-remap");
	if ((r = lookup_user(dflt ? REMAP_DEFAULT_USER : copy, &user, &uid, e)) < 0)
		return r;
	/* without a group, the user's name is the group's (dockerd) */
	group = xstrdup(colon ? colon : user);
	if (colon && (r = lookup_group(colon, &group, &gid, e)) < 0)
		return r;
	if ((r = ranges("/etc/subuid", user, uid, &m.uid, e)) < 0)
		return r;
	if (r == 0 && dflt) {
		if ((r = add_ranges(user, e)) < 0)
			return err_prefix(e, "userns-remap");
		if ((r = ranges("/etc/subuid", user, uid, &m.uid, e)) < 0)
			return r;
	}
	if (m.uid.n == 0)
		return err_set(e, -ENOENT, "no subuid ranges found for user \"%s\"", user);
	if ((r = ranges("/etc/subgid", group, colon ? gid : uid, &m.gid, e)) < 0)
		return r;
	if (m.gid.n == 0)
		return err_set(e, -ENOENT, "no subgid ranges found for group \"%s\"", group);
	log_info("user namespaces: ID ranges will be mapped to subuid/subgid ranges of: %s", user);
	*ret = m;
	return 0;
}
