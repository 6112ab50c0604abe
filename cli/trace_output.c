// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace's output. Event lines are the hot path (hundreds of thousands a second), so
 * they are written with unlocked stdio and hand-rolled number formatting; everything else
 * goes through the JSON writer of cli/json.c.
 */
#define _GNU_SOURCE
#include "trace_output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "symbolize.h"
#include "trace.h"

#define TIME_WIDTH 13
#define PID_WIDTH  8
#define COMM_WIDTH 17

static const char hexdig[] = "0123456789abcdef";

static inline void put(FILE *f, const char *s, size_t n)
{
	fwrite_unlocked(s, 1, n, f);
}

static inline void puts_(FILE *f, const char *s)
{
	put(f, s, strlen(s));
}

/* Writes v in decimal into the end of buf; returns where it starts. */
static char *fmt_u64(char *end, __u64 v)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

static void put_u64(FILE *f, __u64 v)
{
	char b[24], *p = fmt_u64(b + sizeof(b), v);

	put(f, p, b + sizeof(b) - p);
}

static void put_s64(FILE *f, __s64 v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		put_u64(f, -(__u64)v);
	} else {
		put_u64(f, v);
	}
}

static void put_hex(FILE *f, __u64 v)
{
	char b[20], *p = b + sizeof(b);

	do {
		*--p = hexdig[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put(f, p, b + sizeof(b) - p);
}

/* Spaces up to column width after n chars, at least one. */
static void pad(FILE *f, size_t n, size_t width)
{
	static const char spaces[] = "                                        ";
	size_t k = n < width ? width - n : 1;

	while (k) {
		size_t c = k < sizeof(spaces) - 1 ? k : sizeof(spaces) - 1;

		put(f, spaces, c);
		k -= c;
	}
}

/* s into a malloc'ed buffer, as JSON (quoted) or as text: the parts of a probe's lines. */
static char *escaped(const char *s, bool json)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *m = open_memstream(&buf, &sz);

	if (!m)
		return NULL;
	if (json) {
		putc('"', m);
		json_escape(m, s, strlen(s));
		putc('"', m);
	} else {
		cli_escape(m, s, strlen(s), false);
	}
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int trace_desc_init(struct trace_probe_desc *d, const char *provider, const char *name)
{
	char *qp, *qn, *tp, *tn;
	int n;

	d->provider = strdup(provider);
	d->name = strdup(name);
	qp = escaped(provider, true);
	qn = escaped(name, true);
	tp = escaped(provider, false);
	tn = escaped(name, false);
	n = qp && qn ? asprintf(&d->json_head, ",\"provider\":%s,\"name\":%s,\"args\":[", qp, qn)
		     : -1;
	if (n < 0)
		d->json_head = NULL;
	d->json_head_len = n;
	n = tp && tn ? asprintf(&d->label, "%s:%s", tp, tn) : -1;
	if (n < 0)
		d->label = NULL;
	d->label_len = n;
	free(qp);
	free(qn);
	free(tp);
	free(tn);
	if (!d->provider || !d->name || !d->json_head || !d->label) {
		trace_desc_free(d);
		return -ENOMEM;
	}
	return 0;
}

void trace_desc_free(struct trace_probe_desc *d)
{
	free(d->provider);
	free(d->name);
	free(d->json_head);
	free(d->label);
	d->provider = d->name = d->json_head = d->label = NULL;
}

void trace_out_prepare(struct trace_out *o)
{
	size_t w = 5; /* "PROBE" */

	for (size_t i = 0; i < o->probe_cnt; i++) {
		if (o->probes[i].label_len > w)
			w = o->probes[i].label_len;
	}
	o->label_width = (w > CLI_LABEL_MAX_W ? CLI_LABEL_MAX_W : w) + 1;
}

void trace_out_header(struct trace_out *o)
{
	fprintf(o->f, "%-*s%-*s%-*s%-*s%-*sARGS\n", TIME_WIDTH, "TIME(s)", PID_WIDTH, "PID",
		PID_WIDTH, "TID", COMM_WIDTH, "COMM", o->label_width, "PROBE");
}

static void put_number(FILE *f, bool json, enum arg_fmt fmt, __u64 v)
{
	if (fmt == FMT_SIGNED)
		put_s64(f, v);
	else if (fmt == FMT_HEX && !json) /* JSON numbers stay numbers */
		put_hex(f, v);
	else
		put_u64(f, v);
}

/* The arguments of e, strings taken from data (data_len bytes). */
static void put_args(struct trace_out *o, const struct trace_probe_desc *d,
		     const struct trace_event *e)
{
	__u32 pos = 0;
	FILE *f = o->f;

	for (int i = 0; i < e->arg_cnt; i++) {
		__u16 bit = 1 << i;

		if (i)
			putc_unlocked(o->json ? ',' : ' ', f);
		if (e->err_mask & bit) {
			puts_(f, o->json ? "null" : "?");
		} else if (e->str_mask & bit) {
			__u32 n = e->args[i];
			bool cut = e->trunc_mask & bit;

			putc_unlocked('"', f);
			if (o->json) {
				/* never edited: args_truncated says it was cut */
				json_escape(f, e->data + pos, n);
				putc_unlocked('"', f);
			} else {
				cli_escape(f, e->data + pos, n, true);
				putc_unlocked('"', f);
				if (cut)
					put(f, "...", 3);
			}
			pos += n;
		} else {
			put_number(f, o->json, d->fmt[i], e->args[i]);
		}
	}
}

void trace_out_truncated(struct trace_out *o, const struct trace_event *e)
{
	__u16 cut = e->trunc_mask & e->str_mask & ~e->err_mask;
	bool first = true;

	if (!cut)
		return;
	puts_(o->f, ",\"args_truncated\":[");
	for (int i = 0; i < e->arg_cnt; i++) {
		if (!(cut & (1 << i)))
			continue;
		if (!first)
			putc_unlocked(',', o->f);
		put_u64(o->f, i);
		first = false;
	}
	putc_unlocked(']', o->f);
}

bool trace_event_valid(const struct trace_out *o, const void *data, size_t size)
{
	const struct trace_event *e = data;
	__u32 total = 0;

	if (size < sizeof(*e) || e->probe_id >= o->probe_cnt || e->arg_cnt > USDT_MAX_ARGS ||
	    e->data_len > size - sizeof(*e))
		return false;
	for (int i = 0; i < e->arg_cnt; i++) {
		if ((e->str_mask & (1 << i)) && !(e->err_mask & (1 << i))) {
			if (e->args[i] > o->str_max)
				return false;
			total += e->args[i];
		}
	}
	return total <= e->data_len;
}

static void put_text_event(struct trace_out *o, const struct trace_probe_desc *d,
			   const struct trace_event *e)
{
	__u64 rel = e->time_ns > o->start_ns ? e->time_ns - o->start_ns : 0;
	char b[48], *end = b + sizeof(b), *p;
	FILE *f = o->f;
	size_t n;

	/* seconds.microseconds */
	p = fmt_u64(end, rel / 1000 % 1000000 + 1000000);
	p[0] = '.'; /* replaces the leading '1' that kept the zeros */
	p = fmt_u64(p, rel / 1000000000);
	put(f, p, end - p);
	pad(f, end - p, TIME_WIDTH);
	p = fmt_u64(end, e->pid);
	put(f, p, end - p);
	pad(f, end - p, PID_WIDTH);
	p = fmt_u64(end, e->tid);
	put(f, p, end - p);
	pad(f, end - p, PID_WIDTH);
	n = cli_escape(f, e->comm, strnlen(e->comm, sizeof(e->comm)), false);
	pad(f, n, COMM_WIDTH);
	put(f, d->label, d->label_len);
	if (e->arg_cnt)
		pad(f, d->label_len, o->label_width);
	put_args(o, d, e);
	putc_unlocked('\n', f);
	if (o->sym)
		symbolizer_print(o->sym, o->stacks_fd, e->stack_id, f, STACK_LINES);
}

static void put_json_event(struct trace_out *o, const struct trace_probe_desc *d,
			   const struct trace_event *e)
{
	FILE *f = o->f;

	puts_(f, "{\"time_ns\":");
	put_u64(f, e->time_ns);
	puts_(f, ",\"pid\":");
	put_u64(f, e->pid);
	puts_(f, ",\"tid\":");
	put_u64(f, e->tid);
	puts_(f, ",\"comm\":\"");
	json_escape(f, e->comm, strnlen(e->comm, sizeof(e->comm)));
	putc_unlocked('"', f);
	put(f, d->json_head, d->json_head_len);
	put_args(o, d, e);
	putc_unlocked(']', f);
	trace_out_truncated(o, e);
	if (o->sym) {
		puts_(f, ",\"stack\":[");
		symbolizer_print(o->sym, o->stacks_fd, e->stack_id, f, STACK_JSON);
		putc_unlocked(']', f);
	}
	put(f, "}\n", 2);
}

void trace_out_event(struct trace_out *o, const void *data, size_t size)
{
	const struct trace_event *e = data;

	if (!trace_event_valid(o, e, size)) {
		o->malformed++;
		return;
	}
	if (o->json)
		put_json_event(o, &o->probes[e->probe_id], e);
	else
		put_text_event(o, &o->probes[e->probe_id], e);
}

struct count_row {
	const struct trace_probe_desc *d;
	__u64 cnt;
};

static int row_name_cmp(const void *a, const void *b)
{
	const struct count_row *x = a, *y = b;
	int c = strcmp(x->d->provider, y->d->provider);

	return c ? c : strcmp(x->d->name, y->d->name);
}

/* Most hits first, then by name. */
static int row_cmp(const void *a, const void *b)
{
	const struct count_row *x = a, *y = b;

	if (x->cnt != y->cnt)
		return x->cnt < y->cnt ? 1 : -1;
	return row_name_cmp(a, b);
}

void trace_out_counts(struct trace_out *o, const __u64 *counts, int interval)
{
	struct count_row *rows = calloc(o->probe_cnt ? o->probe_cnt : 1, sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return;
	for (size_t i = 0; i < o->probe_cnt; i++) {
		struct trace_probe_desc *d = &o->probes[i];

		rows[i] = (struct count_row){d, counts[i] - d->shown};
		d->shown = counts[i];
	}
	/* one row per provider:name, whichever objects its probe ids live in */
	qsort(rows, o->probe_cnt, sizeof(*rows), row_name_cmp);
	for (size_t i = 0; i < o->probe_cnt; i++) {
		if (n && row_name_cmp(&rows[n - 1], &rows[i]) == 0)
			rows[n - 1].cnt += rows[i].cnt;
		else
			rows[n++] = rows[i];
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (!o->json && interval)
		fprintf(o->f, "-- interval %d\n", interval);
	if (!o->json)
		fprintf(o->f, "%-*s %s\n", o->label_width, "PROBE", "COUNT");
	for (size_t r = 0; r < n; r++) {
		if (rows[r].d->quiet)
			continue;
		if (o->json) {
			struct json j;

			json_begin(&j, o->f);
			json_kstr(&j, "provider", rows[r].d->provider);
			json_kstr(&j, "name", rows[r].d->name);
			json_key(&j, "count");
			json_uint(&j, rows[r].cnt);
			if (interval)
				json_kint(&j, "interval", interval);
			json_end(&j);
		} else {
			put(o->f, rows[r].d->label, rows[r].d->label_len);
			pad(o->f, rows[r].d->label_len, o->label_width);
			fprintf(o->f, " %llu\n", (unsigned long long)rows[r].cnt);
		}
	}
	free(rows);
}

void trace_out_summary(struct trace_out *o, const struct trace_summary *s)
{
	if (o->json) {
		struct json j;

		json_begin(&j, o->f);
		json_key(&j, "summary");
		json_obj_open(&j);
		json_key(&j, "events");
		json_uint(&j, s->events);
		json_key(&j, "lost");
		json_uint(&j, s->lost);
		json_key(&j, "duration_ns");
		json_uint(&j, s->duration_ns);
		if (s->have_status) {
			if (WIFEXITED(s->status))
				json_kint(&j, "exit_status", WEXITSTATUS(s->status));
			else
				json_kint(&j, "exit_signal", WTERMSIG(s->status));
		}
		json_obj_close(&j);
		json_end(&j);
	}
	fflush(o->f);
	fprintf(stderr, "usdtctl: %llu events, %llu lost, %llu.%03llu s\n",
		(unsigned long long)s->events, (unsigned long long)s->lost,
		(unsigned long long)(s->duration_ns / 1000000000),
		(unsigned long long)(s->duration_ns / 1000000 % 1000));
	if (s->have_status) {
		if (WIFEXITED(s->status))
			fprintf(stderr, "usdtctl: command exited with status %d\n",
				WEXITSTATUS(s->status));
		else if (WIFSIGNALED(s->status))
			fprintf(stderr, "usdtctl: command killed by signal %d (%s)\n",
				WTERMSIG(s->status), strsignal(WTERMSIG(s->status)));
	}
}

void trace_out_args(struct trace_out *o, const struct trace_event *e)
{
	put_args(o, &o->probes[e->probe_id], e);
}
