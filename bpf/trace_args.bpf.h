/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl's tracer: reading one hit (who, which probe, the arguments it needs) and its string
 * arguments, and the counters of what went wrong. Shared by the event, filter and aggregate paths
 * of trace.bpf.c.
 */
#ifndef USDTCTL_TRACE_ARGS_BPF_H
#define USDTCTL_TRACE_ARGS_BPF_H

#include <stdbool.h>

#include "usdt.bpf.h"
#include "stats.bpf.h"
#include "trace.h"

STATS_MAP(stats, TRACE_STAT_CNT);

static __always_inline void stat_inc(__u32 slot)
{
	stats_inc(&stats, slot);
}

static __always_inline void stat_dec(__u32 slot)
{
	stats_add(&stats, slot, -1);
}

/* The arguments a hit needs read (bit n: argument n): every one for events. */
const volatile __u16 need_args = 0xffff;
/*
 * Whether it needs its time, its pid and tid, and its command name: aggregates mostly do not,
 * and save the helper calls.
 */
const volatile bool need_time = true;
const volatile bool need_pid = true;
const volatile bool need_comm = true;
const volatile bool need_stack;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1); /* sized by usdtctl with --stack */
	__uint(map_flags, BPF_F_STACK_BUILD_ID);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, STACK_DEPTH * sizeof(struct bpf_stack_build_id));
} stacks SEC(".maps");

/*
 * Fills the header of e and the arguments need_args names (of the site's spec); unreadable
 * ones set err_mask.
 */
static __always_inline void read_args(struct pt_regs *ctx, const struct usdt_fetch_spec *spec,
				      struct trace_event *e, __u32 id)
{
	__u64 pid_tgid = need_pid ? bpf_get_current_pid_tgid() : 0;
	int cnt = spec ? spec->arg_cnt : 0;

	e->time_ns = need_time ? bpf_ktime_get_ns() : 0;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->probe_id = id;
	e->err_mask = 0;
	e->str_mask = 0;
	e->trunc_mask = 0;
	e->data_len = 0;
	if (need_comm)
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stack_id = -1;
	if (need_stack) {
		e->stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
		if (e->stack_id < 0)
			stat_inc(TRACE_STAT_NO_STACK);
	}
	if (cnt < 0)
		cnt = 0;
	if (cnt > USDT_MAX_ARGS)
		cnt = USDT_MAX_ARGS;
	e->arg_cnt = cnt;
	for (int i = 0; i < USDT_MAX_ARGS && i < cnt; i++) {
		long v = 0;

		if (!(need_args & (1 << i)))
			continue;
		if (__usdt_arg_of(ctx, spec, i, &v)) {
			e->err_mask |= 1 << i;
			v = 0;
		}
		e->args[i] = v;
	}
}

/*
 * Reads string argument i of e (as cfg types it) into dst, which has room for max + 2 bytes.
 * Returns its length (at most max, no NUL counted), or -1 when argument i is not a string of
 * this probe or cannot be read. Sets *cut when it was truncated.
 */
static __always_inline long read_str(char *dst, const struct trace_event *e,
				     const struct trace_probe_cfg *cfg, int i, __u32 max, bool *cut)
{
	__u16 bit = 1 << i;
	const void *src;
	long n;

	if (i >= USDT_MAX_ARGS || i >= e->arg_cnt || !((cfg->str_mask | cfg->strn_mask) & bit) ||
	    (e->err_mask & bit))
		return -1;
	src = (const void *)e->args[i];
	/* a counted string needs its length argument; without it, read up to a NUL */
	if ((cfg->strn_mask & bit) && i + 1 < e->arg_cnt && !(e->err_mask & (bit << 1))) {
		__u64 len = e->args[i + 1];

		if (len > max) {
			len = max;
			*cut = true;
		}
		return bpf_probe_read_user(dst, len, src) ? -1 : (long)len;
	}
	/* one char more than kept, and the NUL: a longer string fills all of it */
	n = bpf_probe_read_user_str(dst, max + 2, src);
	if (n <= 0)
		return -1;
	n--;
	if (n > max) {
		n = max;
		*cut = true;
	}
	return n;
}

#endif /* USDTCTL_TRACE_ARGS_BPF_H */
