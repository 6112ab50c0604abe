// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --cgroup PATH|ID. A cgroup v2's id is the inode number of its directory; BPF compares the
 * traced task's ancestor at the cgroup's level with it, so its descendants count too.
 */
#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#define CGROUP_ROOT_ID 1  /* the root cgroup's directory inode */
#define MAX_LEVEL      64 /* deeper than any cgroup tree */
#define WALK_FDS       16

static bool is_cgroup2(const char *path, struct stat *st)
{
	struct statfs sfs;

	return !stat(path, st) && S_ISDIR(st->st_mode) && !statfs(path, &sfs) &&
	       sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Climbs ".." up to the root cgroup: the number of steps is the level. */
static int path_level(const char *path, __u32 *level)
{
	char up[PATH_MAX];
	struct stat st;
	size_t len = snprintf(up, sizeof(up), "%s", path);

	for (*level = 0; *level < MAX_LEVEL; (*level)++) {
		if (len >= sizeof(up) || !is_cgroup2(up, &st))
			return -ENOENT;
		if (st.st_ino == CGROUP_ROOT_ID)
			return 0;
		len += snprintf(up + len, sizeof(up) - len, "/..");
	}
	return -ENOENT;
}

static __u64 walk_id;
static __u32 walk_level;

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	if (type != FTW_D || st->st_ino != walk_id)
		return 0;
	walk_level = ftw->level;
	return 1;
}

/* Where cgroup v2 is mounted: CGROUP_ROOT, or /sys/fs/cgroup/unified on a hybrid system. */
static void cgroup2_root(char *buf, size_t sz)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;

	snprintf(buf, sz, "%s", CGROUP_ROOT);
	while (f && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(buf, sz, "%s", m->mnt_dir);
			break;
		}
	}
	if (f)
		endmntent(f);
}

int cgroup_resolve(const char *arg, __u64 *id, __u32 *level)
{
	char path[PATH_MAX], root[PATH_MAX], *end;
	unsigned long long v;
	struct stat st;
	int n;

	cgroup2_root(root, sizeof(root));
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!errno && end != arg && !*end && arg[0] != '-') {
		/* an id: where in the tree it is gives its level */
		walk_id = v;
		if (nftw(root, walk_cb, WALK_FDS, FTW_PHYS | FTW_MOUNT) != 1)
			return -ENOENT;
		*id = v;
		*level = walk_level;
		return 0;
	}
	n = arg[0] == '/' ? snprintf(path, sizeof(path), "%s", arg)
			  : snprintf(path, sizeof(path), "%s/%s", root, arg);
	if (n >= (int)sizeof(path) || !is_cgroup2(path, &st))
		return -ENOENT;
	*id = st.st_ino;
	return path_level(path, level);
}
