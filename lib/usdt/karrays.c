// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The arrays the kernel reads (offsets and cookies), in one anonymous mapping per manager,
 * kept for its next attaches and populated a chunk ahead of the walk.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>

#include "attach_internal.h"

/*
 * An anonymous mapping of sz bytes; from 1 MiB on, in transparent huge pages where the
 * system allows them: one fault then maps 2 MiB (~0.2 ms here) where 4 KiB pages take ~20 us
 * each. 2 MiB is the huge page of x86-64 and of 4 KiB-page arm64; elsewhere the advice is
 * only alignment. *map_sz is what to unmap.
 */
static void *map_anon(size_t sz, size_t *map_sz)
{
	const size_t huge = 2UL << 20;
	uintptr_t raw, start;
	void *p;

	*map_sz = sz < huge / 2 ? sz : (sz + huge - 1) / huge * huge;
	p = mmap(NULL, *map_sz + (sz < huge / 2 ? 0 : huge), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || sz < huge / 2)
		return p;
	/* a huge page needs a 2 MiB-aligned start: trim the mapping to one */
	raw = (uintptr_t)p;
	start = (raw + huge - 1) & ~(huge - 1);
	if (start > raw)
		munmap(p, start - raw);
	if (raw + huge > start)
		munmap((void *)(start + *map_sz), raw + huge - start);
	madvise((void *)start, *map_sz, MADV_HUGEPAGE);
	return (void *)start;
}

static int karrays_reserve(struct karrays *a, size_t cap)
{
	size_t map_sz;
	void *map;

	if (a->map && a->cap >= cap)
		return 0;
	map = map_anon(cap * (sizeof(unsigned long) + sizeof(__u64)), &map_sz);
	if (map == MAP_FAILED)
		return -ENOMEM;
	if (a->map)
		munmap(a->map, a->map_sz);
	*a = (struct karrays){.map = map, .map_sz = map_sz, .cap = cap};
	return 0;
}

int usdti_build_alloc(struct build *b, size_t cap)
{
	int err;

	b->cap = cap ? cap : 1;
	err = karrays_reserve(b->arrays, b->cap);
	if (err)
		return err;
	b->offsets = b->arrays->map;
	b->cookies = (__u64 *)(b->offsets + b->arrays->cap);
	return 0;
}

/* Best effort: before Linux 5.14 the advice fails and writes fault the pages in. */
static void populate(void *start, void *end)
{
	uintptr_t page = sysconf(_SC_PAGESIZE), lo = (uintptr_t)start & ~(page - 1);

	madvise((void *)lo, (uintptr_t)end - lo, MADV_POPULATE_WRITE);
}

void usdti_populate_ahead(struct build *b)
{
	size_t from = b->arrays->populated, left = b->arrays->cap - from;
	size_t n = left < POPULATE_CHUNK ? left : POPULATE_CHUNK;

	populate(b->offsets + from, b->offsets + from + n);
	populate(b->cookies + from, b->cookies + from + n);
	b->arrays->populated = from + n;
}
