// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* minitrace: every USDT argument of every hit, strings where asked, into a ring buffer. */
#include "usdt.bpf.h" /* installed: <usdt/usdt.bpf.h> */

#include "minitrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* bit i: read argument i as a NUL-terminated string (set before load) */
const volatile __u32 str_args = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

__u64 dropped;

SEC("uprobe")
int minitrace(void *ctx)
{
	struct minitrace_event *e;
	long v;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->probe_id = usdt_probe_id(ctx);
	e->arg_cnt = usdt_arg_cnt(ctx);
	e->bad_mask = 0;
	e->str_mask = 0;
	for (int i = 0; i < MINITRACE_MAX_ARGS && i < e->arg_cnt; i++) {
		if (usdt_arg(ctx, i, &v))
			e->bad_mask |= 1U << i;
		e->args[i] = v;
		if (!(str_args & (1U << i)) || (e->bad_mask & (1U << i)))
			continue;
		if (bpf_probe_read_user_str(e->strs[i], sizeof(e->strs[i]), (void *)v) > 0)
			e->str_mask |= 1U << i;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
