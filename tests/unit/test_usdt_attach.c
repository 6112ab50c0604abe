// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_attach() and <usdt/usdt.bpf.h> against a real BPF program and a real process: the
 * usdt_args fixture announces every argument it passes (see tests/fixtures/usdt_args.h) and
 * the BPF program records what usdt_arg() read at each hit; both must agree at every site, on
 * the uprobe_multi path and on the forced perf_event fallback, and for <usdt/probe.h> sites
 * both at their nop5 (%rsp-based operands read 128 bytes up) and at their nop. Then semaphores,
 * shared libraries, pid filtering, /proc/PID/root paths, attaching before the process starts, bad
 * sites, the spec table (dedup, refcounts, id reuse, full table) and the error returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "proc.h"
#include "readelf.h"
#include "uprobe_multi.h"
#include "attach_internal.h"
#include "usdt.h"
#include "usdt_spec.h"
#include "../bpf/usdt_test.h"
#include "usdt_nomap.skel.h"
#include "usdt_test.skel.h"

#define FIXTURE	   FIXTURES_DIR "/usdt_args"
#define FIXTURE_SO FIXTURES_DIR "/libusdtargs.so"
#define FIXTURE_PH FIXTURES_DIR "/usdt_args_probe_h"
#define COOKIE	   0xc0ffee00d15ea5e5ULL
#define MAX_EXP	   64
#define MAX_EVENTS 256

/* ---- the fixture: started, talked to, and always killed ----------------------------------- */

struct proc {
	pid_t pid;
	FILE *in, *out;
};

/* One "expect" line of the fixture. */
struct exp {
	char probe[96];
	int n;
	long long vals[USDT_MAX_ARGS];
	int sizes[USDT_MAX_ARGS];
	bool bad[USDT_MAX_ARGS];
};

/* What the fixture answered to one command. */
struct reply {
	struct exp exp[MAX_EXP];
	int cnt;
	unsigned int sema, lib_sema;
};

static int proc_start(struct proc *p, const char *path)
{
	int in[2], out[2];
	char line[64];

	if (pipe(in) || pipe(out))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		/* atexit() does not run when the test crashes or ASan aborts it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	proc_track(p->pid, 0);
	close(in[0]);
	close(out[1]);
	p->in = fdopen(in[1], "w");
	p->out = fdopen(out[0], "r");
	if (!p->in || !p->out || !fgets(line, sizeof(line), p->out) || strncmp(line, "ready ", 6)) {
		fprintf(stderr, "usdt_args did not start\n");
		return -1;
	}
	return 0;
}

static void proc_stop(struct proc *p)
{
	fprintf(p->in, "quit\n");
	fclose(p->in);
	fclose(p->out);
	waitpid(p->pid, NULL, 0);
	proc_track(0, p->pid);
}

static void parse_expect(struct exp *e, const char *line)
{
	const char *p = line + strlen("expect ");
	int used = 0;

	memset(e, 0, sizeof(*e));
	if (sscanf(p, "%95s %d%n", e->probe, &e->n, &used) != 2)
		return;
	p += used;
	for (int i = 0; i < e->n && i < USDT_MAX_ARGS; i++) {
		if (sscanf(p, " E/%d%n", &e->sizes[i], &used) == 1)
			e->bad[i] = true;
		else if (sscanf(p, " %lld/%d%n", &e->vals[i], &e->sizes[i], &used) != 2)
			return;
		p += used;
	}
}

/* Sends cmd, reads the answer up to "done". */
static bool proc_cmd(struct proc *p, const char *cmd, struct reply *r)
{
	char line[600];

	memset(r, 0, sizeof(*r));
	if (fprintf(p->in, "%s\n", cmd) < 0 || fflush(p->in))
		return false;
	while (fgets(line, sizeof(line), p->out)) {
		if (!strcmp(line, "done\n"))
			return true;
		if (!strncmp(line, "expect ", 7) && r->cnt < MAX_EXP)
			parse_expect(&r->exp[r->cnt++], line);
		else
			sscanf(line, "sema %u %u", &r->sema, &r->lib_sema);
	}
	return false;
}

static bool reply_has(const struct reply *r, const char *probe)
{
	for (int i = 0; i < r->cnt; i++) {
		if (!strcmp(r->exp[i].probe, probe))
			return true;
	}
	return false;
}

/* ---- the tracer: usdt_test.bpf.c, its manager and ring buffer ----------------------------- */

struct tracer {
	struct usdt_test *skel;
	struct usdt_manager *man;
	struct ring_buffer *rb;
	struct usdt_test_event ev[MAX_EVENTS];
	int cnt;
	bool no_nop5; /* usdt_attach_opts.no_nop5 of attach() */
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (size == sizeof(t->ev[0]) && t->cnt < MAX_EVENTS)
		memcpy(&t->ev[t->cnt++], data, size);
	return 0;
}

static int tracer_open(struct tracer *t, enum usdt_attach_mode mode, size_t max_specs)
{
	struct usdt_manager_opts mo = {.sz = sizeof(mo), .max_specs = max_specs};

	memset(t, 0, sizeof(*t));
	t->skel = usdt_test__open();
	if (!t->skel || usdt_program_prepare(t->skel->progs.usdt_record, mode) ||
	    usdt_program_prepare(t->skel->progs.usdt_macro, mode))
		return -1;
	t->man = usdt_manager__new(t->skel->obj, &mo);
	if (!t->man || usdt_test__load(t->skel))
		return -1;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	return t->rb ? 0 : -1;
}

static void tracer_close(struct tracer *t)
{
	if (t->skel)
		CHECK_INT(t->skel->bss->dropped, 0);
	ring_buffer__free(t->rb);
	usdt_manager__free(t->man);
	usdt_test__destroy(t->skel);
}

/* The program ran in the fixture before it answered "done": everything is in the buffer. */
static void tracer_collect(struct tracer *t)
{
	t->cnt = 0;
	CHECK(ring_buffer__consume(t->rb) >= 0);
}

/* attach() goes through an attach plan (usdt_plan__attach) instead of usdt_attach() */
static bool through_plan;

static struct usdt_link *attach_planned(struct tracer *t, pid_t pid, const char *path,
					const char *glob, const struct usdt_attach_opts *ao)
{
	struct usdt_file_opts fo = {.sz = sizeof(fo), .parse_args = true, .group_probes = true};
	struct usdt_file *file = usdt_file__open(path, &fo);
	struct usdt_plan *plan = file ? usdt_plan__new(file, &glob, 1) : NULL;
	struct usdt_link *link = NULL;
	int err;

	if (plan)
		link = usdt_plan__attach(plan, t->man, t->skel->progs.usdt_record, pid, ao);
	err = errno;
	usdt_plan__free(plan);
	usdt_file__close(file);
	errno = err;
	return link;
}

static struct usdt_link *attach(struct tracer *t, pid_t pid, const char *path, const char *glob,
				__u64 cookie)
{
	struct usdt_attach_opts ao = {.sz = sizeof(ao), .cookie = cookie, .no_nop5 = t->no_nop5};

	if (through_plan)
		return attach_planned(t, pid, path, glob, &ao);
	return usdt_attach(t->man, t->skel->progs.usdt_record, pid, path, glob, &ao);
}

/* ---- warnings, captured so tests can check that a bad site is named ----------------------- */

static char warn_log[16384];
static size_t warn_len;

static int capture_print(enum usdt_print_level level, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (level != USDT_WARN)
		return 0;
	va_copy(copy, ap);
	n = vsnprintf(warn_log + warn_len, sizeof(warn_log) - warn_len, fmt, ap);
	if (n > 0)
		warn_len = warn_len + n < sizeof(warn_log) ? warn_len + n : sizeof(warn_log) - 1;
	vfprintf(stderr, fmt, copy);
	va_end(copy);
	return n;
}

static void warn_reset(void)
{
	warn_len = 0;
	warn_log[0] = '\0';
}

static int warned_cnt(const char *text)
{
	int n = 0;

	for (const char *p = warn_log; (p = strstr(p, text)); p++)
		n++;
	return n;
}

#define CHECK_WARNED(text)                                                                     \
	do {                                                                                   \
		test_checks++;                                                                 \
		if (!strstr(warn_log, text)) {                                                 \
			test_failures++;                                                       \
			fprintf(stderr, "%s:%d: no warning with \"%s\"\n", __FILE__, __LINE__, \
				text);                                                         \
		}                                                                              \
	} while (0)

/* ---- comparing what BPF read with what the fixture passed --------------------------------- */

static bool check_eq(const char *probe, const char *what, int i, long long got, long long want)
{
	test_checks++;
	if (got == want)
		return true;
	test_failures++;
	fprintf(stderr, "%s: %s[%d] = %lld (%#llx), expected %lld (%#llx)\n", probe, what, i, got,
		(unsigned long long)got, want, (unsigned long long)want);
	return false;
}

static void check_event(struct tracer *t, const struct usdt_test_event *ev, const struct exp *e,
			__u64 cookie)
{
	struct usdt_probe_info info;
	char name[160] = "?";

	if (!usdt_manager__probe_info(t->man, ev->probe_id, &info))
		snprintf(name, sizeof(name), "%s:%s", info.provider, info.name);
	CHECK_STR(name, e->probe);
	check_eq(e->probe, "arg_cnt", 0, ev->arg_cnt, e->n);
	check_eq(e->probe, "cookie", 0, (long long)ev->cookie, (long long)cookie);
	for (int i = 0; i < USDT_MAX_ARGS; i++) {
		if (i >= e->n) {
			check_eq(e->probe, "err", i, ev->errs[i], -ENOENT);
			continue;
		}
		check_eq(e->probe, "size", i, ev->sizes[i], e->sizes[i]);
		if (e->bad[i]) {
			check_eq(e->probe, "err", i, ev->errs[i], -EOPNOTSUPP);
		} else if (check_eq(e->probe, "err", i, ev->errs[i], 0)) {
			check_eq(e->probe, "val", i, ev->vals[i], e->vals[i]);
		}
	}
	check_eq(e->probe, "past_end_err", 0, ev->past_end_err, -ENOENT);
	check_eq(e->probe, "past_max_err", 0, ev->past_max_err, -ENOENT);
}

/*
 * "provider:name" globs as usdt.h defines them ("provider" alone: all its probes), matched
 * here without usdt_probe_match(): the expected hits must not depend on the code under test.
 */
static bool glob_match(const char *glob, const char *provider, const char *name)
{
	const char *colon = strchr(glob, ':');
	char prov_glob[128];

	if (!colon)
		return fnmatch(glob, provider, 0) == 0;
	snprintf(prov_glob, sizeof(prov_glob), "%.*s", (int)(colon - glob), glob);
	return fnmatch(prov_glob, provider, 0) == 0 && fnmatch(colon + 1, name, 0) == 0;
}

/* globs: one glob, or several separated by '|'. */
static bool match_any(const char *globs, const char *provider, const char *name)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", globs);
	for (char *g = strtok_r(buf, "|", &save); g; g = strtok_r(NULL, "|", &save)) {
		if (glob_match(g, provider, name))
			return true;
	}
	return false;
}

/*
 * The events of pid must be, in order, the fixture's announcements that match globs.
 * Returns the number compared.
 */
static int check_hits(struct tracer *t, const struct reply *r, pid_t pid, const char *globs,
		      __u64 cookie)
{
	int k = 0, n = 0;

	for (int i = 0; i < r->cnt; i++) {
		const struct exp *e = &r->exp[i];
		char provider[96], *name;

		snprintf(provider, sizeof(provider), "%s", e->probe);
		name = strchr(provider, ':');
		if (!name)
			continue;
		*name++ = '\0';
		if (!match_any(globs, provider, name))
			continue;
		while (k < t->cnt && t->ev[k].pid != (__u32)pid)
			k++;
		if (k == t->cnt) {
			CHECK(!"a probe hit is missing");
			fprintf(stderr, "no event for %s\n", e->probe);
			return n;
		}
		check_event(t, &t->ev[k++], e, cookie);
		n++;
	}
	for (; k < t->cnt; k++)
		CHECK(t->ev[k].pid != (__u32)pid); /* no hit the fixture did not announce */
	return n;
}

static int events_of(const struct tracer *t, pid_t pid)
{
	int n = 0;

	for (int i = 0; i < t->cnt; i++)
		n += t->ev[i].pid == (__u32)pid;
	return n;
}

/* Sites of path whose probe matches glob, and their distinct probes, as readelf -n lists them. */
static size_t count_sites(const char *path, const char *glob, size_t *probes)
{
	struct readelf_info *info = malloc(sizeof(*info));
	size_t n = 0;

	*probes = 0;
	if (!info || readelf_read(path, info)) {
		free(info);
		return 0;
	}
	for (size_t i = 0; i < info->site_cnt; i++) {
		const struct readelf_site *s = &info->sites[i];
		bool seen = false;

		if (!glob_match(glob, s->provider, s->name))
			continue;
		n++;
		for (size_t j = 0; j < i && !seen; j++) {
			seen = !strcmp(info->sites[j].provider, s->provider) &&
			       !strcmp(info->sites[j].name, s->name);
		}
		*probes += !seen;
	}
	free(info);
	return n;
}

/*
 * The link's probe ids name, in order, the probes of the matching sites as readelf lists them
 * by first appearance, each in the file attached.
 */
static void check_probe_ids(const struct usdt_manager *man, const struct usdt_link *link,
			    const char *path, const char *glob)
{
	struct readelf_info *info = malloc(sizeof(*info));
	const __u32 *ids;
	size_t cnt = 0, k = 0;

	ids = usdt_link__probe_ids(link, &cnt);
	CHECK(ids != NULL);
	CHECK_INT(cnt, usdt_link__probe_cnt(link));
	if (!ids || !info || readelf_read(path, info)) {
		CHECK(!"readelf");
		free(info);
		return;
	}
	for (size_t i = 0; i < info->site_cnt; i++) {
		const struct readelf_site *s = &info->sites[i];
		struct usdt_probe_info pi;
		bool seen = false;

		if (!glob_match(glob, s->provider, s->name))
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			seen = glob_match(glob, info->sites[j].provider, info->sites[j].name) &&
			       !strcmp(info->sites[j].provider, s->provider) &&
			       !strcmp(info->sites[j].name, s->name);
		}
		if (seen)
			continue;
		CHECK(k < cnt);
		if (k >= cnt || usdt_manager__probe_info(man, ids[k++], &pi)) {
			CHECK(!"probe id");
			break;
		}
		CHECK_STR(pi.provider, s->provider);
		CHECK_STR(pi.name, s->name);
		CHECK_STR(pi.path, path);
	}
	CHECK_INT(k, cnt);
	free(info);
}

/* args:inl: two sites with the same operands share a spec id, the others have their own. */
static void check_inl_specs(const struct tracer *t, const struct usdt_manager *man)
{
	__u32 ids[8];
	int n = 0;

	for (int i = 0; i < t->cnt && n < 8; i++) {
		struct usdt_probe_info info;

		if (!usdt_manager__probe_info(man, t->ev[i].probe_id, &info) &&
		    !strcmp(info.name, "inl"))
			ids[n++] = t->ev[i].spec_id;
	}
	CHECK_INT(n, 4);
	if (n != 4)
		return;
	CHECK_INT(ids[0], ids[1]);
	CHECK(ids[2] != ids[0] && ids[3] != ids[0] && ids[2] != ids[3]);
}

/* Every spec id an event carried leads back to the parsed arguments of its probe. */
static void check_spec_args(const struct tracer *t)
{
	for (int i = 0; i < t->cnt; i++) {
		const struct usdt_arg *argv;
		int cnt = -1;

		CHECK_INT(usdti_manager_spec_args(t->man, t->ev[i].spec_id, &argv, &cnt), 0);
		CHECK_INT(cnt, t->ev[i].arg_cnt);
		for (int j = 0; j < cnt; j++)
			CHECK(argv[j].text && argv[j].text[0]);
	}
}

/* ---- the tests ----------------------------------------------------------------------------- */

static const char *mode_name(enum usdt_attach_mode mode)
{
	return mode == USDT_MODE_LEGACY ? "legacy" : "multi";
}

/*
 * Every argument shape at every site, read through one link; the semaphore is raised while
 * attached (the guarded probe fires) and back to 0 after destroy (it no longer fires).
 */
static void test_values(enum usdt_attach_mode mode, const char *fixture, bool no_nop5)
{
	struct tracer t;
	struct proc p;
	struct reply r;
	struct usdt_link *link;
	size_t sites, probes;
	int hits;

	fprintf(stderr, "-- values (%s, %s%s)\n", mode_name(mode), strrchr(fixture, '/') + 1,
		no_nop5 ? ", no nop5" : "");
	if (tracer_open(&t, mode, 0) || proc_start(&p, fixture)) {
		CHECK(!"setup");
		return;
	}
	t.no_nop5 = no_nop5;
	link = attach(&t, p.pid, fixture, "args:*", COOKIE);
	CHECK(link);
	if (link) {
		sites = count_sites(fixture, "args:*", &probes);
		CHECK_INT(usdt_link__site_cnt(link), sites);
		CHECK_INT(usdt_link__probe_cnt(link), probes);
		check_probe_ids(t.man, link, fixture, "args:*");
		CHECK_INT(usdt_uprobe_link__mode(usdt_link__uprobe_link(link)), mode);
		CHECK(proc_cmd(&p, "sema", &r) && r.sema > 0);
		CHECK(proc_cmd(&p, "fire", &r));
		CHECK(reply_has(&r, "args:guarded"));
		tracer_collect(&t);
		hits = check_hits(&t, &r, p.pid, "args:*", COOKIE);
		CHECK_INT(hits, r.cnt);
		CHECK_INT(t.cnt, r.cnt);
		check_inl_specs(&t, t.man);
		check_spec_args(&t);
		CHECK_INT(usdt_link__destroy(link), 0);
	}
	CHECK(proc_cmd(&p, "sema", &r));
	CHECK_INT(r.sema, 0);
	CHECK(proc_cmd(&p, "fire", &r));
	CHECK(!reply_has(&r, "args:guarded"));
	tracer_collect(&t);
	CHECK_INT(t.cnt, 0);
	proc_stop(&p);
	tracer_close(&t);
}

/*
 * Where the sites of usdt_args are probed: every <usdt/probe.h> site of the executable is a
 * nop5 site, probed 6 bytes on with %rsp operands 128 bytes up where the kernel has optimized
 * uprobes (CI requires it); every <sys/sdt.h> site is a plain nop.
 */
static void test_placements(void)
{
	struct usdt_file_opts fo = {.sz = sizeof(fo)};
	int optimized = usdt_feature_probe(USDT_FEAT_UPROBE_SYSCALL);
	const char *paths[] = {FIXTURE, FIXTURE_PH};
	struct usdt_placement pl;

	fprintf(stderr, "-- placements (optimized uprobes: %d)\n", optimized);
	CHECK(optimized >= 0);
	if (getenv("CI"))
		CHECK_INT(optimized, 1);
	for (int f = 0; f < 2; f++) {
		struct usdt_file *file = usdt_file__open(paths[f], &fo);
		size_t nop5 = 0, args = 0;

		CHECK(file);
		for (size_t i = 0; file && i < usdt_file__site_cnt(file); i++) {
			const struct usdt_site *s = usdt_file__site(file, i);
			bool want = f == 1 && !strcmp(s->provider, "args");

			if (s->error)
				continue;
			args += want;
			nop5 += s->shape == USDT_SITE_NOP5;
			CHECK_INT(s->shape, want ? USDT_SITE_NOP5 : USDT_SITE_NOP);
			CHECK_INT(usdt_site__placement(s, true, &pl), 0);
			CHECK_INT(pl.file_offset, s->file_offset + (want ? 6 : 0));
			CHECK_INT(pl.address, s->address + (want ? 6 : 0));
			CHECK_INT(pl.sp_bias, want ? 128 : 0);
			CHECK_INT(pl.nop5, want);
			CHECK_INT(usdt_site__placement(s, false, &pl), 0);
			CHECK_INT(pl.file_offset, s->file_offset);
			CHECK_INT(pl.sp_bias, 0);
		}
		CHECK_INT(nop5, args);
		CHECK(f == 0 || nop5 >= 15);
		usdt_file__close(file);
	}
}

/* Two links on the same sites share spec ids; destroying one leaves the other intact. */
static void test_refcount_and_reuse(void)
{
	__u32 max_id = 0, ints_probe = USDT_NO_PROBE;
	struct usdt_link *l1, *l2, *l3;
	struct usdt_probe_info info;
	struct tracer t;
	struct proc p;
	struct reply r;

	fprintf(stderr, "-- refcounts and id reuse\n");
	if (tracer_open(&t, USDT_MODE_MULTI, 0) || proc_start(&p, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	l1 = attach(&t, p.pid, FIXTURE, "args:ints", 1);
	l2 = attach(&t, p.pid, FIXTURE, "args:ints", 1);
	CHECK(l1 && l2);
	CHECK(proc_cmd(&p, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(events_of(&t, p.pid), 2);
	if (t.cnt == 2)
		CHECK_INT(t.ev[0].spec_id, t.ev[1].spec_id);
	ints_probe = t.cnt ? t.ev[0].probe_id : USDT_NO_PROBE;
	usdt_link__destroy(l1);
	CHECK(proc_cmd(&p, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, p.pid, "args:ints", 1), 1);
	usdt_link__destroy(l2);

	/* every id is free again: the next link gets the lowest ones back */
	l3 = attach(&t, p.pid, FIXTURE, "args:inl", 2);
	CHECK(l3);
	CHECK(proc_cmd(&p, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, p.pid, "args:inl", 2), 4);
	for (int i = 0; i < t.cnt; i++)
		max_id = t.ev[i].spec_id > max_id ? t.ev[i].spec_id : max_id;
	CHECK_INT(max_id, 2); /* 3 distinct specs for 4 sites */
	usdt_link__destroy(l3);
	/* a probe id outlives the links that used it */
	CHECK(!usdt_manager__probe_info(t.man, ints_probe, &info) && !strcmp(info.name, "ints"));
	proc_stop(&p);
	tracer_close(&t);
}

/* A full table fails the attach, names the option to raise, and leaks no id. */
static void test_spec_table_full(void)
{
	struct usdt_link *l1, *l2;
	struct tracer t;
	struct proc p;
	struct reply r;

	fprintf(stderr, "-- spec table full\n");
	if (tracer_open(&t, USDT_MODE_MULTI, 4) || proc_start(&p, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	CHECK_INT(bpf_map__max_entries(t.skel->maps.__usdt_specs), 4);
	warn_reset();
	CHECK(!attach(&t, p.pid, FIXTURE, "args:*", 0));
	CHECK_INT(errno, E2BIG);
	CHECK_WARNED("spec table full (4 entries): raise usdt_manager_opts.max_specs");
	l1 = attach(&t, p.pid, FIXTURE, "args:inl", 0);	 /* 3 specs */
	l2 = attach(&t, p.pid, FIXTURE, "args:ints", 0); /* the 4th */
	CHECK(l1 && l2);
	CHECK(!attach(&t, p.pid, FIXTURE, "args:mem", 0));
	CHECK_INT(errno, E2BIG);
	CHECK(proc_cmd(&p, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, p.pid, "args:ints|args:inl", 0), 5);
	usdt_link__destroy(l1);
	usdt_link__destroy(l2);
	proc_stop(&p);
	tracer_close(&t);
}

/* A library's probes for one process: the other process running it is neither traced nor
 * has its semaphore raised. */
static void test_lib_pid_filter(void)
{
	struct reply ra, rb;
	struct usdt_link *link;
	struct proc a, b;
	struct tracer t;

	fprintf(stderr, "-- shared library, pid filter\n");
	if (tracer_open(&t, USDT_MODE_AUTO, 0) || proc_start(&a, FIXTURE) ||
	    proc_start(&b, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	link = attach(&t, a.pid, FIXTURE_SO, "argslib:*", 0);
	CHECK(link);
	CHECK_INT(usdt_link__site_cnt(link), 2);
	CHECK(proc_cmd(&a, "sema", &ra) && ra.lib_sema > 0);
	CHECK(proc_cmd(&b, "sema", &rb) && rb.lib_sema == 0);
	CHECK(proc_cmd(&a, "lib", &ra) && proc_cmd(&b, "lib", &rb));
	CHECK(reply_has(&ra, "argslib:guarded"));
	CHECK(!reply_has(&rb, "argslib:guarded"));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &ra, a.pid, "argslib:*", 0), 2);
	CHECK_INT(events_of(&t, b.pid), 0);
	usdt_link__destroy(link);
	CHECK(proc_cmd(&a, "sema", &ra) && ra.lib_sema == 0);
	proc_stop(&a);
	proc_stop(&b);
	tracer_close(&t);
}

/* The binary as the process sees it, through /proc/PID/root. */
static void test_proc_root(void)
{
	char path[PATH_MAX + 32], real[PATH_MAX];
	struct usdt_probe_info info = {0};
	struct usdt_link *link;
	struct tracer t;
	struct proc p;
	struct reply r;

	fprintf(stderr, "-- /proc/PID/root\n");
	if (!realpath(FIXTURE, real) || tracer_open(&t, USDT_MODE_AUTO, 0) ||
	    proc_start(&p, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)p.pid, real);
	link = attach(&t, p.pid, path, "args:ints*", 0);
	CHECK(link);
	CHECK(proc_cmd(&p, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, p.pid, "args:ints*", 0), 2);
	/* the probe is named by the path it was attached through */
	CHECK_INT(t.cnt ? usdt_manager__probe_info(t.man, t.ev[0].probe_id, &info) : -ENOENT, 0);
	CHECK_STR(info.path, path);
	usdt_link__destroy(link);
	proc_stop(&p);
	tracer_close(&t);
}

/* Semaphore of args:guarded in p (0 when it cannot be read). */
static unsigned int sema_of(struct proc *p)
{
	struct reply r;

	return proc_cmd(p, "sema", &r) ? r.sema : 0;
}

/*
 * System-wide on a path: a process already running and one started after the attach are both
 * traced, and the kernel raised both semaphores (the second one when it mapped the binary).
 */
static void test_system_wide(void)
{
	struct usdt_link *link;
	struct proc before, after;
	struct reply r;
	struct tracer t;

	fprintf(stderr, "-- system-wide, processes started before and after the attach\n");
	if (tracer_open(&t, USDT_MODE_AUTO, 0) || proc_start(&before, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	link = attach(&t, -1, FIXTURE, "args:*", 3);
	CHECK(link);
	if (proc_start(&after, FIXTURE)) {
		CHECK(!"setup");
		usdt_link__destroy(link);
		proc_stop(&before);
		tracer_close(&t);
		return;
	}
	CHECK(sema_of(&before) > 0 && sema_of(&after) > 0);
	CHECK(proc_cmd(&before, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, before.pid, "args:*", 3), r.cnt);
	CHECK(proc_cmd(&after, "fire", &r));
	tracer_collect(&t);
	CHECK_INT(check_hits(&t, &r, after.pid, "args:*", 3), r.cnt);
	CHECK(reply_has(&r, "args:guarded"));
	usdt_link__destroy(link);
	CHECK(sema_of(&before) == 0 && sema_of(&after) == 0);
	proc_stop(&before);
	proc_stop(&after);
	tracer_close(&t);
}

/* File offset of the first site of provider:name, from readelf -n and -l; or 0. */
static unsigned long site_offset(const char *path, const char *provider, const char *name)
{
	struct readelf_info *info = malloc(sizeof(*info));
	unsigned long long off = 0;

	if (!info || readelf_read(path, info)) {
		free(info);
		return 0;
	}
	for (size_t i = 0; i < info->site_cnt; i++) {
		const struct readelf_site *s = &info->sites[i];

		if (!strcmp(s->provider, provider) && !strcmp(s->name, name)) {
			if (!readelf_offset(info, s->addr, true, &off))
				off = 0;
			break;
		}
	}
	free(info);
	return off;
}

/*
 * USDT_PROG hands the arguments to the handler as parameters; and a site attached without a
 * spec (a cookie past the table) reads as no USDT site at all, never as zeros.
 */
static void test_macro_and_no_spec(void)
{
	struct usdt_uprobe_multi_opts uo = {.sz = sizeof(uo)};
	struct usdt_uprobe_link *raw;
	struct usdt_link *link;
	unsigned long off;
	__u64 cookie = 100000;
	struct tracer t;
	struct proc p;
	struct reply r;
	int k = 0;

	fprintf(stderr, "-- USDT_PROG, and a site without a spec\n");
	if (tracer_open(&t, USDT_MODE_AUTO, 0) || proc_start(&p, FIXTURE)) {
		CHECK(!"setup");
		return;
	}
	link = usdt_attach(t.man, t.skel->progs.usdt_macro, p.pid, FIXTURE, "args:inl", NULL);
	off = site_offset(FIXTURE, "args", "zero");
	uo.offsets = &off;
	uo.cookies = &cookie;
	uo.cnt = 1;
	raw = usdt_attach_uprobe_multi(t.skel->progs.usdt_record, p.pid, FIXTURE, NULL, &uo);
	CHECK(link && raw && off);
	CHECK(proc_cmd(&p, "fire", &r));
	for (int i = 0; i < r.cnt; i++) {
		if (strcmp(r.exp[i].probe, "args:inl") || k >= 8)
			continue;
		CHECK_INT(t.skel->bss->macro_a[k], r.exp[i].vals[0]);
		CHECK_INT(t.skel->bss->macro_b[k], r.exp[i].vals[1]);
		k++;
	}
	CHECK_INT(t.skel->bss->macro_cnt, 4);
	CHECK_INT(k, 4);
	tracer_collect(&t);
	CHECK_INT(t.cnt, 1);
	if (t.cnt == 1) {
		CHECK_INT(t.ev[0].arg_cnt, -ENOENT);
		CHECK_INT(t.ev[0].probe_id, USDT_NO_PROBE);
		CHECK_INT(t.ev[0].cookie, 0);
		CHECK_INT(t.ev[0].errs[0], -ENOENT);
		CHECK_INT(t.ev[0].sizes[0], 0);
	}
	usdt_uprobe_link__destroy(raw);
	usdt_link__destroy(link);
	proc_stop(&p);
	tracer_close(&t);
}

/* A copy of the fixture claiming to be an aarch64 binary. */
static int foreign_copy(char *path)
{
	static const unsigned short em_aarch64 = 183;
	char buf[65536];
	int in, out, n, ok = 0;

	strcpy(path, "/tmp/usdt_attach_foreignXXXXXX");
	in = open(FIXTURE, O_RDONLY);
	out = mkstemp(path);
	if (in < 0 || out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, n) == n;
	ok = ok && pwrite(out, &em_aarch64, 2, 18) == 2; /* e_machine */
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ok ? 0 : -1;
}

/* Bad sites are named and refused, or skipped on request; never a partial link. */
static void test_bad_sites(void)
{
	struct usdt_attach_opts skip = {.sz = sizeof(skip), .skip_bad_sites = true};
	struct bpf_program *prog;
	struct usdt_link *link;
	struct tracer t;
	char foreign[64];
	size_t sites, probes;

	fprintf(stderr, "-- bad sites\n");
	if (tracer_open(&t, USDT_MODE_AUTO, 0)) {
		CHECK(!"setup");
		return;
	}
	prog = t.skel->progs.usdt_record;
	warn_reset();
	CHECK(!attach(&t, -1, FIXTURE, "conflict:*", 0));
	CHECK_INT(errno, EINVAL);
	CHECK_WARNED("site conflict:b at 0x");
	CHECK_WARNED("another semaphore");
	/* naming the conflict walks the notes again, without repeating their warnings */
	CHECK_INT(warned_cnt("address outside every executable segment"), 1);
	link = usdt_attach(t.man, prog, -1, FIXTURE, "conflict:*", &skip);
	CHECK(link && usdt_link__site_cnt(link) == 1);
	usdt_link__destroy(link);

	warn_reset();
	CHECK(!attach(&t, -1, FIXTURE, "bad:*", 0));
	CHECK_INT(errno, EINVAL);
	CHECK_WARNED("site bad:pc at 0x10");
	CHECK_WARNED("site bad:sema at 0x");
	CHECK(!usdt_attach(t.man, prog, -1, FIXTURE, "bad:*", &skip));
	CHECK_INT(errno, EINVAL);
	CHECK_WARNED("every site matching 'bad:*' is bad");

	link = usdt_attach(t.man, prog, -1, FIXTURE, "*", &skip);
	sites = count_sites(FIXTURE, "*", &probes);
	CHECK(link && usdt_link__site_cnt(link) == sites - 3);
	usdt_link__destroy(link);

	warn_reset();
	CHECK(!attach(&t, -1, FIXTURE, "nosuch:*", 0));
	CHECK_INT(errno, ENOENT);
	CHECK_WARNED("no USDT probe matches 'nosuch:*'");

	warn_reset();
	if (foreign_copy(foreign) == 0) {
		CHECK(!attach(&t, -1, foreign, "args:*", 0));
		CHECK_INT(errno, ENOEXEC);
		CHECK_WARNED("aarch64 binary, but this host is x86_64");
		unlink(foreign);
	} else {
		CHECK(!"foreign copy");
	}
	tracer_close(&t);
}

/* Misuse: no spec map, a loaded object, an unloaded one, unknown ids. */
static void test_errors(void)
{
	struct usdt_manager_opts mo = {.sz = sizeof(mo)};
	struct usdt_probe_info info;
	const struct usdt_arg *argv;
	struct usdt_nomap *nomap;
	struct usdt_manager *man;
	struct usdt_test *skel;
	int cnt;

	fprintf(stderr, "-- errors\n");
	nomap = usdt_nomap__open();
	CHECK(nomap);
	if (nomap) {
		warn_reset();
		CHECK(!usdt_manager__new(nomap->obj, &mo));
		CHECK_INT(errno, ENOENT);
		CHECK_WARNED("include <usdt/usdt.bpf.h>");
		usdt_nomap__destroy(nomap);
	}

	skel = usdt_test__open();
	CHECK(skel);
	if (!skel)
		return;
	man = usdt_manager__new(skel->obj, &mo);
	CHECK(man);
	/* not loaded yet */
	CHECK(!usdt_attach(man, skel->progs.usdt_record, -1, FIXTURE, "args:*", NULL));
	CHECK_INT(errno, EINVAL);
	CHECK_INT(usdt_manager__probe_info(man, 0, &info), -ENOENT);
	CHECK_INT(usdti_manager_spec_args(man, 0, &argv, &cnt), -ENOENT);
	CHECK_INT(usdt_program_prepare(skel->progs.usdt_record, USDT_MODE_AUTO), 0);
	CHECK_INT(usdt_test__load(skel), 0);
	CHECK(!usdt_manager__new(skel->obj, &mo));
	CHECK_INT(errno, EBUSY);
	mo.max_specs = (size_t)UINT32_MAX;
	CHECK(!usdt_manager__new(skel->obj, &mo));
	CHECK_INT(errno, EINVAL);
	usdt_manager__free(man);
	usdt_test__destroy(skel);
}

int main(void)
{
	test_require_root("test_usdt_attach");
	proc_timeout("test_usdt_attach", 100);
	usdt_set_print(capture_print);

	test_values(USDT_MODE_MULTI, FIXTURE, false);
	test_values(USDT_MODE_LEGACY, FIXTURE, false);
	/* other layouts: vaddr != file offset for data (and text, with lld), non-PIE shapes */
	test_values(USDT_MODE_MULTI, FIXTURES_DIR "/usdt_args_nopie", false);
	test_values(USDT_MODE_MULTI, FIXTURES_DIR "/usdt_args_noseparate", false);
	if (access(FIXTURES_DIR "/usdt_args_lld", X_OK) == 0)
		test_values(USDT_MODE_MULTI, FIXTURES_DIR "/usdt_args_lld", false);
	else
		CHECK(!getenv("CI")); /* built only where ld.lld is installed */
	/* <usdt/probe.h>: at the nop5 (on both attach paths), then at the nop */
	test_placements();
	test_values(USDT_MODE_MULTI, FIXTURE_PH, false);
	test_values(USDT_MODE_LEGACY, FIXTURE_PH, false);
	test_values(USDT_MODE_MULTI, FIXTURE_PH, true);
	/* the same through an attach plan: the file read once, for counting and attaching */
	through_plan = true;
	test_values(USDT_MODE_MULTI, FIXTURE, false);
	test_values(USDT_MODE_LEGACY, FIXTURE_PH, false);
	test_bad_sites();
	through_plan = false;
	test_refcount_and_reuse();
	test_spec_table_full();
	test_lib_pid_filter();
	test_proc_root();
	test_system_wide();
	test_macro_and_no_spec();
	test_bad_sites();
	test_errors();
	return test_summary("test_usdt_attach");
}
