/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container/trash.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/log.h"
#include "engine/util/strv.h"
#include "engine/util/thread.h"
#include "engine/util/xalloc.h"

#define TRASH_PREFIX ".del-"

struct trash {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* running went false */
	char **queue;	   /* paths to remove, oldest first */
	bool running;	   /* a thread is emptying the queue */
	bool stop;
};

static void
remove_one(char *path)
{
	int r = fs_rm_rf(path);

	if (r < 0)
		log_warn("cannot remove '%s' (retried at the next start): %s", path, strerror(-r));
	free(path);
}

static void
remove_all(char **batch)
{
	for (size_t i = 0; batch && batch[i]; i++)
		remove_one(batch[i]);
	free(batch);
}

/* Empties the queue, then ends: an idle berthd keeps no thread for it
 * (5002 and 9009 compare the thread count with the one before). */
static void *
trash_main(void *arg)
{
	struct trash *t = arg;

	pthread_mutex_lock(&t->mu);
	while (t->queue && t->queue[0]) {
		char **batch = TAKE_PTR(t->queue);
		pthread_mutex_unlock(&t->mu);
		remove_all(batch);
		pthread_mutex_lock(&t->mu);
	}
	t->running = false;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct trash *
trash_new(void)
{
	struct trash *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	return t;
}

void
trash_put(struct trash *t, char *path)
{
	char **left = NULL;

	pthread_mutex_lock(&t->mu);
	if (t->stop) {
		pthread_mutex_unlock(&t->mu);
		remove_one(path);
		return;
	}
	strv_append(&t->queue, path);
	free(path);
	if (!t->running) {
		t->running = thread_spawn_detached(trash_main, t, 0) == 0;
		if (!t->running)
			left = TAKE_PTR(t->queue); /* no thread: removed here */
	}
	pthread_mutex_unlock(&t->mu);
	remove_all(left);
}

void
trash_free(struct trash *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	while (t->running)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	strv_free(t->queue);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

int
trash_sweep(const char *root)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, TRASH_PREFIX, strlen(TRASH_PREFIX)) != 0)
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", root, de->d_name);
		if (fs_rm_rf(p) == 0)
			n++;
		else
			log_warn("cannot remove '%s', ignoring", p);
	}
	return n;
}
