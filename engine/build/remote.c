/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remote build contexts: http(s) downloads (tarball or plain Dockerfile)
 * and git clones, each turned into a context tar in an unlinked temp file.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/archive/tar.h"
#include "engine/build/remote.h"
#include "engine/registry/http_get.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/lazycurl.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

extern char **environ;

/* Bytes of a download inspected to tell a Dockerfile from an archive. */
#define SNIFF_BYTES 512
/* Bytes of git's stderr kept for the error message. */
#define GIT_ERR_BYTES 2048

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool
is_http(const char *url)
{
	return has_prefix(url, "http://") || has_prefix(url, "https://");
}

enum build_remote_kind
build_remote_kind(const char *url)
{
	size_t n = strcspn(url, "#");

	if (is_http(url) && n >= 4 && strncmp(url + n - 4, ".git", 4) == 0 && n > 4 + 8)
		return BUILD_REMOTE_GIT;
	if (has_prefix(url, "git://") || has_prefix(url, "github.com/") || has_prefix(url, "git@"))
		return BUILD_REMOTE_GIT;
	return is_http(url) ? BUILD_REMOTE_HTTP : BUILD_REMOTE_INVALID;
}

static bool
is_archive(const unsigned char *h, size_t n)
{
	static const struct {
		const char *magic;
		size_t off, len;
	} m[] = {
		{ "\x1f\x8b", 0, 2 }, { "BZh", 0, 3 }, { "\xfd" "7zXZ\0", 0, 6 },
		{ "\x28\xb5\x2f\xfd", 0, 4 }, { "ustar", 257, 5 },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].off + m[i].len && memcmp(h + m[i].off, m[i].magic, m[i].len) == 0)
			return true;
	return false;
}

bool
build_remote_is_dockerfile(const char *content_type, const void *head, size_t n)
{
	const char *ct = content_type ? content_type : "";
	size_t len;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	len = strcspn(ct, "; \t");
	if (len == 10 && strncasecmp(ct, "text/plain", 10) == 0)
		return true;
	if (len != 0 && !(len == 24 && strncasecmp(ct, "application/octet-stream", 24) == 0))
		return false;
	if (n == 0 || is_archive(head, n))
		return false;
	return memchr(head, '\0', n) == NULL;
}

bool
build_remote_have_git(void)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = xasprintf("%s/git", d);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

/* An unlinked read-write file below @dir. */
static int
temp_file(const char *dir, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/remote-XXXXXX", dir);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd < 0)
		return err_errno(e, -errno, "cannot create a temporary file");
	(void)unlink(path);
	return fd;
}

/* ---- http ------------------------------------------------------------- */

static int
http_get(const char *url, int fd, char **ret_ct, uint64_t *ret_size, struct err *e)
{
	struct http_get_opts o = { .url = url, .fd = fd, .limit = LIMIT_BUILD_CONTEXT_BYTES };
	struct http_get_result res;
	int r = http_get_url(&o, &res, e);

	if (res.too_big) {
		free(res.content_type);
		return err_set(e, -E2BIG, "the build context at %s is larger than %llu bytes", url,
			       (unsigned long long)LIMIT_BUILD_CONTEXT_BYTES);
	}
	if (r < 0) {
		free(res.content_type);
		return err_prefix(e, "error downloading remote context %s", url);
	}
	if (res.status < 200 || res.status >= 300) {
		free(res.content_type);
		return err_set(e, -EIO, "error downloading remote context %s: failed to GET %s "
					"with status %ld", url, url, res.status);
	}
	*ret_ct = res.content_type;
	*ret_size = res.size;
	return 0;
}

/* Replaces the content of @fd (a Dockerfile of @size bytes) by a tar of it. */
static int
wrap_dockerfile(const char *tmp_dir, int *fd, uint64_t size, struct err *e)
{
	_cleanup_close_ int out = temp_file(tmp_dir, e);
	_cleanup_archive_ struct archive *a = archive_write_new();
	struct archive_entry *ent;
	char chunk[16384];
	ssize_t n;
	int r = 0;

	if (out < 0)
		return out;
	if (size > LIMIT_DOCKERFILE_BYTES)
		return err_set(e, -E2BIG, "the Dockerfile is larger than %u bytes",
			       LIMIT_DOCKERFILE_BYTES);
	if (!a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, out) != ARCHIVE_OK)
		return err_set(e, -EIO, "cannot write the context tar");
	ent = archive_entry_new();
	archive_entry_set_pathname(ent, "Dockerfile");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, (la_int64_t)size);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		r = err_set(e, -EIO, "cannot write the context tar: %s", archive_error_string(a));
	archive_entry_free(ent);
	if (r == 0 && lseek(*fd, 0, SEEK_SET) < 0)
		r = err_errno(e, -errno, "cannot rewind the download");
	while (r == 0 && (n = read(*fd, chunk, sizeof(chunk))) > 0)
		if (archive_write_data(a, chunk, (size_t)n) != n)
			r = err_set(e, -EIO, "cannot write the context tar");
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = err_set(e, -EIO, "cannot write the context tar");
	if (r < 0)
		return r;
	safe_close(*fd);
	*fd = TAKE_FD(out);
	return 0;
}

static int
fetch_http(const char *url, const char *tmp_dir, struct build_remote *ret, struct err *e)
{
	_cleanup_close_ int fd = temp_file(tmp_dir, e);
	_cleanup_free_ char *ct = NULL;
	unsigned char head[SNIFF_BYTES];
	ssize_t n;
	int r;

	if (fd < 0)
		return fd;
	r = http_get(url, fd, &ct, &ret->size, e);
	if (r < 0)
		return r;
	if (ret->size == 0)
		return err_set(e, -EIO, "error downloading remote context %s: empty response", url);
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return err_errno(e, -errno, "cannot read the download");
	ret->dockerfile = build_remote_is_dockerfile(ct, head, (size_t)n);
	if (ret->dockerfile) {
		r = wrap_dockerfile(tmp_dir, &fd, ret->size, e);
		if (r < 0)
			return r;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_errno(e, -errno, "cannot rewind the download");
	ret->fd = TAKE_FD(fd);
	return 0;
}

/* ---- git -------------------------------------------------------------- */

/* Runs git with @argv (NULL-terminated, argv[0] "git"); its stderr is the
 * error text on failure. */
/* What git runs with on top of the daemon's environment: never prompt, never
 * trust an unknown ssh host key, ignore /etc/gitconfig, and no GIT_DIR that
 * could point the clone somewhere else. */
static const char *const git_env_set[] = {
	"GIT_TERMINAL_PROMPT=0",
	"GIT_SSH_COMMAND=ssh -o BatchMode=yes -o StrictHostKeyChecking=yes",
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_PROTOCOL_FROM_USER=0",
};

static bool
git_env_drops(const char *kv)
{
	size_t k = strcspn(kv, "=");

	if (k == strlen("GIT_DIR") && strncmp(kv, "GIT_DIR", k) == 0)
		return true;
	for (size_t i = 0; i < sizeof(git_env_set) / sizeof(git_env_set[0]); i++)
		if (strncmp(kv, git_env_set[i], k + 1) == 0)
			return true;
	return false;
}

/* The environment for git, built in the parent: berthd is threaded, so the
 * child must not setenv between fork and exec (setenv allocates and may
 * deadlock on a lock another thread held at fork time). */
static char **
git_env(void)
{
	char **env = NULL;

	for (char **v = environ; v && *v; v++)
		if (!git_env_drops(*v))
			strv_append(&env, *v);
	for (size_t i = 0; i < sizeof(git_env_set) / sizeof(git_env_set[0]); i++)
		strv_append(&env, git_env_set[i]);
	return env;
}

/* Starts git with stdin and stdout on /dev/null and stderr on @err_fd. */
static int
spawn_git(char *const *argv, int err_fd, pid_t *ret_pid)
{
	_cleanup_strv_ char **env = git_env();
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int r;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* berthd blocks signals in all threads and may ignore SIGPIPE: git
	 * must start with neither */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(ret_pid, "git", &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

static int
run_git(char *const *argv, const char *url, struct err *e)
{
	int p[2], r, status = 0;
	char msg[GIT_ERR_BYTES];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_errno(e, -errno, "cannot run git");
	r = spawn_git(argv, p[1], &pid);
	safe_close(p[1]);
	if (r < 0) {
		safe_close(p[0]);
		return err_errno(e, r, "cannot run git");
	}
	while ((n = read(p[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (len == sizeof(msg) - 1) {
			char sink[4096];
			while (read(p[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	safe_close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	msg[len] = '\0';
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return err_set(e, -EIO, "error fetching git repository %s: %s", url,
		       len ? msg : "git failed");
}

/* Clones @repo at @ref (may be NULL) into @dir: shallow first, full when
 * the transport cannot do shallow clones (dumb http). */
static int
git_clone(const char *repo, const char *ref, const char *dir, const char *url, struct err *e)
{
	const char *argv[16];
	size_t n = 0, depth;
	int r;

	argv[n++] = "git";
	argv[n++] = "-c";
	argv[n++] = "protocol.file.allow=never";
	argv[n++] = "-c";
	argv[n++] = "protocol.ext.allow=never";
	argv[n++] = "clone";
	argv[n++] = "--quiet";
	argv[n++] = "--no-recurse-submodules";
	depth = n;
	argv[n++] = "--depth=1";
	if (ref) {
		argv[n++] = "--branch";
		argv[n++] = ref;
	}
	argv[n++] = "--";
	argv[n++] = repo;
	argv[n++] = dir;
	argv[n] = NULL;
	r = run_git((char *const *)argv, url, e);
	if (r == 0)
		return 0;
	(void)fs_rm_rf(dir);
	err_clear(e);
	memmove(&argv[depth], &argv[depth + 1], (n - depth) * sizeof(argv[0]));
	return run_git((char *const *)argv, url, e);
}

static int
fetch_git(const char *url, const char *tmp_dir, struct build_remote *ret, struct err *e)
{
	_cleanup_free_ char *repo = NULL, *ref = NULL, *sub = NULL, *dir = NULL, *co = NULL;
	const char *hash = strchr(url, '#');
	_cleanup_close_ int out = -1, root = -1, src = -1;
	int r;

	if (!build_remote_have_git())
		return err_set(e, -EOPNOTSUPP, "git URLs need git, which is not installed on "
					       "the daemon's host");
	repo = hash ? xstrndup(url, (size_t)(hash - url)) : xstrdup(url);
	if (has_prefix(repo, "github.com/")) {
		char *x = xasprintf("https://%s", repo);
		free(repo);
		repo = x;
	}
	if (hash && hash[1]) {
		const char *colon = strchr(hash + 1, ':');
		ref = colon ? xstrndup(hash + 1, (size_t)(colon - hash - 1)) : xstrdup(hash + 1);
		sub = colon && colon[1] ? xstrdup(colon + 1) : NULL;
		if (*ref == '\0') {
			free(ref);
			ref = NULL;
		}
	}
	if (*repo == '-' || (ref && *ref == '-'))
		return err_set(e, -EINVAL, "invalid git URL %s", url);
	r = fs_mkdtemp_in(tmp_dir, "git-", &dir);
	if (r < 0)
		return err_errno(e, r, "cannot create a directory for the clone");
	co = xasprintf("%s/checkout", dir);
	r = git_clone(repo, ref, co, url, e);
	if (r == 0) {
		root = open(co, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		src = root < 0 ? -errno
			       : sub ? fs_open_beneath(root, sub, O_RDONLY | O_DIRECTORY, 0)
				     : fcntl(root, F_DUPFD_CLOEXEC, 3);
		if (src < 0)
			r = err_errno(e, src, "error fetching git repository %s: subdirectory "
					      "'%s' not found", url, sub ? sub : ".");
	}
	if (r == 0) {
		out = temp_file(tmp_dir, e);
		r = out < 0 ? out : tar_create(src, out, 0, NULL, e);
	}
	if (r == 0 && lseek(out, 0, SEEK_SET) < 0)
		r = err_errno(e, -errno, "cannot rewind the context");
	(void)fs_rm_rf(dir);
	if (r < 0)
		return r;
	ret->fd = TAKE_FD(out);
	return 0;
}

int
build_remote_fetch(const char *url, const char *tmp_dir, struct build_remote *ret,
		   struct err *e)
{
	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	switch (build_remote_kind(url)) {
	case BUILD_REMOTE_HTTP:
		return fetch_http(url, tmp_dir, ret, e);
	case BUILD_REMOTE_GIT:
		return fetch_git(url, tmp_dir, ret, e);
	default:
		return err_set(e, -EINVAL, "remoteURL (%s) could not be recognized as URL", url);
	}
}
