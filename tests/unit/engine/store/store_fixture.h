/* SPDX-License-Identifier: Apache-2.0 */
/* Shared fixture for the store tests: a private data root and builders. */
#pragma once

#include <stddef.h>

#include "engine/store/store.h"

extern char fx_root[];
extern struct store *fx_store;

void fx_setup(void);
void fx_teardown(void);
/* Closes and reopens the store on the same data root. */
void fx_reopen(void);
/* Writes a plain tar with one file to "<root>/../<name>.tar"-ish path; returns its path. */
const char *fx_tar(const char *file, const char *content);
/* Creates a layer holding @file on top of @parent (NULL: base); fills chain/diff
 * IDs (72 bytes each, may be NULL) and releases the creation hold. */
void fx_layer(const char *parent, const char *file, const char *content, char *chain, char *diff);
/* Commits a config with @n diff IDs, @created (RFC 3339) and optional
 * label, parent ID; writes the image ID (72 bytes). */
void fx_image(const char *const *diffs, size_t n, const char *created, const char *label,
	      const char *parent, char *id);
/* Tags @id as @ref (parsed; default tag added). */
void fx_tag(const char *id, const char *ref);
