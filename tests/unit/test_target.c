// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_pid_objects() on running fixtures: a program that links libtestprobes.so and one that
 * dlopen()s it, an executable deleted while it runs, processes that are gone, and 40,000
 * mappings (the walk must stay linear).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "test.h"
#include "usdt.h"

#define MAX_OBJECTS 64

struct child {
	pid_t pid;
	FILE *in, *out; /* its stdin (closing it ends the child) and stdout */
};

static struct child children[4];
static int child_cnt;

static void kill_children(void)
{
	for (int i = 0; i < child_cnt; i++) {
		if (children[i].pid > 0) {
			kill(children[i].pid, SIGKILL);
			waitpid(children[i].pid, NULL, 0);
			children[i].pid = 0;
		}
	}
}

/* Starts "prog wait" and reads its "pid N" line: it has loaded everything it will load. */
static struct child *start(const char *prog)
{
	struct child *c = &children[child_cnt];
	int in[2], out[2], pid = 0;
	char line[64];

	if (child_cnt == 4 || pipe(in) || pipe(out))
		return NULL;
	c->pid = fork();
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(prog, prog, "wait", (char *)NULL);
		_exit(127);
	}
	child_cnt++;
	close(in[0]);
	close(out[1]);
	c->in = fdopen(in[1], "w");
	c->out = fdopen(out[0], "r");
	if (c->pid < 0 || !c->in || !c->out || !fgets(line, sizeof(line), c->out) ||
	    sscanf(line, "pid %d", &pid) != 1 || pid != c->pid) {
		fprintf(stderr, "%s did not start\n", prog);
		return NULL;
	}
	return c;
}

static void stop(struct child *c)
{
	int status = -1;

	fclose(c->in); /* end of stdin: the fixture exits */
	fclose(c->out);
	waitpid(c->pid, &status, 0);
	c->pid = 0;
	CHECK_INT(status, 0);
}

struct objects {
	char open[MAX_OBJECTS][PATH_MAX], proc[MAX_OBJECTS][PATH_MAX];
	struct stat st[MAX_OBJECTS]; /* of open_path, while it was open */
	int cnt, stop_at;	     /* stop_at: return 42 on that call (1-based), 0 = never */
	size_t sites[MAX_OBJECTS];   /* its USDT sites, read through open_path */
	const char *deleted;	     /* a file deleted since it was mapped: no path to stat */
};

static int collect(const char *open_path, const char *proc_path, void *ctx)
{
	struct objects *o = ctx;

	if (o->cnt < MAX_OBJECTS) {
		struct usdt_file *f = usdt_file__open(open_path, NULL);

		snprintf(o->open[o->cnt], PATH_MAX, "%s", open_path);
		snprintf(o->proc[o->cnt], PATH_MAX, "%s", proc_path);
		CHECK(stat(open_path, &o->st[o->cnt]) == 0);
		o->sites[o->cnt] = f ? usdt_file__site_cnt(f) : 0;
		usdt_file__close(f);
	}
	o->cnt++;
	return o->cnt == o->stop_at ? 42 : 0;
}

static int count_suffix(const struct objects *o, const char *suffix)
{
	size_t sl = strlen(suffix);
	int n = 0;

	for (int i = 0; i < o->cnt && i < MAX_OBJECTS; i++) {
		size_t l = strlen(o->proc[i]);

		n += l >= sl && strcmp(o->proc[i] + l - sl, suffix) == 0;
	}
	return n;
}

/* What every listing must satisfy: distinct files, each opened as the file the process maps. */
static void check_objects(const struct objects *o)
{
	struct stat st;

	CHECK(o->cnt > 1 && o->cnt <= MAX_OBJECTS);
	for (int i = 0; i < o->cnt && i < MAX_OBJECTS; i++) {
		CHECK(!strncmp(o->open[i], "/proc/self/fd/", strlen("/proc/self/fd/")));
		CHECK(o->proc[i][0] == '/');
		CHECK(!strstr(o->proc[i], "(deleted)"));
		if (o->deleted && !strcmp(o->proc[i], o->deleted)) {
			CHECK(stat(o->proc[i], &st) != 0 && errno == ENOENT);
			CHECK(o->sites[i] > 0);
			continue;
		}
		CHECK(stat(o->proc[i], &st) == 0 && st.st_dev == o->st[i].st_dev &&
		      st.st_ino == o->st[i].st_ino);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(o->proc[i], o->proc[j]) != 0);
	}
	CHECK_INT(count_suffix(o, "/libc.so.6"), 1);
}

/* The library with probes is found once, can be opened, and has its probes. */
static void test_library(const char *prog)
{
	struct objects *o = calloc(1, sizeof(*o));
	char exe[PATH_MAX];
	struct child *c = start(prog);
	int lib = -1;

	CHECK(c && o && realpath(prog, exe));
	if (!c || !o)
		goto out;
	CHECK_INT(usdt_pid_objects(c->pid, collect, o), 0);
	check_objects(o);
	CHECK_STR(o->proc[0], exe); /* the executable comes first */
	CHECK_INT(count_suffix(o, "/libtestprobes.so"), 1);
	for (int i = 0; i < o->cnt && i < MAX_OBJECTS; i++) {
		if (strstr(o->proc[i], "/libtestprobes.so"))
			lib = i;
	}
	if (lib >= 0)
		CHECK_INT(o->sites[lib], 2);
	stop(c);
out:
	free(o);
}

/* A non-zero return from fn stops the walk and is passed back. */
static void test_stop(void)
{
	struct objects *o = calloc(1, sizeof(*o));
	struct child *c = start(FIXTURES_DIR "/lib_linked");

	CHECK(c && o);
	if (c && o) {
		o->stop_at = 2;
		CHECK_INT(usdt_pid_objects(c->pid, collect, o), 42);
		CHECK_INT(o->cnt, 2);
		stop(c);
	}
	free(o);
}

/*
 * An executable deleted after it started (an upgrade's rename) is still the process's: opened
 * through map_files, named by its path without " (deleted)", its probes read.
 */
static void test_deleted(void)
{
	char dir[] = "/tmp/test_target.XXXXXX", copy[64], cmd[256];
	struct objects *o = calloc(1, sizeof(*o));
	struct child *c = NULL;

	CHECK(o && mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/probes_copy", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", FIXTURES_DIR "/probes_pie", copy);
	CHECK(system(cmd) == 0);
	c = start(copy);
	CHECK(c && o);
	CHECK(unlink(copy) == 0);
	if (c && o) {
		o->deleted = copy;
		CHECK_INT(usdt_pid_objects(c->pid, collect, o), 0);
		check_objects(o);
		CHECK_INT(count_suffix(o, "/probes_copy"), 1);
		stop(c);
	}
	rmdir(dir);
	free(o);
}

/* Files mapped without exec permission (data, locales) are not objects with code. */
static void test_data_mapping(void)
{
	char path[] = "/tmp/test_target_data.XXXXXX", self[PATH_MAX];
	struct objects *o = calloc(1, sizeof(*o));
	int fd = mkstemp(path);
	void *map = MAP_FAILED;

	CHECK(o && fd >= 0 && ftruncate(fd, 4096) == 0);
	if (fd >= 0)
		map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED);
	if (o && map != MAP_FAILED) {
		CHECK_INT(usdt_pid_objects(getpid(), collect, o), 0);
		check_objects(o);
		CHECK_INT(count_suffix(o, path + 4), 0);
		CHECK(realpath("/proc/self/exe", self) && strcmp(o->proc[0], self) == 0);
		munmap(map, 4096);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(o);
}

static int count_calls(const char *open_path, const char *proc_path, void *ctx)
{
	(void)open_path;
	(void)proc_path;
	(*(int *)ctx)++;
	return 0;
}

static void test_no_process(void)
{
	pid_t pid = fork();
	int calls = 0;

	if (pid == 0)
		_exit(0);
	CHECK(pid > 0);
	waitpid(pid, NULL, 0); /* reaped: the pid names no process now */
	errno = 0;
	CHECK_INT(usdt_pid_objects(pid, count_calls, &calls), -ESRCH);
	CHECK_INT(errno, ESRCH);
	CHECK_INT(calls, 0);
	CHECK_INT(usdt_pid_objects(0, count_calls, &calls), -EINVAL);
	CHECK_INT(usdt_pid_objects(-1, count_calls, &calls), -EINVAL);
	CHECK_INT(usdt_pid_objects(getpid(), NULL, NULL), -EINVAL);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Maps files dir/N for N in [from, to) executable; returns how many it mapped. */
static int map_files(const char *dir, int from, int to)
{
	char path[PATH_MAX];
	int n = 0;

	for (int i = from; i < to; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%d", dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		/* a distinct file each: mappings of different files never merge */
		if (fd >= 0 && ftruncate(fd, 4096) == 0 &&
		    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) != MAP_FAILED)
			n++;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

static void unlink_files(const char *dir, int cnt)
{
	char path[PATH_MAX];

	for (int i = 0; i < cnt; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

static double walk_seconds(int *calls)
{
	double t0 = seconds();

	*calls = 0;
	CHECK_INT(usdt_pid_objects(getpid(), count_calls, calls), 0);
	return seconds() - t0;
}

/*
 * 10,000 then 40,000 executable mappings of distinct files: 4 times the mappings must cost
 * about 4 times the time, not 16 (a walk that compared each file with every other took 5.5 s
 * for 40,000).
 */
static void test_many_mappings(void)
{
	char dir[] = "/tmp/test_target_maps.XXXXXX";
	int base, calls, mapped;
	double t10, t40;

	CHECK(mkdtemp(dir) != NULL);
	walk_seconds(&base);
	mapped = map_files(dir, 0, 10000);
	t10 = walk_seconds(&calls);
	mapped += map_files(dir, 10000, 40000);
	t40 = walk_seconds(&calls);
	unlink_files(dir, 40000);
	CHECK_INT(mapped, 40000);
	CHECK_INT(calls, base + 40000);
	fprintf(stderr, "usdt_pid_objects: 10,000 mappings %.3f s, 40,000 %.3f s\n", t10, t40);
	CHECK(t40 < 8 * t10 + 0.05);
}

int main(void)
{
	alarm(60); /* the fixtures bound themselves too (FIXTURE_TIMEOUT) */
	atexit(kill_children);
	signal(SIGPIPE, SIG_IGN);
	test_library(FIXTURES_DIR "/lib_linked");
	test_library(FIXTURES_DIR "/lib_dlopen");
	test_stop();
	test_deleted();
	test_data_mapping();
	test_no_process();
	test_many_mappings();
	return test_summary("test_target");
}
