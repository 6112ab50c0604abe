/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --filter EXPR: parsed and compiled here into the program the tracer evaluates in BPF (struct
 * filter_prog in bpf/trace.h). See usdtctl(8), FILTERS.
 */
#ifndef USDTCTL_FILTER_H
#define USDTCTL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "trace.h"

struct filter_info {
	__u16 arg_mask; /* the arguments the expression reads */
	__u16 str_mask; /* those it compares with strings */
	bool comm;	/* it reads comm */
};

/*
 * Compiles expr into prog. Returns 0, or -EINVAL with a message in err and the 1-based column
 * it is about in *col.
 */
int filter_compile(const char *expr, struct filter_prog *prog, struct filter_info *info, char *err,
		   size_t err_sz, int *col);

#endif /* USDTCTL_FILTER_H */
