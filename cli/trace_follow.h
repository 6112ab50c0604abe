/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl trace following processes (-c, -p --follow, system-wide): the BPF side
 * (bpf/follow.bpf.c) stops a followed process when it has mapped executable files not seen
 * yet, at the end of exec or when the dynamic loader has mapped a dlopen's libraries; the
 * follower reads the process's maps, hands each new file to the tracer to attach, and
 * continues it. A guard process continues stopped processes if usdtctl dies.
 */
#ifndef USDTCTL_TRACE_FOLLOW_H
#define USDTCTL_TRACE_FOLLOW_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "tracer.h"

struct follower;

/* A file a process maps (open_path: /proc/self/fd/N, path: the process's name for it). */
typedef int (*follow_arm_fn)(void *ctx, const char *open_path, const char *path);

struct follow_opts {
	bool all;	 /* every process (system-wide), not only the followed set */
	__u64 cgroup_id; /* --cgroup: only processes in it or below; 0: any */
	__u32 cgroup_level;
	follow_arm_fn arm;
	void *ctx;
};

/*
 * Loads the follower's BPF program; NULL with errno set when it cannot (the kernel lacks BTF,
 * tp_btf or the VMA iterator kfuncs of Linux 6.7).
 */
struct follower *follower_new(const struct follow_opts *o);
/* The map of followed tgids, and its epoch (moved on at their exits), which the tracer shares. */
int follower_followed_fd(const struct follower *f);
int follower_epoch_fd(const struct follower *f);
/*
 * What a trace with options o follows: -c's command and its descendants, -p --follow's
 * process and its, or every process (no TARGET, -p or -c, and a PROBE that names no file).
 * Resolves --cgroup into fo's cgroup fields and sets fo->all; *f is NULL when nothing is
 * followed, or, with -c, when the kernel cannot (a warning: -c then traces the program it
 * runs and its libraries, as before). 0 or an exit code (reported).
 */
int follower_for(const struct trace_opts *o, struct follow_opts *fo, struct follower **f);
/*
 * Starts following (the hooks, the guard): child (-c's process, before it execs) or -p's
 * process, whose files are armed now, or every running process's. 0 or an exit code.
 */
int follower_begin(struct follower *f, const struct trace_opts *o, pid_t child);
/* Attaches the fork/exec/exit hooks and starts the guard. 0 or an exit code. */
int follower_start(struct follower *f);
/* Follows pid and the processes it forks from now on. */
int follower_add(struct follower *f, pid_t pid);
/* Hands every file pid maps that was not seen yet to arm (and arms its loader). */
int follower_scan(struct follower *f, pid_t pid);
/* Every running process (system-wide): follower_scan() of each. */
void follower_scan_all(struct follower *f);
/* The descriptor to poll, and the work when it is readable: scans and continues. */
int follower_fd(const struct follower *f);
int follower_work(struct follower *f);
/* Stops following, continues what is stopped, warns about what was missed. Safe on NULL. */
void follower_free(struct follower *f);

#endif /* USDTCTL_TRACE_FOLLOW_H */
