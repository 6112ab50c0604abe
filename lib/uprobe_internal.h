/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: what the files of the uprobe_multi attach layer share. */
#ifndef USDT_UPROBE_INTERNAL_H
#define USDT_UPROBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "uprobe_multi.h"

/* The kernel's uprobe PMU: its type, its format bits and which features it has. */
#define UPROBE_PMU_DIR "/sys/bus/event_source/devices/uprobe"

/*
 * File offsets of the functions (STT_FUNC and STT_GNU_IFUNC, .symtab and .dynsym) whose names
 * match the fnmatch() pattern, one per address (aliases attach once), in address order.
 * *offsets is malloc'ed. -ENOENT: nothing matches.
 */
int usdti_pattern_offsets(const char *path, const char *pattern, unsigned long **offsets,
			  size_t *cnt);

/*
 * File offsets of cnt exact symbol names, in the order given. A strong definition wins over
 * weak ones; two strong definitions at different addresses are ambiguous (-ESRCH).
 * -ENOENT: a name is missing (each one is named through pr_warn).
 */
int usdti_syms_offsets(const char *path, const char **syms, size_t cnt, unsigned long **offsets);

/* The multiarch library directories of this host, "/lib/T:/usr/lib/T", into buf; or NULL. */
const char *usdti_multiarch_dirs(char *buf, size_t buf_sz);

/*
 * BPF_LINK_CREATE for attach_type BPF_TRACE_UPROBE_MULTI or _SESSION with the raw kernel
 * fields (pid 0 = every process). Returns the link fd or -errno.
 */
int usdti_uprobe_multi_link_create(int prog_fd, __u32 attach_type, const char *path,
				   const unsigned long *offsets,
				   const unsigned long *ref_ctr_offsets, const __u64 *cookies,
				   size_t cnt, __u32 flags, pid_t pid);

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

/*
 * fn(arg) in a helper process that a SIGKILL of the caller does not stop, for the calls that
 * install or remove uprobes (lib/outlive.c). fn may only make syscalls. Returns fn's result.
 */
int usdti_outlive(int (*fn)(void *arg), void *arg);

#endif /* USDT_UPROBE_INTERNAL_H */
