/* SPDX-License-Identifier: Apache-2.0 */
/* --user resolution against passwd/group text; see user.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runtime/user.h"
#include "engine/util/cleanup.h"
#include "engine/util/limits.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

/* Ids above this are refused: (uid_t)-1 means "unchanged" to setresuid. */
#define MAX_ID ((int64_t)UINT32_MAX - 1)

static int
parse_id(const char *s, uint32_t *ret)
{
	int64_t v;

	if (parse_int64(s, 0, MAX_ID, &v) < 0)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static bool
is_numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Splits the next line of @text (at *pos) into at most @max ':' fields.
 * Returns the number of fields, 0 at the end. Fields point into @line,
 * which the caller owns and reuses.
 */
static size_t
next_record(const char *text, size_t *pos, char **line, char **fields, size_t max)
{
	size_t start = *pos, end, n = 0;
	char *p;

	if (!text || !text[start])
		return 0;
	end = start;
	while (text[end] && text[end] != '\n')
		end++;
	*pos = text[end] ? end + 1 : end;
	free(*line);
	*line = xstrndup(text + start, end - start);
	p = *line;
	while (n < max) {
		fields[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Looks @name (or numeric @id when name is numeric) up in passwd. */
static bool
passwd_find(const char *passwd, const char *who, uint32_t *uid, uint32_t *gid, char **home)
{
	_cleanup_free_ char *line = NULL;
	char *f[7];
	size_t pos = 0, n;
	bool numeric = is_numeric(who);

	while ((n = next_record(passwd, &pos, &line, f, 7)) > 0) {
		uint32_t u, g;
		if (n < 4 || f[0][0] == '#' || parse_id(f[2], &u) < 0 || parse_id(f[3], &g) < 0)
			continue;
		if (numeric ? strcmp(f[2], who) != 0 : strcmp(f[0], who) != 0)
			continue;
		*uid = u;
		*gid = g;
		*home = xstrdup(n >= 6 && f[5][0] ? f[5] : "/");
		return true;
	}
	return false;
}

static bool
group_find(const char *group, const char *who, uint32_t *gid)
{
	_cleanup_free_ char *line = NULL;
	char *f[4];
	size_t pos = 0, n;
	bool numeric = is_numeric(who);

	while ((n = next_record(group, &pos, &line, f, 4)) > 0) {
		uint32_t g;
		if (n < 3 || f[0][0] == '#' || parse_id(f[2], &g) < 0)
			continue;
		if (numeric ? strcmp(f[2], who) == 0 : strcmp(f[0], who) == 0) {
			*gid = g;
			return true;
		}
	}
	return false;
}

static int
add_group(struct runtime_user *u, gid_t g)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == g)
			return 0;
	if (u->n_groups >= LIMIT_USER_GROUPS)
		return -E2BIG;
	u->groups = xrealloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
	u->groups[u->n_groups++] = g;
	return 0;
}

/* Every group whose member list names @name. */
static int
add_member_groups(struct runtime_user *u, const char *group, const char *name)
{
	_cleanup_free_ char *line = NULL;
	char *f[4];
	size_t pos = 0, n;
	int r;

	while ((n = next_record(group, &pos, &line, f, 4)) > 0) {
		uint32_t g;
		char *save = NULL;
		if (n < 4 || f[0][0] == '#' || parse_id(f[2], &g) < 0)
			continue;
		for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (strcmp(m, name) == 0 && (r = add_group(u, g)) < 0)
				return r;
	}
	return 0;
}

static int
resolve_group(const char *group, const char *g, uint32_t *ret, struct err *e)
{
	if (group_find(group, g, ret))
		return 0;
	if (is_numeric(g)) {
		if (parse_id(g, ret) < 0)
			return err_set(e, -EINVAL, "invalid group id '%s'", g);
		return 0;
	}
	return err_set(e, -ENOENT, "unable to find group %s: no matching entries in group file", g);
}

static int
resolve_into(const char *user, char *const *additional, const char *passwd, const char *group,
	     struct runtime_user *u, struct err *e)
{
	_cleanup_free_ char *name = xstrdup(user && *user ? user : "0");
	char *grp = strchr(name, ':');
	uint32_t uid = 0, gid = 0;
	int r;

	if (grp)
		*grp++ = '\0';
	if (!*name || (grp && !*grp))
		return err_set(e, -EINVAL, "invalid user spec '%s'", user);
	if (passwd_find(passwd, name, &uid, &gid, &u->home)) {
		/* found: uid, primary gid and home come from the entry */
	} else if (is_numeric(name)) {
		if (parse_id(name, &uid) < 0)
			return err_set(e, -EINVAL, "invalid user id '%s'", name);
		u->home = xstrdup("/");
	} else {
		return err_set(e, -ENOENT,
			       "unable to find user %s: no matching entries in passwd file", name);
	}
	if (grp && (r = resolve_group(group, grp, &gid, e)) < 0)
		return r;
	u->uid = uid;
	u->gid = gid;
	add_group(u, gid);
	/* The member lists name users, so look the name up for a numeric --user too. */
	if (!grp) {
		_cleanup_free_ char *line = NULL;
		char *f[7];
		size_t pos = 0, n;
		while ((n = next_record(passwd, &pos, &line, f, 7)) > 0) {
			uint32_t v;
			if (n >= 3 && parse_id(f[2], &v) == 0 && v == uid) {
				if ((r = add_member_groups(u, group, f[0])) < 0)
					return err_set(e, r, "too many groups for user '%s'", name);
				break;
			}
		}
	}
	for (size_t i = 0; additional && additional[i]; i++) {
		uint32_t g;
		if ((r = resolve_group(group, additional[i], &g, e)) < 0)
			return r;
		if ((r = add_group(u, g)) < 0)
			return err_set(e, r, "too many groups");
	}
	return 0;
}

int
runtime_user_resolve(const char *user, char *const *additional, const char *passwd,
		     const char *group, struct runtime_user *ret, struct err *e)
{
	struct runtime_user u = {0};
	int r;

	r = resolve_into(user, additional, passwd, group, &u, e);
	if (r < 0) {
		runtime_user_release(&u);
		return r;
	}
	*ret = u;
	return 0;
}

void
runtime_user_release(struct runtime_user *u)
{
	if (!u)
		return;
	free(u->groups);
	free(u->home);
	u->groups = NULL;
	u->home = NULL;
	u->n_groups = 0;
}
