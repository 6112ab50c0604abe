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
#include "mem.h"
#include "trace.h"
#include "trace_export.h"
#include "usdt.h"

struct rt_thread {
	__u32 pid, tid;
	__u32 newer, older; /* the list by last use, index + 1; 0 = none */
	int depth;	    /* open entries (flow), open collections (gc) */
	__u64 t[RT_FLOW_DEPTH];
	char *begin; /* gc: the begin's arguments as shown; kept for the slot's next thread */
	size_t begin_len, begin_cap;
};

static __u64 thread_hash(__u32 pid, __u32 tid)
{
	return usdti_hash_u64(USDTI_HASH_SEED, (__u64)pid << 32 | tid);
}

static void unlink_thread(struct rt_events *ev, struct rt_thread *t)
{
	if (t->newer)
		ev->threads[t->newer - 1].older = t->older;
	else
		ev->newest = t->older;
	if (t->older)
		ev->threads[t->older - 1].newer = t->newer;
	else
		ev->oldest = t->newer;
}

static void push_newest(struct rt_events *ev, struct rt_thread *t)
{
	__u32 i1 = t - ev->threads + 1;

	t->newer = 0;
	t->older = ev->newest;
	if (ev->newest)
		ev->threads[ev->newest - 1].newer = i1;
	else
		ev->oldest = i1;
	ev->newest = i1;
}

/* e's thread, made the newest; a new one takes the oldest's place when all are in use. */
static struct rt_thread *thread_of(struct rt_events *ev, const struct trace_event *e)
{
	__u64 h = thread_hash(e->pid, e->tid);
	struct rt_thread *t;
	char *begin;
	size_t pos, cap;
	__u32 i;

	usdti_hashmap_for_each_id (&ev->by_tid, h, pos, i) {
		t = &ev->threads[i];
		if (t->tid == e->tid && t->pid == e->pid) {
			unlink_thread(ev, t);
			push_newest(ev, t);
			return t;
		}
	}
	if (!ev->threads) {
		ev->threads = calloc(RT_EVENT_THREADS, sizeof(*ev->threads));
		if (!ev->threads || usdti_hashmap_reserve(&ev->by_tid, RT_EVENT_THREADS)) {
			free(ev->threads);
			ev->threads = NULL;
			return NULL;
		}
	}
	if (ev->thread_cnt < RT_EVENT_THREADS) {
		t = &ev->threads[ev->thread_cnt++];
	} else {
		t = &ev->threads[ev->oldest - 1];
		unlink_thread(ev, t);
		usdti_hashmap_del(&ev->by_tid, thread_hash(t->pid, t->tid), t - ev->threads);
	}
	begin = t->begin;
	cap = t->begin_cap;
	memset(t, 0, sizeof(*t));
	t->begin = begin;
	t->begin_cap = cap;
	t->pid = e->pid;
	t->tid = e->tid;
	usdti_hashmap_add(&ev->by_tid, h, t - ev->threads); /* cannot fail: reserved */
	push_newest(ev, t);
	return t;
}

static bool is_first_name(const struct rt_events *ev, const struct trace_out *o,
			  const struct trace_event *e)
{
	return !strcmp(o->probes[e->probe_id].name, strchr(ev->role->probe[0], ':') + 1);
}

/* Whether e's probe is the role's first (an entry, a begin), compared once per probe id. */
static bool first_probe(struct rt_events *ev, const struct trace_out *o,
			const struct trace_event *e)
{
	size_t cap = ev->first_probe_cap;
	__u8 *known;

	if (e->probe_id >= cap) {
		if (usdti_ensure_mem((void **)&ev->first_probe, &ev->first_probe_cap, 1,
				     e->probe_id + 1, 16))
			return is_first_name(ev, o, e);
		memset(ev->first_probe + cap, 0, ev->first_probe_cap - cap);
	}
	known = &ev->first_probe[e->probe_id];
	if (!*known)
		*known = is_first_name(ev, o, e) ? 1 : 2;
	return *known == 1;
}

/* The scratch stream, rewound: every event's text goes into one buffer, grown when needed. */
static FILE *scratch_begin(struct rt_events *ev)
{
	if (!ev->scratch)
		ev->scratch = open_memstream(&ev->scratch_buf, &ev->scratch_len);
	if (ev->scratch)
		rewind(ev->scratch);
	return ev->scratch;
}

/* What was written since scratch_begin(), NUL-terminated; NULL when out of memory. */
static const char *scratch_end(struct rt_events *ev, size_t *len)
{
	if (!ev->scratch || fputc('\0', ev->scratch) == EOF || fflush(ev->scratch))
		return NULL;
	*len = ev->scratch_len - 1;
	return ev->scratch_buf;
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

/* put_key() into the scratch buffer; NULL when out of memory. */
static const char *key_text(struct rt_events *ev, const struct trace_event *e, size_t *len)
{
	FILE *m = scratch_begin(ev);

	if (!m)
		return NULL;
	put_key(m, &ev->role->key, e);
	return scratch_end(ev, len);
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
	bool entry = first_probe(ev, o, e);
	struct rt_thread *t = thread_of(ev, e);
	bool open = t && t->depth > 0; /* a return with no entry seen has no slice to end */
	__u64 dur = 0;
	size_t len = 0;
	const char *key;
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
	key = key_text(ev, e, &len);
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
}

void rt_gc_header(FILE *f)
{
	fprintf(f, "%-13s%-8s%-8s%-17s%-14s%s\n", "TIME(s)", "PID", "TID", "COMM", "DURATION(ms)",
		"BEGIN ARGS | END ARGS");
}

/* e's arguments as the tracer prints them (text, or the inside of a JSON array), in scratch. */
static const char *args_text(struct rt_events *ev, struct trace_out *o, const struct trace_event *e,
			     size_t *len)
{
	struct trace_out mo = *o;

	mo.f = scratch_begin(ev);
	if (!mo.f)
		return NULL;
	trace_out_args(&mo, e);
	return scratch_end(ev, len);
}

void rt_gc_event(void *ctx, struct trace_out *o, const struct trace_event *e)
{
	struct rt_events *ev = ctx;
	bool begin = first_probe(ev, o, e);
	struct rt_thread *t = thread_of(ev, e);
	size_t len = 0;
	const char *args;

	if (!t)
		return;
	if (begin) {
		args = args_text(ev, o, e, &len);
		t->begin_len = 0;
		if (args && len &&
		    !usdti_ensure_mem((void **)&t->begin, &t->begin_cap, 1, len, 64)) {
			memcpy(t->begin, args, len);
			t->begin_len = len;
		}
		t->t[0] = e->time_ns;
		t->depth = 1;
		return;
	}
	if (!t->depth)
		return; /* an end without its begin: the trace started during a collection */
	t->depth = 0;
	args = args_text(ev, o, e, &len);
	if (ev->json) {
		fprintf(o->f, "{\"time_ns\":%llu,\"pid\":%u,\"tid\":%u,\"comm\":\"",
			(unsigned long long)e->time_ns, e->pid, e->tid);
		json_escape(o->f, e->comm, strnlen(e->comm, sizeof(e->comm)));
		fprintf(o->f, "\",\"duration_ns\":%llu,\"begin\":[%.*s],\"end\":[%.*s]}\n",
			(unsigned long long)(e->time_ns - t->t[0]), (int)t->begin_len,
			t->begin ? t->begin : "", (int)len, args ? args : "");
	} else {
		size_t w;

		fprintf(o->f, "%-13.6f%-8u%-8u", rel_s(o, e->time_ns), e->pid, e->tid);
		/* the command name is the process's choice: escaped */
		w = cli_escape(o->f, e->comm, strnlen(e->comm, sizeof(e->comm)), false);
		fprintf(o->f, "%*s%-14.3f%.*s | %.*s\n", w < 17 ? (int)(17 - w) : 1, "",
			(e->time_ns - t->t[0]) / 1e6, (int)t->begin_len, t->begin ? t->begin : "",
			(int)len, args ? args : "");
	}
}

void rt_events_free(struct rt_events *ev)
{
	for (size_t i = 0; i < ev->thread_cnt; i++)
		free(ev->threads[i].begin);
	free(ev->threads);
	usdti_hashmap_free(&ev->by_tid);
	free(ev->first_probe);
	if (ev->scratch)
		fclose(ev->scratch);
	free(ev->scratch_buf);
	*ev = (struct rt_events){.role = ev->role, .json = ev->json};
}
