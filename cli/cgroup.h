/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --cgroup: a cgroup v2 named by path or id, as BPF compares it. */
#ifndef USDTCTL_CGROUP_H
#define USDTCTL_CGROUP_H

#include <linux/types.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * arg is a cgroup v2 directory (under cgroup v2's mount, CGROUP_ROOT or, on a hybrid system,
 * CGROUP_ROOT/unified, unless absolute) or its id (the directory's
 * inode number). Sets *id and *level, its depth below the root (the root is level 0, as
 * bpf_get_current_ancestor_cgroup_id() counts). Returns 0 or -ENOENT (no such cgroup v2).
 */
int cgroup_resolve(const char *arg, __u64 *id, __u32 *level);

#endif /* USDTCTL_CGROUP_H */
