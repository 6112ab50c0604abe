/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracer (cli/tracer.h) into the exporters, for every command built on it: --prometheus
 * serves the engine's BPF maps at each scrape (cli/trace_metrics.c over cli/http_server.c and
 * cli/prometheus.c); --perfetto writes the hits as instants, latency's pairs as slices and -i
 * counts as counter tracks (cli/perfetto.c). A command gets both by reading its options with
 * tracer_getopt() (cli/tracer.h), which hands them to trace_export_option().
 */
#ifndef USDTCTL_TRACE_EXPORT_H
#define USDTCTL_TRACE_EXPORT_H

#include <stddef.h>
#include <linux/types.h>

#include "perfetto.h"
#include "trace_output.h"
#include "trace_scan.h"
#include "tracer.h"


/* What scrapes read: the tracer's maps (each -1 when the run has none). */
struct trace_export_maps {
	int counts;  /* per probe id, per CPU */
	int stats;   /* enum trace_stat, per CPU */
	int agg;     /* aggregates and latency: struct agg_key -> per-CPU struct agg_val */
	int agg_arr; /* the same keyed by the probe alone, agg_arr_probes probe ids (else 0) */
	__u32 agg_arr_probes;
	int stacks; /* --by stack */
};

struct trace_export {
	struct http_server *http;
	struct perfetto *pf;
	struct slice_order *slices; /* latency --perfetto */
	const char *pf_path;
	/* what a scrape reads, from trace_export_start() on */
	const struct trace_opts *o;
	const struct trace_out *out;
	const struct trace_scan *sc;
	struct trace_export_maps maps;
	/* one row per provider:name, whichever objects its probe ids are in */
	size_t *row_of;	   /* probe id -> row */
	size_t *row_probe; /* row -> one of its probe ids, for the names */
	size_t row_cnt;
	__u64 *row_sum;	      /* scratch: a row's total */
	__u64 *row_shown;     /* --perfetto --count: the total at the last counter value */
	__u64 *counter_track; /* --perfetto --count: a counter track per row */
	char **labels;	      /* --perfetto: "provider:name" per probe id */
	size_t label_cnt;
	/* probes set up at the start: the rows (probes armed later, following processes: events) */
	size_t probe_cnt;
};

/* --prometheus ADDR, --perfetto FILE into o: 0, or 1 when opt is neither. */
int trace_export_option(struct trace_opts *o, int opt, const char *arg);
/*
 * After the options (o->count and the analysis checked): the exporters' combinations. 0 or a
 * usage error's exit code (reported).
 */
int trace_export_check(const struct trace_opts *o);

/*
 * Binds the --prometheus address and creates the --perfetto file (either may be unset): first,
 * so that a busy address fails before anything is attached. Reports errors (cli_error).
 */
int trace_export_open(struct trace_export *x, const struct trace_opts *o);
/*
 * Once the probes are set up: what scrapes read (the probes, the attached links and the
 * maps), the rows and tracks. start_ns is the trace's start (CLOCK_MONOTONIC).
 */
int trace_export_start(struct trace_export *x, const struct trace_out *out,
		       const struct trace_scan *sc, const struct trace_export_maps *maps,
		       __u64 start_ns);
/* The server's epoll fd for the poll loop, or -1; its next deadline (ms, -1 none). */
int trace_export_fd(const struct trace_export *x);
int trace_export_timeout_ms(const struct trace_export *x);
/* Serves what is waiting, without blocking. */
void trace_export_work(struct trace_export *x);
/*
 * --perfetto: one ring buffer record, a hit (struct trace_event) or with latency a pair
 * (struct lat_slow); counted as malformed in out when it does not parse.
 */
void trace_export_record(struct trace_export *x, struct trace_out *out, const void *data,
			 size_t size);
/* --perfetto --count: the counts since the last call at ts_ns (counts: totals per probe id). */
void trace_export_counts(struct trace_export *x, const __u64 *counts, __u64 ts_ns);
/*
 * --perfetto, for commands whose hits open and close spans in time order on their thread
 * (flow: a function's entry and return): a slice named name (e's probe when NULL), with e's
 * arguments, begins at e's time on e's thread; the innermost one open there ends at e's time.
 */
void trace_export_slice_begin(struct trace_export *x, const struct trace_event *e,
			      const char *name);
void trace_export_slice_end(struct trace_export *x, const struct trace_event *e);
/* Stops serving and closes the Perfetto file: 0, or reports a failed write (cli_error). */
int trace_export_close(struct trace_export *x);
void trace_export_free(struct trace_export *x);

/* A scrape's body (cli/trace_metrics.c): the maps as they are now. 0 or -errno. */
int trace_metrics_write(const struct trace_export *x, FILE *body);

#endif /* USDTCTL_TRACE_EXPORT_H */
