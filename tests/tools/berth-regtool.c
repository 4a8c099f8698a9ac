/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-regtool: a thin command-line driver of engine/registry for the
 * integration tests (tests/integration/2001-registry-client.sh), so the
 * client is exercised against a real registry without a daemon. Not
 * installed. Credentials come from REGTOOL_USER / REGTOOL_PASS; extra
 * insecure registries from REGTOOL_INSECURE. Errors print
 * "error: <message> [<ERRNO name>]" to stderr and exit 1.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/registry/manifest.h"
#include "engine/registry/registry.h"
#include "engine/registry/registry_blob.h"
#include "engine/registry/registry_search.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

static struct registry_client *client;

static int
fail(const struct err *e)
{
	fprintf(stderr, "error: %s [%s]\n", e->msg, strerrorname_np(-e->code) ? strerrorname_np(-e->code) : "?");
	return 1;
}

static struct registry_creds *
env_auth(void)
{
	const char *u = getenv("REGTOOL_USER"), *p = getenv("REGTOOL_PASS");
	struct registry_creds *a;

	if (!u)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->username = xstrdup(u);
	a->password = xstrdup(p ? p : "");
	return a;
}

static int
open_repo(const char *host, const char *path, unsigned flags, struct registry_repo **r,
	  struct err *e)
{
	struct registry_creds *a = env_auth();
	_cleanup_free_ char *display = xasprintf("%s/%s", host, path);
	int rc = registry_repo_open(client, host, path, display, a, flags, r, e);

	registry_creds_free(a);
	return rc;
}

static int
cmd_manifest(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	struct registry_manifest_reply m = {0};
	struct manifest *pm = NULL;
	_cleanup_free_ char *disp = xasprintf("%s/%s%s%s", av[0], av[1],
					     digest_is_valid(av[2]) ? "@" : ":", av[2]);
	int rc = open_repo(av[0], av[1], 0, &r, e);

	if (rc == 0)
		rc = registry_fetch_manifest(r, av[2], disp, &m, e);
	if (rc == 0)
		rc = manifest_parse(m.data, m.len, m.media_type, disp, &pm, e);
	if (rc == 0) {
		printf("digest %s\nmediatype %s\nkind %d\n", m.digest, pm->media_type, pm->kind);
		if (!manifest_is_index(pm))
			printf("config %s %" PRId64 "\n", pm->config.digest, pm->config.size);
		for (size_t i = 0; i < pm->n_layers; i++)
			printf("layer %s %" PRId64 "\n", pm->layers[i].digest, pm->layers[i].size);
		for (size_t i = 0; i < pm->n_entries; i++)
			printf("entry %s\n", pm->entries[i].desc.digest);
		if (av[3]) {
			struct manifest_platform want = {0};
			const struct manifest_entry *ent = NULL;
			rc = manifest_platform_parse(av[3], &want, e);
			if (rc == 0 && !(ent = manifest_select_platform(pm, &want, e)))
				rc = e->code;
			if (ent)
				printf("selected %s\n", ent->desc.digest);
			manifest_platform_release(&want);
		}
	}
	manifest_free(pm);
	registry_manifest_reply_release(&m);
	registry_repo_close(r);
	return rc;
}

static int
cmd_resolve(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	char digest[DIGEST_STR_LEN + 1];
	_cleanup_free_ char *mt = NULL;
	int64_t size = -1;
	int rc = open_repo(av[0], av[1], 0, &r, e);

	if (rc == 0)
		rc = registry_resolve(r, av[2], av[2], digest, &mt, &size, e);
	if (rc == 0)
		printf("%s %s %" PRId64 "\n", digest, mt, size);
	registry_repo_close(r);
	return rc;
}

static int
file_write(void *ctx, const void *p, size_t n)
{
	int fd = *(int *)ctx;
	return write(fd, p, n) == (ssize_t)n ? 0 : -EIO;
}

static int
file_reset(void *ctx)
{
	int fd = *(int *)ctx;
	return ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 ? 0 : -errno;
}

static int
cmd_blob(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	_cleanup_close_ int fd = open(av[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct registry_blob_sink sink = {.write = file_write, .reset = file_reset, .ctx = &fd};
	int64_t size;
	int rc;

	if (fd < 0 || parse_int64(av[3], -1, INT64_MAX, &size) < 0)
		return err_set(e, -EINVAL, "bad output file or size");
	rc = open_repo(av[0], av[1], 0, &r, e);
	if (rc == 0)
		rc = registry_blob_fetch(r, av[2], size, &sink, e);
	registry_repo_close(r);
	return rc;
}

static int
cmd_exists(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	int rc = open_repo(av[0], av[1], REGISTRY_REPO_PUSH, &r, e);

	if (rc == 0)
		rc = registry_blob_exists(r, av[2], NULL, e);
	if (rc >= 0)
		printf("%s\n", rc ? "exists" : "missing");
	registry_repo_close(r);
	return rc < 0 ? rc : 0;
}

static int
cmd_mount(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	int rc = open_repo(av[0], av[1], REGISTRY_REPO_PUSH, &r, e);

	if (rc == 0)
		rc = registry_blob_mount(r, av[2], av[3], e);
	if (rc >= 0)
		printf("%s\n", rc ? "mounted" : "not-mounted");
	registry_repo_close(r);
	return rc < 0 ? rc : 0;
}

static int
cmd_push_blob(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	_cleanup_close_ int fd = open(av[3], O_RDONLY | O_CLOEXEC);
	struct registry_blob_source src = {.fd = fd};
	int rc;

	if (fd < 0)
		return err_errno(e, -errno, "open '%s'", av[3]);
	rc = open_repo(av[0], av[1], REGISTRY_REPO_PUSH, &r, e);
	if (rc == 0)
		rc = registry_blob_push(r, av[2], -1, &src, e); /* size unknown: chunked */
	registry_repo_close(r);
	return rc;
}

/* push-blob needs the size before streaming: reopen to rewind. */
static int
cmd_push_blob_sized(char **av, struct err *e)
{
	_cleanup_close_ int fd = open(av[3], O_RDONLY | O_CLOEXEC);
	struct registry_repo *r = NULL;
	struct registry_blob_source src = {.fd = -1};
	off_t size;
	int rc;

	if (fd < 0)
		return err_errno(e, -errno, "open '%s'", av[3]);
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	src.fd = fd;
	rc = open_repo(av[0], av[1], REGISTRY_REPO_PUSH, &r, e);
	if (rc == 0)
		rc = registry_blob_push(r, av[2], (int64_t)size, &src, e);
	registry_repo_close(r);
	return rc;
}

static int
cmd_put_manifest(char **av, struct err *e)
{
	struct registry_repo *r = NULL;
	_cleanup_close_ int fd = open(av[4], O_RDONLY | O_CLOEXEC);
	_cleanup_buf_ struct buf b = BUF_INIT;
	char digest[DIGEST_STR_LEN + 1];
	int rc;

	if (fd < 0 || buf_read_fd(&b, fd, 4u << 20) < 0)
		return err_set(e, -EINVAL, "cannot read '%s'", av[4]);
	rc = open_repo(av[0], av[1], REGISTRY_REPO_PUSH, &r, e);
	if (rc == 0)
		rc = registry_put_manifest(r, av[2], av[3], b.data, b.len, digest, e);
	if (rc == 0)
		printf("%s\n", digest);
	registry_repo_close(r);
	return rc;
}

static int
cmd_login(char **av, struct err *e)
{
	struct registry_creds *a = env_auth();
	struct registry_login_result res = {0};
	int rc = registry_login(client, av[0], a, &res, e);

	if (rc == 0)
		printf("Login Succeeded%s\n", res.identity_token ? " (identity token)" : "");
	registry_login_result_release(&res);
	registry_creds_free(a);
	return rc;
}

static int
cmd_search(char **av, struct err *e)
{
	struct registry_search_result *res = NULL;
	size_t n = 0;
	int rc = registry_search(client, av[0], 25, &res, &n, e);

	for (size_t i = 0; rc == 0 && i < n; i++)
		printf("%s\t%" PRId64 "\n", res[i].name, res[i].star_count);
	registry_search_results_free(res, n);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*fn)(char **, struct err *);
	} cmds[] = {
		{"manifest", 3, cmd_manifest},	   /* host repo ref [platform] */
		{"resolve", 3, cmd_resolve},	   /* host repo ref */
		{"blob", 5, cmd_blob},		   /* host repo digest size outfile */
		{"exists", 3, cmd_exists},	   /* host repo digest */
		{"mount", 4, cmd_mount},	   /* host repo digest from */
		{"push-blob", 4, cmd_push_blob_sized}, /* host repo digest file */
		{"push-blob-stream", 4, cmd_push_blob}, /* same, size not announced */
		{"put-manifest", 5, cmd_put_manifest}, /* host repo ref mediatype file */
		{"login", 1, cmd_login},	   /* server */
		{"search", 1, cmd_search},	   /* term */
	};
	const char *ins = getenv("REGTOOL_INSECURE");
	const char *insecure[] = {ins, NULL};
	struct registry_config cfg = {.insecure_registries = ins ? insecure : NULL,
				      .retry_unit_ms = 10,
				      .max_attempts = 3};
	struct err e = ERR_INIT;
	int rc = -EINVAL;

	if (argc < 2) {
		fprintf(stderr, "usage: berth-regtool <command> args...\n");
		return 2;
	}
	client = registry_client_new(&cfg);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			if (argc - 2 < cmds[i].nargs) {
				fprintf(stderr, "%s: needs %d arguments\n", cmds[i].name, cmds[i].nargs);
				registry_client_free(client);
				return 2;
			}
			rc = cmds[i].fn(argv + 2, &e);
			break;
		}
	registry_client_free(client);
	if (rc == -EINVAL && !err_is_set(&e)) {
		fprintf(stderr, "unknown command '%s'\n", argv[1]);
		return 2;
	}
	return rc < 0 ? fail(&e) : 0;
}
