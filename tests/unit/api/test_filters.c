/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "api/filters.h"

Test(filters, both_encodings)
{
	struct filters *f = NULL;
	struct err e = ERR_INIT;

	cr_assert_eq(filters_parse("{\"label\":{\"a=b\":true},\"status\":{\"exited\":true}}", &f, &e), 0);
	cr_expect_eq(filters_count(f, "label"), 1);
	cr_expect_str_eq(filters_value(f, "status", 0), "exited");
	filters_free(f);
	cr_assert_eq(filters_parse("{\"status\":[\"running\",\"exited\"]}", &f, &e), 0);
	cr_expect_eq(filters_count(f, "status"), 2);
	cr_expect(filters_match_exact(f, "status", "exited"));
	cr_expect_not(filters_match_exact(f, "status", "paused"));
	cr_expect(filters_match_exact(f, "name", "anything"));
	filters_free(f);
}

Test(filters, bad_input_and_unknown_keys)
{
	static const char *const allowed[] = { "status", NULL };
	struct filters *f = NULL;
	struct err e = ERR_INIT;

	cr_expect_eq(filters_parse("{bad", &f, &e), -EINVAL);
	filters_free(f);
	cr_expect_eq(filters_parse("{\"x\":3}", &f, &e), -EINVAL);
	filters_free(f);
	cr_assert_eq(filters_parse("{\"nope\":[\"1\"]}", &f, &e), 0);
	cr_expect_eq(filters_check_keys(f, allowed, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "invalid filter 'nope'");
	filters_free(f);
}

Test(filters, booleans_and_labels)
{
	struct filters *f = NULL;
	struct err e = ERR_INIT;
	bool b;
	json_t *labels = json_pack("{s:s,s:s}", "a", "b", "c", "d");

	cr_assert_eq(filters_parse("{\"dangling\":[\"true\"],\"label\":[\"a=b\",\"c\"]}", &f, &e), 0);
	cr_expect_eq(filters_get_bool(f, "dangling", false, &b, &e), 0);
	cr_expect(b);
	cr_expect(filters_match_labels(f, "label", labels));
	json_object_set_new(labels, "a", json_string("x"));
	cr_expect_not(filters_match_labels(f, "label", labels));
	filters_free(f);
	cr_assert_eq(filters_parse("{\"dangling\":[\"true\",\"false\"]}", &f, &e), 0);
	cr_expect_eq(filters_get_bool(f, "dangling", false, &b, &e), -EINVAL);
	filters_free(f);
	cr_assert_eq(filters_parse("{\"dangling\":[\"maybe\"]}", &f, &e), 0);
	cr_expect_eq(filters_get_bool(f, "dangling", false, &b, &e), -EINVAL);
	filters_free(f);
	json_decref(labels);
}
