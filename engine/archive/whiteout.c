/* SPDX-License-Identifier: Apache-2.0 */
/* OCI and overlayfs whiteouts; see whiteout.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "engine/archive/whiteout.h"

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum whiteout_kind
whiteout_classify(const char *leaf, const char **ret_name)
{
	const char *name = leaf + strlen(WHITEOUT_PREFIX);

	if (!has_prefix(leaf, WHITEOUT_PREFIX))
		return WHITEOUT_NONE;
	if (strcmp(leaf, WHITEOUT_OPAQUE) == 0)
		return WHITEOUT_OPAQUE_DIR;
	if (has_prefix(leaf, WHITEOUT_META_PREFIX))
		return WHITEOUT_META;
	/* ".wh." alone, or hiding "." or "..", would reach outside the entry's directory. */
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return WHITEOUT_INVALID;
	if (ret_name)
		*ret_name = name;
	return WHITEOUT_FILE;
}

bool
whiteout_is_overlay(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

int
whiteout_make_overlay(int dirfd, const char *name)
{
	return mknodat(dirfd, name, S_IFCHR, makedev(0, 0)) < 0 ? -errno : 0;
}

bool
whiteout_is_opaque(int fd)
{
	char v[4], proc[64];
	ssize_t n = fgetxattr(fd, WHITEOUT_OPAQUE_XATTR, v, sizeof(v));

	/* fgetxattr refuses O_PATH fds: go through their /proc link instead. */
	if (n < 0 && errno == EBADF) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		n = getxattr(proc, WHITEOUT_OPAQUE_XATTR, v, sizeof(v));
	}
	return n == 1 && v[0] == 'y';
}

int
whiteout_mark_opaque(int fd)
{
	return fsetxattr(fd, WHITEOUT_OPAQUE_XATTR, "y", 1, 0) < 0 ? -errno : 0;
}

bool
whiteout_is_overlay_xattr(const char *name)
{
	return has_prefix(name, WHITEOUT_OVERLAY_XATTR_PREFIX);
}
