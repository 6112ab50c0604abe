// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A uprobe session program: the entry stores per-call state in the session cookie and, for odd
 * arguments, returns 1 so that the kernel skips that call's return probe.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "um_test.h"

extern bool bpf_session_is_return(void) __ksym;
extern __u64 *bpf_session_cookie(void) __ksym;

__u64 entries, returns, matched;
__u64 ret_base; /* what the probed function adds to its argument */

SEC("uprobe")
int um_session(struct pt_regs *ctx)
{
	__u64 *state = bpf_session_cookie();

	if (!bpf_session_is_return()) {
		__u32 x = PT_REGS_PARM1(ctx);

		__sync_fetch_and_add(&entries, 1);
		*state = (__u64)x * 3 + 7;
		return x & 1;
	}
	__sync_fetch_and_add(&returns, 1);
	/* the return sees what its own entry stored: ret = x + base */
	if (*state == ((__u64)(__u32)PT_REGS_RC(ctx) - ret_base) * 3 + 7)
		__sync_fetch_and_add(&matched, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
