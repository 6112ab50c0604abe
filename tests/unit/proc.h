/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Child processes of a test: tracked so that a timeout (alarm) or exit always kills them.
 * proc_timeout() arms both; proc_track() records a child as it starts and forgets it once
 * reaped.
 */
#ifndef USDT_TEST_PROC_H
#define USDT_TEST_PROC_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_MAX_CHILDREN 8

static volatile pid_t proc_children[PROC_MAX_CHILDREN];
static const char *proc_test_name;

static void proc_kill_children(void)
{
	for (size_t i = 0; i < PROC_MAX_CHILDREN; i++) {
		if (proc_children[i] > 0)
			kill(proc_children[i], SIGKILL);
	}
}

static void proc_on_alarm(int sig)
{
	static const char msg[] = ": timed out\n";

	(void)sig;
	proc_kill_children();
	if (write(2, proc_test_name, strlen(proc_test_name)) < 0 ||
	    write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Replaces the slot holding replace (0: a free one) with pid (0: frees it). */
static void proc_track(pid_t pid, pid_t replace)
{
	for (size_t i = 0; i < PROC_MAX_CHILDREN; i++) {
		if (proc_children[i] == replace) {
			proc_children[i] = pid;
			return;
		}
	}
}

/* After seconds, or at exit, the tracked children are killed; a timeout fails the test. */
static void proc_timeout(const char *test_name, unsigned int seconds)
{
	proc_test_name = test_name;
	signal(SIGALRM, proc_on_alarm);
	alarm(seconds);
	atexit(proc_kill_children);
}

#endif /* USDT_TEST_PROC_H */
