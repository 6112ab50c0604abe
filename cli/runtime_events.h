/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The lines of usdtctl flow and usdtctl gc, made from the tracer's events: entries and returns
 * indented per thread, and collections paired from their begin and end.
 */
#ifndef USDTCTL_RUNTIME_EVENTS_H
#define USDTCTL_RUNTIME_EVENTS_H

#include "hashmap.h"
#include "runtimes.h"
#include "trace_output.h"

/* At most this many threads are followed at once; the oldest is forgotten for a new one. */
#define RT_EVENT_THREADS 1024
#define RT_FLOW_DEPTH	 64 /* entry times kept per thread; deeper calls show no duration */

struct rt_thread;

/*
 * Per event, O(1): the thread found by hash, the probe's role by its id, the text written into
 * one buffer kept from event to event.
 */
struct rt_events {
	const struct rt_role_entry *role; /* the probes and the key */
	bool json;
	struct rt_thread *threads; /* RT_EVENT_THREADS, allocated at the first event */
	size_t thread_cnt;
	struct usdti_hashmap by_tid; /* pid and tid -> index into threads */
	__u32 newest, oldest;	     /* ends of the threads' list by last use, index + 1 */
	__u8 *first_probe; /* by probe id: 0 not looked at, 1 the role's first probe, 2 not */
	size_t first_probe_cap;
	FILE *scratch; /* memstream of scratch_buf */
	char *scratch_buf;
	size_t scratch_len;
};

/* The header line of the text output (none with --json). */
void rt_flow_header(FILE *f);
void rt_gc_header(FILE *f);
/* tracer_main()'s on_event for flow and gc; ctx is a struct rt_events. */
void rt_flow_event(void *ctx, struct trace_out *o, const struct trace_event *e);
void rt_gc_event(void *ctx, struct trace_out *o, const struct trace_event *e);
void rt_events_free(struct rt_events *ev);

#endif /* USDTCTL_RUNTIME_EVENTS_H */
