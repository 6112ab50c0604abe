// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A program without <usdt/usdt.bpf.h>: usdt_manager__new() must refuse its object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int usdt_nomap(void *ctx)
{
	return 0;
}
