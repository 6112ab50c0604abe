// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* test_usdt_attach's program: every argument of every hit, with its error, into a ring buffer. */
#include "usdt.bpf.h"

#include "usdt_test.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* hits the ring buffer had no room for: the test fails on any */
__u64 dropped;

SEC("uprobe")
int usdt_record(void *ctx)
{
	struct usdt_test_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	long v;

	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->probe_id = usdt_probe_id(ctx);
	e->spec_id = bpf_get_attach_cookie(ctx);
	e->arg_cnt = usdt_arg_cnt(ctx);
	e->cookie = usdt_cookie(ctx);
	for (int i = 0; i < USDT_TEST_MAX_ARGS; i++) {
		e->errs[i] = usdt_arg(ctx, i, &v);
		e->vals[i] = v;
		e->sizes[i] = usdt_arg_size(ctx, i);
	}
	e->past_end_err = usdt_arg(ctx, e->arg_cnt < 0 ? 0 : e->arg_cnt, &v);
	e->past_max_err = usdt_arg(ctx, USDT_MAX_ARGS, &v);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* USDT_PROG: args:inl's arguments as parameters, hit by hit */
long macro_a[8];
int macro_b[8];
__u32 macro_cnt;

SEC("uprobe")
int USDT_PROG(usdt_macro, long a, int b)
{
	__u32 i = macro_cnt++; /* the fixture is single-threaded */

	if (i < 8) {
		macro_a[i] = a;
		macro_b[i] = b;
	}
	return 0;
}
