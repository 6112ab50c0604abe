/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl latency: pairs each END with the innermost open START of its pair key (struct
 * lat_stack in trace.h) and aggregates the time between them; --slower sends slow pairs,
 * --perfetto all of them. A thread's stack is its task's local storage (no hashing, and it
 * goes with the thread); a process's or an argument's is an entry of the lat_open hash.
 */
#ifndef USDTCTL_TRACE_LATENCY_BPF_H
#define USDTCTL_TRACE_LATENCY_BPF_H

#include "trace_agg.bpf.h"

const volatile struct lat_cfg lat;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_OPEN);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory for the pair keys in use only */
	__type(key, __u64);
	__type(value, struct lat_stack);
} lat_open SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lat_stack);
} lat_task SEC(".maps");

/* an empty stack, to insert a new pair key */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_stack);
} lat_empty SEC(".maps");

/* The open STARTs of pair key pk (the thread's own with --pair tid); create makes them. */
static __always_inline struct lat_stack *lat_stack_of(__u64 pk, bool create)
{
	struct lat_stack *st;
	__u32 zero = 0;
	void *empty;

	if (lat.pair == LAT_PAIR_TID)
		return bpf_task_storage_get(&lat_task, bpf_get_current_task_btf(), NULL,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	st = bpf_map_lookup_elem(&lat_open, &pk);
	if (st || !create)
		return st;
	empty = bpf_map_lookup_elem(&lat_empty, &zero);
	if (!empty)
		return NULL;
	bpf_map_update_elem(&lat_open, &pk, empty, BPF_NOEXIST); /* or another CPU did */
	return bpf_map_lookup_elem(&lat_open, &pk);
}

/* The frame a START opens on st (the caller fills it, then counts it in depth), or NULL. */
static __always_inline struct lat_frame *lat_open_frame(struct lat_stack *st)
{
	if (!st) {
		stat_inc(TRACE_STAT_NO_PAIR);
		return NULL;
	}
	stat_inc(TRACE_STAT_OPEN);
	if (st->depth >= LAT_DEPTH) {
		st->skipped++;
		stat_inc(TRACE_STAT_OVERFLOW);
		return NULL;
	}
	return &st->f[st->depth & (LAT_DEPTH - 1)];
}

/* The innermost open START an END closes on st, or NULL (none, or one nested too deep). */
static __always_inline struct lat_frame *lat_close_frame(struct lat_stack *st)
{
	if (!st || (!st->depth && !st->skipped)) {
		stat_inc(TRACE_STAT_UNPAIRED);
		return NULL;
	}
	stat_dec(TRACE_STAT_OPEN);
	if (st->skipped) {
		st->skipped--;
		return NULL;
	}
	st->depth--;
	return &st->f[st->depth & (LAT_DEPTH - 1)];
}

static __always_inline void lat_start(const struct trace_event *e,
				      const struct trace_probe_cfg *cfg, __u64 pk)
{
	struct lat_stack *st = lat_stack_of(pk, true);
	struct lat_frame *f = lat_open_frame(st);

	if (!f)
		return;
	f->probe_id = e->probe_id;
	f->arg_cnt = e->arg_cnt;
	f->err_mask = e->err_mask;
	if (lat.send_pairs) /* a pair sent shows them */
		__builtin_memcpy(f->args, e->args, sizeof(f->args));
	agg_build_key(&f->key, e, cfg);
	/* last: the pair's time leaves out the key's string read */
	f->start_ns = bpf_ktime_get_ns();
	st->depth++;
}

static __always_inline void lat_end(const struct trace_event *e, __u64 pk, void *events)
{
	__u64 now = bpf_ktime_get_ns(), dur;
	struct lat_stack *st = lat_stack_of(pk, false);
	struct lat_frame *f = lat_close_frame(st);
	struct lat_slow *slow;

	if (!f)
		return;
	dur = now - f->start_ns;
	f->key.gen = gen;
	/* times in ns, histogram buckets in microseconds */
	agg_add(&f->key, dur, dur / 1000);
	if (lat.send_pairs && dur >= lat.slower_ns) {
		slow = bpf_ringbuf_reserve(events, sizeof(*slow), 0);
		if (slow) {
			slow->time_ns = now;
			slow->duration_ns = dur;
			slow->pid = e->pid;
			slow->tid = e->tid;
			slow->depth = st->depth;
			slow->pad = 0;
			__builtin_memcpy(slow->comm, e->comm, sizeof(slow->comm));
			__builtin_memcpy(&slow->start, f, sizeof(*f));
			bpf_ringbuf_submit(slow, 0);
		} else {
			stat_inc(TRACE_STAT_LOST);
		}
	}
	/* no START open: the entry goes (a request id is not seen again, a pid may be reused) */
	if (lat.pair != LAT_PAIR_TID && !st->depth && !st->skipped)
		bpf_map_delete_elem(&lat_open, &pk);
}

/*
 * A hit of START or END (probe id) by thread, timed per START probe alone, with no filter and
 * no pair to send: no event read, the time straight into the array.
 */
static __always_inline void lat_probe_hit(const struct trace_probe_cfg *cfg, __u32 id)
{
	struct lat_stack *st;
	struct lat_frame *f;
	struct agg_val *val;
	__u64 now, dur;

	if (!cfg)
		return;
	if (cfg->role & LAT_START) {
		st = lat_stack_of(0, true);
		f = lat_open_frame(st);
		if (!f)
			return;
		f->key.probe_id = id;
		f->start_ns = bpf_ktime_get_ns();
		st->depth++;
	} else if (cfg->role & LAT_END) {
		now = bpf_ktime_get_ns();
		f = lat_close_frame(lat_stack_of(0, false));
		if (!f)
			return;
		dur = now - f->start_ns;
		val = agg_arr_val(f->key.probe_id, gen);
		if (val)
			agg_val_add(val, dur, dur / 1000);
	}
}

static __always_inline void lat_hit(const struct trace_event *e, const struct trace_probe_cfg *cfg,
				    void *events)
{
	__u64 pk;

	if (!cfg)
		return;
	if (lat.pair == LAT_PAIR_TID) {
		pk = e->tid;
	} else if (lat.pair == LAT_PAIR_PID) {
		pk = e->pid;
	} else if (lat.pair_arg < USDT_MAX_ARGS && lat.pair_arg < e->arg_cnt &&
		   !(e->err_mask & (1 << lat.pair_arg))) {
		pk = e->args[lat.pair_arg];
	} else {
		stat_inc(TRACE_STAT_NO_PAIR);
		return;
	}
	if (cfg->role & LAT_START)
		lat_start(e, cfg, pk);
	else if (cfg->role & LAT_END)
		lat_end(e, pk, events);
}

#endif /* USDTCTL_TRACE_LATENCY_BPF_H */
