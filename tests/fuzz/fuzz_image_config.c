/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image configs as a registry, `docker load` or `docker import` hand them
 * over: the layer chain (image_config_chain: rootfs.diff_ids to chain IDs),
 * the merge into a container's spec at create (Env, Entrypoint/Cmd,
 * ExposedPorts, Volumes, Labels, Healthcheck, Shell, OnBuild), and the
 * OnBuild triggers parsed as the builder parses them.
 */
#include "config.h"

#include <jansson.h>

#include "engine/container/create.h"
#include "engine/container/spec.h"
#include "engine/dockerfile/dockerfile.h"
#include "engine/image/image.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/strv.h"
#include "tests/fuzz/fuzz.h"

FUZZ_TARGET(image_config)
{
	struct buf b = {(char *)data, size, size};
	_cleanup_strv_ char **diffs = NULL, **chains = NULL, **triggers = NULL;
	struct container_spec spec = {0};
	struct err e = ERR_INIT;

	fuzz_quiet();
	(void)image_config_chain(data, size, &diffs, &chains, &e);
	spec.labels = json_object();
	if (create_merge_image_config(&spec, &b, &e) == 0) {
		_cleanup_json_ json_t *saved = spec_to_json(&spec);
		(void)saved;
	}
	triggers = strv_dup(spec.onbuild);
	spec_release(&spec);
	for (size_t i = 0; triggers && triggers[i]; i++) {
		struct df_instr in = {0};
		if (dockerfile_parse_line(triggers[i], '\\', &in, &e) == 0)
			df_instr_release(&in);
	}
	return 0;
}
