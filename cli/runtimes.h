/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime catalog (data/runtimes.catalog): per language runtime or server, the programs
 * that run it, the files that hold its probes and the probes of each role (calls, gc, ...);
 * and what a probe needs before it fires. Read by the runtime commands and by the tracer.
 */
#ifndef USDTCTL_RUNTIMES_H
#define USDTCTL_RUNTIMES_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "usdt.h"

enum rt_role {
	RT_CALL,
	RT_GC,
	RT_ALLOC,
	RT_THREAD,
	RT_CLASSLOAD,
	RT_EXCEPTION,
	RT_QUERY,
	RT_ROLE_CNT,
};

#define RT_KEY_PARTS 4
#define RT_SEP_MAX   8

/* "arg3::arg0": the arguments, and the text before each (sep[0] before the first). */
struct rt_key {
	int cnt;
	unsigned char arg[RT_KEY_PARTS];
	char sep[RT_KEY_PARTS][RT_SEP_MAX];
};

struct rt_role_entry {
	bool set;
	char *probe[2]; /* the probe; with a second for call, gc, thread, query */
	struct rt_key key;
	int size_arg; /* alloc: the size's argument, or -1 */
};

struct runtime {
	char *name;
	char **programs, **libraries;
	size_t program_cnt, library_cnt;
	struct rt_role_entry role[RT_ROLE_CNT];
};

enum rt_need_kind {
	RT_NEED_SEMAPHORE, /* value: the probe whose semaphore must be raised */
	RT_NEED_ENV,	   /* value: VAR=VALUE */
	RT_NEED_SAYS,	   /* value: the text */
};

struct rt_need {
	char *glob;
	enum rt_need_kind kind;
	char *value;
};

struct runtimes {
	struct runtime *rt;
	size_t cnt;
	struct rt_need *needs;
	size_t need_cnt;
};

/*
 * Loads the runtime catalogs in search order ($USDTCTL_RUNTIMES, ~/.config/usdtctl/
 * runtimes.catalog, the installed one). A malformed line is an error naming file:line and
 * what was expected (reported). Returns 0 or EXIT_RUNTIME.
 */
int runtimes_load(struct runtimes *r);
void runtimes_free(struct runtimes *r);
/* Writes the search path for --help. */
void runtimes_print_paths(FILE *out, const char *indent);

/* The runtime called name, or NULL. */
const struct runtime *runtimes_find(const struct runtimes *r, const char *name);
/* The runtime whose program matches the file name of exe (a path), or NULL. */
const struct runtime *runtimes_by_program(const struct runtimes *r, const char *exe);
/* The first of rt's libraries that exists into buf: 0, or -ENOENT. */
int runtime_library(const struct runtime *rt, char *buf, size_t sz);
/* "call", "gc", ... */
const char *rt_role_name(enum rt_role role);

#endif /* USDTCTL_RUNTIMES_H */
