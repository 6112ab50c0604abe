// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* trace -p PID...: the traced processes' pidfds, and when the trace ends. */
#define _GNU_SOURCE
#include "trace_pids.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

int trace_pids_open(struct trace_pids *p, const pid_t *pids, size_t cnt)
{
	for (size_t i = 0; i < cnt && i < TRACE_PIDS_MAX; i++) {
		p->pid[i] = pids[i];
		p->exited[i] = false;
		p->fd[i] = syscall(SYS_pidfd_open, pids[i], 0);
		p->cnt = i + 1;
		if (p->fd[i] < 0 && errno == ESRCH)
			return -pids[i];
	}
	return 0;
}

static bool exited(const struct trace_pids *p, size_t i)
{
	struct pollfd pf = {.fd = p->fd[i], .events = POLLIN};

	if (p->fd[i] < 0)
		return kill(p->pid[i], 0) && errno == ESRCH;
	return poll(&pf, 1, 0) == 1;
}

pid_t trace_pids_gone(const struct trace_pids *p)
{
	for (size_t i = 0; i < p->cnt; i++)
		if (exited(p, i))
			return p->pid[i];
	return 0;
}

void trace_pids_watch(const struct trace_pids *p, int ep)
{
	for (size_t i = 0; i < p->cnt; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TRACE_PIDS_EPOLL + i};

		if (p->fd[i] >= 0)
			epoll_ctl(ep, EPOLL_CTL_ADD, p->fd[i], &ev);
	}
}

void trace_pids_exited(struct trace_pids *p, int ep, unsigned tag)
{
	size_t i = tag - TRACE_PIDS_EPOLL;

	if (tag < TRACE_PIDS_EPOLL || i >= p->cnt)
		return;
	/* a pidfd stays readable: it would wake every wait from now on */
	epoll_ctl(ep, EPOLL_CTL_DEL, p->fd[i], NULL);
	p->exited[i] = true;
}

bool trace_pids_alive(struct trace_pids *p)
{
	bool alive = false;

	for (size_t i = 0; i < p->cnt; i++) {
		if (!p->exited[i])
			p->exited[i] = exited(p, i);
		alive |= !p->exited[i];
	}
	return alive;
}

bool trace_pids_polled(const struct trace_pids *p)
{
	for (size_t i = 0; i < p->cnt; i++)
		if (p->fd[i] < 0 && !p->exited[i])
			return true;
	return false;
}

void trace_pids_close(struct trace_pids *p)
{
	for (size_t i = 0; i < p->cnt; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	p->cnt = 0;
}
