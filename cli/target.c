// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Target resolution for list and trace: file names, bare names, usdt: specs and -p PID. */
#define _GNU_SOURCE
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "cli.h"
#include "uprobe_multi.h"
#include "usdt.h"

#define USDT_PREFIX "usdt:"

bool cli_is_usdt_spec(const char *arg)
{
	return strncmp(arg, USDT_PREFIX, strlen(USDT_PREFIX)) == 0;
}

int cli_parse_usdt_spec(const char *arg, char **path, char **glob)
{
	const char *s, *name, *prov;
	size_t path_len;

	if (!cli_is_usdt_spec(arg))
		return -EINVAL;
	s = arg + strlen(USDT_PREFIX);
	name = strrchr(s, ':');
	if (!name || name == s || !name[1])
		return -EINVAL;
	/* PROVIDER is the field before NAME unless that would leave no PATH or looks like one */
	prov = memrchr(s, ':', name - s);
	if (prov && prov > s && prov + 1 < name && !memchr(prov, '/', name - prov)) {
		path_len = prov - s;
		*glob = strdup(prov + 1);
	} else {
		path_len = name - s;
		if (asprintf(glob, "*%s", name) < 0)
			*glob = NULL;
	}
	if (!*glob)
		return -ENOMEM;
	*path = strndup(s, path_len);
	if (!*path) {
		free(*glob);
		*glob = NULL;
		return -ENOMEM;
	}
	return 0;
}

bool cli_has_pattern_chars(const char *arg)
{
	return strpbrk(arg, ":*?[") != NULL;
}

/*
 * As the shell, bpftrace and bcc do: a bare name is never the file of that name in the working
 * directory, which may be anyone's (/tmp). The library attaches the path this returns, so what
 * was listed or matched is what is attached.
 */
int cli_resolve_target(const char *name, char *buf, size_t buf_sz)
{
	return usdt_resolve_binary_path(name, buf, buf_sz);
}

int cli_no_target(const char *name)
{
	bool here = !strchr(name, '/') && access(name, F_OK) == 0;

	return cli_error(EXIT_RUNTIME, "%s: no such file, program or library%s%s", name,
			 here ? "; for the file in this directory, write ./" : "",
			 here ? name : "");
}

bool cli_is_target(const char *arg)
{
	char buf[PATH_MAX];

	return cli_resolve_target(arg, buf, sizeof(buf)) == 0;
}

int cli_parse_seconds(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*v) || *v <= 0 ? -EINVAL : 0;
}

int cli_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*pid = v;
	return 0;
}

struct pid_filter {
	const char *name;
	bool bare; /* no '/': also matches an object by basename */
	bool have_id;
	dev_t dev;
	ino_t ino;
};

struct pid_walk {
	struct pid_filter *filters;
	size_t filter_cnt;
	bool *matched;
	cli_object_fn fn;
	void *ctx;
};

/* name inside the process's root, its symlinks resolved there too: never against ours. */
static int stat_in_root(pid_t pid, const char *name, struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[64];
	int dfd, fd, err;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = syscall(SYS_openat2, dfd, name, &how, sizeof(how));
	close(dfd);
	if (fd < 0)
		return -1;
	err = fstat(fd, st);
	close(fd);
	return err;
}

/* The filter's file as the process sees it: under its root for absolute paths. */
static void filter_identify(pid_t pid, struct pid_filter *f)
{
	char resolved[PATH_MAX];
	const char *name = f->name;
	struct stat st;

	if (f->bare) {
		if (cli_resolve_target(name, resolved, sizeof(resolved)))
			return;
		name = resolved;
	}
	if ((name[0] == '/' ? stat_in_root(pid, name, &st) : stat(name, &st)) == 0) {
		f->have_id = true;
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
}

static bool filter_match(const struct pid_filter *f, const char *path, const struct stat *st)
{
	const char *base = strrchr(path, '/');

	if (strcmp(f->name, path) == 0)
		return true;
	if (f->bare && base && strcmp(f->name, base + 1) == 0)
		return true;
	return st && f->have_id && f->dev == st->st_dev && f->ino == st->st_ino;
}

static int pid_object_cb(const char *open_path, const char *path, void *ctx)
{
	struct pid_walk *w = ctx;
	struct stat st;
	bool hit = false, have_st;

	if (!w->filter_cnt)
		return w->fn(open_path, path, w->ctx);
	have_st = stat(open_path, &st) == 0;
	for (size_t i = 0; i < w->filter_cnt; i++) {
		if (filter_match(&w->filters[i], path, have_st ? &st : NULL)) {
			hit = true;
			if (w->matched)
				w->matched[i] = true;
		}
	}
	return hit ? w->fn(open_path, path, w->ctx) : 0;
}

int cli_pid_objects(pid_t pid, const char *const *filters, size_t filter_cnt, bool *matched,
		    cli_object_fn fn, void *ctx)
{
	struct pid_walk w = {.filter_cnt = filter_cnt, .matched = matched, .fn = fn, .ctx = ctx};
	int err;

	if (filter_cnt) {
		w.filters = calloc(filter_cnt, sizeof(*w.filters));
		if (!w.filters)
			return -ENOMEM;
	}
	for (size_t i = 0; i < filter_cnt; i++) {
		w.filters[i].name = filters[i];
		w.filters[i].bare = !strchr(filters[i], '/');
		filter_identify(pid, &w.filters[i]);
	}
	err = usdt_pid_objects(pid, pid_object_cb, &w);
	free(w.filters);
	return err;
}

static int found_cb(const char *open_path, const char *path, void *ctx)
{
	(void)open_path;
	(void)path;
	(void)ctx;
	return 1;
}

bool cli_pid_maps(pid_t pid, const char *name)
{
	return cli_pid_objects(pid, &name, 1, NULL, found_cb, NULL) == 1;
}

const char *cli_file_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
		return "no such file";
	case EACCES:
		return "permission denied";
	case ENOEXEC:
		return "not an ELF file, or its headers or notes are malformed";
	case EFBIG:
		return "its notes or section names are larger than the limit (128 MiB)";
	case ESRCH:
		return "no such process";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
