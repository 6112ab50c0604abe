/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracer behind usdtctl trace and usdtctl latency: what to attach to and what to do with
 * the hits, then one run (cli/trace.c) from the scan of the objects to the summary.
 */
#ifndef USDTCTL_TRACER_H
#define USDTCTL_TRACER_H

#include <stdbool.h>
#include <sys/types.h>

#include "analysis.h"

struct trace_opts {
	pid_t pid;
	const char *cmd;
	bool follow;	    /* -p --follow: and what it forks and execs from then on */
	const char *cgroup; /* --cgroup PATH|ID */
	bool json;
	bool count; /* no events: counts per probe (--count), aggregates or latency */
	struct analysis an;
	double interval_s;
	double duration_s;
	unsigned long long max_events;
	const char *prometheus; /* --prometheus ADDR */
	const char *perfetto;	/* --perfetto FILE */
	const char *target;
	char **probes;
	int probe_cnt;
};

/* Runs one trace; returns the exit code (errors reported). */
int tracer_main(const struct trace_opts *o);

#endif /* USDTCTL_TRACER_H */
