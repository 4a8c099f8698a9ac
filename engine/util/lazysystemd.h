/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Include this instead of <systemd/sd-daemon.h>: sd-daemon's functions keep
 * their names but call through lazylib's table (engine/util/lazylib.h), and
 * libsystemd is loaded only when systemd handed berthd something: sockets
 * ($LISTEN_FDS) or a notification socket ($NOTIFY_SOCKET). Without them
 * sd_listen_fds() and sd_notify() return what libsystemd's return then (0),
 * without loading it; when the library cannot be loaded, -ELIBACC.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "engine/util/lazylib.h"

static inline int
lazysystemd_wanted(const char *env)
{
	if (env && !getenv(env))
		return 0;
	return lazylib_load(LAZYLIB_SYSTEMD) < 0 ? -ELIBACC : 1;
}

#define LAZYSYSTEMD_CALL_(env, fn, ...)                                                            \
	__extension__({                                                                            \
		int lazysystemd_w_ = lazysystemd_wanted(env);                                      \
		lazysystemd_w_ > 0 ? lazylib_systemd_fns.fn(__VA_ARGS__) : lazysystemd_w_;         \
	})
#define sd_listen_fds(...) LAZYSYSTEMD_CALL_("LISTEN_FDS", sd_listen_fds, __VA_ARGS__)
/* After sd_listen_fds(1), which loaded the library and unset $LISTEN_FDS. */
#define sd_is_socket(...) LAZYSYSTEMD_CALL_(NULL, sd_is_socket, __VA_ARGS__)
#define sd_notify(...) LAZYSYSTEMD_CALL_("NOTIFY_SOCKET", sd_notify, __VA_ARGS__)
#define sd_notifyf(...) LAZYSYSTEMD_CALL_("NOTIFY_SOCKET", sd_notifyf, __VA_ARGS__)
