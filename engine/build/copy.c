/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY/ADD layers; see copy.h. A plan is a list of items (one per resolved
 * source), each an open fd plus where it lands. Hashing and tar writing
 * walk the same items through one visitor interface, so the cache key and
 * the layer always describe the same entries.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/archive/untar.h"
#include "engine/build/copy.h"
#include "engine/build/match.h"
#include "engine/build/rootfs_view.h"
#include "engine/registry/http_get.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/fs.h"
#include "engine/util/lazycurl.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

enum item_kind { ITEM_FILE, ITEM_DIR, ITEM_ARCHIVE };

struct item {
	enum item_kind kind;
	int fd;			/* O_RDONLY (dir: O_DIRECTORY) */
	char *name;		/* source as resolved, for messages */
	char *dest;		/* file: its path; dir/archive: the directory filled */
	struct stat st;
};

struct copy_plan {
	const struct copy_opts *o;
	char *dest;		/* o->dest with symlinks of the image resolved */
	struct item *items;
	size_t n;
	char **emitted;		/* parent directories already written */
};

/* Receives every entry: @path absolute in the image; @fd for regular
 * files (else -1); @link for symlinks and hard links. */
struct visitor {
	int (*entry)(struct visitor *v, const char *path, const struct stat *st, int fd,
		     const char *link, bool hardlink, struct archive *src);
	struct copy_plan *p;
	struct sha256_ctx *hash;
	struct archive *out;
	struct err *e;
};

void
copy_plan_free(struct copy_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		safe_close(p->items[i].fd);
		free(p->items[i].name);
		free(p->items[i].dest);
	}
	free(p->items);
	strv_free(p->emitted);
	free(p->dest);
	free(p);
}

/* filepath.Clean of a source relative to the root: "..", "/" cannot escape. */
static char *
clean_src(const char *s)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = xstrdup(s);
	_cleanup_buf_ struct buf b = BUF_INIT;
	char *save = NULL;
	size_t n = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || (strcmp(c, "..") == 0 && n == 0))
			continue;
		if (strcmp(c, "..") == 0) {
			free(parts[--n]);
			parts[n] = NULL;
			continue;
		}
		strv_append(&parts, c);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, '/');
		buf_puts(&b, parts[i]);
	}
	return b.len ? buf_detach(&b, NULL) : xstrdup(".");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in directory @fd (without . and ..); caller frees. */
static char **
list_dir(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **v = xcalloc(1, sizeof(char *));
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		safe_close(dfd);
		return v;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_append(&v, de->d_name);
	closedir(d);
	qsort(v, strv_len(v), sizeof(char *), cmp_str);
	return v;
}

/* Expands the wildcards of @pat (cleaned, relative) component by component. */
static int
glob_expand(int rootfd, const char *prefix, char **comps, char ***out, struct err *e)
{
	if (!*comps) {
		strv_append(out, *prefix ? prefix : ".");
		return 0;
	}
	if (!match_has_meta(*comps)) {
		_cleanup_free_ char *next = *prefix ? xasprintf("%s/%s", prefix, *comps)
						    : xstrdup(*comps);
		return glob_expand(rootfd, next, comps + 1, out, e);
	}
	_cleanup_close_ int dfd = fs_open_beneath(rootfd, *prefix ? prefix : ".",
						  O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return 0;
	_cleanup_strv_ char **names = list_dir(dfd);
	for (size_t i = 0; names[i]; i++) {
		int m = match_glob(*comps, names[i]);
		if (m < 0)
			return err_set(e, -EINVAL, "syntax error in pattern '%s'", *comps);
		if (m == 0)
			continue;
		_cleanup_free_ char *next = *prefix ? xasprintf("%s/%s", prefix, names[i])
						    : xstrdup(names[i]);
		int r = glob_expand(rootfd, next, comps + 1, out, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * True when @fd holds a tar archive, plain or gzip/bzip2/xz/zstd
 * (dockerd's DetectCompression): asked of the extraction helper, so the
 * client's bytes are not parsed here.
 */
static int
is_archive(int fd, bool *ret, struct err *e)
{
	int r = untar_sniff(fd, ret, e);

	(void)lseek(fd, 0, SEEK_SET);
	return r;
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return n && dir[n - 1] == '/' ? xasprintf("%s%s", dir, name) : xasprintf("%s/%s", dir, name);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int
add_item(struct copy_plan *p, const char *rel, bool dest_dir, struct err *e)
{
	const struct copy_opts *o = p->o;
	_cleanup_close_ int pfd = fs_open_beneath(o->src_rootfd, rel, O_PATH, 0);
	struct item it = { .fd = -1 };
	bool archive = false;
	struct stat st;

	if (pfd < 0 || fstat(pfd, &st) < 0)
		return err_set(e, -ENOENT,
			       "%s failed: file not found in build context or excluded by "
			       ".dockerignore: stat %s: file does not exist", o->cmd, rel);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return err_set(e, -EINVAL, "%s failed: '%s' is not a regular file or directory",
			       o->cmd, rel);
	it.fd = fs_open_beneath(o->src_rootfd, rel,
				S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NOFOLLOW,
				0);
	if (it.fd < 0)
		return err_errno(e, it.fd, "%s failed: cannot open '%s'", o->cmd, rel);
	it.st = st;
	it.name = xstrdup(rel);
	if (S_ISDIR(st.st_mode)) {
		it.kind = ITEM_DIR;
		it.dest = xstrdup(p->dest);
	} else if (o->unpack && (is_archive(it.fd, &archive, e) < 0 || archive)) {
		if (e->code < 0) {
			close(it.fd);
			return e->code;
		}
		it.kind = ITEM_ARCHIVE;
		it.dest = xstrdup(p->dest);
	} else {
		it.kind = ITEM_FILE;
		it.dest = dest_dir ? path_join(p->dest, base_name(rel)) : xstrdup(p->dest);
	}
	p->items = xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
	p->items[p->n++] = it;
	return 0;
}

int
copy_plan_new(const struct copy_opts *o, struct copy_plan **ret, struct err *e)
{
	struct copy_plan *p = xcalloc(1, sizeof(*p));
	_cleanup_strv_ char **srcs = xcalloc(1, sizeof(char *));
	size_t dl = strlen(o->dest);
	bool dest_dir = dl && o->dest[dl - 1] == '/';
	int r = 0;

	p->o = o;
	for (size_t i = 0; o->srcs[i] && r == 0; i++) {
		_cleanup_free_ char *c = clean_src(o->srcs[i]);
		_cleanup_strv_ char **comps = strv_split(c, "/");
		size_t before = strv_len(srcs);
		if (!match_has_meta(c)) {
			strv_append(&srcs, c);
			continue;
		}
		r = glob_expand(o->src_rootfd, "", comps, &srcs, e);
		if (r == 0 && strv_len(srcs) == before)
			r = err_set(e, -ENOENT, "%s failed: no source files were specified", o->cmd);
	}
	if (r == 0 && strv_len(srcs) > 1 && !dest_dir)
		r = err_set(e, -EINVAL,
			    "When using %s with more than one source file, the destination must be "
			    "a directory and end with a /", o->cmd);
	if (r == 0) {
		/* Symlinks of the image on the way are followed (confined to it); an
		 * existing directory of the image is a directory destination. */
		struct stat st;
		if (rootfs_view_resolve(o->view, o->dest, true, &p->dest, &st, e) < 0)
			r = e->code;
		else
			dest_dir = dest_dir || S_ISDIR(st.st_mode);
	}
	for (size_t i = 0; r == 0 && srcs[i]; i++)
		r = add_item(p, srcs[i], dest_dir, e);
	if (r < 0) {
		copy_plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- walking ---------------------------------------------------------- */

static mode_t
perms(const struct copy_opts *o, const struct stat *st)
{
	if (o->chmod >= 0 && !S_ISLNK(st->st_mode))
		return (mode_t)o->chmod;
	return st->st_mode & 07777;
}

static int walk_dir(struct visitor *v, int dfd, const char *dest, unsigned depth);

static int
walk_entry(struct visitor *v, int dfd, const char *name, const char *dest, unsigned depth)
{
	_cleanup_free_ char *path = path_join(dest, name);
	struct stat st;
	char link[4096];

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(v->e, -errno, "cannot stat '%s'", name);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dfd, name, link, sizeof(link) - 1);
		if (n < 0)
			return err_errno(v->e, -errno, "cannot read link '%s'", name);
		link[n] = '\0';
		return v->entry(v, path, &st, -1, link, false, NULL);
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_errno(v->e, -errno, "cannot open '%s'", name);
		return v->entry(v, path, &st, fd, NULL, false, NULL);
	}
	if (!S_ISDIR(st.st_mode))
		return 0; /* sockets, fifos, devices: not copied */
	_cleanup_close_ int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return err_errno(v->e, -errno, "cannot open '%s'", name);
	int r = v->entry(v, path, &st, -1, NULL, false, NULL);
	return r < 0 ? r : walk_dir(v, sub, path, depth + 1);
}

static int
walk_dir(struct visitor *v, int dfd, const char *dest, unsigned depth)
{
	_cleanup_strv_ char **names = NULL;

	if (depth > LIMIT_ARCHIVE_DEPTH)
		return err_set(v->e, -E2BIG, "directory tree deeper than %u levels", LIMIT_ARCHIVE_DEPTH);
	names = list_dir(dfd);
	for (size_t i = 0; names[i]; i++) {
		int r = walk_entry(v, dfd, names[i], dest, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Cleans an archive entry name below @dest; NULL for "." (the root). */
static int
archive_dest(const char *dest, const char *name, char **ret, struct err *e)
{
	_cleanup_strv_ char **comps = strv_split(name, "/");
	_cleanup_buf_ struct buf b = BUF_INIT;

	if (name[0] == '/')
		return err_set(e, -EINVAL, "archive entry '%s': absolute path refused", name);
	for (size_t i = 0; comps[i]; i++) {
		if (strcmp(comps[i], ".") == 0)
			continue;
		if (strcmp(comps[i], "..") == 0)
			return err_set(e, -EINVAL, "archive entry '%s': '..' refused (breakout)", name);
		buf_putc(&b, '/');
		buf_puts(&b, comps[i]);
	}
	*ret = b.len ? path_join(dest, b.data + 1) : NULL;
	return 0;
}

/*
 * The client's archive is decompressed, parsed and its names checked by
 * the extraction helper (untar_canonical), which hands back a plain tar
 * of the entries kept, written by libarchive there: what is read here is
 * that tar, not the client's bytes.
 */
static int
canonical_archive(struct visitor *v, struct item *it)
{
	struct untar_result res;
	_cleanup_close_ int out = -1;
	int r;

	out = openat(v->p->o->src_rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return err_errno(v->e, -errno, "cannot create a temporary file for '%s'", it->name);
	(void)lseek(it->fd, 0, SEEK_SET);
	r = untar_canonical(it->fd, out, &res, v->e);
	if (r == -E2BIG && strcmp(v->e->msg, "too many entries") == 0)
		return err_set(v->e, -E2BIG, "archive '%s' has too many entries", it->name);
	if (r < 0 && strncmp(v->e->msg, "archive entry '", 15) != 0)
		return err_set(v->e, r, "archive '%s': %s", it->name, v->e->msg);
	if (r < 0)
		return r;
	if (lseek(out, 0, SEEK_SET) < 0)
		return err_errno(v->e, -errno, "cannot rewind the archive of '%s'", it->name);
	return TAKE_FD(out);
}

static int
walk_archive(struct visitor *v, struct item *it)
{
	struct archive *a = NULL;
	struct archive_entry *ent;
	_cleanup_close_ int fd = canonical_archive(v, it);
	int r = 0, ar = ARCHIVE_EOF;

	if (fd < 0)
		return fd;
	a = archive_read_new();
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
		r = err_set(v->e, -EINVAL, "cannot read archive '%s'", it->name);
	while (r == 0 && (ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		_cleanup_free_ char *path = NULL, *link = NULL;
		struct stat st = *archive_entry_stat(ent);
		const char *hl = archive_entry_hardlink(ent);
		r = archive_dest(it->dest, archive_entry_pathname(ent), &path, v->e);
		if (r == 0 && hl)
			r = archive_dest(it->dest, hl, &link, v->e);
		if (r < 0 || !path)
			continue;
		if (S_ISLNK(st.st_mode))
			link = xstrdup(archive_entry_symlink(ent) ? archive_entry_symlink(ent) : "");
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		r = v->entry(v, path, &st, -1, link, hl != NULL, a);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = err_set(v->e, -EINVAL, "archive '%s': %s", it->name, archive_error_string(a));
	archive_read_free(a);
	return r;
}

static int
walk_item(struct visitor *v, struct item *it)
{
	switch (it->kind) {
	case ITEM_FILE:
		(void)lseek(it->fd, 0, SEEK_SET);
		return v->entry(v, it->dest, &it->st, it->fd, NULL, false, NULL);
	case ITEM_DIR:
		return walk_dir(v, it->fd, it->dest, 0);
	case ITEM_ARCHIVE:
		return walk_archive(v, it);
	}
	return 0;
}

/* ---- hashing ---------------------------------------------------------- */

static int
hash_entry(struct visitor *v, const char *path, const struct stat *st, int fd, const char *link,
	   bool hardlink, struct archive *src)
{
	char head[64];
	char buf[64 * 1024];

	sha256_update(v->hash, path, strlen(path) + 1);
	snprintf(head, sizeof(head), "%o %d", (unsigned)(st->st_mode & ~07777u) | perms(v->p->o, st),
		 hardlink);
	sha256_update(v->hash, head, strlen(head) + 1);
	if (link)
		sha256_update(v->hash, link, strlen(link) + 1);
	if (fd >= 0) {
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			sha256_update(v->hash, buf, (size_t)n);
		if (n < 0)
			return err_errno(v->e, -errno, "cannot read '%s'", path);
	} else if (src && S_ISREG(st->st_mode) && !hardlink) {
		la_ssize_t n;
		while ((n = archive_read_data(src, buf, sizeof(buf))) > 0)
			sha256_update(v->hash, buf, (size_t)n);
		if (n < 0)
			return err_set(v->e, -EINVAL, "archive data of '%s': %s", path,
				       archive_error_string(src));
	}
	return 0;
}

int
copy_plan_hash(struct copy_plan *p, char **ret, struct err *e)
{
	struct visitor v = { .entry = hash_entry, .p = p, .hash = sha256_new(), .e = e };
	char hex[DIGEST_HEX_LEN + 1];
	const char *kind = p->n > 1 ? "multi" : p->items[0].kind == ITEM_DIR ? "dir" : "file";

	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		int r = 0;
		/* An archive is hashed as the file it is, not as its contents. */
		if (it->kind == ITEM_ARCHIVE) {
			struct item f = *it;
			f.kind = ITEM_FILE;
			r = walk_item(&v, &f);
		} else {
			r = walk_item(&v, it);
		}
		if (r < 0) {
			sha256_free(v.hash);
			return r;
		}
	}
	sha256_final_hex(v.hash, hex);
	*ret = xasprintf("%s:%s", kind, hex);
	return 0;
}

/* ---- tar writing ------------------------------------------------------ */

static int
write_header(struct visitor *v, const char *path, const struct stat *st, uid_t uid, gid_t gid,
	     mode_t mode, const char *link, bool hardlink)
{
	struct archive_entry *ent = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(ent, path + 1);
	archive_entry_set_mode(ent, (st->st_mode & S_IFMT) | mode);
	archive_entry_set_uid(ent, uid);
	archive_entry_set_gid(ent, gid);
	archive_entry_set_mtime(ent, st->st_mtim.tv_sec, 0);
	if (hardlink) {
		archive_entry_set_hardlink(ent, link + 1);
		archive_entry_set_size(ent, 0);
	} else if (S_ISLNK(st->st_mode)) {
		archive_entry_set_symlink(ent, link);
	}
	if (S_ISREG(st->st_mode) && !hardlink)
		archive_entry_set_size(ent, st->st_size);
	if (archive_write_header(v->out, ent) != ARCHIVE_OK)
		r = err_set(v->e, -EIO, "cannot write layer entry '%s': %s", path,
			    archive_error_string(v->out));
	archive_entry_free(ent);
	return r;
}

/* Writes the parent directories of @path not written yet. */
static int
write_parents(struct visitor *v, const char *path)
{
	const struct copy_opts *o = v->p->o;
	_cleanup_free_ char *dir = xstrdup(path);

	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!strv_contains(v->p->emitted, dir)) {
			_cleanup_free_ char *real = NULL;
			struct stat st;
			int r = rootfs_view_resolve(o->view, dir, false, &real, &st, v->e);
			if (r < 0)
				return r;
			bool exists = S_ISDIR(st.st_mode);
			if (!exists) {
				memset(&st, 0, sizeof(st));
				st.st_mode = S_IFDIR;
				st.st_mtim.tv_sec = time(NULL);
			}
			r = write_header(v, dir, &st, exists ? st.st_uid : (o->chown ? o->uid : 0),
					 exists ? st.st_gid : (o->chown ? o->gid : 0),
					 exists ? st.st_mode & 07777 : 0755, NULL, false);
			if (r < 0)
				return r;
			strv_append(&v->p->emitted, dir);
		}
		*s = '/';
	}
	return 0;
}

static int
tar_entry(struct visitor *v, const char *path, const struct stat *st, int fd, const char *link,
	  bool hardlink, struct archive *src)
{
	const struct copy_opts *o = v->p->o;
	uid_t uid = o->chown ? o->uid : src ? st->st_uid : 0;
	gid_t gid = o->chown ? o->gid : src ? st->st_gid : 0;
	char buf[64 * 1024];
	int r = write_parents(v, path);

	if (r < 0)
		return r;
	if (S_ISDIR(st->st_mode)) {
		if (strv_contains(v->p->emitted, path))
			return 0;
		strv_append(&v->p->emitted, path);
	}
	r = write_header(v, path, st, uid, gid, perms(o, st), link, hardlink);
	if (r < 0 || !S_ISREG(st->st_mode) || hardlink)
		return r;
	int64_t left = st->st_size;
	while (left > 0) {
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : archive_read_data(src, buf, sizeof(buf));
		if (n <= 0)
			return err_set(v->e, -EIO, "'%s' changed while it was copied", path);
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(v->out, buf, (size_t)n) != n)
			return err_set(v->e, -EIO, "cannot write layer data: %s",
				       archive_error_string(v->out));
		left -= n;
	}
	return 0;
}

static struct archive *
tar_writer(int out_fd)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

int
copy_plan_write(struct copy_plan *p, int out_fd, struct err *e)
{
	struct visitor v = { .entry = tar_entry, .p = p, .e = e, .out = tar_writer(out_fd) };
	int r = 0;

	if (!v.out)
		return err_set(e, -EIO, "cannot start the layer tar");
	for (size_t i = 0; i < p->n && r == 0; i++) {
		struct item *it = &p->items[i];
		/* A directory source fills the destination directory itself. */
		if (it->kind == ITEM_DIR && strcmp(it->dest, "/") != 0) {
			struct stat st = it->st;
			_cleanup_free_ char *d = xstrdup(it->dest);
			size_t l = strlen(d);
			while (l > 1 && d[l - 1] == '/')
				d[--l] = '\0';
			r = tar_entry(&v, d, &st, -1, NULL, false, NULL);
		}
		if (r == 0)
			r = walk_item(&v, it);
	}
	if (r == 0 && archive_write_close(v.out) != ARCHIVE_OK)
		r = err_set(e, -EIO, "cannot finish the layer tar: %s", archive_error_string(v.out));
	archive_write_free(v.out);
	return r;
}

int
copy_write_mkdir(const struct rootfs_view *view, const char *dir, uid_t uid, gid_t gid,
		 int out_fd, bool *ret_empty, struct err *e)
{
	struct copy_opts o = { .cmd = "WORKDIR", .chown = true, .uid = uid, .gid = gid,
			       .chmod = -1, .view = view };
	struct copy_plan p = { .o = &o };
	_cleanup_free_ char *real = NULL;
	struct stat st;
	int r = rootfs_view_resolve(view, dir, true, &real, &st, e);

	if (r < 0)
		return r;
	*ret_empty = S_ISDIR(st.st_mode);
	if (*ret_empty)
		return 0;
	if (st.st_mode)
		return err_set(e, -ENOTDIR, "mkdir %s: not a directory", dir);
	struct visitor v = { .entry = tar_entry, .p = &p, .e = e, .out = tar_writer(out_fd) };
	if (!v.out)
		return err_set(e, -EIO, "cannot start the layer tar");
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0755;
	st.st_mtim.tv_sec = time(NULL);
	r = tar_entry(&v, real, &st, -1, NULL, false, NULL);
	if (r == 0 && archive_write_close(v.out) != ARCHIVE_OK)
		r = err_set(e, -EIO, "cannot finish the layer tar");
	archive_write_free(v.out);
	strv_free(p.emitted);
	return r;
}

/* ---- URLs ------------------------------------------------------------- */

char *
copy_url_basename(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	if (!p)
		return NULL;
	_cleanup_free_ char *path = xstrndup(p, strcspn(p, "?#"));
	const char *b = base_name(path);
	if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return NULL;
	return xstrdup(b);
}

int
copy_fetch_url(const char *url, int dir_fd, const char *name, struct err *e)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						       O_CLOEXEC, 0600);
	struct http_get_opts o = { .url = url, .fd = fd, .limit = LIMIT_BUILD_DOWNLOAD };
	struct http_get_result res;
	int r;

	if (fd < 0)
		return err_errno(e, -errno, "cannot create download file");
	r = http_get_url(&o, &res, e);
	free(res.content_type);
	if (r < 0)
		return err_prefix(e, "failed to download %s", url);
	if (res.status < 200 || res.status >= 300)
		return err_set(e, -EIO, "failed to GET %s with status %ld", url, res.status);
	if (res.filetime > 0) {
		struct timespec ts[2] = { { res.filetime, 0 }, { res.filetime, 0 } };
		(void)futimens(fd, ts);
	}
	return 0;
}
