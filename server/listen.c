/* SPDX-License-Identifier: Apache-2.0 */
/* Listening sockets; see listen.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/lazysystemd.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"
#include "server/conf.h"
#include "server/listen.h"

/* A unix socket file that nobody accepts on is a leftover: true if live. */
static bool
unix_socket_is_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

static int
open_unix(const char *path, const char *group, struct listener *ret, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, -ENAMETOOLONG, "socket path '%s' is too long", path);
	if (slash && slash != dir) {
		*slash = '\0';
		(void)fs_mkdir_p(dir, 0755);
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return err_set(e, -EEXIST, "'%s' exists and is not a socket", path);
		if (unix_socket_is_live(path))
			return err_set(e, -EADDRINUSE,
				       "another daemon is already listening on '%s'", path);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(e, -errno, "socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_errno(e, -errno, "cannot bind '%s'", path);
	/* Like docker.sock: 0660, root and the daemon's group (berth creates
	 * no group; an administrator who makes one grants access with it). */
	if (chmod(path, 0660) < 0) {
		int r = -errno;
		unlink(path);
		return err_errno(e, r, "cannot chmod '%s'", path);
	}
	struct group *gr = getgrnam(group ? group : "berth");
	if (!gr && group) {
		unlink(path);
		return err_set(e, -ENOENT, "group %s not found", group);
	}
	if (gr && chown(path, 0, gr->gr_gid) < 0) {
		int r = -errno;
		unlink(path);
		return err_errno(e, r, "cannot give '%s' to group %s", path, gr->gr_name);
	}
	if (listen(fd, 128) < 0) {
		int r = -errno;
		unlink(path);
		return err_errno(e, r, "cannot listen on '%s'", path);
	}
	ret->fd = TAKE_FD(fd);
	ret->unix_path = xstrdup(path);
	return 0;
}

static int
open_tcp(const char *hostport, struct listener *ret, struct err *e)
{
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	_cleanup_close_ int fd = -1;
	int one = 1, k;

	if (!colon)
		return err_set(e, -EINVAL, "invalid tcp address '%s'", hostport);
	host = xstrndup(hostport, (size_t)(colon - hostport));
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	k = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
	if (k != 0)
		return err_set(e, -EINVAL, "cannot resolve '%s': %s", hostport, gai_strerror(k));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return err_errno(e, -errno, "socket");
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		int r = -errno;
		freeaddrinfo(res);
		return err_errno(e, r, "cannot bind '%s'", hostport);
	}
	freeaddrinfo(res);
	if (listen(fd, 128) < 0)
		return err_errno(e, -errno, "cannot listen on '%s'", hostport);
	ret->fd = TAKE_FD(fd);
	return 0;
}

/* Sockets systemd passed (LISTEN_FDS), counted once; the variables are
 * unset so that nothing berthd starts inherits them. */
static int activated = -1;
static bool activated_taken[64];

static int
activated_count(void)
{
	if (activated < 0) {
		int n = sd_listen_fds(1);
		activated = n < 0 ? 0 : n > 64 ? 64 : n;
	}
	return activated;
}

int
listen_expand_fd_hosts(char ***hosts, struct err *e)
{
	char **out = NULL;
	const char *rest;

	for (size_t i = 0; *hosts && (*hosts)[i]; i++) {
		const char *h = (*hosts)[i];
		if (!str_startswith(h, "fd://", &rest) || (*rest && strcmp(rest, "*") != 0)) {
			strv_append(&out, h);
			continue;
		}
		/* dockerd: fd:// (or with a star) is every socket systemd passed */
		if (activated_count() == 0) {
			strv_free(out);
			return err_set(e, -ENOENT,
				       "no sockets found via socket activation: make sure the "
				       "service was started by systemd");
		}
		for (int k = 0; k < activated_count(); k++) {
			_cleanup_free_ char *one = xasprintf("fd://%d", SD_LISTEN_FDS_START + k);
			strv_append(&out, one);
		}
	}
	strv_free(*hosts);
	*hosts = out;
	return 0;
}

/* True if the socket's address is 127.0.0.0/8 or ::1. */
static bool
sockaddr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

/* fd://N: one socket systemd passed, with dockerd's messages. */
static int
open_fd(const char *num, struct listener *ret, struct err *e)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	uint64_t v;
	int fd, k;

	if (parse_uint64(num, 1 << 20, &v) < 0)
		return err_set(e, -EINVAL,
			       "failed to parse systemd fd address: should be a number: %s", num);
	if (activated_count() == 0)
		return err_set(e, -ENOENT,
			       "no sockets found via socket activation: make sure the service "
			       "was started by systemd");
	fd = (int)v;
	k = fd - SD_LISTEN_FDS_START;
	if (k < 0 || k >= activated_count())
		return err_set(e, -ENOENT, "too few socket activated files passed in by systemd");
	if (activated_taken[k])
		return err_set(e, -EEXIST, "fd %d is named by more than one -H", fd);
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return err_set(e, -ENOTSOCK, "failed to listen on systemd activated file: fd %d",
			       fd);
	activated_taken[k] = true;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	ret->fd = fd;
	ret->tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	ret->loopback = !ret->tcp || sockaddr_is_loopback(&ss);
	return 0;
}

void
listen_close_unused_activated(void)
{
	for (int k = 0; k < (activated < 0 ? 0 : activated); k++)
		if (!activated_taken[k])
			close(SD_LISTEN_FDS_START + k);
}

int
listen_open(const char *host, const char *group, struct listener *ret, struct err *e)
{
	const char *rest;
	struct listener l = { .fd = -1 };
	int r;

	if (str_startswith(host, "unix://", &rest)) {
		r = open_unix(rest, group, &l, e);
		l.loopback = true;
	} else if (str_startswith(host, "tcp://", &rest)) {
		r = open_tcp(rest, &l, e);
		l.tcp = true;
		l.loopback = conf_host_is_loopback(host);
	} else if (str_startswith(host, "fd://", &rest)) {
		r = open_fd(rest, &l, e);
	} else {
		r = err_set(e, -EINVAL, "unsupported host '%s'", host);
	}
	if (r < 0)
		return r;
	l.host = xstrdup(host);
	*ret = l;
	return 0;
}

void
listen_close(struct listener *l)
{
	l->fd = safe_close(l->fd);
	if (l->unix_path)
		unlink(l->unix_path);
	free(l->unix_path);
	free(l->host);
	l->unix_path = l->host = NULL;
}
