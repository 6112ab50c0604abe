// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The traced side of the benchmarks: fires bench:hit (two arguments) in a timed loop or at a
 * controlled rate, or waits with its binary mapped while a tracer attaches to its sites.
 * Linked alone (bench_target) or with generated sites (bench_sites_N).
 *
 * bench:hit's site is <sys/sdt.h>'s nop, or with BENCH_PROBE_H <usdt/probe.h>'s (nop; lea
 * -128(%rsp),%rsp; nop5; lea 128(%rsp),%rsp), or with BENCH_NOP10 a nop then a 10-byte nop
 * (the site later kernels may optimize past the red zone: 6.18 probes it at the nop).
 *
 *   bench_target wait                     prints "ready", then waits for EOF on stdin
 *   bench_target loop N                   N hits; prints the cost of one hit in ns on stdout,
 *                                         in CPU time and in wall time
 *   bench_target strloop N                the same with bench:req(i, name), name one of
 *                                         STR_KEYS strings
 *   bench_target pairloop N               the same with N pairs of bench:start(i) and
 *                                         bench:done(i) on one thread (2N hits)
 *   bench_target rate RATE SECONDS [THREADS]
 *                                         RATE hits/s in all (0 = as fast as possible) for
 *                                         SECONDS over THREADS threads; prints
 *                                         "bench_target: fired N in S s, CPU C s" on
 *                                         stderr (C: all its threads, uprobe handling
 *                                         included)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(BENCH_PROBE_H)
#include <usdt/probe.h>
#define HIT_PROBE(i, x)		 USDT_PROBE(bench, hit, i, x)
#define BENCH_PROBE1(name, a)	 USDT_PROBE(bench, name, a)
#define BENCH_PROBE2(name, a, b) USDT_PROBE(bench, name, a, b)
#elif defined(BENCH_NOP10)
#include <usdt/probe.h>
/* <usdt/probe.h>'s note (an internal macro) after a nop and a 10-byte nop */
#define HIT_PROBE(i, x)                                                                        \
	__asm__ __volatile__("990: nop\n"                                                      \
			     ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0\n" _USDT_NOTE( \
				     bench, hit, 0, ".ascii \"-8@%[i] -8@%[x]\"\n")            \
			     :                                                                 \
			     : [i] "r"(i), [x] "r"(x))
#define BENCH_PROBE1(name, a)	 USDT_PROBE(bench, name, a)
#define BENCH_PROBE2(name, a, b) USDT_PROBE(bench, name, a, b)
#else
#include <sys/sdt.h>
#define HIT_PROBE(i, x)		 STAP_PROBE2(bench, hit, i, x)
#define BENCH_PROBE1(name, a)	 STAP_PROBE1(bench, name, a)
#define BENCH_PROBE2(name, a, b) STAP_PROBE2(bench, name, a, b)
#endif

#define MAX_THREADS 64

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* noinline: the probe's arguments stay in registers, as in the generated sites */
static __attribute__((noinline)) void hit(long i, long x)
{
	HIT_PROBE(i, x);
}

#define STR_KEYS 16

static const char *const str_keys[STR_KEYS] = {
	"SELECT * FROM users WHERE id = $1",
	"SELECT * FROM orders WHERE user_id = $1",
	"UPDATE users SET seen = now()",
	"INSERT INTO log VALUES ($1, $2)",
	"BEGIN",
	"COMMIT",
	"key06",
	"key07",
	"key08",
	"key09",
	"key10",
	"key11",
	"key12",
	"key13",
	"key14",
	"key15",
};

static __attribute__((noinline)) void req(long i, const char *name)
{
	BENCH_PROBE2(req, i, name);
}

static __attribute__((noinline)) void pair(long i)
{
	BENCH_PROBE1(start, i);
	BENCH_PROBE1(done, i);
}

static int do_wait(void)
{
	char buf[64];

	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return 0;
}

enum loop_kind {
	LOOP_HIT,
	LOOP_STR,
	LOOP_PAIR,
};

/* CPU time includes the kernel's uprobe handling, which runs in this thread. */
static int do_loop(long n, enum loop_kind kind)
{
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t0 = now_s(), c1, t1;
	long hits = kind == LOOP_PAIR ? 2 * n : n;

	for (long i = 0; i < n; i++) {
		if (kind == LOOP_HIT)
			hit(i, n - i);
		else if (kind == LOOP_STR)
			req(i, str_keys[i % STR_KEYS]);
		else
			pair(i);
	}
	t1 = now_s();
	c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	printf("%.2f %.2f\n", (c1 - c0) * 1e9 / hits, (t1 - t0) * 1e9 / hits);
	return 0;
}

/* One cache line each: the threads do not share the lines they write. */
struct pacer {
	double rate; /* hits/s of this thread, 0 = unpaced */
	double start, end;
	long fired;
} __attribute__((aligned(64)));

/* Sleeps until the clock is at t: a thread ahead of its rate does not burn CPU. */
static void sleep_until(double t)
{
	struct timespec ts = {.tv_sec = (time_t)t, .tv_nsec = (long)((t - (time_t)t) * 1e9)};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Fires in batches of up to BATCH hits, checking the clock in between: pacing costs little
 * next to a traced hit, and a thread that cannot keep up stops at the end all the same.
 */
#define BATCH 64

static void *pace(void *arg)
{
	struct pacer *p = arg;
	double now = p->start;

	while (now < p->end) {
		long due = p->rate ? (long)((now - p->start) * p->rate) + 1 : p->fired + BATCH;

		if (p->fired >= due) {
			sleep_until(p->start + (p->fired + BATCH) / p->rate);
		} else {
			for (int k = 0; k < BATCH && p->fired < due; k++) {
				hit(p->fired, due);
				p->fired++;
			}
		}
		now = now_s();
	}
	return NULL;
}

static int do_rate(double rate, double secs, int threads)
{
	struct pacer p[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	double start = now_s(), end = start + secs, t;
	long fired = 0;

	for (int i = 0; i < threads; i++) {
		p[i] = (struct pacer){.rate = rate / threads, .start = start, .end = end};
		if (pthread_create(&tid[i], NULL, pace, &p[i])) {
			fprintf(stderr, "bench_target: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		fired += p[i].fired;
	}
	t = now_s() - start;
	fprintf(stderr, "bench_target: fired %ld in %.3f s, CPU %.3f s\n", fired, t,
		clock_s(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_target wait | loop N | strloop N | pairloop N | "
			"rate RATE SECONDS [THREADS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "wait"))
		return do_wait();
	if (argc == 3 && atol(argv[2]) > 0) {
		if (!strcmp(argv[1], "loop"))
			return do_loop(atol(argv[2]), LOOP_HIT);
		if (!strcmp(argv[1], "strloop"))
			return do_loop(atol(argv[2]), LOOP_STR);
		if (!strcmp(argv[1], "pairloop"))
			return do_loop(atol(argv[2]), LOOP_PAIR);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "rate")) {
		int threads = argc == 5 ? atoi(argv[4]) : 1;

		if (atof(argv[2]) < 0 || atof(argv[3]) <= 0 || threads < 1 || threads > MAX_THREADS)
			return usage();
		return do_rate(atof(argv[2]), atof(argv[3]), threads);
	}
	return usage();
}
