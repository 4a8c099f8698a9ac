/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "engine/network/endpoint.h"
#include "engine/network/firewall.h"
#include "engine/network/plumb.h"
#include "engine/util/buf.h"

Test(firewall, port_rule_text)
{
	struct buf out = BUF_INIT;
	struct portmap_binding b = {.container_port = 80, .proto = IPPROTO_TCP, .host_port = 8080};
	struct in_addr cip;
	inet_pton(AF_INET, "10.88.0.2", &cip);
	firewall_format_port_rule(&out, "berth_berth0", "abc", cip, &b);
	cr_expect_str_eq(out.data, "add rule ip berth_berth0 ports tcp dport 8080 dnat to "
				   "10.88.0.2:80 comment \"berth:abc\"\n");
	buf_reset(&out);
	inet_pton(AF_INET, "127.0.0.1", &b.host_ip);
	b.proto = IPPROTO_UDP;
	firewall_format_port_rule(&out, "t", "abc", cip, &b);
	cr_expect_str_eq(out.data, "add rule ip t ports ip daddr 127.0.0.1 udp dport 8080 dnat to "
				   "10.88.0.2:80 comment \"berth:abc\"\n");
	buf_release(&out);
}

/* Names end up inside nft commands and file names: these checks stop injection. */
Test(firewall, names_that_reach_nft_are_validated)
{
	cr_expect(plumb_ifname_valid("berth0"));
	cr_expect(plumb_ifname_valid("br-1.a_b"));
	cr_expect_not(plumb_ifname_valid(""));
	cr_expect_not(plumb_ifname_valid("0123456789abcdef"));
	cr_expect_not(plumb_ifname_valid("a\"b"));
	cr_expect_not(plumb_ifname_valid("a b"));
	cr_expect_not(plumb_ifname_valid("a;b"));
	cr_expect_not(plumb_ifname_valid(".."));
	cr_expect(endpoint_id_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	cr_expect_not(endpoint_id_valid(""));
	cr_expect_not(endpoint_id_valid("../etc"));
	cr_expect_not(endpoint_id_valid("x\"; delete table ip filter"));
	cr_expect_not(endpoint_id_valid(".hidden"));
}

Test(firewall, mac_like_dockerd)
{
	struct in_addr a;
	char mac[18];
	inet_pton(AF_INET, "172.17.0.2", &a);
	plumb_mac(a, mac);
	cr_expect_str_eq(mac, "02:42:ac:11:00:02");
}
