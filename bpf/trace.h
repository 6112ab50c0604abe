/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl trace: the layouts shared by the tracer program (trace.bpf.c) and usdtctl
 * (cli/trace.c, cli/trace_output.c). Included by both sides: fixed-size types only.
 */
#ifndef USDTCTL_TRACE_H
#define USDTCTL_TRACE_H

#ifndef USDT_MAX_ARGS
#define USDT_MAX_ARGS 12
#endif

/* Bytes kept of one string argument; longer strings are cut and flagged as truncated. */
#define TRACE_STR_MAX	   128
/* Room for the strings of one event: every argument a full string fits. */
#define TRACE_DATA_MAX	   2048
#define TRACE_COMM_LEN	   16
/*
 * Events do not wake the reader one by one (each wakeup costs the traced thread an irq_work):
 * only once this much is waiting; usdtctl polls every TRACE_POLL_MS for the rest.
 */
#define TRACE_WAKEUP_BYTES (256 << 10)
#define TRACE_POLL_MS	   10

/* What the tracer reads per probe id (the probe_cfg map), set before tracing starts. */
struct trace_probe_cfg {
	__u16 str_mask;	 /* bit n: argument n points to a NUL-terminated user string */
	__u16 strn_mask; /* bit n: argument n points to a string whose length is argument n+1 */
};

/*
 * One event in the ring buffer: the header, then data_len bytes of string data. A string
 * argument n (str_mask bit n) is args[n] bytes of data, after the strings of arguments < n;
 * it has no NUL.
 */
struct trace_event {
	__u64 time_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;
	__u32 tid;
	__u32 probe_id;
	__u16 arg_cnt;
	__u16 err_mask;	  /* bit n: argument n could not be read */
	__u16 str_mask;	  /* bit n: argument n is a string in data */
	__u16 trunc_mask; /* bit n: that string was cut at TRACE_STR_MAX bytes */
	__u32 data_len;
	char comm[TRACE_COMM_LEN];
	__u64 args[USDT_MAX_ARGS];
	char data[];
};

_Static_assert(sizeof(struct trace_event) == 48 + 8 * USDT_MAX_ARGS, "trace_event layout");
/* a string is read with TRACE_STR_MAX + 2 bytes: one more char than kept tells truncation */
_Static_assert(USDT_MAX_ARGS *(TRACE_STR_MAX + 2) <= TRACE_DATA_MAX, "string room");
_Static_assert((TRACE_DATA_MAX & (TRACE_DATA_MAX - 1)) == 0, "TRACE_DATA_MAX power of two");

/* Slots of the per-CPU "stats" map. */
enum trace_stat {
	TRACE_STAT_LOST,   /* ring buffer full: the event was dropped */
	TRACE_STAT_BAD_ID, /* --count: a probe id outside the counts map */
	TRACE_STAT_CNT,
};

#endif /* USDTCTL_TRACE_H */
