// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Field numbers are Perfetto's (protos/perfetto/trace/...); tests/perfetto/perfetto_subset.proto
 * declares the same subset, and the tests decode every file written against it with protoc.
 * No interning: names are written in full, so every packet stands alone and no incremental
 * state can go stale.
 */
#define _GNU_SOURCE
#include "perfetto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protobuf.h"
#include "utf8.h"

/* Trace */
#define TRACE_PACKET		1
/* TracePacket */
#define PKT_CLOCK_SNAPSHOT	6
#define PKT_TIMESTAMP		8
#define PKT_SEQUENCE_ID		10 /* trusted_packet_sequence_id */
#define PKT_TRACK_EVENT		11
#define PKT_SEQUENCE_FLAGS	13
#define PKT_TIMESTAMP_CLOCK	58
#define PKT_TRACK_DESCRIPTOR	60
#define SEQ_INCREMENTAL_CLEARED 1
/* ClockSnapshot, ClockSnapshot.Clock, BuiltinClock */
#define CLOCKS_CLOCK		1
#define CLOCKS_PRIMARY		2
#define CLOCK_ID		1
#define CLOCK_TIMESTAMP		2
#define BUILTIN_MONOTONIC	3
#define BUILTIN_BOOTTIME	6
/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor, CounterDescriptor */
#define TRACK_UUID		1
#define TRACK_NAME		2
#define TRACK_PROCESS		3
#define TRACK_THREAD		4
#define TRACK_PARENT		5
#define TRACK_COUNTER		8
#define PROCESS_PID		1
#define PROCESS_NAME		6
#define THREAD_PID		1
#define THREAD_TID		2
#define THREAD_NAME		5
#define COUNTER_UNIT		3
#define UNIT_COUNT		2
/* TrackEvent, DebugAnnotation */
#define EVENT_ANNOTATION	4
#define EVENT_TYPE		9
#define EVENT_TRACK		11
#define EVENT_CATEGORY		22
#define EVENT_NAME		23
#define EVENT_COUNTER_VALUE	30
#define ANN_UINT		3
#define ANN_INT			4
#define ANN_STRING		6
#define ANN_POINTER		7
#define ANN_NAME		10

/* Any id but 0 (none) and 1 (the tracing service's own sequence). */
#define SEQUENCE_ID 0x75736474 /* "usdt" */

/* Track uuids by kind, in the top bits: pids and tids fit 30 bits (PID_MAX_LIMIT is 2^22). */
#define UUID_PROCESS (1ull << 60)
#define UUID_THREAD  (2ull << 60)
#define UUID_COUNTER (3ull << 60)

struct perfetto {
	FILE *f;
	int err;
	struct pb_buf pkt;
	uint64_t *known; /* open-addressing set of the track uuids described so far */
	size_t known_cap;
	size_t known_cnt;
	uint64_t counters;
};

/* Length of the character at s: 1 for ASCII, its UTF-8 sequence's, 0 for a stray byte. */
static size_t char_len(const unsigned char *s, size_t n)
{
	return s[0] < 0x80 ? 1 : utf8_len(s, n);
}

/*
 * A string field: protobuf strings are UTF-8, and protoc and the UI reject or garble what is
 * not (a target's bytes, a string cut at TRACE_STR_MAX): such bytes become U+FFFD.
 */
static void put_text(struct pb_buf *b, uint32_t field, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len = 0, mark;

	while (i < n && (len = char_len(s + i, n - i)))
		i += len;
	if (i == n) {
		pb_bytes(b, field, str, n);
		return;
	}
	mark = pb_open(b, field);
	for (i = 0; i < n; i += len ? len : 1) {
		len = char_len(s + i, n - i);
		if (len)
			pb_raw(b, s + i, len);
		else
			pb_raw(b, "\xef\xbf\xbd", 3);
	}
	pb_close(b, mark);
}

static void put_str(struct pb_buf *b, uint32_t field, const char *s)
{
	put_text(b, field, s, strlen(s));
}

static void write_packet(struct perfetto *p)
{
	uint8_t head[1 + PB_VARINT_MAX];
	size_t n;

	pb_uint(&p->pkt, PKT_SEQUENCE_ID, SEQUENCE_ID);
	if (p->pkt.oom) {
		p->err = p->err ? p->err : -ENOMEM;
		pb_reset(&p->pkt);
		return;
	}
	head[0] = TRACE_PACKET << 3 | PB_LEN;
	n = 1 + pb_varint_encode(head + 1, p->pkt.len);
	if ((fwrite_unlocked(head, 1, n, p->f) != n ||
	     fwrite_unlocked(p->pkt.p, 1, p->pkt.len, p->f) != p->pkt.len) &&
	    !p->err)
		p->err = errno ? -errno : -EIO;
	pb_reset(&p->pkt);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void write_clock_snapshot(struct perfetto *p)
{
	size_t snap, clk;

	snap = pb_open(&p->pkt, PKT_CLOCK_SNAPSHOT);
	clk = pb_open(&p->pkt, CLOCKS_CLOCK);
	pb_uint(&p->pkt, CLOCK_ID, BUILTIN_MONOTONIC);
	pb_uint(&p->pkt, CLOCK_TIMESTAMP, clock_ns(CLOCK_MONOTONIC));
	pb_close(&p->pkt, clk);
	clk = pb_open(&p->pkt, CLOCKS_CLOCK);
	pb_uint(&p->pkt, CLOCK_ID, BUILTIN_BOOTTIME);
	pb_uint(&p->pkt, CLOCK_TIMESTAMP, clock_ns(CLOCK_BOOTTIME));
	pb_close(&p->pkt, clk);
	pb_uint(&p->pkt, CLOCKS_PRIMARY, BUILTIN_MONOTONIC);
	pb_close(&p->pkt, snap);
	pb_uint(&p->pkt, PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_CLEARED);
	write_packet(p);
}

struct perfetto *perfetto_open(const char *path)
{
	struct perfetto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->f = fopen(path, "we");
	if (!p->f) {
		free(p);
		return NULL;
	}
	setvbuf(p->f, NULL, _IOFBF, 1 << 20);
	write_clock_snapshot(p);
	return p;
}

int perfetto_close(struct perfetto *p)
{
	int err = p->err;

	if (fclose(p->f) && !err)
		err = -errno;
	pb_free(&p->pkt);
	free(p->known);
	free(p);
	return err;
}

/* Adds uuid to the set of described tracks: true when it was not there yet. */
static bool track_new(struct perfetto *p, uint64_t uuid)
{
	size_t mask, i;

	if (2 * (p->known_cnt + 1) > p->known_cap) {
		size_t cap = p->known_cap ? 2 * p->known_cap : 64;
		uint64_t *set = calloc(cap, sizeof(*set)), *old = p->known;

		if (!set) {
			p->err = p->err ? p->err : -ENOMEM;
			return false;
		}
		p->known = set;
		p->known_cap = cap;
		p->known_cnt = 0;
		for (size_t k = 0; old && k < cap / 2; k++) {
			if (old[k])
				track_new(p, old[k]);
		}
		free(old);
	}
	mask = p->known_cap - 1;
	/* uuids are never 0: 0 marks an empty slot */
	for (i = (uuid * 0x9e3779b97f4a7c15ull) >> 32 & mask; p->known[i]; i = (i + 1) & mask) {
		if (p->known[i] == uuid)
			return false;
	}
	p->known[i] = uuid;
	p->known_cnt++;
	return true;
}

static void process_name(int pid, const char *thread_name, bool main_thread, char *buf, size_t sz)
{
	char path[32];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sz, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0] && main_thread)
		snprintf(buf, sz, "%s", thread_name);
}

uint64_t perfetto_thread_track(struct perfetto *p, int pid, int tid, const char *thread_name)
{
	uint64_t proc = UUID_PROCESS | (uint32_t)pid;
	uint64_t uuid = UUID_THREAD | (uint64_t)(uint32_t)pid << 30 | (uint32_t)tid;
	char name[64];
	size_t d, sub;

	if (!track_new(p, uuid))
		return uuid;
	if (track_new(p, proc)) {
		process_name(pid, thread_name, pid == tid, name, sizeof(name));
		d = pb_open(&p->pkt, PKT_TRACK_DESCRIPTOR);
		pb_uint(&p->pkt, TRACK_UUID, proc);
		sub = pb_open(&p->pkt, TRACK_PROCESS);
		pb_int(&p->pkt, PROCESS_PID, pid);
		if (name[0])
			put_str(&p->pkt, PROCESS_NAME, name);
		pb_close(&p->pkt, sub);
		pb_close(&p->pkt, d);
		write_packet(p);
	}
	d = pb_open(&p->pkt, PKT_TRACK_DESCRIPTOR);
	pb_uint(&p->pkt, TRACK_UUID, uuid);
	pb_uint(&p->pkt, TRACK_PARENT, proc);
	sub = pb_open(&p->pkt, TRACK_THREAD);
	pb_int(&p->pkt, THREAD_PID, pid);
	pb_int(&p->pkt, THREAD_TID, tid);
	put_str(&p->pkt, THREAD_NAME, thread_name);
	pb_close(&p->pkt, sub);
	pb_close(&p->pkt, d);
	write_packet(p);
	return uuid;
}

uint64_t perfetto_counter_track(struct perfetto *p, const char *name)
{
	uint64_t uuid = UUID_COUNTER | ++p->counters;
	size_t d, sub;

	track_new(p, uuid);
	d = pb_open(&p->pkt, PKT_TRACK_DESCRIPTOR);
	pb_uint(&p->pkt, TRACK_UUID, uuid);
	put_str(&p->pkt, TRACK_NAME, name);
	sub = pb_open(&p->pkt, TRACK_COUNTER);
	pb_uint(&p->pkt, COUNTER_UNIT, UNIT_COUNT);
	pb_close(&p->pkt, sub);
	pb_close(&p->pkt, d);
	write_packet(p);
	return uuid;
}

/* Opens the packet of an event: timestamp and clock, then the TrackEvent up to its type. */
static size_t event_open(struct perfetto *p, uint64_t ts_ns, uint64_t track,
			 enum perfetto_event_type type)
{
	size_t ev;

	pb_uint(&p->pkt, PKT_TIMESTAMP, ts_ns);
	pb_uint(&p->pkt, PKT_TIMESTAMP_CLOCK, BUILTIN_MONOTONIC);
	ev = pb_open(&p->pkt, PKT_TRACK_EVENT);
	pb_uint(&p->pkt, EVENT_TYPE, type);
	pb_uint(&p->pkt, EVENT_TRACK, track);
	return ev;
}

static void put_arg(struct pb_buf *b, const struct perfetto_arg *a)
{
	size_t ann = pb_open(b, EVENT_ANNOTATION);

	put_str(b, ANN_NAME, a->name);
	switch (a->kind) {
	case PERFETTO_ARG_INT:
		pb_int(b, ANN_INT, a->i);
		break;
	case PERFETTO_ARG_UINT:
		pb_uint(b, ANN_UINT, a->u);
		break;
	case PERFETTO_ARG_HEX:
		pb_uint(b, ANN_POINTER, a->u);
		break;
	case PERFETTO_ARG_STR:
		put_text(b, ANN_STRING, a->str.s, a->str.len);
		break;
	}
	pb_close(b, ann);
}

void perfetto_event(struct perfetto *p, enum perfetto_event_type type, uint64_t ts_ns,
		    uint64_t track, const char *category, const char *name,
		    const struct perfetto_arg *args, size_t arg_cnt)
{
	size_t ev;

	if (type != PERFETTO_INSTANT && type != PERFETTO_SLICE_BEGIN) {
		p->err = p->err ? p->err : -EINVAL;
		return;
	}
	ev = event_open(p, ts_ns, track, type);
	put_str(&p->pkt, EVENT_CATEGORY, category);
	put_str(&p->pkt, EVENT_NAME, name);
	for (size_t i = 0; i < arg_cnt; i++)
		put_arg(&p->pkt, &args[i]);
	pb_close(&p->pkt, ev);
	write_packet(p);
}

void perfetto_slice_end(struct perfetto *p, uint64_t ts_ns, uint64_t track)
{
	pb_close(&p->pkt, event_open(p, ts_ns, track, PERFETTO_SLICE_END));
	write_packet(p);
}

void perfetto_counter(struct perfetto *p, uint64_t ts_ns, uint64_t track, int64_t value)
{
	size_t ev = event_open(p, ts_ns, track, PERFETTO_COUNTER);

	pb_int(&p->pkt, EVENT_COUNTER_VALUE, value);
	pb_close(&p->pkt, ev);
	write_packet(p);
}
