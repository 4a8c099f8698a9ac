/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util/lazycurl.h"
#include "engine/util/lazylib.h"
#include "engine/util/lazysystemd.h"

/* Criterion runs each test in a process of its own: nothing is loaded yet. */

Test(lazylib, curl_loads_on_first_use_and_calls_through_the_table)
{
	char why[256] = "x";
	CURL *h;

	cr_assert_not(lazylib_is_loaded(LAZYLIB_CURL));
	cr_assert_eq(lazylib_hold(LAZYLIB_CURL), 0);
	cr_assert(lazylib_is_loaded(LAZYLIB_CURL));
	lazylib_error(LAZYLIB_CURL, why, sizeof(why));
	cr_expect_str_eq(why, "");
	h = curl_easy_init();
	cr_assert_not_null(h);
	cr_expect_eq(curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
	cr_expect_eq(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L), CURLE_OK);
	cr_expect_str_eq(curl_easy_strerror(CURLE_OK), "No error");
	curl_easy_cleanup(h); /* releases the hold */
}

static bool
curl_mapped(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libcurl"))
			found = true;
	fclose(f);
	return found;
}

Test(lazylib, curl_is_unloaded_when_nothing_holds_it_and_loads_again)
{
	cr_assert_eq(lazylib_hold(LAZYLIB_CURL), 0);
	cr_assert_eq(lazylib_hold(LAZYLIB_CURL), 0);
	cr_expect_eq(lazylib_unload_unused(), 0, "held twice: stays");
	lazylib_release(LAZYLIB_CURL);
	cr_expect_eq(lazylib_unload_unused(), 0, "still held once: stays");
	cr_expect(curl_mapped());
	lazylib_release(LAZYLIB_CURL);
	cr_expect_eq(lazylib_unload_unused(), 1);
	cr_expect_not(lazylib_is_loaded(LAZYLIB_CURL));
	cr_expect_not(curl_mapped(), "libcurl's mappings are gone");
	cr_expect_eq(lazylib_unload_unused(), 0, "nothing left to unload");
	/* Loaded again, with its global set-up: a transfer's handle works. */
	cr_assert_eq(lazylib_hold(LAZYLIB_CURL), 0);
	CURL *h = curl_easy_init();
	cr_assert_not_null(h);
	cr_expect_eq(curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
	curl_easy_cleanup(h);
	cr_expect_eq(lazylib_unload_unused(), 1);
}

Test(lazylib, systemd_is_not_loaded_without_systemd)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_FDS");
	cr_expect_eq(sd_notify(0, "READY=1"), 0);
	cr_expect_eq(sd_notifyf(0, "STATUS=%d", 1), 0);
	cr_expect_eq(sd_listen_fds(1), 0);
	cr_expect_not(lazylib_is_loaded(LAZYLIB_SYSTEMD));
}

Test(lazylib, systemd_loads_when_systemd_passed_a_notify_socket)
{
	/* A socket path nobody listens on: libsystemd's sd_notify fails, loaded. */
	setenv("NOTIFY_SOCKET", "/nonexistent/berth-test-notify", 1);
	cr_expect_lt(sd_notify(0, "READY=1"), 0);
	cr_expect(lazylib_is_loaded(LAZYLIB_SYSTEMD));
}
