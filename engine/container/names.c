/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generated container names, in dockerd's style: an adjective and the
 * surname of a scientist or engineer, joined by '_' (our own word lists).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "engine/container/names.h"

static const char *const adjectives[] = {
	"agile", "amber", "ardent", "blissful", "bold", "brave", "bright", "calm", "candid",
	"careful", "cheerful", "clever", "cosmic", "crisp", "curious", "daring", "deft",
	"diligent", "eager", "earnest", "elegant", "epic", "fearless", "festive", "fluent",
	"focused", "frosty", "gallant", "gentle", "gifted", "glad", "golden", "graceful",
	"happy", "hardy", "hopeful", "humble", "jolly", "keen", "kind", "lively", "loyal",
	"lucid", "merry", "mellow", "modest", "nimble", "noble", "patient", "placid", "plucky",
	"polite", "proud", "quick", "quiet", "radiant", "rapid", "serene", "sharp", "shiny",
	"silent", "sleek", "smooth", "snappy", "steady", "stoic", "sunny", "swift", "tender",
	"tidy", "upbeat", "valiant", "vivid", "warm", "wise", "witty", "zealous", "zen",
};

static const char *const surnames[] = {
	"agnesi", "archimedes", "babbage", "banach", "bardeen", "bell", "bohr", "boole",
	"cantor", "carson", "cerf", "chandrasekhar", "curie", "darwin", "dijkstra", "einstein",
	"euclid", "euler", "faraday", "fermat", "fermi", "feynman", "franklin", "galileo",
	"gauss", "germain", "goldberg", "goodall", "hamilton", "hawking", "heisenberg",
	"hertz", "hodgkin", "hopper", "hypatia", "johnson", "kalam", "kepler", "knuth",
	"kowalevski", "lamarr", "lamport", "leavitt", "lovelace", "maxwell", "meitner",
	"mendel", "mirzakhani", "morse", "newton", "nobel", "noether", "pascal", "pasteur",
	"planck", "poincare", "ramanujan", "ride", "ritchie", "rosalind", "sagan", "shannon",
	"shockley", "sinoussi", "stallman", "tesla", "thompson", "torvalds", "turing",
	"vaughan", "volta", "wescoff", "wiles", "williams", "wozniak", "wright", "yalow",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

bool
names_is_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	if (*name == '/')
		name++;
	n = strlen(name);
	if (n < 2 || n > 255 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

void
names_generate(char *out, size_t size, unsigned attempt)
{
	uint32_t r[3] = {0};

	if (getrandom(r, sizeof(r), 0) < 0)
		r[0] = r[1] = r[2] = 0;
	if (attempt == 0)
		snprintf(out, size, "%s_%s", adjectives[r[0] % N(adjectives)],
			 surnames[r[1] % N(surnames)]);
	else
		snprintf(out, size, "%s_%s%u", adjectives[r[0] % N(adjectives)],
			 surnames[r[1] % N(surnames)], r[2] % 10);
}
