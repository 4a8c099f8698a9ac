/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "engine/util/buf.h"
#include "engine/util/xalloc.h"

Test(buf, append_and_printf_keep_nul)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	buf_puts(&b, "ab");
	buf_printf(&b, "%d-%s", 12, "x");
	cr_expect_str_eq(b.data, "ab12-x");
	cr_expect_eq(b.len, 6);
}

Test(buf, checked_append_enforces_limit)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	cr_expect_eq(buf_append_checked(&b, "12345", 5, 8), 0);
	cr_expect_eq(buf_append_checked(&b, "6789", 4, 8), -E2BIG);
	cr_expect_eq(b.len, 5);
	cr_expect_str_eq(b.data, "12345");
}

static bool
refuse_all(size_t n)
{
	(void)n;
	return false;
}

Test(buf, checked_append_reports_enomem)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	xalloc_hook = refuse_all;
	cr_expect_eq(buf_append_checked(&b, "x", 1, 100), -ENOMEM);
	xalloc_hook = NULL;
	cr_expect_eq(b.len, 0);
}

Test(buf, detach_hands_over)
{
	struct buf b = BUF_INIT;
	size_t n;
	char *p = buf_detach(&b, &n);
	cr_expect_str_eq(p, "");
	cr_expect_eq(n, 0);
	free(p);
	cr_expect_null(b.data);
}
