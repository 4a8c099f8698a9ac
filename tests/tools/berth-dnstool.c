/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-dnstool: runs engine/network's embedded DNS server for one network
 * namespace, with a fixed name table instead of the network module, for the
 * integration test tests/integration/4003-dns.sh.
 *
 *   berth-dnstool -n NETNS_PATH [-i ID] [-D DOMAIN] [-u UPSTREAM]... [-p PORT]
 *                 [-c UPSTREAM]... -a NAME=ADDR...
 *
 * -u: the server's upstreams (default: /etc/resolv.conf's), -c: the
 * container's own (--dns), -p: the upstream port (default 53), -a: a name
 * and an IPv4 or IPv6 address (repeat for several). Prints "ready" once
 * attached; SIGUSR1 detaches, SIGUSR2 attaches again (each prints
 * "detached"/"ready"); SIGTERM/SIGINT stop it. Errors go to stderr, exit 1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/dns.h"
#include "engine/util/parse.h"

#define MAX_ENTRIES 64
#define MAX_LIST 8

struct entry {
	char name[256];
	int family;
	unsigned char addr[16];
};

static struct entry table[MAX_ENTRIES];
static size_t n_table;

static int
lookup_name(void *cls, const char *cid, const char *name, struct in_addr *v4, size_t *n_v4,
	    struct in6_addr *v6, size_t *n_v6)
{
	size_t c4 = *n_v4, c6 = *n_v6;
	bool found = false;

	*n_v4 = *n_v6 = 0;
	for (size_t i = 0; i < n_table; i++) {
		if (strcmp(table[i].name, name) != 0)
			continue;
		found = true;
		if (table[i].family == AF_INET && *n_v4 < c4)
			memcpy(&v4[(*n_v4)++], table[i].addr, 4);
		else if (table[i].family == AF_INET6 && *n_v6 < c6)
			memcpy(&v6[(*n_v6)++], table[i].addr, 16);
	}
	return found ? 0 : -ENOENT;
}

static int
lookup_addr(void *cls, const char *cid, int family, const void *addr, char *name, size_t size)
{
	for (size_t i = 0; i < n_table; i++)
		if (table[i].family == family &&
		    memcmp(table[i].addr, addr, family == AF_INET ? 4 : 16) == 0) {
			snprintf(name, size, "%s", table[i].name);
			return 0;
		}
	return -ENOENT;
}

static int
add_entry(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct entry *t = &table[n_table];

	if (!eq || n_table == MAX_ENTRIES || (size_t)(eq - arg) >= sizeof(t->name))
		return -EINVAL;
	snprintf(t->name, sizeof(t->name), "%.*s", (int)(eq - arg), arg);
	if (inet_pton(AF_INET, eq + 1, t->addr) == 1)
		t->family = AF_INET;
	else if (inet_pton(AF_INET6, eq + 1, t->addr) == 1)
		t->family = AF_INET6;
	else
		return -EINVAL;
	n_table++;
	return 0;
}

int
main(int argc, char **argv)
{
	char *ups[MAX_LIST + 1] = {0}, *cups[MAX_LIST + 1] = {0};
	size_t n_ups = 0, n_cups = 0;
	struct dns_config cfg = {0};
	struct dns_attach_opts o = {0};
	const char *id = "c1";
	struct dns_resolver res = {lookup_name, lookup_addr, NULL};
	struct dns_server *s = NULL;
	struct err e = ERR_INIT;
	sigset_t set;
	int opt, sig;

	while ((opt = getopt(argc, argv, "n:i:D:u:c:p:a:")) != -1) {
		uint64_t port;
		switch (opt) {
		case 'n': o.netns_path = optarg; break;
		case 'i': id = optarg; break;
		case 'D': o.domain = optarg; break;
		case 'u':
			if (n_ups < MAX_LIST)
				ups[n_ups++] = optarg;
			break;
		case 'c':
			if (n_cups < MAX_LIST)
				cups[n_cups++] = optarg;
			break;
		case 'p':
			if (parse_uint64(optarg, 65535, &port) < 0 || port == 0) {
				fprintf(stderr, "bad port '%s'\n", optarg);
				return 1;
			}
			cfg.upstream_port = (uint16_t)port;
			break;
		case 'a':
			if (add_entry(optarg) < 0) {
				fprintf(stderr, "bad entry '%s'\n", optarg);
				return 1;
			}
			break;
		default: return 1;
		}
	}
	if (!o.netns_path) {
		fprintf(stderr, "usage: berth-dnstool -n NETNS [-a NAME=ADDR]...\n");
		return 1;
	}
	cfg.upstreams = n_ups ? ups : NULL;
	cfg.timeout_ms = 1000;
	o.upstreams = n_cups ? cups : NULL;

	/* Signals go to sigwait below, not to the server's threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (dns_server_new(&res, &cfg, &s, &e) < 0 || dns_attach(s, id, &o, &e) < 0) {
		fprintf(stderr, "%s (%s)\n", e.msg, strerror(-e.code));
		dns_server_free(s);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig != SIGTERM && sig != SIGINT) {
		if (sig == SIGUSR1) {
			dns_detach(s, id);
			printf("detached\n");
		} else if (dns_attach(s, id, &o, &e) < 0) {
			fprintf(stderr, "%s (%s)\n", e.msg, strerror(-e.code));
		} else {
			printf("ready\n");
		}
		fflush(stdout);
	}
	dns_server_free(s);
	return 0;
}
