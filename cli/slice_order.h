/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Slices that arrive complete, innermost first (latency's pairs, sent as their END fires), into
 * a Perfetto trace in time order: on a track, a slice begins before the slices nested in it and
 * ends after them. Nested pairs wait until the outermost one around them (depth 0) completes;
 * a pair at depth 0 with nothing waiting goes out at once.
 */
#ifndef USDTCTL_SLICE_ORDER_H
#define USDTCTL_SLICE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "perfetto.h"

#define SLICE_ORDER_MAX 65536 /* pairs waiting for their outermost pair, on all tracks */

struct slice_order;

struct slice_order *slice_order_new(struct perfetto *pf);
/* Writes what still waits (pairs whose outer START never ended), then frees. */
void slice_order_free(struct slice_order *so);

/*
 * One complete slice [begin_ns, end_ns] on track, depth the slices open around it when it
 * ended (0: outermost). category and name must outlive so; args are copied.
 */
void slice_order_add(struct slice_order *so, uint64_t track, uint64_t begin_ns, uint64_t end_ns,
		     unsigned int depth, const char *category, const char *name,
		     const struct perfetto_arg *args, size_t arg_cnt);
/* Slices not written: no room to wait (SLICE_ORDER_MAX), or not nested in their track's. */
uint64_t slice_order_dropped(const struct slice_order *so);

#endif /* USDTCTL_SLICE_ORDER_H */
