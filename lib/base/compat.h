/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What Debian 12's 6.1 uapi headers and libbpf 1.1 lack for uprobe_multi and uprobe sessions.
 * Values read from the running kernel's BTF (bpftool btf dump file /sys/kernel/btf/vmlinux).
 */
#ifndef USDT_COMPAT_H
#define USDT_COMPAT_H

#include <linux/bpf.h>
#include <linux/types.h>

#define USDT_BPF_TRACE_UPROBE_MULTI	48
#define USDT_BPF_TRACE_UPROBE_SESSION	57
#define USDT_BPF_LINK_TYPE_UPROBE_MULTI 12
#define USDT_BPF_F_UPROBE_MULTI_RETURN	(1U << 0)
#define USDT_UPROBE_MULTI_MAX_CNT	(1U << 20)

/* The head of union bpf_attr for BPF_LINK_CREATE with attach type BPF_TRACE_UPROBE_MULTI. */
struct usdt_link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 um_flags;
	__u32 pid;
};

_Static_assert(sizeof(struct usdt_link_create_uprobe_multi) <= sizeof(union bpf_attr),
	       "uprobe_multi attr fits bpf_attr");

#endif /* USDT_COMPAT_H */
