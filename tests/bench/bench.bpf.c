// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_bench's libusdt programs. Which attach path each uses is set from userspace before
 * load: "raw" by hand (expected attach type BPF_TRACE_UPROBE_MULTI, for the raw
 * BPF_LINK_CREATE), "empty" and "args" through usdt_program_prepare().
 */
#include "usdt.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* What "args" read, so that the reads are kept. */
__u64 arg_sum;

SEC("uprobe")
int raw(void *ctx)
{
	return 0;
}

SEC("uprobe")
int empty(void *ctx)
{
	return 0;
}

SEC("uprobe")
int args(void *ctx)
{
	long a, b;

	usdt_arg(ctx, 0, &a);
	usdt_arg(ctx, 1, &b);
	arg_sum += a + b;
	return 0;
}
