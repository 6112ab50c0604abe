// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl list with no TARGET: every running process's mapped objects, each file once. A
 * first pass over /proc gathers the files by (device, inode) with the pids mapping each; a
 * second lists each file, opened through the first process that maps it (its map_files
 * entry: never a path a container could have replaced). A process gone in between is passed
 * over; its files are listed through the next one that maps them.
 */
#define _GNU_SOURCE
#include "list.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "file_ids.h"
#include "mem.h"

struct seen {
	pid_t *pids;
	size_t pid_cnt, pid_cap;
	bool listed;
};

struct all_walk {
	struct file_ids ids;
	struct seen *v; /* by file id */
	size_t cap;
	pid_t pid; /* the process walked */
	struct list_ctx *lc;
	cli_object_fn list_file;
	bool nomem;
};

/* The file's entry, added when new and add is set; NULL when out of memory or not found. */
static struct seen *find(struct all_walk *w, const struct stat *st, bool add)
{
	bool added;
	long id;

	/* room first: a file the ids have is one this walk has */
	if (add && usdti_ensure_mem((void **)&w->v, &w->cap, sizeof(*w->v), w->ids.cnt + 1, 64))
		return NULL;
	id = file_ids_get(&w->ids, st->st_dev, st->st_ino, add, &added);
	if (id < 0)
		return NULL;
	if (added)
		w->v[id] = (struct seen){};
	return &w->v[id];
}

static int gather_cb(const char *open_path, const char *path, void *ctx)
{
	struct all_walk *w = ctx;
	struct stat st;
	struct seen *s;

	(void)path;
	if (stat(open_path, &st))
		return 0;
	s = find(w, &st, true);
	if (!s ||
	    usdti_ensure_mem((void **)&s->pids, &s->pid_cap, sizeof(*s->pids), s->pid_cnt + 1, 4)) {
		w->nomem = true;
		return -ENOMEM;
	}
	s->pids[s->pid_cnt++] = w->pid;
	return 0;
}

static int list_cb(const char *open_path, const char *path, void *ctx)
{
	struct all_walk *w = ctx;
	struct stat st;
	struct seen *s;

	if (stat(open_path, &st) || !(s = find(w, &st, false)) || s->listed)
		return 0;
	s->listed = true;
	w->lc->pids = s->pids;
	w->lc->pid_cnt = s->pid_cnt;
	return w->list_file(open_path, path, w->lc);
}

/* Calls fn for every process; returns -ENOMEM if the walk ran out of memory. */
static int each_process(struct all_walk *w, cli_object_fn fn)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return -errno;
	while (!w->nomem && (de = readdir(d))) {
		if (!cli_parse_pid(de->d_name, &w->pid) && w->pid != getpid())
			cli_pid_objects(w->pid, NULL, 0, NULL, fn, w);
	}
	closedir(d);
	return w->nomem ? -ENOMEM : 0;
}

int list_all(struct list_ctx *lc, cli_object_fn list_file)
{
	struct all_walk w = {.lc = lc, .list_file = list_file};
	int err = each_process(&w, gather_cb);

	lc->skip_unreadable = true;
	if (!err)
		err = each_process(&w, list_cb);
	fflush(stdout);
	if (err)
		lc->status = cli_error(EXIT_RUNTIME, "listing every process: %s", strerror(-err));
	for (size_t i = 0; i < w.ids.cnt; i++)
		free(w.v[i].pids);
	free(w.v);
	file_ids_free(&w.ids);
	lc->pids = NULL;
	lc->pid_cnt = 0;
	return lc->status;
}
