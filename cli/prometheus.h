/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus text exposition format, version 0.0.4: metric families (HELP and TYPE lines
 * followed by their samples), counters and gauges, and histograms from log2 slots as BPF keeps
 * them. What feeds it decides the families and rows; this file owns the format: names, label
 * escaping, bucket bounds, number syntax.
 */
#ifndef USDTCTL_PROMETHEUS_H
#define USDTCTL_PROMETHEUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a scrape answers with, in the Content-Type header. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM,
};

/* One label of a sample. The name is a Prometheus label name (other bytes are written '_'). */
struct prom_label {
	const char *name;
	const char *value; /* any bytes: escaped, and what is not UTF-8 becomes U+FFFD */
};

/*
 * A log2 histogram: slots[i] counts the values v whose v / slot_unit has bit width i (slot 0:
 * below slot_unit; slot i: [2^(i-1), 2^i - 1] slot_units), as bpftrace's hist() and usdtctl's
 * BPF side count them. The bucket of slot i is le = (2^i x slot_unit - 1) / per_unit, the
 * largest value it holds, cumulative, then le="+Inf".
 */
#define PROM_LOG2_SLOTS 65
struct prom_log2_hist {
	const uint64_t *slots;
	unsigned int slot_cnt; /* <= PROM_LOG2_SLOTS; every slot is written, empty or not */
	int64_t sum;	       /* of the values, in their own unit */
	double per_unit;       /* values per metric unit: 1e9 for ns -> s, 1 for none */
	uint64_t slot_unit;    /* the values were slotted in this unit (1000: us); 0 is 1 */
};

/*
 * A linear histogram of integers: slots[0] counts the values below min, slots[i] those in
 * [min + (i-1) step, min + i step), the last slot those from min + (slot_cnt - 2) step on.
 * The bucket of slot i < slot_cnt - 1 is le = min + i step - 1; the last one is le="+Inf".
 */
struct prom_linear_hist {
	const uint64_t *slots;
	unsigned int slot_cnt; /* >= 2 */
	int64_t sum;
	int64_t min;
	int64_t step;
};

struct prom_writer {
	FILE *f;
	const char *family;
	enum prom_type type;
	int err; /* the first misuse: -EINVAL */
};

void prom_init(struct prom_writer *w, FILE *f);
/* Starts a family: its HELP and TYPE lines; the samples up to the next family are of it. */
void prom_family(struct prom_writer *w, const char *name, enum prom_type type, const char *help);
/* One sample of the current counter or gauge family. */
void prom_value(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		uint64_t v);
/* One histogram of the current histogram family: its buckets, _sum and _count. */
void prom_histogram(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		    const struct prom_log2_hist *h);
/* The same for linear buckets. */
void prom_linear_histogram(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
			   const struct prom_linear_hist *h);
/* A histogram without buckets but le="+Inf": _count and _sum only (sum / per_unit). */
void prom_count_sum(struct prom_writer *w, const struct prom_label *labels, size_t label_cnt,
		    uint64_t count, int64_t sum, double per_unit);
/* 0, the first misuse, or -EIO when the stream failed. */
int prom_finish(struct prom_writer *w);

#endif /* USDTCTL_PROMETHEUS_H */
