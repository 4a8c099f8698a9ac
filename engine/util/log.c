/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logger: one line per message, "<RFC3339 time> <level> <text>", written with
 * a single write(2) so that lines from concurrent threads never interleave.
 */
#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/util/log.h"

static atomic_int log_level_ = LOG_LEVEL_INFO;
static atomic_int log_fd_ = 2;
static atomic_bool log_journal_;

/* syslog priorities of error, warn, info, debug (sd-daemon(3) "<N>" prefixes) */
static const char journal_prio[] = {'3', '4', '6', '7'};

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level level)
{
	atomic_store(&log_level_, (int)level);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level_);
}

int
log_level_parse(const char *s, enum log_level *ret_level)
{
	if (!s)
		return -1;
	if (strcmp(s, "fatal") == 0) {
		*ret_level = LOG_LEVEL_ERROR;
		return 0;
	}
	if (strcmp(s, "warning") == 0) {
		*ret_level = LOG_LEVEL_WARN;
		return 0;
	}
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*ret_level = (enum log_level)i;
			return 0;
		}
	return -1;
}

void
log_set_fd(int fd)
{
	atomic_store(&log_fd_, fd);
}

bool
log_detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	bool on = false;

	/* journald sets JOURNAL_STREAM=<dev>:<inode> of the stream it reads */
	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(atomic_load(&log_fd_), &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		on = true;
	atomic_store(&log_journal_, on);
	return on;
}

bool
log_enabled(enum log_level level)
{
	return (int)level <= atomic_load(&log_level_);
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	char msg[2048], line[4200];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n = 0;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (atomic_load(&log_journal_)) {
		/* journald stamps the time; the prefix gives the priority */
		n = (size_t)snprintf(line, sizeof(line), "<%c>%s: ", journal_prio[level],
				     level_names[level]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s ",
				      ts.tv_nsec / 1000000, level_names[level]);
	}
	/* Untrusted values end up in messages: never let them forge lines. */
	for (const unsigned char *p = (const unsigned char *)msg; *p && n < sizeof(line) - 6; p++) {
		if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "\\x%02x", *p);
		else
			line[n++] = (char)*p;
	}
	line[n++] = '\n';
	(void)!write(atomic_load(&log_fd_), line, n);
}
