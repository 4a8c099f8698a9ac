/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "engine/container/rootfs.h"
#include "engine/util/buf.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

static char root[] = "/tmp/berth-test-rootfs-XXXXXX";
static char *upper, *lower1, *lower2;

static void
put(const char *base, const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", base, rel);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	cr_assert_eq(fs_mkdir_p(p, 0755), 0);
	*slash = '/';
	if (content)
		cr_assert_eq(fs_write_atomic(p, content, strlen(content), 0644), 0);
	else
		cr_assert_eq(mkdir(p, 0755), 0);
	free(p);
}

static bool
whiteout(const char *base, const char *rel)
{
	char *p = xasprintf("%s/%s", base, rel);
	int r = mknod(p, S_IFCHR | 0, makedev(0, 0));

	free(p);
	return r == 0;
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(root));
	upper = xasprintf("%s/upper", root);
	lower1 = xasprintf("%s/l1", root);
	lower2 = xasprintf("%s/l2", root);
	put(lower2, "etc/passwd", "root\n");
	put(lower2, "etc/group", "root\n");
	put(lower2, "bin/sh", "elf");
	put(lower1, "etc/passwd", "root\nuser\n"); /* l1 overrides l2 */
	put(lower1, "opt/x", "x");
	put(upper, "etc/new", "n");
	put(upper, "tmp/y/z", "z");
	put(upper, "etc/hosts", "runtime");	/* a runtime mount point: left out */
	put(upper, "bin/sh", "patched");
}

static void
teardown(void)
{
	fs_rm_rf(root);
	free(upper);
	free(lower1);
	free(lower2);
}

TestSuite(rootfs, .init = setup, .fini = teardown);

static char *
changes_text(void)
{
	char *lowers[] = { lower1, lower2, NULL };
	struct rootfs_change *v = NULL;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	size_t n = 0;

	cr_assert_eq(rootfs_changes(upper, lowers, &v, &n, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%c %s\n", "CAD"[v[i].kind], v[i].path);
	rootfs_changes_free(v, n);
	buf_putc(&b, '\0');
	return b.data;
}

Test(rootfs, changes_added_modified)
{
	char *s = changes_text();

	cr_expect_str_eq(s, "C /bin\nC /bin/sh\nC /etc\nA /etc/new\nA /tmp\nA /tmp/y\nA /tmp/y/z\n");
	free(s);
}

Test(rootfs, changes_whiteouts_are_deletions)
{
	char *s;

	if (!whiteout(upper, "etc/group"))
		cr_skip_test("mknod of a whiteout needs privileges");
	s = changes_text();
	cr_expect_str_eq(s, "C /bin\nC /bin/sh\nC /etc\nD /etc/group\nA /etc/new\nA /tmp\nA /tmp/y\nA /tmp/y/z\n");
	free(s);
}

static int
to_buf(void *ud, const void *p, size_t n)
{
	buf_append(ud, p, n);
	return 0;
}

/* Lists "name:size" of every entry of the exported tar. */
static char *
export_listing(void)
{
	char *lowers[] = { lower1, lower2, NULL };
	struct buf tar = BUF_INIT, out = BUF_INIT;
	struct err e = ERR_INIT;
	struct archive *a = archive_read_new();
	struct archive_entry *ae;

	cr_assert_eq(rootfs_export(upper, lowers, to_buf, &tar, &e), 0, "%s", e.msg);
	archive_read_support_format_tar(a);
	cr_assert_eq(archive_read_open_memory(a, tar.data, tar.len), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK)
		buf_printf(&out, "%s:%lld ", archive_entry_pathname(ae),
			   (long long)archive_entry_size(ae));
	archive_read_free(a);
	buf_release(&tar);
	buf_putc(&out, '\0');
	return out.data;
}

Test(rootfs, export_merges_layers)
{
	char *s;

	if (!whiteout(upper, "etc/group"))
		cr_skip_test("mknod of a whiteout needs privileges");
	s = export_listing();
	cr_expect_str_eq(s, "bin/:0 bin/sh:7 etc/:0 etc/hosts:7 etc/new:1 etc/passwd:10 opt/:0 "
			    "opt/x:1 tmp/:0 tmp/y/:0 tmp/y/z:1 ");
	free(s);
}

Test(rootfs, export_opaque_directory_hides_lower)
{
	char *p = xasprintf("%s/etc", upper);
	char *s;

	if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0) < 0) {
		free(p);
		cr_skip_test("trusted xattrs need privileges");
	}
	free(p);
	s = export_listing();
	cr_expect_str_eq(s, "bin/:0 bin/sh:7 etc/:0 etc/hosts:7 etc/new:1 opt/:0 opt/x:1 tmp/:0 "
			    "tmp/y/:0 tmp/y/z:1 ");
	free(s);
}

Test(rootfs, export_never_follows_symlinks_out)
{
	char *link = xasprintf("%s/escape", upper);
	char *s;

	cr_assert_eq(symlink("/etc", link), 0);
	free(link);
	s = export_listing();
	cr_expect(strstr(s, "escape:0 ") != NULL, "%s", s);
	cr_expect(strstr(s, "escape/") == NULL, "%s", s);
	free(s);
}

Test(rootfs, runtime_paths)
{
	cr_expect(rootfs_is_runtime_path("/proc"));
	cr_expect(rootfs_is_runtime_path("/dev/shm"));
	cr_expect(rootfs_is_runtime_path("/etc/hosts"));
	cr_expect_not(rootfs_is_runtime_path("/etc/hostsfile"));
	cr_expect_not(rootfs_is_runtime_path("/etc"));
}
