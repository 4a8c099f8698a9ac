/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trace points of the container path (docs/performance.md, "The container
 * path"). Off unless $BERTH_TRACE names a file when the process first
 * traces: then each point appends one line "<CLOCK_MONOTONIC µs> <pid>
 * <event> <id>" to it (O_APPEND, one write per line, so berthd's threads
 * and the shims can share the file). A point costs one getenv the first
 * time and a load of an int afterwards when tracing is off.
 */
#pragma once

/* Appends @event for container @id (may be NULL; 12 characters are kept). */
void trace_point(const char *event, const char *id);

/* The "BERTH_TRACE=<file>" string to hand to a child's environment, or NULL. */
const char *trace_env(void);

/*
 * In a forked child that closed every fd it did not need (the trace file's
 * among them): opens the file again. Single-threaded callers only.
 */
void trace_reopen(void);
