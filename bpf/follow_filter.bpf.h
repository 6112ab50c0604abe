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

/*
 * Moved on at each exit of a followed process (follow.bpf.c), shared like "followed": an
 * answer of "followed" remembered in an older epoch may name a tgid now reused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} follow_epoch SEC(".maps");

/* Per CPU: the last process found followed, and in which epoch. */
struct follow_seen {
	__u32 tgid;
	__u32 pad;
	__u64 epoch;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct follow_seen);
} follow_seen SEC(".maps");

/*
 * Is the current process one the trace covers? Constant true without follow or --cgroup.
 * A process hitting its probes over and over is looked up in "followed" once per CPU and
 * epoch: the hash lookup is most of a hit's cost otherwise.
 */
static __always_inline bool follow_pass(void)
{
	struct follow_seen *seen;
	__u32 tgid, zero = 0;
	__u64 *epoch, e;

	if (cgroup_id && bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id)
		return false;
	if (!follow_only)
		return true;
	tgid = bpf_get_current_pid_tgid() >> 32;
	epoch = bpf_map_lookup_elem(&follow_epoch, &zero);
	seen = bpf_map_lookup_elem(&follow_seen, &zero);
	if (!epoch || !seen)
		return bpf_map_lookup_elem(&followed, &tgid);
	e = *(volatile __u64 *)epoch;
	if (seen->tgid == tgid && seen->epoch == e)
		return true;
	if (!bpf_map_lookup_elem(&followed, &tgid))
		return false;
	seen->tgid = tgid;
	seen->epoch = e;
	return true;
}

#endif /* USDTCTL_FOLLOW_FILTER_BPF_H */
