/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl's tracer: --filter, evaluated on each hit before anything is sent or counted. The
 * program is usdtctl's compilation of the expression (struct filter_prog in trace.h).
 */
#ifndef USDTCTL_TRACE_FILTER_BPF_H
#define USDTCTL_TRACE_FILTER_BPF_H

#include "trace_args.bpf.h"

/* the string under comparison, padded so a masked index stays inside */
#define FILTER_BUF_SIZE 256
_Static_assert(FILTER_BUF_SIZE >= TRACE_STR_MAX + 2, "filter buffer room");
_Static_assert((TRACE_STR_MAX & (TRACE_STR_MAX - 1)) == 0, "TRACE_STR_MAX power of two");

const volatile struct filter_prog filter;

/* One glob match in progress: the classic matcher that backtracks to the last '*'. */
struct glob_state {
	__u32 term;
	int si, pi, star, mark, slen, plen;
	int match;
};

/* in a map, not on the stack: the verifier then checks the step once, not each value */
struct filter_buf {
	char s[FILTER_BUF_SIZE];
	struct glob_state g;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_buf);
} filter_str SEC(".maps");

/* One step of the matcher, as a bpf_loop() callback: the verifier checks it once. */
static long glob_step(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct filter_buf *b = bpf_map_lookup_elem(&filter_str, &zero);
	const volatile struct filter_term *t;
	struct glob_state *g;
	char p = 0;

	(void)i;
	(void)unused;
	if (!b)
		return 1;
	g = &b->g;
	t = &filter.term[g->term & (FILTER_MAX_TERMS - 1)];
	if (g->pi < g->plen)
		p = t->glob[g->pi & (TRACE_STR_MAX - 1)];
	if (g->si < g->slen) {
		if (g->pi < g->plen && p == '*') {
			g->star = g->pi++;
			g->mark = g->si;
		} else if (g->pi < g->plen &&
			   (p == '?' || p == b->s[g->si & (FILTER_BUF_SIZE - 1)])) {
			g->si++;
			g->pi++;
		} else if (g->star >= 0) {
			g->pi = g->star + 1;
			g->si = ++g->mark;
		} else {
			return 1;
		}
		return 0;
	}
	if (g->pi < g->plen && p == '*') {
		g->pi++;
		return 0;
	}
	g->match = g->pi == g->plen;
	return 1;
}

/* Term n's glob against the first len bytes of the filter_str buffer. */
static __always_inline bool glob_match(__u32 n, int len)
{
	__u32 zero = 0;
	struct filter_buf *b = bpf_map_lookup_elem(&filter_str, &zero);

	if (!b)
		return false;
	b->g = (struct glob_state){.term = n, .star = -1, .slen = len, .plen = filter.term[n].len};
	/* each step moves on in the string or the pattern, or backtracks one '*' further */
	bpf_loop((TRACE_STR_MAX + 2) * (TRACE_STR_MAX + 2), glob_step, NULL, 0);
	return b->g.match;
}

/* The string term n compares (comm, or a string argument) into filter_str: its length or -1. */
static __always_inline int filter_load_str(const struct trace_event *e,
					   const struct trace_probe_cfg *cfg, __u32 field)
{
	__u32 zero = 0;
	struct filter_buf *b = bpf_map_lookup_elem(&filter_str, &zero);
	bool cut = false;
	int n = 0;

	if (!b)
		return -1;
	if (field == FILTER_COMM) {
		__builtin_memcpy(b->s, e->comm, TRACE_COMM_LEN);
		while (n < TRACE_COMM_LEN && b->s[n])
			n++;
		return n;
	}
	if (!cfg)
		return -1;
	return read_str(b->s, e, cfg, field, TRACE_STR_MAX, &cut);
}

/*
 * Whether term n holds: 1, 0, or -1 when it cannot be decided (an argument it needs could not
 * be read, or is not a string where a string is compared): then the hit fails the filter.
 */
static __always_inline int filter_term(const struct trace_event *e,
				       const struct trace_probe_cfg *cfg, __u32 n)
{
	const volatile struct filter_term *t = &filter.term[n];
	__u32 field = t->field;
	__s64 v;

	if (t->cmp == FILTER_GLOB) {
		int len = filter_load_str(e, cfg, field);

		return len < 0 ? -1 : glob_match(n, len);
	}
	if (field < USDT_MAX_ARGS) {
		if (field >= e->arg_cnt || (e->err_mask & (1 << field)))
			return -1;
		v = e->args[field];
	} else if (field == FILTER_PID) {
		v = e->pid;
	} else if (field == FILTER_TID) {
		v = e->tid;
	} else if (field == FILTER_UID) {
		v = (__u32)bpf_get_current_uid_gid();
	} else if (field == FILTER_CGROUP) {
		v = bpf_get_current_cgroup_id();
	} else {
		return -1;
	}
	if (t->cmp == FILTER_EQ)
		return v == t->value;
	if (t->cmp == FILTER_LT)
		return v < t->value;
	return v <= t->value;
}

/* Whether the hit passes --filter (always, without one). */
static __always_inline bool filter_pass(const struct trace_event *e,
					const struct trace_probe_cfg *cfg)
{
	__u32 n = 0;

	for (int i = 0; i < FILTER_MAX_TERMS; i++) {
		int r;

		if (n >= filter.cnt || n >= FILTER_MAX_TERMS)
			break;
		r = filter_term(e, cfg, n);
		if (r < 0)
			return false;
		n = r ? filter.term[n].jt : filter.term[n].jf;
		if (n == FILTER_PASS)
			return true;
		if (n == FILTER_FAIL)
			return false;
	}
	return filter.cnt == 0;
}

#endif /* USDTCTL_TRACE_FILTER_BPF_H */
