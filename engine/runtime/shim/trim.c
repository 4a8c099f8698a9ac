/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the resident shim gives back when it has nothing to do. The start-up
 * (config.json read and parsed, cgroups, the clone) and later bursts of work
 * (attach clients, output) touch memory that the idle monitor loop does not
 * use; each running container pays for its shim's resident pages (Pss), so
 * the loop (monitor.c) calls shim_release_memory() once it has been idle for
 * a moment (docs/performance.md, "The shim"). It drops:
 *
 * - the heap freed meanwhile (malloc_trim), which glibc keeps otherwise;
 * - the stack pages below the caller's frame: config.json is read through a
 *   64 KiB stack buffer and parsed by recursive calls, pages that would stay
 *   dirty (private) for the container's lifetime;
 * - the mapped pages of the program's read-only segments (ELF headers,
 *   text, rodata): clean page-cache pages shared by every shim, but each
 *   shim maps those its work faulted in (the kernel maps a whole page-cache
 *   folio, 64 KiB here, per fault: most of the binary). Once dropped, only
 *   those the loop uses fault back in, from the page cache. The relocated
 *   RELRO and the data segment are written to and never touched here.
 */
#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/runtime/shim/shim.h"
#include "engine/util/cleanup.h"

static uintptr_t
page_down(uintptr_t a, uintptr_t page)
{
	return a & ~(page - 1);
}

static uintptr_t
page_up(uintptr_t a, uintptr_t page)
{
	return (a + page - 1) & ~(page - 1);
}

/* The lowest address of the [stack] mapping, from /proc/self/maps; 0 when not found. */
static uintptr_t
stack_low(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool at_start = true; /* a long line comes in pieces: only a line's start has addresses */

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		size_t n = strlen(line);
		bool whole = at_start;
		at_start = n > 0 && line[n - 1] == '\n';
		if (!whole || n < 8 || strcmp(line + n - 8, "[stack]\n") != 0)
			continue;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			return (uintptr_t)lo;
	}
	return 0;
}

struct ro_ranges {
	uintptr_t page;
	size_t n;
	struct {
		uintptr_t lo, hi;
	} r[8];
};

/* dl_iterate_phdr callback: the read-only segments of the first object, the program itself. */
static int
find_ro_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	struct ro_ranges *ro = data;
	uintptr_t page = ro->page, relro_lo = 0, relro_hi = 0;

	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO) {
			relro_lo = page_down(info->dlpi_addr + ph->p_vaddr, page);
			relro_hi = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz, page);
		}
	}
	for (size_t i = 0; i < info->dlpi_phnum && ro->n < sizeof(ro->r) / sizeof(ro->r[0]); i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz != ph->p_filesz)
			continue;
		lo = page_down(info->dlpi_addr + ph->p_vaddr, page);
		hi = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz, page);
		if (hi <= lo || (lo < relro_hi && relro_lo < hi))
			continue; /* relocated (dirty) data must stay */
		ro->r[ro->n].lo = lo;
		ro->r[ro->n++].hi = hi;
	}
	return 1; /* the program only, not the libraries of a dynamic build */
}

void
shim_release_memory(void)
{
	struct ro_ranges ro = {.page = (uintptr_t)sysconf(_SC_PAGESIZE)};
	/* this frame and the page below it stay: the calls below run there */
	uintptr_t below = page_down((uintptr_t)__builtin_frame_address(0), ro.page) - ro.page;
	uintptr_t lo = stack_low();

	(void)malloc_trim(0);
	if (lo && lo < below)
		(void)madvise((void *)lo, below - lo, MADV_DONTNEED);
	/* last, so that no code above maps its pages again (each fault maps a
	 * whole page-cache folio, 64 KiB here) */
	(void)dl_iterate_phdr(find_ro_segments, &ro);
	for (size_t i = 0; i < ro.n; i++)
		(void)madvise((void *)ro.r[i].lo, ro.r[i].hi - ro.r[i].lo, MADV_DONTNEED);
}
