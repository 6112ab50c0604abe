/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What trace (and latency) do in BPF beyond sending events: --filter and the aggregates. Their
 * options, their checks against the probes' argument types, and the tracer's configuration.
 */
#ifndef USDTCTL_ANALYSIS_H
#define USDTCTL_ANALYSIS_H

#include <stdbool.h>

#include "aggregate.h"
#include "filter.h"
#include "trace.skel.h"

/* getopt values of the analysis options */
enum {
	OPT_FILTER = 0x200,
	OPT_BY,
	OPT_STATS,
	OPT_HIST,
	OPT_LHIST,
	OPT_TOP,
	OPT_MAX_KEYS,
	OPT_STACK,
	OPT_FOLDED,
};

/* clang-format off */
#define ANALYSIS_LONGOPTS						\
	{"filter", required_argument, NULL, OPT_FILTER},		\
	{"by", required_argument, NULL, OPT_BY},			\
	{"stats", required_argument, NULL, OPT_STATS},			\
	{"hist", required_argument, NULL, OPT_HIST},			\
	{"lhist", required_argument, NULL, OPT_LHIST},			\
	{"top", required_argument, NULL, OPT_TOP},			\
	{"max-keys", required_argument, NULL, OPT_MAX_KEYS},		\
	{"stack", no_argument, NULL, OPT_STACK},			\
	{"folded", no_argument, NULL, OPT_FOLDED}
/* clang-format on */

struct analysis {
	const char *cmd;
	const char *filter_expr;
	struct filter_prog filter;
	struct filter_info finfo;
	struct agg_opts agg;
	bool count;  /* --count */
	bool stack;  /* --stack: in events; or "stack" among the --by keys */
	bool folded; /* --folded */
	/* usdtctl latency */
	bool latency;
	struct lat_cfg lat;
	const char *start, *end; /* the START and END patterns */
};

/* One of the options above: 0, or a usage error's exit code (reported). */
int analysis_option(struct analysis *a, int opt, const char *arg);
/* After the options: the combinations that make sense. 0 or a usage error's exit code. */
int analysis_check(struct analysis *a, bool interval);
/* Whether hits are aggregated per key (else counted per probe, or sent as events). */
bool analysis_aggregates(const struct analysis *a);
/*
 * Before the load: the tracer's mode, filter, aggregate keys and map sizes, for probe_cap probe
 * ids. 0 or -errno.
 */
int analysis_configure(const struct analysis *a, struct trace *skel, __u32 probe_cap);
/* Once the probes and their types are known: 0, or a usage error's exit code. */
int analysis_check_probes(const struct analysis *a, const struct trace_probe_desc *probes,
			  size_t cnt);

#endif /* USDTCTL_ANALYSIS_H */
