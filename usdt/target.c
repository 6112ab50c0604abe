// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process targets: the ELF files a process has mapped executable, from /proc/PID/maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "usdt.h"

#define DELETED_SUFFIX " (deleted)"

struct path_set {
	char **v;
	size_t cnt, cap;
};

static bool path_set_has(const struct path_set *set, const char *path)
{
	for (size_t i = 0; i < set->cnt; i++) {
		if (strcmp(set->v[i], path) == 0)
			return true;
	}
	return false;
}

/* Adds path unless it is already there, deleted, or not a file ([vdso], anon_inode:...). */
static int path_set_add(struct path_set *set, const char *path)
{
	size_t len = strlen(path), slen = strlen(DELETED_SUFFIX);

	if (path[0] != '/' || (len > slen && strcmp(path + len - slen, DELETED_SUFFIX) == 0))
		return 0;
	if (path_set_has(set, path))
		return 0;
	if (usdti_ensure_mem((void **)&set->v, &set->cap, sizeof(*set->v), set->cnt + 1, 32))
		return -ENOMEM;
	set->v[set->cnt] = strdup(path);
	if (!set->v[set->cnt])
		return -ENOMEM;
	set->cnt++;
	return 0;
}

static void path_set_free(struct path_set *set)
{
	for (size_t i = 0; i < set->cnt; i++)
		free(set->v[i]);
	free(set->v);
}

/* "start-end perms offset dev inode   path": the path of an executable mapping, or NULL. */
static const char *exec_mapping_path(char *line)
{
	char perms[8];
	int path_at = 0;
	size_t len;

	if (sscanf(line, "%*s %7s %*s %*s %*s %n", perms, &path_at) != 1 || !path_at)
		return NULL;
	if (!strchr(perms, 'x'))
		return NULL;
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	return line + path_at;
}

static int collect_paths(pid_t pid, struct path_set *set)
{
	char proc[64], exe[PATH_MAX], *line = NULL;
	size_t line_sz = 0;
	ssize_t n;
	FILE *maps;
	int err = 0;

	snprintf(proc, sizeof(proc), "/proc/%d/maps", (int)pid);
	maps = fopen(proc, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	/* the executable first; it is in the maps too, unless the process is exiting */
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		err = path_set_add(set, exe);
	}
	while (!err && getline(&line, &line_sz, maps) > 0) {
		const char *path = exec_mapping_path(line);

		if (path)
			err = path_set_add(set, path);
	}
	free(line);
	fclose(maps);
	return err;
}

int usdt_pid_objects(pid_t pid, usdt_object_fn fn, void *ctx)
{
	struct path_set set = {};
	char root[64];
	int err;

	if (pid <= 0 || !fn)
		return usdti_err(-EINVAL);
	err = collect_paths(pid, &set);
	if (err)
		pr_debug("pid %d: cannot read its mappings: %s\n", (int)pid, strerror(-err));
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	for (size_t i = 0; !err && i < set.cnt; i++) {
		char *open_path;

		/* through the process's root directory: a container sees its own files */
		if (asprintf(&open_path, "%s%s", root, set.v[i]) < 0) {
			err = -ENOMEM;
			break;
		}
		err = fn(open_path, set.v[i], ctx);
		free(open_path);
	}
	path_set_free(&set);
	return err < 0 ? usdti_err(err) : err;
}
