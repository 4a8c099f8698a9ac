/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "api/lineq.h"

static struct lineq q;
static void fini(void)
{
	lineq_release(&q);
}
TestSuite(lineq, .fini = fini);

static int
push(const char *line, const char *key, bool droppable)
{
	return lineq_push(&q, line, strlen(line), key, droppable);
}

static char *
drain(void)
{
	static char buf[4096];
	size_t n = lineq_read(&q, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	return buf;
}

Test(lineq, keeps_order_under_the_soft_cap)
{
	lineq_init(&q, 64, 128);
	cr_expect_eq(push("a1;", "a", true), LINEQ_QUEUED);
	cr_expect_eq(push("A;", "a", false), LINEQ_QUEUED);
	cr_expect_eq(push("b1;", "b", true), LINEQ_QUEUED);
	cr_expect_str_eq(drain(), "a1;A;b1;");
	cr_expect(lineq_is_empty(&q));
	cr_expect_eq(q.bytes, 0);
}

Test(lineq, full_queue_replaces_latest_progress_of_the_same_key)
{
	lineq_init(&q, 9, 64);
	cr_expect_eq(push("a1;", "a", true), LINEQ_QUEUED);
	cr_expect_eq(push("b1;", "b", true), LINEQ_QUEUED);
	cr_expect_eq(push("c1;", "c", true), LINEQ_QUEUED);
	/* Over the soft cap: a2 takes a1's place, d1 has no line to replace. */
	cr_expect_eq(push("a2;", "a", true), LINEQ_REPLACED);
	cr_expect_eq(push("d1;", "d", true), LINEQ_DROPPED);
	cr_expect_eq(push("x1;", NULL, true), LINEQ_DROPPED);
	cr_expect_eq(q.dropped, 3);
	cr_expect_str_eq(drain(), "a2;b1;c1;");
}

Test(lineq, never_drops_status_lines)
{
	lineq_init(&q, 4, 64);
	cr_expect_eq(push("a1;", "a", true), LINEQ_QUEUED);
	cr_expect_eq(push("Pull complete a;", "a", false), LINEQ_QUEUED);
	cr_expect_eq(push("Digest: x;", NULL, false), LINEQ_QUEUED);
	cr_expect_eq(push("Status: y;", NULL, false), LINEQ_QUEUED);
	cr_expect_str_eq(drain(), "a1;Pull complete a;Digest: x;Status: y;");
}

Test(lineq, progress_after_a_status_line_of_its_key_is_dropped)
{
	lineq_init(&q, 4, 64);
	cr_expect_eq(push("a1;", "a", true), LINEQ_QUEUED);
	cr_expect_eq(push("Download complete a;", "a", false), LINEQ_QUEUED);
	/* Replacing a1 would reorder a's lines: drop instead. */
	cr_expect_eq(push("a2;", "a", true), LINEQ_DROPPED);
	cr_expect_str_eq(drain(), "a1;Download complete a;");
}

Test(lineq, partly_read_line_is_not_replaced)
{
	char buf[2];

	lineq_init(&q, 6, 64);
	cr_expect_eq(push("a1;", "a", true), LINEQ_QUEUED);
	cr_expect_eq(push("b1;", "b", true), LINEQ_QUEUED);
	cr_expect_eq(lineq_read(&q, buf, 2), 2);
	cr_expect_eq(memcmp(buf, "a1", 2), 0);
	cr_expect_eq(push("a2;", "a", true), LINEQ_DROPPED);
	cr_expect_str_eq(drain(), ";b1;");
}

Test(lineq, essential_line_past_the_hard_cap_is_refused)
{
	lineq_init(&q, 4, 16);
	cr_expect_eq(push("0123456789;", NULL, false), LINEQ_QUEUED);
	cr_expect_eq(push("0123456789;", NULL, false), -ENOBUFS);
	cr_expect_eq(q.bytes, 11);
	cr_expect_str_eq(drain(), "0123456789;");
	cr_expect_eq(push("0123456789;", NULL, false), LINEQ_QUEUED);
}

Test(lineq, read_in_small_pieces_keeps_bytes_exact)
{
	char buf[3];
	size_t total = 0, n;

	lineq_init(&q, 64, 64);
	push("hello;", "a", true);
	push("world;", NULL, false);
	while ((n = lineq_read(&q, buf, sizeof(buf))) > 0)
		total += n;
	cr_expect_eq(total, 12);
	cr_expect(lineq_is_empty(&q));
	cr_expect_eq(q.bytes, 0);
}
