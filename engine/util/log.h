/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one logger. server/ picks the sink and level; everyone else only calls
 * log_error/log_warn/log_info/log_debug. Messages are single lines; control
 * characters in them are escaped before they reach the sink.
 */
#pragma once

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Sets the most verbose level that is written (thread-safe). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warn", "info", "debug" (also "fatal"→error). */
int log_level_parse(const char *s, enum log_level *ret_level);

/* Writes to @fd from now on (default 2). The fd stays the caller's. */
void log_set_fd(int fd);

/*
 * Under systemd (JOURNAL_STREAM names the log fd) lines carry a "<N>" syslog
 * priority instead of a time stamp, so journald files each at its level.
 * Returns whether it is on.
 */
bool log_detect_journal(void);

bool log_enabled(enum log_level level);

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_write(LOG_LEVEL_DEBUG, __VA_ARGS__);                                   \
	} while (0)
