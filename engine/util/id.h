/* SPDX-License-Identifier: Apache-2.0 */
/* Random identifiers: 64 lower-case hex digits, as Docker's container/exec IDs. */
#pragma once

#define ID_HEX_LEN 64

/* Fills @out with 64 random hex digits and a NUL (getrandom; never fails). */
void id_random_hex(char out[ID_HEX_LEN + 1]);
