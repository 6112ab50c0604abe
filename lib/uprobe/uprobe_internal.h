/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: what the files of the uprobe_multi attach layer share. */
#ifndef USDT_UPROBE_INTERNAL_H
#define USDT_UPROBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "uprobe_multi.h"

/* The sites of one attach request, after name resolution and validation. */
struct usdti_sites {
	const char *path;
	pid_t pid; /* > 0: that process; -1: every process */
	const unsigned long *offsets;
	const unsigned long *ref_ctr_offsets; /* may be NULL */
	const __u64 *cookies;		      /* may be NULL */
	size_t cnt;
	bool retprobe;
};

/*
 * The perf_event path: one uprobe perf event and one BPF_PERF_EVENT link per site.
 * On success *link_fds and *perf_fds are malloc'ed arrays of s->cnt fds each.
 */
int usdti_legacy_attach(int prog_fd, const struct usdti_sites *s, int **link_fds, int **perf_fds);

/* Closes what usdti_legacy_attach() created (fds < 0 are skipped) and frees the arrays. */
void usdti_legacy_detach(int *link_fds, int *perf_fds, size_t cnt);

#endif /* USDT_UPROBE_INTERNAL_H */
