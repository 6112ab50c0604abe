// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The library's hash map against a plain array as the independent record: ids added under
 * hashes chosen to collide and to wrap around the table's end, then removed in an order that
 * makes the backward shift move entries across the wrap, with every lookup checked after
 * each step. Then what hostile keys could do: hashes that share their low bits, and strings
 * made to collide in FNV-1a's low bits with its published offset basis, must not pile up in
 * one run of slots; and the seed must be another in each process.
 */
#include "test.h"
#include "hashmap.h"

#define N		 4000
#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define LOW_BITS	 12 /* crafted keys share this many low bits of their FNV-1a hash */

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

/* How far past its home slot each id sits, summed: N ids at most half full stay near N. */
static size_t displacement(const struct usdti_hashmap *m, const __u64 *h, size_t cnt)
{
	size_t sum = 0;

	for (__u32 id = 0; id < cnt; id++) {
		size_t pos, start = usdti_hashmap_start(m, h[id]);
		__u32 got;

		usdti_hashmap_for_each_id (m, h[id], pos, got) {
			if (got == id)
				break;
		}
		sum += (pos - 1 - start) & (m->cap - 1);
	}
	return sum;
}

/* A map of cnt ids under h: the sum of their displacements. */
static size_t displacement_of(const __u64 *h, size_t cnt)
{
	struct usdti_hashmap m = {};
	size_t sum;

	for (__u32 id = 0; id < cnt; id++)
		CHECK_INT(usdti_hashmap_add(&m, h[id], id), 0);
	sum = displacement(&m, h, cnt);
	usdti_hashmap_free(&m);
	return sum;
}

static void hostile_keys(void)
{
	static __u64 h[N];
	static char keys[N][16];
	size_t cnt = 0;

	/* hashes alike in their low 32 bits: one home slot if probing took the low bits */
	for (__u32 id = 0; id < N; id++)
		h[id] = (__u64)id << 32;
	CHECK(displacement_of(h, N) < 4 * N);
	/* names an attacker prepares offline against the published basis */
	for (unsigned i = 0; cnt < N; i++) {
		snprintf(keys[cnt], sizeof(keys[cnt]), "p%u", i);
		if (!(usdti_hash_str(FNV_OFFSET_BASIS, keys[cnt]) & ((1u << LOW_BITS) - 1)))
			cnt++;
	}
	for (size_t i = 0; i < cnt; i++)
		h[i] = usdti_hash_str(USDTI_HASH_SEED, keys[i]);
	CHECK(displacement_of(h, cnt) < 4 * cnt);
	CHECK(usdti_hash_seed() != 0);
}

/* The seed of a fresh process: this test run again with --seed. */
static __u64 child_seed(void)
{
	char self[4096], cmd[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	unsigned long long s = 0;
	FILE *f;

	CHECK(n > 0);
	self[n > 0 ? n : 0] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' --seed", self);
	f = popen(cmd, "r");

	CHECK(f != NULL);
	if (f) {
		CHECK_INT(fscanf(f, "%llx", &s), 1);
		CHECK_INT(pclose(f), 0);
	}
	return s;
}

int main(int argc, char **argv)
{
	struct usdti_hashmap m = {};
	__u64 seed = 0x9e3779b97f4a7c15ULL, s1, s2, own;

	if (argc > 1 && !strcmp(argv[1], "--seed")) {
		printf("%llx\n", (unsigned long long)usdti_hash_seed());
		return 0;
	}
	own = usdti_hash_seed();
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
	CHECK_INT(usdti_hash_str(FNV_OFFSET_BASIS, ""), FNV_OFFSET_BASIS * 0x100000001b3ULL);
	/* drawn once: every hash of this process keeps its seed */
	CHECK_INT(usdti_hash_seed(), own);
	CHECK(usdti_probe_hash(NULL, "ab", "c") != usdti_probe_hash(NULL, "a", "bc"));
	CHECK(usdti_probe_hash("/x", "p", "n") != usdti_probe_hash(NULL, "p", "n"));
	usdti_hashmap_free(&m);
	CHECK_INT(m.cnt, 0);
	hostile_keys();
	s1 = child_seed();
	s2 = child_seed();
	CHECK(s1 != s2 && s1 != usdti_hash_seed() && s2 != usdti_hash_seed());
	return test_summary("hashmap");
}
