/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN: a real container from the step's image (on the build's network, so
 * `apt-get update` works), its output delivered as it is produced through
 * an attach made while the start is held (nothing is lost), and the
 * container layer turned into a layer tar afterwards.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/util/err.h"

struct containers;
struct container;

struct build_run_opts {
	const char *image_id;	/* "sha256:<hex>" */
	char *const *argv;	/* the full command */
	char *const *env;	/* build args to add, "K=V" (may be NULL) */
	const char *network_mode; /* NULL: bridge */
	int64_t memory, memory_swap, cpu_shares, shm_size, cpu_period, cpu_quota;
	const char *cpuset_cpus, *cpuset_mems;
	char *const *extra_hosts;
	json_t *ulimits; /* borrowed; NULL: none */
	/* Output chunk from the container (@err: its stderr). Non-zero stops
	 * the RUN (the client went away). */
	int (*output)(void *ud, const char *p, size_t n, bool err);
	/* True when the build was cancelled (polled about once a second):
	 * the RUN's container is killed. May be NULL. */
	bool (*cancelled)(void *ud);
	void *ud;
};

/* Creates the container (never started yet). The result has a reference. */
int build_run_create(struct containers *cs, const struct build_run_opts *o, struct container **ret,
		     struct err *e);

/* Starts @c, streams its output to o->output and waits for its exit code. */
int build_run_exec(struct containers *cs, struct container *c, const struct build_run_opts *o,
		   int *ret_exit, struct err *e);

/*
 * Writes the container layer of the stopped @c as a layer tar (overlay
 * whiteouts as OCI whiteouts) into an unlinked temp file in @tmp_dir and
 * returns its fd at offset 0, or -1 in *@ret_fd with *@ret_empty when the
 * command changed nothing. The mount-point stubs the runtime creates for
 * /etc/hosts, /etc/hostname and /etc/resolv.conf are left out, as dockerd's
 * init layer keeps them out of its commits.
 */
int build_run_diff(struct container *c, const char *tmp_dir, int *ret_fd, bool *ret_empty,
		   struct err *e);
