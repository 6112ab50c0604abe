/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A BPF program's counters of what it could not do (lost events, full maps, ...): a per-CPU
 * array of __u64, one slot per reason, summed over the CPUs by userspace at exit.
 */
#ifndef USDTCTL_STATS_BPF_H
#define USDTCTL_STATS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define STATS_MAP(name, slots)                           \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, slots);              \
		__type(key, __u32);                      \
		__type(value, __u64);                    \
	} name SEC(".maps")

/*
 * Adds n to slot of map; per CPU, so no atomic add. A counter of what is open adds -1 as
 * well: one CPU's value can wrap, the sum over the CPUs is what counts.
 */
static __always_inline void stats_add(void *map, __u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &slot);

	if (v)
		*v += n;
}

static __always_inline void stats_inc(void *map, __u32 slot)
{
	stats_add(map, slot, 1);
}

#endif /* USDTCTL_STATS_BPF_H */
