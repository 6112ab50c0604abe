/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl's tracer: aggregates (--count --by, --stats, --hist, --lhist). Each hit builds its key
 * (struct agg_key) and updates its per-CPU value in the "agg" hash: only results cross into
 * userspace, which merges the CPUs and reads each -i interval's keys. Keyed by the probe alone
 * (no --by), the value is a slot of the "agg_arr" array instead: no hashing, no lookup.
 */
#ifndef USDTCTL_TRACE_AGG_BPF_H
#define USDTCTL_TRACE_AGG_BPF_H

#include "trace_args.bpf.h"

const volatile struct agg_cfg agg;
/* the -i interval hits count in; usdtctl moves it on, then reads the older keys */
__u32 gen;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, AGG_DEF_KEYS);	    /* --max-keys */
	__uint(key_size, sizeof(struct agg_key));   /* agg_cfg.key_size: the parts used */
	__uint(value_size, sizeof(struct agg_val)); /* sized by usdtctl: the histogram's slots */
} agg_map SEC(".maps");

/*
 * Aggregates keyed by the probe alone: per probe id, a slot for each of two -i intervals
 * (agg_key.gen & 1), when usdtctl sized it (agg_arr_probes probe ids; 0: the hash is used).
 */
const volatile __u32 agg_arr_probes;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* 2 * agg_arr_probes */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct agg_val)); /* as agg_map's */
} agg_arr SEC(".maps");

/* zeros of the agg_map value size, to insert a new key */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, sizeof(struct agg_val));
} agg_zero SEC(".maps");

/* a key is built here; read_str() writes up to 2 bytes past a full string */
struct agg_scratch {
	struct agg_key k;
	char spill[8];
};

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	return r + (v >> 1);
}

/* The histogram bucket of v: see AGG_LOG2_SLOTS and struct agg_cfg. */
static __always_inline __u32 agg_slot(__s64 v)
{
	if (agg.value == AGG_VALUE_LOG2)
		return v < 0 ? 0 : v == 0 ? 1 : 2 + log2_u64(v);
	if (v < agg.lmin)
		return 0;
	if (v >= agg.lmax)
		return agg.slots - 1;
	return 1 + (__u64)(v - agg.lmin) / (__u64)agg.lstep;
}

/* The key of e's hit into k: probe, interval, and each --by part where agg_cfg places it. */
static __always_inline void agg_build_key(struct agg_key *k, const struct trace_event *e,
					  const struct trace_probe_cfg *cfg)
{
	__builtin_memset(k, 0, AGG_KEY_HDR_SIZE);
	/* only the key's bytes: the map hashes key_size, the verifier drops the stores past it */
	for (int i = 0; i < AGG_DATA_MAX / 8; i++) {
		if (i * 8 >= agg.key_size - AGG_KEY_HDR_SIZE)
			break;
		((__u64 *)k->data)[i] = 0;
	}
	k->probe_id = e->probe_id;
	k->gen = gen;
	for (int i = 0; i < AGG_MAX_BY && i < agg.by_cnt; i++) {
		__u8 part = agg.by[i].part, n = agg.by[i].arg;
		__u32 off = agg.by[i].off;
		__u32 soff = agg.str_off + agg.by[i].str * AGG_STR_MAX;
		bool cut = false;
		__u64 v = 0;
		long len;

		if (part == AGG_PART_COMM) {
			if (agg.comm_off <= AGG_DATA_MAX - TRACE_COMM_LEN)
				__builtin_memcpy(k->data + agg.comm_off, e->comm, TRACE_COMM_LEN);
			continue;
		}
		if (part == AGG_PART_PID) {
			v = e->pid;
		} else if (part == AGG_PART_TID) {
			v = e->tid;
		} else if (part == AGG_PART_STACK) {
			v = e->stack_id;
			if (e->stack_id < 0)
				k->err_mask |= 1 << i;
		} else if (n >= USDT_MAX_ARGS || n >= e->arg_cnt || (e->err_mask & (1 << n))) {
			k->err_mask |= 1 << i;
		} else if (cfg && ((cfg->str_mask | cfg->strn_mask) & (1 << n)) &&
			   agg.by[i].str < AGG_KEY_STRS && soff <= AGG_DATA_MAX - AGG_STR_MAX) {
			/* a string keys by its contents, in its own room of the key */
			len = read_str(k->data + soff, e, cfg, n, AGG_STR_MAX, &cut);
			if (len < 0)
				k->err_mask |= 1 << i;
			else
				v = len;
			/* the char read past a cut string lands in the next room: zeroed */
			if (cut) {
				k->trunc |= 1 << i;
				k->data[soff + AGG_STR_MAX] = 0;
			}
		} else {
			v = e->args[n];
		}
		if (off <= AGG_DATA_MAX - sizeof(v))
			__builtin_memcpy(k->data + off, &v, sizeof(v));
	}
}

/* Whether the value argument is one of a probe's arg_cnt. */
static __always_inline bool agg_value_arg_in(int arg_cnt)
{
	return agg.value_arg < USDT_MAX_ARGS && agg.value_arg < arg_cnt;
}

/* The value of key k: a new key first, while there is room. NULL when there is none. */
static __always_inline struct agg_val *agg_hash_val(const struct agg_key *k)
{
	struct agg_val *val = bpf_map_lookup_elem(&agg_map, k);
	__u32 zero = 0;
	void *init;
	long err;

	if (val)
		return val;
	init = bpf_map_lookup_elem(&agg_zero, &zero);
	if (!init)
		return NULL;
	err = bpf_map_update_elem(&agg_map, k, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU added it */) {
		stat_inc(TRACE_STAT_DROPPED);
		return NULL;
	}
	return bpf_map_lookup_elem(&agg_map, k);
}

/* The array's slot of probe id in interval g, when the aggregates are keyed by the probe alone. */
static __always_inline struct agg_val *agg_arr_val(__u32 id, __u32 g)
{
	__u32 slot = (g & 1) * agg_arr_probes + id;
	struct agg_val *val = id < agg_arr_probes ? bpf_map_lookup_elem(&agg_arr, &slot) : NULL;

	if (!val)
		stat_inc(TRACE_STAT_DROPPED);
	return val;
}

/* Adds v (histogram bucket by slot_v) to val. */
static __always_inline void agg_val_add(struct agg_val *val, __s64 v, __s64 slot_v)
{
	__u32 slot;

	if (!val->count || v < val->min)
		val->min = v;
	if (!val->count || v > val->max)
		val->max = v;
	val->count++;
	val->sum += v;
	if (agg.value == AGG_VALUE_LOG2 || agg.value == AGG_VALUE_LINEAR) {
		slot = agg_slot(slot_v);
		if (slot < agg.slots)
			val->slot[slot]++;
	}
}

/* Adds v (histogram bucket by slot_v) to key k's value. */
static __always_inline void agg_add(const struct agg_key *k, __s64 v, __s64 slot_v)
{
	struct agg_val *val = agg_arr_probes ? agg_arr_val(k->probe_id, k->gen) : agg_hash_val(k);

	if (val)
		agg_val_add(val, v, slot_v);
}

/*
 * A hit of probe id keyed by the probe alone, with no filter: its value read straight from
 * the site's registers or memory, without the event other hits are read into.
 */
static __always_inline void agg_probe_hit(void *ctx, const struct usdt_fetch_spec *spec, __u32 id)
{
	struct agg_val *val;
	long v = 0;

	/* without --by the aggregate is a value's: --stats, --hist or --lhist */
	if (!spec || !agg_value_arg_in(spec->arg_cnt) ||
	    __usdt_arg_of(ctx, spec, agg.value_arg, &v)) {
		stat_inc(TRACE_STAT_NO_VALUE);
		return;
	}
	val = agg_arr_val(id, gen);
	if (val)
		agg_val_add(val, v, v);
}

static __always_inline void agg_hit(const struct trace_event *e, const struct trace_probe_cfg *cfg)
{
	/*
	 * On the stack, not in a map: hardened usercopy checks a string read's destination, and a
	 * stack one passes at once where a map value goes through the heap-object checks
	 */
	struct agg_scratch sc;
	__s64 v = 0;

	if (agg.value != AGG_VALUE_NONE) {
		if (!agg_value_arg_in(e->arg_cnt) || (e->err_mask & (1 << agg.value_arg))) {
			stat_inc(TRACE_STAT_NO_VALUE);
			return;
		}
		v = e->args[agg.value_arg];
	}
	agg_build_key(&sc.k, e, cfg);
	agg_add(&sc.k, v, v);
}

#endif /* USDTCTL_TRACE_AGG_BPF_H */
