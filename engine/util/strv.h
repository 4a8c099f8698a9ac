/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NULL-terminated string vectors (char **), heap-owned element by element;
 * freed with strv_free (cleanup.h). NULL is a valid, empty-and-unset vector.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Deep copy; NULL stays NULL. */
char **strv_dup(char *const *v);
/* Deep copy that is never NULL (an empty vector for NULL). */
char **strv_copy_nonnull(char *const *v);
size_t strv_len(char *const *v);
/* Appends a copy of @s, growing *v (which may be NULL). */
void strv_append(char ***v, const char *s);
/* Splits @s at every character of @seps, dropping empty fields ("a//b" → a, b). Never NULL. */
char **strv_split(const char *s, const char *seps);
bool strv_contains(char *const *v, const char *s);
/* JSON array of the strings; NULL → JSON null. */
json_t *strv_to_json(char *const *v);
/* From a JSON array of strings (NULL/null → NULL): 0 or -EINVAL. */
int strv_from_json(json_t *j, char ***ret);
