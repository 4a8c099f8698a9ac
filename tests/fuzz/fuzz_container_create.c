/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body of POST /containers/create: the request's JSON checks
 * (api_body_json on a request without a connection), the Config/HostConfig/
 * NetworkingConfig decoder (api/container_decode*.c), the create-time limit
 * checks, and the spec's own persistence round trip (spec_to_json →
 * spec_from_json), which must accept whatever the decoder produced.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>

#include "api/container_json.h"
#include "api/request.h"
#include "engine/container/limits.h"
#include "engine/container/spec.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(container_create)
{
	static char *const headers[] = {"Content-Type=application/json", NULL};
	struct api_request r = {.body_fd = -1,
				.ver_major = 1,
				.ver_minor = 44,
				.no_conn_headers = headers};
	_cleanup_json_ json_t *body = NULL, *saved = NULL;
	struct container_spec spec = {0}, again = {0};
	_cleanup_strv_ char **warnings = NULL;
	struct err e = ERR_INIT;

	fuzz_quiet();
	buf_append(&r.body, data, size);
	if (api_body_json(&r, false, &body) < 0 ||
	    container_json_decode_create(body, &spec, &e) < 0)
		goto out;
	saved = spec_to_json(&spec);
	if (spec_from_json(saved, &again, &e) < 0) {
		fprintf(stderr, "spec_from_json refused what the decoder made: %s\n", e.msg);
		abort();
	}
	(void)limits_verify(&spec, &warnings, &e);
out:
	spec_release(&again);
	spec_release(&spec);
	buf_release(&r.body);
	return 0;
}
