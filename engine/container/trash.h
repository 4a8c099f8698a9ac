/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Removal of container directories off the request path. containers_delete
 * renames a container's directory to "<containers>/.del-<id>" (one rename:
 * the container is gone from disk at once and atomically) and hands the
 * new name here; one background thread removes it afterwards. A crash
 * before that leaves the ".del-" name, which trash_sweep removes at the
 * next start, before the API serves (the container loader skips names
 * that start with a dot).
 *
 * Locking: the queue's own mutex; callers take no lock.
 */
#pragma once

struct trash;

struct trash *trash_new(void);
/* Queues @path (taken) for removal; removes it at once if no thread can run. */
void trash_put(struct trash *t, char *path);
/* Removes what is queued, stops the thread and frees @t (NULL is fine). */
void trash_free(struct trash *t);
/* Removes every ".del-*" entry of @root left by a crash; how many it removed. */
int trash_sweep(const char *root);
