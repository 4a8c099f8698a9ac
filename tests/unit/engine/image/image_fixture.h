/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture for the engine/image tests: the image service opened as engine.c
 * opens it, on a store and an event bus of a private data root (no registry,
 * no containers). */
#pragma once

struct events;
struct images;
struct store;

/* What one image service works on; all owned by the fixture. */
struct ifx_env {
	char *root;
	char *tmp_dir;
	struct store *store;
	struct events *events;
	struct images *images;
};

extern char ifx_root[];
extern struct ifx_env *ifx;

void ifx_setup(void);
void ifx_teardown(void);
/* A second, independent image service (for save | load round trips); freed by teardown. */
struct ifx_env *ifx_other(void);
/* Writes a tar of one file (and optional second) to a temp path; returns an fd at 0. */
int ifx_rootfs_tar(const char *file, const char *content);
/* Imports a one-file root fs as @repo (may be NULL); writes the ID (72 bytes). */
void ifx_import(const char *repo, const char *file, const char *content, char *id);
