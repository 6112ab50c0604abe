// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * demo_app: a program instrumented the way applications ship USDT probes, with semaphores
 * and an ENABLED() guard around work done only for tracers. Built twice from this file:
 * demo_app with <usdt/probe.h> (demo_app_usdt.h), demo_app_sdt with <sys/sdt.h> through a
 * dtrace -h style header (demo_app_probes.h). Both name their probes the same way.
 *
 *   demo_app [-n COUNT] [-i MS] [-q]
 *
 * Serves COUNT made-up requests (default 5), one every MS milliseconds (default 0). Unless -q,
 * it prints each probe hit as "provider:name arg1 arg2 ..." (strings quoted), the way
 * minitrace prints them, so the two outputs can be compared.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef DEMO_APP_SDT
#include "demo_app_probes.h"

unsigned short demo_request_semaphore __attribute__((section(".probes")));
unsigned short demo_tick_semaphore __attribute__((section(".probes")));
#else
#include "demo_app_usdt.h"

USDT_SEMA(demo, request);
USDT_SEMA(demo, tick);
#endif

struct user {
	const char *name;
	uint32_t uid;
};

struct request {
	int32_t id;
	const char *path;
	uint8_t method;
	int16_t status;
	uint64_t bytes;
	const struct user *user;
};

static const struct user users[] = {{"root", 0}, {"alice", 1000}, {"nobody", 65534}};
static const char *const paths[] = {"/", "/index.html", "/api/v1/items?limit=10"};
static bool quiet;

static void serve(struct request *req)
{
	req->status = req->id % 4 == 3 ? -1 : 200 + (req->id % 2) * 4;
	req->bytes = (uint64_t)req->id << 33 | 0x1234;
	/* the guard: nothing below runs unless a tracer raised the semaphore */
	if (DEMO_REQUEST_ENABLED()) {
		if (!quiet)
			printf("demo:request %d \"%s\" %u %d %llu %u\n", req->id, req->path,
			       req->method, req->status, (unsigned long long)req->bytes,
			       req->user->uid);
		DEMO_REQUEST(req->id, req->path, req->method, req->status, req->bytes,
			     req->user->uid);
	}
}

static void tick(uint32_t n, int64_t delta)
{
	if (!quiet)
		printf("demo:tick %u %lld\n", n, (long long)delta);
	DEMO_TICK(n, delta);
}

int main(int argc, char **argv)
{
	struct timespec pause = {0};
	int count = 5, opt;

	while ((opt = getopt(argc, argv, "n:i:q")) != -1) {
		switch (opt) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'i':
			pause.tv_sec = atoi(optarg) / 1000;
			pause.tv_nsec = (atoi(optarg) % 1000) * 1000000L;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-i MS] [-q]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < count; i++) {
		struct request req = {
			.id = i + 1,
			.path = paths[i % 3],
			.method = (uint8_t)(i % 3 + 1),
			.user = &users[i % 3],
		};

		serve(&req);
		tick((uint32_t)i, -(int64_t)i * 1000000007LL);
		nanosleep(&pause, NULL);
	}
	return 0;
}
