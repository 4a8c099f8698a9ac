/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every bound on client-controlled input, with the reason for its value.
 * Change a value here, never inline.
 */
#pragma once

/* JSON request bodies (create, exec, update...): dockerd's largest real ones
 * are a few KiB; 4 MiB leaves room for huge label/env sets without letting a
 * client pin memory. */
#define LIMIT_JSON_BODY (4u * 1024 * 1024)

/* Nesting depth accepted in a JSON body; Docker's deepest is about 6. */
#define LIMIT_JSON_DEPTH 64

/* Uploads spooled to disk (build contexts, image load/import, docker cp):
 * bounded so a client cannot fill the data root's disk by accident. */
#define LIMIT_UPLOAD_BYTES (8ull * 1024 * 1024 * 1024)

/* A single header or query value; MHD also caps the whole request head. */
#define LIMIT_VALUE_LEN (64u * 1024)

/* Per-connection memory MHD may use to parse a request head. */
#define LIMIT_MHD_CONN_MEMORY (256u * 1024)

/* Concurrent connections: enough for many `logs -f`/`events`/attach. */
#define LIMIT_CONNECTIONS 1024

/* Bytes buffered per streaming response before the producer waits. */
#define LIMIT_STREAM_BUFFER (1u * 1024 * 1024)

/* A reference (name:tag@digest) as Docker allows: 255 for the name + tag + digest. */
#define LIMIT_REFERENCE_LEN 512

/* Registry manifests and configs: real ones are < 100 KiB; OCI suggests 4 MiB. */
#define LIMIT_MANIFEST_BYTES (4u * 1024 * 1024)
#define LIMIT_CONFIG_BYTES (8u * 1024 * 1024)

/* Metadata files the daemon wrote itself (state, refs). */
#define LIMIT_STATE_FILE (64u * 1024 * 1024)

/* A container's config.json (runtime spec): env and args dominate; the
 * kernel's own exec limit (ARG_MAX, 2 MiB by default) is smaller. */
#define LIMIT_SPEC_BYTES (4u * 1024 * 1024)

/* Items in any one spec list (args, env, mounts, masked paths...). */
#define LIMIT_SPEC_LIST 10000

/* One string in a spec: the kernel's MAX_ARG_STRLEN (32 pages). */
#define LIMIT_SPEC_STRING (128u * 1024)

/* Overlay lower layers: the kernel refuses more than 500 (platform notes §2). */
#define LIMIT_OVERLAY_LOWERS 500

/* An image's /etc/passwd or /etc/group read to resolve --user; real ones are
 * a few KiB, the bound stops a hostile image from making the shim eat memory. */
#define LIMIT_PASSWD_BYTES (4u * 1024 * 1024)

/* Supplementary groups of a container user (the kernel's NGROUPS_MAX). */
#define LIMIT_USER_GROUPS 65536

/* Concurrent attach/control clients of one shim. */
#define LIMIT_SHIM_CLIENTS 64

/* Output queued for one slow attach client before the shim drops it, so a
 * stalled client never blocks the container or the other clients. */
#define LIMIT_SHIM_CLIENT_BUFFER (4u * 1024 * 1024)

/* One control request line on the shim socket. */
#define LIMIT_SHIM_REQUEST 256

/* A partial log line is held back until it ends or reaches this size, then
 * written as its own entry (moby's json-file splits at 16 KiB as well). */
#define LIMIT_LOG_LINE (16u * 1024)
