/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: growing arrays (libbpf's libbpf_ensure_mem) and a bump allocator. */
#ifndef USDT_MEM_H
#define USDT_MEM_H

#include <stddef.h>

/*
 * Room for need elements of elem_sz bytes in *data, which has room for *cap: the capacity
 * doubles from min_cap, so n appends cost O(n) copies. 0, or -ENOMEM with *data and *cap
 * unchanged.
 */
int usdti_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need, size_t min_cap);

/* Bump allocator in chunks: what is handed out never moves, everything is freed at once. */
struct usdti_arena;

void *usdti_arena_alloc(struct usdti_arena **arena, size_t size);
void usdti_arena_free(struct usdti_arena *arena);

#endif
