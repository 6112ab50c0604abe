/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* usdtctl list: what it shows, and the listing of every process's objects (list_all.c). */
#ifndef USDTCTL_LIST_H
#define USDTCTL_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "list_searched.h"
#include "target.h"

struct list_ctx {
	bool verbose;
	bool json;
	const char *pattern; /* glob over provider:name, NULL = every probe */
	bool optimized;	     /* the kernel has optimized uprobes: where sites are probed */
	bool needed;	     /* listing the libraries a TARGET loads: no -v note per file */
	size_t shown;	     /* probes listed, in all files */
	struct list_searched searched;
	int status;
	const pid_t *pids; /* no TARGET: the processes that map the file listed */
	size_t pid_cnt;
	bool skip_unreadable; /* no TARGET: a mapped file that is no ELF is none of the user's */
};

/*
 * No TARGET: the objects of every running process, each file (device and inode) once, with
 * lc->pids set to the processes that map it while list_file lists it. Returns lc->status.
 */
int list_all(struct list_ctx *lc, cli_object_fn list_file);

#endif /* USDTCTL_LIST_H */
