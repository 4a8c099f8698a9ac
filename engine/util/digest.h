/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 through OpenSSL: one-shot over memory or a file, and incremental
 * for streams (blob downloads are hashed as they arrive). Digests are spelled
 * "sha256:<64 lower-case hex>" where a full digest is meant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_LEN (7 + DIGEST_HEX_LEN) /* "sha256:" + hex */

struct sha256_ctx;

struct sha256_ctx *sha256_new(void);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
/* Writes 64 hex digits + NUL to @hex (65 bytes) and frees @c. */
void sha256_final_hex(struct sha256_ctx *c, char hex[DIGEST_HEX_LEN + 1]);
void sha256_free(struct sha256_ctx *c);

/* One-shot: hex of sha256(@p, @n). */
void sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1]);

/* Hashes a whole file: 0 or -errno. */
int sha256_file_hex(const char *path, char hex[DIGEST_HEX_LEN + 1]);

/* True for "sha256:" followed by exactly 64 lower-case hex digits. */
bool digest_is_valid(const char *digest);

/* SHA-1 (for the WebSocket handshake only), raw 20 bytes. */
void sha1_raw(const void *p, size_t n, unsigned char out[20]);

/* Standard base64 (with padding) of @n bytes; caller frees. */
char *base64_encode(const void *p, size_t n);
/* Decodes standard or URL-safe base64, padding optional: 0 or -EINVAL. */
int base64_decode(const char *s, unsigned char **ret, size_t *ret_len);
