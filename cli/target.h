/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where probes live, as the command line names them: files, bare program and library names,
 * usdt:PATH:provider:name specs, and the objects a process maps. Shared by list and trace.
 */
#ifndef USDTCTL_TARGET_H
#define USDTCTL_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Splits "usdt:PATH:provider:name" into PATH and the glob "provider:name"; the short form
 * "usdt:PATH:name" gives "*:name" (any provider), as bpftrace reads it. PATH is the text up to
 * the last two (or the last) ':'. Returns 0 with *path and *glob malloc'ed, -EINVAL when arg is
 * not such a spec (no "usdt:" prefix, or an empty PATH, provider or name), -ENOMEM.
 */
int cli_parse_usdt_spec(const char *arg, char **path, char **glob);
bool cli_is_usdt_spec(const char *arg);

/* True when arg contains ':' or a glob character ('*', '?', '['). */
bool cli_has_pattern_chars(const char *arg);

/*
 * Resolves a TARGET: a name with '/' is taken as it is; a bare name is looked up like the
 * dynamic loader ("*.so*") or PATH would, never in the working directory. Returns 0, -ENOENT,
 * -ENAMETOOLONG.
 */
int cli_resolve_target(const char *name, char *buf, size_t buf_sz);

/*
 * The TARGET/PATTERN rule shared by list and trace, for one argument: is it a TARGET?
 * A name with '/', or a bare name that resolves as a program or library.
 */
bool cli_is_target(const char *arg);

/* "NAME: no such file, program or library", with the fix when NAME is a file here. */
int cli_no_target(const char *name);

/* Parses -d and -i arguments: a positive finite number of seconds. Returns 0 or -EINVAL. */
int cli_parse_seconds(const char *s, double *v);

/* Parses a -p argument: a positive decimal pid. Returns 0 or -EINVAL. */
int cli_parse_pid(const char *s, pid_t *pid);

/*
 * Calls fn for every ELF object mapped executable by pid (each once; open_path is the mapped
 * file's /proc/self/fd/N, open while fn runs, see usdt_pid_objects()) that matches one of the
 * filters, or for all when filter_cnt is 0. A filter
 * matches an object by its path in the process, by the same file (device and inode, the
 * filter looked up inside the process's root), or, for a bare name, by basename.
 * matched (filter_cnt entries, or NULL) marks the filters that matched an object.
 * Returns 0, fn's first non-zero value, or -errno (-ESRCH: no such process).
 */
typedef int (*cli_object_fn)(const char *open_path, const char *path, void *ctx);
int cli_pid_objects(pid_t pid, const char *const *filters, size_t filter_cnt, bool *matched,
		    cli_object_fn fn, void *ctx);

/* True when pid maps an object that name selects, as a filter of cli_pid_objects() does. */
bool cli_pid_maps(pid_t pid, const char *name);

/* A message for an open/read error of a target: "no such file", "not an ELF file", ... */
const char *cli_file_strerror(int err);

#endif /* USDTCTL_TARGET_H */
