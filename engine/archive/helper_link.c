/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linked into berth-untar and berthd (both link libarchive statically where
 * its archive exists, see configure.ac). libarchive's pax writer calls this one
 * function of archive_write_set_format.o, the object that also refers to
 * every other writer (xar among them, which needs libxml2): linked
 * statically, that one reference would pull them all in. Defined here (as
 * in libarchive 3.6, archive_write_set_format.c), the program links the pax
 * writer alone. It is reached only for file types pax cannot hold; the
 * read walkers skip sockets, the one such type a tree has.
 */
#include "config.h"

#include <archive.h>
#include <errno.h>
#include <archive_entry.h>

void __archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
						const char *format);

void
__archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
					   const char *format)
{
	archive_set_error(a, EILSEQ /* ARCHIVE_ERRNO_FILE_FORMAT */,
			  "%s: %s format cannot archive this file type",
			  archive_entry_pathname(entry), format);
}
