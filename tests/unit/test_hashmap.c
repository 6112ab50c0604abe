// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The library's hash map against a plain array as the independent record: ids added under
 * hashes chosen to collide and to wrap around the table's end, then removed in an order that
 * makes the backward shift move entries across the wrap, with every lookup checked after
 * each step.
 */
#include "test.h"
#include "hashmap.h"

#define N 4000

static __u64 hashes[N];
static bool live[N];

/* Whether id is found under its hash exactly as often as the record says (0 or 1). */
static void check_all(const struct usdti_hashmap *m)
{
	size_t bad = 0, cnt = 0;

	for (__u32 id = 0; id < N; id++) {
		size_t pos, seen = 0;
		__u32 got;

		usdti_hashmap_for_each_id (m, hashes[id], pos, got) {
			if (got == id)
				seen++;
			bad += hashes[got] != hashes[id];
		}
		bad += seen != live[id];
		cnt += live[id];
	}
	CHECK_INT(bad, 0);
	CHECK_INT(m->cnt, cnt);
}

int main(void)
{
	struct usdti_hashmap m = {};
	__u64 seed = 0x9e3779b97f4a7c15ULL;

	for (__u32 id = 0; id < N; id++) {
		/* a quarter share 16 hashes; the rest land on the table's last slots or anywhere */
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if (id % 4 == 0)
			hashes[id] = seed % 16;
		else if (id % 4 == 1)
			hashes[id] = ~0ULL - seed % 8;
		else
			hashes[id] = seed;
		CHECK_INT(usdti_hashmap_add(&m, hashes[id], id), 0);
		live[id] = true;
	}
	check_all(&m);
	CHECK(m.cap >= 2 * m.cnt);
	/* remove every third, then every other that is left, checking in between */
	for (int pass = 3; pass >= 2; pass--) {
		for (__u32 id = 0; id < N; id += pass) {
			if (!live[id])
				continue;
			usdti_hashmap_del(&m, hashes[id], id);
			live[id] = false;
		}
		check_all(&m);
	}
	/* ids come back, as the spec table reuses them */
	for (__u32 id = 0; id < N; id += 6) {
		CHECK_INT(usdti_hashmap_add(&m, hashes[id], id), 0);
		live[id] = true;
	}
	check_all(&m);
	CHECK_INT(usdti_hash_str(USDTI_HASH_SEED, ""),
		  (0xcbf29ce484222325ULL ^ 0) * 0x100000001b3ULL);
	CHECK(usdti_probe_hash(NULL, "ab", "c") != usdti_probe_hash(NULL, "a", "bc"));
	CHECK(usdti_probe_hash("/x", "p", "n") != usdti_probe_hash(NULL, "p", "n"));
	usdti_hashmap_free(&m);
	CHECK_INT(m.cnt, 0);
	return test_summary("hashmap");
}
