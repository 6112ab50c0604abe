// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracer's BPF side: the program opened, its maps sized for what the scan found, loaded;
 * each object's plan attached (one link per object file); each probe id configured (names,
 * formats, argument types, its role) as the links number them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "latency.h"
#include "trace.h"
#include "trace.skel.h"
#include "tracer_internal.h"
#include "uprobe_multi.h"
#include "usdt.h"

#define RINGBUF_SIZE  (16u << 20)
/* following processes: room for the probes and argument specs of the files they map later */
#define FOLLOW_PROBES 4096
#define FOLLOW_SPECS  8192

int tracer_bpf_failure(const char *what, int err)
{
	err = err < 0 ? -err : err;
	if (err == EPERM || err == EACCES)
		return cli_error(EXIT_RUNTIME, "%s: %s: needs root or CAP_BPF+CAP_PERFMON", what,
				 strerror(err));
	/* out of descriptors or memory makes the probe fail too: only EINVAL says "unknown" */
	if (err == EINVAL && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0)
		return cli_error(EXIT_RUNTIME, "%s: the kernel lacks BPF ring buffers (Linux 5.8+)",
				 what);
	return cli_error(EXIT_RUNTIME, "%s: %s (USDTCTL_DEBUG=1 shows libbpf's log)", what,
			 strerror(err));
}

/* Which processes the program keeps: the followed ones, those of --cgroup. */
static int set_scope(struct tracer *t, struct trace *s)
{
	int err;

	s->rodata->cgroup_id = t->cgroup_id;
	s->rodata->cgroup_level = t->cgroup_level;
	s->rodata->follow_only = t->fol && (t->o.cmd || t->o.pid);
	/* the follower's set, or none: a preallocated map of every tgid would take 5 MiB */
	if (!t->fol)
		return bpf_map__set_max_entries(s->maps.followed, 1);
	err = bpf_map__reuse_fd(s->maps.followed, follower_followed_fd(t->fol));
	return err ? err : bpf_map__reuse_fd(s->maps.follow_epoch, follower_epoch_fd(t->fol));
}

int tracer_load_bpf(struct tracer *t)
{
	struct usdt_manager_opts mopts = {
		.sz = sizeof(mopts),
		.max_specs = t->sc.site_cnt + (t->fol ? FOLLOW_SPECS : 0),
	};
	struct trace *s;
	int err;

	t->probe_cap = t->sc.found_cnt + (t->fol ? FOLLOW_PROBES : 0);
	if (!t->probe_cap)
		t->probe_cap = 1;
	s = t->skel = trace__open();
	if (!s)
		return tracer_bpf_failure("opening the tracer", errno);
	s->rodata->str_max = t->out.str_max;
	s->rodata->quiet_probes = t->np.all != NULL;
	err = set_scope(t, s);
	if (!err)
		err = analysis_configure(&t->o.an, s, t->probe_cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.counts, t->probe_cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.probe_cfg, t->probe_cap);
	/* --count sends no events: the smallest ring buffer there is */
	if (!err)
		err = bpf_map__set_max_entries(s->maps.events, t->o.count && !t->o.an.lat.send_pairs
								       ? (__u32)getpagesize()
								       : RINGBUF_SIZE);
	if (err)
		return tracer_bpf_failure("sizing the tracer's maps", err);
	err = usdt_program_prepare(s->progs.usdtctl_trace,
				   cli_env.legacy_attach ? USDT_MODE_LEGACY : USDT_MODE_AUTO);
	if (err)
		return tracer_bpf_failure("preparing the tracer", err);
	t->man = usdt_manager__new(s->obj, &mopts);
	if (!t->man)
		return tracer_bpf_failure("creating the USDT manager", errno);
	err = trace__load(s);
	if (err)
		return tracer_bpf_failure("loading the tracer", err);
	return 0;
}

/*
 * -p: has a process whose pidfd was opened before its maps were read exited? Then its pid may
 * name another process now, which the links must not trace.
 */
bool tracer_pid_gone(const struct tracer *t)
{
	return trace_pids_gone(&t->pids) != 0;
}

int tracer_gone_error(const struct tracer *t)
{
	return cli_error(EXIT_RUNTIME, "process %d exited before its probes were attached",
			 trace_pids_gone(&t->pids));
}

int tracer_attach_object(struct tracer *t, struct trace_object *o, pid_t pid)
{
	struct usdt_attach_opts aopts = {.sz = sizeof(aopts), .skip_bad_sites = true};
	const char *why;
	int err;

	cli_clear_lib_message();
	cli_hold_lib_warnings(o->path, o->shown);
	o->link = usdt_plan__attach(o->plan, t->man, t->skel->progs.usdtctl_trace, pid, &aopts);
	err = o->link ? 0 : errno;
	trace_scan_attached(o);
	cli_release_lib_warnings(o->link);
	if (o->link)
		return 0;
	if (tracer_pid_gone(t))
		return tracer_gone_error(t);
	if (err == EPERM || err == EACCES)
		return cli_error(EXIT_RUNTIME,
				 "%s: attaching: %s: needs root or CAP_BPF+CAP_PERFMON", o->shown,
				 strerror(err));
	why = cli_last_lib_message();
	/* the library's "FILE: attaching N USDT site(s) failed: WHY": FILE and N are said here */
	if (why && strstr(why, " failed: ") && !strncmp(why, o->shown, strlen(o->shown)))
		why = strstr(why, " failed: ") + strlen(" failed: ");
	return cli_error(EXIT_RUNTIME, "%s: attaching %zu sites failed: %s", o->shown, o->site_cnt,
			 why ? why : strerror(err));
}

int tracer_attach_all(struct tracer *t, pid_t pid, size_t *objs, size_t *sites)
{
	for (size_t i = 0; i < t->sc.obj_cnt; i++) {
		struct trace_object *o = &t->sc.objs[i];
		int err;

		if (!o->glob_cnt)
			continue;
		/* -p: each process's files are objects of their own */
		err = tracer_attach_object(t, o, t->fol ? -1 : o->pid ? o->pid : pid);
		if (err)
			return err;
		(*objs)++;
		*sites += usdt_link__site_cnt(o->link);
	}
	return 0;
}

/* One probe id: names, formats, type list (the PROBE's, or the catalog's), BPF config. */
static int setup_probe(struct tracer *t, __u32 id, const struct usdt_probe_info *info,
		       const struct found_probe *f)
{
	struct trace_probe_desc *d = &t->out.probes[id];
	const struct trace_pattern *pats = t->sc.pats;
	struct trace_probe_cfg cfg;
	int err = trace_desc_init(d, info->provider, info->name);

	if (err)
		return err;
	d->arg_cnt = info->arg_cnt;
	if (f) {
		memcpy(d->fmt, f->fmt, sizeof(d->fmt));
		if (pats[f->pat].has_types)
			d->types = pats[f->pat].types;
	}
	if (!f || !pats[f->pat].has_types)
		catalog_lookup(t->cat, info->provider, info->name, &d->types);
	for (int i = 0; i < d->types.cnt; i++) {
		if (d->types.type[i] == ARG_HEX)
			d->fmt[i] = FMT_HEX;
	}
	cfg.str_mask = arg_types_mask(&d->types, ARG_STR);
	cfg.strn_mask = arg_types_mask(&d->types, ARG_STRN);
	cfg.role = 0;
	if (t->o.an.latency && f) {
		cfg.role = latency_role(&t->sc, f);
		if (cfg.role == (LAT_START | LAT_END))
			return -EINVAL;
	}
	if (f && runtime_needs_quiet(&t->sc, &t->np, f)) {
		cfg.role = TRACE_ROLE_QUIET;
		d->quiet = true;
	}
	err = bpf_map__update_elem(t->skel->maps.probe_cfg, &id, sizeof(id), &cfg, sizeof(cfg), 0);
	return err;
}

/*
 * What the scan found for the probe ids from first to n (found[id - first]; NULL: nothing):
 * new ids are the links' of the objects attached since the last call, each object looked at once.
 */
static void found_of_ids(struct tracer *t, const struct found_probe **found, __u32 first, __u32 n)
{
	struct usdt_probe_info info;

	for (; t->objs_setup < t->sc.obj_cnt; t->objs_setup++) {
		const struct usdt_link *link = t->sc.objs[t->objs_setup].link;
		size_t cnt = 0;
		const __u32 *ids = link ? usdt_link__probe_ids(link, &cnt) : NULL;

		for (size_t k = 0; k < cnt; k++) {
			if (ids[k] >= first && ids[k] < n &&
			    !usdt_manager__probe_info(t->man, ids[k], &info))
				found[ids[k] - first] = trace_scan_find(&t->sc, t->objs_setup,
									info.provider, info.name);
		}
	}
}

int tracer_setup_probes(struct tracer *t)
{
	const struct found_probe **found;
	struct trace_probe_desc *d;
	struct usdt_probe_info info;
	__u32 first = t->out.probe_cnt, n = first;
	int err = 0;

	/* probe ids are dense from 0, one per (object, provider, name) attached */
	while (usdt_manager__probe_info(t->man, n, &info) == 0)
		n++;
	if (n > t->sc.found_cnt || n > t->probe_cap)
		return cli_error(EXIT_RUNTIME, "internal: %u probes attached, %zu expected", n,
				 t->sc.found_cnt);
	d = realloc(t->out.probes, (n ? n : 1) * sizeof(*d));
	if (!d)
		return cli_error(EXIT_RUNTIME, "out of memory");
	t->out.probes = d;
	memset(d + first, 0, (n - first) * sizeof(*d));
	found = calloc(n > first ? n - first : 1, sizeof(*found));
	if (!found)
		return cli_error(EXIT_RUNTIME, "out of memory");
	found_of_ids(t, found, first, n);
	for (__u32 id = first; id < n && !err; id++) {
		usdt_manager__probe_info(t->man, id, &info);
		err = setup_probe(t, id, &info, found[id - first]);
		t->out.probe_cnt = id + 1;
	}
	free(found);
	if (err == -EINVAL)
		return cli_error(EXIT_USAGE, "%s: %s:%s matches both START and END", t->o.an.cmd,
				 info.provider, info.name);
	if (err)
		return cli_error(EXIT_RUNTIME, "setting up probe %s:%s: %s", info.provider,
				 info.name, strerror(-err));
	return 0;
}
