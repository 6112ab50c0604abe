/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* usdtctl trace's output: event lines (text or JSON Lines), counts and the closing summary. */
#ifndef USDTCTL_TRACE_OUTPUT_H
#define USDTCTL_TRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "catalog.h"

/* How a numeric argument is printed, from its spec's sign and its type. */
enum arg_fmt {
	FMT_UNSIGNED,
	FMT_SIGNED,
	FMT_HEX,
};

/* One probe id: what it stands for and how its events print. */
struct trace_probe_desc {
	char *provider;
	char *name;
	char *json_head; /* ,"provider":"..","name":"..","args":[ pre-escaped */
	char *label;	 /* provider:name escaped for text */
	size_t label_len;
	size_t json_head_len;
	int arg_cnt;
	struct arg_types types;
	unsigned char fmt[USDT_MAX_ARGS]; /* enum arg_fmt */
	__u64 shown;			  /* --count: the total at the last report */
	bool quiet;			  /* attached for its semaphore: not shown */
};

struct trace_export;

struct trace_out {
	FILE *f;
	/* --perfetto with an on_event command (flow): where it draws its slices; else NULL */
	struct trace_export *exp;
	bool json;
	__u32 str_max; /* --strlen: the longest string an event holds */
	struct trace_probe_desc *probes;
	size_t probe_cnt;
	__u64 start_ns;		/* CLOCK_MONOTONIC at the start of the trace */
	int label_width;	/* text: width of the PROBE column */
	__u64 malformed;	/* events that did not parse (never expected) */
	struct symbolizer *sym; /* --stack: the frames of the stacks map (stacks_fd) */
	int stacks_fd;
};

/* Fills the names, the escaped text label and pre-escaped JSON of d. Returns 0 or -ENOMEM. */
int trace_desc_init(struct trace_probe_desc *d, const char *provider, const char *name);
void trace_desc_free(struct trace_probe_desc *d);

/* Sizes the columns from o->probes: call once the probes are known. */
void trace_out_prepare(struct trace_out *o);
/* Text mode: the column header line. */
void trace_out_header(struct trace_out *o);
/*
 * Whether a ring buffer record parses: its probe id is known, its strings lie inside it (the
 * lengths come from BPF, but check anyway).
 */
bool trace_event_valid(const struct trace_out *o, const void *data, size_t size);
/* Prints one ring buffer record; counts it in o->malformed when it does not parse. */
void trace_out_event(struct trace_out *o, const void *data, size_t size);

struct trace_event;
/* The arguments of e, as trace_out_event() prints them (JSON: the inside of the array). */
void trace_out_args(struct trace_out *o, const struct trace_event *e);
/*
 * JSON: ,"args_truncated":[N,...], the indexes (in "args") of the strings cut at --strlen
 * bytes; nothing when none was.
 */
void trace_out_truncated(struct trace_out *o, const struct trace_event *e);

/*
 * --count: prints the counts per provider:name gathered since the last call (counts[i] is
 * the running total of probe id i). interval is 1, 2, ... with -i, 0 for a plain total.
 */
void trace_out_counts(struct trace_out *o, const __u64 *counts, int interval);

struct trace_summary {
	__u64 events;
	__u64 lost;
	__u64 duration_ns;
	bool have_status;
	int status; /* -c: the command's wait status */
};

/* The closing summary: text on stderr, or {"summary": {...}} as the last JSON line. */
void trace_out_summary(struct trace_out *o, const struct trace_summary *s);

#endif /* USDTCTL_TRACE_OUTPUT_H */
