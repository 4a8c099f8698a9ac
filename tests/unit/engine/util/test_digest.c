/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/digest.h"

Test(digest, sha256_known_vector)
{
	char hex[DIGEST_HEX_LEN + 1];
	sha256_hex("abc", 3, hex);
	cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(digest, validity)
{
	cr_expect(digest_is_valid(
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	cr_expect_not(digest_is_valid("sha256:BA78"));
	cr_expect_not(digest_is_valid("md5:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

Test(digest, base64_roundtrip_and_urlsafe)
{
	unsigned char *out = NULL;
	size_t n = 0;
	char *e = base64_encode("{}", 2);
	cr_expect_str_eq(e, "e30=");
	free(e);
	cr_assert_eq(base64_decode("e30", &out, &n), 0);
	cr_expect_eq(n, 2);
	cr_expect_eq(memcmp(out, "{}", 2), 0);
	free(out);
	cr_assert_eq(base64_decode("_-8", &out, &n), 0);
	cr_expect_eq(n, 2);
	cr_expect_eq(out[0], 0xff);
	free(out);
	cr_expect_neq(base64_decode("@@@@", &out, &n), 0);
}
