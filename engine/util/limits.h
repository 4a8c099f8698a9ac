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

/* Downloads berthd makes into the data root (docker import from a URL,
 * blobs of unknown size). Request bodies streamed to disk (build contexts,
 * image load/import, docker cp) are not capped by size, as under dockerd:
 * the connection guard cuts an upload that stops making progress. */
#define LIMIT_UPLOAD_BYTES (8ull * 1024 * 1024 * 1024)

/* The request target (path and query, as decoded): real ones stay below a
 * few KiB (a build's buildargs/labels JSON is the longest); past this 414.
 * Go's server has no separate bound (its header bound covers the line). */
#define LIMIT_REQUEST_TARGET (64u * 1024)

/* The header block: the largest real one is a build's X-Registry-Config
 * (every credential of the CLI's config, base64) at a few KiB. Go's
 * server allows 1 MiB; libmicrohttpd parses a head inside its
 * per-connection memory (below), zeroed at every request, so berthd keeps
 * a smaller bound. Past it 431. */
#define LIMIT_REQUEST_HEADERS (128u * 1024)

/* Per-connection memory MHD may use to parse a request head: above the two
 * bounds before, so they answer with a Docker-style JSON message; a head
 * larger than this gets MHD's own 414/431 (a short HTML body). TLS
 * connections, and plain ones whose first head the front door did not see
 * whole in its first REQLINE_PEEK bytes, get this much. */
#define LIMIT_MHD_CONN_MEMORY (256u * 1024)
/*
 * The same for plain connections whose first head was seen whole in those
 * bytes (every real client's): MHD zeroes a connection's memory (all of it,
 * and half of it again) at every request, so this is per-request work, not
 * only memory (docs/performance.md, "/_ping"). A later request of such a
 * connection whose head does not fit (past about 32 KB) gets MHD's 431.
 */
#define LIMIT_MHD_CONN_MEMORY_SMALL (32u * 1024)

/* Concurrent connections: enough for many `logs -f`/`events`/attach. */
#define LIMIT_CONNECTIONS 1024
/* Per client address on TCP listeners. */
#define LIMIT_CONNECTIONS_PER_ADDRESS 256
/*
 * Connections that have not sent a complete request yet (or are between
 * requests); past this the oldest is closed, so half-sent requests can
 * never hold every connection slot.
 */
#define LIMIT_WAITING_CONNECTIONS 128
/* Seconds a TLS client has to finish its handshake. */
#define LIMIT_TLS_HANDSHAKE_SECONDS 10

/* Bytes buffered per streaming response before the producer waits. */
#define LIMIT_STREAM_BUFFER (1u * 1024 * 1024)

/* Progress lines (pull, push, load) queued for a client that stopped
 * reading: past 64 KiB (a few hundred lines) intermediate progress is
 * dropped rather than making a shared download wait; status lines are kept
 * up to LIMIT_STREAM_BUFFER, past which the client is cut off. */
#define LIMIT_PROGRESS_BUFFER (64u * 1024)

/* A reference (name:tag@digest) as Docker allows: 255 for the name + tag + digest. */
#define LIMIT_REFERENCE_LEN 512

/* Registry manifests and configs: real ones are < 100 KiB; OCI suggests 4 MiB. */
#define LIMIT_MANIFEST_BYTES (4u * 1024 * 1024)
#define LIMIT_CONFIG_BYTES (8u * 1024 * 1024)

/* Metadata files the daemon wrote itself (state, refs). */
#define LIMIT_STATE_FILE (64u * 1024 * 1024)

/* Archives (image layers, docker load/import, build contexts, docker cp).
 * Entries per archive: the biggest real layers (full distributions with
 * docs and locales) hold ~300k files; 4M keeps a 10x margin while bounding
 * the per-entry bookkeeping an archive can make us do. */
#define LIMIT_ARCHIVE_ENTRIES 4000000ull

/* Unpacked bytes per archive: large ML/CUDA layers reach ~20 GiB; beyond
 * 128 GiB it is a decompression bomb rather than an image. */
#define LIMIT_ARCHIVE_BYTES (128ull * 1024 * 1024 * 1024)

/* Path components per entry: real trees stay below ~40; PATH_MAX (4096)
 * allows 2048, far more than any walk needs to accept. */
#define LIMIT_ARCHIVE_DEPTH 256u

/* Entry path and link-target length: PATH_MAX including the NUL. */
#define LIMIT_ARCHIVE_PATH_LEN 4095u

/* Extended attributes per entry and value size (XATTR_SIZE_MAX is 64 KiB). */
#define LIMIT_ARCHIVE_XATTRS 128u
#define LIMIT_ARCHIVE_XATTR_VALUE (64u * 1024)

/* Images in the local store and references to them: each costs a few KiB
 * of memory in the index; 100k is far above any real host. */
#define LIMIT_STORE_IMAGES 100000u

/* Layers per image: overlayfs takes at most 500 lower directories
 * (platform-notes §2), so an image with more could never run. */
#define LIMIT_IMAGE_LAYERS 500u
/* Registry client (engine/registry/). Replies other than blobs are buffered
 * in memory, so each is bounded: */
/* Descriptors in one manifest or index: real images have < 128 layers
 * (overlay stops at 500 lowers) and indexes list a few dozen platforms. */
#define LIMIT_MANIFEST_ENTRIES 1024u
/* Error bodies and token replies: a few hundred bytes in practice. */
#define LIMIT_REGISTRY_SMALL_BODY (256u * 1024)
/* /v1/search replies: 100 results of short text. */
#define LIMIT_SEARCH_BODY (4u * 1024 * 1024)
/* /v2/<name>/tags/list replies (`docker pull -a`): tags are at most 128
 * bytes; 10000 of them in JSON fit in 2 MiB. */
#define LIMIT_TAGS_LIST_BODY (2u * 1024 * 1024)
#define LIMIT_TAGS_LIST 10000u
/* One response header line kept (WWW-Authenticate, Location): Go's server
 * caps a whole header block at 1 MiB; real values are < 2 KiB. */
#define LIMIT_REGISTRY_HEADER (16u * 1024)
/* The X-Registry-Auth header as decoded (base64 of a small JSON object). */
#define LIMIT_REGISTRY_AUTH (16u * 1024)
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
/* Published ports per container (after expanding ranges): each is a few nft
 * rules and a held socket; dockerd has no cap, but `-p 1-65535:1-65535`
 * would pin 65k fds and rules. 4096 covers every real range publish. */
#define LIMIT_PORT_BINDINGS 4096

/* Bytes of a network/endpoint state file or nft listing we parse back. */
#define LIMIT_NFT_LISTING (64u * 1024 * 1024)

/* One json-file log line as berthd reads it back: an entry holds at most
 * LIMIT_LOG_LINE bytes of output, JSON escaping can grow that six-fold
 * (\u00XX), plus the stream and time keys. Longer lines were not written by
 * our shim and are skipped. */
#define LIMIT_LOG_JSON_LINE (128u * 1024)

/* json-file log rotation (max-file): dockerd sets no bound, but each
 * rotation renames every kept file, so a hostile max-file would make the
 * shim loop for ever; 10000 files is far beyond any real setting. */
#define LIMIT_LOG_FILES 10000

/* Processes listed by `docker top`: a container at its pids limit may hold
 * thousands; beyond this the listing is cut rather than built unbounded. */
#define LIMIT_TOP_PROCESSES 65536u

/* Output of `ps` run for `docker top` with custom ps_args. */
#define LIMIT_TOP_OUTPUT (16u * 1024 * 1024)
/* Builds (engine/build/). A Dockerfile is text a person wrote: the largest
 * real ones are a few hundred KiB (generated multi-stage files); 16 MiB
 * stops a hostile context from making the parser hold gigabytes. */
#define LIMIT_DOCKERFILE_BYTES (16u * 1024 * 1024)
/* Instructions per Dockerfile: each may commit an image; 10000 is far
 * beyond real files (overlayfs caps layers at 500 anyway). */
#define LIMIT_DOCKERFILE_INSTRUCTIONS 10000u
/* Unpacked bytes of a build context: dockerd has no cap, but a context is
 * copied into the data root before the build; 16 GiB covers big ML model
 * contexts while a bomb or a runaway `docker build /` fails early with a
 * clear error. */
#define LIMIT_BUILD_CONTEXT_BYTES (16ull * 1024 * 1024 * 1024)
/* One expanded word (variable substitution can grow text exponentially
 * with ENV A=$A$A chains): 1 MiB per word. */
#define LIMIT_BUILD_WORD (1u * 1024 * 1024)
/* Remote files for ADD <url> and `remote` contexts. */
#define LIMIT_BUILD_DOWNLOAD (8ull * 1024 * 1024 * 1024)
/* Build args and labels passed as query JSON. */
#define LIMIT_BUILD_ARGS 4096u
/* Attach and exec (engine/container/attach.c, exec.c, api/attach.c, api/websocket.c). */
/* stdin a client sends before its container started (docker run piping a
 * file): held in berthd until the process exists; past this the client
 * waits (its socket buffer fills), so a hostile client cannot pin memory. */
#define LIMIT_ATTACH_PENDING_STDIN (1u * 1024 * 1024)
/* Keys in a detach sequence ("ctrl-p,ctrl-q" is 2); moby has no cap, real
 * ones are a handful. */
#define LIMIT_DETACH_KEYS 16
/* Exec instances remembered per container (running and finished): a client
 * creating execs in a loop would otherwise grow berthd without bound; the
 * oldest finished ones are forgotten first. */
#define LIMIT_EXECS_PER_CONTAINER 1024
/* One log line read back for attach's logs replay: an entry holds at most
 * LIMIT_LOG_LINE bytes, JSON-escaped up to 6x, plus the stream and time. */
#define LIMIT_LOG_ENTRY (6u * LIMIT_LOG_LINE + 256)
/* One WebSocket message from a browser (stdin keystrokes or a paste); wslay
 * refuses bigger ones with close code 1009. */
#define LIMIT_WS_MESSAGE (1u * 1024 * 1024)
