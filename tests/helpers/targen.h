/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: writes tar files entry by entry with libarchive, so archive
 * and store tests build their (hostile) inputs themselves. Every failure
 * aborts the test; mtimes are fixed at TARGEN_MTIME.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define TARGEN_MTIME 1000000000

enum targen_filter { TARGEN_PLAIN, TARGEN_GZIP, TARGEN_ZSTD, TARGEN_BZIP2, TARGEN_XZ };

struct targen;

struct targen *targen_new(const char *path, enum targen_filter filter);
void targen_file(struct targen *t, const char *name, const char *content, mode_t mode);
void targen_dir(struct targen *t, const char *name, mode_t mode);
void targen_symlink(struct targen *t, const char *name, const char *target);
void targen_hardlink(struct targen *t, const char *name, const char *target);
void targen_node(struct targen *t, const char *name, mode_t type, unsigned major, unsigned minor);
void targen_owned(struct targen *t, const char *name, const char *content, mode_t mode,
		  unsigned uid, unsigned gid);
/* Finishes the archive and frees @t. */
void targen_close(struct targen *t);

/* Opens @path read-only (aborts on failure). */
int tarfile_open(const char *path);
/* Creates a fresh directory "<base>/<name>" and returns an O_DIRECTORY fd. */
int testdir_open(const char *base, const char *name);
/* Reads a small file below @dirfd into a static buffer ("" when missing). */
const char *testfile_read(int dirfd, const char *path);
