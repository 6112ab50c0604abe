/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Aggregates kept in BPF (--count --by, --stats, --hist, --lhist): their options, and reading
 * and printing the tracer's "agg" map as rows (text, or one JSON object per row).
 */
#ifndef USDTCTL_AGGREGATE_H
#define USDTCTL_AGGREGATE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "trace.h"
#include "symbolize.h"
#include "trace_output.h"

struct agg_opts {
	struct agg_cfg cfg; /* what the tracer builds and keeps */
	bool on;	    /* an aggregate was asked for (by, stats, hist or lhist) */
	bool by_set;
	unsigned long top; /* --top: rows printed, 0 for all */
	__u32 max_keys;
	/*
	 * The runtime commands: the --by parts shown as one text, each after its separator (shown
	 * only between two non-empty parts): "app.py:f" for a file and a function. label names
	 * it: the text column's header (upper case) and a JSON key beside "by". NULL: not so.
	 */
	const char *label;
	const char *sep[AGG_MAX_BY];
	/*
	 * usdtctl stat: one row per key (the --by parts), a column per probe name, the counts of
	 * each over per_s seconds (text: per second). cnt 0: not so.
	 */
	struct agg_pivot {
		const char *const *probes; /* "provider:name", each counted in column cols[i] */
		const int *cols;
		int probe_cnt;
		const char *const *titles; /* text header and JSON key of each column */
		int cnt;
		double per_s;
	} pivot;
};

/*
 * Option parsers; each reports a usage error (cli_error, naming cmd) and returns its exit
 * code, or 0. "KEYS": probe, argN, pid, tid, comm, stack, comma-separated.
 */
int agg_parse_by(struct agg_opts *a, const char *cmd, const char *keys);
/* --stats argN, --hist argN (value is AGG_VALUE_*) */
int agg_parse_value(struct agg_opts *a, const char *cmd, const char *opt, const char *arg,
		    enum agg_value value);
/* --lhist argN,MIN,MAX,STEP */
int agg_parse_lhist(struct agg_opts *a, const char *cmd, const char *arg);
int agg_parse_count(unsigned long *v, const char *cmd, const char *opt, const char *arg);

/* The arguments the tracer must read for the keys (and the value) (bit n: argument n). */
__u16 agg_arg_mask(const struct agg_opts *a, bool value);
/* Places the --by parts in the key (agg_by.off, comm_off, str_off) and sizes it. */
void agg_layout(struct agg_cfg *c);
/* The agg map's key and value sizes. */
__u32 agg_key_size(const struct agg_opts *a);
__u32 agg_value_size(const struct agg_opts *a);

/*
 * Checks the keys (and the value argument) against each probe's argument types: a value must
 * be an integer, a key holds at most two strings. Returns 0 or a usage error's exit code.
 */
int agg_check_types(const struct agg_opts *a, bool value, const char *cmd,
		    const struct trace_probe_desc *probes, size_t probe_cnt);

struct agg_out {
	FILE *f;
	bool json;
	const struct agg_opts *opts;
	const struct trace_probe_desc *probes;
	size_t probe_cnt;
	/*
	 * usdtctl latency: the END pattern. Rows are then START's provider:name and this, with
	 * times in ns (avg_ns, min_ns, max_ns) and histogram buckets in microseconds.
	 */
	const char *end;
	/* keyed by the probe alone: the "agg_arr" array of so many probe ids, else 0 (the hash) */
	int arr_fd;
	__u32 arr_probes;
	struct symbolizer *sym; /* stack keys: the frames of stacks_fd */
	int stacks_fd;
	bool folded; /* --folded: "frame;frame;... count" lines */
};

/* One key's values, its CPUs (and probe ids of one provider:name) merged. */
struct agg_row {
	const struct trace_probe_desc *d;
	struct agg_key key;
	__u64 count;
	__s64 sum, min, max;
	__u64 *slot; /* opts->cfg.slots buckets */
};

/*
 * The rows of the agg map (fd, or o->arr_fd), one per provider:name and key, in name and key order:
 * those of intervals before gen with drain (removing them), else all. 0 or -errno (the rows read
 * so far are in *rows then). Free them with agg_rows_free().
 */
int agg_read(const struct agg_out *o, int fd, __u32 gen, bool drain, struct agg_row **rows,
	     size_t *cnt);
void agg_rows_free(struct agg_row *rows, size_t cnt);
/* Name, then key order (qsort). */
int agg_row_key_cmp(const void *x, const void *y);
/* The name of a --by part: "argN", "pid", "tid", "comm", "stack" (buf holds argN). */
const char *agg_part_name(const struct agg_by *by, char *buf, size_t sz);
/* Key part i of r as bare text into f: numbers as text prints them, strings as their bytes. */
void agg_part_label(const struct agg_out *o, const struct agg_row *r, int i, FILE *f);

/*
 * Reads the agg map (fd) and prints its rows: the keys of intervals before gen when
 * interval > 0 (deleting them: each is printed once), all keys at the end (interval 0 for a
 * plain total, else the last interval's number). Returns the hits the rows count, or -errno.
 */
long long agg_print(const struct agg_out *o, int fd, __u32 gen, int interval, bool last);
/* agg_opts.pivot: the rows as a table (cli/aggregate_pivot.c). */
void agg_pivot_print(const struct agg_out *o, const struct agg_row *rows, size_t n, int interval);

#endif /* USDTCTL_AGGREGATE_H */
