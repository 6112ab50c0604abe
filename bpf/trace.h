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

/*
 * Bytes kept of one string argument by default (--strlen sets it, up to TRACE_STRLEN_MAX);
 * longer strings are cut and flagged as truncated. Filters compare this many bytes.
 */
#define TRACE_STR_MAX	   128
#define TRACE_STRLEN_MAX   1024
/* Room for the strings of one event: every argument a full string fits. */
#define TRACE_DATA_MAX	   16384 /* a per-CPU map value holds 32 KiB at most */
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
	__u16 role;	 /* usdtctl latency: LAT_START, LAT_END; or TRACE_ROLE_QUIET */
};

/* A probe attached only to raise its semaphore (the runtime catalog's needs): hits ignored. */
#define TRACE_ROLE_QUIET 4

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
	__u16 trunc_mask; /* bit n: that string was cut at --strlen bytes */
	__u32 data_len;
	char comm[TRACE_COMM_LEN];
	__s32 stack_id; /* --stack: its user stack in the "stacks" map, or < 0 */
	__u32 pad;
	__u64 args[USDT_MAX_ARGS];
	char data[];
};

_Static_assert(sizeof(struct trace_event) == 56 + 8 * USDT_MAX_ARGS, "trace_event layout");

/*
 * --stack: user stacks (frame pointers) in the "stacks" map as (build id, file offset) frames,
 * innermost first, so usdtctl symbolizes them from the files whatever process they came from.
 */
#define STACK_DEPTH	32
#define STACK_EVENT_MAX 4096 /* distinct stacks kept for events */
/* a string is read with --strlen + 2 bytes: one more char than kept tells truncation */
_Static_assert(USDT_MAX_ARGS *(TRACE_STRLEN_MAX + 2) <= TRACE_DATA_MAX, "string room");
_Static_assert((TRACE_DATA_MAX & (TRACE_DATA_MAX - 1)) == 0, "TRACE_DATA_MAX power of two");

/* What the tracer does with a hit that passes the filter. */
enum trace_mode {
	TRACE_MODE_EVENTS,  /* send it through the ring buffer */
	TRACE_MODE_COUNT,   /* --count: count it per probe id */
	TRACE_MODE_AGG,	    /* --count --by, --stats, --hist, --lhist: aggregate it per key */
	TRACE_MODE_LATENCY, /* usdtctl latency: pair START and END hits, aggregate the time */
};

/* Slots of the per-CPU "stats" map. */
enum trace_stat {
	TRACE_STAT_LOST,     /* ring buffer full: the event was dropped */
	TRACE_STAT_BAD_ID,   /* --count: a probe id outside the counts map */
	TRACE_STAT_DROPPED,  /* aggregates: a new key past --max-keys, the hit not counted */
	TRACE_STAT_NO_VALUE, /* --stats/--hist: the value argument could not be read */
	TRACE_STAT_UNPAIRED, /* latency: an END without a START, ignored */
	TRACE_STAT_OVERFLOW, /* latency: a START nested deeper than LAT_DEPTH, not timed */
	TRACE_STAT_NO_PAIR,  /* latency: the pair key could not be read, or no room for it */
	TRACE_STAT_NO_STACK, /* --stack: the stack could not be taken or kept (map full) */
	/* latency: STARTs opened less those closed; one CPU's can wrap, the sum is what is open */
	TRACE_STAT_OPEN,
	TRACE_STAT_CNT,
};

/*
 * --filter, compiled by usdtctl (cli/filter.c) into at most FILTER_MAX_TERMS comparisons, each
 * with where to go when it holds (jt) and when it does not (jf): the index of a later term, or
 * FILTER_PASS / FILTER_FAIL. Jumps only go forward, so one bounded pass evaluates it.
 */
#define FILTER_MAX_TERMS 32
#define FILTER_PASS	 0xfe
#define FILTER_FAIL	 0xff

enum filter_field {
	FILTER_ARG0 = 0, /* ... FILTER_ARG0 + 11: argN */
	FILTER_PID = USDT_MAX_ARGS,
	FILTER_TID,
	FILTER_UID,
	FILTER_CGROUP,
	FILTER_COMM,
};

/* !=, >= and > are ==, < and <= with jt and jf swapped. */
enum filter_cmp {
	FILTER_EQ, /* integers, signed 64-bit */
	FILTER_LT,
	FILTER_LE,
	FILTER_GLOB, /* a string against glob[0..len): '*' any run, '?' one byte */
};

struct filter_term {
	__s64 value;
	__u8 field; /* enum filter_field */
	__u8 cmp;   /* enum filter_cmp */
	__u8 jt;
	__u8 jf;
	__u32 len;
	char glob[TRACE_STR_MAX];
};

struct filter_prog {
	__u32 cnt; /* 0: no filter */
	__u32 pad;
	struct filter_term term[FILTER_MAX_TERMS];
};

_Static_assert(sizeof(struct filter_term) == 16 + TRACE_STR_MAX, "filter_term layout");
_Static_assert(FILTER_MAX_TERMS < FILTER_PASS, "jump targets fit a byte");

/*
 * Aggregates: one entry of the "agg" hash per key, built in BPF. The key holds the probe id
 * (rows of the same provider:name in several objects are merged by usdtctl), the -i interval
 * it belongs to, then in data only the parts --by asks for, where usdtctl placed them: a 64-bit
 * slot per part but comm (a string argument's slot holds its length), the command name, and
 * the contents of at most AGG_KEY_STRS string arguments (the first argN parts), their first
 * AGG_STR_MAX bytes each (as bpftrace's str()): a runtime's class and method name.
 * The map's key ends after the last part: every byte of it is hashed on every hit.
 */
#define AGG_STR_MAX    64
#define AGG_KEY_STRS   2
#define AGG_NO_STR     0xff /* agg_by.str: a part whose contents the key has no room for */
#define AGG_MAX_BY     4
#define AGG_MAX_SLOTS  1024 /* --lhist buckets, the two open ends included */
#define AGG_LOG2_SLOTS 65   /* --hist: < 0, 0, then [2^k, 2^(k+1)) for k = 0..62 */
#define AGG_DEF_KEYS   4096

enum agg_part {
	AGG_PART_ARG, /* argument agg_by.arg: its value, or its contents when a string */
	AGG_PART_PID,
	AGG_PART_TID,
	AGG_PART_COMM,
	AGG_PART_STACK, /* the stack id */
};

enum agg_value {
	AGG_VALUE_NONE, /* --count --by */
	AGG_VALUE_STATS,
	AGG_VALUE_LOG2,
	AGG_VALUE_LINEAR,
};

struct agg_by {
	__u8 part; /* enum agg_part */
	__u8 arg;
	__u8 off; /* its slot in agg_key.data (not for comm) */
	__u8 str; /* argN: which of the key's strings holds its contents, or AGG_NO_STR */
};

struct agg_cfg {
	struct agg_by by[AGG_MAX_BY];
	__u8 by_cnt;
	__u8 value;	/* enum agg_value */
	__u8 value_arg; /* the argument --stats / --hist / --lhist aggregate */
	__u8 comm_off;	/* where in agg_key.data a comm part goes */
	__u8 str_off;	/* where the string arguments' contents go, AGG_STR_MAX bytes each */
	__u8 pad;
	__u16 key_size; /* the map's key: the header and the parts used */
	__u32 slots;	/* histogram buckets in each agg_val */
	__s64 lmin;	/* --lhist MIN, MAX, STEP */
	__s64 lmax;
	__s64 lstep;
};

#define AGG_DATA_MAX (8 * AGG_MAX_BY + TRACE_COMM_LEN + AGG_KEY_STRS * AGG_STR_MAX)

struct agg_key {
	__u32 probe_id;
	__u32 gen;	/* which -i interval: usdtctl reads the older ones */
	__u16 err_mask; /* bit i: by[i] could not be read */
	__u8 trunc;	/* bit i: by[i]'s string was cut at AGG_STR_MAX bytes */
	__u8 pad[5];
	char data[AGG_DATA_MAX]; /* the parts, zero-padded */
};

#define AGG_KEY_HDR_SIZE (sizeof(struct agg_key) - AGG_DATA_MAX)

/* Per CPU: count, sum, min and max (valid when count > 0), then the histogram. */
struct agg_val {
	__u64 count;
	__s64 sum;
	__s64 min;
	__s64 max;
	__u64 slot[];
};

_Static_assert(sizeof(struct agg_key) == 16 + AGG_DATA_MAX, "agg_key layout");
_Static_assert(sizeof(struct agg_by) == 4, "agg_by layout");
_Static_assert(sizeof(struct agg_val) == 32, "agg_val layout");
_Static_assert(AGG_MAX_BY <= 8, "err_mask and trunc bits");
_Static_assert(AGG_DATA_MAX - AGG_KEY_STRS * AGG_STR_MAX < 256, "str_off fits a byte");

/*
 * usdtctl latency: each pair key (a thread, a process, or an argument's value) has a stack of
 * open STARTs: the thread's local storage ("lat_task"), or an entry of the "lat_open" hash. An END
 * pops the innermost one and aggregates the time under the key START built (struct agg_key:
 * the "agg" hash, or the "agg_arr" array when that is the probe alone); STARTs nested deeper than
 * LAT_DEPTH are counted and their ENDs skipped, so the others still pair innermost first.
 */
#define LAT_DEPTH    8
#define LAT_MAX_OPEN 16384 /* pair keys with open STARTs */
#define LAT_START    1
#define LAT_END	     2

enum lat_pair {
	LAT_PAIR_TID,
	LAT_PAIR_PID,
	LAT_PAIR_ARG,
};

struct lat_cfg {
	__u8 pair; /* enum lat_pair */
	__u8 pair_arg;
	__u8 send_pairs; /* --slower, --perfetto: send the pairs at least slower_ns slow */
	__u8 pad[5];
	__u64 slower_ns;
};

/* One open START: when, its arguments (for --slower) and the key its pair counts under. */
struct lat_frame {
	__u64 start_ns;
	__u16 arg_cnt;
	__u16 err_mask;
	__u32 probe_id;
	__u64 args[USDT_MAX_ARGS];
	struct agg_key key;
	char spill[8]; /* read_str() writes up to 2 bytes past a full key string */
};

struct lat_stack {
	__u32 depth;   /* open STARTs in f[] */
	__u32 skipped; /* open STARTs past LAT_DEPTH: their ENDs are skipped */
	struct lat_frame f[LAT_DEPTH];
};

/* --slower, --perfetto: one pair in the ring buffer, sent as its END fires. */
struct lat_slow {
	__u64 time_ns; /* the END's bpf_ktime_get_ns() */
	__u64 duration_ns;
	__u32 pid;
	__u32 tid;
	char comm[TRACE_COMM_LEN];
	__u32 depth; /* open STARTs of its pair key around it: 0 for the outermost */
	__u32 pad;
	struct lat_frame start;
};

_Static_assert((LAT_DEPTH & (LAT_DEPTH - 1)) == 0, "LAT_DEPTH power of two");
_Static_assert(sizeof(struct lat_frame) == 112 + sizeof(struct agg_key) + 8, "lat_frame layout");

#endif /* USDTCTL_TRACE_H */
