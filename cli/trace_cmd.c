// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace -c CMD. The child is forked first and waits on a pipe; usdtctl attaches the
 * probes to the command's executable and libraries by path, filtered by the child's pid
 * (which exec keeps), and only then lets it exec: no early probe is missed.
 */
#define _GNU_SOURCE
#include "trace_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "uprobe_multi.h"
#include "usdt.h"

/* "NAME=value": a shell assignment before the command word. */
static bool is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');

	if (!eq || eq == w || !(isalpha((unsigned char)w[0]) || w[0] == '_'))
		return false;
	for (const char *p = w; p < eq; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	}
	return true;
}

int trace_cmd_word(const char *cmd, char *word, size_t sz)
{
	const char *found = NULL;
	char *copy, *save = NULL;
	wordexp_t we;
	int err = -EINVAL;

	if (wordexp(cmd, &we, WRDE_NOCMD) == 0) {
		for (size_t i = 0; i < we.we_wordc && !found; i++) {
			if (!is_assignment(we.we_wordv[i]))
				found = we.we_wordv[i];
		}
		if (found)
			err = snprintf(word, sz, "%s", found) < (int)sz ? 0 : -ENAMETOOLONG;
		wordfree(&we);
		return err;
	}
	/* pipes, redirections and the like: wordexp refuses them, the first word still counts */
	copy = strdup(cmd);
	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t\n", &save); w && !found;
	     w = strtok_r(NULL, " \t\n", &save))
		if (!is_assignment(w))
			found = w;
	if (found)
		err = snprintf(word, sz, "%s", found) < (int)sz ? 0 : -ENAMETOOLONG;
	free(copy);
	return err;
}

/* For a "#!" script, its interpreter ("#!/usr/bin/env NAME" looks NAME up): 1 if not a script. */
static int script_interpreter(const char *path, char *buf, size_t sz)
{
	char line[256], *save = NULL, *tok, *base;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */

	if (fd < 0)
		return -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 1;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	tok = strtok_r(line + 2, " \t", &save);
	if (!tok)
		return -ENOEXEC;
	base = strrchr(tok, '/');
	if (base && strcmp(base + 1, "env") == 0) {
		do
			tok = strtok_r(NULL, " \t", &save);
		while (tok && tok[0] == '-');
		if (!tok)
			return -ENOEXEC;
	}
	return usdt_resolve_binary_path(tok, buf, sz);
}

int trace_cmd_executable(const char *cmd, char *buf, size_t buf_sz)
{
	char word[PATH_MAX], path[PATH_MAX];
	int err = trace_cmd_word(cmd, word, sizeof(word));

	if (err)
		return err;
	err = usdt_resolve_binary_path(word, path, sizeof(path));
	/* a script's interpreter is what runs; interpreters can be scripts too, a few levels */
	for (int depth = 0; !err && depth < 4; depth++) {
		err = script_interpreter(path, word, sizeof(word));
		if (err == 1) {
			err = 0;
			break;
		}
		if (!err)
			memcpy(path, word, sizeof(path));
	}
	if (err)
		return err;
	if (!realpath(path, buf) && snprintf(buf, buf_sz, "%s", path) >= (int)buf_sz)
		return -ENAMETOOLONG;
	return 0;
}

struct path_list {
	char **v;
	size_t cnt;
};

static int add_path(const char *path, void *ctx)
{
	struct path_list *l = ctx;
	char **n = realloc(l->v, (l->cnt + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	l->v = n;
	n[l->cnt] = strdup(path);
	if (!n[l->cnt])
		return -ENOMEM;
	l->cnt++;
	return 0;
}

int trace_cmd_libraries(const char *exe, char ***paths, size_t *cnt)
{
	/* the command inherits usdtctl's environment */
	struct usdt_needed_opts opts = {.sz = sizeof(opts),
					.library_path = getenv("LD_LIBRARY_PATH")};
	struct path_list l = {};
	int err = usdt_needed_objects(exe, &opts, add_path, &l);

	*paths = l.v;
	*cnt = l.cnt;
	return err;
}

int trace_child_spawn(struct trace_child *c, const char *cmd)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid == 0) {
		char b;

		close(p[1]);
		/* usdtctl ignores SIGPIPE, which exec would keep */
		signal(SIGPIPE, SIG_DFL);
		/* usdtctl gone before the start: do not run the command untraced */
		if (read(p[0], &b, 1) != 1)
			_exit(127);
		/* "VAR=value cmd" works; a simple command replaces the shell (dash, bash) */
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	err = c->pid < 0 ? -errno : 0;
	close(p[0]);
	if (err) {
		close(p[1]);
		c->go_fd = -1;
		return err;
	}
	c->go_fd = p[1];
	return 0;
}

int trace_child_start(struct trace_child *c)
{
	int err = write(c->go_fd, "g", 1) == 1 ? 0 : -errno;

	close(c->go_fd);
	c->go_fd = -1;
	return err;
}

int trace_child_finish(struct trace_child *c, int *status)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	pid_t r;

	if (c->pid <= 0)
		return -ECHILD;
	if (c->go_fd >= 0) {
		/* never started: the child sees EOF and exits */
		close(c->go_fd);
		c->go_fd = -1;
	}
	r = waitpid(c->pid, status, WNOHANG);
	if (r == 0) {
		kill(c->pid, SIGTERM);
		for (int i = 0; i < 100 && r == 0; i++) {
			nanosleep(&tick, NULL);
			r = waitpid(c->pid, status, WNOHANG);
		}
		if (r == 0) {
			kill(c->pid, SIGKILL);
			r = waitpid(c->pid, status, 0);
		}
	}
	c->pid = 0;
	return r < 0 ? -errno : 0;
}
