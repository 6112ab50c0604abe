// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace's tracer: one program serves every attached probe. It counts per probe id
 * (--count), or sends each hit with its decoded arguments, and the user strings its probe's
 * type list asks for, through one ring buffer. Drops are counted, never silent.
 */
#include <stdbool.h>

#include "usdt.bpf.h"
#include "trace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* --count: count per probe id instead of sending events */
const volatile bool count_only;
/* set by usdtctl once every link is attached and probe_cfg is filled: the trace starts */
bool ready;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* sized by usdtctl before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* one slot per probe id, sized before load */
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one slot per probe id, sized before load */
	__type(key, __u32);
	__type(value, struct trace_probe_cfg);
} probe_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_STAT_CNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Events with strings are built here, then copied to the ring buffer at their real size. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, sizeof(struct trace_event) + TRACE_DATA_MAX);
} scratch SEC(".maps");

static __always_inline void stat_inc(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);

	if (v)
		*v += 1;
}

/* Wake the reader only when a batch is waiting: see TRACE_WAKEUP_BYTES. */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= TRACE_WAKEUP_BYTES
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

static __always_inline void read_args(struct pt_regs *ctx, struct trace_event *e, __u32 id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	int cnt = usdt_arg_cnt(ctx);

	e->time_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->probe_id = id;
	e->err_mask = 0;
	e->str_mask = 0;
	e->trunc_mask = 0;
	e->data_len = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (cnt < 0)
		cnt = 0;
	if (cnt > USDT_MAX_ARGS)
		cnt = USDT_MAX_ARGS;
	e->arg_cnt = cnt;
	for (int i = 0; i < USDT_MAX_ARGS && i < cnt; i++) {
		long v = 0;

		if (usdt_arg(ctx, i, &v)) {
			e->err_mask |= 1 << i;
			v = 0;
		}
		e->args[i] = v;
	}
}

/* Reads one string into dst; returns its length or < 0. Sets *cut when it was truncated. */
static __always_inline long read_str(char *dst, const struct trace_event *e, int i, bool counted,
				     bool *cut)
{
	const void *src = (const void *)e->args[i];
	long n;

	if (counted) {
		__u64 len = e->args[i + 1];

		if (len > TRACE_STR_MAX) {
			len = TRACE_STR_MAX;
			*cut = true;
		}
		return bpf_probe_read_user(dst, len, src) ? -1 : (long)len;
	}
	/* one char more than kept, and the NUL: a longer string fills all of it */
	n = bpf_probe_read_user_str(dst, TRACE_STR_MAX + 2, src);
	if (n <= 0)
		return -1;
	n--;
	if (n > TRACE_STR_MAX) {
		n = TRACE_STR_MAX;
		*cut = true;
	}
	return n;
}

/* Appends the string arguments cfg names to e->data; returns the bytes used. */
static __always_inline __u32 read_strings(struct trace_event *e, const struct trace_probe_cfg *cfg)
{
	__u32 pos = 0;

	for (int i = 0; i < USDT_MAX_ARGS && i < e->arg_cnt; i++) {
		__u16 bit = 1 << i;
		bool counted, cut = false;
		long n;

		if (!((cfg->str_mask | cfg->strn_mask) & bit) || (e->err_mask & bit))
			continue;
		if (pos > TRACE_DATA_MAX - (TRACE_STR_MAX + 2))
			break;
		/* a counted string needs its length argument; without it, read up to a NUL */
		counted =
			(cfg->strn_mask & bit) && i + 1 < e->arg_cnt && !(e->err_mask & (bit << 1));
		n = read_str(e->data + pos, e, i, counted, &cut);
		if (n < 0) {
			e->err_mask |= bit;
			continue;
		}
		e->args[i] = n;
		e->str_mask |= bit;
		if (cut)
			e->trunc_mask |= bit;
		pos += n;
	}
	e->data_len = pos;
	return pos;
}

SEC("uprobe")
int usdtctl_trace(struct pt_regs *ctx)
{
	const struct trace_probe_cfg *cfg;
	struct trace_event *e;
	__u32 id, zero = 0, len;

	if (!ready)
		return 0;
	id = usdt_probe_id(ctx);
	if (count_only) {
		__u64 *c = bpf_map_lookup_elem(&counts, &id);

		if (c)
			*c += 1;
		else
			stat_inc(TRACE_STAT_BAD_ID);
		return 0;
	}
	cfg = bpf_map_lookup_elem(&probe_cfg, &id);
	if (!cfg || !(cfg->str_mask | cfg->strn_mask)) {
		/* no strings: build the event in place */
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			stat_inc(TRACE_STAT_LOST);
			return 0;
		}
		read_args(ctx, e, id);
		bpf_ringbuf_submit(e, wakeup_flags());
		return 0;
	}
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	read_args(ctx, e, id);
	len = read_strings(e, cfg);
	if (bpf_ringbuf_output(&events, e, sizeof(*e) + len, wakeup_flags()))
		stat_inc(TRACE_STAT_LOST);
	return 0;
}
