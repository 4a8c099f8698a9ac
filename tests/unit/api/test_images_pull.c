/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>

#include "api/images.h"

Test(images_pull, progress_bar_matches_dockerd)
{
	char b[128];

	api_images_progress_bar(448, 448, b, sizeof(b));
	cr_expect_str_eq(b, "[==================================================>]     448B/448B");
	api_images_progress_bar(1234567, 3400000, b, sizeof(b));
	cr_expect_str_eq(b, "[==================>                                ]  1.235MB/3.4MB");
	api_images_progress_bar(5000, 0, b, sizeof(b));
	cr_expect_str_eq(b, "     5kB");
	api_images_progress_bar(10, 5, b, sizeof(b));
	cr_expect_str_eq(b, "[==================================================>]      10B");
}
