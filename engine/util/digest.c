/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256/SHA-1/base64 through OpenSSL; see digest.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/util/cleanup.h"
#include "engine/util/digest.h"
#include "engine/util/parse.h"
#include "engine/util/xalloc.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

struct sha256_ctx *
sha256_new(void)
{
	struct sha256_ctx *c = xcalloc(1, sizeof(*c));

	c->md = EVP_MD_CTX_new();
	if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		abort();
	return c;
}

void
sha256_update(struct sha256_ctx *c, const void *p, size_t n)
{
	if (n)
		EVP_DigestUpdate(c->md, p, n);
}

static void
to_hex(const unsigned char *raw, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
sha256_final_hex(struct sha256_ctx *c, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char raw[32];
	unsigned int len = 0;

	EVP_DigestFinal_ex(c->md, raw, &len);
	to_hex(raw, 32, hex);
	sha256_free(c);
}

void
sha256_free(struct sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void
sha256_hex(const void *p, size_t n, char hex[DIGEST_HEX_LEN + 1])
{
	struct sha256_ctx *c = sha256_new();
	sha256_update(c, p, n);
	sha256_final_hex(c, hex);
}

int
sha256_file_hex(const char *path, char hex[DIGEST_HEX_LEN + 1])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct sha256_ctx *c;
	char tmp[65536];

	if (fd < 0)
		return -errno;
	c = sha256_new();
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = -errno;
			sha256_free(c);
			return r;
		}
		if (n == 0)
			break;
		sha256_update(c, tmp, (size_t)n);
	}
	sha256_final_hex(c, hex);
	return 0;
}

bool
digest_is_valid(const char *digest)
{
	const char *hex;
	return str_startswith(digest, "sha256:", &hex) && str_is_hex(hex, DIGEST_HEX_LEN);
}

void
sha1_raw(const void *p, size_t n, unsigned char out[20])
{
	unsigned int len = 0;
	EVP_Digest(p, n, out, &len, EVP_sha1(), NULL);
}

char *
base64_encode(const void *p, size_t n)
{
	size_t outlen = 4 * ((n + 2) / 3) + 1;
	char *out = xmalloc(outlen);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

int
base64_decode(const char *s, unsigned char **ret, size_t *ret_len)
{
	size_t n = strlen(s), m, pad = 0;
	_cleanup_free_ char *norm = NULL;
	unsigned char *out;
	int len;

	if (n > (1u << 24))
		return -E2BIG;
	/* Accept URL-safe alphabet and missing padding (X-Registry-Auth uses both). */
	norm = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		norm[i] = ch;
	}
	m = n;
	while (m % 4)
		norm[m++] = '=';
	norm[m] = '\0';
	for (size_t i = m; i > 0 && norm[i - 1] == '='; i--)
		pad++;
	if (pad > 2)
		return -EINVAL;
	out = xmalloc(m / 4 * 3 + 1);
	len = EVP_DecodeBlock(out, (unsigned char *)norm, (int)m);
	if (len < 0) {
		free(out);
		return -EINVAL;
	}
	len -= (int)pad;
	out[len] = '\0';
	*ret = out;
	*ret_len = (size_t)len;
	return 0;
}
