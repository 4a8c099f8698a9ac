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
