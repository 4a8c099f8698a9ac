/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container lifecycle on top of the registry (container.h), the image
 * store, networking, volumes and the runtime: create (merging the image's
 * config), start (network, runtime spec, shim), the monitor that records
 * each exit and applies restart policies and AutoRemove, stop, kill,
 * restart, pause and remove. Recovery when berthd starts is recover.h's.
 *
 * Threads: every function may block (process waits, network set-up) but
 * never while holding c->mu. One monitor thread per running container.
 */
#pragma once

#include <limits.h>

#include <stdbool.h>

#include "engine/container/container.h"
#include "engine/util/err.h"

struct containers;

/*
 * Creates a container from @spec (moved in): resolves spec->image in the
 * store (-ENOENT "No such image: busybox:latest" — the API maps it to the
 * 404 that makes `docker run` pull), merges the image config, creates
 * anonymous and named volumes, writes hostname/hosts/resolv.conf. The
 * result carries a reference.
 */
int lifecycle_create(struct containers *cs, const char *name, struct container_spec *spec,
		     struct container **ret, struct err *e);

/*
 * Starts @c: -EALREADY when already running (304), -EBUSY when paused or
 * being removed. A failure to exec is reported with the runtime's message
 * (containing "executable file not found" / "no such file or directory" /
 * "permission denied" as runc's does) and recorded in State.Error; an
 * AutoRemove container is then removed, as dockerd does.
 */
int lifecycle_start(struct containers *cs, struct container *c, struct err *e);
/*
 * The start itself, for a caller that already set c->starting under c->mu
 * (the restart after a back-off, which keeps the status "restarting" until
 * the process runs, as dockerd shows it).
 */
int lifecycle_start_claimed(struct containers *cs, struct container *c, struct err *e);

/* @timeout_s of lifecycle_stop/restart: the container's StopTimeout, or 10 s. */
#define LIFECYCLE_STOP_DEFAULT INT_MIN

/*
 * Stops with the stop signal, then SIGKILL after @timeout_s seconds
 * (LIFECYCLE_STOP_DEFAULT: the container's StopTimeout or 10; negative:
 * wait for ever, as dockerd's t=-1; @signal NULL: its StopSignal or
 * SIGTERM). -EALREADY when not running.
 */
int lifecycle_stop(struct containers *cs, struct container *c, int timeout_s, const char *signal,
		   struct err *e);

/* Sends @signal (NULL = KILL). -EBUSY "container … is not running" (409). */
int lifecycle_kill(struct containers *cs, struct container *c, const char *signal, struct err *e);

int lifecycle_restart(struct containers *cs, struct container *c, int timeout_s, const char *signal,
		      struct err *e);

/* Freezes / thaws. -EBUSY when not running or already (un)paused. */
int lifecycle_pause(struct containers *cs, struct container *c, bool pause, struct err *e);

/*
 * Removes @c: -EBUSY (409, dockerd's words) when running or paused without
 * @force; with @force kills it first. @volumes also removes its anonymous
 * volumes.
 */
int lifecycle_remove(struct containers *cs, struct container *c, bool force, bool volumes,
		     struct err *e);

/* Parses "KILL", "SIGKILL", "kill", "9": the signal number or -EINVAL. */
int lifecycle_parse_signal(const char *s);

/*
 * The last step of recording an exit (the monitor's, or a failed start's),
 * after the state is set and saved: waits for signals in flight to publish
 * their "kill", publishes "oom" (when @oom) and "die" with exit code
 * @code, then bumps c->exit_seq and wakes the waiters, so whoever waits
 * for an exit (wait, stop, the end of an attach) sees it fully recorded
 * and its events in dockerd's order. Takes c->mu briefly.
 */
void lifecycle_exit_recorded(struct containers *cs, struct container *c, bool oom,
			     const char *code);

/* Publishes a container event with dockerd's attributes (labels, image,
 * name) plus @extra (consumed, may be NULL). */
void lifecycle_event(struct containers *cs, struct container *c, const char *action, json_t *extra);

/* Rewrites <dir>/hosts in place: the standard entries, --add-host ones
 * (host-gateway resolved to the daemon's --host-gateway-ip or the default
 * bridge's gateway), the lines of legacy links (@link_hosts, links.h; NULL:
 * none) and the container's own name(s) at each address of its endpoints
 * (c->ep, c->xeps; takes c->mu), one line per address as libnetwork. */
void lifecycle_write_hosts(const struct containers *cs, struct container *c,
			   char *const *link_hosts);

/*
 * Switches <dir>/resolv.conf (in place) to the embedded DNS server when one
 * of the container's networks is user-defined and it does not use it yet,
 * and back to the host-derived file when none is (connect and disconnect,
 * as libnetwork). Takes c->mu.
 */
void lifecycle_sync_resolv_conf(const struct containers *cs, struct container *c);

/* The names of the container's own /etc/hosts lines: "fqdn [short]" (caller frees). */
char *lifecycle_hosts_names(const struct container *c);

/*
 * Parses one HostConfig.ExtraHosts entry as dockerd does: "name:addr" or
 * "name=addr", addr an IPv4/IPv6 literal (brackets allowed) or
 * "host-gateway". -EINVAL with dockerd's message.
 */
int lifecycle_extra_host_parse(const char *s, char ret_name[256], char ret_addr[64], struct err *e);

/* The runtime bundle directory of @c (exec root); caller frees. */
char *lifecycle_bundle(struct containers *cs, const struct container *c);
