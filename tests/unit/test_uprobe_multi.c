// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The uprobe_multi attach layer against real BPF programs and real processes: attach by
 * pattern, syms and offsets, cookies, retprobes, sessions, pid filtering (threads counted,
 * other processes not), semaphores, pid 0 = self, bare-name resolution, and every invalid
 * request. The functional tests run twice: uprobe_multi, then the legacy perf_event path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "test.h"
#include "proc.h"
#include "symbols.h"
#include "uprobe_multi.h"
#include "../bpf/um_test.h"
#include "um_session.skel.h"
#include "um_test.skel.h"

#define TARGET FIXTURES_DIR "/um_target"
#define N      4 /* "run N" calls um_func_a N times, b 2N times, c 3N times */

/* ---- child processes: started, talked to, and always killed ----------------------------- */

struct child {
	pid_t pid;
	FILE *in, *out;
};

static bool child_cmd(struct child *c, const char *cmd, char *reply, size_t sz)
{
	if (cmd && (fprintf(c->in, "%s\n", cmd) < 0 || fflush(c->in)))
		return false;
	if (!fgets(reply, sz, c->out))
		return false;
	reply[strcspn(reply, "\n")] = '\0';
	return true;
}

/* Sends cmd and expects "ok". */
static void child_do(struct child *c, const char *fmt, ...)
{
	char cmd[64], reply[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	CHECK(child_cmd(c, cmd, reply, sizeof(reply)));
	CHECK_STR(reply, "ok");
}

static int child_sem(struct child *c)
{
	char reply[64] = "";
	unsigned int v;

	if (!child_cmd(c, "sem", reply, sizeof(reply)) || sscanf(reply, "sem %u", &v) != 1)
		return -1;
	return v;
}

/* Starts the target, pinned to cpu when cpu >= 0; waits for its "ready". */
static bool child_start(struct child *c, int cpu)
{
	int to[2], from[2];
	char reply[64] = "";

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return false;
	c->pid = fork();
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(TARGET, TARGET, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	if (c->pid < 0)
		return false;
	proc_track(c->pid, 0);
	c->in = fdopen(to[1], "w");
	c->out = fdopen(from[0], "r");
	return c->in && c->out && child_cmd(c, NULL, reply, sizeof(reply)) &&
	       strcmp(reply, "ready") == 0;
}

static void child_stop(struct child *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	proc_track(0, c->pid);
	if (c->in)
		fclose(c->in);
	if (c->out)
		fclose(c->out);
	memset(c, 0, sizeof(*c));
}

/*
 * File offset of sym in TARGET, as the running target finds it in /proc/self/maps: expected
 * values never come from the ELF code under test. exec: sym must be in executable memory
 * (code) or not (data). 0 on failure.
 */
static unsigned long child_offset(struct child *c, const char *sym, bool exec)
{
	char cmd[96], reply[64] = "", perms[8] = "";
	unsigned long off;

	snprintf(cmd, sizeof(cmd), "offset %s", sym);
	if (!child_cmd(c, cmd, reply, sizeof(reply)) ||
	    sscanf(reply, "offset %lx %7s", &off, perms) != 2 || (perms[2] == 'x') != exec) {
		fprintf(stderr, "no offset for %s: '%s'\n", sym, reply);
		return 0;
	}
	return off;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static char last_warn[512];

static int capture_print(enum usdt_print_level level, const char *fmt, va_list ap)
{
	if (level == USDT_WARN)
		vsnprintf(last_warn, sizeof(last_warn), fmt, ap);
	if (getenv("TEST_VERBOSE"))
		vfprintf(stderr, fmt, ap);
	return 0;
}

/* sum of base + i for i in [0, n) */
static long long sum_of(long long base, long long n)
{
	return n * base + n * (n - 1) / 2;
}

struct env {
	enum usdt_attach_mode mode;
	const char *label;
	struct um_test *skel;
};

static struct um_test *load_skel(enum usdt_attach_mode mode)
{
	struct um_test *skel = um_test__open();

	if (!skel)
		return NULL;
	if (usdt_program_prepare(skel->progs.um_entry, mode) ||
	    usdt_program_prepare(skel->progs.um_exit, mode) || um_test__load(skel)) {
		um_test__destroy(skel);
		return NULL;
	}
	return skel;
}

static void reset(struct env *e)
{
	memset(e->skel->bss, 0, sizeof(*e->skel->bss));
}

static void check_link(struct env *e, struct usdt_uprobe_link *link, size_t sites)
{
	size_t fd_cnt = 0;
	const int *fds = usdt_uprobe_link__fds(link, &fd_cnt);

	CHECK_INT(usdt_uprobe_link__cnt(link), sites);
	CHECK_INT(usdt_uprobe_link__mode(link), e->mode);
	CHECK_INT(fd_cnt, e->mode == USDT_MODE_LEGACY ? sites : 1);
	CHECK(fds && fds[0] == usdt_uprobe_link__fd(link) && fds[0] >= 0);
}

/* ---- functional tests, run in both modes ------------------------------------------------- */

static void test_pattern(struct env *e, struct child *a)
{
	struct usdt_uprobe_link *link;
	__u64 *hits = e->skel->bss->hits;

	reset(e);
	/* a, its alias (same address), b, c, thread: 4 distinct sites */
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, a->pid, TARGET, "um_func_*", NULL);
	CHECK(link);
	if (!link)
		return;
	check_link(e, link, 4);
	child_do(a, "run %d", N);
	CHECK_INT(hits[0], N + 2 * N + 3 * N);
	CHECK_INT(e->skel->bss->arg_sum[0], sum_of(0, N) + sum_of(0, 2 * N) + sum_of(0, 3 * N));
	usdt_uprobe_link__destroy(link);
	child_do(a, "run %d", N);
	CHECK_INT(hits[0], 6 * N); /* detached: no more hits */
}

static void test_syms_cookies(struct env *e, struct child *a)
{
	static const char *syms[] = {"um_func_a", "um_func_b", "um_func_c"};
	static const __u64 cookies[] = {0xa5a5a5a500000001ULL, 2, 3};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 3);
	struct usdt_uprobe_link *link;
	__u64 *hits = e->skel->bss->hits;

	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, a->pid, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	check_link(e, link, 3);
	child_do(a, "run %d", N);
	CHECK_INT(hits[1], N);
	CHECK_INT(hits[2], 2 * N);
	CHECK_INT(hits[3], 3 * N);
	CHECK(e->skel->bss->cookie_seen[1] == cookies[0]); /* all 64 bits arrive */
	CHECK_INT(e->skel->bss->arg_sum[3], sum_of(0, 3 * N));
	usdt_uprobe_link__destroy(link);
}

static void test_offsets(struct env *e, struct child *a)
{
	const unsigned long offsets[] = {child_offset(a, "um_func_c", true),
					 child_offset(a, "um_func_a", true)};
	static const __u64 cookies[] = {5, 6};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .offsets = offsets, .cookies = cookies, .cnt = 2);
	struct usdt_uprobe_link *link;

	CHECK(offsets[0] && offsets[1]);
	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, a->pid, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	check_link(e, link, 2);
	child_do(a, "run %d", N);
	CHECK_INT(e->skel->bss->hits[5], 3 * N);
	CHECK_INT(e->skel->bss->hits[6], N);
	usdt_uprobe_link__destroy(link);
}

static void test_retprobe(struct env *e, struct child *a)
{
	static const char *syms[] = {"um_func_a", "um_func_b", "um_func_c"};
	static const __u64 cookies[] = {1, 2, 3};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 3,
		  .retprobe = true);
	struct usdt_uprobe_link *link;
	__u64 *ret_hits = e->skel->bss->ret_hits;
	__s64 *ret_sum = e->skel->bss->ret_sum;

	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_exit, a->pid, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	child_do(a, "run %d", N);
	CHECK_INT(ret_hits[1], N);
	CHECK_INT(ret_hits[2], 2 * N);
	CHECK_INT(ret_hits[3], 3 * N);
	CHECK_INT(ret_sum[1], sum_of(UM_RET_A, N));
	CHECK_INT(ret_sum[2], sum_of(UM_RET_B, 2 * N));
	CHECK_INT(ret_sum[3], sum_of(UM_RET_C, 3 * N));
	CHECK_INT(e->skel->bss->hits[1], 0); /* a return probe only */
	usdt_uprobe_link__destroy(link);
}

/* Threads of the target count; another process running the same binary does not. */
static void test_pid_filter(struct env *e, struct child *a, struct child *b)
{
	static const char *syms[] = {"um_func_a", "um_func_thread"};
	static const __u64 cookies[] = {1, 4};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 2);
	struct usdt_uprobe_link *link;
	__u64 *hits = e->skel->bss->hits;

	reset(e);
	e->skel->bss->watch_tgid = a->pid;
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, a->pid, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	child_do(b, "run %d", 3);
	child_do(b, "threads 2 5");
	child_do(a, "run %d", 2);
	child_do(a, "threads 4 5");
	CHECK_INT(hits[1], 2);
	CHECK_INT(hits[4], 4 * 5);
	CHECK_INT(e->skel->bss->foreign_hits, 0);
	usdt_uprobe_link__destroy(link);
}

/* pid -1: every process, on every CPU (b is pinned to the last CPU: legacy opens on cpu 0). */
static void test_all_processes(struct env *e, struct child *a, struct child *b)
{
	static const char *syms[] = {"um_func_a"};
	static const __u64 cookies[] = {1};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 1);
	struct usdt_uprobe_link *link;

	reset(e);
	e->skel->bss->watch_tgid = a->pid;
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, -1, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	child_do(a, "run %d", 2);
	child_do(b, "run %d", 3);
	CHECK_INT(e->skel->bss->hits[1], 5);
	CHECK_INT(e->skel->bss->foreign_hits, 3);
	usdt_uprobe_link__destroy(link);
}

/* The kernel counts the semaphore up in the traced process only, and down on detach. */
static void test_semaphore(struct env *e, struct child *a, struct child *b)
{
	static const char *syms[] = {"um_sem_func"};
	const unsigned long ref[] = {child_offset(a, "um_sem", false)};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .ref_ctr_offsets = ref, .cnt = 1);
	struct usdt_uprobe_link *link;

	CHECK(ref[0]);
	CHECK_INT(child_sem(a), 0);
	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, a->pid, TARGET, NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	CHECK_INT(child_sem(a), 1);
	CHECK_INT(child_sem(b), 0);
	child_do(a, "semcall 3");
	CHECK_INT(e->skel->bss->hits[0], 3);
	usdt_uprobe_link__destroy(link);
	CHECK_INT(child_sem(a), 0);
}

__attribute__((noinline, used)) int um_self_func(int x)
{
	asm volatile("" ::: "memory");
	return x + 1;
}

/* pid 0 is this process only: a forked child's calls are not counted. */
static void test_self(struct env *e)
{
	static const char *syms[] = {"um_self_func"};
	static const __u64 cookies[] = {7};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 1);
	struct usdt_uprobe_link *link;
	volatile int sink = 0;
	pid_t pid;

	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, 0, "/proc/self/exe", NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	for (int i = 0; i < 5; i++)
		sink += um_self_func(i);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			sink += um_self_func(i);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid);
	CHECK_INT(e->skel->bss->hits[7], 5);
	CHECK_INT(e->skel->bss->arg_sum[7], sum_of(0, 5));
	usdt_uprobe_link__destroy(link);
}

/* A bare library name resolves as libbpf resolves it, and attaches. */
static void test_bare_name(struct env *e)
{
	static const char *syms[] = {"getppid"};
	static const __u64 cookies[] = {9};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = 1);
	struct usdt_uprobe_link *link;

	reset(e);
	link = usdt_attach_uprobe_multi(e->skel->progs.um_entry, 0, "libc.so.6", NULL, &opts);
	CHECK(link);
	if (!link)
		return;
	for (int i = 0; i < 3; i++)
		CHECK(getppid() > 0);
	CHECK_INT(e->skel->bss->hits[9], 3);
	usdt_uprobe_link__destroy(link);
}

static void run_functional(struct env *e)
{
	struct child a = {}, b = {};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	fprintf(stderr, "-- %s\n", e->label);
	CHECK(child_start(&a, -1));
	CHECK(child_start(&b, cpus > 1 ? (int)cpus - 1 : -1));
	if (a.pid > 0 && b.pid > 0) {
		test_pattern(e, &a);
		test_syms_cookies(e, &a);
		test_offsets(e, &a);
		test_retprobe(e, &a);
		test_pid_filter(e, &a, &b);
		test_all_processes(e, &a, &b);
		test_semaphore(e, &a, &b);
	}
	child_stop(&a);
	child_stop(&b);
	test_self(e);
	test_bare_name(e);
}

/* ---- sessions (uprobe_multi only) ------------------------------------------------------- */

/* Odd arguments make the entry return 1: their return probe must not run. */
static void test_session(void)
{
	static const char *syms[] = {"um_func_a"};
	USDT_OPTS(usdt_uprobe_multi_opts, opts, .syms = syms, .cnt = 1, .session = true);
	struct usdt_uprobe_link *link = NULL;
	struct um_session *skel;
	struct child a = {};

	skel = um_session__open();
	CHECK(skel);
	if (!skel)
		return;
	CHECK_INT(usdt_program_prepare(skel->progs.um_session, USDT_MODE_SESSION), 0);
	CHECK_INT(um_session__load(skel), 0);
	CHECK_INT(usdt_program_mode(skel->progs.um_session), USDT_MODE_SESSION);
	skel->bss->ret_base = UM_RET_A;
	CHECK(child_start(&a, -1));
	if (a.pid > 0)
		link = usdt_attach_uprobe_multi(skel->progs.um_session, a.pid, TARGET, NULL, &opts);
	CHECK(link);
	if (link) {
		CHECK_INT(usdt_uprobe_link__mode(link), USDT_MODE_SESSION);
		child_do(&a, "run %d", 10);
		CHECK_INT(skel->bss->entries, 10);
		CHECK_INT(skel->bss->returns, 5);
		CHECK_INT(skel->bss->matched, 5);
		/* a session program needs opts->session */
		opts.session = false;
		errno = 0;
		CHECK(!usdt_attach_uprobe_multi(skel->progs.um_session, a.pid, TARGET, NULL,
						&opts));
		CHECK_INT(errno, EINVAL);
	}
	usdt_uprobe_link__destroy(link);
	child_stop(&a);
	um_session__destroy(skel);
}

/* ---- invalid requests -------------------------------------------------------------------- */

#define EXPECT_FAIL(err, prog, pid, path, pattern, opts)                       \
	do {                                                                   \
		struct usdt_uprobe_link *_l;                                   \
		errno = 0;                                                     \
		_l = usdt_attach_uprobe_multi(prog, pid, path, pattern, opts); \
		CHECK(!_l);                                                    \
		CHECK_INT(errno, err);                                         \
		usdt_uprobe_link__destroy(_l);                                 \
	} while (0)

static void test_invalid_combinations(const struct bpf_program *prog)
{
	static const char *syms[] = {"um_func_a"};
	static const unsigned long offs[] = {0x1000};
	static const __u64 cookies[] = {1};
	USDT_OPTS(usdt_uprobe_multi_opts, o);

	EXPECT_FAIL(EINVAL, prog, -1, NULL, "um_func_*", NULL);
	EXPECT_FAIL(EINVAL, NULL, -1, TARGET, "um_func_*", NULL);
	EXPECT_FAIL(EINVAL, prog, -2, TARGET, "um_func_*", NULL);
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, NULL);
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o); /* nothing to attach */
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .syms = syms, .cnt = 1};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o);
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .offsets = offs, .cnt = 1};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o);
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .cnt = 1};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o);
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o); /* cnt without syms or offsets */
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .cookies = cookies};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o);
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o); /* cookies without cnt */
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .ref_ctr_offsets = offs};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o);
	o = (struct usdt_uprobe_multi_opts){
		.sz = sizeof(o), .syms = syms, .offsets = offs, .cnt = 1};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o);
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .syms = syms};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o); /* cnt == 0 with an array */
	o = (struct usdt_uprobe_multi_opts){
		.sz = sizeof(o), .offsets = offs, .cnt = (1UL << 20) + 1};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, NULL, &o);
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .retprobe = true, .session = true};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o);
	o = (struct usdt_uprobe_multi_opts){.sz = sizeof(o), .session = true};
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_*", &o); /* not a session program */
}

/* sz: too small fails; a larger struct works only when the unknown tail is zero. */
static void test_opts_size(const struct bpf_program *prog)
{
	struct {
		struct usdt_uprobe_multi_opts o;
		char tail[16];
	} big;
	struct usdt_uprobe_link *link;

	memset(&big, 0, sizeof(big));
	big.o.sz = 4;
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_a", &big.o);
	big.o.sz = sizeof(big);
	big.tail[5] = 1;
	EXPECT_FAIL(EINVAL, prog, -1, TARGET, "um_func_a", &big.o);
	big.tail[5] = 0;
	link = usdt_attach_uprobe_multi(prog, -1, TARGET, "um_func_a", &big.o);
	CHECK(link);
	usdt_uprobe_link__destroy(link);
	/* an old caller's sz stops before retprobe: the field is not read */
	big.o.sz = offsetof(struct usdt_uprobe_multi_opts, retprobe);
	big.o.retprobe = true;
	big.o.session = true;
	link = usdt_attach_uprobe_multi(prog, -1, TARGET, "um_func_a", &big.o);
	CHECK(link);
	usdt_uprobe_link__destroy(link);
}

static void test_not_found(const struct bpf_program *prog)
{
	static const char *syms[] = {"um_func_a", "um_no_such_func"};
	USDT_OPTS(usdt_uprobe_multi_opts, o, .syms = syms, .cnt = 2);

	last_warn[0] = '\0';
	EXPECT_FAIL(ENOENT, prog, -1, TARGET, "um_no_such_*", NULL);
	CHECK(strstr(last_warn, "um_no_such_*") && strstr(last_warn, TARGET));
	last_warn[0] = '\0';
	EXPECT_FAIL(ENOENT, prog, -1, TARGET, NULL, &o);
	CHECK(strstr(last_warn, "um_no_such_func") && strstr(last_warn, TARGET));
	EXPECT_FAIL(ENOENT, prog, -1, "um-no-such-binary", "*", NULL);
	EXPECT_FAIL(ENOENT, prog, -1, "libum-no-such.so.1", "*", NULL);
	EXPECT_FAIL(ENOENT, prog, -1, "/nonexistent/um_target", "*", NULL);
	EXPECT_FAIL(ESRCH, prog, 0x3ffffff0, TARGET, "um_func_a", NULL);
}

static void test_unloaded_and_prepare(void)
{
	struct um_test *skel = um_test__open();

	CHECK(skel);
	if (!skel)
		return;
	EXPECT_FAIL(EINVAL, skel->progs.um_entry, -1, TARGET, "um_func_a", NULL);
	setenv("USDT_LEGACY_ATTACH", "1", 1);
	CHECK_INT(usdt_program_prepare(skel->progs.um_entry, USDT_MODE_AUTO), 0);
	CHECK_INT(usdt_program_mode(skel->progs.um_entry), USDT_MODE_LEGACY);
	unsetenv("USDT_LEGACY_ATTACH");
	CHECK_INT(usdt_program_prepare(skel->progs.um_entry, USDT_MODE_AUTO), 0);
	CHECK_INT(usdt_program_mode(skel->progs.um_entry), USDT_MODE_MULTI);
	CHECK_INT(bpf_program__expected_attach_type(skel->progs.um_entry), 48);
	CHECK_INT(usdt_program_prepare(skel->progs.um_entry, USDT_MODE_SESSION), 0);
	CHECK_INT(bpf_program__expected_attach_type(skel->progs.um_entry), 57);
	CHECK_INT(usdt_program_prepare(skel->progs.um_entry, (enum usdt_attach_mode)42), -EINVAL);
	CHECK_INT(usdt_program_prepare(NULL, USDT_MODE_MULTI), -EINVAL);
	CHECK_INT(usdt_program_prepare(skel->progs.um_entry, USDT_MODE_MULTI), 0);
	CHECK_INT(um_test__load(skel), 0);
	CHECK(usdt_program_prepare(skel->progs.um_entry, USDT_MODE_LEGACY) < 0); /* loaded */
	um_test__destroy(skel);
}

/* ---- no BPF: names -> offsets, bare names -> paths, features ---------------------------- */

static void test_symbols(void)
{
	static const char *dup[] = {"um_func_b", "um_func_a", "um_func_b"};
	unsigned long *offs = NULL, a, b, resolver;
	struct child c = {};
	size_t cnt = 0;

	CHECK(child_start(&c, -1));
	a = child_offset(&c, "um_func_a", true);
	b = child_offset(&c, "um_func_b", true);
	resolver = child_offset(&c, "um_ifunc_resolver", true);
	child_stop(&c);
	CHECK(a && b && resolver);
	CHECK_INT(usdti_pattern_offsets(TARGET, "um_func_a*", &offs, &cnt), 0);
	CHECK(cnt == 1 && offs[0] == a); /* um_func_alias shares the address */
	free(offs);
	offs = NULL;
	CHECK_INT(usdti_pattern_offsets(TARGET, "um_ifunc", &offs, &cnt), 0);
	CHECK(cnt == 1 && offs[0] == resolver);
	free(offs);
	offs = NULL;
	CHECK_INT(usdti_syms_offsets(TARGET, dup, 3, &offs), 0);
	CHECK(offs && offs[1] == a && offs[0] == offs[2] && offs[0] == b);
	free(offs);
	CHECK_INT(usdti_pattern_offsets(TARGET, "um_sem", &offs, &cnt), -ENOENT); /* data */
}

static void test_resolve_path(void)
{
	char buf[PATH_MAX], dir[] = "/tmp/um_path_XXXXXX", lib[PATH_MAX + 32];
	const char *ld = getenv("LD_LIBRARY_PATH");
	char *saved_ld = ld ? strdup(ld) : NULL;

	CHECK_INT(usdt_resolve_binary_path("libc.so.6", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "/lib/x86_64-linux-gnu/libc.so.6") == 0 ||
	      strcmp(buf, "/usr/lib/x86_64-linux-gnu/libc.so.6") == 0 ||
	      strcmp(buf, "/lib64/libc.so.6") == 0 || strcmp(buf, "/usr/lib64/libc.so.6") == 0);
	CHECK_INT(usdt_resolve_binary_path("sh", buf, sizeof(buf)), 0);
	CHECK(buf[0] == '/' && strcmp(strrchr(buf, '/'), "/sh") == 0 && access(buf, X_OK) == 0);
	CHECK_INT(usdt_resolve_binary_path("./relative/x", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "./relative/x");
	CHECK_INT(usdt_resolve_binary_path("sh", buf, 4), -ENOENT); /* too small for any match */
	CHECK_INT(usdt_resolve_binary_path("/abs/path", buf, 4), -ENAMETOOLONG);
	CHECK_INT(usdt_resolve_binary_path(NULL, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(usdt_resolve_binary_path("um-no-such-binary", buf, sizeof(buf)), -ENOENT);
	/* LD_LIBRARY_PATH comes first */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof(lib), "%s/libum_fake.so", dir);
	CHECK(symlink(TARGET, lib) == 0);
	setenv("LD_LIBRARY_PATH", dir, 1);
	CHECK_INT(usdt_resolve_binary_path("libum_fake.so", buf, sizeof(buf)), 0);
	CHECK_STR(buf, lib);
	if (saved_ld)
		setenv("LD_LIBRARY_PATH", saved_ld, 1);
	else
		unsetenv("LD_LIBRARY_PATH");
	free(saved_ld);
	CHECK_INT(usdt_resolve_binary_path("libum_fake.so", buf, sizeof(buf)), -ENOENT);
	unlink(lib);
	rmdir(dir);
}

static void test_features(void)
{
	CHECK_STR(usdt_feature_name(USDT_FEAT_UPROBE_MULTI), "uprobe_multi");
	CHECK_STR(usdt_feature_name(USDT_FEAT_UPROBE_SESSION), "uprobe_session");
	CHECK_STR(usdt_feature_name(USDT_FEAT_BPF_COOKIE), "bpf_cookie");
	CHECK_STR(usdt_feature_name(USDT_FEAT_REF_CTR), "ref_ctr_offset");
	CHECK(usdt_feature_name(__USDT_FEAT_CNT) == NULL);
	CHECK_INT(usdt_feature_probe(__USDT_FEAT_CNT), -EINVAL);
	/* the machines here run 6.18: everything is present, and stays so (cached) */
	for (int f = 0; f < __USDT_FEAT_CNT; f++) {
		CHECK_INT(usdt_feature_probe(f), 1);
		CHECK_INT(usdt_feature_probe(f), 1);
	}
}

static void test_link_accessors(void)
{
	size_t cnt = 1;

	CHECK_INT(usdt_uprobe_link__destroy(NULL), 0);
	CHECK_INT(usdt_uprobe_link__cnt(NULL), 0);
	CHECK_INT(usdt_uprobe_link__fd(NULL), -EINVAL);
	CHECK(usdt_uprobe_link__fds(NULL, &cnt) == NULL);
}

int main(void)
{
	struct env multi = {USDT_MODE_MULTI, "uprobe_multi"};
	struct env legacy = {USDT_MODE_LEGACY, "legacy perf_event"};

	test_require_root("test_uprobe_multi");
	proc_timeout("test_uprobe_multi", 50);
	usdt_set_print(capture_print);
	test_symbols();
	test_resolve_path();
	test_features();
	test_link_accessors();
	test_unloaded_and_prepare();

	multi.skel = load_skel(USDT_MODE_MULTI);
	CHECK(multi.skel);
	if (multi.skel) {
		run_functional(&multi);
		test_invalid_combinations(multi.skel->progs.um_entry);
		test_opts_size(multi.skel->progs.um_entry);
		test_not_found(multi.skel->progs.um_entry);
		test_session();
		um_test__destroy(multi.skel);
	}

	legacy.skel = load_skel(USDT_MODE_LEGACY);
	CHECK(legacy.skel);
	if (legacy.skel) {
		USDT_OPTS(usdt_uprobe_multi_opts, o, .session = true);

		CHECK_INT(usdt_program_mode(legacy.skel->progs.um_entry), USDT_MODE_LEGACY);
		run_functional(&legacy);
		EXPECT_FAIL(EOPNOTSUPP, legacy.skel->progs.um_entry, -1, TARGET, "um_func_a", &o);
		test_not_found(legacy.skel->progs.um_entry);
		um_test__destroy(legacy.skel);
	}
	return test_summary("test_uprobe_multi");
}
