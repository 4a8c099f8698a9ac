/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit path's slow kernel work, done in the background: deleting an
 * exited container's host-side veth (RTM_DELLINK waits for an RCU grace
 * period in the kernel, 10-20 ms) and then giving back its addresses.
 * network_release queues a job per container; a reaper thread of the
 * network_state runs them in order and ends once the queue is empty (no
 * thread stays behind when idle). Private to engine/network.
 *
 * While a container's job is queued or running, every endpoint operation on
 * that container (attach, connect, disconnect, detach) waits for it first,
 * and a network's removal, the default bridge's destruction and shutdown
 * wait for every job: no address or veth of a job is reused or left behind
 * under them. A crash loses the queue, not the guarantee: the start-up sweep
 * (network_cleanup_stale) deletes every veth tagged for a container that is
 * not running and releases its addresses.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct network_state;
struct bridge_net;

struct reaper_job;

/* A job for container @id (64 hex digits), empty until reaper_job_add. */
struct reaper_job *reaper_job_new(const char *id);
/* Adds the veth @host_veth on @br to @job (the name may be empty: addresses only). */
void reaper_job_add(struct reaper_job *job, struct bridge_net *br, const char *host_veth);
void reaper_job_free(struct reaper_job *job);

/* Lock held: queues @job (taking it), starting the reaper thread unless it runs. */
void reaper_queue(struct network_state *net, struct reaper_job *job);
/* Lock held: whether a job of @id (any job with NULL) is queued or running. */
bool reaper_pending(struct network_state *net, const char *id);
/* Lock held: waits (dropping and retaking the lock) until reaper_pending is false. */
void reaper_wait(struct network_state *net, const char *id);
/* Lock not held: returns once every queued job ran and the reaper thread ended. */
void reaper_stop(struct network_state *net);
