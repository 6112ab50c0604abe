/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Histograms of the aggregates (--hist, --lhist, latency): their buckets, in text and JSON. */
#ifndef USDTCTL_HISTOGRAM_H
#define USDTCTL_HISTOGRAM_H

#include <stdio.h>
#include <linux/types.h>

#include "cli.h"
#include "trace.h"

/* slot[c->slots] as bpftrace prints hist() and lhist(): from the first non-empty bucket to the
 * last, each "label count |@@@...|", then an empty line. */
void hist_print_text(FILE *f, const struct agg_cfg *c, const __u64 *slot);
/* The array [{"ge", "lt", "count"}, ...] of the non-empty buckets; open ends are -2^63, 2^63. */
void hist_print_json(struct json *j, const struct agg_cfg *c, const __u64 *slot);

#endif /* USDTCTL_HISTOGRAM_H */
