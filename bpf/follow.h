/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following processes (usdtctl trace -c, -p --follow, system-wide): the layouts shared by
 * follow.bpf.c and usdtctl (cli/trace_follow.c). Fixed-size types only.
 *
 * The BPF side keeps the set of followed processes (tgids) across fork, and stops a followed
 * process (SIGSTOP, delivered before its next user instruction) when it has mapped an
 * executable file usdtctl has not seen yet and reaches a point where that file is in place:
 * the end of exec, or the dynamic loader's r_brk hook (_dl_debug_state), which it calls once
 * it has mapped the libraries of a dlopen or of the program's start. usdtctl attaches the
 * probes of the new files, then sends SIGCONT.
 */
#ifndef USDTCTL_FOLLOW_H
#define USDTCTL_FOLLOW_H

#define FOLLOW_MAX_PROCS 65536 /* followed processes; more are counted, not followed */
#define FOLLOW_MAX_FILES 65536 /* executable files usdtctl has seen */
#define FOLLOW_MAX_STOPS 4096  /* processes stopped and not yet continued */
#define FOLLOW_RINGBUF	 (256 << 10)

/* A file as the kernel names it: s_dev (MAJOR << 20 | MINOR) and inode number. */
struct follow_file {
	__u64 dev;
	__u64 ino;
};

enum follow_why {
	FOLLOW_EXEC,   /* it exec'ed */
	FOLLOW_DLOPEN, /* the dynamic loader mapped libraries */
};

/*
 * The r_brk hook's BPF cookie: where the loader's r_debug.r_state lies, in bytes from
 * _dl_debug_state (two's complement); 0 when the loader has no _r_debug symbol. The loader
 * calls the hook before it maps a dlopen's objects (RT_ADD) and after (RT_CONSISTENT): only
 * the second can find new files.
 */
#define FOLLOW_RT_CONSISTENT 0
#define FOLLOW_R_STATE_OFF64 24 /* offsetof(struct r_debug, r_state), 64-bit */
#define FOLLOW_R_STATE_OFF32 12 /* and 32-bit */

/* One stopped process: usdtctl scans its maps, attaches, and continues it. */
struct follow_event {
	__u32 pid; /* tgid */
	__u32 why; /* enum follow_why */
};

/* Slots of the per-CPU "follow_stats" map. */
enum follow_stat {
	FOLLOW_STAT_PROCS_FULL,	 /* a fork not followed: FOLLOW_MAX_PROCS reached */
	FOLLOW_STAT_NOT_STOPPED, /* a new file not armed in time: ring buffer or stop map full */
	FOLLOW_STAT_CNT,
};

_Static_assert(sizeof(struct follow_file) == 16, "follow_file layout");
_Static_assert(sizeof(struct follow_event) == 8, "follow_event layout");

#endif /* USDTCTL_FOLLOW_H */
