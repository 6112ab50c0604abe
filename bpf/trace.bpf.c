// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace's tracer: one program serves every attached probe. Each hit that passes
 * --filter is counted per probe id (--count), aggregated per key (--by, --stats, --hist),
 * paired with its START or END (usdtctl latency), or sent with its decoded arguments, and the user
 * strings its probe's type list asks for, through one ring buffer. Drops are counted, never silent.
 */
#include <stdbool.h>

#include "usdt.bpf.h"
#include "trace.h"
#include "trace_args.bpf.h"
#include "trace_filter.bpf.h"
#include "trace_agg.bpf.h"
#include "trace_latency.bpf.h"
#include "follow_filter.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u8 mode = TRACE_MODE_EVENTS; /* enum trace_mode */
/* --strlen: bytes kept of a string argument in events, at most TRACE_STRLEN_MAX */
const volatile __u32 str_max = TRACE_STR_MAX;
/* set by usdtctl once every link is attached and probe_cfg is filled: the trace starts */
bool ready;
/* some probes are attached for their semaphores only: every hit looks up its probe's role */
const volatile bool quiet_probes;
/*
 * Aggregates keyed by the probe alone in the array, no filter, no stack, no pair sent (and
 * latency by thread): see agg_probe_hit() and lat_probe_hit().
 */
const volatile bool agg_lean;

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

/* Hits are read here, then copied to the ring buffer at their real size. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, sizeof(struct trace_event) + TRACE_DATA_MAX);
} scratch SEC(".maps");

/* Wake the reader only when a batch is waiting: see TRACE_WAKEUP_BYTES. */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= TRACE_WAKEUP_BYTES
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* Appends the string arguments cfg names to e->data; returns the bytes used. */
static __always_inline __u32 read_strings(struct trace_event *e, const struct trace_probe_cfg *cfg)
{
	__u32 pos = 0;

	for (int i = 0; i < USDT_MAX_ARGS && i < e->arg_cnt; i++) {
		__u16 bit = 1 << i;
		bool cut = false;
		long n;

		if (!((cfg->str_mask | cfg->strn_mask) & bit) || (e->err_mask & bit))
			continue;
		if (str_max > TRACE_STRLEN_MAX || pos > TRACE_DATA_MAX - (str_max + 2))
			break;
		n = read_str(e->data + pos, e, cfg, i, str_max, &cut);
		if (n < 0) {
			e->err_mask |= bit;
			continue;
		}
		e->args[i] = n; /* a string's argument holds its length in data */
		e->str_mask |= bit;
		if (cut)
			e->trunc_mask |= bit;
		pos += n;
	}
	e->data_len = pos;
	return pos;
}

static __always_inline void count_hit(__u32 id)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &id);

	if (c)
		*c += 1;
	else
		stat_inc(TRACE_STAT_BAD_ID);
}

SEC("uprobe")
int usdtctl_trace(struct pt_regs *ctx)
{
	const struct usdt_fetch_spec *spec;
	const struct trace_probe_cfg *cfg;
	struct trace_event *e;
	__u32 id, zero = 0, len;

	if (!ready || !follow_pass())
		return 0;
	/* one lookup of the site's spec for the probe id and every argument */
	spec = __usdt_spec(ctx);
	id = spec ? spec->probe_id : USDT_NO_PROBE;
	if (mode == TRACE_MODE_COUNT && !filter.cnt && !quiet_probes) {
		count_hit(id);
		return 0;
	}
	if (agg_lean && !quiet_probes) {
		count_hit(id); /* the total, for the summary and -n */
		if (mode == TRACE_MODE_AGG)
			agg_probe_hit(ctx, spec, id);
		else
			lat_probe_hit(bpf_map_lookup_elem(&probe_cfg, &id), id);
		return 0;
	}
	cfg = bpf_map_lookup_elem(&probe_cfg, &id);
	if (quiet_probes && cfg && (cfg->role & TRACE_ROLE_QUIET))
		return 0;
	if (mode == TRACE_MODE_EVENTS && !filter.cnt &&
	    (!cfg || !(cfg->str_mask | cfg->strn_mask))) {
		/* no strings, no filter: build the event in place */
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			stat_inc(TRACE_STAT_LOST);
			return 0;
		}
		read_args(ctx, spec, e, id);
		bpf_ringbuf_submit(e, wakeup_flags());
		return 0;
	}
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	read_args(ctx, spec, e, id);
	/* latency: the filter picks STARTs; an END closes whichever START is open */
	if (!(mode == TRACE_MODE_LATENCY && cfg && (cfg->role & LAT_END)) && !filter_pass(e, cfg))
		return 0;
	if (mode == TRACE_MODE_COUNT) {
		count_hit(id);
		return 0;
	}
	if (mode == TRACE_MODE_AGG) {
		count_hit(id); /* the total, for the summary and -n */
		agg_hit(e, cfg);
		return 0;
	}
	if (mode == TRACE_MODE_LATENCY) {
		count_hit(id);
		lat_hit(e, cfg, &events);
		return 0;
	}
	len = cfg ? read_strings(e, cfg) : 0;
	if (bpf_ringbuf_output(&events, e, sizeof(*e) + len, wakeup_flags()))
		stat_inc(TRACE_STAT_LOST);
	return 0;
}
