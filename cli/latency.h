/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl latency: the time from a START hit to the END hit that matches it, on the tracer of
 * usdtctl trace (mode TRACE_MODE_LATENCY): which probes are STARTs and ENDs, slow pairs as
 * they complete, and what was left open at the end.
 */
#ifndef USDTCTL_LATENCY_H
#define USDTCTL_LATENCY_H

#include <linux/types.h>

#include "analysis.h"
#include "trace.h"
#include "trace_output.h"
#include "trace_scan.h"

/* LAT_START and/or LAT_END: which of the START (pattern 0) and END (1) patterns match f. */
__u16 latency_role(const struct trace_scan *sc, const struct found_probe *f);

/* A pair's START as an event: the header, and room for the one string a --by key keeps. */
struct lat_event {
	struct trace_event e;
	char data[AGG_KEY_STRS * AGG_STR_MAX];
};

/*
 * The START of pair s (with d its probe) as an event at s's END, on END's thread: numbers as
 * they were; a string argument by the contents a --by key kept, other strings as unreadable
 * (their memory may be gone by the END).
 */
void latency_pair_event(const struct analysis *a, const struct trace_probe_desc *d,
			const struct lat_slow *s, struct lat_event *ev);
/* --slower, text: the column header. */
void latency_out_slow_header(struct trace_out *o);
/* --slower: one pair (a struct lat_slow record from the ring buffer). */
void latency_out_slow(struct trace_out *o, const struct analysis *a, const void *data, size_t size);
/*
 * At the end: STARTs still open, ENDs without a START, nesting past LAT_DEPTH, STARTs with no
 * pair key (by_thread: --pair tid, whose STARTs live in the thread's storage).
 */
void latency_report(struct trace_out *o, int stats_fd, bool by_thread);
/* A --slower DURATION: "10ms", "500us", "1.5s", "200ns"; a bare number is milliseconds. */
int latency_parse_duration(const char *s, __u64 *ns);

#endif /* USDTCTL_LATENCY_H */
