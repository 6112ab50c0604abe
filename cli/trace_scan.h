/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * usdtctl trace, before anything is loaded: the PROBE patterns, the object files they apply to
 * (TARGET, -p PID, -c CMD, usdt:PATH), and the sites and probes that match in each, which size
 * the BPF maps. Errors are reported here (cli_error) and returned as exit codes.
 */
#ifndef USDTCTL_TRACE_SCAN_H
#define USDTCTL_TRACE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "catalog.h"
#include "hashmap.h"
#include "suggest.h"
#include "usdt.h"

/* One PROBE argument. */
struct trace_pattern {
	const char *arg;
	char *path; /* usdt:PATH: the file it names, or NULL: the TARGET, -p or -c objects */
	char *glob;
	struct arg_types types;
	bool has_types;
	bool matched;
	struct suggest near; /* the probes closest to it, while it matches none */
};

/* One object file to attach to. */
struct trace_object {
	char *path;  /* opened and attached (-p: /proc/self/fd/FD) */
	char *shown; /* as the process sees it, for messages */
	int fd;	     /* -p: the file the process maps, open until the link is gone; or -1 */
	bool named;  /* TARGET, usdt:PATH or -c's program: must be readable */
	pid_t pid;   /* -p: the process it is traced in (an object per process and file) */
	dev_t dev;
	ino_t ino;
	bool *pats; /* the patterns that apply to it */
	const char **globs;
	size_t glob_cnt;
	size_t site_cnt;
	struct usdt_file *file; /* read once: scanned, then attached from */
	struct usdt_plan *plan; /* its sites the globs select */
	struct usdt_link *link;
};

/* A (object, provider, name) the scan found: how its arguments print. */
struct found_probe {
	size_t obj;
	char *provider;
	char *name;
	int pat; /* the pattern whose type list applies: the first matching one with types */
	unsigned char fmt[USDT_MAX_ARGS];
};

struct trace_scan {
	/* inputs */
	pid_t pid;	   /* -p: the first one */
	const pid_t *pids; /* every -p */
	size_t pid_cnt;
	const char *cmd;    /* -c */
	const char *target; /* TARGET */
	bool follow;	    /* following processes: their objects are added as they map them */
	/* results */
	struct trace_pattern *pats;
	size_t pat_cnt;
	struct trace_object *objs;
	size_t obj_cnt;
	struct found_probe *found;
	size_t found_cnt;
	struct usdti_hashmap found_index; /* (object, provider, name) -> found */
	size_t site_cnt;		  /* matching sites, in all objects */
};

/* Parses the PROBE arguments (type lists, usdt: specs). */
int trace_scan_patterns(struct trace_scan *t, char **probes, int cnt);
/*
 * Finds the object files: TARGET (a program with the libraries it loads), -p's mappings, -c's
 * program and libraries, usdt:PATHs.
 */
int trace_scan_objects(struct trace_scan *t);
/*
 * Reads their notes: the matching sites and probes, each object's globs, and the plan that
 * attaches its sites from the file as read (o->plan, o->file).
 */
int trace_scan_sites(struct trace_scan *t);
/*
 * Following processes: the file a process maps at open_path (a /proc/self/fd/N, shown as
 * path), added and scanned unless seen before. *oi is its index when it has matching sites
 * (kept, to attach), SIZE_MAX when not, or when its probes would make more than max_found
 * (nothing kept; the latter warned). Returns 0 or an exit code (reported).
 */
int trace_scan_add_mapped(struct trace_scan *t, const char *open_path, const char *shown,
			  size_t max_found, size_t *oi);
/*
 * Whether o->path still names o's file: not the /proc/self/fd/N of a descriptor closed after
 * the scan (-p's objects with nothing to attach), which may name another file by now.
 */
bool trace_object_readable(const struct trace_object *o);
/* Frees the object's plan and file once they are attached (or failed to). */
void trace_scan_attached(struct trace_object *o);
/* Fails, naming the pattern and the files, when a pattern matched nothing. */
int trace_scan_check(const struct trace_scan *t);
/* Following: a warning for each pattern that matched nothing in what was seen. */
void trace_scan_warn_unmatched(const struct trace_scan *t);
/* The probe the scan found in object obj with that provider and name, or NULL. */
const struct found_probe *trace_scan_find(const struct trace_scan *t, size_t obj,
					  const char *provider, const char *name);
/* Frees everything but the objects' links, which must be destroyed before. */
void trace_scan_free(struct trace_scan *t);

#endif /* USDTCTL_TRACE_SCAN_H */
