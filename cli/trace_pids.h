/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The processes of trace -p (one or several): a pidfd each, opened before their maps are read,
 * so that a pid reused by another process is never traced, and the trace ends when the last of
 * them exits.
 */
#ifndef USDTCTL_TRACE_PIDS_H
#define USDTCTL_TRACE_PIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tracer.h"

#define TRACE_PIDS_EPOLL 0x1000 /* epoll data of pid i: TRACE_PIDS_EPOLL + i */

struct trace_pids {
	size_t cnt;
	pid_t pid[TRACE_PIDS_MAX];
	int fd[TRACE_PIDS_MAX]; /* -1: no pidfd_open (kill(pid, 0) is asked instead) */
	bool exited[TRACE_PIDS_MAX];
};

/* Opens a pidfd for each pid. 0, or the pid that does not exist (negated). */
int trace_pids_open(struct trace_pids *p, const pid_t *pids, size_t cnt);
/* A process that has exited since it was opened (its pid may be another's now), or 0. */
pid_t trace_pids_gone(const struct trace_pids *p);
/* Adds each pidfd to ep, with data TRACE_PIDS_EPOLL + its index. */
void trace_pids_watch(const struct trace_pids *p, int ep);
/* The epoll event with data tag fired: that process exited; its fd leaves ep. */
void trace_pids_exited(struct trace_pids *p, int ep, unsigned tag);
/* True while one of them runs (false without any). */
bool trace_pids_alive(struct trace_pids *p);
/* True when one is watched by asking kill(): the poll must wake up now and then. */
bool trace_pids_polled(const struct trace_pids *p);
void trace_pids_close(struct trace_pids *p);

#endif /* USDTCTL_TRACE_PIDS_H */
