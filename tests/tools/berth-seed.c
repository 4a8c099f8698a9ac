/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: copies one image from an OCI image layout straight into a
 * (stopped) berthd's data root through the store API, so container tests
 * can run without the pull path. Usage:
 *   berth-seed DATA_ROOT OCI_LAYOUT_DIR REF_NAME_IN_INDEX TAG
 * e.g. berth-seed /tmp/d/data /var/tmp/berth-fixtures/oci busybox:latest busybox:latest
 */
#include "config.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/reference.h"
#include "engine/store/store.h"
#include "engine/store/store_image.h"
#include "engine/store/store_blob.h"
#include "engine/store/store_layer.h"
#include "engine/util/buf.h"
#include "engine/util/cleanup.h"
#include "engine/util/fs.h"
#include "engine/util/xalloc.h"

static json_t *
load_blob(const char *layout, const char *digest, struct buf *raw)
{
	_cleanup_free_ char *p = xasprintf("%s/blobs/sha256/%s", layout, digest + 7);
	if (fs_read_file(p, 64 << 20, raw) < 0)
		return NULL;
	return json_loadb(raw->data, raw->len, 0, NULL);
}

int
main(int argc, char **argv)
{
	struct store *s = NULL;
	struct err e = ERR_INIT;
	_cleanup_buf_ struct buf ib = BUF_INIT, mb = BUF_INIT, cb = BUF_INIT;
	json_t *index, *man = NULL, *cfg, *m;
	char parent[80] = "", id[80];
	size_t i;

	if (argc != 5) {
		fprintf(stderr, "usage: %s DATA_ROOT LAYOUT REF TAG\n", argv[0]);
		return 2;
	}
	_cleanup_free_ char *ip = xasprintf("%s/index.json", argv[2]);
	if (fs_read_file(ip, 1 << 20, &ib) < 0 || !(index = json_loadb(ib.data, ib.len, 0, NULL)))
		return fprintf(stderr, "cannot read %s\n", ip), 1;
	json_array_foreach(json_object_get(index, "manifests"), i, m) {
		json_t *ann = json_object_get(m, "annotations");
		const char *name = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
		if (name && strcmp(name, argv[3]) == 0)
			man = load_blob(argv[2], json_string_value(json_object_get(m, "digest")), &mb);
	}
	if (!man)
		return fprintf(stderr, "no %s in the layout\n", argv[3]), 1;
	cfg = load_blob(argv[2], json_string_value(json_object_get(json_object_get(man, "config"), "digest")), &cb);
	if (!cfg || store_open(argv[1], &s, &e) < 0)
		return fprintf(stderr, "store: %s\n", e.msg), 1;
	json_array_foreach(json_object_get(man, "layers"), i, m) {
		const char *dg = json_string_value(json_object_get(m, "digest"));
		_cleanup_free_ char *lp = xasprintf("%s/blobs/sha256/%s", argv[2], dg + 7);
		_cleanup_close_ int fd = open(lp, O_RDONLY | O_CLOEXEC);
		struct store_layer_opts o = { .parent_chain = *parent ? parent : NULL,
					      .expected_diff_id = json_string_value(json_array_get(
						      json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), i)) };
		struct store_layer_info li;
		if (fd < 0 || store_layer_create(s, fd, &o, &li, &e) < 0)
			return fprintf(stderr, "layer %s: %s\n", dg, e.msg), 1;
		/* As a pull does: the compressed blob stays as the layer's source
		 * (save and push send it, byte for byte). */
		_cleanup_close_ int bfd = open(lp, O_RDONLY | O_CLOEXEC);
		if (bfd < 0 || store_blob_ingest(s, bfd, dg, 0, NULL, &e) < 0 ||
		    store_layer_add_source(s, li.chain_id, dg, "docker.io/library/busybox", &e) < 0)
			return fprintf(stderr, "layer source %s: %s\n", dg, e.msg), 1;
		snprintf(parent, sizeof(parent), "%s", li.chain_id);
	}
	if (store_image_commit(s, cb.data, cb.len, NULL, id, &e) < 0)
		return fprintf(stderr, "commit: %s\n", e.msg), 1;
	struct reference ref;
	if (reference_parse(argv[4], &ref, &e) < 0 || store_image_tag(s, id, &ref, &e) < 0)
		return fprintf(stderr, "tag: %s\n", e.msg), 1;
	reference_release(&ref);
	printf("%s\n", id);
	store_close(s);
	return 0;
}
