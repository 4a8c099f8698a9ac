/* SPDX-License-Identifier: Apache-2.0 */
/* Random identifiers; see id.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/random.h>

#include "engine/util/id.h"

void
id_random_hex(char out[ID_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[ID_HEX_LEN / 2];
	size_t got = 0;

	/* moby retries when the 12-digit short form is all decimal digits, so
	 * that a short ID can never be read as a number; do the same. */
	for (;;) {
		bool numeric = true;

		got = 0;
		while (got < sizeof(raw)) {
			ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				abort();
			}
			got += (size_t)n;
		}
		for (size_t i = 0; i < sizeof(raw); i++) {
			out[2 * i] = digits[raw[i] >> 4];
			out[2 * i + 1] = digits[raw[i] & 15];
		}
		for (size_t i = 0; i < 12; i++)
			if (out[i] > '9')
				numeric = false;
		if (!numeric)
			break;
	}
	out[ID_HEX_LEN] = '\0';
}
