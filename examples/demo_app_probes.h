/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What `dtrace -h -s demo_app.d` (SystemTap's dtrace) writes, kept in the tree so that
 * building the examples needs no dtrace. Each probe gets a semaphore, defined once in the
 * program (dtrace -G would make an object for them); DEMO_X_ENABLED() reads it, so costly
 * argument preparation happens only while a tracer is attached.
 */
#ifndef DEMO_APP_PROBES_H
#define DEMO_APP_PROBES_H

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* DEMO_REQUEST ( int, char *, unsigned char, short, unsigned long long, unsigned int ) */
#define DEMO_REQUEST_ENABLED() __builtin_expect(demo_request_semaphore, 0)
__extension__ extern unsigned short demo_request_semaphore __attribute__((unused))
__attribute__((section(".probes")));
#define DEMO_REQUEST(arg1, arg2, arg3, arg4, arg5, arg6) \
	DTRACE_PROBE6(demo, request, arg1, arg2, arg3, arg4, arg5, arg6)

/* DEMO_TICK ( unsigned int, long long ) */
#define DEMO_TICK_ENABLED() __builtin_expect(demo_tick_semaphore, 0)
__extension__ extern unsigned short demo_tick_semaphore __attribute__((unused))
__attribute__((section(".probes")));
#define DEMO_TICK(arg1, arg2) DTRACE_PROBE2(demo, tick, arg1, arg2)

#endif /* DEMO_APP_PROBES_H */
