/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HostConfig fields that inspect shows back exactly as sent and that have
 * no other effect here (ContainerIDFile: the client writes that file;
 * VolumeDriver: only "local" exists; Annotations: for runtimes that read
 * them; Mounts: decoded into mounts by container_decode.c and kept as sent
 * for inspect), MaskedPaths / ReadonlyPaths, which replace dockerd's
 * default lists when sent (an empty list unmasks everything), and
 * MemorySwappiness (v1 memory.swappiness).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "api/container_json.h"
#include "api/jsonx.h"
#include "engine/container/spec.h"
#include "engine/util/limits.h"

/* An array of absolute paths, or null/absent (the defaults). */
static int
decode_paths(json_t *h, const char *key, json_t **ret, struct err *e)
{
	json_t *v = json_object_get(h, key), *p;
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > LIMIT_SPEC_LIST)
		return err_set(e, -EINVAL,
			       "json: cannot unmarshal into field HostConfig.%s of type []string",
			       key);
	json_array_foreach(v, i, p) {
		const char *s = json_string_value(p);
		if (!s)
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal into field HostConfig.%s of type "
				       "[]string",
				       key);
		if (s[0] != '/' || strlen(s) > 4096)
			return err_set(e, -EINVAL,
				       "invalid %s entry '%.200s': not an absolute path", key, s);
	}
	*ret = json_incref(v);
	return 0;
}

int
container_json_decode_kept(json_t *h, struct container_spec *s, struct err *e)
{
	json_t *v;

	if (!json_is_object(h))
		return 0;
	if (jx_str(h, "ContainerIDFile", "HostConfig.ContainerIDFile", &s->container_id_file, e) <
		    0 ||
	    jx_str(h, "VolumeDriver", "HostConfig.VolumeDriver", &s->volume_driver, e) < 0 ||
	    jx_strmap(h, "Annotations", "HostConfig.Annotations", &s->annotations, e) < 0)
		return -EINVAL;
	/* dockerd: volumes without an explicit driver use this one; only the
	 * local driver exists here, as on a dockerd without volume plugins. */
	if (s->volume_driver && *s->volume_driver && strcmp(s->volume_driver, "local") != 0)
		return err_set(e, -ENOENT,
			       "error looking up volume plugin %s: plugin \"%s\" not found",
			       s->volume_driver, s->volume_driver);
	/* MemorySwappiness: null or -1 leave the kernel's value (dockerd). */
	v = json_object_get(h, "MemorySwappiness");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v))
			return err_set(e, -EINVAL,
				       "json: cannot unmarshal into field "
				       "HostConfig.MemorySwappiness of type int64");
		json_int_t n = json_integer_value(v);
		if (n != -1 && (n < 0 || n > 100))
			return err_set(e, -EINVAL,
				       "Invalid value: %lld, valid memory swappiness range is "
				       "0-100",
				       (long long)n);
		if (n >= 0)
			s->memory_swappiness = json_incref(v);
	}
	v = json_object_get(h, "Mounts");
	if (json_is_array(v) && json_array_size(v) > 0)
		s->mounts_sent = json_deep_copy(v);
	if (decode_paths(h, "MaskedPaths", &s->masked_paths, e) < 0 ||
	    decode_paths(h, "ReadonlyPaths", &s->readonly_paths, e) < 0)
		return -EINVAL;
	return 0;
}
