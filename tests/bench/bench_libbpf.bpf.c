// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdt_bench's programs for libbpf's own USDT support (bpf_program__attach_usdt). */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h> /* struct pt_regs, which libbpf's usdt.bpf.h reads */
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 arg_sum;

SEC("usdt")
int lb_empty(struct pt_regs *ctx)
{
	return 0;
}

SEC("usdt")
int lb_args(struct pt_regs *ctx)
{
	long a, b;

	bpf_usdt_arg(ctx, 0, &a);
	bpf_usdt_arg(ctx, 1, &b);
	arg_sum += a + b;
	return 0;
}
