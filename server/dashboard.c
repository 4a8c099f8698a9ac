/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard's static files (see dashboard.h). Errors are answered in
 * the API's JSON shape ({"message": ...}) so the page reads them the same
 * way. What the page does with the API is the page's business: this file
 * never touches the engine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"
#include "server/dashboard.h"

#define PREFIX "/dashboard"
/* Longer paths are nothing we ship: refused before any lookup. */
#define MAX_PATH_LEN 512

struct dashboard {
	int dirfd;
};

int
dashboard_open(const char *dir, struct dashboard **ret, struct err *e)
{
	_cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	struct dashboard *d;

	if (fd < 0)
		return err_errno(e, -errno, "cannot open the dashboard directory '%s'", dir);
	if (fstatat(fd, "index.html", &st, 0) < 0)
		return err_errno(e, -errno, "no index.html in the dashboard directory '%s'", dir);
	d = xcalloc(1, sizeof(*d));
	d->dirfd = TAKE_FD(fd);
	*ret = d;
	return 0;
}

void
dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	safe_close(d->dirfd);
	free(d);
}

bool
dashboard_owns(const char *url)
{
	size_t n = strlen(PREFIX);

	return strncmp(url, PREFIX, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

static const char *
content_type(const char *path)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".txt", "text/plain; charset=utf-8"},
		{".map", "application/json"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	/* LICENSE and anything unnamed: shown as text, never sniffed */
	return dot ? "application/octet-stream" : "text/plain; charset=utf-8";
}

/* The page loads only its own files and talks only to this origin. */
static void
add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	/* xterm.js sets element styles at run time, hence 'unsafe-inline' for styles only */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; connect-src 'self'; "
				"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
				"frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result r;

	add_common_headers(resp);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	_cleanup_json_ json_t *j = json_pack("{s:s}", "message", msg);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	size_t n;

	if (!body)
		return MHD_NO;
	n = strlen(body);
	body[n++] = '\n'; /* json_dumps leaves room: the NUL becomes the newline */
	resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	return reply(conn, status, resp);
}

/*
 * True when every segment of @rel is a plain name: no ".", "..", hidden
 * file or empty segment. libmicrohttpd has already decoded %2e%2e and %2f,
 * so this sees what the file system would.
 */
static bool
path_is_plain(const char *rel)
{
	const char *s = rel;

	if (strlen(rel) > MAX_PATH_LEN || strchr(rel, '\\'))
		return false;
	while (*s) {
		size_t n = strcspn(s, "/");
		if (n == 0 || s[0] == '.')
			return false;
		s += n;
		if (*s == '/' && *++s == '\0')
			return false; /* "dir/": no listing */
	}
	return true;
}

enum MHD_Result
dashboard_serve(struct dashboard *d, struct MHD_Connection *conn, const char *url,
		const char *method)
{
	const char *rel = url + strlen(PREFIX);
	_cleanup_close_ int fd = -1;
	struct MHD_Response *resp;
	struct stat st;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (*rel == '\0') {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, PREFIX "/");
		return reply(conn, MHD_HTTP_MOVED_PERMANENTLY, resp);
	}
	rel++; /* the '/' */
	if (*rel == '\0')
		rel = "index.html";
	if (!path_is_plain(rel))
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "page not found");
	/* Resolved beneath the directory: a symlink cannot lead out of it. */
	fd = fs_open_beneath(d->dirfd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "page not found");
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp)
		return MHD_NO;
	TAKE_FD(fd); /* the response owns it now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(rel));
	return reply(conn, MHD_HTTP_OK, resp);
}
