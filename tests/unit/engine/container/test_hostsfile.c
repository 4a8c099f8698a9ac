/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "engine/container/hostsfile.h"

static const char base[] = "127.0.0.1\tlocalhost\n"
			   "10.1.0.5\tweb web.alias\n"
			   "172.18.0.2\tabc123\n"
			   "fd00::2\tabc123\n";

Test(hostsfile, remove_drops_whole_matching_lines_only)
{
	struct buf out = BUF_INIT;

	hostsfile_remove_text(base, strlen(base), "172.18.0.2", "abc123", &out);
	cr_expect_str_eq(out.data, "127.0.0.1\tlocalhost\n10.1.0.5\tweb "
				   "web.alias\nfd00::2\tabc123\n");
	buf_reset(&out);
	hostsfile_remove_text(base, strlen(base), "172.18.0.2", "abc", &out);
	cr_expect_str_eq(out.data, base, "a prefix of the names is not a match");
	buf_release(&out);
}

Test(hostsfile, update_replaces_the_address_of_the_alias_line)
{
	struct buf out = BUF_INIT;
	const char in[] = "10.1.0.5\tweb web.alias\n10.1.0.6\twebby\n10.1.0.7\tweb";

	hostsfile_update_text(in, strlen(in), "10.1.0.9", "web", &out);
	/* moby's (\S*)(\tweb)(\s|\.) needs a character after the name */
	cr_expect_str_eq(out.data, "10.1.0.9\tweb web.alias\n10.1.0.6\twebby\n10.1.0.7\tweb");
	buf_release(&out);
}

Test(hostsfile, hostile_content_is_copied_not_parsed)
{
	struct buf out = BUF_INIT;
	const char in[] = "\t\t\n\nnoaddress\n\tweb\n";

	hostsfile_update_text(in, strlen(in), "10.0.0.1", "web", &out);
	cr_expect_str_eq(out.data, "\t\t\n\nnoaddress\n10.0.0.1\tweb\n");
	buf_release(&out);
}
