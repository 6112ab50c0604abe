// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MIN_CAP		 64
#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL

__u64 usdti_hash_seed(void)
{
	static __u64 seed; /* 0 until drawn; then the same for the process's life */
	__u64 s = __atomic_load_n(&seed, __ATOMIC_RELAXED), none = 0;
	struct timespec ts;

	if (s)
		return s;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s)) {
		/* no entropy yet (early boot) or getrandom filtered: less, but not fixed */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = FNV_OFFSET_BASIS ^ ((__u64)ts.tv_nsec << 20) ^ ts.tv_sec ^
		    ((__u64)getpid() << 40) ^ (__u64)(unsigned long)&ts;
	}
	s = s ?: FNV_OFFSET_BASIS;
	/* threads racing here all return the seed that was stored first */
	if (!__atomic_compare_exchange_n(&seed, &none, s, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		s = none;
	return s;
}

static void put(struct usdti_hashmap_slot *slots, size_t cap, __u64 hash, __u32 id1)
{
	size_t i = usdti_hashmap_home(cap, hash);

	while (slots[i].id1)
		i = (i + 1) & (cap - 1);
	slots[i] = (struct usdti_hashmap_slot){.hash = hash, .id1 = id1};
}

int usdti_hashmap_reserve(struct usdti_hashmap *m, size_t cnt)
{
	struct usdti_hashmap_slot *slots;
	size_t cap = m->cap ? m->cap : MIN_CAP;

	while (cap < cnt * 2)
		cap <<= 1;
	if (cap == m->cap)
		return 0;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].id1)
			put(slots, cap, m->slots[i].hash, m->slots[i].id1);
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int usdti_hashmap_add(struct usdti_hashmap *m, __u64 hash, __u32 id)
{
	int err = usdti_hashmap_reserve(m, m->cnt + 1);

	if (err)
		return err;
	put(m->slots, m->cap, hash, id + 1);
	m->cnt++;
	return 0;
}

/* Whether home lies cyclically in (gap, j]: then the entry at j must stay where it is. */
static bool stays(size_t home, size_t gap, size_t j)
{
	return gap <= j ? gap < home && home <= j : gap < home || home <= j;
}

void usdti_hashmap_del(struct usdti_hashmap *m, __u64 hash, __u32 id)
{
	size_t mask = m->cap - 1, gap = usdti_hashmap_home(m->cap, hash), j;

	while (m->slots[gap].id1 != id + 1)
		gap = (gap + 1) & mask;
	/* backward shift: later entries of the run move into the gap when it is on their way */
	for (j = (gap + 1) & mask; m->slots[j].id1; j = (j + 1) & mask) {
		if (stays(usdti_hashmap_home(m->cap, m->slots[j].hash), gap, j))
			continue;
		m->slots[gap] = m->slots[j];
		gap = j;
	}
	m->slots[gap].id1 = 0;
	m->cnt--;
}

void usdti_hashmap_free(struct usdti_hashmap *m)
{
	free(m->slots);
	*m = (struct usdti_hashmap){};
}
