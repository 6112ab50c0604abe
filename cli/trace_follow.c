// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Following processes for usdtctl trace; see trace_follow.h and bpf/follow.h.
 *
 * The tracer's links are made once per file (pid -1) and the tracer program keeps the hits
 * of followed processes only: a forking server's workers cost nothing at fork, and a file
 * mapped by many followed processes costs one link. A followed process stops only when it
 * has mapped a file not seen yet, so a known program runs unstopped.
 *
 * Assume the followed processes hostile: they may exit, exec again or fork without end while
 * stopped or scanned. Every set is bounded (follow.h), a process that is gone is skipped, and
 * whatever usdtctl stopped is continued: at the end, or by the guard if usdtctl dies.
 */
#define _GNU_SOURCE
#include "trace_follow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cli.h"
#include "elf_file.h"
#include "follow.h"
#include "follow.skel.h"
#include "percpu.h"
#include "target.h"
#include "uprobe_multi.h"
#include "usdt.h"

#define GUARD_ROUNDS   5  /* passes over the stopped set once usdtctl is gone */
#define GUARD_PAUSE_MS 20 /* between them: a stop racing usdtctl's exit is in the set by then */

struct follower {
	struct follow_opts o;
	struct follow *skel;
	struct ring_buffer *rb;
	struct usdt_uprobe_link **loaders; /* the r_brk hook in each dynamic loader */
	size_t loader_cnt;
	int guard_fd; /* write end of the guard's pipe */
	pid_t guard;
	bool files_full;
	int err; /* an exit code from arm: fatal */
};

struct follower *follower_new(const struct follow_opts *o)
{
	struct follower *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return NULL;
	f->o = *o;
	f->guard_fd = -1;
	f->skel = follow__open();
	if (!f->skel) {
		err = -errno;
		goto fail;
	}
	f->skel->rodata->follow_only = !o->all;
	f->skel->rodata->cgroup_id = o->cgroup_id;
	f->skel->rodata->cgroup_level = o->cgroup_level;
	/* attached to each dynamic loader as it is seen */
	bpf_program__set_autoattach(f->skel->progs.follow_r_brk, false);
	err = usdt_program_prepare(f->skel->progs.follow_r_brk, USDT_MODE_AUTO);
	if (!err)
		err = follow__load(f->skel);
	if (err)
		goto fail;
	return f;
fail:
	follower_free(f);
	errno = -err;
	return NULL;
}

int follower_followed_fd(const struct follower *f)
{
	return bpf_map__fd(f->skel->maps.followed);
}

int follower_epoch_fd(const struct follower *f)
{
	return bpf_map__fd(f->skel->maps.follow_epoch);
}

/* Continues every process in the stopped set; bounded, whatever the set holds. */
static void continue_stopped(int map_fd)
{
	__u32 pid;

	for (int i = 0; i < 2 * FOLLOW_MAX_STOPS; i++) {
		if (bpf_map_get_next_key(map_fd, NULL, &pid))
			return;
		kill(pid, SIGCONT);
		bpf_map_delete_elem(map_fd, &pid);
	}
}

/*
 * The guard holds the stopped set and the read end of a pipe only usdtctl writes to: when
 * usdtctl is gone, however it died, it continues what is stopped. It ignores the signals a
 * terminal sends usdtctl's process group.
 */
static void guard_run(int rd, int stopped_fd)
{
	struct timespec pause = {0, GUARD_PAUSE_MS * 1000000L};
	int null = open("/dev/null", O_RDWR);
	ssize_t n;
	char b;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	dup2(rd, 3);
	dup2(stopped_fd, 4);
	close_range(5, ~0u, 0);
	while ((n = read(3, &b, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(0); /* usdtctl ended the trace and continued everything itself */
	for (int i = 0; i < GUARD_ROUNDS; i++) {
		continue_stopped(4);
		nanosleep(&pause, NULL);
	}
	_exit(0);
}

static int start_guard(struct follower *f)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	f->guard = fork();
	if (f->guard == 0) {
		/* both above 4, so that the dup2()s do not clobber one with the other */
		int rd = fcntl(p[0], F_DUPFD, 5),
		    sfd = fcntl(bpf_map__fd(f->skel->maps.stopped), F_DUPFD, 5);

		if (rd < 0 || sfd < 0)
			_exit(1);
		guard_run(rd, sfd);
	}
	close(p[0]);
	if (f->guard < 0) {
		close(p[1]);
		return -errno;
	}
	f->guard_fd = p[1];
	return 0;
}

static bool is_loader(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "ld-", 3) || !strncmp(base, "ld.so", 5) ||
	       !strncmp(base, "ld64.so", 7);
}

/* The cookie of follow_r_brk (follow.h): r_debug.r_state from _dl_debug_state, or 0. */
static __u64 r_state_delta(const char *open_path)
{
	__u64 brk, r_debug, delta = 0;
	struct usdti_elf ef;

	if (usdti_elf_open(open_path, &ef))
		return 0;
	if (!usdti_elf_sym_addr(&ef, "_dl_debug_state", &brk) &&
	    !usdti_elf_sym_addr(&ef, "_r_debug", &r_debug))
		delta = r_debug - brk +
			(ef.elf_class == ELFCLASS64 ? FOLLOW_R_STATE_OFF64 : FOLLOW_R_STATE_OFF32);
	usdti_elf_close(&ef);
	return delta;
}

/* The loader calls _dl_debug_state() (its r_debug.r_brk) around mapping or unmapping objects. */
static void arm_loader(struct follower *f, const char *open_path, const char *path)
{
	const char *sym = "_dl_debug_state";
	__u64 cookie = r_state_delta(open_path);
	USDT_OPTS(usdt_uprobe_multi_opts, o, .syms = &sym, .cookies = &cookie, .cnt = 1);
	struct usdt_uprobe_link **n, *l;

	n = realloc(f->loaders, (f->loader_cnt + 1) * sizeof(*n));
	if (!n)
		return;
	f->loaders = n;
	l = usdt_attach_uprobe_multi(f->skel->progs.follow_r_brk, -1, open_path, NULL, &o);
	if (!l) {
		cli_warn("%s: cannot watch its dlopen()s (%s): probes in the libraries it loads "
			 "are missed",
			 path, strerror(errno));
		return;
	}
	f->loaders[f->loader_cnt++] = l;
}

static int scan_cb(const char *open_path, const char *path, void *ctx)
{
	struct follower *f = ctx;
	struct follow_file key = {0};
	struct stat st;
	__u8 one = 1;

	if (stat(open_path, &st))
		return 0;
	/* as the kernel keeps s_dev: MAJOR << 20 | MINOR */
	key.dev = ((__u64)major(st.st_dev) << 20) | minor(st.st_dev);
	key.ino = st.st_ino;
	if (!bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.known), &key, &one))
		return 0;
	/* full: the file is armed all the same, its processes only stop more often */
	if (bpf_map_update_elem(bpf_map__fd(f->skel->maps.known), &key, &one, BPF_NOEXIST) &&
	    errno == E2BIG && !f->files_full) {
		f->files_full = true;
		cli_warn("more than %d executable files seen: processes mapping new ones stop "
			 "each time they do",
			 FOLLOW_MAX_FILES);
	}
	if (is_loader(path))
		arm_loader(f, open_path, path);
	return f->o.arm(f->o.ctx, open_path, path);
}

int follower_scan(struct follower *f, pid_t pid)
{
	int err = cli_pid_objects(pid, NULL, 0, NULL, scan_cb, f);

	/* gone, or its maps unreadable: nothing of it to arm */
	if (err < 0)
		return 0;
	if (err)
		f->err = err;
	return err;
}

void follower_scan_all(struct follower *f)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t pid;

	while (d && !f->err && (de = readdir(d))) {
		if (!cli_parse_pid(de->d_name, &pid) && pid != getpid())
			follower_scan(f, pid);
	}
	if (d)
		closedir(d);
}

int follower_add(struct follower *f, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map_update_elem(follower_followed_fd(f), &key, &one, BPF_ANY) ? -errno : 0;
}

static int on_stop(void *ctx, void *data, size_t size)
{
	struct follower *f = ctx;
	const struct follow_event *e = data;
	__u32 pid;

	if (size < sizeof(*e))
		return 0;
	pid = e->pid;
	if (cli_env.verbose)
		fprintf(stderr, "usdtctl: process %u stopped at its %s: attaching its new files\n",
			pid, e->why == FOLLOW_EXEC ? "exec" : "loader's r_brk");
	follower_scan(f, pid);
	kill(pid, SIGCONT);
	bpf_map_delete_elem(bpf_map__fd(f->skel->maps.stopped), &pid);
	return f->err ? -ECANCELED : 0;
}

int follower_start(struct follower *f)
{
	/* the guard first: from the attach on, BPF may stop processes that only we continue */
	int err = start_guard(f);

	if (err)
		return cli_error(EXIT_RUNTIME, "starting the follower's guard: %s", strerror(-err));
	err = follow__attach(f->skel);
	if (err)
		return cli_error(EXIT_RUNTIME, "attaching the follower: %s", strerror(-err));
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.follow_events), on_stop, f, NULL);
	if (!f->rb)
		return cli_error(EXIT_RUNTIME, "the follower's ring buffer: %s", strerror(errno));
	return 0;
}

int follower_fd(const struct follower *f)
{
	return ring_buffer__epoll_fd(f->rb);
}

int follower_work(struct follower *f)
{
	ring_buffer__consume(f->rb);
	return f->err;
}

int follower_for(const struct trace_opts *o, struct follow_opts *fo, struct follower **f)
{
	bool general = false;

	*f = NULL;
	if (o->cgroup && cgroup_resolve(o->cgroup, &fo->cgroup_id, &fo->cgroup_level))
		return cli_error(
			EXIT_USAGE,
			"trace: --cgroup '%s': not a cgroup v2 directory (under " CGROUP_ROOT
			" unless absolute) or id",
			o->cgroup);
	for (int i = 0; i < o->probe_cnt; i++)
		general |= !cli_is_usdt_spec(o->probes[i]);
	fo->all = !o->cmd && !o->pid && !o->target;
	if (!o->cmd && !o->follow && !(fo->all && general))
		return 0;
	*f = follower_new(fo);
	if (*f)
		return 0;
	if (errno == EPERM || errno == EACCES)
		return cli_error(EXIT_RUNTIME,
				 "following processes: %s: needs root or CAP_BPF+CAP_PERFMON",
				 strerror(errno));
	if (o->cmd) {
		cli_warn("cannot follow the command's processes (%s; Linux 6.7+ needed): tracing "
			 "the program it runs and its libraries only",
			 strerror(errno));
		return 0;
	}
	return cli_error(EXIT_RUNTIME,
			 "cannot follow processes: %s (Linux 6.7+ with BTF needed; USDTCTL_DEBUG=1 "
			 "shows libbpf's log)",
			 strerror(errno));
}

int follower_begin(struct follower *f, const struct trace_opts *o, pid_t child)
{
	const pid_t *pids = o->cmd ? &child : o->pids;
	size_t cnt = o->cmd ? 1 : o->pid_cnt;
	int err = follower_start(f);

	for (size_t i = 0; !err && i < cnt; i++) {
		err = follower_add(f, pids[i]);
		if (err)
			return cli_error(EXIT_RUNTIME, "following process %d: %s", (int)pids[i],
					 strerror(-err));
		/* -p: what it maps now; -c's process has not exec'ed yet */
		if (!o->cmd)
			err = follower_scan(f, pids[i]);
	}
	if (!err && !cnt)
		follower_scan_all(f);
	return err ? err : f->err;
}

void follower_free(struct follower *f)
{
	__u64 full = 0, missed = 0;
	int status;

	if (!f)
		return;
	if (f->skel) {
		follow__detach(f->skel);
		for (size_t i = 0; i < f->loader_cnt; i++)
			usdt_uprobe_link__destroy(f->loaders[i]);
		/* whatever BPF stopped since the attach, also when starting failed after it */
		continue_stopped(bpf_map__fd(f->skel->maps.stopped));
		percpu_sum(bpf_map__fd(f->skel->maps.follow_stats), FOLLOW_STAT_PROCS_FULL, &full);
		percpu_sum(bpf_map__fd(f->skel->maps.follow_stats), FOLLOW_STAT_NOT_STOPPED,
			   &missed);
	}
	if (full)
		cli_warn("%llu processes were not followed: more than %d at once",
			 (unsigned long long)full, FOLLOW_MAX_PROCS);
	if (missed)
		cli_warn("%llu times a followed process went on before its new files were "
			 "armed (too many stopped at once)",
			 (unsigned long long)missed);
	if (f->guard_fd >= 0) {
		if (write(f->guard_fd, "q", 1) != 1)
			cli_warn("the follower's guard: %s", strerror(errno));
		close(f->guard_fd);
		waitpid(f->guard, &status, 0);
	}
	ring_buffer__free(f->rb);
	free(f->loaders);
	follow__destroy(f->skel);
	free(f);
}
