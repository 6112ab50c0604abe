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

struct seen {
	dev_t dev;
	ino_t ino;
	pid_t *pids;
	size_t pid_cnt;
	bool listed;
};

struct all_walk {
	struct seen *v;
	size_t cnt, cap;
	size_t *slots; /* index + 1 into v, 0 = empty; at most half full */
	size_t slot_cap;
	pid_t pid; /* the process walked */
	struct list_ctx *lc;
	cli_object_fn list_file;
	bool nomem;
};

static size_t slot_of(const struct all_walk *w, dev_t dev, ino_t ino)
{
	size_t mask = w->slot_cap - 1, i = (ino * 0x9e3779b97f4a7c15ULL ^ dev) & mask;

	while (w->slots[i] &&
	       (w->v[w->slots[i] - 1].ino != ino || w->v[w->slots[i] - 1].dev != dev))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct all_walk *w)
{
	size_t cap = w->slot_cap ? 2 * w->slot_cap : 256, *slots = calloc(cap, sizeof(*slots));
	struct seen *v = realloc(w->v, cap / 2 * sizeof(*v));

	if (!slots || !v) {
		free(slots);
		if (v)
			w->v = v;
		return -ENOMEM;
	}
	w->v = v;
	free(w->slots);
	w->slots = slots;
	w->slot_cap = cap;
	for (size_t i = 0; i < w->cnt; i++)
		w->slots[slot_of(w, w->v[i].dev, w->v[i].ino)] = i + 1;
	return 0;
}

/* The file's entry, added when new and add is set; NULL when out of memory or not found. */
static struct seen *find(struct all_walk *w, const struct stat *st, bool add)
{
	size_t slot;

	if (add && 2 * (w->cnt + 1) > w->slot_cap && grow(w))
		return NULL;
	if (!w->slot_cap)
		return NULL;
	slot = slot_of(w, st->st_dev, st->st_ino);
	if (!w->slots[slot] && !add)
		return NULL;
	if (!w->slots[slot]) {
		memset(&w->v[w->cnt], 0, sizeof(w->v[w->cnt]));
		w->v[w->cnt].dev = st->st_dev;
		w->v[w->cnt].ino = st->st_ino;
		w->slots[slot] = ++w->cnt;
	}
	return &w->v[w->slots[slot] - 1];
}

static int gather_cb(const char *open_path, const char *path, void *ctx)
{
	struct all_walk *w = ctx;
	struct stat st;
	struct seen *s;
	pid_t *n;

	(void)path;
	if (stat(open_path, &st))
		return 0;
	s = find(w, &st, true);
	n = s ? realloc(s->pids, (s->pid_cnt + 1) * sizeof(*n)) : NULL;
	if (!n) {
		w->nomem = true;
		return -ENOMEM;
	}
	s->pids = n;
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
	for (size_t i = 0; i < w.cnt; i++)
		free(w.v[i].pids);
	free(w.v);
	free(w.slots);
	lc->pids = NULL;
	lc->pid_cnt = 0;
	return lc->status;
}
