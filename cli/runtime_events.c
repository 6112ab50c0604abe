// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl flow and gc: what happens on each thread, from entry and return (or begin and end)
 * events. A thread's state is kept here: its depth and the times of its open entries. Events
 * come from a process that may lie (returns without entries, endless depth): depths never go
 * below zero, the times kept are bounded, and so is the number of threads followed.
 */
#define _GNU_SOURCE
#include "runtime_events.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trace.h"
#include "trace_export.h"
#include "usdt.h"

struct rt_thread {
	__u32 pid, tid;
	__u64 seq; /* when last seen */
	int depth; /* open entries (flow), open collections (gc) */
	__u64 t[RT_FLOW_DEPTH];
	char *begin; /* gc: the begin's arguments as shown, malloc'ed */
	size_t begin_len;
};

static struct rt_thread *thread_of(struct rt_events *ev, const struct trace_event *e)
{
	struct rt_thread *oldest = NULL, *t;

	for (size_t i = 0; i < ev->thread_cnt; i++) {
		t = &ev->threads[i];
		if (t->tid == e->tid && t->pid == e->pid) {
			t->seq = ++ev->seq;
			return t;
		}
		if (!oldest || t->seq < oldest->seq)
			oldest = t;
	}
	if (!ev->threads)
		ev->threads = calloc(RT_EVENT_THREADS, sizeof(*ev->threads));
	if (!ev->threads)
		return NULL;
	if (ev->thread_cnt < RT_EVENT_THREADS) {
		t = &ev->threads[ev->thread_cnt++];
	} else {
		t = oldest;
		free(t->begin);
	}
	memset(t, 0, sizeof(*t));
	t->pid = e->pid;
	t->tid = e->tid;
	t->seq = ++ev->seq;
	return t;
}

/* String argument n of e: its bytes in e->data (e parsed: trace_event_valid()). */
static bool event_str(const struct trace_event *e, int n, const char **s, size_t *len)
{
	__u16 strs = e->str_mask & ~e->err_mask;
	size_t off = 0;

	if (n >= e->arg_cnt || !(strs & (1 << n)))
		return false;
	for (int i = 0; i < n; i++)
		off += strs & (1 << i) ? e->args[i] : 0;
	*s = e->data + off;
	*len = e->args[n];
	return true;
}

/* The key of e (its arguments joined as the catalog says) into m, unescaped. */
static void put_key(FILE *m, const struct rt_key *k, const struct trace_event *e)
{
	bool any = false;

	for (int i = 0; i < k->cnt; i++) {
		int n = k->arg[i];
		const char *s;
		size_t len;

		if (event_str(e, n, &s, &len)) {
			if (!len)
				continue; /* an empty part: no separator either */
			fputs(any || !i ? k->sep[i] : "", m);
			fwrite(s, 1, len, m);
			if (e->trunc_mask & (1 << n))
				fputs("...", m);
		} else if (n < e->arg_cnt && !(e->err_mask & (1 << n))) {
			fputs(any || !i ? k->sep[i] : "", m);
			fprintf(m, "%llu", (unsigned long long)e->args[n]);
		} else {
			fputs(any || !i ? k->sep[i] : "", m);
			fputc('?', m);
		}
		any = true;
	}
}

/* put_key() into a malloc'ed buffer; NULL when out of memory. */
static char *key_text(const struct rt_key *k, const struct trace_event *e, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	if (!m)
		return NULL;
	put_key(m, k, e);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static double rel_s(const struct trace_out *o, __u64 ns)
{
	return (ns > o->start_ns ? ns - o->start_ns : 0) / 1e9;
}

void rt_flow_header(FILE *f)
{
	fprintf(f, "%-13s%-8s%-8s%s\n", "TIME(s)", "PID", "TID", "CALLS");
}

void rt_flow_event(void *ctx, struct trace_out *o, const struct trace_event *e)
{
	struct rt_events *ev = ctx;
	bool entry = !strcmp(o->probes[e->probe_id].name, strchr(ev->role->probe[0], ':') + 1);
	struct rt_thread *t = thread_of(ev, e);
	bool open = t && t->depth > 0; /* a return with no entry seen has no slice to end */
	__u64 dur = 0;
	size_t len = 0;
	char *key;
	int depth;

	if (!t)
		return;
	if (!entry && t->depth > 0) {
		t->depth--;
		if (t->depth < RT_FLOW_DEPTH && e->time_ns >= t->t[t->depth])
			dur = e->time_ns - t->t[t->depth];
	}
	depth = t->depth;
	if (entry) {
		if (t->depth < RT_FLOW_DEPTH)
			t->t[t->depth] = e->time_ns;
		t->depth++;
	}
	key = key_text(&ev->role->key, e, &len);
	if (o->exp) {
		if (entry)
			trace_export_slice_begin(o->exp, e, key);
		else if (open)
			trace_export_slice_end(o->exp, e);
	} else if (ev->json) {
		struct json j;

		json_begin(&j, o->f);
		json_key(&j, "time_ns");
		json_uint(&j, e->time_ns);
		json_kint(&j, "pid", e->pid);
		json_kint(&j, "tid", e->tid);
		json_kstr(&j, "event", entry ? "entry" : "return");
		json_kint(&j, "depth", depth);
		json_key(&j, "function");
		json_strn(&j, key ? key : "?", key ? len : 1);
		if (dur)
			json_kint(&j, "duration_ns", dur);
		json_end(&j);
	} else {
		fprintf(o->f, "%-13.6f%-8u%-8u%*s%s ", rel_s(o, e->time_ns), e->pid, e->tid,
			2 * (depth < 100 ? depth : 100), "", entry ? "->" : "<-");
		cli_escape(o->f, key ? key : "?", key ? len : 1, false);
		if (dur)
			fprintf(o->f, " (%.3f us)", dur / 1e3);
		fputc('\n', o->f);
	}
	free(key);
}

void rt_gc_header(FILE *f)
{
	fprintf(f, "%-13s%-8s%-8s%-17s%-14s%s\n", "TIME(s)", "PID", "TID", "COMM", "DURATION(ms)",
		"BEGIN ARGS | END ARGS");
}

/* e's arguments as the tracer prints them (text, or the inside of a JSON array). */
static char *args_text(struct trace_out *o, const struct trace_event *e, size_t *len)
{
	struct trace_out mo = *o;
	char *buf = NULL;

	mo.f = open_memstream(&buf, len);
	if (!mo.f)
		return NULL;
	trace_out_args(&mo, e);
	if (fclose(mo.f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

void rt_gc_event(void *ctx, struct trace_out *o, const struct trace_event *e)
{
	struct rt_events *ev = ctx;
	bool begin = !strcmp(o->probes[e->probe_id].name, strchr(ev->role->probe[0], ':') + 1);
	struct rt_thread *t = thread_of(ev, e);
	size_t len = 0;
	char *end;

	if (!t)
		return;
	if (begin) {
		free(t->begin);
		t->begin = args_text(o, e, &t->begin_len);
		t->t[0] = e->time_ns;
		t->depth = 1;
		return;
	}
	if (!t->depth)
		return; /* an end without its begin: the trace started during a collection */
	t->depth = 0;
	end = args_text(o, e, &len);
	if (ev->json) {
		fprintf(o->f, "{\"time_ns\":%llu,\"pid\":%u,\"tid\":%u,\"comm\":\"",
			(unsigned long long)e->time_ns, e->pid, e->tid);
		json_escape(o->f, e->comm, strnlen(e->comm, sizeof(e->comm)));
		fprintf(o->f, "\",\"duration_ns\":%llu,\"begin\":[%.*s],\"end\":[%.*s]}\n",
			(unsigned long long)(e->time_ns - t->t[0]), (int)t->begin_len,
			t->begin ? t->begin : "", (int)len, end ? end : "");
	} else {
		size_t w;

		fprintf(o->f, "%-13.6f%-8u%-8u", rel_s(o, e->time_ns), e->pid, e->tid);
		/* the command name is the process's choice: escaped */
		w = cli_escape(o->f, e->comm, strnlen(e->comm, sizeof(e->comm)), false);
		fprintf(o->f, "%*s%-14.3f%.*s | %.*s\n", w < 17 ? (int)(17 - w) : 1, "",
			(e->time_ns - t->t[0]) / 1e6, (int)t->begin_len, t->begin ? t->begin : "",
			(int)len, end ? end : "");
	}
	free(end);
}

void rt_events_free(struct rt_events *ev)
{
	for (size_t i = 0; i < ev->thread_cnt; i++)
		free(ev->threads[i].begin);
	free(ev->threads);
	ev->threads = NULL;
	ev->thread_cnt = 0;
}
