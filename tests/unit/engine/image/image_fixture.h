/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture for the engine/image tests: a bare struct engine with a store, an
 * event bus and the image service on a private data root (no registry, no
 * containers). */
#pragma once

#include "engine/engine.h"

extern char ifx_root[];
extern struct engine *ifx_eng;

void ifx_setup(void);
void ifx_teardown(void);
/* A second, independent engine (for save | load round trips); freed by teardown. */
struct engine *ifx_other(void);
/* Writes a tar of one file (and optional second) to a temp path; returns an fd at 0. */
int ifx_rootfs_tar(const char *file, const char *content);
/* Imports a one-file root fs as @repo (may be NULL); writes the ID (72 bytes). */
void ifx_import(const char *repo, const char *file, const char *content, char *id);
