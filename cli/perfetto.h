/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A Perfetto trace writer: the protobuf file the Perfetto UI and trace_processor open, a stream
 * of TracePacket (perfetto.protos.Trace, field 1) on one packet sequence. Tracks are described
 * before their first event: one per thread (with its process), and counter tracks. Events are
 * instants, slices (begin/end, nesting per track) and counter values, with debug annotations.
 * Timestamps are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns()): every event packet says so
 * (timestamp_clock_id 3, BUILTIN_CLOCK_MONOTONIC), and the first packet, a ClockSnapshot of
 * MONOTONIC and BOOTTIME, makes MONOTONIC the trace's clock.
 * The schema subset written is tests/perfetto/perfetto_subset.proto.
 */
#ifndef USDTCTL_PERFETTO_H
#define USDTCTL_PERFETTO_H

#include <stddef.h>
#include <stdint.h>

/* Perfetto's TrackEvent.Type */
enum perfetto_event_type {
	PERFETTO_SLICE_BEGIN = 1,
	PERFETTO_SLICE_END = 2,
	PERFETTO_INSTANT = 3,
	PERFETTO_COUNTER = 4,
};

enum perfetto_arg_kind {
	PERFETTO_ARG_INT,
	PERFETTO_ARG_UINT,
	PERFETTO_ARG_HEX, /* an unsigned value shown in hex (a pointer_value) */
	PERFETTO_ARG_STR,
};

/* One debug annotation of an event. */
struct perfetto_arg {
	const char *name;
	enum perfetto_arg_kind kind;
	union {
		int64_t i;
		uint64_t u;
		struct {
			const char *s;
			size_t len;
		} str;
	};
};

struct perfetto;

/* Creates path and writes the clock snapshot. NULL with errno set on failure. */
struct perfetto *perfetto_open(const char *path);
/* Flushes and closes: 0, or the negative errno of the first write that failed. */
int perfetto_close(struct perfetto *p);

/*
 * The track of thread tid of process pid: described on first use, with the process (named from
 * /proc/PID/comm while it lives, else after the thread when pid == tid).
 */
uint64_t perfetto_thread_track(struct perfetto *p, int pid, int tid, const char *thread_name);
/* A new counter track named name, counting (UNIT_COUNT). */
uint64_t perfetto_counter_track(struct perfetto *p, const char *name);

/* An instant or a slice begin on track: category and name, and arg_cnt annotations. */
void perfetto_event(struct perfetto *p, enum perfetto_event_type type, uint64_t ts_ns,
		    uint64_t track, const char *category, const char *name,
		    const struct perfetto_arg *args, size_t arg_cnt);
/* Ends the innermost open slice of track. */
void perfetto_slice_end(struct perfetto *p, uint64_t ts_ns, uint64_t track);
/* A value of a counter track. */
void perfetto_counter(struct perfetto *p, uint64_t ts_ns, uint64_t track, int64_t value);

#endif /* USDTCTL_PERFETTO_H */
