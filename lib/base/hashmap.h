/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the library's one hash map (as libbpf's hashmap.h): 64-bit hashes to 32-bit ids
 * of entries the caller keeps in its own array, so entries never move for the index's sake and
 * the index never holds a pointer. Open addressing with linear probing, at most half full;
 * deletion shifts the run back, so lookups never meet a tombstone.
 *
 * Keys come from hostile files (a traced binary's note strings): the string hash starts from a
 * seed drawn once per process, so collisions cannot be prepared in a file, and an entry's home
 * slot is taken from all 64 bits of its hash (multiply-shift), not from its low bits, which in
 * FNV depend on the low bits of the key's bytes alone.
 *
 *	__u64 h = usdti_hash_str(USDTI_HASH_SEED, key);
 *	size_t pos;
 *	__u32 id;
 *
 *	usdti_hashmap_for_each_id(map, h, pos, id)
 *		if (!strcmp(ents[id].key, key))
 *			return id;
 *	return usdti_hashmap_add(map, h, new_id);
 */
#ifndef USDT_HASHMAP_H
#define USDT_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

struct usdti_hashmap_slot {
	__u64 hash;
	__u32 id1; /* id + 1; 0 = empty */
};

struct usdti_hashmap {
	struct usdti_hashmap_slot *slots;
	size_t cap; /* 0, or a power of two at least twice cnt */
	size_t cnt;
};

/* This process's random seed (FNV's offset basis when no randomness can be had); never 0. */
__u64 usdti_hash_seed(void);
#define USDTI_HASH_SEED usdti_hash_seed()

/*
 * FNV-1a over s and its NUL, continuing from h (USDTI_HASH_SEED to start): the NUL keeps
 * chained strings apart ("ab" then "c" hashes unlike "a" then "bc").
 */
static inline __u64 usdti_hash_str(__u64 h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	while (*s++);
	return h;
}

/* A 64-bit word into hash h, for keys of numbers (USDTI_HASH_SEED to start). */
static inline __u64 usdti_hash_u64(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* n bytes at p into hash h, a word at a time (keys of fixed size: no length is mixed in). */
static inline __u64 usdti_hash_mem(__u64 h, const void *p, size_t n)
{
	const unsigned char *b = p;
	__u64 w;

	for (; n >= sizeof(w); b += sizeof(w), n -= sizeof(w)) {
		memcpy(&w, b, sizeof(w));
		h = usdti_hash_u64(h, w);
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = usdti_hash_u64(h, w);
	}
	return h;
}

/* The key of a probe: provider and name, in the object at path when path is not NULL. */
static inline __u64 usdti_probe_hash(const char *path, const char *provider, const char *name)
{
	__u64 h = USDTI_HASH_SEED;

	if (path)
		h = usdti_hash_str(h, path);

	return usdti_hash_str(usdti_hash_str(h, provider), name);
}

/* Adds id under hash (ids under one hash may repeat: the caller compares keys). 0 or -ENOMEM. */
int usdti_hashmap_add(struct usdti_hashmap *m, __u64 hash, __u32 id);
/* Removes id, which was added under hash. */
void usdti_hashmap_del(struct usdti_hashmap *m, __u64 hash, __u32 id);
/* Room for cnt ids without growing: 0 or -ENOMEM. */
int usdti_hashmap_reserve(struct usdti_hashmap *m, size_t cnt);
void usdti_hashmap_free(struct usdti_hashmap *m);

/* The next id under hash from *pos on (start at usdti_hashmap_start()): true, or false at the end.
 */
static inline bool usdti_hashmap_next(const struct usdti_hashmap *m, __u64 hash, size_t *pos,
				      __u32 *id)
{
	for (; m->cap; *pos = (*pos + 1) & (m->cap - 1)) {
		const struct usdti_hashmap_slot *s = &m->slots[*pos];

		if (!s->id1)
			return false;
		if (s->hash == hash) {
			*id = s->id1 - 1;
			*pos = (*pos + 1) & (m->cap - 1);
			return true;
		}
	}
	return false;
}

/* The slot where probing for hash starts in a table of cap (a power of two) slots. */
static inline size_t usdti_hashmap_home(size_t cap, __u64 hash)
{
	return (hash * 0x9e3779b97f4a7c15ULL) >> (64 - __builtin_ctzll(cap));
}

static inline size_t usdti_hashmap_start(const struct usdti_hashmap *m, __u64 hash)
{
	return m->cap ? usdti_hashmap_home(m->cap, hash) : 0;
}

/* Every id added under hash (and no other), in no particular order. */
#define usdti_hashmap_for_each_id(m, hash, pos, id)    \
	for ((pos) = usdti_hashmap_start((m), (hash)); \
	     usdti_hashmap_next((m), (hash), &(pos), &(id));)

#endif /* USDT_HASHMAP_H */
