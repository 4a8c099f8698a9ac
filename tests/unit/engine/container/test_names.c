/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "engine/container/names.h"

Test(names, grammar)
{
	cr_expect(names_is_valid("ab"));
	cr_expect(names_is_valid("/web-1.x_y"));
	cr_expect_not(names_is_valid("a"));
	cr_expect_not(names_is_valid("-ab"));
	cr_expect_not(names_is_valid("a b"));
	cr_expect_not(names_is_valid("a/b"));
	cr_expect_not(names_is_valid(""));
}

Test(names, generated_names_are_valid)
{
	char n[128];
	for (unsigned i = 0; i < 50; i++) {
		names_generate(n, sizeof(n), i % 3);
		cr_expect(names_is_valid(n), "%s", n);
		cr_expect(strchr(n, '_') != NULL);
	}
}
