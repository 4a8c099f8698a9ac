/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: tar writer; see targen.h. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/helpers/targen.h"

struct targen {
	struct archive *a;
};

struct targen *
targen_new(const char *path, enum targen_filter filter)
{
	struct targen *t = calloc(1, sizeof(*t));

	cr_assert_not_null(t);
	t->a = archive_write_new();
	cr_assert_not_null(t->a);
	archive_write_set_format_pax_restricted(t->a);
	switch (filter) {
	case TARGEN_GZIP: archive_write_add_filter_gzip(t->a); break;
	case TARGEN_ZSTD: archive_write_add_filter_zstd(t->a); break;
	case TARGEN_BZIP2: archive_write_add_filter_bzip2(t->a); break;
	case TARGEN_XZ: archive_write_add_filter_xz(t->a); break;
	case TARGEN_PLAIN: break;
	}
	cr_assert_eq(archive_write_open_filename(t->a, path), ARCHIVE_OK, "%s",
		     archive_error_string(t->a));
	return t;
}

static void
put(struct targen *t, const char *name, mode_t mode, const char *content, const char *symlink,
    const char *hardlink, unsigned major, unsigned minor, unsigned uid, unsigned gid)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = content ? strlen(content) : 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, TARGEN_MTIME, 0);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_set_size(e, (la_int64_t)len);
	if (symlink)
		archive_entry_set_symlink(e, symlink);
	if (hardlink) {
		archive_entry_set_hardlink(e, hardlink);
		archive_entry_set_size(e, 0);
	}
	if (major || minor)
		archive_entry_set_rdev(e, makedev(major, minor));
	cr_assert_geq(archive_write_header(t->a, e), ARCHIVE_WARN, "%s", archive_error_string(t->a));
	if (len)
		cr_assert_eq(archive_write_data(t->a, content, len), (la_ssize_t)len);
	archive_entry_free(e);
}

void
targen_file(struct targen *t, const char *name, const char *content, mode_t mode)
{
	put(t, name, S_IFREG | mode, content, NULL, NULL, 0, 0, 0, 0);
}

void
targen_owned(struct targen *t, const char *name, const char *content, mode_t mode, unsigned uid,
	     unsigned gid)
{
	put(t, name, S_IFREG | mode, content, NULL, NULL, 0, 0, uid, gid);
}

void
targen_dir(struct targen *t, const char *name, mode_t mode)
{
	put(t, name, S_IFDIR | mode, NULL, NULL, NULL, 0, 0, 0, 0);
}

void
targen_symlink(struct targen *t, const char *name, const char *target)
{
	put(t, name, S_IFLNK | 0777, NULL, target, NULL, 0, 0, 0, 0);
}

void
targen_hardlink(struct targen *t, const char *name, const char *target)
{
	put(t, name, S_IFREG | 0644, NULL, NULL, target, 0, 0, 0, 0);
}

void
targen_node(struct targen *t, const char *name, mode_t type, unsigned major, unsigned minor)
{
	put(t, name, type | 0600, NULL, NULL, NULL, major, minor, 0, 0);
}

void
targen_close(struct targen *t)
{
	cr_assert_eq(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
	free(t);
}

int
tarfile_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s", path);
	return fd;
}

int
testdir_open(const char *base, const char *name)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", base, name);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	return fd;
}

const char *
testfile_read(int dirfd, const char *path)
{
	static char buf[4096];
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}
