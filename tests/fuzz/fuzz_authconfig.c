/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthConfig in its three wire forms (api/authconfig.c): the input is the
 * X-Registry-Auth header of pull/push, the X-Registry-Config header of a
 * build (then credentials are selected for a few registries), and, parsed as
 * JSON, the body of POST /auth.
 */
#include "config.h"

#include <jansson.h>

#include "api/authconfig.h"
#include "engine/util/cleanup.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(authconfig)
{
	static const char *const domains[] = {"docker.io", "localhost:5000", "127.0.0.1", NULL};
	_cleanup_free_ char *s = fuzz_str(data, size);
	struct registry_creds *c = NULL;
	struct registry_creds_set set = {0};
	struct err e = ERR_INIT;
	json_t *body;

	if (authconfig_decode(s, &c, &e) == 0)
		(void)registry_creds_has_secret(c);
	registry_creds_free(c);
	c = NULL;

	authconfig_decode_config(s, &set);
	for (size_t i = 0; domains[i]; i++) {
		const struct registry_creds *pick = NULL;
		e = (struct err)ERR_INIT;
		(void)registry_creds_select(&set, domains[i], &pick, &e);
	}
	registry_creds_set_release(&set);

	body = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(body) && authconfig_from_json(body, NULL, &c, &e) == 0)
		registry_creds_free(c);
	json_decref(body);
	return 0;
}
