/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which processes a trace covers, decided in BPF: with follow_only, the followed ones (the
 * "followed" map, kept by follow.bpf.c across fork and shared with the tracer by usdtctl);
 * with --cgroup, those in that cgroup v2 or below it. Included by trace.bpf.c and follow.bpf.c.
 */
#ifndef USDTCTL_FOLLOW_FILTER_BPF_H
#define USDTCTL_FOLLOW_FILTER_BPF_H

#include "follow.h"

const volatile bool follow_only;
const volatile __u64 cgroup_id;	   /* 0: any */
const volatile __u32 cgroup_level; /* its depth below the root: the ancestor compared */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_MAX_PROCS);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} followed SEC(".maps");

/* Is the current process one the trace covers? Constant true without follow or --cgroup. */
static __always_inline bool follow_pass(void)
{
	__u32 tgid;

	if (cgroup_id && bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id)
		return false;
	if (!follow_only)
		return true;
	tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&followed, &tgid);
}

#endif /* USDTCTL_FOLLOW_FILTER_BPF_H */
