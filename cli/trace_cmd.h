/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl trace -c CMD: the command's process, started stopped before exec so the probes are
 * attached before its first instruction, and the objects it will map.
 */
#ifndef USDTCTL_TRACE_CMD_H
#define USDTCTL_TRACE_CMD_H

#include <stddef.h>
#include <sys/types.h>

/* The command word of cmd into buf: as the shell expands it, or the first plain word. */
int trace_cmd_word(const char *cmd, char *buf, size_t sz);

/*
 * The executable CMD will run: its first word (after VAR=value words) looked up in PATH;
 * for a "#!" script, its interpreter. Writes an absolute path into buf.
 * Returns 0, -ENOENT or -EINVAL (no command word).
 */
int trace_cmd_executable(const char *cmd, char *buf, size_t buf_sz);

/*
 * The shared objects exe will load (its DT_NEEDED closure and its dynamic loader), as the
 * dynamic loader resolves them (usdt_needed_objects()), with the current LD_LIBRARY_PATH.
 * Sets *paths to a malloc'ed array of malloc'ed paths; none for a static executable.
 */
int trace_cmd_libraries(const char *exe, char ***paths, size_t *cnt);

struct trace_child {
	pid_t pid;
	int go_fd; /* writing one byte lets the child exec */
};

/* Forks a child that waits for trace_child_start() and then runs CMD with /bin/sh -c. */
int trace_child_spawn(struct trace_child *c, const char *cmd);
/* Lets the child exec. */
int trace_child_start(struct trace_child *c);
/*
 * Reaps the child into *status: when it still runs, SIGTERM, then SIGKILL after a second.
 * Returns 0, or -errno when there is no child.
 */
int trace_child_finish(struct trace_child *c, int *status);

#endif /* USDTCTL_TRACE_CMD_H */
