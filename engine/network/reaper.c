/* SPDX-License-Identifier: Apache-2.0 */
/* Background veth deletion and address release after a container's exit; see reaper.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network/iface.h"
#include "engine/network/ipam.h"
#include "engine/network/network_internal.h"
#include "engine/network/reaper.h"
#include "engine/util/log.h"
#include "engine/util/thread.h"
#include "engine/util/trace.h"
#include "engine/util/xalloc.h"

struct reaper_item {
	struct bridge_net *br;
	char veth[16];
};

struct reaper_job {
	struct reaper_job *next;
	char id[65];
	struct reaper_item *items;
	size_t n;
};

struct reaper_job *
reaper_job_new(const char *id)
{
	struct reaper_job *job = xcalloc(1, sizeof(*job));

	snprintf(job->id, sizeof(job->id), "%s", id);
	return job;
}

void
reaper_job_add(struct reaper_job *job, struct bridge_net *br, const char *host_veth)
{
	job->items = xrealloc(job->items, (job->n + 1) * sizeof(*job->items));
	job->items[job->n].br = br;
	snprintf(job->items[job->n].veth, sizeof(job->items[job->n].veth), "%s", host_veth);
	job->n++;
}

void
reaper_job_free(struct reaper_job *job)
{
	if (!job)
		return;
	free(job->items);
	free(job);
}

/* The veths first, so no address is given back while its old pair exists. */
static void
run_job(struct network_state *net, struct reaper_job *job)
{
	struct nl_sock *sk = NULL;
	struct err e = ERR_INIT;
	int r;

	if (iface_sock_open(NULL, &sk, &e) < 0)
		log_warn("container %.12s: cannot delete its veth: %s", job->id, e.msg);
	for (size_t i = 0; sk && i < job->n; i++) {
		if (!job->items[i].veth[0])
			continue;
		/* -ENODEV: the kernel's clean-up of the namespace was first */
		r = iface_delete(sk, job->items[i].veth);
		if (r < 0 && r != -ENODEV)
			log_warn("container %.12s: cannot delete veth '%s': %s", job->id,
				 job->items[i].veth, strerror(-r));
	}
	if (sk)
		iface_sock_close(sk);
	trace_point("reap.veth_deleted", job->id);
	pthread_mutex_lock(&net->lock);
	for (size_t i = 0; i < job->n; i++)
		if ((r = netstate_release_addrs(job->items[i].br, job->id)) < 0)
			log_warn("container %.12s: cannot release its address: %s", job->id,
				 strerror(-r));
	pthread_mutex_unlock(&net->lock);
	/* The job is still queued: no network removal frees a bridge under us. */
	for (size_t i = 0; i < job->n; i++) {
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen = seen || job->items[k].br == job->items[i].br;
		if (!seen && job->items[i].br->ipam && (r = ipam_sync(job->items[i].br->ipam)) < 0)
			log_warn("container %.12s: cannot save IPAM state: %s", job->id,
				 strerror(-r));
	}
	trace_point("reap.released", job->id);
}

/* Runs the queue until it is empty, then ends: no idle thread stays behind. */
static void *
reaper_main(void *arg)
{
	struct network_state *net = arg;
	struct reaper_job *job;

	pthread_mutex_lock(&net->lock);
	while ((job = net->reaps)) {
		/* stays at the head of the queue while it runs: reaper_pending sees it */
		pthread_mutex_unlock(&net->lock);
		run_job(net, job);
		pthread_mutex_lock(&net->lock);
		net->reaps = job->next;
		reaper_job_free(job);
		pthread_cond_broadcast(&net->reap_cv);
	}
	net->reaper_running = false;
	pthread_cond_broadcast(&net->reap_cv);
	pthread_mutex_unlock(&net->lock);
	return NULL;
}

void
reaper_queue(struct network_state *net, struct reaper_job *job)
{
	struct reaper_job **tail = &net->reaps;
	int r = 0;

	while (*tail)
		tail = &(*tail)->next;
	*tail = job;
	if (!net->reaper_running) {
		r = thread_spawn_detached(reaper_main, net, 0);
		net->reaper_running = r == 0;
	}
	if (net->reaper_running)
		return;
	/* No thread: run it here, queued meanwhile so that waiters see it. */
	log_warn("cannot start the network reaper: %s; deleting at once", strerror(-r));
	pthread_mutex_unlock(&net->lock);
	run_job(net, job);
	pthread_mutex_lock(&net->lock);
	for (tail = &net->reaps; *tail != job; tail = &(*tail)->next)
		;
	*tail = job->next;
	reaper_job_free(job);
	pthread_cond_broadcast(&net->reap_cv);
}

bool
reaper_pending(struct network_state *net, const char *id)
{
	for (struct reaper_job *j = net->reaps; j; j = j->next)
		if (!id || strcmp(j->id, id) == 0)
			return true;
	return false;
}

void
reaper_wait(struct network_state *net, const char *id)
{
	while (reaper_pending(net, id))
		pthread_cond_wait(&net->reap_cv, &net->lock);
}

void
reaper_stop(struct network_state *net)
{
	pthread_mutex_lock(&net->lock);
	while (net->reaper_running)
		pthread_cond_wait(&net->reap_cv, &net->lock);
	pthread_mutex_unlock(&net->lock);
}
