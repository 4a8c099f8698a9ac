/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "engine/container/stats.h"

Test(stats, parse_net_dev)
{
	const char text[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
		"    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n"
		"  eth0:    1296      16    1    2    0     0          0         0      656       8    3    4    0     0       0          0\n"
		"broken line without numbers\n"
		"  eth1: 5\n";
	struct stats_net *v = NULL;
	size_t n = stats_parse_net_dev(text, &v);

	cr_assert_eq(n, 1);
	cr_expect_str_eq(v[0].name, "eth0");
	cr_expect_eq(v[0].rx_bytes, 1296);
	cr_expect_eq(v[0].rx_packets, 16);
	cr_expect_eq(v[0].rx_errors, 1);
	cr_expect_eq(v[0].rx_dropped, 2);
	cr_expect_eq(v[0].tx_bytes, 656);
	cr_expect_eq(v[0].tx_dropped, 4);
	free(v);
}
