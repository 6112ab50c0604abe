// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process targets: the ELF files a process has mapped executable, from /proc/PID/maps.
 *
 * A path in the maps is only a name: inside a container it can since have become a symlink to
 * a host file, a FIFO, or another file. What is opened is what the process maps: its
 * /proc/PID/map_files entry, or (without CAP_SYS_ADMIN) the path resolved inside the
 * process's root by openat2(RESOLVE_IN_ROOT), and only when the opened file's inode (and, for
 * a path, device) are the mapping's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "log.h"
#include "mem.h"
#include "usdt.h"

#define DELETED_SUFFIX " (deleted)"

struct mapping {
	unsigned long long start, end;
	dev_t dev;
	ino_t ino;
	char *path; /* as /proc/PID/maps shows it to us */
};

/* Distinct files in maps order; a hash of (dev, inode) keeps 40,000 mappings linear. */
struct mapping_set {
	struct mapping *v;
	size_t cnt, cap;
	size_t *slots; /* index + 1 into v, 0 = empty; at most half full */
	size_t slot_cap;
};

static size_t slot_of(const struct mapping_set *set, dev_t dev, ino_t ino)
{
	size_t mask = set->slot_cap - 1, i = (ino * 0x9e3779b97f4a7c15ULL ^ dev) & mask;

	while (set->slots[i] &&
	       (set->v[set->slots[i] - 1].ino != ino || set->v[set->slots[i] - 1].dev != dev))
		i = (i + 1) & mask;
	return i;
}

static int grow_slots(struct mapping_set *set)
{
	size_t cap = set->slot_cap ? set->slot_cap * 2 : 64;
	size_t *old = set->slots;

	set->slots = calloc(cap, sizeof(*set->slots));
	if (!set->slots) {
		set->slots = old;
		return -ENOMEM;
	}
	set->slot_cap = cap;
	for (size_t i = 0; i < set->cnt; i++)
		set->slots[slot_of(set, set->v[i].dev, set->v[i].ino)] = i + 1;
	free(old);
	return 0;
}

/* Adds m (taking a copy of its path) unless its file is there already. */
static int mapping_set_add(struct mapping_set *set, const struct mapping *m)
{
	size_t slot;

	if (2 * (set->cnt + 1) > set->slot_cap && grow_slots(set))
		return -ENOMEM;
	slot = slot_of(set, m->dev, m->ino);
	if (set->slots[slot])
		return 0;
	if (usdti_ensure_mem((void **)&set->v, &set->cap, sizeof(*set->v), set->cnt + 1, 32))
		return -ENOMEM;
	set->v[set->cnt] = *m;
	set->v[set->cnt].path = strdup(m->path);
	if (!set->v[set->cnt].path)
		return -ENOMEM;
	set->slots[slot] = ++set->cnt;
	return 0;
}

static void mapping_set_free(struct mapping_set *set)
{
	for (size_t i = 0; i < set->cnt; i++)
		free(set->v[i].path);
	free(set->v);
	free(set->slots);
}

/*
 * "start-end perms offset dev inode   path": true for an executable mapping of a file (not
 * [vdso] or anon_inode:...), with m->path pointing into line. A file deleted or replaced since
 * it was mapped (" (deleted)", an upgrade's rename) is still the process's: map_files opens
 * it, the path without the suffix names it; a path alone would find the new file and fail the
 * inode check.
 */
static bool parse_exec_mapping(char *line, struct mapping *m)
{
	size_t len, slen = strlen(DELETED_SUFFIX);
	unsigned int major, minor;
	unsigned long ino;
	char perms[8];
	int path_at = 0;

	if (sscanf(line, "%llx-%llx %7s %*s %x:%x %lu %n", &m->start, &m->end, perms, &major,
		   &minor, &ino, &path_at) != 6 ||
	    !path_at || !strchr(perms, 'x'))
		return false;
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	m->path = line + path_at;
	m->dev = makedev(major, minor);
	m->ino = ino;
	len -= path_at;
	if (len > slen && !strcmp(m->path + len - slen, DELETED_SUFFIX))
		m->path[len - slen] = '\0';
	return m->path[0] == '/';
}

/* The executable first, then the other files in maps order. */
static void exe_first(pid_t pid, struct mapping_set *set)
{
	char proc[64];
	struct stat st;
	size_t i;

	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
	if (!set->cnt || stat(proc, &st))
		return;
	i = set->slots[slot_of(set, st.st_dev, st.st_ino)];
	if (i > 1) {
		struct mapping exe = set->v[i - 1];

		memmove(set->v + 1, set->v, (i - 1) * sizeof(*set->v));
		set->v[0] = exe; /* the slots are not used again */
	}
}

static int collect_mappings(pid_t pid, struct mapping_set *set)
{
	char proc[64], *line = NULL;
	size_t line_sz = 0;
	FILE *maps;
	int err = 0;

	snprintf(proc, sizeof(proc), "/proc/%d/maps", (int)pid);
	maps = fopen(proc, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && getline(&line, &line_sz, maps) > 0) {
		struct mapping m;

		if (parse_exec_mapping(line, &m))
			err = mapping_set_add(set, &m);
	}
	free(line);
	fclose(maps);
	if (!err)
		exe_first(pid, set);
	return err;
}

/*
 * The process's root as the maps show paths to us: a chroot's files appear under it, a
 * container's (another mount namespace) from its own root. "" for our own root.
 */
static void process_root(pid_t pid, char *buf, size_t sz)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)pid);
	n = readlink(proc, buf, sz - 1);
	if (n <= 1)
		n = 0; /* "/" or unreadable */
	buf[n] = '\0';
}

/* The path as the process sees it: without the prefix of its root. */
static const char *path_in_root(const char *path, const char *root)
{
	size_t len = strlen(root);

	if (len && !strncmp(path, root, len) && path[len] == '/')
		return path + len;
	return path;
}

struct proc_walk {
	pid_t pid;
	int root_fd; /* /proc/PID/root, opened on first use */
	bool no_map_files;
};

/* Resolves path inside the process's root, never outside it, never blocking on a FIFO. */
static int open_in_root(struct proc_walk *w, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char proc[64];
	int fd;

	if (w->root_fd < 0) {
		snprintf(proc, sizeof(proc), "/proc/%d/root", (int)w->pid);
		w->root_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (w->root_fd < 0)
			return -errno;
	}
	fd = syscall(SYS_openat2, w->root_fd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* An fd of the file mapping m maps, or -errno (-ESTALE: the path names another file now). */
static int open_mapping(struct proc_walk *w, const struct mapping *m, const char *path)
{
	bool mapped = !w->no_map_files;
	char proc[96];
	struct stat st;
	int fd = -1;

	if (mapped) {
		snprintf(proc, sizeof(proc), "/proc/%d/map_files/%llx-%llx", (int)w->pid, m->start,
			 m->end);
		fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		/* map_files needs CAP_SYS_ADMIN: then the path, inside the process's root */
		if (fd < 0 && (errno == EPERM || errno == EACCES))
			w->no_map_files = true;
		else if (fd < 0)
			return -errno;
	}
	if (fd < 0) {
		mapped = false;
		fd = open_in_root(w, path);
		if (fd < 0)
			return fd;
	}
	/*
	 * The inode guards map_files against a mapping replaced meanwhile; a path must name the
	 * same device too. (overlayfs with layers on two file systems reports another st_dev
	 * than the maps show.)
	 */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != m->ino ||
	    (!mapped && st.st_dev != m->dev)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int usdt_pid_objects(pid_t pid, usdt_object_fn fn, void *ctx)
{
	struct proc_walk w = {.pid = pid, .root_fd = -1};
	struct mapping_set set = {};
	char root[PATH_MAX], fd_path[32];
	int err;

	if (pid <= 0 || !fn)
		return usdti_err(-EINVAL);
	err = collect_mappings(pid, &set);
	if (err)
		pr_debug("pid %d: cannot read its mappings: %s\n", (int)pid, strerror(-err));
	process_root(pid, root, sizeof(root));
	for (size_t i = 0; !err && i < set.cnt; i++) {
		const char *path = path_in_root(set.v[i].path, root);
		int fd = open_mapping(&w, &set.v[i], path);

		if (fd < 0) {
			pr_debug("pid %d: %s: %s\n", (int)pid, path, strerror(-fd));
			/* gone: say so once; unmapped or replaced: not its object any more */
			if (fd == -ENOENT && kill(pid, 0) && errno == ESRCH)
				err = -ESRCH;
			continue;
		}
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
		err = fn(fd_path, path, ctx);
		close(fd);
	}
	if (w.root_fd >= 0)
		close(w.root_fd);
	mapping_set_free(&set);
	return err < 0 ? usdti_err(err) : err;
}
