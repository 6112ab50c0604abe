/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-CPU BPF map slots, summed over every possible CPU. */
#ifndef USDTCTL_PERCPU_H
#define USDTCTL_PERCPU_H

#include <linux/types.h>

/* The sum of slot key of the per-CPU array map_fd into *sum (0 on error): 0 or -errno. */
int percpu_sum(int map_fd, __u32 key, __u64 *sum);

#endif /* USDTCTL_PERCPU_H */
