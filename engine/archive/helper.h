/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extraction helper, berth-untar (docs/security.md, "Extraction
 * helper"): untar_extract() in berthd spawns one per archive and the
 * archive is parsed and unpacked there, confined by sandbox.h, never in
 * berthd's address space.
 *
 * The contract (berthd side here, helper side in helper_main.c):
 *   argv   berth-untar untar            (environment: empty)
 *   fd 0, 1  /dev/null; fd 2 berthd's stderr
 *   fd 3   a SOCK_SEQPACKET socket, the only other fd. The helper confines
 *          itself at once, then waits for one struct helper_request that
 *          carries two fds (SCM_RIGHTS): the archive stream (the caller's fd
 *          itself: a file or a pipe), which becomes its fd 0, and the
 *          destination directory, its fd 4. It answers with any number of
 *          struct helper_opaque, then one struct helper_reply, and exits.
 *          A helper whose channel closes before a request exits quietly.
 * berthd keeps one spare helper spawned ahead of the next job (past its
 * exec and confinement), so a job costs a message, not a process start.
 * Both structs are fixed binary layouts of one build (magic and size are
 * checked), so every field of struct untar_opts reaches the helper as is:
 * untar_opts stays the single place for extraction parameters.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/archive/tarout.h"
#include "engine/archive/untar.h"
#include "engine/util/err.h"

#define HELPER_IN_FD 0
#define HELPER_CHANNEL_FD 3
#define HELPER_DIR_FD 4

#define HELPER_REQUEST_MAGIC 0x31525542u /* "BUR1" */
#define HELPER_REPLY_MAGIC 0x31505542u	 /* "BUP1" */
#define HELPER_OPAQUE_MAGIC 0x314f5542u	 /* "BUO1" */

enum helper_op {
	HELPER_OP_UNTAR = 1,
	/* the read helper (`berth-untar read`, helper_read below) */
	HELPER_OP_STAT = 2,
	HELPER_OP_TREE = 3,
	HELPER_OP_EXPORT = 4,
	/* the extraction helper's other jobs (untar_stream.c): fd 4 is the output file */
	HELPER_OP_SNIFF = 5,
	HELPER_OP_DECOMPRESS = 6,
	HELPER_OP_CANONICAL = 7,
};

struct helper_request {
	uint32_t magic;
	uint32_t size; /* sizeof(struct helper_request) */
	uint32_t op;   /* enum helper_op */
	uint32_t reserved;
	struct untar_opts opts;
};

struct helper_reply {
	uint32_t magic;
	uint32_t size; /* sizeof(struct helper_reply) */
	int32_t code;  /* 0 or a negative errno */
	uint32_t reserved;
	struct untar_result res;
	char msg[ERR_MSG_MAX]; /* the error's message when code < 0 */
};

/*
 * Before its reply the helper may send any number of these: "mark @dir
 * opaque" (UNTAR_WHITEOUT_OVERLAY; the xattr needs CAP_SYS_ADMIN, which the
 * helper lacks). berthd opens @dir beneath the destination with
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS and sets the xattr at once, so it
 * keeps nothing per message.
 */
struct helper_opaque {
	uint32_t magic;
	uint32_t size;	  /* sizeof(struct helper_opaque) */
	char dir[4096];	  /* relative, cleaned, "" for the destination */
	char entry[4096]; /* the archive entry, for messages */
};

/*
 * Uses @path as the helper from now on (berthd: berth-untar beside it,
 * else BERTH_LIBEXECDIR/berth-untar). Without a call, $BERTH_UNTAR names
 * it, and when that is unset too untar_extract runs in the calling process
 * (unit tests and test tools only). Call before any thread starts.
 */
void helper_set_path(const char *path);

/* The helper binary untar_extract spawns, or NULL to extract in-process. */
const char *helper_path(void);

/* untar_extract through the helper at @path: same contract, same errors. */
int helper_untar(const char *path, int in_fd, int dest_dirfd, const struct untar_opts *o,
		 struct untar_result *ret, struct err *e);

/*
 * @op (SNIFF, DECOMPRESS or CANONICAL) on @in_fd through the helper at
 * @path, the output (DECOMPRESS, CANONICAL) written to @out_fd (-1 for
 * SNIFF). Same results as the untar_*_local functions.
 */
int helper_job(const char *path, enum helper_op op, int in_fd, int out_fd, struct untar_result *ret,
	       struct err *e);

/* ---- the protocol, shared with the helper and the unit tests ---------- */

void helper_request_init(struct helper_request *req, enum helper_op op, const struct untar_opts *o);
/* Checks @n bytes at @buf; fills @ret. -EPROTO for anything malformed. */
int helper_request_decode(const void *buf, size_t n, struct helper_request *ret);

void helper_opaque_init(struct helper_opaque *m, const char *dir, const char *entry);
/* Checks @n bytes at @buf; fills @ret. -EPROTO for anything malformed
 * (unterminated, absolute, or with a ".." component). */
int helper_opaque_decode(const void *buf, size_t n, struct helper_opaque *ret);

/* A reply for @code (0 or -errno), @res (on success) and @e (on failure). */
void helper_reply_init(struct helper_reply *rep, int code, const struct untar_result *res,
		       const struct err *e);
/*
 * Checks @n bytes at @buf (magic, size, code range, NUL-terminated
 * strings) and turns the reply into untar_extract's outcome: 0 and *@ret
 * (may be NULL), or the helper's code and message in @e. A malformed reply
 * is -EIO "archive helper: malformed reply".
 */
int helper_reply_decode(const void *buf, size_t n, struct untar_result *ret, struct err *e);

/* ---- the read helper ----------------------------------------------------
 *
 * `berth-untar read` (docs/security.md, "Read helper"): spawned per job,
 * confined read-only (sandbox.h, SANDBOX_READ) before it waits for its
 * request. Fds: as above, then with the request (SCM_RIGHTS) the pipe it
 * writes the tar to (its fd 1) and, for STAT and TREE, the root fd (its
 * fd 4); then n_extra struct helper_extra messages, each with its fd or
 * none (has_fd 0): the binds and volumes of a stopped container (TREE) or
 * the layer directories, topmost first (EXPORT). While it walks an export
 * it may send struct helper_query with a directory fd ("is it opaque?",
 * trusted.overlay.opaque needs CAP_SYS_ADMIN) and waits for a struct
 * helper_answer; it ends with one struct helper_reply and exits.
 */
#define HELPER_OUT_FD 1
#define HELPER_READ_MAGIC 0x31525242u	/* "BRR1" */
#define HELPER_EXTRA_MAGIC 0x31585242u	/* "BRX1" */
#define HELPER_QUERY_MAGIC 0x31515242u	/* "BRQ1" */
#define HELPER_ANSWER_MAGIC 0x31415242u /* "BRA1" */
/* Layers or mounts one job may carry (an image has at most 127 layers). */
#define HELPER_MAX_EXTRA 1024

struct helper_read_request {
	uint32_t magic;
	uint32_t size; /* sizeof(struct helper_read_request) */
	uint32_t op;   /* HELPER_OP_STAT, _TREE or _EXPORT */
	uint32_t n_extra;
	uint32_t cross_mounts;
	uint32_t reserved;
	char rel[PATH_MAX];
	char clean[PATH_MAX];
	char mount_target[PATH_MAX];
	struct idmap unmap;
};

struct helper_extra {
	uint32_t magic;
	uint32_t size;
	uint32_t has_fd;
	uint32_t reserved;
	char target[PATH_MAX];	 /* a mount's target (TREE), "" for a layer */
	char name[NAME_MAX + 1]; /* the source below the fd ("." for a directory) */
};

struct helper_query {
	uint32_t magic;
	uint32_t size;
};

struct helper_answer {
	uint32_t magic;
	uint32_t size;
	uint32_t opaque;
	uint32_t reserved;
};

struct helper_read_reply {
	uint32_t magic; /* HELPER_REPLY_MAGIC */
	uint32_t size;	/* sizeof(struct helper_read_reply) */
	int32_t code;
	uint32_t reserved;
	struct tarout_stat st;
	char msg[ERR_MSG_MAX];
};

/*
 * Runs @op in a new read helper at @path: @src (its rootfd and mounts;
 * for EXPORT only its unmap), @layer_fds (EXPORT: @n_layers fds, -1 for
 * an absent one); the tar is passed to @write as it comes (may be NULL for
 * STAT). Same results as tarout_stat_local / tarout_tree_local /
 * tarout_export_local.
 */
int helper_read(const char *path, enum helper_op op, const struct tarout_src *src,
		const int *layer_fds, size_t n_layers, tarout_write_fn write, void *ud,
		struct tarout_stat *ret, struct err *e);

void helper_read_request_init(struct helper_read_request *req, enum helper_op op,
			      const struct tarout_src *src, size_t n_extra);
/* Checks @n bytes at @buf; fills @ret. -EPROTO for anything malformed. */
int helper_read_request_decode(const void *buf, size_t n, struct helper_read_request *ret);
int helper_extra_decode(const void *buf, size_t n, struct helper_extra *ret);
void helper_read_reply_init(struct helper_read_reply *rep, int code, const struct tarout_stat *st,
			    const struct err *e);
/* As helper_reply_decode: 0 and *@ret, the helper's error, or -EIO. */
int helper_read_reply_decode(const void *buf, size_t n, struct tarout_stat *ret, struct err *e);
