// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_pid_objects() on running fixtures: a program that links libtestprobes.so and one that
 * dlopen()s it, an executable deleted while it runs, and processes that are gone.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

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
	int cnt, stop_at; /* stop_at: return 42 on that call (1-based), 0 = never */
};

static int collect(const char *open_path, const char *proc_path, void *ctx)
{
	struct objects *o = ctx;

	if (o->cnt < MAX_OBJECTS) {
		snprintf(o->open[o->cnt], PATH_MAX, "%s", open_path);
		snprintf(o->proc[o->cnt], PATH_MAX, "%s", proc_path);
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

/* What every listing must satisfy: distinct files, opened through the process's root. */
static void check_objects(pid_t pid, const struct objects *o)
{
	char want[PATH_MAX + 32];

	CHECK(o->cnt > 1 && o->cnt <= MAX_OBJECTS);
	for (int i = 0; i < o->cnt && i < MAX_OBJECTS; i++) {
		snprintf(want, sizeof(want), "/proc/%d/root%s", (int)pid, o->proc[i]);
		CHECK_STR(o->open[i], want);
		CHECK(o->proc[i][0] == '/');
		CHECK(!strstr(o->proc[i], "(deleted)"));
		CHECK(access(o->open[i], R_OK) == 0);
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
	check_objects(c->pid, o);
	CHECK_STR(o->proc[0], exe); /* the executable comes first */
	CHECK_INT(count_suffix(o, "/libtestprobes.so"), 1);
	for (int i = 0; i < o->cnt && i < MAX_OBJECTS; i++) {
		if (strstr(o->proc[i], "/libtestprobes.so"))
			lib = i;
	}
	if (lib >= 0) {
		struct usdt_file *f = usdt_file__open(o->open[lib], NULL);

		CHECK(f && usdt_file__site_cnt(f) == 2);
		CHECK(f && usdt_probe_match("testlib:call", usdt_file__site(f, 0)->provider,
					    usdt_file__site(f, 0)->name));
		usdt_file__close(f);
	}
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

/* An executable deleted after it started is skipped (it cannot be opened by path). */
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
		CHECK_INT(usdt_pid_objects(c->pid, collect, o), 0);
		check_objects(c->pid, o);
		CHECK_INT(count_suffix(o, "/probes_copy"), 0);
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
		check_objects(getpid(), o);
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
	return test_summary("test_target");
}
