// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus text exposition writer (cli/prometheus.c): HELP/TYPE lines, label escaping
 * (backslash, double quote, newline; bytes that are not UTF-8), label names, counters, and
 * log2 histograms: cumulative buckets with integral and scaled bounds, +Inf, _sum, _count;
 * latency's microsecond slots of nanosecond values, linear buckets, and --stats's count and sum.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "prometheus.h"
#include "test.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
	struct prom_writer w;
};

static void capture_begin(struct capture *c)
{
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	prom_init(&c->w, c->f);
}

/* The text written, and prom_finish()'s result in *err. */
static char *capture_end(struct capture *c, int *err)
{
	*err = prom_finish(&c->w);
	fclose(c->f);
	return c->buf;
}

static void test_counter_and_escaping(void)
{
	struct capture c;
	struct prom_label esc[] = {
		{"provider", "a\\b\"c\nd"},
		{"name", "caf\xc3\xa9 \xff\xc3("}, /* é kept; a stray byte and a cut sequence */
		{"9bad-name", "x"},
	};
	char *out;
	int err;

	capture_begin(&c);
	prom_family(&c.w, "usdt_probe_hits_total", PROM_COUNTER, "Hits\\of a\nprobe.");
	prom_value(&c.w, esc, 3, 42);
	prom_value(&c.w, NULL, 0, 18446744073709551615ull);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	CHECK_STR(out, "# HELP usdt_probe_hits_total Hits\\\\of a\\nprobe.\n"
		       "# TYPE usdt_probe_hits_total counter\n"
		       "usdt_probe_hits_total{provider=\"a\\\\b\\\"c\\nd\","
		       "name=\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd(\",_9bad_name=\"x\"} 42\n"
		       "usdt_probe_hits_total 18446744073709551615\n");
	free(out);
}

static void test_histogram_integral(void)
{
	/* values 0; 1, 1; 4, 5, 7: slots 0, 1 and 3 */
	const uint64_t slots[] = {1, 2, 0, 3};
	struct prom_log2_hist h = {.slots = slots, .slot_cnt = 4, .sum = 18, .per_unit = 1};
	struct prom_label l[] = {{"provider", "p"}, {"name", "n"}};
	struct capture c;
	char *out;
	int err;

	capture_begin(&c);
	prom_family(&c.w, "usdt_probe_value", PROM_HISTOGRAM, "Values.");
	prom_histogram(&c.w, l, 2, &h);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	CHECK_STR(out, "# HELP usdt_probe_value Values.\n"
		       "# TYPE usdt_probe_value histogram\n"
		       "usdt_probe_value_bucket{provider=\"p\",name=\"n\",le=\"0\"} 1\n"
		       "usdt_probe_value_bucket{provider=\"p\",name=\"n\",le=\"1\"} 3\n"
		       "usdt_probe_value_bucket{provider=\"p\",name=\"n\",le=\"3\"} 3\n"
		       "usdt_probe_value_bucket{provider=\"p\",name=\"n\",le=\"7\"} 6\n"
		       "usdt_probe_value_bucket{provider=\"p\",name=\"n\",le=\"+Inf\"} 6\n"
		       "usdt_probe_value_sum{provider=\"p\",name=\"n\"} 18\n"
		       "usdt_probe_value_count{provider=\"p\",name=\"n\"} 6\n");
	free(out);
}

static void test_histogram_seconds(void)
{
	/* nanoseconds as seconds; a negative sum; no labels but le */
	const uint64_t slots[] = {0, 1, 2};
	struct prom_log2_hist h = {.slots = slots, .slot_cnt = 3, .sum = -1500, .per_unit = 1e9};
	struct capture c;
	char *out;
	int err;

	capture_begin(&c);
	prom_family(&c.w, "usdt_latency_seconds", PROM_HISTOGRAM, "Latency.");
	prom_histogram(&c.w, NULL, 0, &h);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	CHECK_STR(out, "# HELP usdt_latency_seconds Latency.\n"
		       "# TYPE usdt_latency_seconds histogram\n"
		       "usdt_latency_seconds_bucket{le=\"0\"} 0\n"
		       "usdt_latency_seconds_bucket{le=\"1e-09\"} 1\n"
		       "usdt_latency_seconds_bucket{le=\"3e-09\"} 3\n"
		       "usdt_latency_seconds_bucket{le=\"+Inf\"} 3\n"
		       "usdt_latency_seconds_sum -1.5e-06\n"
		       "usdt_latency_seconds_count 3\n");
	free(out);
}

static void test_histogram_slot_unit(void)
{
	/* ns slotted by microseconds: slot i holds up to 2^i us - 1 ns, its le in seconds */
	const uint64_t slots[] = {1, 0, 2};
	struct prom_log2_hist h = {
		.slots = slots, .slot_cnt = 3, .sum = 7500, .per_unit = 1e9, .slot_unit = 1000};
	struct capture c;
	char *out;
	int err;

	capture_begin(&c);
	prom_family(&c.w, "l", PROM_HISTOGRAM, "l");
	prom_histogram(&c.w, NULL, 0, &h);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	CHECK_STR(out, "# HELP l l\n# TYPE l histogram\n"
		       "l_bucket{le=\"9.99e-07\"} 1\n"
		       "l_bucket{le=\"1.999e-06\"} 1\n"
		       "l_bucket{le=\"3.999e-06\"} 3\n"
		       "l_bucket{le=\"+Inf\"} 3\n"
		       "l_sum 7.5e-06\n"
		       "l_count 3\n");
	free(out);
}

static void test_linear_and_count_sum(void)
{
	/* --lhist arg,-10,20,10: below -10; [-10, 0); [0, 10); [10, 20); from 20 on */
	const uint64_t slots[] = {1, 2, 0, 3, 4};
	struct prom_linear_hist h = {slots, 5, -42, -10, 10};
	struct prom_label l[] = {{"k", "v"}};
	struct capture c;
	char *out;
	int err;

	capture_begin(&c);
	prom_family(&c.w, "v", PROM_HISTOGRAM, "v");
	prom_linear_histogram(&c.w, l, 1, &h);
	prom_count_sum(&c.w, NULL, 0, 9, -3000000000, 1e9);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	CHECK_STR(out, "# HELP v v\n# TYPE v histogram\n"
		       "v_bucket{k=\"v\",le=\"-11\"} 1\n"
		       "v_bucket{k=\"v\",le=\"-1\"} 3\n"
		       "v_bucket{k=\"v\",le=\"9\"} 3\n"
		       "v_bucket{k=\"v\",le=\"19\"} 6\n"
		       "v_bucket{k=\"v\",le=\"+Inf\"} 10\n"
		       "v_sum{k=\"v\"} -42\n"
		       "v_count{k=\"v\"} 10\n"
		       "v_bucket{le=\"+Inf\"} 9\n"
		       "v_sum -3\n"
		       "v_count 9\n");
	free(out);
	/* a linear histogram needs its two open ends and a step */
	h.slot_cnt = 1;
	capture_begin(&c);
	prom_family(&c.w, "v", PROM_HISTOGRAM, "v");
	prom_linear_histogram(&c.w, NULL, 0, &h);
	free(capture_end(&c, &err));
	CHECK_INT(err, -EINVAL);
}

static void test_histogram_all_slots(void)
{
	/* the last slot holds [2^63, 2^64 - 1]: its bound is UINT64_MAX */
	uint64_t slots[PROM_LOG2_SLOTS] = {0};
	struct prom_log2_hist h = {.slots = slots, .slot_cnt = PROM_LOG2_SLOTS, .per_unit = 1};
	struct capture c;
	char *out, *line;
	int err, lines = 0;

	slots[PROM_LOG2_SLOTS - 1] = 5;
	capture_begin(&c);
	prom_family(&c.w, "h", PROM_HISTOGRAM, "h");
	prom_histogram(&c.w, NULL, 0, &h);
	out = capture_end(&c, &err);
	CHECK_INT(err, 0);
	for (line = out; (line = strchr(line, '\n')); line++)
		lines++;
	CHECK_INT(lines, 2 + PROM_LOG2_SLOTS + 3);
	CHECK(strstr(out, "h_bucket{le=\"9223372036854775807\"} 0\n"));
	CHECK(strstr(out, "h_bucket{le=\"18446744073709551615\"} 5\nh_bucket{le=\"+Inf\"} 5\n"));
	free(out);
}

static void test_misuse(void)
{
	const uint64_t slots[] = {1};
	struct prom_log2_hist h = {.slots = slots, .slot_cnt = 1, .per_unit = 1};
	struct capture c;
	char *out;
	int err;

	/* a sample before any family */
	capture_begin(&c);
	prom_value(&c.w, NULL, 0, 1);
	free(capture_end(&c, &err));
	CHECK_INT(err, -EINVAL);
	/* a histogram in a counter family, a value in a histogram family */
	capture_begin(&c);
	prom_family(&c.w, "c", PROM_COUNTER, "c");
	prom_histogram(&c.w, NULL, 0, &h);
	free(capture_end(&c, &err));
	CHECK_INT(err, -EINVAL);
	capture_begin(&c);
	prom_family(&c.w, "h", PROM_HISTOGRAM, "h");
	prom_value(&c.w, NULL, 0, 1);
	out = capture_end(&c, &err);
	CHECK_INT(err, -EINVAL);
	/* nothing of the refused sample was written */
	CHECK_STR(out, "# HELP h h\n# TYPE h histogram\n");
	free(out);
	/* more slots than 64-bit values have */
	h.slot_cnt = PROM_LOG2_SLOTS + 1;
	capture_begin(&c);
	prom_family(&c.w, "h", PROM_HISTOGRAM, "h");
	prom_histogram(&c.w, NULL, 0, &h);
	free(capture_end(&c, &err));
	CHECK_INT(err, -EINVAL);
}

int main(void)
{
	test_counter_and_escaping();
	test_histogram_integral();
	test_histogram_seconds();
	test_histogram_slot_unit();
	test_linear_and_count_sum();
	test_histogram_all_slots();
	test_misuse();
	return test_summary("test_prometheus");
}
