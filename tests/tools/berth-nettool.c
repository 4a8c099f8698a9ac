/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-nettool: drives engine/network from the command line for the
 * integration tests (tests/integration/4001-network.sh). It opens networking
 * alone (no engine, so no data-root lock: a process killed mid-way does not
 * block the next one) and calls the public API once per invocation.
 *
 *   berth-nettool -d DATA -x EXEC -b BRIDGE -c CIDR setup
 *   ... attach ID [-m bridge|host|none|container:ID] [-p SPEC]... [-s SECONDS]
 *   ... detach ID | inspect ID | cleanup [LIVE_ID...] | destroy
 *   ... connect ID -n NET [-N NAME] [-a ALIAS]... | disconnect ID NET
 *
 * attach prints "key value" lines (netns, ip, gateway, prefix, mac, veth,
 * port PROTO CPORT HOSTIP HOSTPORT); -s sleeps afterwards so a test can
 * kill -9 the process with everything in place. Errors go to stderr with
 * the errno name, exit status 1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/network/network.h"
#include "engine/util/cleanup.h"
#include "engine/util/log.h"
#include "engine/util/parse.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

static void
print_endpoint(const struct network_endpoint *ep)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], hip[INET_ADDRSTRLEN];

	printf("netns %s\n", ep->netns_path[0] ? ep->netns_path : "-");
	printf("ip %s\n", inet_ntop(AF_INET, &ep->ip, ip, sizeof(ip)));
	printf("gateway %s\n", inet_ntop(AF_INET, &ep->gateway, gw, sizeof(gw)));
	printf("prefix %d\n", ep->prefix);
	printf("mac %s\n", ep->mac[0] ? ep->mac : "-");
	printf("veth %s\n", ep->host_veth[0] ? ep->host_veth : "-");
	for (size_t i = 0; i < ep->n_ports; i++)
		printf("port %s %u %s %u\n", portmap_proto_name(ep->ports[i].proto),
		       ep->ports[i].container_port,
		       inet_ntop(AF_INET, &ep->ports[i].host_ip, hip, sizeof(hip)),
		       ep->ports[i].host_port);
}

static int
fail(const struct err *e)
{
	fprintf(stderr, "error (%s): %s\n", strerrorname_np(-e->code) ?: "?", e->msg);
	return 1;
}

/* Parses attach's options from argv[optind...]. */
static int
cmd_attach(struct network_state *net, const char *id, bool connect, int argc, char **argv,
	   struct err *e)
{
	_cleanup_free_ struct portmap_binding *ports = NULL;
	struct network_attach_opts o = {.name = id};
	_cleanup_strv_ char **aliases = NULL;
	struct network_endpoint ep = {0};
	char peer[65] = "";
	int64_t sleep_s = 0;
	size_t n = 0;
	int r;

	for (int i = 0; i < argc; i++) {
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
		if (!arg)
			return err_set(e, -EINVAL, "option '%s' needs a value", argv[i]);
		if (strcmp(argv[i], "-m") == 0) {
			if ((r = network_mode_parse(arg, &o.mode, peer, e)) < 0)
				return r;
		} else if (strcmp(argv[i], "-p") == 0) {
			_cleanup_free_ struct portmap_binding *b = NULL;
			size_t nb;
			if ((r = portmap_parse_spec(arg, &b, &nb, e)) < 0)
				return r;
			ports = xrealloc(ports, (n + nb) * sizeof(*ports));
			memcpy(ports + n, b, nb * sizeof(*b));
			n += nb;
		} else if (strcmp(argv[i], "-n") == 0) {
			o.network = arg;
		} else if (strcmp(argv[i], "-N") == 0) {
			o.name = arg;
		} else if (strcmp(argv[i], "-a") == 0) {
			strv_append(&aliases, arg);
		} else if (strcmp(argv[i], "-s") == 0) {
			if (parse_int64(arg, 0, 3600, &sleep_s) < 0)
				return err_set(e, -EINVAL, "bad seconds '%s'", arg);
		} else
			return err_set(e, -EINVAL, "unknown option '%s'", argv[i]);
		i++;
	}
	o.peer = peer[0] ? peer : NULL;
	o.aliases = aliases;
	o.ports = ports;
	o.n_ports = n;
	if (connect && (r = network_connect(net, id, &o, &ep, e)) < 0)
		return r;
	if (!connect && (r = network_attach(net, id, &o, &ep, e)) < 0)
		return r;
	print_endpoint(&ep);
	network_endpoint_release(&ep);
	fflush(stdout);
	if (sleep_s)
		sleep((unsigned)sleep_s);
	return 0;
}

static int
run(struct network_state *net, int argc, char **argv, struct err *e)
{
	const char *cmd = argv[0];
	struct network_endpoint ep = {0};
	int r;

	if (strcmp(cmd, "setup") == 0)
		return 0;
	if (strcmp(cmd, "cleanup") == 0) {
		r = network_cleanup_stale(net, argv + 1, e);
		if (r >= 0)
			printf("removed %d\n", r);
		return r;
	}
	if (strcmp(cmd, "destroy") == 0)
		return network_destroy_bridge(net, e);
	if (argc < 2)
		return err_set(e, -EINVAL, "'%s' needs a container ID", cmd);
	if (strcmp(cmd, "mknet") == 0 && argc == 3) {
		struct network_create_opts o = {.name = argv[1], .subnet = argv[2]};
		struct network_info info = {0};
		if ((r = network_create(net, &o, &info, e)) < 0)
			return r;
		printf("%s\n", info.def.id);
		network_info_release(&info);
		return 0;
	}
	if (strcmp(cmd, "rmnet") == 0)
		return network_remove(net, argv[1], NULL, e);
	if (strcmp(cmd, "resolve") == 0 && argc == 3) {
		struct in_addr v4[8];
		struct in6_addr v6[1];
		size_t n4 = 8, n6 = 1;
		char text[INET_ADDRSTRLEN];
		r = network_resolve_name(net, argv[1], argv[2], v4, &n4, v6, &n6);
		if (r == -ENOENT) {
			printf("nxdomain\n");
			return 0;
		}
		for (size_t i = 0; r == 0 && i < n4; i++)
			printf("%s\n", inet_ntop(AF_INET, &v4[i], text, sizeof(text)));
		return r < 0 ? err_set(e, r, "resolve failed") : 0;
	}
	if (strcmp(cmd, "ptr") == 0 && argc == 3) {
		struct in_addr a;
		char name[300];
		if (inet_pton(AF_INET, argv[2], &a) != 1)
			return err_set(e, -EINVAL, "bad address '%s'", argv[2]);
		r = network_resolve_addr(net, argv[1], AF_INET, &a, name, sizeof(name));
		printf("%s\n", r == 0 ? name : "nxdomain");
		return r == 0 || r == -ENOENT ? 0 : err_set(e, r, "ptr failed");
	}
	if (strcmp(cmd, "attach") == 0)
		return cmd_attach(net, argv[1], false, argc - 2, argv + 2, e);
	if (strcmp(cmd, "connect") == 0)
		return cmd_attach(net, argv[1], true, argc - 2, argv + 2, e);
	if (strcmp(cmd, "disconnect") == 0 && argc == 3)
		return network_disconnect(net, argv[1], argv[2], e);
	if (strcmp(cmd, "detach") == 0)
		return network_detach(net, argv[1], e);
	if (strcmp(cmd, "inspect") == 0) {
		if ((r = network_inspect(net, argv[1], &ep, e)) < 0)
			return r;
		print_endpoint(&ep);
		network_endpoint_release(&ep);
		return 0;
	}
	return err_set(e, -EINVAL, "unknown command '%s'", cmd);
}

int
main(int argc, char **argv)
{
	struct network_config cfg = {0};
	struct network_state *net = NULL;
	struct err e = ERR_INIT;
	int opt, r;

	while ((opt = getopt(argc, argv, "+d:x:b:c:v")) != -1) {
		switch (opt) {
		case 'd': cfg.data_root = optarg; break;
		case 'x': cfg.exec_root = optarg; break;
		case 'b': cfg.bridge_name = optarg; break;
		case 'c': cfg.bridge_cidr = optarg; break;
		case 'v': log_set_level(LOG_LEVEL_DEBUG); break;
		default: return 2;
		}
	}
	if (!cfg.data_root || !cfg.exec_root || !cfg.bridge_name ||
	    !cfg.bridge_cidr || optind >= argc) {
		fprintf(stderr, "usage: berth-nettool -d DATA -x EXEC -b BRIDGE -c CIDR CMD ...\n");
		return 2;
	}
	r = network_open(&cfg, &net, &e);
	if (r < 0)
		return fail(&e);
	r = run(net, argc - optind, argv + optind, &e);
	network_close(net);
	return r < 0 ? fail(&e) : 0;
}
