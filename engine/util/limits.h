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

/* Published ports per container (after expanding ranges): each is a few nft
 * rules and a held socket; dockerd has no cap, but `-p 1-65535:1-65535`
 * would pin 65k fds and rules. 4096 covers every real range publish. */
#define LIMIT_PORT_BINDINGS 4096

/* Bytes of a network/endpoint state file or nft listing we parse back. */
#define LIMIT_NFT_LISTING (64u * 1024 * 1024)
