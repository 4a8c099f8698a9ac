/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>

#include "engine/util/jsonget.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"

static json_t *doc;
static void init(void)
{
	doc = json_loads("{\"s\":\"x\",\"n\":null,\"b\":true,\"i\":42,\"r\":3.0,\"f\":1.5,"
			 "\"big\":1e300,\"a\":[\"p\",\"q\"],\"mix\":[\"p\",1],"
			 "\"o\":{\"k\":\"v\",\"l\":\"w\"},\"om\":{\"k\":1}}",
			 0, NULL);
	cr_assert(doc);
}
static void fini(void)
{
	json_decref(doc);
}
TestSuite(jsonget, .init = init, .fini = fini);

Test(jsonget, absent_and_null_are_unset)
{
	char *s = NULL;
	bool b = false;
	int64_t i = 7;

	cr_expect_eq(jsonget_str(doc, "missing", &s), 0);
	cr_expect_eq(jsonget_str(doc, "n", &s), 0);
	cr_expect_null(s);
	cr_expect_eq(jsonget_bool(doc, "n", &b), 0);
	cr_expect_eq(jsonget_int64(doc, "n", &i), 0);
	cr_expect_eq(i, 7);
	cr_expect_null(jsonget(doc, "n"));
	/* Not an object: no members. */
	cr_expect_eq(jsonget_str(json_object_get(doc, "a"), "s", &s), 0);
	cr_expect_eq(jsonget_str(NULL, "s", &s), 0);
}

Test(jsonget, reads_each_type)
{
	char *s = NULL;
	bool b = false;
	int64_t i = 0;
	char **v = NULL, **k = NULL;
	json_t *m = NULL, *o = NULL;

	cr_expect_eq(jsonget_str(doc, "s", &s), 1);
	cr_expect_str_eq(s, "x");
	cr_expect_str_eq(jsonget_cstr(doc, "s"), "x");
	cr_expect_null(jsonget_cstr(doc, "i"));
	cr_expect_eq(jsonget_bool(doc, "b", &b), 1);
	cr_expect(b);
	cr_expect_eq(jsonget_int64(doc, "i", &i), 1);
	cr_expect_eq(i, 42);
	cr_expect_eq(jsonget_int64(doc, "r", &i), 1, "an integral real is an integer");
	cr_expect_eq(i, 3);
	cr_expect_eq(jsonget_strv(doc, "a", false, &v), 1);
	cr_expect_eq(strv_len(v), 2);
	cr_expect_eq(jsonget_keys(doc, "o", &k), 1);
	cr_expect_eq(strv_len(k), 2);
	cr_expect_eq(jsonget_strmap(doc, "o", &m), 1);
	cr_expect_str_eq(json_string_value(json_object_get(m, "l")), "w");
	cr_expect_eq(jsonget_obj(doc, "om", &o), 1);
	cr_expect_eq(json_object_get(doc, "om"), o);
	free(s);
	strv_free(v);
	strv_free(k);
	json_decref(m);
	json_decref(o);
}

Test(jsonget, wrong_types_leave_the_target_alone)
{
	char *s = NULL;
	bool b = false;
	int64_t i = 5;
	char **v = NULL;
	json_t *m = NULL;

	cr_expect_eq(jsonget_str(doc, "i", &s), -EINVAL);
	cr_expect_null(s);
	cr_expect_eq(jsonget_bool(doc, "s", &b), -EINVAL);
	cr_expect_eq(jsonget_int64(doc, "f", &i), -EINVAL);
	cr_expect_eq(jsonget_int64(doc, "big", &i), -ERANGE);
	cr_expect_eq(jsonget_int64(doc, "s", &i), -EINVAL);
	cr_expect_eq(i, 5);
	cr_expect_eq(jsonget_strv(doc, "s", false, &v), -EINVAL);
	cr_expect_eq(jsonget_strv(doc, "mix", false, &v), -EDOM);
	cr_expect_null(v);
	cr_expect_eq(jsonget_keys(doc, "a", &v), -EINVAL);
	cr_expect_eq(jsonget_strmap(doc, "om", &m), -EDOM);
	cr_expect_eq(jsonget_strmap(doc, "a", &m), -EINVAL);
	cr_expect_eq(jsonget_obj(doc, "a", &m), -EINVAL);
	cr_expect_null(m);
}

Test(jsonget, lone_string_as_list_only_when_allowed)
{
	char **v = NULL;

	cr_expect_eq(jsonget_strv(doc, "s", true, &v), 1);
	cr_expect_eq(strv_len(v), 1);
	cr_expect_str_eq(v[0], "x");
	strv_free(v);
}

Test(jsonget, kinds_are_named_as_go_does)
{
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "i")), "number");
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "f")), "number");
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "b")), "bool");
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "a")), "array");
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "o")), "object");
	cr_expect_str_eq(jsonget_kind(json_object_get(doc, "s")), "string");
	cr_expect_str_eq(jsonget_kind(NULL), "null");
}
