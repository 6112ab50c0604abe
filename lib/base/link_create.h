/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the raw BPF_LINK_CREATE of a uprobe_multi link, which libbpf 1.1 lacks. A leaf:
 * the feature probes and the attach layer both create links through it.
 */
#ifndef USDT_LINK_CREATE_H
#define USDT_LINK_CREATE_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "compat.h"

/* The kernel's uprobe PMU: its type, its format bits and which features it has. */
#define UPROBE_PMU_DIR "/sys/bus/event_source/devices/uprobe"

/*
 * BPF_LINK_CREATE for attach_type BPF_TRACE_UPROBE_MULTI or _SESSION with the raw kernel
 * fields (pid 0 = every process). Returns the link fd or -errno.
 */
int usdti_uprobe_multi_link_create(int prog_fd, __u32 attach_type, const char *path,
				   const unsigned long *offsets,
				   const unsigned long *ref_ctr_offsets, const __u64 *cookies,
				   size_t cnt, __u32 flags, pid_t pid);

#endif /* USDT_LINK_CREATE_H */
