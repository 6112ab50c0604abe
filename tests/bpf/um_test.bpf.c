// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counts uprobe hits per cookie slot, and what the probed functions took and returned. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "um_test.h"

__u64 hits[UM_SLOTS];
__u64 arg_sum[UM_SLOTS];
__u64 cookie_seen[UM_SLOTS]; /* the full 64-bit cookie last seen in the slot */
__u64 ret_hits[UM_SLOTS];
__s64 ret_sum[UM_SLOTS];
__u32 watch_tgid; /* set by the test: hits from other processes count as foreign */
__u64 foreign_hits;

static __always_inline __u32 slot_of(__u64 cookie)
{
	return cookie & (UM_SLOTS - 1);
}

static __always_inline void note_process(void)
{
	if (watch_tgid && (bpf_get_current_pid_tgid() >> 32) != watch_tgid)
		__sync_fetch_and_add(&foreign_hits, 1);
}

SEC("uprobe")
int um_entry(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 slot = slot_of(cookie);

	__sync_fetch_and_add(&hits[slot], 1);
	__sync_fetch_and_add(&arg_sum[slot], (__u32)PT_REGS_PARM1(ctx));
	cookie_seen[slot] = cookie;
	note_process();
	return 0;
}

SEC("uretprobe")
int um_exit(struct pt_regs *ctx)
{
	__u32 slot = slot_of(bpf_get_attach_cookie(ctx));

	__sync_fetch_and_add(&ret_hits[slot], 1);
	__sync_fetch_and_add(&ret_sum[slot], (int)PT_REGS_RC(ctx));
	note_process();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
