// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl trace's scan: which object files, which of their sites match the PROBE patterns.
 * Scanning before loading sizes the spec table and the per-probe maps exactly.
 */
#define _GNU_SOURCE
#include "trace_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "target.h"
#include "trace_cmd.h"
#include "trace_output.h"

#define NOT_FOUND_SHOW 3 /* files named in a "no probe matches" error */

int trace_scan_patterns(struct trace_scan *t, char **probes, int cnt)
{
	t->pats = calloc(cnt, sizeof(*t->pats));
	if (!t->pats)
		return cli_error(EXIT_RUNTIME, "out of memory");
	t->pat_cnt = cnt;
	for (size_t i = 0; i < t->pat_cnt; i++) {
		struct trace_pattern *p = &t->pats[i];
		const char *bad = NULL;
		char *spec;
		int err;

		p->arg = probes[i];
		err = arg_types_split(p->arg, &spec, &p->types, &p->has_types, &bad);
		if (err == -EINVAL)
			return cli_error(EXIT_USAGE,
					 "trace: '%s': bad type list at '%.*s' (types: int, hex, "
					 "str, strn, at most %d)",
					 p->arg, (int)strcspn(bad, ",)"), bad, USDT_MAX_ARGS);
		if (err)
			return cli_error(EXIT_RUNTIME, "out of memory");
		if (!cli_is_usdt_spec(spec)) {
			p->glob = spec;
			if (!*spec)
				return cli_error(EXIT_USAGE, "trace: empty PROBE");
			continue;
		}
		err = cli_parse_usdt_spec(spec, &p->path, &p->glob);
		free(spec);
		if (err == -ENOMEM)
			return cli_error(EXIT_RUNTIME, "out of memory");
		if (err)
			return cli_error(EXIT_USAGE,
					 "trace: bad probe '%s': expected usdt:PATH:provider:name",
					 p->arg);
	}
	return 0;
}

/* ---- objects ----------------------------------------------------------------------------- */

/*
 * The object for path (the same file once, per process with -p: pid), with pattern pat
 * applying (-1: the general ones). fd (or -1) is path's descriptor: a new object keeps it,
 * otherwise it is closed.
 */
static int add_object(struct trace_scan *t, const char *path, const char *shown, int pat,
		      bool named, int fd, pid_t pid)
{
	struct trace_object *o = NULL, *n;
	struct stat st;
	int err = 0;

	if (stat(path, &st)) {
		err = -errno;
		goto out;
	}
	for (size_t i = 0; i < t->obj_cnt && !o; i++) {
		if (t->objs[i].dev == st.st_dev && t->objs[i].ino == st.st_ino &&
		    t->objs[i].pid == pid)
			o = &t->objs[i];
	}
	if (!o) {
		n = realloc(t->objs, (t->obj_cnt + 1) * sizeof(*n));
		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		t->objs = n;
		o = &t->objs[t->obj_cnt];
		memset(o, 0, sizeof(*o));
		o->fd = fd;
		fd = -1;
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		o->pid = pid;
		o->path = strdup(path);
		o->shown = strdup(shown);
		o->pats = calloc(t->pat_cnt, sizeof(*o->pats));
		t->obj_cnt++;
		if (!o->path || !o->shown || !o->pats) {
			err = -ENOMEM;
			goto out;
		}
	}
	o->named |= named;
	for (size_t i = 0; i < t->pat_cnt; i++) {
		if (pat < 0 ? !t->pats[i].path : (size_t)pat == i)
			o->pats[i] = true;
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}

struct pid_add {
	struct trace_scan *t;
	int pat;
	pid_t pid;
};

static int pid_object_cb(const char *open_path, const char *path, void *ctx)
{
	struct pid_add *pa = ctx;
	/* the very file the process maps, kept open: the link is made on it, not on a path */
	int fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err;
	char kept[32];

	if (fd < 0)
		return -errno; /* out of descriptors: not an object to leave out silently */
	snprintf(kept, sizeof(kept), "/proc/self/fd/%d", fd);
	err = add_object(pa->t, kept, path, pa->pat, false, fd, pa->pid);
	/* a mapping that vanished meanwhile is no error */
	return err == -ENOENT ? 0 : err;
}

/* -p: one process's objects, or those the filter (TARGET, usdt:PATH) selects. */
static int add_objects_of(struct trace_scan *t, pid_t pid, const char *filter, int pat)
{
	struct pid_add pa = {t, pat, pid};
	bool matched = false;
	int err;

	err = cli_pid_objects(pid, filter ? &filter : NULL, filter ? 1 : 0, &matched, pid_object_cb,
			      &pa);
	if (err == -ESRCH)
		return cli_error(EXIT_RUNTIME, "process %d: no such process", pid);
	if (err)
		return cli_error(EXIT_RUNTIME, "process %d: %s", pid, cli_file_strerror(err));
	if (filter && !matched)
		return cli_error(EXIT_RUNTIME, "process %d does not map %s", pid, filter);
	return 0;
}

/* -p, each one. */
static int add_pid_objects(struct trace_scan *t, const char *filter, int pat)
{
	int err = 0;

	for (size_t i = 0; i < t->pid_cnt && !err; i++)
		err = add_objects_of(t, t->pids[i], filter, pat);
	return err;
}

static int add_file(struct trace_scan *t, const char *name, int pat)
{
	char path[PATH_MAX];
	int err = cli_resolve_target(name, path, sizeof(path));

	if (!err)
		err = add_object(t, path, path, pat, true, -1, 0);
	if (err == -ENOMEM)
		return cli_error(EXIT_RUNTIME, "out of memory");
	if (err)
		return cli_no_target(name);
	return 0;
}

/* The libraries exe loads, as the loader finds them: what trace -c and list show. */
static int add_libraries(struct trace_scan *t, const char *exe)
{
	char **libs;
	size_t lib_cnt;
	int err = trace_cmd_libraries(exe, &libs, &lib_cnt);

	if (err == -ENOMEM)
		return cli_error(EXIT_RUNTIME, "out of memory");
	/* not an ELF file: the scan says so, naming it */
	if (err == -E2BIG)
		cli_warn("%s: not all the libraries it loads are traced: it names more than the "
			 "search takes (4,096 objects, 65,536 files tried)",
			 exe);
	else if (err && err != -ENOENT && err != -ENOEXEC)
		cli_warn("%s: cannot list the libraries it loads (%s): tracing the file only", exe,
			 strerror(-err));
	err = 0;
	for (size_t i = 0; i < lib_cnt; i++) {
		/* a library that is not there is the program's problem, not the trace's */
		if (!err)
			err = add_object(t, libs[i], libs[i], -1, false, -1, 0) == -ENOMEM ? -ENOMEM
											   : 0;
		free(libs[i]);
	}
	free(libs);
	return err ? cli_error(EXIT_RUNTIME, "out of memory") : 0;
}

/* -c: the executable CMD runs and the libraries it will load. */
static int add_cmd_objects(struct trace_scan *t)
{
	char exe[PATH_MAX];
	int err = trace_cmd_executable(t->cmd, exe, sizeof(exe));

	/*
	 * Followed, the programs are found as they run: a shell builtin or function first ("cd
	 * DIR && app") is no error; a path that is not there still is.
	 */
	if (err && t->follow &&
	    !(trace_cmd_word(t->cmd, exe, sizeof(exe)) == 0 && strchr(exe, '/')))
		return 0;
	if (err)
		return cli_error(EXIT_RUNTIME, "-c '%s': cannot find the program it runs: %s",
				 t->cmd, err == -EINVAL ? "no command" : strerror(-err));
	err = add_file(t, exe, -1);
	return err ? err : add_libraries(t, exe);
}

/* TARGET system-wide: the file, and the libraries a program loads (libruby for ruby). */
static int add_target(struct trace_scan *t)
{
	char path[PATH_MAX];
	int err = add_file(t, t->target, -1);

	if (err || cli_resolve_target(t->target, path, sizeof(path)))
		return err;
	return add_libraries(t, path);
}

int trace_scan_objects(struct trace_scan *t)
{
	bool general = false;
	int err = 0;

	for (size_t i = 0; i < t->pat_cnt && !err; i++) {
		if (!t->pats[i].path) {
			general = true;
			continue;
		}
		err = t->pid ? add_pid_objects(t, t->pats[i].path, i)
			     : add_file(t, t->pats[i].path, i);
	}
	if (err || !general)
		return err;
	if (t->target)
		err = t->pid ? add_pid_objects(t, t->target, -1) : add_target(t);
	else if (t->pid && !t->follow)
		err = add_pid_objects(t, NULL, -1);
	else if (!t->cmd && !t->follow)
		return cli_error(EXIT_USAGE,
				 "trace: no TARGET for '%s': give a file, -p PID, "
				 "-c CMD or usdt:PATH:provider:name",
				 t->pats[0].arg);
	if (!err && t->cmd)
		err = add_cmd_objects(t);
	return err;
}

/* ---- scan: which sites match, which probes they make, how big the maps must be ----------- */

/* libusdt reads no floats (they read as errors), so the sign is all a spec adds. */
static unsigned char arg_fmt_of(const struct usdt_arg *a)
{
	return a->size < 0 ? FMT_SIGNED : FMT_UNSIGNED;
}

static __u64 found_hash(size_t obj, const char *provider, const char *name)
{
	return usdti_probe_hash(NULL, provider, name) ^ (obj + 1) * 0x9e3779b97f4a7c15ull;
}

static bool found_is(const struct found_probe *f, size_t obj, const char *provider,
		     const char *name)
{
	return f->obj == obj && !strcmp(f->name, name) && !strcmp(f->provider, provider);
}

static struct found_probe *find_probe(const struct trace_scan *t, size_t obj, const char *provider,
				      const char *name)
{
	__u64 h = found_hash(obj, provider, name);
	size_t pos;
	__u32 id;

	usdti_hashmap_for_each_id (&t->found_index, h, pos, id)
		if (found_is(&t->found[id], obj, provider, name))
			return &t->found[id];
	return NULL;
}

static int add_site(struct trace_scan *t, size_t obj, const struct usdt_site *s, int pat)
{
	struct found_probe *f = find_probe(t, obj, s->provider, s->name), *n;

	if (!f) {
		n = realloc(t->found, (t->found_cnt + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->found = n;
		f = &t->found[t->found_cnt++];
		memset(f, 0, sizeof(*f));
		f->obj = obj;
		f->pat = pat;
		f->provider = strdup(s->provider);
		f->name = strdup(s->name);
		if (!f->provider || !f->name)
			return -ENOMEM;
		for (int i = 0; i < s->arg_cnt && i < USDT_MAX_ARGS; i++)
			f->fmt[i] = arg_fmt_of(&s->argv[i]);
		return usdti_hashmap_add(&t->found_index, found_hash(obj, s->provider, s->name),
					 t->found_cnt - 1);
	}
	/* sites may disagree on a sign: signed reads right for every value but huge unsigned */
	for (int i = 0; i < s->arg_cnt && i < USDT_MAX_ARGS; i++) {
		if (f->fmt[i] == FMT_UNSIGNED && arg_fmt_of(&s->argv[i]) == FMT_SIGNED)
			f->fmt[i] = FMT_SIGNED;
	}
	return 0;
}

/* Adds glob to the object's globs once. */
static int add_glob(struct trace_object *o, const char *glob)
{
	const char **n;

	for (size_t i = 0; i < o->glob_cnt; i++) {
		if (!strcmp(o->globs[i], glob))
			return 0;
	}
	n = realloc(o->globs, (o->glob_cnt + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	o->globs = n;
	o->globs[o->glob_cnt++] = glob;
	return 0;
}

/* The patterns that apply to object oi and match probe (provider:name): its sites are traced. */
static int scan_probe(struct trace_scan *t, size_t oi, const struct usdt_file *f, size_t probe)
{
	const struct usdt_site *first = usdt_file__probe_site(f, probe, 0);
	struct trace_object *o = &t->objs[oi];
	size_t n = usdt_file__probe_site_cnt(f, probe);
	int pat = -1, err = 0;

	for (size_t i = 0; i < t->pat_cnt; i++) {
		struct trace_pattern *p = &t->pats[i];

		if (!o->pats[i])
			continue;
		if (!usdt_probe_match(p->glob, first->provider, first->name)) {
			/* each probe is weighed once: the file's probes are grouped */
			if (!p->matched)
				suggest_add(&p->near, p->glob, first->provider, first->name);
			continue;
		}
		p->matched = true;
		err = add_glob(o, p->glob);
		if (err)
			return err;
		if (pat < 0 || (!t->pats[pat].has_types && p->has_types))
			pat = i;
	}
	if (pat < 0)
		return 0;
	o->site_cnt += n;
	t->site_cnt += n;
	for (size_t k = 0; k < n && !err; k++)
		err = add_site(t, oi, usdt_file__probe_site(f, probe, k), pat);
	return err;
}

bool trace_object_readable(const struct trace_object *o)
{
	return o->fd >= 0 || strncmp(o->path, "/proc/self/fd/", 14) != 0;
}

static void drop_fd(struct trace_object *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

/*
 * The matching sites of object oi, probe by probe; the file stays open, with the plan to
 * attach them, when any match. 0, or an exit code (reported).
 */
static int scan_object(struct trace_scan *t, size_t oi)
{
	struct usdt_file_opts fopts = {
		.sz = sizeof(fopts),
		.parse_args = true,
		.group_probes = true,
	};
	struct trace_object *o = &t->objs[oi];
	struct usdt_file *f;
	int err = 0;

	cli_hold_lib_warnings(o->path, o->shown);
	f = usdt_file__open(o->path, &fopts);
	cli_release_lib_warnings(true);
	if (!f) {
		err = errno;
		drop_fd(o);
		if (err == ENOMEM)
			return cli_error(EXIT_RUNTIME, "out of memory");
		/* one found through -p or ld.so may not be an ELF file we can read */
		if (o->named)
			return cli_error(EXIT_RUNTIME, "%s: %s", o->shown, cli_file_strerror(err));
		return 0;
	}
	for (size_t p = 0; p < usdt_file__probe_cnt(f) && !err; p++)
		err = scan_probe(t, oi, f, p);
	if (!err && o->glob_cnt) {
		o->file = f;
		o->plan = usdt_plan__new(f, o->globs, o->glob_cnt);
		err = o->plan ? 0 : -errno;
	} else {
		usdt_file__close(f);
		/* -p: only the objects to attach keep their descriptor (a process maps hundreds) */
		drop_fd(o);
	}
	return err ? cli_error(EXIT_RUNTIME, "out of memory") : 0;
}

int trace_scan_sites(struct trace_scan *t)
{
	int err = 0;

	for (size_t oi = 0; oi < t->obj_cnt && !err; oi++)
		err = scan_object(t, oi);
	return err;
}

void trace_scan_attached(struct trace_object *o)
{
	usdt_plan__free(o->plan);
	usdt_file__close(o->file);
	o->plan = NULL;
	o->file = NULL;
}

static void object_free(struct trace_object *o)
{
	free(o->path);
	free(o->shown);
	free(o->pats);
	free(o->globs);
	trace_scan_attached(o);
	drop_fd(o);
}

/* Takes back what scanning the last object added: its probes, its sites, the object. */
static void drop_last_object(struct trace_scan *t, size_t found_before)
{
	struct trace_object *o = &t->objs[--t->obj_cnt];

	for (size_t i = found_before; i < t->found_cnt; i++) {
		struct found_probe *f = &t->found[i];

		usdti_hashmap_del(&t->found_index, found_hash(f->obj, f->provider, f->name), i);
		free(f->provider);
		free(f->name);
	}
	t->found_cnt = found_before;
	t->site_cnt -= o->site_cnt;
	object_free(o);
}

int trace_scan_add_mapped(struct trace_scan *t, const char *open_path, const char *shown,
			  size_t max_found, size_t *oi)
{
	struct pid_add pa = {t, -1, 0};
	size_t cnt = t->obj_cnt, found = t->found_cnt;
	int err = pid_object_cb(open_path, shown, &pa);

	*oi = SIZE_MAX;
	if (err)
		return err == -ENOMEM ? cli_error(EXIT_RUNTIME, "out of memory") : 0;
	if (t->obj_cnt == cnt)
		return 0; /* a file seen before */
	err = scan_object(t, cnt);
	if (err)
		return err;
	if (t->found_cnt > max_found) {
		/* taken back, so that a smaller file found later still fits */
		cli_warn("%s: not traced: more than %zu probes", shown, max_found);
		drop_last_object(t, found);
		return 0;
	}
	if (t->objs[cnt].glob_cnt) {
		*oi = cnt;
		return 0;
	}
	/* nothing to attach: a followed process maps hundreds of such files */
	drop_last_object(t, found);
	return 0;
}

/*
 * "FILE, FILE, FILE and N more": the objects pattern pat applies to; the libraries of a TARGET
 * or -c's program counted, not named.
 */
static void object_list(const struct trace_scan *t, size_t pat, char *buf, size_t sz)
{
	size_t total = 0, libs = 0, len = 0;

	buf[0] = '\0';
	for (size_t oi = 0; oi < t->obj_cnt; oi++) {
		if (!t->objs[oi].pats[pat])
			continue;
		if (!t->pid && !t->objs[oi].named) {
			libs++;
			continue;
		}
		if (total++ < NOT_FOUND_SHOW && len < sz)
			len += snprintf(buf + len, sz - len, "%s%s", len ? ", " : "",
					t->objs[oi].shown);
	}
	if (total > NOT_FOUND_SHOW && len < sz)
		len += snprintf(buf + len, sz - len, " and %zu more", total - NOT_FOUND_SHOW);
	if (libs && len < sz)
		snprintf(buf + len, sz - len, " and the %zu libraries %s", libs,
			 total > 1 ? "they load" : "it loads");
	if (!total && !libs)
		snprintf(buf, sz, "no object");
}

int trace_scan_check(const struct trace_scan *t)
{
	char files[1024], near[1024];

	for (size_t i = 0; i < t->pat_cnt; i++) {
		/* following: the processes may map its probes later */
		if (t->pats[i].matched || (t->follow && !t->pats[i].path))
			continue;
		object_list(t, i, files, sizeof(files));
		suggest_format(&t->pats[i].near, near, sizeof(near));
		if (!near[0] && t->pid)
			snprintf(near, sizeof(near), "see 'usdtctl list -p %d'", t->pid);
		else if (!near[0])
			snprintf(near, sizeof(near), "see 'usdtctl list'");
		if (t->pid_cnt > 1)
			return cli_error(
				EXIT_RUNTIME,
				"no probe matches '%s' in processes %d and %zu more (%s); %s",
				t->pats[i].glob, t->pid, t->pid_cnt - 1, files, near);
		if (t->pid)
			return cli_error(EXIT_RUNTIME,
					 "no probe matches '%s' in process %d (%s); %s",
					 t->pats[i].glob, t->pid, files, near);
		return cli_error(EXIT_RUNTIME, "no probe matches '%s' in %s; %s", t->pats[i].glob,
				 files, near);
	}
	return 0;
}

void trace_scan_warn_unmatched(const struct trace_scan *t)
{
	for (size_t i = 0; i < t->pat_cnt; i++) {
		if (!t->pats[i].matched)
			cli_warn(
				"no probe matched '%s' in the processes followed; see 'usdtctl list'",
				t->pats[i].glob);
	}
}

const struct found_probe *trace_scan_find(const struct trace_scan *t, size_t obj,
					  const char *provider, const char *name)
{
	return find_probe(t, obj, provider, name);
}

void trace_scan_free(struct trace_scan *t)
{
	for (size_t i = 0; i < t->obj_cnt; i++)
		object_free(&t->objs[i]);
	free(t->objs);
	for (size_t i = 0; i < t->found_cnt; i++) {
		free(t->found[i].provider);
		free(t->found[i].name);
	}
	free(t->found);
	usdti_hashmap_free(&t->found_index);
	for (size_t i = 0; i < t->pat_cnt; i++) {
		free(t->pats[i].path);
		free(t->pats[i].glob);
	}
	free(t->pats);
}
