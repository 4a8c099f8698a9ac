/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/endpoint.h"
#include "engine/util/fs.h"

static char dir[] = "/tmp/berth-test-ep-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	fs_rm_rf(dir);
}

TestSuite(endpoint, .init = setup, .fini = teardown);

Test(endpoint, round_trip)
{
	struct portmap_binding ports[2] = {
		{.container_port = 80, .proto = IPPROTO_TCP, .host_port = 8080},
		{.container_port = 53, .proto = IPPROTO_UDP, .host_port = 5353},
	};
	struct network_endpoint ep = {.mode = NETWORK_MODE_BRIDGE, .prefix = 16,
				      .ports = ports, .n_ports = 2};
	struct network_endpoint got = {0};
	struct err e = ERR_INIT;
	strcpy(ep.container_id, "c1");
	strcpy(ep.endpoint_id, "e1");
	strcpy(ep.network, "bridge");
	strcpy(ep.netns_path, "/run/berth/netns/c1");
	strcpy(ep.mac, "02:42:0a:58:00:02");
	strcpy(ep.host_veth, "vb01234567");
	inet_pton(AF_INET, "10.88.0.2", &ep.ip);
	inet_pton(AF_INET, "10.88.0.1", &ep.gateway);
	inet_pton(AF_INET, "127.0.0.1", &ports[0].host_ip);
	cr_assert_eq(endpoint_save(dir, &ep), 0);
	cr_assert_eq(endpoint_load(dir, "c1", &got, &e), 0, "%s", e.msg);
	cr_expect_str_eq(got.netns_path, ep.netns_path);
	cr_expect_str_eq(got.host_veth, ep.host_veth);
	cr_expect_eq(got.ip.s_addr, ep.ip.s_addr);
	cr_expect_eq(got.mode, NETWORK_MODE_BRIDGE);
	cr_assert_eq(got.n_ports, 2);
	cr_expect_eq(got.ports[0].host_ip.s_addr, ports[0].host_ip.s_addr);
	cr_expect_eq(got.ports[1].proto, IPPROTO_UDP);
	cr_expect_eq(got.ports[1].host_port, 5353);
	network_endpoint_release(&got);
	cr_expect_eq(endpoint_remove(dir, "c1"), 0);
	cr_expect_eq(endpoint_remove(dir, "c1"), 0);
	cr_expect_eq(endpoint_load(dir, "c1", &got, &e), -ENOENT);
}

Test(endpoint, hostile_records)
{
	const char *bad[] = {
		"{}",
		"{\"id\":\"other\"}",
		"{\"id\":\"c1\",\"endpoint_id\":\"e\",\"mode\":\"weird\",\"network\":\"b\",\"netns\":\"\","
		"\"mac\":\"\",\"veth\":\"\",\"ip\":\"1.2.3.4\",\"gateway\":\"1.2.3.1\",\"prefix\":8,"
		"\"ports\":[]}",
		"{\"id\":\"c1\",\"endpoint_id\":\"e\",\"mode\":\"bridge\",\"network\":\"b\",\"netns\":\"\","
		"\"mac\":\"\",\"veth\":\"\",\"ip\":\"1.2.3.4\",\"gateway\":\"1.2.3.1\",\"prefix\":8,"
		"\"ports\":[{\"proto\":\"tcp\",\"container_port\":0,\"host_ip\":\"0.0.0.0\",\"host_port\":1}]}",
		"{\"id\":\"c1\",\"endpoint_id\":\"e\",\"mode\":\"bridge\",\"network\":\"b\",\"netns\":\"\","
		"\"mac\":\"\",\"veth\":\"0123456789abcdefgh\",\"ip\":\"1.2.3.4\",\"gateway\":\"1.2.3.1\","
		"\"prefix\":8,\"ports\":[]}",
	};
	char path[256];
	struct network_endpoint got = {0};
	struct err e = ERR_INIT;
	snprintf(path, sizeof(path), "%s/c1.json", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(fs_write_atomic(path, bad[i], strlen(bad[i]), 0600), 0);
		cr_expect_eq(endpoint_load(dir, "c1", &got, &e), -EINVAL, "case %zu", i);
	}
	cr_expect_eq(endpoint_load(dir, "../c1", &got, &e), -EINVAL);
}

Test(endpoint, second_interface_has_its_own_record)
{
	struct network_endpoint ep = {.mode = NETWORK_MODE_BRIDGE, .prefix = 24, .gw = false};
	struct network_endpoint got = {0}, first = {0};
	struct err e = ERR_INIT;
	char stem[96];

	strcpy(ep.container_id, "c2");
	strcpy(ep.endpoint_id, "e2");
	strcpy(ep.network, "n2");
	strcpy(ep.network_id, "abc");
	strcpy(ep.netns_path, "/run/berth/netns/c2");
	strcpy(ep.mac, "02:42:aa:bb:cc:dd");
	strcpy(ep.host_veth, "vb76543210");
	strcpy(ep.ifname, "eth1");
	inet_pton(AF_INET, "10.9.0.2", &ep.ip);
	inet_pton(AF_INET, "10.9.0.1", &ep.gateway);
	endpoint_stem(&ep, stem);
	cr_expect_str_eq(stem, "c2.eth1");
	cr_assert_eq(endpoint_save(dir, &ep), 0);
	strcpy(ep.ifname, "eth0");
	ep.gw = true;
	cr_assert_eq(endpoint_save(dir, &ep), 0);
	cr_assert_eq(endpoint_load(dir, "c2.eth1", &got, &e), 0, "%s", e.msg);
	cr_expect_str_eq(got.ifname, "eth1");
	cr_expect_not(got.gw);
	cr_assert_eq(endpoint_load(dir, "c2", &first, &e), 0, "%s", e.msg);
	cr_expect_str_eq(first.ifname, "eth0");
	cr_expect(first.gw);
	/* A record under another stem than its own is refused. */
	cr_expect_eq(endpoint_load(dir, "c2.eth2", &got, &e), -ENOENT);
	network_endpoint_release(&got);
	network_endpoint_release(&first);
}
