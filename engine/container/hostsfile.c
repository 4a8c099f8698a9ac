/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-place edits of a container's hosts file; see hostsfile.h. Whole-line
 * work only: the file is the container's to change, so nothing in it is
 * interpreted beyond "does this line start with these bytes".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "engine/container/hostsfile.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"

int
hostsfile_write(const char *path, const void *data, size_t len)
{
	/* O_NOFOLLOW: the file is ours, a link in its place is not followed. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, 0) < 0)
		return -errno;
	r = fs_write_all(fd, data, len);
	return r < 0 ? r : 0;
}

static int
read_hosts(const char *path, struct buf *ret)
{
	int r = fs_read_file(path, HOSTSFILE_MAX, ret);

	return r == -ENOENT ? 0 : r;
}

int
hostsfile_add(const char *path, const char *ip, const char *names)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	int r = read_hosts(path, &b);

	if (r < 0)
		return r;
	if (b.len && b.data[b.len - 1] != '\n')
		buf_putc(&b, '\n');
	buf_printf(&b, "%s\t%s\n", ip, names);
	return hostsfile_write(path, b.data, b.len);
}

/* Calls @fn for each line of @in (without its newline); the last may lack one. */
static void
foreach_line(const char *in, size_t len, void (*fn)(const char *l, size_t n, bool nl, void *d),
	     void *data)
{
	size_t at = 0;

	while (at < len) {
		const char *nl = memchr(in + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (in + at)) : len - at;
		fn(in + at, n, nl != NULL, data);
		at += n + (nl ? 1 : 0);
	}
}

struct edit {
	const char *ip, *names;
	struct buf *out;
};

static void
remove_line(const char *l, size_t n, bool nl, void *data)
{
	struct edit *ed = data;
	size_t ipl = strlen(ed->ip), nml = strlen(ed->names);

	if (n == ipl + 1 + nml && memcmp(l, ed->ip, ipl) == 0 && l[ipl] == '\t' &&
	    memcmp(l + ipl + 1, ed->names, nml) == 0)
		return;
	buf_append(ed->out, l, n);
	if (nl)
		buf_putc(ed->out, '\n');
}

void
hostsfile_remove_text(const char *in, size_t len, const char *ip, const char *names,
		      struct buf *out)
{
	struct edit ed = {.ip = ip, .names = names, .out = out};

	foreach_line(in, len, remove_line, &ed);
}

/* moby's etchosts.Update pattern: (\S*)(\t<name>)(\s|\.) */
static void
update_line(const char *l, size_t n, bool nl, void *data)
{
	struct edit *ed = data;
	size_t addr = strcspn(l, " \t\n"), nml = strlen(ed->names);
	char after;

	if (addr > n)
		addr = n;
	after = addr + 1 + nml < n ? l[addr + 1 + nml] : (nl ? '\n' : '\0');
	if (addr + 1 + nml <= n && l[addr] == '\t' && memcmp(l + addr + 1, ed->names, nml) == 0 &&
	    (after == ' ' || after == '\t' || after == '\n' || after == '.')) {
		buf_puts(ed->out, ed->ip);
		buf_append(ed->out, l + addr, n - addr);
	} else
		buf_append(ed->out, l, n);
	if (nl)
		buf_putc(ed->out, '\n');
}

void
hostsfile_update_text(const char *in, size_t len, const char *ip, const char *name, struct buf *out)
{
	struct edit ed = {.ip = ip, .names = name, .out = out};

	foreach_line(in, len, update_line, &ed);
}

static int
edit_file(const char *path, const char *ip, const char *names,
	  void (*fn)(const char *, size_t, const char *, const char *, struct buf *))
{
	_cleanup_buf_ struct buf in = BUF_INIT, out = BUF_INIT;
	int r = read_hosts(path, &in);

	if (r < 0)
		return r;
	if (!in.len)
		return 0;
	fn(in.data, in.len, ip, names, &out);
	if (out.len == in.len && memcmp(out.data, in.data, in.len) == 0)
		return 0;
	return hostsfile_write(path, out.data ? out.data : "", out.len);
}

int
hostsfile_remove(const char *path, const char *ip, const char *names)
{
	return edit_file(path, ip, names, hostsfile_remove_text);
}

int
hostsfile_update(const char *path, const char *ip, const char *name)
{
	return edit_file(path, ip, name, hostsfile_update_text);
}
