/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl trace into the exporters: --prometheus serves trace --count's maps at each scrape
 * (cli/http_server.c, cli/prometheus.c), --perfetto writes the hits, or the -i counts, as a
 * Perfetto trace (cli/perfetto.c).
 */
#ifndef USDTCTL_TRACE_EXPORT_H
#define USDTCTL_TRACE_EXPORT_H

#include <stddef.h>
#include <linux/types.h>

#include "trace_output.h"
#include "trace_scan.h"

struct trace_export {
	struct http_server *http;
	struct perfetto *pf;
	const char *pf_path;
	/* what a scrape reads, from trace_export_start() on */
	const struct trace_out *out;
	size_t probe_cnt; /* probes set up at the start: the rows (armed later: events only) */
	const struct trace_scan *sc;
	int counts_fd;
	int stats_fd;
	/* one row per provider:name, whichever objects its probe ids are in */
	size_t *row_of;	   /* probe id -> row */
	size_t *row_probe; /* row -> one of its probe ids, for the names */
	size_t row_cnt;
	__u64 *row_sum;	      /* scratch: a row's total */
	__u64 *row_shown;     /* --perfetto --count: the total at the last counter value */
	__u64 *counter_track; /* --perfetto --count: a counter track per row */
	char **labels;	      /* --perfetto: "provider:name" per probe id */
};

/*
 * Binds the --prometheus address and creates the --perfetto file (either may be NULL): first,
 * so that a busy address fails before anything is attached. Reports errors (cli_error).
 */
int trace_export_open(struct trace_export *x, const char *prom_addr, const char *perfetto_path);
/*
 * Once the probes are set up: what scrapes read (the counts and stats maps, the probes and the
 * attached links), the rows and tracks. counts_fd is -1 without --count; start_ns is the
 * trace's start (CLOCK_MONOTONIC).
 */
int trace_export_start(struct trace_export *x, const struct trace_out *out,
		       const struct trace_scan *sc, int counts_fd, int stats_fd, __u64 start_ns);
/* The server's epoll fd for the poll loop, or -1; its next deadline (ms, -1 none). */
int trace_export_fd(const struct trace_export *x);
int trace_export_timeout_ms(const struct trace_export *x);
/* Serves what is waiting, without blocking. */
void trace_export_work(struct trace_export *x);
/* --perfetto: one ring buffer record (counted as malformed in out when it does not parse). */
void trace_export_event(struct trace_export *x, struct trace_out *out, const void *data,
			size_t size);
/* --perfetto --count: the counts since the last call at ts_ns (counts: totals per probe id). */
void trace_export_counts(struct trace_export *x, const __u64 *counts, __u64 ts_ns);
/* Stops serving and closes the Perfetto file: 0, or reports a failed write (cli_error). */
int trace_export_close(struct trace_export *x);
void trace_export_free(struct trace_export *x);

#endif /* USDTCTL_TRACE_EXPORT_H */
