// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "mem.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

int usdti_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need, size_t min_cap)
{
	size_t n = *cap ? *cap : min_cap ? min_cap : 1;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	if (n < need || n > SIZE_MAX / elem_sz)
		return -ENOMEM;
	p = realloc(*data, n * elem_sz);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = n;
	return 0;
}

#define ARENA_CHUNK (64 * 1024)

struct usdti_arena {
	struct usdti_arena *next;
	size_t used, cap;
	alignas(16) char data[];
};

void *usdti_arena_alloc(struct usdti_arena **arena, size_t size)
{
	struct usdti_arena *a = *arena;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!a || a->cap - a->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		a->next = *arena;
		a->used = 0;
		a->cap = cap;
		*arena = a;
	}
	p = a->data + a->used;
	a->used += size;
	return p;
}

void usdti_arena_free(struct usdti_arena *arena)
{
	while (arena) {
		struct usdti_arena *next = arena->next;

		free(arena);
		arena = next;
	}
}
