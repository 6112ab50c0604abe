/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * demo_app's probes with <usdt/probe.h>, under the names `dtrace -h` gives them in
 * demo_app_probes.h (the <sys/sdt.h> build): the same notes for tools, and on x86-64 a site
 * that libusdt probes at a nop5, about a third of the cost on Linux 6.18. Each probe has a
 * semaphore (USDT_SEMA in demo_app.c); a probe fires only while its semaphore is raised.
 */
#ifndef DEMO_APP_USDT_H
#define DEMO_APP_USDT_H

#include <usdt/probe.h>

USDT_SEMA_DECLARE(demo, request);
USDT_SEMA_DECLARE(demo, tick);

#define DEMO_REQUEST_ENABLED() USDT_IS_ENABLED(demo, request)
#define DEMO_REQUEST(...)      USDT_PROBE_SEMA(demo, request, __VA_ARGS__)
#define DEMO_TICK_ENABLED()    USDT_IS_ENABLED(demo, tick)
#define DEMO_TICK(...)	       USDT_PROBE_SEMA(demo, tick, __VA_ARGS__)

#endif /* DEMO_APP_USDT_H */
